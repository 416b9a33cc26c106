package channelstest

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/shopspring/decimal"

	"github.com/azuvio/omnisales/channels"
)

// Op names a call of the fake shop, for fault injection and counting.
type Op string

// Operations.
const (
	OpList      Op = "list"
	OpGet       Op = "get"
	OpPush      Op = "push"
	OpCatalogue Op = "catalogue"
)

// ErrUnreachable is what an injected outage returns: it wraps
// channels.KindUnreachable, as a real connector's transport failure does.
var ErrUnreachable = fmt.Errorf("channelstest: store unreachable: %w", channels.KindUnreachable)

// MaxBatch is the largest catalogue batch the fake accepts (WooCommerce's limit).
const MaxBatch = 100

// Fault makes calls of Op fail: after skipping After calls, the next
// Times calls (0: one) return Err (nil: ErrUnreachable).
type Fault struct {
	Op    Op
	After int
	Times int
	Err   error
}

// Push is a status push the shop received.
type Push struct {
	ExternalID string
	Status     string
	At         time.Time
}

// Shop is a fake online store. Its clock is synthetic: every change (an
// order added, a status set by the shop or pushed) is one second after the
// previous one, so modification times strictly increase. It is safe for
// concurrent use; values are copied in and out.
type Shop struct {
	mu      sync.Mutex
	orders  map[string]*channels.ExternalOrder
	now     time.Time
	faults  []*Fault
	calls   map[Op]int
	pushes  []Push
	items   map[channels.Job]map[string]channels.CatalogueItem
	rejects map[string]error
	corrupt map[string]bool
	hideMod bool
}

var (
	_ channels.OrderSource   = (*Shop)(nil)
	_ channels.OrderGetter   = (*Shop)(nil)
	_ channels.StatusSink    = (*Shop)(nil)
	_ channels.CatalogueSink = (*Shop)(nil)
)

// Epoch is when the fake shop's clock starts.
var Epoch = time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC)

// NewShop returns an empty shop.
func NewShop() *Shop {
	return &Shop{orders: map[string]*channels.ExternalOrder{}, now: Epoch, calls: map[Op]int{},
		items: map[channels.Job]map[string]channels.CatalogueItem{}, rejects: map[string]error{},
		corrupt: map[string]bool{}}
}

// Connector returns the shop as a channels.Connector.
func (s *Shop) Connector() channels.Connector {
	return channels.Connector{Orders: s, Status: s, Catalogue: s}
}

// Connect is a channels.ConnectFunc that returns the shop for any shop id.
func (s *Shop) Connect(ctx context.Context, _ channels.Shop) (channels.Connector, error) {
	return s.Connector(), nil
}

func (s *Shop) tick() time.Time {
	s.now = s.now.Add(time.Second)
	return s.now
}

func cloneOrder(o channels.ExternalOrder) channels.ExternalOrder {
	o.Lines = slices.Clone(o.Lines)
	return o
}

// Add adds or replaces orders as a shop customer places them. Zero
// Created and Modified are set from the shop's clock.
func (s *Shop) Add(orders ...channels.ExternalOrder) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, o := range orders {
		o = cloneOrder(o)
		t := s.tick()
		if o.Created.IsZero() {
			o.Created = t
		}
		if o.Modified.IsZero() || !o.Modified.After(s.now) {
			o.Modified = t
		}
		s.orders[o.ID] = &o
	}
}

// SetStatus changes an order's status as a shop operator would; it
// returns false for an unknown order.
func (s *Shop) SetStatus(id, status string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.orders[id]
	if ok {
		o.Status, o.Modified = status, s.tick()
	}
	return ok
}

// Touch marks an order modified without changing its status (a note, an
// address edit).
func (s *Shop) Touch(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if o, ok := s.orders[id]; ok {
		o.Modified = s.tick()
	}
}

// Order returns an order as the shop has it.
func (s *Shop) Order(id string) (channels.ExternalOrder, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.orders[id]
	if !ok {
		return channels.ExternalOrder{}, false
	}
	return cloneOrder(*o), true
}

// Inject adds a fault.
func (s *Shop) Inject(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f.Times <= 0 {
		f.Times = 1
	}
	if f.Err == nil {
		f.Err = ErrUnreachable
	}
	s.faults = append(s.faults, &f)
}

// ErrMalformed is what an unreadable order reports.
var ErrMalformed = errors.New("channelstest: malformed order")

// Corrupt makes an order unreadable (true) or readable again (false):
// listings report it in OrderPage.Unreadable and GetOrder fails with
// ErrMalformed.
func (s *Shop) Corrupt(id string, corrupt bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.corrupt[id] = corrupt
}

// ClearFaults removes every injected fault not yet used up.
func (s *Shop) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// RejectItem makes catalogue pushes of sku fail with err (nil: accept again).
func (s *Shop) RejectItem(sku string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err == nil {
		delete(s.rejects, sku)
		return
	}
	s.rejects[sku] = err
}

// HideModified makes status pushes report no modification time, as a
// shop whose answer lacks it.
func (s *Shop) HideModified(hide bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hideMod = hide
}

// Calls returns how many times op was called (failed calls included).
func (s *Shop) Calls(op Op) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[op]
}

// Pushes returns the status pushes received, in order.
func (s *Shop) Pushes() []Push {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.pushes)
}

// Items returns the catalogue data the shop holds for job, by SKU.
func (s *Shop) Items(job channels.Job) map[string]channels.CatalogueItem {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]channels.CatalogueItem, len(s.items[job]))
	for k, v := range s.items[job] {
		out[k] = v
	}
	return out
}

// call counts op and returns the injected error, if any. s.mu is held.
func (s *Shop) call(ctx context.Context, op Op) error {
	s.calls[op]++
	if err := ctx.Err(); err != nil {
		return err
	}
	for _, f := range s.faults {
		if f.Op != op || f.Times == 0 {
			continue
		}
		if f.After > 0 {
			f.After--
			continue
		}
		f.Times--
		return f.Err
	}
	return nil
}

// The cursor is the (Modified, ID) of the last order listed: key-set
// pagination, stable while orders change between reads.
func encodeCursor(t time.Time, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(t.UnixNano(), 10) + "|" + id))
}

func decodeCursor(c string) (time.Time, string, error) {
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return time.Time{}, "", fmt.Errorf("channelstest: bad cursor %q", c)
	}
	ns, id, ok := strings.Cut(string(raw), "|")
	n, perr := strconv.ParseInt(ns, 10, 64)
	if !ok || perr != nil {
		return time.Time{}, "", fmt.Errorf("channelstest: bad cursor %q", c)
	}
	return time.Unix(0, n).UTC(), id, nil
}

func after(o *channels.ExternalOrder, t time.Time, id string) bool {
	if !o.Modified.Equal(t) {
		return o.Modified.After(t)
	}
	return o.ID > id
}

// ListOrders implements channels.OrderSource: orders by (Modified, ID)
// after the cursor, at most limit (0: 10).
func (s *Shop) ListOrders(ctx context.Context, cursor string, limit int) (channels.OrderPage, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.call(ctx, OpList); err != nil {
		return channels.OrderPage{}, err
	}
	if limit <= 0 {
		limit = 10
	}
	var t time.Time
	var id string
	if cursor != "" {
		var err error
		if t, id, err = decodeCursor(cursor); err != nil {
			return channels.OrderPage{}, err
		}
	}
	var match []*channels.ExternalOrder
	for _, o := range s.orders {
		if cursor == "" || after(o, t, id) {
			match = append(match, o)
		}
	}
	sort.Slice(match, func(i, j int) bool {
		a, b := match[i], match[j]
		if !a.Modified.Equal(b.Modified) {
			return a.Modified.Before(b.Modified)
		}
		return a.ID < b.ID
	})
	page := channels.OrderPage{Total: len(match), Next: cursor}
	for i, o := range match {
		if i == limit {
			page.More = true
			break
		}
		if s.corrupt[o.ID] {
			page.Unreadable = append(page.Unreadable, channels.UnreadableOrder{ID: o.ID, Err: ErrMalformed})
		} else {
			page.Orders = append(page.Orders, cloneOrder(*o))
		}
		page.Next = encodeCursor(o.Modified, o.ID)
	}
	return page, nil
}

// GetOrder implements channels.OrderGetter.
func (s *Shop) GetOrder(ctx context.Context, id string) (channels.ExternalOrder, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.call(ctx, OpGet); err != nil {
		return channels.ExternalOrder{}, err
	}
	o, ok := s.orders[id]
	if !ok {
		return channels.ExternalOrder{}, fmt.Errorf("channelstest: order %s: %w", id, channels.ErrNotFound)
	}
	if s.corrupt[id] {
		return channels.ExternalOrder{}, fmt.Errorf("channelstest: order %s: %w", id, ErrMalformed)
	}
	return cloneOrder(*o), nil
}

// PushStatus implements channels.StatusSink: it sets the order's status
// and modification time and records the push.
func (s *Shop) PushStatus(ctx context.Context, id, status string) (channels.PushResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.call(ctx, OpPush); err != nil {
		return channels.PushResult{}, err
	}
	o, ok := s.orders[id]
	if !ok {
		return channels.PushResult{}, fmt.Errorf("channelstest: push to order %s: %w", id, channels.ErrNotFound)
	}
	o.Status, o.Modified = status, s.tick()
	s.pushes = append(s.pushes, Push{ExternalID: id, Status: status, At: o.Modified})
	if s.hideMod {
		return channels.PushResult{}, nil
	}
	return channels.PushResult{Modified: o.Modified}, nil
}

// PushCatalogue implements channels.CatalogueSink. A batch over MaxBatch
// is refused whole, as WooCommerce does (413).
func (s *Shop) PushCatalogue(ctx context.Context, job channels.Job, items []channels.CatalogueItem) ([]channels.ItemResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.call(ctx, OpCatalogue); err != nil {
		return nil, err
	}
	if len(items) > MaxBatch {
		return nil, fmt.Errorf("channelstest: batch of %d items exceeds %d", len(items), MaxBatch)
	}
	if s.items[job] == nil {
		s.items[job] = map[string]channels.CatalogueItem{}
	}
	out := make([]channels.ItemResult, 0, len(items))
	for _, it := range items {
		if err, bad := s.rejects[it.SKU]; bad {
			out = append(out, channels.ItemResult{SKU: it.SKU, Err: err})
			continue
		}
		it.Images = slices.Clone(it.Images)
		s.items[job][it.SKU] = it
		out = append(out, channels.ItemResult{SKU: it.SKU})
	}
	return out, nil
}

// NewOrder returns a shop order for tests: one line per SKU, quantity 1 at
// 10.00 RON with 19% tax, paid by "cod", bought by email.
func NewOrder(id, status, email string, skus ...string) channels.ExternalOrder {
	o := channels.ExternalOrder{ID: id, Number: "#" + id, Status: status, Currency: "RON", PaymentMethod: "cod",
		Customer: channels.Customer{Email: email, Name: "Buyer " + id}}
	for _, sku := range skus {
		ten := decimal.NewFromInt(10)
		o.Lines = append(o.Lines, channels.ExternalLine{SKU: sku, Name: "Product " + sku, Quantity: 1,
			Subtotal: ten, Total: ten, TaxRate: decimal.NewFromInt(19)})
	}
	return o
}
