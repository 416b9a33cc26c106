package returns

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/azuvio/omnisales/oms"
	"github.com/shopspring/decimal"
)

// Service runs return requests, their decisions and refunds on top of the
// order core. It is safe for concurrent use.
type Service struct {
	orders *oms.Service
	store  Store
	cfg    Config
}

// NewService returns a service that changes orders through orders and
// keeps its records in store. store must hold the same orders as the store
// orders runs on (simplest: one object implementing both oms.Store and
// Store, like *memstore.Store): the service changes orders through
// store's units of work so that they commit with the return records. A
// nil orders or store, or an invalid cfg, is a *ValidationError (errors.Is
// ErrInvalid).
func NewService(orders *oms.Service, store Store, cfg Config) (*Service, error) {
	switch {
	case orders == nil:
		return nil, &ValidationError{Field: "orders", Reason: "NewService needs an order service, got nil"}
	case store == nil:
		return nil, &ValidationError{Field: "store", Reason: "NewService needs a store, got nil"}
	}
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	cfg.VendorFees = maps.Clone(cfg.VendorFees)
	return &Service{orders: orders, store: store, cfg: cfg}, nil
}

// Policy returns the return policy the portal shows.
func (s *Service) Policy() Policy {
	days, ok := s.cfg.within()
	if !ok {
		days = 0
	}
	return Policy{Text: s.cfg.PolicyText, WithinDays: days, Fee: s.cfg.Fee, VendorFees: maps.Clone(s.cfg.VendorFees),
		DeliveryFeeRefunded: s.cfg.RefundDeliveryFeeOnFullReturn, LoyaltyReversed: s.cfg.RefundLoyaltyPoints}
}

func (s *Service) now() time.Time { return s.cfg.Clock().UTC().Truncate(time.Microsecond) }

// Attempts is how many units of work a call of the service runs at most:
// a unit that fails with oms.ErrConflict (another unit changed the same
// order or return first and the store refused the stale write) is run
// again from the start, reading everything afresh, until this many have
// failed; the call then returns the last error, which wraps
// oms.ErrConflict. Nothing of a failed unit is kept, so the caller may
// simply try again.
const Attempts = 3

// do runs fn in a unit of work, again (up to Attempts in all) when a
// concurrent change of the same order made it fail with oms.ErrConflict:
// the next attempt reads the order afresh and re-checks everything. It
// stops early when ctx is done.
func (s *Service) do(ctx context.Context, fn func(tx Tx) error) error {
	var err error
	for range Attempts {
		if err = s.store.DoReturns(ctx, fn); !errors.Is(err, oms.ErrConflict) || ctx.Err() != nil {
			return err
		}
	}
	return err
}

// pin returns a Change.Edit that refuses, with an error wrapping
// oms.ErrConflict, to change an order that is no longer at version (the
// version the unit read and checked), and otherwise runs edit (when not
// nil). oms.Service.ApplyTx reads the order again before changing it, and
// a store whose reads see other units' commits (PostgreSQL under read
// committed) may then return a newer order than the one the service
// checked; writing over it would act on stale checks (a request for units
// returned meanwhile, an approval of a return rejected meanwhile). The
// refusal makes the service run the unit again on what is now stored.
func pin(orderID string, version int64, edit func(o *oms.Order) error) func(o *oms.Order) error {
	return func(o *oms.Order) error {
		if o.Version != version {
			return fmt.Errorf("returns: order %s changed (version %d, checked %d) during the unit: %w",
				orderID, o.Version, version, oms.ErrConflict)
		}
		if edit != nil {
			return edit(o)
		}
		return nil
	}
}

// decision reads a return and its order for a decision or a refund, and
// the return again after the order: what it returns is consistent under a
// store whose reads see other units' commits. A unit that commits before
// the order is read shows in both; one that commits after it changes the
// order's version, which pin then refuses; one in between shows in the
// second read of the return.
func decision(ctx context.Context, tx Tx, id string) (Return, oms.Order, error) {
	r, err := tx.GetReturn(ctx, id)
	if err != nil {
		return Return{}, oms.Order{}, err
	}
	o, err := tx.Get(ctx, r.OrderID)
	if err != nil {
		return Return{}, oms.Order{}, err
	}
	if r, err = tx.GetReturn(ctx, id); err != nil {
		return Return{}, oms.Order{}, err
	}
	return r, o, nil
}

// Quote checks a request exactly as Create would and returns the return it
// would create, with its amounts, without writing anything. The portal
// uses it to show the refund before the client confirms. Like Create, it
// returns an error wrapping oms.ErrConflict when the order kept changing
// under it for Attempts reads.
func (s *Service) Quote(ctx context.Context, actor oms.Actor, req Request) (Return, error) {
	var out Return
	err := s.do(ctx, func(tx Tx) error {
		r, _, err := s.prepare(ctx, tx, actor, req)
		out = r
		return err
	})
	if err != nil {
		return Return{}, fmt.Errorf("returns: quote for order %s: %w", req.OrderID, err)
	}
	return out, nil
}

// Create records a return request and moves the order to Return Pending
// in one unit of work. A portal client may ask only on their own orders;
// staff need oms.PermReturnsView (the core's permission for
// request_return). The request is refused, writing nothing, when the order
// is not Delivered (or Partial Return / Partial Refund after an earlier
// return), when another request of the order waits for a decision
// (ErrReturnPending: decide it first), when the window has passed
// (*WindowError) or when a line would get back more than was delivered and
// not yet returned or requested (*OverReturnError).
//
// Racing requests on one order are settled by the store: one commits and
// the others run again (see Attempts), then fail with ErrReturnPending or
// *OverReturnError as the order now stands. A request that lost the race
// Attempts times returns an error wrapping oms.ErrConflict and wrote
// nothing; it may be sent again.
func (s *Service) Create(ctx context.Context, actor oms.Actor, req Request) (Return, error) {
	var out Return
	err := s.do(ctx, func(tx Tx) error {
		r, version, err := s.prepare(ctx, tx, actor, req)
		if err != nil {
			return err
		}
		if err := tx.InsertReturn(ctx, &r); err != nil {
			return err
		}
		// The core lets no portal client fire request_return itself (that
		// would park the order with no request behind it); prepare has
		// checked that the client owns the order, so the move is made on
		// their behalf, under their id, with the one permission it needs.
		by := actor
		if actor.ClientID != "" {
			by = oms.Actor{ID: actor.ID, Permissions: []oms.Permission{oms.PermReturnsView}}
		}
		if _, err := s.orders.ApplyTx(ctx, tx, by, r.OrderID, oms.Change{
			Event: oms.EvRequestReturn, Reason: reasonFor(r.ID, r.Reason),
			Emit: []oms.EventType{EventReturnRequested}, Permission: oms.PermReturnsView,
			Edit: pin(r.OrderID, version, nil),
		}); err != nil {
			return err
		}
		out = r
		return nil
	})
	if err != nil {
		return Return{}, fmt.Errorf("returns: create for order %s: %w", req.OrderID, err)
	}
	return out.Clone(), nil
}

// prepare validates req against the order and prices it; it returns the
// version of the order it checked. It writes nothing.
func (s *Service) prepare(ctx context.Context, tx Tx, actor oms.Actor, req Request) (Return, int64, error) {
	portal := actor.ClientID != ""
	if !portal && !actor.Can(oms.PermReturnsView) {
		return Return{}, 0, forbid(actor, oms.PermReturnsView, "request a return")
	}
	o, err := tx.Get(ctx, req.OrderID)
	if err != nil {
		return Return{}, 0, err
	}
	if portal && o.Client.ID != actor.ClientID {
		return Return{}, 0, forbid(actor, oms.PermReturnsView, "request a return on another client's order")
	}
	switch req.Type {
	case "", TypePartial, TypeFull:
	case TypeManual:
		if portal {
			return Return{}, 0, &ValidationError{Field: "type", Reason: "manual returns are recorded by staff"}
		}
	default:
		return Return{}, 0, &ValidationError{Field: "type", Reason: fmt.Sprintf("unknown return type %q", req.Type)}
	}
	if req.Reason == "" {
		return Return{}, 0, &ValidationError{Field: "reason", Reason: "a return needs a reason"}
	}
	if o.Status == oms.ReturnPending {
		pending, err := tx.Returns(ctx, Filter{OrderID: o.ID, Approvals: []Approval{Pending}})
		if err != nil {
			return Return{}, 0, err
		}
		e := &OrderStateError{OrderID: o.ID, Status: o.Status, Kind: ErrReturnPending,
			Detail: "a return request is waiting for a decision"}
		if len(pending) > 0 {
			e.Pending = pending[0].ID
			e.Detail = "return " + e.Pending + " is waiting for a decision"
		}
		return Return{}, 0, e
	}
	if _, ok := oms.Next(o.Status, oms.EvRequestReturn); !ok {
		return Return{}, 0, &OrderStateError{OrderID: o.ID, Status: o.Status, Kind: ErrNotReturnable,
			Detail: "only Delivered orders, or orders already partly returned or refunded, take returns"}
	}
	var delivered int64
	for _, l := range o.Lines {
		delivered += l.Delivered
	}
	if delivered == 0 {
		return Return{}, 0, &OrderStateError{OrderID: o.ID, Status: o.Status, Kind: ErrNotReturnable, Detail: "nothing was delivered"}
	}
	now := s.now()
	if _, ok := s.cfg.within(); ok {
		if o.DeliveredAt.IsZero() {
			return Return{}, 0, &OrderStateError{OrderID: o.ID, Status: o.Status, Kind: ErrNotReturnable,
				Detail: "no delivery time recorded, so the return window cannot be checked"}
		}
		if err := s.cfg.checkWindow(o.ID, o.DeliveredAt, now); err != nil {
			return Return{}, 0, err
		}
	}
	taken, err := s.taken(ctx, tx, &o)
	if err != nil {
		return Return{}, 0, err
	}
	items := req.Items
	if req.Type == TypeFull && len(items) == 0 {
		for i, l := range o.Lines {
			if left := l.Delivered - taken[i]; left > 0 {
				items = append(items, ItemRequest{Line: i, Quantity: left})
			}
		}
		if len(items) == 0 {
			return Return{}, 0, &OrderStateError{OrderID: o.ID, Status: o.Status, Kind: ErrNotReturnable,
				Detail: "everything delivered was already returned"}
		}
	}
	if len(items) == 0 {
		return Return{}, 0, &ValidationError{Field: "items", Reason: "a return needs at least one item"}
	}
	seen := map[int]bool{}
	for k, it := range items {
		field := fmt.Sprintf("items[%d]", k)
		switch {
		case it.Line < 0 || it.Line >= len(o.Lines):
			return Return{}, 0, &ValidationError{Field: field + ".line", Reason: fmt.Sprintf("order has no line %d", it.Line)}
		case seen[it.Line]:
			return Return{}, 0, &ValidationError{Field: field + ".line", Reason: fmt.Sprintf("line %d listed twice", it.Line)}
		case it.Quantity <= 0:
			return Return{}, 0, &ValidationError{Field: field + ".quantity", Reason: fmt.Sprintf("must be positive, got %d", it.Quantity)}
		}
		seen[it.Line] = true
		l := o.Lines[it.Line]
		if taken[it.Line]+it.Quantity > l.Delivered {
			return Return{}, 0, &OverReturnError{OrderID: o.ID, Line: it.Line, ProductID: l.ProductID,
				Requested: it.Quantity, Delivered: l.Delivered, Taken: taken[it.Line]}
		}
	}
	coversAll := true
	for i, l := range o.Lines {
		q := int64(0)
		for _, it := range items {
			if it.Line == i {
				q = it.Quantity
			}
		}
		coversAll = coversAll && taken[i]+q >= l.Delivered
	}
	typ := req.Type
	switch {
	case typ == "" && coversAll:
		typ = TypeFull
	case typ == "":
		typ = TypePartial
	case typ == TypeFull && !coversAll:
		return Return{}, 0, &ValidationError{Field: "type", Reason: "a full return must cover everything left to return"}
	case typ == TypePartial && coversAll:
		return Return{}, 0, &ValidationError{Field: "type", Reason: "the items cover everything left to return: use fully, or leave the type empty"}
	}
	q := s.cfg.price(&o, items)
	return Return{
		OrderID: o.ID, ClientID: o.Client.ID, Type: typ, Items: q.Items, Reason: req.Reason,
		RequestedBy: actor.ID, ViaPortal: portal, RequestedAt: now, Approval: Pending,
		Currency: o.Currency, Value: q.Value, Fee: q.Fee, DeliveryFee: q.DeliveryFee, RefundDue: q.RefundDue,
		Refunded: decimal.Zero, Full: q.Full,
	}, o.Version, nil
}

// taken returns, per line, the units no new request may ask for: approved
// (the larger of the order's Returned fact and the approved records) plus
// pending.
func (s *Service) taken(ctx context.Context, tx Tx, o *oms.Order) ([]int64, error) {
	recs, err := tx.Returns(ctx, Filter{OrderID: o.ID, Approvals: []Approval{Pending, Approved}})
	if err != nil {
		return nil, err
	}
	approved := make([]int64, len(o.Lines))
	pending := make([]int64, len(o.Lines))
	for _, r := range recs {
		for _, it := range r.Items {
			if it.Line < 0 || it.Line >= len(o.Lines) {
				continue
			}
			if r.Approval == Approved {
				approved[it.Line] += it.Quantity
			} else {
				pending[it.Line] += it.Quantity
			}
		}
	}
	out := make([]int64, len(o.Lines))
	for i, l := range o.Lines {
		out[i] = max(l.Returned, approved[i]) + pending[i]
	}
	return out, nil
}

// ApproveOptions tune an approval. The zero value approves and refunds
// what is due at once.
type ApproveOptions struct {
	// Note is kept on the return, in history and on the refund.
	Note string
	// DeferRefund approves and restocks without refunding now (an order
	// not paid yet, or money returned outside this system); refund later
	// with Service.Refund.
	DeferRefund bool
}

// Approve approves a pending return. In one unit of work it moves the
// order to Return (everything delivered is back) or Partial Return,
// records the returned quantities on the order's lines, writes a receipt
// note and puts the goods back in stock, reverses loyalty points when
// Config.RefundLoyaltyPoints is on, and, unless opts.DeferRefund, refunds
// RefundDue to the order's payment method, moving the order on to Refund
// (the order is settled: see "Refund or Partial Refund" in the package
// documentation) or Partial Refund. The actor needs oms.PermReturnsApprove.
//
// Approving an approved return returns it unchanged and writes nothing, so
// a retry never restocks or refunds twice. Approving a rejected one is a
// *DecisionError. A refund above what the client paid and was not yet
// refunded is an *OverRefundError and nothing is written.
//
// Racing approvals of one return (or an approval racing another change of
// the order) are settled by the store: one commits, the others run again
// (see Attempts) and find the return approved. An approval that lost the
// race Attempts times returns an error wrapping oms.ErrConflict and wrote
// nothing: approving again is safe.
func (s *Service) Approve(ctx context.Context, actor oms.Actor, id string, opts ApproveOptions) (Return, error) {
	if actor.ClientID != "" || !actor.Can(oms.PermReturnsApprove) {
		return Return{}, forbid(actor, oms.PermReturnsApprove, "approve a return")
	}
	var out Return
	err := s.do(ctx, func(tx Tx) error {
		r, o, err := decision(ctx, tx, id)
		if err != nil {
			return err
		}
		switch r.Approval {
		case Approved:
			out = r
			return nil
		case Rejected:
			return &DecisionError{ReturnID: r.ID, Approval: r.Approval, Wanted: Approved}
		}
		req := make([]ItemRequest, len(r.Items))
		for k, it := range r.Items {
			if it.Line < 0 || it.Line >= len(o.Lines) {
				return &ValidationError{Field: "items", Reason: fmt.Sprintf("order %s has no line %d", o.ID, it.Line)}
			}
			l := o.Lines[it.Line]
			if l.Returned+it.Quantity > l.Delivered {
				return &OverReturnError{OrderID: o.ID, Line: it.Line, ProductID: l.ProductID,
					Requested: it.Quantity, Delivered: l.Delivered, Taken: l.Returned}
			}
			req[k] = ItemRequest{Line: it.Line, Quantity: it.Quantity}
		}
		// The amounts are final now: priced against the units already back.
		q := s.cfg.price(&o, req)
		ev := oms.EvApprovePartialReturn
		if q.Full {
			ev = oms.EvApproveReturn
		}
		now := s.now()
		after, err := s.orders.ApplyTx(ctx, tx, actor, o.ID, oms.Change{
			Event: ev, Reason: reasonFor(r.ID, opts.Note), Emit: []oms.EventType{EventReturnApproved},
			Permission: oms.PermReturnsApprove,
			Edit: pin(o.ID, o.Version, func(o *oms.Order) error {
				for _, it := range req {
					o.Lines[it.Line].Returned += it.Quantity
				}
				return nil
			}),
		})
		if err != nil {
			return err
		}
		rc := Receipt{ReturnID: r.ID, OrderID: o.ID, At: now}
		for _, it := range q.Items {
			rc.Lines = append(rc.Lines, ReceiptLine{ProductID: it.ProductID, SKU: it.SKU, Quantity: it.Quantity})
		}
		if err := tx.AddReceipt(ctx, &rc); err != nil {
			return err
		}
		for _, it := range q.Items {
			if err := tx.Restock(ctx, &StockEntry{ProductID: it.ProductID, Quantity: it.Quantity,
				ReceiptID: rc.ID, ReturnID: r.ID, At: now}); err != nil {
				return err
			}
		}
		r.Items, r.Value, r.Fee, r.DeliveryFee, r.RefundDue, r.Full = q.Items, q.Value, q.Fee, q.DeliveryFee, q.RefundDue, q.Full
		r.Approval, r.DecidedBy, r.DecidedAt, r.DecisionNote, r.ReceiptID = Approved, actor.ID, now, opts.Note, rc.ID
		if s.cfg.RefundLoyaltyPoints {
			if r.LoyaltyPoints, err = s.reverseLoyalty(ctx, tx, &after, &r, now); err != nil {
				return err
			}
		}
		if !opts.DeferRefund && r.RefundDue.IsPositive() {
			if _, err := s.refundTx(ctx, tx, actor, &after, &r, r.RefundDue, opts.Note); err != nil {
				if errors.Is(err, ErrOverRefund) {
					return fmt.Errorf("%w (approve with DeferRefund to restock now and settle the money otherwise)", err)
				}
				return err
			}
		}
		if err := tx.UpdateReturn(ctx, &r); err != nil {
			return err
		}
		out = r
		return nil
	})
	if err != nil {
		return Return{}, fmt.Errorf("returns: approve %s: %w", id, err)
	}
	return out.Clone(), nil
}

// reverseLoyalty takes back the points earned on the part of the order
// that is now back (o has the new Returned quantities), less what earlier
// returns took back.
func (s *Service) reverseLoyalty(ctx context.Context, tx Tx, o *oms.Order, r *Return, now time.Time) (int64, error) {
	earned, err := tx.LoyaltyEarned(ctx, o.ID)
	if err != nil || earned <= 0 {
		return 0, err
	}
	prior, err := tx.LoyaltyReversals(ctx, o.ID)
	if err != nil {
		return 0, err
	}
	var done int64
	for _, p := range prior {
		done += p.Points
	}
	returned := make([]int64, len(o.Lines))
	for i, l := range o.Lines {
		returned[i] = l.Returned
	}
	pts := loyaltyTarget(o, returned, earned) - done
	if pts <= 0 {
		return 0, nil
	}
	if err := tx.AddLoyaltyReversal(ctx, &LoyaltyReversal{OrderID: o.ID, ReturnID: r.ID, ClientID: o.Client.ID, Points: pts, At: now}); err != nil {
		return 0, err
	}
	return pts, nil
}

// refundTx records a refund of amount on the order o (as read in the
// unit, and checked against r), against r when not nil, and moves the
// order to Refund or Partial Refund. r.Refunded is updated; the caller
// stores r.
func (s *Service) refundTx(ctx context.Context, tx Tx, actor oms.Actor, o *oms.Order, r *Return, amount decimal.Decimal, note string) (Refund, error) {
	if !amount.Equal(oms.RoundMoney(amount, o.Currency)) {
		return Refund{}, &ValidationError{Field: "amount", Reason: "more decimals than " + o.Currency + " has"}
	}
	limit := o.Paid.Sub(o.Refunded)
	rid := ""
	if r != nil {
		rid = r.ID
		if out := r.Outstanding(); out.LessThan(limit) {
			limit = out
		}
	}
	if limit.IsNegative() {
		limit = decimal.Zero
	}
	if amount.GreaterThan(limit) {
		return Refund{}, &OverRefundError{OrderID: o.ID, ReturnID: rid, Requested: amount, Limit: limit,
			Paid: o.Paid, Refunded: o.Refunded, Currency: o.Currency}
	}
	rf := Refund{OrderID: o.ID, ReturnID: rid, Amount: amount, Currency: o.Currency, PaymentMode: o.PaymentMethod,
		RefundedOn: s.now(), Note: note, By: actor.ID}
	if err := tx.AddRefund(ctx, &rf); err != nil {
		return Refund{}, err
	}
	ev := oms.EvPartialRefund
	var after *Return
	if r != nil {
		cp := *r
		cp.Refunded = cp.Refunded.Add(amount)
		after = &cp
	}
	if settled, err := settles(ctx, tx, o, after, o.Refunded.Add(amount)); err != nil {
		return Refund{}, err
	} else if settled {
		ev = oms.EvRefund
	}
	if _, err := s.orders.ApplyTx(ctx, tx, actor, o.ID, oms.Change{
		Event: ev, Reason: reasonFor(rid, "refund "+amount.StringFixed(oms.MinorUnits(o.Currency))+" "+o.Currency),
		Emit: []oms.EventType{EventReturnRefunded}, Permission: oms.PermReturnsApprove,
		Edit: pin(o.ID, o.Version, func(o *oms.Order) error { o.Refunded = o.Refunded.Add(amount); return nil }),
	}); err != nil {
		return Refund{}, err
	}
	if r != nil {
		r.Refunded = r.Refunded.Add(amount)
	}
	return rf, nil
}

// settles reports whether an order whose refunds come to refunded is
// settled, so that the refund moves it to Refund (6) rather than Partial
// Refund (13); cur, when not nil, is the return being refunded, with the
// refund counted, and stands in for its stored record. The rule (see
// "Refund or Partial Refund" in the package documentation): everything
// paid is back, or every delivered unit is back under approved returns,
// each of those returns is refunded in full, and what the shop keeps is no
// more than their restocking fees and the delivery fee no return refunded.
func settles(ctx context.Context, tx Tx, o *oms.Order, cur *Return, refunded decimal.Decimal) (bool, error) {
	if refunded.GreaterThanOrEqual(o.Paid) {
		return true, nil
	}
	var delivered int64
	for _, l := range o.Lines {
		if l.Returned < l.Delivered {
			return false, nil
		}
		delivered += l.Delivered
	}
	if delivered == 0 {
		return false, nil
	}
	recs, err := tx.Returns(ctx, Filter{OrderID: o.ID, Approvals: []Approval{Approved}})
	if err != nil {
		return false, err
	}
	if cur != nil && cur.Approval == Approved && !slices.ContainsFunc(recs, func(r Return) bool { return r.ID == cur.ID }) {
		recs = append(recs, *cur)
	}
	kept := o.Totals.DeliveryFee
	for i := range recs {
		r := &recs[i]
		if cur != nil && r.ID == cur.ID {
			r = cur
		}
		if r.Outstanding().IsPositive() {
			return false, nil
		}
		kept = kept.Add(r.Fee).Sub(r.DeliveryFee)
	}
	return o.Paid.Sub(refunded).LessThanOrEqual(kept), nil
}

// Reject rejects a pending return with a reason the client is told (the
// EventReturnRejected event carries it). The order goes back to the status
// it had before the request; nothing is restocked, refunded or reversed.
// Rejecting a rejected return returns it unchanged; rejecting an approved
// one is a *DecisionError. The actor needs oms.PermReturnsApprove. A
// rejection that lost a race on the order Attempts times returns an error
// wrapping oms.ErrConflict and wrote nothing.
func (s *Service) Reject(ctx context.Context, actor oms.Actor, id, reason string) (Return, error) {
	if actor.ClientID != "" || !actor.Can(oms.PermReturnsApprove) {
		return Return{}, forbid(actor, oms.PermReturnsApprove, "reject a return")
	}
	if reason == "" {
		return Return{}, &ValidationError{Field: "reason", Reason: "a rejection needs a reason"}
	}
	var out Return
	err := s.do(ctx, func(tx Tx) error {
		r, o, err := decision(ctx, tx, id)
		if err != nil {
			return err
		}
		switch r.Approval {
		case Rejected:
			out = r
			return nil
		case Approved:
			return &DecisionError{ReturnID: r.ID, Approval: r.Approval, Wanted: Rejected}
		}
		if _, err := s.orders.ApplyTx(ctx, tx, actor, r.OrderID, oms.Change{
			Event: oms.EvRejectReturn, Reason: reasonFor(r.ID, reason),
			Emit: []oms.EventType{EventReturnRejected}, Permission: oms.PermReturnsApprove,
			Edit: pin(o.ID, o.Version, nil),
		}); err != nil {
			return err
		}
		r.Approval, r.DecidedBy, r.DecidedAt, r.DecisionNote = Rejected, actor.ID, s.now(), reason
		if err := tx.UpdateReturn(ctx, &r); err != nil {
			return err
		}
		out = r
		return nil
	})
	if err != nil {
		return Return{}, fmt.Errorf("returns: reject %s: %w", id, err)
	}
	return out.Clone(), nil
}

// RefundRequest is the input of Service.Refund.
type RefundRequest struct {
	OrderID string
	// ReturnID ties the refund to an approved return; "" refunds on the
	// order alone (a goodwill gesture, a price correction).
	ReturnID string
	// Amount to refund, in the order's currency. Zero with a ReturnID
	// refunds what is still due on that return.
	Amount decimal.Decimal
	Note   string
}

// Refund pays money back on an order, fully or in part, to the order's
// payment method, and moves the order to Refund when it is settled
// (everything paid is back, or everything delivered is back and refunded
// less the restocking fees and the delivery fee kept: see "Refund or
// Partial Refund" in the package documentation) or else to Partial
// Refund. The sum of an order's refunds never exceeds what was
// paid, nor a return's refunds what is due on it: a larger amount is an
// *OverRefundError and nothing is written. The actor needs
// oms.PermReturnsApprove.
//
// The core's lifecycle allows a refund only from Delivered, Return,
// Partial Return and Partial Refund: while a return request is pending, or
// once the order is in Refund, Refund is refused with the core's
// *oms.TransitionError (errors.Is oms.ErrInvalidTransition).
//
// Refunds racing on one order are settled by the store: one commits and
// the others run again (see Attempts) against the new refunded amount, so
// together they never exceed what was paid. A refund that lost the race
// Attempts times returns an error wrapping oms.ErrConflict and paid
// nothing; it may be sent again.
func (s *Service) Refund(ctx context.Context, actor oms.Actor, req RefundRequest) (Refund, error) {
	if actor.ClientID != "" || !actor.Can(oms.PermReturnsApprove) {
		return Refund{}, forbid(actor, oms.PermReturnsApprove, "refund")
	}
	switch {
	case req.Amount.IsNegative():
		return Refund{}, &ValidationError{Field: "amount", Reason: "negative refund " + req.Amount.String()}
	case req.Amount.IsZero() && req.ReturnID == "":
		return Refund{}, &ValidationError{Field: "amount", Reason: "zero refund without a return to take the amount from"}
	}
	var out Refund
	err := s.do(ctx, func(tx Tx) error {
		var (
			r   *Return
			o   oms.Order
			err error
		)
		amount := req.Amount
		if req.ReturnID == "" {
			if o, err = tx.Get(ctx, req.OrderID); err != nil {
				return err
			}
		} else {
			var rec Return
			if rec, o, err = decision(ctx, tx, req.ReturnID); err != nil {
				return err
			}
			switch {
			case rec.OrderID != req.OrderID:
				return &ValidationError{Field: "return_id", Reason: "return " + rec.ID + " belongs to order " + rec.OrderID}
			case rec.Approval != Approved:
				return &ValidationError{Field: "return_id", Reason: "return " + rec.ID + " is " + rec.Approval.String() + ", not approved"}
			}
			if amount.IsZero() {
				if amount = rec.Outstanding(); !amount.IsPositive() {
					return &ValidationError{Field: "amount", Reason: "nothing is left to refund on return " + rec.ID}
				}
			}
			r = &rec
		}
		rf, err := s.refundTx(ctx, tx, actor, &o, r, amount, req.Note)
		if err != nil {
			return err
		}
		if r != nil {
			if err := tx.UpdateReturn(ctx, r); err != nil {
				return err
			}
		}
		out = rf
		return nil
	})
	if err != nil {
		return Refund{}, fmt.Errorf("returns: refund on order %s: %w", req.OrderID, err)
	}
	return out, nil
}

// Get returns a return. Staff need oms.PermReturnsView; a portal client
// sees only their own returns (another's is ErrNotFound).
func (s *Service) Get(ctx context.Context, actor oms.Actor, id string) (Return, error) {
	if actor.ClientID == "" && !actor.Can(oms.PermReturnsView) {
		return Return{}, forbid(actor, oms.PermReturnsView, "view returns")
	}
	var out Return
	err := s.store.DoReturns(ctx, func(tx Tx) error {
		r, err := tx.GetReturn(ctx, id)
		out = r
		return err
	})
	if err == nil && actor.ClientID != "" && out.ClientID != actor.ClientID {
		err = fmt.Errorf("return %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return Return{}, fmt.Errorf("returns: get: %w", err)
	}
	return out, nil
}

// List returns the returns matching f, oldest request first. A portal
// client sees only their own; staff need oms.PermReturnsView.
func (s *Service) List(ctx context.Context, actor oms.Actor, f Filter) ([]Return, error) {
	if actor.ClientID != "" {
		f.ClientID = actor.ClientID
	} else if !actor.Can(oms.PermReturnsView) {
		return nil, forbid(actor, oms.PermReturnsView, "list returns")
	}
	var out []Return
	err := s.store.DoReturns(ctx, func(tx Tx) error {
		var err error
		out, err = tx.Returns(ctx, f)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("returns: list: %w", err)
	}
	return out, nil
}

// Refunds lists an order's refunds. A portal client sees only their own
// orders' refunds; staff need oms.PermReturnsView.
func (s *Service) Refunds(ctx context.Context, actor oms.Actor, orderID string) ([]Refund, error) {
	if actor.ClientID == "" && !actor.Can(oms.PermReturnsView) {
		return nil, forbid(actor, oms.PermReturnsView, "view refunds")
	}
	var out []Refund
	err := s.store.DoReturns(ctx, func(tx Tx) error {
		o, err := tx.Get(ctx, orderID)
		if err != nil {
			return err
		}
		if actor.ClientID != "" && o.Client.ID != actor.ClientID {
			return oms.ErrNotFound
		}
		out, err = tx.Refunds(ctx, orderID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("returns: refunds of order %s: %w", orderID, err)
	}
	return out, nil
}
