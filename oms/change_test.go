package oms_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/azuvio/omnisales/adapters/memstore"
	"github.com/azuvio/omnisales/oms"
)

// unchanged fails the test when the order or its history moved since before.
func unchanged(t *testing.T, svc *oms.Service, before oms.Order, what string) {
	t.Helper()
	after, err := svc.Get(ctx, operator, before.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(before, after, cmp.Comparer(func(a, b oms.Order) bool { return a.Version == b.Version && a.Status == b.Status })); diff != "" {
		t.Errorf("%s changed the order: %s", what, diff)
	}
	h, _ := svc.History(ctx, operator, before.ID)
	if int64(len(h)) != before.Version {
		t.Errorf("%s: history has %d entries at version %d", what, len(h), before.Version)
	}
}

// TestChangeCannotLowerPermissions: Change.Permission only adds a
// requirement; a read-only permission never authorizes a write.
func TestChangeCannotLowerPermissions(t *testing.T) {
	svc, _ := newService(t)
	o, _ := svc.Place(ctx, operator, cart(portal, "10", 1))
	viewer := oms.Actor{ID: "v", Permissions: []oms.Permission{oms.PermView, oms.PermReturnsView, oms.PermReports}}
	cases := map[string]oms.Change{
		"event with a read permission":   {Event: oms.EvSubmit, Permission: oms.PermView},
		"facts with a read permission":   {Permission: oms.PermReturnsView, Edit: func(o *oms.Order) error { o.Notes = "x"; return nil }},
		"facts with no permission":       {Edit: func(o *oms.Order) error { o.Notes = "x"; return nil }},
		"event with a report permission": {Event: oms.EvCancel, Permission: oms.PermReports},
	}
	for name, c := range cases {
		if _, err := svc.Apply(ctx, viewer, o.ID, c); !errors.Is(err, oms.ErrForbidden) {
			t.Errorf("%s: err = %v, want ErrForbidden", name, err)
		}
	}
	// The extra permission is required on top of the event's own.
	if _, err := svc.Apply(ctx, operator, o.ID, oms.Change{Event: oms.EvSubmit, Permission: oms.PermApprove}); !errors.Is(err, oms.ErrForbidden) {
		t.Errorf("operator without the extra permission: %v", err)
	}
	unchanged(t, svc, o, "refused changes")
	// A write permission stands in for PermEdit on a change of facts.
	sup := oms.Staff("sup", oms.RoleReturnsSupervisor)
	got, err := svc.Apply(ctx, sup, o.ID, oms.Change{Permission: oms.PermReturnsApprove, Edit: func(o *oms.Order) error { o.Notes = "checked"; return nil }})
	if err != nil || got.Notes != "checked" {
		t.Fatalf("supervisor's fact change: %v", err)
	}
}

// TestChangeCannotEmitCoreEvents: only the core writes order.* events.
func TestChangeCannotEmitCoreEvents(t *testing.T) {
	svc, _ := newService(t)
	o, _ := svc.Place(ctx, operator, cart(portal, "20000", 1))
	for _, et := range []oms.EventType{oms.EventApproved, oms.EventRejected, oms.EventPlaced, oms.EventStatusChanged} {
		_, err := svc.Apply(ctx, operator, o.ID, oms.Change{Reason: "forged", Emit: []oms.EventType{et}})
		var ve *oms.ValidationError
		if !errors.As(err, &ve) || ve.Field != "emit" {
			t.Errorf("emit %s: %v", et, err)
		}
	}
	unchanged(t, svc, o, "forged events")
	got, err := svc.Apply(ctx, operator, o.ID, oms.Change{Reason: "own", Emit: []oms.EventType{"crm.contacted"}})
	if err != nil || got.Version != o.Version+1 {
		t.Fatalf("a package's own event type: %v", err)
	}
}

// TestEditCannotBypassGuards: an Edit may change facts, never the fields
// the guards rest on, and never into an invalid order.
func TestEditCannotBypassGuards(t *testing.T) {
	svc, _ := newService(t)
	big, _ := svc.Place(ctx, operator, cart(portal, "20000", 1)) // needs approval
	held, _ := svc.Place(ctx, operator, cart(portal, "10", 2))
	held, _ = svc.Hold(ctx, operator, held.ID, "check")
	cases := []struct {
		name  string
		order oms.Order
		c     oms.Change
		field string
	}{
		{"approve itself", big, oms.Change{Event: oms.EvConfirm, Edit: func(o *oms.Order) error { o.Approval = oms.ApprovalApproved; return nil }}, "approval"},
		{"drop the approval", big, oms.Change{Edit: func(o *oms.Order) error { o.ApprovalRequired = false; return nil }}, "approval"},
		{"resume to Delivered", held, oms.Change{Event: oms.EvResume, Edit: func(o *oms.Order) error { o.HeldFrom = oms.Delivered; return nil }}, "held_from"},
		{"clear the AWB", held, oms.Change{Edit: func(o *oms.Order) error { o.Shipment = oms.Shipment{Courier: "x"}; return nil }}, "shipment"},
		{"currency", held, oms.Change{Edit: func(o *oms.Order) error { o.Currency = "JPY"; return nil }}, "currency"},
		{"client", held, oms.Change{Edit: func(o *oms.Order) error { o.Client.ID = "C9"; return nil }}, "client.id"},
		{"channel", held, oms.Change{Edit: func(o *oms.Order) error { o.Channel.ID = 9; return nil }}, "channel"},
		{"totals", held, oms.Change{Edit: func(o *oms.Order) error { o.Totals.Total = dec("1"); return nil }}, "totals"},
		{"negative quantity", held, oms.Change{Edit: func(o *oms.Order) error { o.Lines[0].Quantity = -5; return nil }}, "lines[0].quantity"},
		{"no lines", held, oms.Change{Edit: func(o *oms.Order) error { o.Lines = nil; return nil }}, "lines"},
		{"delivered unshipped", held, oms.Change{Edit: func(o *oms.Order) error { o.Lines[0].Delivered = 1; return nil }}, "lines[0].fulfilment"},
		{"refund more than paid", held, oms.Change{Edit: func(o *oms.Order) error { o.Refunded = dec("5"); return nil }}, "refunded"},
		{"sub-cent paid", held, oms.Change{Edit: func(o *oms.Order) error { o.Paid = dec("0.001"); return nil }}, "paid"},
	}
	for _, c := range cases {
		_, err := svc.Apply(ctx, operator, c.order.ID, c.c)
		var ve *oms.ValidationError
		if !errors.As(err, &ve) || ve.Field != c.field || !errors.Is(err, oms.ErrInvalidOrder) {
			t.Errorf("%s: err = %v, want a *ValidationError on %s", c.name, err, c.field)
		}
	}
	unchanged(t, svc, big, "refused edits")
	unchanged(t, svc, held, "refused edits")
	// Editing lines is allowed and the totals follow.
	got, err := svc.Apply(ctx, operator, held.ID, oms.Change{Reason: "client added one", Edit: func(o *oms.Order) error {
		o.Lines[0].Quantity = 3
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	want := oms.ComputeTotals(got.Lines, "RON", dec("25"))
	if diff := cmp.Diff(want, got.Totals); diff != "" {
		t.Fatalf("totals after a line edit (-want +got):\n%s", diff)
	}
	if got.Totals.Total.Equal(held.Totals.Total) {
		t.Fatal("totals did not change with the quantity")
	}
	if r, err := svc.Resume(ctx, operator, held.ID); err != nil || r.Status != oms.Draft {
		t.Fatalf("resume after edits: %s, %v", r.Status, err)
	}
}

// TestClientsOnlyFireTheirEvents: a portal client may submit or cancel
// their own order, nothing else: no facts, no extra events, no returns
// (those go through the returns package).
func TestClientsOnlyFireTheirEvents(t *testing.T) {
	svc, _ := newService(t)
	o, _ := svc.Place(ctx, operator, cart(portal, "10", 1))
	client := oms.PortalClient("C1")
	for name, c := range map[string]oms.Change{
		"edit":           {Event: oms.EvSubmit, Edit: func(o *oms.Order) error { o.Paid = dec("1"); return nil }},
		"emit":           {Event: oms.EvSubmit, Emit: []oms.EventType{"crm.x"}},
		"permission":     {Event: oms.EvSubmit, Permission: oms.PermView},
		"request return": {Event: oms.EvRequestReturn},
		"confirm":        {Event: oms.EvConfirm},
	} {
		if _, err := svc.Apply(ctx, client, o.ID, c); !errors.Is(err, oms.ErrForbidden) {
			t.Errorf("client %s: %v", name, err)
		}
	}
	unchanged(t, svc, o, "client refusals")
	if got, err := svc.Submit(ctx, client, o.ID); err != nil || got.Status != oms.Processing {
		t.Fatalf("client submit: %v", err)
	}
}

func TestCurrencies(t *testing.T) {
	eurOnly := oms.ChannelPolicyFunc(func(ctx context.Context, ch oms.ChannelRef) (oms.ChannelSettings, error) {
		return oms.ChannelSettings{Currency: "EUR"}, nil
	})
	svc, err := oms.NewService(memstore.New(), oms.Config{Channels: eurOnly})
	if err != nil {
		t.Fatal(err)
	}
	n := cart(portal, "10", 1) // RON
	_, err = svc.Place(ctx, operator, n)
	var ve *oms.ValidationError
	if !errors.Is(err, oms.ErrCurrencyMismatch) || !errors.As(err, &ve) || ve.Field != "currency" {
		t.Fatalf("RON order on a EUR channel: %v", err)
	}
	n.Currency = "EUR"
	if _, err := svc.Place(ctx, operator, n); err != nil {
		t.Fatalf("EUR order on a EUR channel: %v", err)
	}
	for _, code := range []string{"ABC", "XXX", "eur", "EURO"} {
		n.Currency = code
		if _, err := svc.Place(ctx, operator, n); !errors.Is(err, oms.ErrInvalidOrder) {
			t.Errorf("currency %q: %v", code, err)
		}
	}
	if oms.MinorUnits("CLF") != 4 || oms.MinorUnits("XPF") != 0 || !oms.KnownCurrency("RON") {
		t.Fatal("ISO table")
	}
}

func TestAvailableEventsOfAnUnknownCode(t *testing.T) {
	if got := oms.AvailableEvents(oms.Status(42)); got != nil {
		t.Fatalf("AvailableEvents(42) = %v", got)
	}
	if got := (&oms.Order{Status: -1}).Available(); got != nil {
		t.Fatalf("Available of status -1 = %v", got)
	}
}

// TestPaymentKeepsEveryClosedStatus: a payment on Cancelled, Failed,
// Return or Refund is recorded as a fact and never moves the status.
func TestPaymentKeepsEveryClosedStatus(t *testing.T) {
	svc, _ := newService(t)
	staff := oms.Staff("boss", oms.RoleOperator, oms.RoleReturnsSupervisor)
	delivered := func() oms.Order {
		o, _ := svc.Place(ctx, staff, cart(portal, "10", 1))
		steps := []func(string) (oms.Order, error){
			func(id string) (oms.Order, error) { return svc.Confirm(ctx, staff, id) },
			func(id string) (oms.Order, error) { return svc.Ship(ctx, staff, id, oms.Shipment{AWB: "1"}) },
			func(id string) (oms.Order, error) { return svc.Deliver(ctx, staff, id) },
		}
		for _, s := range steps {
			if _, err := s(o.ID); err != nil {
				t.Fatal(err)
			}
		}
		return o
	}
	fire := func(id string, evs ...oms.EventName) {
		for _, ev := range evs {
			if _, err := svc.Fire(ctx, staff, id, ev, ""); err != nil {
				t.Fatalf("%s: %v", ev, err)
			}
		}
	}
	cancelled, _ := svc.Place(ctx, staff, cart(portal, "10", 1))
	fire(cancelled.ID, oms.EvCancel)
	failed, _ := svc.Place(ctx, staff, cart(portal, "10", 1))
	fire(failed.ID, oms.EvFail)
	returned := delivered()
	fire(returned.ID, oms.EvRequestReturn, oms.EvApproveReturn)
	refunded := delivered()
	fire(refunded.ID, oms.EvRequestReturn, oms.EvApproveReturn, oms.EvRefund)
	for want, o := range map[oms.Status]oms.Order{oms.Cancelled: cancelled, oms.Failed: failed, oms.Return: returned, oms.Refund: refunded} {
		p, err := svc.RecordPayment(ctx, staff, o.ID, dec("36.90"))
		if err != nil {
			t.Fatalf("%s: %v", want, err)
		}
		if p.Status != want || !p.Paid.Equal(dec("36.90")) {
			t.Errorf("payment on %s: status %s, paid %s", want, p.Status, p.Paid)
		}
	}
}

// TestEveryCallChecksPermissions: an actor without permissions is refused
// by every service call, which writes nothing.
func TestEveryCallChecksPermissions(t *testing.T) {
	svc, _ := newService(t)
	o, _ := svc.Place(ctx, operator, cart(portal, "20000", 1))
	nobody := oms.Actor{ID: "nobody"}
	calls := map[string]func() error{
		"get":          func() error { _, err := svc.Get(ctx, nobody, o.ID); return err },
		"history":      func() error { _, err := svc.History(ctx, nobody, o.ID); return err },
		"list":         func() error { _, err := svc.List(ctx, nobody, oms.Filter{}, oms.Page{}); return err },
		"unconfirmed":  func() error { _, err := svc.Unconfirmed(ctx, nobody, oms.Filter{}, oms.Page{}); return err },
		"awaiting":     func() error { _, err := svc.AwaitingApprovalList(ctx, nobody, oms.Filter{}, oms.Page{}); return err },
		"back orders":  func() error { _, err := svc.BackOrders(ctx, nobody, oms.Filter{}, oms.Page{}); return err },
		"submit":       func() error { _, err := svc.Submit(ctx, nobody, o.ID); return err },
		"hold":         func() error { _, err := svc.Hold(ctx, nobody, o.ID, ""); return err },
		"cancel":       func() error { _, err := svc.Cancel(ctx, nobody, o.ID, ""); return err },
		"stock":        func() error { _, err := svc.MarkStockUnavailable(ctx, nobody, o.ID, ""); return err },
		"payment":      func() error { _, err := svc.RecordPayment(ctx, nobody, o.ID, dec("1")); return err },
		"approve":      func() error { _, err := svc.Approve(ctx, nobody, o.ID); return err },
		"reject":       func() error { _, err := svc.Reject(ctx, nobody, o.ID, "no"); return err },
		"approve (op)": func() error { _, err := svc.Approve(ctx, operator, o.ID); return err },
		"discount log": func() error { _, err := svc.DiscountLog(ctx, nobody, oms.DiscountLogFilter{}); return err },
	}
	for name, call := range calls {
		if err := call(); !errors.Is(err, oms.ErrForbidden) {
			t.Errorf("%s: err = %v, want ErrForbidden", name, err)
		}
	}
	unchanged(t, svc, o, "refused calls")
}
