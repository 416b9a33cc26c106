package woocommerce

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/shopspring/decimal"

	"github.com/azuvio/omnisales/channels"
	"github.com/azuvio/omnisales/oms"
)

// Shop adapts a Client to the channels connector interfaces, so the sync
// engine can import a WooCommerce store's orders, push statuses back and
// push catalogue batches. Build it with NewShop; it is safe for concurrent
// use.
//
// Incremental pulls: a walk lists the orders modified after the cursor's
// time, by id ascending, page by page. Orders modified during the walk
// only move into that listing, new ids at its end, so they never shift
// what is left to read. An order moved to the trash (or deleted) during
// the walk does leave it, and moves every later order one place up: read
// by page number, the order that slid over the page boundary would be
// skipped until it changed again. So a walk reads by offset, each page
// starting on the last order of the one before, and the cursor keeps the
// highest id passed; a page whose first order is above that id means
// orders left the listing before it, and the walk steps back (one more
// request per page-full of removed orders) until it finds an order it
// has passed. Orders read twice are dropped by id; the import is
// idempotent anyway. The next walk starts Overlap before this walk began,
// so a change made while the walk ran is always seen by the next one.
//
// Faults: transport failures, 429, 5xx and cut bodies (after the client's
// own retries) wrap channels.KindUnreachable; orders of a page that do not
// decode are reported as channels.UnreadableOrder, so the diary names them.
type Shop struct {
	c   *Client
	cfg ShopConfig

	mu   sync.Mutex
	skus map[string]int64 // SKU → product id, for catalogue pushes
}

// ShopConfig configures a Shop; zero values are usable.
type ShopConfig struct {
	// Overlap is how far before a walk's start the next walk begins;
	// 0 means one minute, for clock skew between us and the site.
	Overlap time.Duration
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
}

var (
	_ channels.OrderSource   = (*Shop)(nil)
	_ channels.OrderGetter   = (*Shop)(nil)
	_ channels.StatusSink    = (*Shop)(nil)
	_ channels.CatalogueSink = (*Shop)(nil)
	_ channels.RetryHinter   = (*Error)(nil)
)

// NewShop returns the connector side of c.
func NewShop(c *Client, cfg ShopConfig) *Shop {
	if cfg.Overlap <= 0 {
		cfg.Overlap = time.Minute
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Shop{c: c, cfg: cfg, skus: map[string]int64{}}
}

// Connector returns all three connector parts.
func (s *Shop) Connector() channels.Connector {
	return channels.Connector{Orders: s, Status: s, Catalogue: s}
}

// cursor is the position of a walk: the listing of orders modified after
// Since, by id ascending, of which Pos have been passed, the highest id
// among them being Last; Start is when the walk began. The zero cursor
// begins a walk over every order.
type cursor struct {
	Since, Start time.Time
	Pos          int
	Last         int64
}

func (c cursor) String() string {
	return "v2;" + c.Since.UTC().Format(time.RFC3339Nano) + ";" + c.Start.UTC().Format(time.RFC3339Nano) + ";" +
		strconv.Itoa(c.Pos) + ";" + strconv.FormatInt(c.Last, 10)
}

// parseCursor reads a cursor. A v1 cursor (a page number, from before the
// walk read by offset) starts its walk again from the first page with the
// same filter: orders are read twice, none is skipped.
func parseCursor(s string) (cursor, error) {
	if s == "" {
		return cursor{}, nil
	}
	bad := fmt.Errorf("woocommerce: malformed sync cursor %q: %w", s, ErrInvalidOptions)
	parts := strings.Split(s, ";")
	switch {
	case len(parts) == 4 && parts[0] == "v1":
		since, err1 := time.Parse(time.RFC3339Nano, parts[1])
		_, err2 := time.Parse(time.RFC3339Nano, parts[2])
		page, err3 := strconv.Atoi(parts[3])
		if errors.Join(err1, err2, err3) != nil || page < 1 {
			return cursor{}, bad
		}
		return cursor{Since: since}, nil
	case len(parts) == 5 && parts[0] == "v2":
		since, err1 := time.Parse(time.RFC3339Nano, parts[1])
		start, err2 := time.Parse(time.RFC3339Nano, parts[2])
		pos, err3 := strconv.Atoi(parts[3])
		last, err4 := strconv.ParseInt(parts[4], 10, 64)
		if errors.Join(err1, err2, err3, err4) != nil || pos < 0 || last < 0 {
			return cursor{}, bad
		}
		return cursor{Since: since, Start: start, Pos: pos, Last: last}, nil
	}
	return cursor{}, bad
}

// transport marks failures the engine should retry as unreachable.
func transport(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, ErrUnreachable) || errors.Is(err, ErrServer) || errors.Is(err, ErrRateLimited) ||
		errors.Is(err, ErrMalformedResponse) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%w: %w", channels.KindUnreachable, err)
	}
	return err
}

// ListOrders implements channels.OrderSource: one page of the walk the
// Shop doc describes.
func (s *Shop) ListOrders(ctx context.Context, cur string, limit int) (channels.OrderPage, error) {
	c, err := parseCursor(cur)
	if err != nil {
		return channels.OrderPage{}, err
	}
	if c.Pos == 0 {
		c.Start = s.cfg.Now().UTC()
	}
	// One place of each page repeats the last order of the page before.
	per := min(max(limit, 2), MaxPerPage)
	if limit <= 0 {
		per = MaxPerPage
	}
	off := max(c.Pos-1, 0)
	var (
		orders []Order
		resp   *Response
		pde    *PageDecodeError
	)
	for {
		opts := &ListOrdersOptions{Offset: off, PerPage: per, ModifiedAfter: c.Since, OrderBy: OrderByID, Order: Asc}
		orders, resp, err = s.c.Orders.List(ctx, opts)
		pde = nil
		if err != nil && !errors.As(err, &pde) {
			return channels.OrderPage{}, transport(err)
		}
		if off == 0 || c.Last == 0 || reaches(orders, pde, c.Last) {
			break
		}
		// The page starts above every order passed: orders left the
		// listing before it, and some not read yet may have moved below
		// the offset. Step back a page, keeping one place of overlap.
		off = max(off-(per-1), 0)
	}
	got := len(orders)
	page := channels.OrderPage{Orders: make([]channels.ExternalOrder, 0, len(orders))}
	last := c.Last
	for _, o := range orders {
		last = max(last, o.ID)
		if o.ID > c.Last {
			page.Orders = append(page.Orders, ToExternal(o))
		}
	}
	if pde != nil {
		got += len(pde.Failed)
		// Orders of an otherwise valid page that cannot be read go to the
		// diary by id (never skipped silently); RetryFailed re-reads them.
		for _, f := range pde.Failed {
			last = max(last, f.ID)
			if f.ID != 0 && f.ID <= c.Last || f.ID == 0 && f.Index < c.Pos-off {
				continue // passed already
			}
			u := channels.UnreadableOrder{Err: f}
			if f.ID != 0 {
				u.ID = strconv.FormatInt(f.ID, 10)
			}
			page.Unreadable = append(page.Unreadable, u)
		}
	}
	pos := off + got
	more := got == per
	if resp != nil {
		page.Total = max(resp.Total, 0)
		if resp.Total >= 0 {
			more = pos < resp.Total
		}
	}
	page.More = more
	if more {
		page.Next = cursor{Since: c.Since, Start: c.Start, Pos: pos, Last: last}.String()
	} else {
		page.Next = cursor{Since: c.Start.Add(-s.cfg.Overlap)}.String()
	}
	return page, nil
}

// reaches reports whether a page holds an order with an id at most last:
// then, ids ascending, every order above last up to the page's end is in
// it.
func reaches(orders []Order, pde *PageDecodeError, last int64) bool {
	for _, o := range orders {
		if o.ID <= last {
			return true
		}
	}
	if pde != nil {
		for _, f := range pde.Failed {
			if f.ID != 0 && f.ID <= last {
				return true
			}
		}
	}
	return false
}

// GetOrder implements channels.OrderGetter.
func (s *Shop) GetOrder(ctx context.Context, externalID string) (channels.ExternalOrder, error) {
	id, err := strconv.ParseInt(externalID, 10, 64)
	if err != nil {
		return channels.ExternalOrder{}, fmt.Errorf("woocommerce: order id %q: %w", externalID, channels.ErrNotFound)
	}
	o, _, err := s.c.Orders.Get(ctx, id)
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return channels.ExternalOrder{}, fmt.Errorf("%w: %w", channels.ErrNotFound, err)
		}
		return channels.ExternalOrder{}, transport(err)
	}
	return ToExternal(*o), nil
}

// PushStatus implements channels.StatusSink with PUT /orders/{id}, once
// per change even when answers are lost: it first reads the order (GET,
// retried) and sends no PUT when the site already shows the status (an
// earlier attempt landed, or the shop set it), and the PUT itself is not
// repeated blindly after it may have reached the site (a 5xx, a timeout,
// a cut answer): the error goes back to the engine, whose next attempt
// reads the order again.
func (s *Shop) PushStatus(ctx context.Context, externalID, status string) (channels.PushResult, error) {
	id, err := strconv.ParseInt(externalID, 10, 64)
	if err != nil {
		return channels.PushResult{}, fmt.Errorf("woocommerce: order id %q: %w", externalID, channels.KindRejected)
	}
	cur, _, err := s.c.Orders.Get(ctx, id)
	if err != nil {
		if t := transport(err); t != err {
			return channels.PushResult{}, t
		}
		return channels.PushResult{}, fmt.Errorf("%w: %w", channels.KindRejected, err)
	}
	if strings.EqualFold(strings.TrimSpace(cur.Status), strings.TrimSpace(status)) {
		return channels.PushResult{Modified: cur.DateModified}, nil
	}
	o, _, err := s.c.Orders.updateStatus(ctx, id, status, false)
	if err != nil {
		if t := transport(err); t != err {
			return channels.PushResult{}, t
		}
		return channels.PushResult{}, fmt.Errorf("%w: %w", channels.KindRejected, err)
	}
	return channels.PushResult{Modified: o.DateModified}, nil
}

// PushCatalogue implements channels.CatalogueSink with POST
// /products/batch (chunks of at most 100). Products are found by SKU once
// and remembered.
func (s *Shop) PushCatalogue(ctx context.Context, job channels.Job, items []channels.CatalogueItem) ([]channels.ItemResult, error) {
	results := make([]channels.ItemResult, 0, len(items))
	var req BatchRequest
	var sent []string
	for _, it := range items {
		id, err := s.productID(ctx, it.SKU)
		if err != nil {
			if t := transport(err); t != err {
				return nil, t
			}
			results = append(results, channels.ItemResult{SKU: it.SKU, Err: fmt.Errorf("%w: %w", channels.KindRejected, err)})
			continue
		}
		w := ProductWrite{ID: id}
		switch job {
		case channels.JobPrices:
			p := it.RegularPrice
			w.RegularPrice = &p
			if it.SalePrice.Valid {
				sp := it.SalePrice.Decimal
				w.SalePrice = &sp
			} else {
				w.ClearSalePrice = true
			}
		case channels.JobStock:
			w.ManageStock, w.StockQuantity = Ptr(true), Ptr(it.Stock)
		case channels.JobDescriptions:
			if it.Name != "" {
				w.Name = Ptr(it.Name)
			}
			w.Description, w.ShortDescription = Ptr(it.Description), Ptr(it.ShortDescription)
		case channels.JobImages:
			w.Images = make([]Image, 0, len(it.Images))
			for _, im := range it.Images {
				w.Images = append(w.Images, Image{Src: im.URL, Alt: im.Alt})
			}
		default:
			return nil, fmt.Errorf("woocommerce: catalogue job %q: %w", job, channels.ErrNoConnector)
		}
		req.Update = append(req.Update, w)
		sent = append(sent, it.SKU)
	}
	if len(req.Update) == 0 {
		return results, nil
	}
	res, err := s.c.Products.Batch(ctx, req)
	if err != nil && res == nil {
		return nil, transport(err)
	}
	failed := map[int]error{}
	for _, f := range res.Failed {
		if f.Op == "update" {
			failed[f.Index] = fmt.Errorf("%w: %w", channels.KindRejected, f)
		}
	}
	unconfirmed := map[int64]bool{}
	for _, w := range res.NotConfirmed.Update {
		unconfirmed[w.ID] = true
	}
	for i, sku := range sent {
		r := channels.ItemResult{SKU: sku, Err: failed[i]}
		if r.Err == nil && unconfirmed[req.Update[i].ID] {
			r.Err = transport(err)
			if r.Err == nil {
				r.Err = fmt.Errorf("woocommerce: batch not confirmed: %w", channels.KindUnreachable)
			}
		}
		results = append(results, r)
	}
	return results, nil
}

func (s *Shop) productID(ctx context.Context, sku string) (int64, error) {
	if sku == "" {
		return 0, fmt.Errorf("woocommerce: empty SKU: %w", ErrNotFound)
	}
	s.mu.Lock()
	id, ok := s.skus[sku]
	s.mu.Unlock()
	if ok {
		return id, nil
	}
	p, _, err := s.c.Products.GetBySKU(ctx, sku)
	if err != nil {
		return 0, err
	}
	s.mu.Lock()
	s.skus[sku] = p.ID
	s.mu.Unlock()
	return p.ID, nil
}

// StatusTrash is the status of an order moved to WooCommerce's trash.
const StatusTrash = "trash"

// ToExternal converts a WooCommerce order to the channel-neutral form the
// sync engine imports. Amounts stay exact; times are UTC. Nothing the
// buyer pays is dropped: shipping_total and shipping_tax become
// ShippingFee and ShippingTax, fee_lines (a cash-on-delivery fee, a
// surcharge, a negative fee for a discount) become Fees with their tax,
// and total is Total, which the engine reconciles with the order it
// builds (see channels.Engine.ImportOrders). An order in the trash is
// Removed: the engine records it as skipped and leaves our order as it
// is.
func ToExternal(o Order) channels.ExternalOrder {
	e := channels.ExternalOrder{
		ID: strconv.FormatInt(o.ID, 10), Number: o.Number, Status: o.Status, Removed: o.Status == StatusTrash,
		Created: o.DateCreated, Modified: o.DateModified, Currency: o.Currency,
		Discount: o.DiscountTotal, Tax: o.TotalTax, Total: o.Total, ShippingFee: o.ShippingTotal, ShippingTax: o.ShippingTax,
		PaymentMethod: o.PaymentMethod, Note: o.CustomerNote,
		Customer: channels.Customer{Email: strings.TrimSpace(o.Billing.Email), Name: fullName(o.Billing),
			Company: o.Billing.Company, Phone: o.Billing.Phone},
		Billing: address(o.Billing), Shipping: address(o.Shipping),
	}
	if o.CustomerID != 0 {
		e.Customer.ExternalID = strconv.FormatInt(o.CustomerID, 10)
	}
	var sub decimal.Decimal
	for _, l := range o.LineItems {
		e.Lines = append(e.Lines, channels.ExternalLine{SKU: l.SKU, Name: l.Name, Quantity: l.Quantity,
			Subtotal: l.Subtotal, Total: l.Total, UnitPrice: l.Price, Tax: l.TotalTax})
		sub = sub.Add(l.Subtotal)
	}
	e.Subtotal = sub
	for _, f := range o.FeeLines {
		e.Fees = append(e.Fees, channels.ExternalFee{Name: f.Name, Total: f.Total, Tax: f.TotalTax})
	}
	return e
}

func fullName(a Address) string { return strings.TrimSpace(a.FirstName + " " + a.LastName) }

func address(a Address) oms.Address {
	return oms.Address{Name: fullName(a), Company: a.Company, Line1: a.Address1, Line2: a.Address2, City: a.City,
		County: a.State, PostalCode: a.Postcode, Country: a.Country, Phone: a.Phone, Email: a.Email}
}

// ImportSink returns a webhook sink (for NewWebhookHandler) that feeds each
// delivered order into the engine's import path for shopID, the same path
// as the pull. A record that fails lands in the sync diary and the
// delivery is still acknowledged; only storage or configuration failures
// answer 500, so the site delivers again.
//
// An order.deleted delivery (WooCommerce sends it when an order is moved
// to the trash or deleted; the body is only {"id":N}) and an order whose
// status is "trash" are passed as channels.ExternalOrder.Removed: the
// engine imports nothing, leaves an order it has as it is, and records a
// skipped diary record saying so, for an operator to cancel the order by
// hand if the sale is off. order.restored imports the order again.
func ImportSink(e *channels.Engine, shopID string) func(ctx context.Context, o Order, d WebhookDelivery) error {
	return func(ctx context.Context, o Order, d WebhookDelivery) error {
		x := ToExternal(o)
		if d.Event == "deleted" {
			x = channels.ExternalOrder{ID: x.ID, Removed: true}
		}
		_, err := e.ImportOrder(ctx, shopID, x)
		return err
	}
}
