package oms

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/shopspring/decimal"

	"github.com/azuvio/omnisales/discount"
)

// Config configures a Service. Every field has a usable zero value.
type Config struct {
	// Channels gives per-channel settings. nil accepts every known channel
	// type with zero settings (no auto-confirm, no auto documents).
	Channels ChannelPolicy
	// ApprovalRules decide which orders wait for a manager. nil: none do.
	ApprovalRules []ApprovalRule
	// Invoicer and DeliveryNotes run after a confirmed order is committed,
	// when the channel asks for them. nil: skipped.
	Invoicer      Invoicer
	DeliveryNotes DeliveryNoteCreator
	// Clock returns the current time; nil means time.Now.
	Clock func() time.Time
	// NewID returns a new order id; nil means a time-ordered random id.
	NewID func() string
	// Worker names this process when claiming outbox events; "" picks a
	// random name.
	Worker string
	// Lease is how long a claimed event stays with this worker; 0 means 30s.
	Lease time.Duration
}

// Service is the order core: every change to an order goes through it, in
// one unit of work with its history and events. It is safe for concurrent
// use.
type Service struct {
	store  Store
	cfg    Config
	events *Dispatcher
}

// NewService returns a service on store. It registers the hooks that run
// invoicing and delivery notes from committed Confirmed events on the
// service's dispatcher (see Service.Events).
func NewService(store Store, cfg Config) (*Service, error) {
	if store == nil {
		return nil, errors.New("oms: NewService: nil store")
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.NewID == nil {
		cfg.NewID = newID
	}
	if cfg.Worker == "" {
		cfg.Worker = "worker-" + strconv.FormatUint(rand.Uint64(), 36)
	}
	if cfg.Lease <= 0 {
		cfg.Lease = 30 * time.Second
	}
	for i, r := range cfg.ApprovalRules {
		if r.Threshold.IsNegative() {
			return nil, &ValidationError{Field: fmt.Sprintf("approval_rules[%d].threshold", i), Reason: "negative"}
		}
		if r.ChannelType != "" && !r.ChannelType.Valid() {
			return nil, &ValidationError{Field: fmt.Sprintf("approval_rules[%d].channel_type", i), Reason: "unknown", Kind: ErrUnknownChannel}
		}
	}
	s := &Service{store: store, cfg: cfg}
	s.events = NewDispatcher(store, DispatcherConfig{Worker: cfg.Worker, Lease: cfg.Lease, Clock: cfg.Clock})
	s.events.Subscribe(EventStatusChanged, s.onConfirmed)
	return s, nil
}

// Store returns the service's store.
func (s *Service) Store() Store { return s.store }

// Events returns the dispatcher that delivers committed events to
// subscribers. Run it (Run or Drain) in a worker.
func (s *Service) Events() *Dispatcher { return s.events }

func (s *Service) now() time.Time { return s.cfg.Clock().UTC().Truncate(time.Microsecond) }

// newID is time-ordered (hex milliseconds) with 64 random bits.
func newID() string {
	var b [28]byte
	const hexd = "0123456789abcdef"
	b[0] = 'o'
	ms, r := uint64(time.Now().UnixMilli()), rand.Uint64()
	for i := 11; i >= 1; i-- {
		b[i] = hexd[ms&15]
		ms >>= 4
	}
	for i := 27; i >= 12; i-- {
		b[i] = hexd[r&15]
		r >>= 4
	}
	return string(b[:])
}

func (s *Service) settings(ctx context.Context, ch ChannelRef) (ChannelSettings, error) {
	if s.cfg.Channels == nil {
		return ChannelSettings{}, nil
	}
	set, err := s.cfg.Channels.ChannelSettings(ctx, ch)
	if err != nil {
		if errors.Is(err, ErrUnknownChannel) {
			return ChannelSettings{}, &ValidationError{Field: "channel", Reason: fmt.Sprintf("%s/%d is not configured", ch.Type, ch.ID), Kind: ErrUnknownChannel}
		}
		return ChannelSettings{}, fmt.Errorf("oms: channel settings: %w", err)
	}
	return set, nil
}

func forbid(a Actor, p Permission, action string) error {
	return &ForbiddenError{Actor: a.ID, Permission: p, Action: action}
}

// Place creates an order from a cart. It validates the input, applies
// approval rules and the channel's auto-confirm, and writes the order, its
// history and its events in one unit of work. A portal client may place
// orders only for themselves; staff need PermCreate.
func (s *Service) Place(ctx context.Context, actor Actor, n NewOrder) (Order, error) {
	if actor.ClientID != "" {
		if actor.ClientID != n.Client.ID {
			return Order{}, forbid(actor, PermCreate, "place an order for another client")
		}
	} else if !actor.Can(PermCreate) {
		return Order{}, forbid(actor, PermCreate, "place an order")
	}
	if err := n.validate(); err != nil {
		return Order{}, err
	}
	set, err := s.settings(ctx, n.Channel)
	if err != nil {
		return Order{}, err
	}
	if err := set.admits(&n); err != nil {
		return Order{}, err
	}
	if set.Currency != "" && set.Currency != n.Currency {
		return Order{}, &ValidationError{Field: "currency", Reason: fmt.Sprintf("channel %s/%d sells in %s, the order is in %s",
			n.Channel.Type, n.Channel.ID, set.Currency, n.Currency), Kind: ErrCurrencyMismatch}
	}
	call := placeCalls.Get().(*placeCall)
	defer func() { *call = placeCall{run: call.run}; placeCalls.Put(call) }()
	now := s.now()
	call.s, call.ctx, call.actor, call.now = s, ctx, actor, now
	o := &call.o
	// The slices are copied in the literal (what Clone does) so the pooled
	// order is written once: every copy of an order into the heap pays a
	// write barrier per pointer while the GC runs.
	*o = Order{
		ID: s.cfg.NewID(), Number: n.Number, Channel: n.Channel, Store: n.Store, ExternalID: n.ExternalID,
		Type: n.Type, Client: n.Client, Lines: slices.Clone(n.Lines), Currency: n.Currency, PaymentMethod: n.PaymentMethod,
		Billing: n.Billing, ShippingTo: n.ShippingTo, Seller: n.Seller, Notes: n.Notes,
		Status: Draft, CreatedAt: now, UpdatedAt: now,
	}
	o.Client.Groups = slices.Clone(n.Client.Groups)
	for i := range o.Lines {
		o.Lines[i].Shipped, o.Lines[i].Delivered, o.Lines[i].Returned = 0, 0, 0
	}
	if !n.CreatedAt.IsZero() {
		o.CreatedAt = n.CreatedAt.UTC().Truncate(time.Microsecond)
	}
	if o.Number == "" {
		o.Number = o.ID
	}
	fee := set.DeliveryFee
	if n.DeliveryFee != nil {
		fee = *n.DeliveryFee
	}
	o.Totals = ComputeTotals(o.Lines, o.Currency, fee)
	if rule, ok := matchApproval(s.cfg.ApprovalRules, o); ok {
		o.ApprovalRequired, o.Approval, o.ApprovalRule = true, ApprovalPending, rule.Name
	}
	call.autoConfirm = set.AutoConfirm && !o.ApprovalRequired
	if len(n.DiscountLog) > 0 {
		if call.log, err = discountRows(n.DiscountLog, o); err != nil {
			return Order{}, err
		}
	}
	if i := manualDiscount(o.Lines, call.log); i >= 0 && !canDiscount(actor) {
		return Order{}, forbid(actor, PermDiscounts, "grant a discount the discount log does not account for ("+lineField(i, "discount")+")")
	}
	if err := s.store.Do(ctx, call.run); err != nil {
		return Order{}, fmt.Errorf("oms: place order: %w", err)
	}
	return *o, nil
}

// placeCall is Place's unit of work, pooled like applyCall.
type placeCall struct {
	s           *Service
	ctx         context.Context
	actor       Actor
	now         time.Time
	o           Order
	ev          Event
	log         []discount.LogRow
	autoConfirm bool
	run         func(Tx) error
}

func (p *placeCall) unit(tx Tx) error {
	ctx, o := p.ctx, &p.o
	if err := tx.Insert(ctx, o); err != nil {
		return err
	}
	if err := tx.AppendHistory(ctx, HistoryEntry{OrderID: o.ID, At: p.now, Actor: p.actor.ID, From: Draft, To: Draft, Event: EvPlace}); err != nil {
		return err
	}
	if len(p.log) > 0 {
		lt, ok := tx.(DiscountLogTx)
		if !ok {
			return fmt.Errorf("oms: the store's unit of work %T keeps no discount log: %w", tx, ErrUnsupported)
		}
		if err := lt.AppendDiscountLog(ctx, p.log); err != nil {
			return err
		}
	}
	e := &p.ev
	*e = Event{Type: EventPlaced, OrderID: o.ID, Event: EvPlace, From: Draft, To: Draft,
		Actor: p.actor.ID, Reason: o.ApprovalRule, At: p.now, Channel: o.Channel}
	if err := tx.AppendEvent(ctx, e); err != nil {
		return err
	}
	if o.ApprovalRequired {
		e.ID, e.Type = 0, EventApprovalRequested
		if err := tx.AppendEvent(ctx, e); err != nil {
			return err
		}
	}
	if p.autoConfirm {
		return p.s.applyTx(ctx, tx, System("auto-confirm"), o, Change{Event: EvConfirm, Reason: "channel auto-confirm"}, &p.ev)
	}
	return nil
}

var placeCalls = sync.Pool{New: func() any {
	p := new(placeCall)
	p.run = p.unit
	return p
}}

// Change is one change to an order: an optional lifecycle event and an
// optional edit of facts, applied together.
type Change struct {
	// Event to fire; "" changes facts only and keeps the status.
	Event EventName
	// Reason is kept in history and events.
	Reason string
	// Edit, when set, changes the order's facts before the guards run.
	// Returning an error aborts the whole change. It may change lines
	// (totals are then recomputed), fulfilment and payment facts,
	// addresses, payment method, seller and notes; the core's own fields
	// (id, number, channel, store, external id, type, client id, currency,
	// status, held-from, approval, shipment, creation and delivery times,
	// version, totals) are refused with a *ValidationError, as is
	// a result that breaks the order's invariants (see Order.Check).
	Edit func(o *Order) error
	// Emit lists extra event types to write with the change, for packages
	// above oms (returns, channels) that publish their own. The core's
	// own types (order.*) are refused: only the core emits them.
	Emit []EventType
	// Permission names a permission the change needs besides the one its
	// event needs (for packages such as returns that check one of their
	// own). For a change of facts only, a permission that grants a write
	// (not PermView, PermReturnsView, PermReports, PermDiscountsView)
	// stands in for PermEdit. It can never lower what a change needs.
	Permission Permission

	// core* are the core's own additions (approval decisions, its own
	// event types), unreachable from other packages.
	coreEdit func(o *Order) error
	// coreShipment, when its AWB is set, is recorded on the order (Ship;
	// a field rather than a coreEdit closure, which would cost an
	// allocation per shipment).
	coreShipment Shipment
	coreEmit     []EventType
	// coreNote, when set, is history's reason instead of Reason.
	coreNote string
}

// readOnly are permissions that grant no write by themselves.
var readOnly = map[Permission]bool{PermView: true, PermReturnsView: true, PermReports: true, PermDiscountsView: true}

// coreEventType reports whether t is one of the core's own event types.
func coreEventType(t EventType) bool { return strings.HasPrefix(string(t), "order.") }

// Apply runs one change in its own unit of work and returns the order as
// committed. A refused change (guard, permission, conflict) writes nothing.
func (s *Service) Apply(ctx context.Context, actor Actor, id string, c Change) (Order, error) {
	// A pooled call: it holds the order the unit reads and a unit function
	// bound once, so a transition allocates neither (an order is most of
	// what a transition would otherwise allocate).
	call := applyCalls.Get().(*applyCall)
	call.s, call.ctx, call.actor, call.id, call.c = s, ctx, actor, id, c
	err := s.store.Do(ctx, call.run)
	o := call.o
	// Drop what the caller passed in; the order and event are overwritten
	// by the next use (zeroing them would cost another copy of an order).
	call.s, call.ctx, call.actor, call.id, call.c = nil, nil, Actor{}, "", Change{}
	applyCalls.Put(call)
	if err != nil {
		return Order{}, err
	}
	return o, nil
}

type applyCall struct {
	s     *Service
	ctx   context.Context
	actor Actor
	id    string
	c     Change
	o     Order
	ev    Event
	run   func(Tx) error
}

func (a *applyCall) unit(tx Tx) error {
	var err error
	if a.o, err = tx.Get(a.ctx, a.id); err != nil {
		return err
	}
	return a.s.applyTx(a.ctx, tx, a.actor, &a.o, a.c, &a.ev)
}

var applyCalls = sync.Pool{New: func() any {
	a := new(applyCall)
	a.run = a.unit
	return a
}}

// ApplyTx runs a change inside the caller's unit of work, so a package
// above oms (returns, channels) can write its own records atomically with
// the order. It reads the order through tx.
func (s *Service) ApplyTx(ctx context.Context, tx Tx, actor Actor, id string, c Change) (Order, error) {
	o, err := tx.Get(ctx, id)
	if err != nil {
		return Order{}, err
	}
	if err := s.applyTx(ctx, tx, actor, &o, c, new(Event)); err != nil {
		return Order{}, err
	}
	return o, nil
}

func (s *Service) authorize(actor Actor, o *Order, c Change) error {
	if actor.ClientID != "" {
		if actor.ClientID != o.Client.ID {
			return forbid(actor, PermView, "act on another client's order")
		}
		if c.Event == "" || !clientEvents[c.Event] || c.Edit != nil || len(c.Emit) > 0 || c.Permission != "" {
			return forbid(actor, PermEdit, fmt.Sprintf("fire %q on an order", c.Event))
		}
		if c.Event == EvCancel && o.Status != Draft && o.Status != Processing {
			return forbid(actor, PermEdit, "cancel an order already in progress")
		}
		return nil
	}
	need := PermEdit
	if c.Event != "" {
		need = eventPermission[c.Event]
	} else if c.Permission != "" && !readOnly[c.Permission] {
		need = c.Permission
	}
	if !actor.Can(need) {
		return forbid(actor, need, fmt.Sprintf("fire %q", c.Event))
	}
	if c.Permission != "" && !actor.Can(c.Permission) {
		return forbid(actor, c.Permission, fmt.Sprintf("fire %q", c.Event))
	}
	return nil
}

// applyTx changes *o (read through tx) and writes it with its history and
// events. On error *o may be partly changed and must be discarded.
func (s *Service) applyTx(ctx context.Context, tx Tx, actor Actor, o *Order, c Change, e *Event) error {
	if c.Event != "" && !knownEvent(c.Event) {
		return fmt.Errorf("%w: %q", ErrUnknownEvent, c.Event)
	}
	if err := s.authorize(actor, o, c); err != nil {
		return err
	}
	for _, t := range c.Emit {
		if coreEventType(t) {
			return &ValidationError{Field: "emit", Reason: fmt.Sprintf("%q is the core's own event type", t)}
		}
	}
	from := o.Status
	var reapprove bool
	if c.Edit != nil {
		var err error
		if reapprove, err = s.edit(actor, o, c.Edit); err != nil {
			return err
		}
	}
	if c.coreEdit != nil {
		if err := c.coreEdit(o); err != nil {
			return err
		}
	}
	if c.coreShipment.AWB != "" {
		o.Shipment = c.coreShipment
	}
	to := from
	if c.Event != "" {
		var err error
		if to, err = s.guard(actor, o, c.Event); err != nil {
			return err
		}
	}
	now := s.now()
	o.Status = to
	switch {
	case to != from && (to == OnHold || to == ReturnPending):
		o.HeldFrom = from
	case c.Event == EvShip:
		for i := range o.Lines {
			o.Lines[i].Shipped = o.Lines[i].Quantity
		}
	case c.Event == EvDeliver:
		for i := range o.Lines {
			o.Lines[i].Delivered = o.Lines[i].Shipped
		}
		o.DeliveredAt = now
	}
	o.UpdatedAt = now
	if err := tx.Update(ctx, o); err != nil {
		return err
	}
	note := c.Reason
	if c.coreNote != "" {
		note = c.coreNote
	}
	if err := tx.AppendHistory(ctx, HistoryEntry{OrderID: o.ID, At: now, Actor: actor.ID, From: from, To: to, Event: c.Event, Reason: note}); err != nil {
		return err
	}
	// Status changed first, then the change's own types; a change of facts
	// alone is "updated".
	first := EventType("")
	if to != from {
		first = EventStatusChanged
	} else if len(c.Emit) == 0 {
		first = EventUpdated
	}
	// e is the caller's scratch (AppendEvent takes a pointer, which would
	// otherwise cost an allocation per change).
	*e = Event{OrderID: o.ID, Event: c.Event, From: from, To: to, Actor: actor.ID, Reason: c.Reason, At: now, Channel: o.Channel}
	if first != "" {
		e.Type = first
		if err := tx.AppendEvent(ctx, e); err != nil {
			return err
		}
	}
	if reapprove {
		e.ID, e.Type, e.Reason = 0, EventApprovalRequested, o.ApprovalRule
		if err := tx.AppendEvent(ctx, e); err != nil {
			return err
		}
		e.Reason = c.Reason
	}
	for _, types := range [2][]EventType{c.coreEmit, c.Emit} {
		for _, t := range types {
			e.ID, e.Type = 0, t
			if err := tx.AppendEvent(ctx, e); err != nil {
				return err
			}
		}
	}
	return nil
}

// edit runs a caller's Edit on o and refuses a result that touches the
// core's own fields or breaks the order's invariants. When the lines'
// commercial fields changed it also checks that they may still change
// (before confirmation and payment), that a changed discount comes from
// someone allowed to grant one, recomputes the totals (the delivery fee is
// kept) and runs the approval rules again on the new total. It reports
// whether the order now waits for a new approval.
func (s *Service) edit(actor Actor, o *Order, fn func(o *Order) error) (bool, error) {
	before := *o
	before.Lines = slices.Clone(o.Lines)
	if err := fn(o); err != nil {
		return false, err
	}
	if f := coreFieldChanged(&before, o); f != "" {
		return false, &ValidationError{Field: f, Reason: "kept by the core; Change.Edit may not change it"}
	}
	changed, discounted := linesChanged(before.Lines, o.Lines)
	if !changed {
		// Totals follow the commercial fields only, so they still hold.
		return false, o.Check()
	}
	if !linesEditable(before.Status, before.HeldFrom) {
		return false, &ValidationError{Field: "lines", Kind: ErrLinesFrozen,
			Reason: "products, quantities, prices, discounts and tax rates cannot change in status " + before.Status.String()}
	}
	if discounted && !canDiscount(actor) {
		return false, forbid(actor, PermDiscounts, "change a line's discount")
	}
	o.Totals = ComputeTotals(o.Lines, o.Currency, before.Totals.DeliveryFee)
	if err := o.Check(); err != nil {
		return false, err
	}
	return s.reapprove(o, before.Totals.Total), nil
}

// reapprove runs the approval rules again after the lines changed. An order
// that a rule now covers waits for approval; one approved for a smaller
// total waits again, since the manager approved another amount. A pending
// or rejected decision stands, and an order that falls under every
// threshold keeps its pending approval (a manager still decides).
func (s *Service) reapprove(o *Order, oldTotal decimal.Decimal) bool {
	rule, ok := matchApproval(s.cfg.ApprovalRules, o)
	if !ok {
		return false
	}
	switch {
	case !o.ApprovalRequired:
	case o.Approval == ApprovalApproved && o.Totals.Total.GreaterThan(oldTotal):
	default:
		return false
	}
	o.ApprovalRequired, o.Approval, o.ApprovalRule, o.RejectReason = true, ApprovalPending, rule.Name, ""
	return true
}

// linesEditable reports whether an order in status st (held from heldFrom
// when On Hold) may still change its lines' commercial fields: only before
// it is confirmed or paid, when no invoice or payment rests on them.
func linesEditable(st, heldFrom Status) bool {
	if st == OnHold {
		st = heldFrom
	}
	switch st {
	case Draft, Processing, PendingPayment, StockUnavailable:
		return true
	}
	return false
}

// linesChanged compares the commercial fields of two line lists (product,
// SKU, group, quantity, unit price, discount, tax rate; not the name or the
// fulfilment facts). discounted reports a line whose discount changed or a
// new line that carries one.
func linesChanged(a, b []Line) (changed, discounted bool) {
	changed = len(a) != len(b)
	for i := range b {
		if i >= len(a) {
			discounted = discounted || !b[i].Discount.IsZero()
			continue
		}
		x, y := &a[i], &b[i]
		if !x.Discount.Equal(y.Discount) {
			changed, discounted = true, true
		}
		if x.ProductID != y.ProductID || x.SKU != y.SKU || x.ProductGroup != y.ProductGroup || x.Quantity != y.Quantity ||
			!x.UnitPrice.Equal(y.UnitPrice) || !x.TaxRate.Equal(y.TaxRate) {
			changed = true
		}
	}
	return changed, discounted
}

// canDiscount reports whether actor may grant a discount by hand: staff
// with PermDiscounts, or the library's automation (imports keep the
// discounts the shop gave). A portal client never may.
func canDiscount(a Actor) bool {
	return a.ClientID == "" && (a.Automated || a.Can(PermDiscounts))
}

// manualDiscount returns the index of the first line with a discount that
// no row of the discount log accounts for, or -1. (discountRows has
// already checked that logged products' rows add up to their lines.)
func manualDiscount(lines []Line, log []discount.LogRow) int {
	for i := range lines {
		if lines[i].Discount.IsZero() {
			continue
		}
		if !slices.ContainsFunc(log, func(r discount.LogRow) bool { return string(r.Product) == lines[i].ProductID }) {
			return i
		}
	}
	return -1
}

// coreFieldChanged names the first core-owned field that differs, or "".
func coreFieldChanged(a, b *Order) string {
	switch {
	case a.ID != b.ID:
		return "id"
	case a.Number != b.Number:
		return "number"
	case a.Channel != b.Channel || a.Store != b.Store || a.ExternalID != b.ExternalID:
		return "channel"
	case a.Type != b.Type:
		return "type"
	case a.Client.ID != b.Client.ID:
		return "client.id"
	case a.Currency != b.Currency:
		return "currency"
	case a.Status != b.Status:
		return "status"
	case a.HeldFrom != b.HeldFrom:
		return "held_from"
	case a.ApprovalRequired != b.ApprovalRequired || a.Approval != b.Approval || a.ApprovalRule != b.ApprovalRule || a.RejectReason != b.RejectReason:
		return "approval"
	case !a.CreatedAt.Equal(b.CreatedAt) || !a.DeliveredAt.Equal(b.DeliveredAt):
		return "created_at"
	case a.Shipment != b.Shipment:
		return "shipment" // recorded by Ship; the awb guard rests on it
	case a.Version != b.Version:
		return "version"
	case a.Totals != b.Totals && slices.Equal(a.Lines, b.Lines):
		return "totals"
	}
	return ""
}

// guard evaluates the table and the order-dependent rules for ev.
func (s *Service) guard(actor Actor, o *Order, ev EventName) (Status, error) {
	refuse := func(g, detail string) (Status, error) {
		return 0, &TransitionError{OrderID: o.ID, From: o.Status, Event: ev, Guard: g, Detail: detail}
	}
	to, ok := lifecycle.step(o.Status, ev, o.HeldFrom)
	if !ok {
		return refuse("table", "no such move in the lifecycle")
	}
	switch {
	case o.Status == StockUnavailable && actor.Automated:
		return refuse("stock-unavailable", "only an operator moves an order out of Stock Unavailable")
	case ev == EvConfirm && o.ApprovalRequired && o.Approval != ApprovalApproved:
		return refuse("approval", "approval is "+o.Approval.String())
	case ev == EvShip && o.Shipment.AWB == "":
		return refuse("awb", "no shipment reference (AWB) recorded")
	case ev == EvRecordPayment && !o.FullyPaid():
		return refuse("payment", "paid "+o.Paid.String()+" of "+o.Totals.Total.String())
	case ev == EvRefund && o.Refunded.LessThan(o.Paid) && !o.AllReturned():
		return refuse("refund", "refunded "+o.Refunded.String()+" of "+o.Paid.String()+" paid and not every delivered unit is back")
	}
	return to, nil
}

// Fire applies a bare lifecycle event.
func (s *Service) Fire(ctx context.Context, actor Actor, id string, ev EventName, reason string) (Order, error) {
	return s.Apply(ctx, actor, id, Change{Event: ev, Reason: reason})
}

// Submit moves a Draft order to Processing.
func (s *Service) Submit(ctx context.Context, actor Actor, id string) (Order, error) {
	return s.Fire(ctx, actor, id, EvSubmit, "")
}

// Confirm moves an order to Confirmed. It is refused while a required
// approval is pending or was rejected.
func (s *Service) Confirm(ctx context.Context, actor Actor, id string) (Order, error) {
	return s.Fire(ctx, actor, id, EvConfirm, "")
}

// MarkReady moves a Confirmed order to Ready (stock reserved).
func (s *Service) MarkReady(ctx context.Context, actor Actor, id string) (Order, error) {
	return s.Fire(ctx, actor, id, EvMarkReady, "")
}

// Ship records the shipment reference and moves the order to Shipping. An
// empty AWB is refused (guard "awb") unless one was recorded before.
func (s *Service) Ship(ctx context.Context, actor Actor, id string, sh Shipment) (Order, error) {
	return s.Apply(ctx, actor, id, Change{Event: EvShip, Reason: sh.AWB, coreEmit: shipEmit, coreShipment: sh})
}

// shipEmit is shared by every Ship: applyTx only reads Change.coreEmit.
var shipEmit = []EventType{EventShipmentRecorded}

// CreateDeliveryNote has the warehouse delivery note of a Confirmed or
// Ready order made now, by hand (the guide's "Create delivery note", for
// a channel that does not make it on confirmation, or to make it again).
// It needs PermDeliveryNotes and Config.DeliveryNotes. The creator is
// called first and the order records it afterwards (history and an
// EventDeliveryNoteCreated), so a failed call records nothing; should the
// record fail after the call, a retry calls the creator again, which is
// why DeliveryNoteCreator must be idempotent.
func (s *Service) CreateDeliveryNote(ctx context.Context, actor Actor, id string) (Order, error) {
	if actor.ClientID != "" || !actor.Can(PermDeliveryNotes) {
		return Order{}, forbid(actor, PermDeliveryNotes, "create a delivery note")
	}
	if s.cfg.DeliveryNotes == nil {
		return Order{}, fmt.Errorf("oms: create delivery note: no DeliveryNoteCreator configured: %w", ErrUnsupported)
	}
	o, err := s.store.Get(ctx, id)
	if err != nil {
		return Order{}, err
	}
	if err := deliveryNoteAllowed(&o); err != nil {
		return Order{}, err
	}
	if err := s.cfg.DeliveryNotes.CreateDeliveryNote(ctx, o); err != nil {
		return Order{}, fmt.Errorf("oms: delivery note %s: %w", o.ID, err)
	}
	version := o.Version
	return s.Apply(ctx, actor, id, Change{Permission: PermDeliveryNotes, coreEmit: deliveryNoteEmit,
		coreNote: "delivery note created", coreEdit: func(o *Order) error {
			// The note describes the order as it was read; a change in
			// between would need a new one.
			if o.Version != version {
				return fmt.Errorf("oms: order %s changed while its delivery note was made: %w", o.ID, ErrConflict)
			}
			return nil
		}})
}

var deliveryNoteEmit = []EventType{EventDeliveryNoteCreated}

// deliveryNoteAllowed: delivery notes are made from confirmed orders that
// have not left the warehouse.
func deliveryNoteAllowed(o *Order) error {
	switch o.Status {
	case Confirmed, Ready:
		return nil
	}
	return &ValidationError{Field: "status", Kind: ErrInvalidTransition,
		Reason: "a delivery note is made for a Confirmed or Ready order, not " + o.Status.String()}
}

// Deliver moves a Shipping order to Delivered and records the delivered
// quantities.
func (s *Service) Deliver(ctx context.Context, actor Actor, id string) (Order, error) {
	return s.Fire(ctx, actor, id, EvDeliver, "")
}

// Hold suspends an order; Resume returns it to the status it left.
func (s *Service) Hold(ctx context.Context, actor Actor, id, reason string) (Order, error) {
	return s.Fire(ctx, actor, id, EvHold, reason)
}

// Resume returns an On Hold order to the status it was held from.
func (s *Service) Resume(ctx context.Context, actor Actor, id string) (Order, error) {
	return s.Fire(ctx, actor, id, EvResume, "")
}

// Cancel cancels an order that has not shipped.
func (s *Service) Cancel(ctx context.Context, actor Actor, id, reason string) (Order, error) {
	return s.Fire(ctx, actor, id, EvCancel, reason)
}

// MarkStockUnavailable parks an order in Stock Unavailable (the back-order
// list) after a failed stock check. Only an operator moves it on (verify,
// confirm, hold or cancel); automation never does.
func (s *Service) MarkStockUnavailable(ctx context.Context, actor Actor, id, reason string) (Order, error) {
	return s.Fire(ctx, actor, id, EvMarkStockUnavailable, reason)
}

// RecordPayment adds amount to the order's paid amount. The status moves to
// Paid only from Draft, Processing or Pending Payment and only when the
// order is then paid in full; on any other status (Cancelled, Failed,
// Return, Refund included) the payment is recorded as a fact and the status
// stays as it is.
func (s *Service) RecordPayment(ctx context.Context, actor Actor, id string, amount decimal.Decimal) (Order, error) {
	if actor.ClientID != "" || !actor.Can(PermEdit) {
		return Order{}, forbid(actor, PermEdit, "record a payment")
	}
	if !amount.IsPositive() {
		return Order{}, &ValidationError{Field: "amount", Reason: "payment must be positive"}
	}
	var out Order
	err := s.store.Do(ctx, func(tx Tx) error {
		o, err := tx.Get(ctx, id)
		if err != nil {
			return err
		}
		if !amount.Equal(RoundMoney(amount, o.Currency)) {
			return &ValidationError{Field: "amount", Reason: "more decimals than " + o.Currency, Kind: ErrCurrencyMismatch}
		}
		c := Change{Reason: "payment " + amount.StringFixed(MinorUnits(o.Currency)), coreEmit: []EventType{EventPaymentRecorded},
			coreEdit: func(o *Order) error { o.Paid = o.Paid.Add(amount); return nil }}
		if _, ok := lifecycle.step(o.Status, EvRecordPayment, o.HeldFrom); ok && o.Paid.Add(amount).GreaterThanOrEqual(o.Totals.Total) {
			c.Event = EvRecordPayment
		}
		if err := s.applyTx(ctx, tx, actor, &o, c, new(Event)); err != nil {
			return err
		}
		out = o
		return nil
	})
	return out, err
}

// Approve records a manager's approval of an order that needed one.
func (s *Service) Approve(ctx context.Context, actor Actor, id string) (Order, error) {
	return s.decide(ctx, actor, id, ApprovalApproved, "")
}

// Reject records a manager's refusal with its reason; the client is
// notified through the EventRejected event. The order keeps its status and
// can no longer be confirmed.
func (s *Service) Reject(ctx context.Context, actor Actor, id, reason string) (Order, error) {
	if !actor.Can(PermApprove) || actor.ClientID != "" {
		return Order{}, forbid(actor, PermApprove, "decide on an approval")
	}
	if strings.TrimSpace(reason) == "" {
		return Order{}, &ValidationError{Field: "reason", Reason: "a rejection needs a reason"}
	}
	return s.decide(ctx, actor, id, ApprovalRejected, reason)
}

func (s *Service) decide(ctx context.Context, actor Actor, id string, a Approval, reason string) (Order, error) {
	if !actor.Can(PermApprove) || actor.ClientID != "" {
		return Order{}, forbid(actor, PermApprove, "decide on an approval")
	}
	// History has no lifecycle event for a decision: its reason says what
	// was decided, so a rejection reason can never read as an approval.
	ev, note := EventApproved, "approval: approved"
	if a == ApprovalRejected {
		ev, note = EventRejected, "approval: rejected: "+reason
	} else {
		reason = "approved"
	}
	return s.Apply(ctx, actor, id, Change{Reason: reason, coreNote: note, coreEmit: []EventType{ev}, Permission: PermApprove,
		coreEdit: func(o *Order) error {
			if !o.ApprovalRequired || o.Approval != ApprovalPending {
				detail := "no approval required"
				if o.ApprovalRequired {
					detail = "already " + o.Approval.String()
				}
				return &TransitionError{OrderID: o.ID, From: o.Status, Event: EventName(ev), Guard: "approval", Detail: detail}
			}
			switch o.Status {
			case Draft, Processing, PendingPayment, Paid, StockUnavailable, OnHold:
			default:
				// A decision matters only while the order can still be
				// confirmed; on a cancelled or failed order it would set
				// off workflows for nothing.
				return &TransitionError{OrderID: o.ID, From: o.Status, Event: EventName(ev), Guard: "approval",
					Detail: "the order can no longer be confirmed"}
			}
			o.Approval = a
			if a == ApprovalRejected {
				o.RejectReason = reason
			}
			return nil
		}})
}

// Get returns an order. Staff need PermView; a portal client sees only
// their own orders.
func (s *Service) Get(ctx context.Context, actor Actor, id string) (Order, error) {
	// Permission first, so an actor without it cannot tell which ids exist.
	if actor.ClientID == "" && !actor.Can(PermView) {
		return Order{}, forbid(actor, PermView, "view orders")
	}
	o, err := s.store.Get(ctx, id)
	if err != nil {
		return Order{}, err
	}
	if actor.ClientID != "" && o.Client.ID != actor.ClientID {
		return Order{}, ErrNotFound // do not reveal other clients' orders
	}
	return o, nil
}

// History returns an order's history.
func (s *Service) History(ctx context.Context, actor Actor, id string) ([]HistoryEntry, error) {
	if _, err := s.Get(ctx, actor, id); err != nil {
		return nil, err
	}
	return s.store.History(ctx, id)
}

// List returns one page of orders matching f. A portal client sees only
// their own orders. A filter with a status code outside the 17 is an
// *UnknownStatusError (see Filter.Check), not an empty page.
func (s *Service) List(ctx context.Context, actor Actor, f Filter, p Page) (OrderPage, error) {
	if actor.ClientID != "" {
		f.ClientID = actor.ClientID
	} else if !actor.Can(PermView) {
		return OrderPage{}, forbid(actor, PermView, "list orders")
	}
	if err := f.Check(); err != nil {
		return OrderPage{}, err
	}
	return s.store.List(ctx, f, p)
}

// Unconfirmed lists new orders to review: Draft and Processing (the
// morning routine's first step). f narrows further (channel, dates).
func (s *Service) Unconfirmed(ctx context.Context, actor Actor, f Filter, p Page) (OrderPage, error) {
	f.Statuses = []Status{Draft, Processing}
	return s.List(ctx, actor, f, p)
}

// AwaitingApprovalList lists orders blocked in the approval flow.
func (s *Service) AwaitingApprovalList(ctx context.Context, actor Actor, f Filter, p Page) (OrderPage, error) {
	f.Approval = AwaitingApproval
	return s.List(ctx, actor, f, p)
}

// BackOrders lists orders in Stock Unavailable (16).
func (s *Service) BackOrders(ctx context.Context, actor Actor, f Filter, p Page) (OrderPage, error) {
	f.Statuses = []Status{StockUnavailable}
	return s.List(ctx, actor, f, p)
}

// onConfirmed runs the channel's document automation after commit, once
// per order: an order that comes back to Confirmed (resumed from On Hold,
// confirmed again after Stock Unavailable, by whatever way) already has
// its documents. Only the order's first confirmation in its history makes
// them; the event is matched to it by time and origin, since the
// dispatcher may handle it after later changes.
func (s *Service) onConfirmed(ctx context.Context, e Event) error {
	if e.To != Confirmed || e.From == Confirmed || e.Event == EvResume {
		return nil
	}
	set, err := s.settings(ctx, e.Channel)
	if err != nil {
		return err
	}
	if !(set.AutoInvoice && s.cfg.Invoicer != nil) && !(set.AutoDeliveryNote && s.cfg.DeliveryNotes != nil) {
		return nil
	}
	h, err := s.store.History(ctx, e.OrderID)
	if err != nil {
		return err
	}
	for _, x := range h {
		if x.To == Confirmed && x.From != Confirmed && x.Event != EvResume {
			if !x.At.Equal(e.At) || x.From != e.From {
				return nil // an earlier confirmation made the documents
			}
			break
		}
	}
	o, err := s.store.Get(ctx, e.OrderID)
	if err != nil {
		return err
	}
	if set.AutoInvoice && s.cfg.Invoicer != nil {
		if err := s.cfg.Invoicer.CreateInvoice(ctx, o); err != nil {
			return fmt.Errorf("oms: auto-invoice %s: %w", o.ID, err)
		}
	}
	if set.AutoDeliveryNote && s.cfg.DeliveryNotes != nil {
		if err := s.cfg.DeliveryNotes.CreateDeliveryNote(ctx, o); err != nil {
			return fmt.Errorf("oms: auto delivery note %s: %w", o.ID, err)
		}
	}
	return nil
}
