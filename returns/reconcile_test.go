package returns_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/azuvio/omnisales/oms"
	"github.com/azuvio/omnisales/returns"
	"github.com/google/go-cmp/cmp"
)

func TestReconcileListsMismatches(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, returns.Config{})
	o := f.delivered(t, "0", true, line("A", 5, "10", "0", "0"), line("B", 5, "10", "0", "0"))
	week := f.svc.WeekOf(f.clock.Now())
	if !week.From.Equal(time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)) || !week.To.Equal(time.Date(2026, 3, 9, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("week %v", week)
	}
	approve := func(items ...returns.ItemRequest) returns.Return {
		r, err := f.svc.Create(ctx, staff, returns.Request{OrderID: o.ID, Items: items, Reason: "r"})
		if err != nil {
			t.Fatal(err)
		}
		a, err := f.svc.Approve(ctx, supervisor, r.ID, returns.ApproveOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	r1 := approve(returns.ItemRequest{Line: 0, Quantity: 2}, returns.ItemRequest{Line: 1, Quantity: 1})
	rep, err := f.svc.Reconcile(ctx, supervisor, week)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Returns) != 1 || rep.Returns[0].Approved != 3 || rep.Returns[0].Restocked != 3 || len(rep.Mismatches) != 0 {
		t.Fatalf("clean week: %+v", rep)
	}

	// A rejected request whose goods were put back anyway, and a second
	// approved return restocked twice by hand for one product.
	f.clock.Advance(time.Hour)
	rj, err := f.svc.Create(ctx, staff, returns.Request{OrderID: o.ID, Items: []returns.ItemRequest{{Line: 1, Quantity: 1}}, Reason: "r"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Reject(ctx, supervisor, rj.ID, "no"); err != nil {
		t.Fatal(err)
	}
	r2 := approve(returns.ItemRequest{Line: 0, Quantity: 1})
	err = f.store.DoReturns(ctx, func(tx returns.Tx) error {
		if err := tx.Restock(ctx, &returns.StockEntry{ProductID: "B", Quantity: 1, ReturnID: rj.ID, At: f.clock.Now()}); err != nil {
			return err
		}
		if err := tx.Restock(ctx, &returns.StockEntry{ProductID: "A", Quantity: 1, ReturnID: r2.ID, ReceiptID: r2.ReceiptID, At: f.clock.Now()}); err != nil {
			return err
		}
		// An approved record that never got its receipt note or stock.
		return tx.InsertReturn(ctx, &returns.Return{ID: "GHOST", OrderID: o.ID, Approval: returns.Approved,
			RequestedAt: f.clock.Now(), DecidedAt: f.clock.Now(), Items: []returns.Item{{Line: 1, ProductID: "B", Quantity: 1}}})
	})
	if err != nil {
		t.Fatal(err)
	}
	// Outside the period: not reported.
	next := returns.Period{From: week.To, To: week.To.Add(7 * 24 * time.Hour)}
	if rep, err := f.svc.Reconcile(ctx, supervisor, next); err != nil || len(rep.Returns)+len(rep.Mismatches) != 0 {
		t.Errorf("next week: %+v %v", rep, err)
	}
	rep, err = f.svc.Reconcile(ctx, supervisor, week)
	if err != nil {
		t.Fatal(err)
	}
	// Same decision time: GHOST sorts before RET-… by id.
	want := []returns.Mismatch{
		{Kind: returns.MissingReceipt, ReturnID: "GHOST", Approved: 1},
		{Kind: returns.StockDiffers, ReturnID: "GHOST", ProductID: "B", Approved: 1},
		{Kind: returns.StockDiffers, ReturnID: r2.ID, ReceiptID: r2.ReceiptID, ProductID: "A", Approved: 1, OnReceipt: 1, Restocked: 2},
		{Kind: returns.StockWithoutReturn, ReturnID: rj.ID, ProductID: "B", Restocked: 1},
	}
	if diff := cmp.Diff(want, rep.Mismatches); diff != "" {
		t.Errorf("mismatches (-want +got):\n%s", diff)
	}
	if len(rep.Returns) != 3 || rep.Returns[0].ReturnID != r1.ID || rep.Returns[2].Restocked != 2 {
		t.Errorf("returns %+v", rep.Returns)
	}
	if _, err := f.svc.Reconcile(ctx, oms.Staff("nobody"), week); !errors.Is(err, oms.ErrForbidden) {
		t.Errorf("reconcile without permission: %v", err)
	}
}
