package oms_test

import (
	"context"
	"errors"
	"testing"

	"github.com/azuvio/omnisales/adapters/memstore"
	"github.com/azuvio/omnisales/oms"
)

// setQty returns an edit that sets line 0's quantity.
func setQty(q int64) func(o *oms.Order) error {
	return func(o *oms.Order) error { o.Lines[0].Quantity = q; return nil }
}

func TestEditAboveThresholdNeedsApproval(t *testing.T) {
	svc, _ := newService(t)
	o, err := svc.Place(ctx, operator, cart(portal, "100", 2)) // 238 + 25: no approval
	if err != nil || o.ApprovalRequired {
		t.Fatalf("place: %v, approval required %v", err, o.ApprovalRequired)
	}
	o, err = svc.Apply(ctx, operator, o.ID, oms.Change{Edit: setQty(500), Reason: "client called"}) // 59,525
	if err != nil {
		t.Fatal(err)
	}
	if !o.AwaitingApproval() || o.ApprovalRule != "portal over 10,000" {
		t.Fatalf("after the edit: required %v approval %v rule %q", o.ApprovalRequired, o.Approval, o.ApprovalRule)
	}
	if _, err := svc.Confirm(ctx, operator, o.ID); !errors.Is(err, oms.ErrInvalidTransition) {
		t.Fatalf("confirm without approval after the edit: %v", err)
	}
	page, err := svc.AwaitingApprovalList(ctx, manager, oms.Filter{}, oms.Page{})
	if err != nil || len(page.Orders) != 1 {
		t.Fatalf("awaiting approval: %v %v", page.Orders, err)
	}
	if n := countEvents(t, svc, o.ID, oms.EventApprovalRequested); n != 1 {
		t.Fatalf("approval_requested events: %d", n)
	}
}

func TestEditGrowingAnApprovedOrderNeedsApprovalAgain(t *testing.T) {
	svc, _ := newService(t)
	o, err := svc.Place(ctx, operator, cart(portal, "100", 100)) // 11,925
	if err != nil || !o.AwaitingApproval() {
		t.Fatalf("place: %v", err)
	}
	if _, err := svc.Approve(ctx, manager, o.ID); err != nil {
		t.Fatal(err)
	}
	// Smaller: the approval stands.
	if o, err = svc.Apply(ctx, operator, o.ID, oms.Change{Edit: setQty(90)}); err != nil || o.Approval != oms.ApprovalApproved {
		t.Fatalf("shrink: %v, approval %v", err, o.Approval)
	}
	// Larger than what was approved: pending again.
	if o, err = svc.Apply(ctx, operator, o.ID, oms.Change{Edit: setQty(200)}); err != nil || !o.AwaitingApproval() {
		t.Fatalf("grow: %v, approval %v", err, o.Approval)
	}
	if _, err := svc.Confirm(ctx, operator, o.ID); !errors.Is(err, oms.ErrInvalidTransition) {
		t.Fatalf("confirm after growing: %v", err)
	}
}

func TestLinesFrozenOnceConfirmedOrPaid(t *testing.T) {
	svc, _ := newService(t)
	place := func() oms.Order {
		t.Helper()
		o, err := svc.Place(ctx, operator, cart(portal, "10", 1))
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	edits := map[string]func(o *oms.Order) error{
		"quantity": setQty(7),
		"price":    func(o *oms.Order) error { o.Lines[0].UnitPrice = dec("999"); return nil },
		"tax":      func(o *oms.Order) error { o.Lines[0].TaxRate = dec("5"); return nil },
		"add line": func(o *oms.Order) error {
			o.Lines = append(o.Lines, oms.Line{ProductID: "P9", Quantity: 1, UnitPrice: dec("1")})
			return nil
		},
	}
	steps := map[string]func(id string) error{
		"confirmed": func(id string) error { _, err := svc.Confirm(ctx, operator, id); return err },
		"paid":      func(id string) error { _, err := svc.RecordPayment(ctx, operator, id, dec("36.90")); return err },
		"cancelled": func(id string) error { _, err := svc.Cancel(ctx, operator, id, "x"); return err },
		"held after confirm": func(id string) error {
			if _, err := svc.Confirm(ctx, operator, id); err != nil {
				return err
			}
			_, err := svc.Hold(ctx, operator, id, "x")
			return err
		},
	}
	for sname, step := range steps {
		o := place()
		if err := step(o.ID); err != nil {
			t.Fatalf("%s: %v", sname, err)
		}
		before, _ := svc.Get(ctx, operator, o.ID)
		for ename, edit := range edits {
			_, err := svc.Apply(ctx, operator, o.ID, oms.Change{Edit: edit})
			var ve *oms.ValidationError
			if !errors.Is(err, oms.ErrLinesFrozen) || !errors.As(err, &ve) || ve.Field != "lines" {
				t.Errorf("%s, edit %s: %v", sname, ename, err)
			}
		}
		after, _ := svc.Get(ctx, operator, o.ID)
		if after.Version != before.Version || !after.Totals.Total.Equal(before.Totals.Total) {
			t.Errorf("%s: a refused edit changed the order", sname)
		}
		// Facts other than the lines' commercial fields still change.
		if _, err := svc.Apply(ctx, operator, o.ID, oms.Change{Edit: func(o *oms.Order) error { o.Notes = "n"; return nil }}); err != nil {
			t.Errorf("%s: notes: %v", sname, err)
		}
	}
	// Before confirmation (and held from there) the lines change.
	o := place()
	if _, err := svc.Hold(ctx, operator, o.ID, "wait"); err != nil {
		t.Fatal(err)
	}
	if o, err := svc.Apply(ctx, operator, o.ID, oms.Change{Edit: setQty(3)}); err != nil || o.Lines[0].Quantity != 3 {
		t.Fatalf("edit while held from Draft: %v", err)
	}
}

func TestManualDiscountNeedsTheDiscountPermission(t *testing.T) {
	svc, _ := newService(t)
	n := cart(portal, "10", 2)
	n.Lines[0].Discount = dec("5")
	if _, err := svc.Place(ctx, operator, n); !errors.Is(err, oms.ErrForbidden) {
		t.Fatalf("operator without trade discount rights: %v", err)
	}
	if _, err := svc.Place(ctx, oms.PortalClient("C1"), n); !errors.Is(err, oms.ErrForbidden) {
		t.Fatalf("portal client granting themselves a discount: %v", err)
	}
	if page, _ := svc.List(ctx, manager, oms.Filter{}, oms.Page{}); len(page.Orders) != 0 {
		t.Fatal("a refused order was written")
	}
	if _, err := svc.Place(ctx, discounter, n); err != nil {
		t.Fatalf("with trade discount rights: %v", err)
	}
	if _, err := svc.Place(ctx, oms.System("sync"), n); err != nil {
		t.Fatalf("automation keeps the shop's discount: %v", err)
	}
	o, err := svc.Place(ctx, operator, cart(portal, "10", 2))
	if err != nil {
		t.Fatal(err)
	}
	give := func(o *oms.Order) error { o.Lines[0].Discount = dec("3"); return nil }
	if _, err := svc.Apply(ctx, operator, o.ID, oms.Change{Edit: give}); !errors.Is(err, oms.ErrForbidden) {
		t.Fatalf("operator editing a discount: %v", err)
	}
	if o, err = svc.Apply(ctx, discounter, o.ID, oms.Change{Edit: give}); err != nil || !o.Totals.Discount.Equal(dec("3")) {
		t.Fatalf("discounter editing a discount: %v %v", err, o.Totals.Discount)
	}
	// A quantity change that keeps the discount needs only PermEdit.
	if _, err := svc.Apply(ctx, operator, o.ID, oms.Change{Edit: setQty(4)}); err != nil {
		t.Fatalf("quantity with the discount kept: %v", err)
	}
}

func TestDocumentsOncePerOrder(t *testing.T) {
	svc, d := newService(t)
	o, err := svc.Place(ctx, operator, cart(portal, "10", 1))
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range []func() (oms.Order, error){
		func() (oms.Order, error) { return svc.Confirm(ctx, operator, o.ID) },
		func() (oms.Order, error) { return svc.Hold(ctx, operator, o.ID, "call client") },
		func() (oms.Order, error) { return svc.Resume(ctx, operator, o.ID) },
		func() (oms.Order, error) { return svc.MarkStockUnavailable(ctx, operator, o.ID, "shelf empty") },
		func() (oms.Order, error) { return svc.Confirm(ctx, operator, o.ID) },
	} {
		if _, err := step(); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Events().Drain(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if len(d.invoices) != 1 || len(d.delivNote) != 1 {
		t.Fatalf("invoices %v, notes %v: want one each", d.invoices, d.delivNote)
	}
	// First confirmed out of Stock Unavailable: documents are made then.
	o2, err := svc.Place(ctx, operator, cart(portal, "10", 1))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.MarkStockUnavailable(ctx, operator, o2.ID, "none"); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Confirm(ctx, operator, o2.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Events().Drain(ctx); err != nil {
		t.Fatal(err)
	}
	if len(d.invoices) != 2 || d.invoices[1] != o2.ID {
		t.Fatalf("invoices %v", d.invoices)
	}
	// Confirmed, out of stock, verified back to Processing and confirmed
	// again, with the events dispatched only at the end: one set.
	o3, err := svc.Place(ctx, operator, cart(portal, "10", 1))
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range []oms.EventName{oms.EvConfirm, oms.EvMarkStockUnavailable, oms.EvVerify, oms.EvConfirm} {
		if _, err := svc.Fire(ctx, operator, o3.ID, ev, ""); err != nil {
			t.Fatalf("%s: %v", ev, err)
		}
	}
	if _, err := svc.Events().Drain(ctx); err != nil {
		t.Fatal(err)
	}
	if len(d.invoices) != 3 || d.invoices[2] != o3.ID || len(d.delivNote) != 3 {
		t.Fatalf("after confirm, stock unavailable, verify, confirm: invoices %v, notes %v", d.invoices, d.delivNote)
	}
}

func TestApprovalDecisions(t *testing.T) {
	svc, _ := newService(t)
	big := func() oms.Order {
		o, err := svc.Place(ctx, operator, cart(portal, "100", 200))
		if err != nil || !o.AwaitingApproval() {
			t.Fatalf("place: %v", err)
		}
		return o
	}
	o := big()
	if _, err := svc.Approve(ctx, oms.System("bot"), o.ID); !errors.Is(err, oms.ErrForbidden) {
		t.Fatalf("automation approving: %v", err)
	}
	if _, err := svc.Cancel(ctx, operator, o.ID, "client withdrew"); err != nil {
		t.Fatal(err)
	}
	for name, decide := range map[string]func() error{
		"approve": func() error { _, err := svc.Approve(ctx, manager, o.ID); return err },
		"reject":  func() error { _, err := svc.Reject(ctx, manager, o.ID, "late"); return err },
	} {
		if err := decide(); !errors.Is(err, oms.ErrInvalidTransition) {
			t.Errorf("%s a cancelled order: %v", name, err)
		}
	}
	o = big()
	if _, err := svc.Reject(ctx, manager, o.ID, "approved"); err != nil { // a reason that reads like a decision
		t.Fatal(err)
	}
	h, err := svc.History(ctx, manager, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if last := h[len(h)-1]; last.Reason != "approval: rejected: approved" {
		t.Fatalf("history of a rejection: %q", last.Reason)
	}
}

func TestPermissionBeforeInput(t *testing.T) {
	svc, _ := newService(t)
	nobody := oms.Staff("nobody")
	if _, err := svc.RecordPayment(ctx, nobody, "missing", dec("-1")); !errors.Is(err, oms.ErrForbidden) {
		t.Fatalf("payment: %v", err)
	}
	if _, err := svc.Reject(ctx, nobody, "missing", ""); !errors.Is(err, oms.ErrForbidden) {
		t.Fatalf("reject: %v", err)
	}
	if _, err := svc.Get(ctx, nobody, "missing"); !errors.Is(err, oms.ErrForbidden) {
		t.Fatalf("get of a missing id: %v (must not tell that it is missing)", err)
	}
}

func TestChannelPaymentMethodsAndClientGroups(t *testing.T) {
	b2b := oms.ChannelRef{Type: oms.ChannelPortal, ID: 7}
	svc, err := oms.NewService(memstore.New(), oms.Config{Channels: oms.ChannelPolicyFunc(
		func(ctx context.Context, ch oms.ChannelRef) (oms.ChannelSettings, error) {
			return oms.ChannelSettings{PaymentMethods: []string{"op", "card"}, ClientGroups: []string{"Wholesale", "Resellers"}}, nil
		})})
	if err != nil {
		t.Fatal(err)
	}
	n := cart(b2b, "10", 1)
	n.PaymentMethod = "cod"
	var ve *oms.ValidationError
	if _, err := svc.Place(ctx, operator, n); !errors.As(err, &ve) || ve.Field != "payment_method" {
		t.Fatalf("payment method the channel does not take: %v", err)
	}
	n.PaymentMethod = "op"
	n.Client.Groups = []string{"Retail"}
	if _, err := svc.Place(ctx, operator, n); !errors.As(err, &ve) || ve.Field != "client.groups" || !errors.Is(err, oms.ErrForbidden) {
		t.Fatalf("client group without access: %v", err)
	}
	n.Client.Groups = []string{"Retail", "Resellers"}
	if _, err := svc.Place(ctx, operator, n); err != nil {
		t.Fatalf("allowed: %v", err)
	}
}

// countEvents counts the undelivered events of typ for order id, by
// draining the outbox with a dispatcher of its own (which acknowledges
// them).
func countEvents(t *testing.T, svc *oms.Service, id string, typ oms.EventType) int {
	t.Helper()
	d := oms.NewDispatcher(svc.Store(), oms.DispatcherConfig{Worker: "count"})
	n := 0
	d.Subscribe(typ, func(ctx context.Context, e oms.Event) error {
		if e.OrderID == id {
			n++
		}
		return nil
	})
	if _, err := d.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestCreateDeliveryNoteByHand(t *testing.T) {
	svc, d := newService(t)
	manual := oms.ChannelRef{Type: oms.ChannelManual, ID: 4} // makes no documents on confirmation
	o, err := svc.Place(ctx, operator, cart(manual, "10", 1))
	if err != nil {
		t.Fatal(err)
	}
	var seen []oms.Event
	svc.Events().Subscribe(oms.EventDeliveryNoteCreated, func(ctx context.Context, e oms.Event) error {
		seen = append(seen, e)
		return nil
	})
	if _, err := svc.CreateDeliveryNote(ctx, operator, o.ID); !errors.Is(err, oms.ErrInvalidTransition) {
		t.Fatalf("delivery note for a Draft order: %v, want ErrInvalidTransition", err)
	}
	if _, err := svc.Confirm(ctx, operator, o.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CreateDeliveryNote(ctx, manager, o.ID); !errors.Is(err, oms.ErrForbidden) {
		t.Fatalf("sales manager (no warehouse permission): %v, want ErrForbidden", err)
	}
	if len(d.delivNote) != 0 {
		t.Fatalf("refused calls made notes: %v", d.delivNote)
	}
	got, err := svc.CreateDeliveryNote(ctx, operator, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.delivNote) != 1 || d.delivNote[0] != o.ID || got.Status != oms.Confirmed {
		t.Fatalf("notes %v, status %s", d.delivNote, got.Status)
	}
	h, err := svc.History(ctx, operator, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if last := h[len(h)-1]; last.Reason != "delivery note created" || last.Actor != operator.ID {
		t.Fatalf("history: %+v", last)
	}
	if _, err := svc.Events().Drain(ctx); err != nil {
		t.Fatal(err)
	}
	if len(seen) != 1 || seen[0].OrderID != o.ID || seen[0].Actor != operator.ID {
		t.Fatalf("delivery note events: %+v", seen)
	}

	bare, err := oms.NewService(memstore.New(), oms.Config{Channels: channelSettings})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bare.CreateDeliveryNote(ctx, operator, o.ID); !errors.Is(err, oms.ErrUnsupported) {
		t.Fatalf("without a DeliveryNoteCreator: %v, want ErrUnsupported", err)
	}
}
