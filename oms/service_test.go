package oms_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/azuvio/omnisales/adapters/memstore"
	"github.com/azuvio/omnisales/oms"
)

var (
	ctx      = context.Background()
	operator = oms.Staff("ana", oms.RoleOperator)
	// discounter is an operator who may also grant trade discounts by hand.
	discounter = oms.Staff("ana", oms.RoleOperator, []oms.Permission{oms.PermDiscounts})
	manager    = oms.Staff("mihai", oms.RoleSalesManager)
	portal     = oms.ChannelRef{Type: oms.ChannelPortal, ID: 2}
	pos        = oms.ChannelRef{Type: oms.ChannelPOS, ID: 1}
)

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

type docs struct {
	mu        sync.Mutex
	invoices  []string
	delivNote []string
}

func (d *docs) CreateInvoice(ctx context.Context, o oms.Order) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.invoices = append(d.invoices, o.ID)
	return nil
}

func (d *docs) CreateDeliveryNote(ctx context.Context, o oms.Order) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.delivNote = append(d.delivNote, o.ID)
	return nil
}

var channelSettings = oms.ChannelPolicyFunc(func(ctx context.Context, ch oms.ChannelRef) (oms.ChannelSettings, error) {
	switch ch {
	case portal:
		return oms.ChannelSettings{AutoInvoice: true, AutoDeliveryNote: true, DeliveryFee: dec("25")}, nil
	case pos:
		return oms.ChannelSettings{AutoConfirm: true, AutoInvoice: true}, nil
	case oms.ChannelRef{Type: oms.ChannelManual, ID: 4}:
		return oms.ChannelSettings{}, nil
	}
	return oms.ChannelSettings{}, oms.ErrUnknownChannel
})

func newService(t testing.TB) (*oms.Service, *docs) {
	t.Helper()
	d := &docs{}
	svc, err := oms.NewService(memstore.New(), oms.Config{
		Channels:      channelSettings,
		ApprovalRules: []oms.ApprovalRule{{Name: "portal over 10,000", ChannelType: oms.ChannelPortal, Threshold: dec("10000")}},
		Invoicer:      d, DeliveryNotes: d,
	})
	if err != nil {
		t.Fatal(err)
	}
	return svc, d
}

func cart(ch oms.ChannelRef, unit string, qty int64) oms.NewOrder {
	return oms.NewOrder{Channel: ch, Type: "b2b", Currency: "RON", Client: oms.Client{ID: "C1", Groups: []string{"Wholesale"}},
		Lines: []oms.Line{{ProductID: "P1", SKU: "SKU-1", Quantity: qty, UnitPrice: dec(unit), TaxRate: dec("19")}}}
}

func TestPlaceComputesTotals(t *testing.T) {
	svc, _ := newService(t)
	n := cart(portal, "10.005", 3)
	n.Lines = append(n.Lines, oms.Line{ProductID: "P2", Quantity: 1, UnitPrice: dec("0.10"), Discount: dec("0.05"), TaxRate: dec("9")})
	o, err := svc.Place(ctx, discounter, n)
	if err != nil {
		t.Fatal(err)
	}
	// 3 × 10.005 = 30.015 → 30.02 (half up); tax 19% of 30.02 = 5.7038 → 5.70;
	// line 2: 0.10 − 0.05 = 0.05, tax 9% = 0.0045 → 0.00; fee 25 from the channel.
	want := oms.Totals{Subtotal: dec("30.12"), Discount: dec("0.05"), Tax: dec("5.70"), DeliveryFee: dec("25"), Total: dec("60.77")}
	got := o.Totals
	if !got.Subtotal.Equal(want.Subtotal) || !got.Discount.Equal(want.Discount) || !got.Tax.Equal(want.Tax) ||
		!got.DeliveryFee.Equal(want.DeliveryFee) || !got.Total.Equal(want.Total) {
		t.Fatalf("totals = %+v, want %+v", got, want)
	}
	if o.Status != oms.Draft || o.ApprovalRequired || o.Version != 1 {
		t.Fatalf("new order: %s approval=%v version=%d", o.Status, o.ApprovalRequired, o.Version)
	}
}

func TestBadInputWritesNothing(t *testing.T) {
	svc, _ := newService(t)
	cases := map[string]struct {
		mut  func(*oms.NewOrder)
		kind error
	}{
		"empty order":       {func(n *oms.NewOrder) { n.Lines = nil }, oms.ErrInvalidOrder},
		"zero quantity":     {func(n *oms.NewOrder) { n.Lines[0].Quantity = 0 }, oms.ErrInvalidOrder},
		"negative quantity": {func(n *oms.NewOrder) { n.Lines[0].Quantity = -2 }, oms.ErrInvalidOrder},
		"negative price":    {func(n *oms.NewOrder) { n.Lines[0].UnitPrice = dec("-1") }, oms.ErrInvalidOrder},
		"bad currency":      {func(n *oms.NewOrder) { n.Currency = "lei" }, oms.ErrInvalidOrder},
		"discount decimals": {func(n *oms.NewOrder) { n.Lines[0].Discount = dec("0.001") }, oms.ErrCurrencyMismatch},
		"unknown chan type": {func(n *oms.NewOrder) { n.Channel.Type = "fax" }, oms.ErrUnknownChannel},
		"unknown channel":   {func(n *oms.NewOrder) { n.Channel.ID = 77 }, oms.ErrUnknownChannel},
		"no client":         {func(n *oms.NewOrder) { n.Client.ID = "" }, oms.ErrInvalidOrder},
	}
	for name, c := range cases {
		n := cart(portal, "10", 1)
		c.mut(&n)
		_, err := svc.Place(ctx, operator, n)
		var ve *oms.ValidationError
		if !errors.Is(err, c.kind) || !errors.As(err, &ve) {
			t.Errorf("%s: err = %v, want %v as *ValidationError", name, err, c.kind)
		}
	}
	page, err := svc.List(ctx, operator, oms.Filter{}, oms.Page{})
	if err != nil || len(page.Orders) != 0 {
		t.Fatalf("refused orders were stored: %d, %v", len(page.Orders), err)
	}
}

func TestApprovalFlowAndDocumentsAfterCommit(t *testing.T) {
	svc, d := newService(t)
	o, err := svc.Place(ctx, oms.PortalClient("C1"), cart(portal, "5000", 3)) // 15,000 + tax > 10,000
	if err != nil {
		t.Fatal(err)
	}
	if !o.AwaitingApproval() || o.ApprovalRule != "portal over 10,000" {
		t.Fatalf("big portal order: awaiting=%v rule=%q", o.AwaitingApproval(), o.ApprovalRule)
	}
	page, _ := svc.AwaitingApprovalList(ctx, operator, oms.Filter{}, oms.Page{})
	if len(page.Orders) != 1 {
		t.Fatalf("awaiting approval list has %d orders", len(page.Orders))
	}
	_, err = svc.Confirm(ctx, operator, o.ID)
	var te *oms.TransitionError
	if !errors.As(err, &te) || te.Guard != "approval" || te.OrderID != o.ID || te.Event != oms.EvConfirm || te.From != oms.Draft {
		t.Fatalf("confirm before approval: %v", err)
	}
	if _, err := svc.Approve(ctx, operator, o.ID); !errors.Is(err, oms.ErrForbidden) {
		t.Fatalf("operator approving: %v, want ErrForbidden", err)
	}
	if _, err := svc.Approve(ctx, manager, o.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Approve(ctx, manager, o.ID); !errors.Is(err, oms.ErrInvalidTransition) {
		t.Fatalf("approving twice: %v", err)
	}
	if page, _ := svc.AwaitingApprovalList(ctx, operator, oms.Filter{}, oms.Page{}); len(page.Orders) != 0 {
		t.Fatal("approved order still awaits approval")
	}
	if _, err := svc.Confirm(ctx, operator, o.ID); err != nil {
		t.Fatal(err)
	}
	if len(d.invoices) != 0 {
		t.Fatal("invoice ran inside the status write, before dispatch")
	}
	n, err := svc.Events().Drain(ctx)
	if err != nil || n == 0 {
		t.Fatalf("drain: %d %v", n, err)
	}
	if len(d.invoices) != 1 || len(d.delivNote) != 1 || d.invoices[0] != o.ID {
		t.Fatalf("documents after confirm: invoices %v notes %v", d.invoices, d.delivNote)
	}
	if n, _ := svc.Events().Drain(ctx); n != 0 {
		t.Fatalf("events dispatched again: %d", n)
	}
}

func TestRejectKeepsReasonAndBlocksConfirm(t *testing.T) {
	svc, _ := newService(t)
	o, _ := svc.Place(ctx, operator, cart(portal, "20000", 1))
	var got []oms.Event
	svc.Events().Subscribe(oms.EventRejected, func(ctx context.Context, e oms.Event) error { got = append(got, e); return nil })
	if _, err := svc.Reject(ctx, manager, o.ID, ""); !errors.Is(err, oms.ErrInvalidOrder) {
		t.Fatalf("reject without reason: %v", err)
	}
	r, err := svc.Reject(ctx, manager, o.ID, "credit limit")
	if err != nil {
		t.Fatal(err)
	}
	if r.Approval != oms.ApprovalRejected || r.RejectReason != "credit limit" {
		t.Fatalf("rejected: %+v", r)
	}
	if _, err := svc.Confirm(ctx, operator, o.ID); !errors.Is(err, oms.ErrInvalidTransition) {
		t.Fatalf("confirm after rejection: %v", err)
	}
	svc.Events().Drain(ctx)
	if len(got) != 1 || got[0].Reason != "credit limit" {
		t.Fatalf("rejected events: %+v", got)
	}
	small, _ := svc.Place(ctx, operator, cart(portal, "1", 1))
	if _, err := svc.Approve(ctx, manager, small.ID); !errors.Is(err, oms.ErrInvalidTransition) {
		t.Fatalf("approving an order that needed none: %v", err)
	}
}

func TestAutoConfirmChannel(t *testing.T) {
	svc, d := newService(t)
	o, err := svc.Place(ctx, operator, cart(pos, "10", 1))
	if err != nil {
		t.Fatal(err)
	}
	if o.Status != oms.Confirmed {
		t.Fatalf("POS order with auto-confirm is %s", o.Status)
	}
	h, _ := svc.History(ctx, operator, o.ID)
	if len(h) != 2 || h[1].Event != oms.EvConfirm {
		t.Fatalf("history: %+v", h)
	}
	svc.Events().Drain(ctx)
	if len(d.invoices) != 1 || len(d.delivNote) != 0 {
		t.Fatalf("POS documents: %v %v", d.invoices, d.delivNote)
	}
}

func TestShipNeedsAWBAndDeliverNeedsShipping(t *testing.T) {
	svc, _ := newService(t)
	o, _ := svc.Place(ctx, operator, cart(portal, "10", 2))
	if _, err := svc.Deliver(ctx, operator, o.ID); !errors.Is(err, oms.ErrInvalidTransition) {
		t.Fatalf("deliver from Draft: %v", err)
	}
	if _, err := svc.Ship(ctx, operator, o.ID, oms.Shipment{AWB: "1"}); !errors.Is(err, oms.ErrInvalidTransition) {
		t.Fatalf("ship from Draft: %v", err)
	}
	svc.Confirm(ctx, operator, o.ID)
	_, err := svc.Ship(ctx, operator, o.ID, oms.Shipment{})
	var te *oms.TransitionError
	if !errors.As(err, &te) || te.Guard != "awb" {
		t.Fatalf("ship without AWB: %v", err)
	}
	s, err := svc.Ship(ctx, operator, o.ID, oms.Shipment{Courier: "Sameday", AWB: "5749162310001"})
	if err != nil {
		t.Fatal(err)
	}
	if s.Lines[0].Shipped != 2 || s.Shipment.AWB != "5749162310001" {
		t.Fatalf("shipped facts: %+v", s)
	}
	if _, err := svc.Cancel(ctx, operator, o.ID, "late"); !errors.Is(err, oms.ErrInvalidTransition) {
		t.Fatalf("cancel after shipping: %v", err)
	}
	dl, err := svc.Deliver(ctx, operator, o.ID)
	if err != nil || dl.Lines[0].Delivered != 2 || dl.DeliveredAt.IsZero() {
		t.Fatalf("deliver: %+v %v", dl, err)
	}
}

func TestHoldResumeReturnsToPreviousStatus(t *testing.T) {
	svc, _ := newService(t)
	for _, prep := range []func(id string){
		func(id string) {},
		func(id string) { svc.Submit(ctx, operator, id) },
		func(id string) { svc.Confirm(ctx, operator, id) },
		func(id string) { svc.Confirm(ctx, operator, id); svc.MarkReady(ctx, operator, id) },
	} {
		o, _ := svc.Place(ctx, operator, cart(portal, "10", 1))
		prep(o.ID)
		before, _ := svc.Get(ctx, operator, o.ID)
		h, err := svc.Hold(ctx, operator, o.ID, "payment issue")
		if err != nil || h.Status != oms.OnHold {
			t.Fatalf("hold from %s: %v", before.Status, err)
		}
		r, err := svc.Resume(ctx, operator, o.ID)
		if err != nil || r.Status != before.Status {
			t.Fatalf("resume: got %s, want %s (%v)", r.Status, before.Status, err)
		}
	}
}

// A fact change (payment) while On Hold must not overwrite the status that
// resume returns to (found by TestLifecycleProperties).
func TestFactChangeOnHoldKeepsResumeTarget(t *testing.T) {
	svc, _ := newService(t)
	o, _ := svc.Place(ctx, operator, cart(portal, "10", 1))
	svc.Hold(ctx, operator, o.ID, "")
	if _, err := svc.RecordPayment(ctx, operator, o.ID, dec("1")); err != nil {
		t.Fatal(err)
	}
	r, err := svc.Resume(ctx, operator, o.ID)
	if err != nil || r.Status != oms.Draft {
		t.Fatalf("resume after a payment on hold: %s, %v", r.Status, err)
	}
}

func TestStockUnavailableLeftOnlyByOperator(t *testing.T) {
	svc, _ := newService(t)
	o, _ := svc.Place(ctx, operator, cart(portal, "10", 1))
	if _, err := svc.MarkStockUnavailable(ctx, operator, o.ID, "P1 out of stock"); err != nil {
		t.Fatal(err)
	}
	page, _ := svc.BackOrders(ctx, operator, oms.Filter{}, oms.Page{})
	if len(page.Orders) != 1 {
		t.Fatal("order not in the back-order list")
	}
	for _, ev := range []oms.EventName{oms.EvConfirm, oms.EvVerify, oms.EvCancel} {
		_, err := svc.Fire(ctx, oms.System("sync"), o.ID, ev, "")
		var te *oms.TransitionError
		if !errors.As(err, &te) || te.Guard != "stock-unavailable" {
			t.Fatalf("automation %s from Stock Unavailable: %v", ev, err)
		}
	}
	if c, err := svc.Confirm(ctx, operator, o.ID); err != nil || c.Status != oms.Confirmed {
		t.Fatalf("operator confirm from 16: %v", err)
	}
}

func TestPaymentNeverRevivesClosedOrders(t *testing.T) {
	svc, _ := newService(t)
	o, _ := svc.Place(ctx, operator, cart(portal, "100", 1))
	svc.Cancel(ctx, operator, o.ID, "client changed mind")
	p, err := svc.RecordPayment(ctx, operator, o.ID, dec("144"))
	if err != nil {
		t.Fatal(err)
	}
	if p.Status != oms.Cancelled || !p.Paid.Equal(dec("144")) {
		t.Fatalf("payment on cancelled: status %s paid %s", p.Status, p.Paid)
	}
	// Partial then full payment on a pending-payment order.
	o2, _ := svc.Place(ctx, operator, cart(portal, "100", 1)) // total 119 + 25 fee = 144
	svc.Fire(ctx, operator, o2.ID, oms.EvRequestPayment, "advance")
	p, _ = svc.RecordPayment(ctx, operator, o2.ID, dec("100"))
	if p.Status != oms.PendingPayment {
		t.Fatalf("partial payment moved to %s", p.Status)
	}
	p, _ = svc.RecordPayment(ctx, operator, o2.ID, dec("44"))
	if p.Status != oms.Paid || !p.FullyPaid() {
		t.Fatalf("full payment: %s paid %s of %s", p.Status, p.Paid, p.Totals.Total)
	}
	if _, err := svc.RecordPayment(ctx, operator, o2.ID, dec("0.001")); !errors.Is(err, oms.ErrCurrencyMismatch) {
		t.Fatalf("sub-cent payment: %v", err)
	}
	if _, err := svc.RecordPayment(ctx, operator, o2.ID, dec("-5")); !errors.Is(err, oms.ErrInvalidOrder) {
		t.Fatalf("negative payment: %v", err)
	}
}

func TestPermissions(t *testing.T) {
	svc, _ := newService(t)
	viewer := oms.Actor{ID: "v", Permissions: []oms.Permission{oms.PermView}}
	if _, err := svc.Place(ctx, viewer, cart(portal, "1", 1)); !errors.Is(err, oms.ErrForbidden) {
		t.Fatalf("viewer placing: %v", err)
	}
	if _, err := svc.Place(ctx, oms.PortalClient("C2"), cart(portal, "1", 1)); !errors.Is(err, oms.ErrForbidden) {
		t.Fatalf("client placing for another client: %v", err)
	}
	o, _ := svc.Place(ctx, operator, cart(portal, "1", 1))
	before, _ := svc.Get(ctx, operator, o.ID)
	_, err := svc.Confirm(ctx, viewer, o.ID)
	var fe *oms.ForbiddenError
	if !errors.As(err, &fe) || fe.Permission != oms.PermEdit {
		t.Fatalf("viewer confirming: %v", err)
	}
	if _, err := svc.Confirm(ctx, oms.PortalClient("C1"), o.ID); !errors.Is(err, oms.ErrForbidden) {
		t.Fatalf("client confirming own order: %v", err)
	}
	if _, err := svc.Get(ctx, oms.PortalClient("C9"), o.ID); !errors.Is(err, oms.ErrNotFound) {
		t.Fatalf("client reading another's order: %v", err)
	}
	after, _ := svc.Get(ctx, operator, o.ID)
	if after.Version != before.Version || after.Status != before.Status {
		t.Fatal("a refused call changed the order")
	}
	noAWB := oms.Staff("x", []oms.Permission{oms.PermView, oms.PermEdit})
	svc.Confirm(ctx, operator, o.ID)
	if _, err := svc.Ship(ctx, noAWB, o.ID, oms.Shipment{AWB: "1"}); !errors.Is(err, oms.ErrForbidden) {
		t.Fatalf("shipping without the AWB permission: %v", err)
	}
}

func TestOutboxSurvivesHandlerFailure(t *testing.T) {
	store := memstore.New()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	store.SetClock(func() time.Time { return now })
	svc, _ := oms.NewService(store, oms.Config{})
	fail := true
	var seen int
	svc.Events().Subscribe(oms.EventPlaced, func(ctx context.Context, e oms.Event) error {
		seen++
		if fail {
			return errors.New("mail server down")
		}
		return nil
	})
	svc.Place(ctx, operator, cart(oms.ChannelRef{Type: oms.ChannelManual, ID: 4}, "1", 1))
	_, err := svc.Events().Drain(ctx)
	var de *oms.DispatchError
	if !errors.As(err, &de) || len(de.Failed) != 1 {
		t.Fatalf("drain with failing handler: %v", err)
	}
	fail = false
	if n, _ := svc.Events().Drain(ctx); n != 0 {
		t.Fatal("failed event redelivered before its lease expired")
	}
	now = now.Add(time.Minute)
	if n, err := svc.Events().Drain(ctx); n != 1 || err != nil {
		t.Fatalf("after lease expiry: %d %v", n, err)
	}
	if seen != 2 {
		t.Fatalf("handler saw the event %d times, want 2 (at least once)", seen)
	}
}

func TestListPaginationAndQueries(t *testing.T) {
	svc, _ := newService(t)
	var ids []string
	for range 25 {
		o, _ := svc.Place(ctx, operator, cart(portal, "1", 1))
		ids = append(ids, o.ID)
	}
	var got []string
	p := oms.Page{Limit: 10}
	for {
		page, err := svc.Unconfirmed(ctx, operator, oms.Filter{ChannelType: oms.ChannelPortal}, p)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range page.Orders {
			got = append(got, o.ID)
		}
		if page.Next == "" {
			break
		}
		p.Cursor = page.Next
	}
	if len(got) != 25 {
		t.Fatalf("walked %d orders, want 25", len(got))
	}
	for i := range ids {
		if got[i] != ids[i] {
			t.Fatalf("list order: position %d is %s, want %s (creation order)", i, got[i], ids[i])
		}
	}
	seen := map[string]bool{}
	for _, id := range got {
		if seen[id] {
			t.Fatalf("%s listed twice", id)
		}
		seen[id] = true
	}
}

func TestDispatcherRunRetriesAndReports(t *testing.T) {
	store := memstore.New()
	svc, _ := oms.NewService(store, oms.Config{})
	var mu sync.Mutex
	var seen, reported int
	d := oms.NewDispatcher(store, oms.DispatcherConfig{Worker: "w", Lease: 10 * time.Millisecond,
		OnError: func(err error) { mu.Lock(); reported++; mu.Unlock() }})
	d.Subscribe(oms.EventPlaced, func(ctx context.Context, e oms.Event) error {
		mu.Lock()
		defer mu.Unlock()
		seen++
		if seen == 1 {
			return errors.New("first delivery fails")
		}
		return nil
	})
	svc.Place(ctx, operator, cart(oms.ChannelRef{Type: oms.ChannelManual, ID: 4}, "1", 1))
	runCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	done := make(chan error)
	go func() { done <- d.Run(runCtx, 5*time.Millisecond) }()
	for {
		mu.Lock()
		ok := seen >= 2
		mu.Unlock()
		if ok || runCtx.Err() != nil {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	<-done
	mu.Lock()
	defer mu.Unlock()
	if seen != 2 || reported < 1 {
		t.Fatalf("handler saw the event %d times (want 2), %d failures reported (want ≥ 1)", seen, reported)
	}
}

func TestListRefusesUnknownFilterValues(t *testing.T) {
	svc, _ := newService(t)
	if _, err := svc.Place(ctx, operator, cart(portal, "1", 1)); err != nil {
		t.Fatal(err)
	}
	_, err := svc.List(ctx, operator, oms.Filter{Statuses: []oms.Status{oms.Draft, 42}}, oms.Page{})
	var use *oms.UnknownStatusError
	if !errors.As(err, &use) || use.Value != "42" || !errors.Is(err, oms.ErrUnknownStatus) {
		t.Errorf("status 42 in a filter: %v, want *UnknownStatusError for 42", err)
	}
	if _, err := svc.List(ctx, operator, oms.Filter{Approval: 9}, oms.Page{}); !errors.Is(err, oms.ErrInvalidOrder) {
		t.Errorf("approval filter 9: %v, want a *ValidationError", err)
	}
	if page, err := svc.List(ctx, operator, oms.Filter{Statuses: []oms.Status{oms.Draft}}, oms.Page{}); err != nil || len(page.Orders) != 1 {
		t.Errorf("valid filter: %d orders, %v", len(page.Orders), err)
	}
}
