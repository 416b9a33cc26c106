// Package returnstest is the conformance suite for returns.Store
// implementations, like oms/storetest for orders:
//
//	func TestReturnsConformance(t *testing.T) {
//		returnstest.Run(t, func(t *testing.T) returns.Store { return mystore.New() })
//	}
//
// newStore must return an empty store for each call.
package returnstest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"

	"github.com/azuvio/omnisales/oms"
	"github.com/azuvio/omnisales/returns"
)

// Run runs the whole suite against stores made by newStore.
func Run(t *testing.T, newStore func(t *testing.T) returns.Store) {
	t.Run("Records", func(t *testing.T) { testRecords(t, newStore(t)) })
	t.Run("Filter", func(t *testing.T) { testFilter(t, newStore(t)) })
	t.Run("RefundsAndLoyalty", func(t *testing.T) { testLedgers(t, newStore(t)) })
	t.Run("Inventory", func(t *testing.T) { testInventory(t, newStore(t)) })
	t.Run("Atomicity", func(t *testing.T) { testAtomic(t, newStore(t)) })
	t.Run("CanceledContext", func(t *testing.T) { testCanceled(t, newStore(t)) })
}

var base = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

func order(n int) oms.Order {
	o := oms.Order{ID: fmt.Sprintf("ord-%d", n), Number: fmt.Sprintf("N%d", n),
		Channel: oms.ChannelRef{Type: oms.ChannelPortal, ID: 1}, Client: oms.Client{ID: "C1"}, Currency: "RON",
		Lines:     []oms.Line{{ProductID: "P1", Quantity: 2, UnitPrice: decimal.NewFromInt(10), Delivered: 2}},
		Status:    oms.Delivered,
		CreatedAt: base.Add(time.Duration(n) * time.Second), UpdatedAt: base}
	o.Totals = oms.ComputeTotals(o.Lines, o.Currency, decimal.Zero)
	return o
}

func do(t *testing.T, s returns.Store, fn func(ctx context.Context, tx returns.Tx) error) {
	t.Helper()
	ctx := context.Background()
	if err := s.DoReturns(ctx, func(tx returns.Tx) error { return fn(ctx, tx) }); err != nil {
		t.Fatal(err)
	}
}

func testRecords(t *testing.T, s returns.Store) {
	do(t, s, func(ctx context.Context, tx returns.Tx) error {
		if _, err := tx.GetReturn(ctx, "missing"); !errors.Is(err, returns.ErrNotFound) {
			t.Errorf("GetReturn(missing) = %v, want ErrNotFound", err)
		}
		r := returns.Return{OrderID: "ord-1", ClientID: "C1", Type: returns.TypePartial, Reason: "r",
			Items:       []returns.Item{{Line: 0, ProductID: "P1", Quantity: 1, Paid: decimal.RequireFromString("11.90")}},
			RequestedAt: base, Currency: "RON", Value: decimal.RequireFromString("11.90")}
		if err := tx.InsertReturn(ctx, &r); err != nil {
			return err
		}
		if r.ID == "" || r.Version != 1 {
			t.Errorf("after insert: id %q version %d", r.ID, r.Version)
		}
		got, err := tx.GetReturn(ctx, r.ID)
		if err != nil {
			return err
		}
		if diff := cmp.Diff(r, got); diff != "" {
			t.Errorf("read back (-stored +read):\n%s", diff)
		}
		got.Items[0].Quantity = 99
		if again, _ := tx.GetReturn(ctx, r.ID); again.Items[0].Quantity != 1 {
			t.Error("a read copy shares memory with the stored record")
		}
		if err := tx.InsertReturn(ctx, &returns.Return{ID: r.ID}); !errors.Is(err, oms.ErrDuplicate) {
			t.Errorf("insert with an existing id = %v, want ErrDuplicate", err)
		}
		stale := r.Clone()
		r.Approval = returns.Approved
		if err := tx.UpdateReturn(ctx, &r); err != nil {
			return err
		}
		if r.Version != 2 {
			t.Errorf("version after update %d", r.Version)
		}
		if err := tx.UpdateReturn(ctx, &stale); !errors.Is(err, oms.ErrConflict) {
			t.Errorf("stale update = %v, want ErrConflict", err)
		}
		if err := tx.UpdateReturn(ctx, &returns.Return{ID: "missing", Version: 1}); !errors.Is(err, returns.ErrNotFound) {
			t.Errorf("update of a missing record = %v, want ErrNotFound", err)
		}
		if got, _ := tx.GetReturn(ctx, r.ID); got.Approval != returns.Approved {
			t.Errorf("update not stored: %+v", got)
		}
		return nil
	})
}

func testFilter(t *testing.T, s returns.Store) {
	var all []returns.Return
	do(t, s, func(ctx context.Context, tx returns.Tx) error {
		for i := range 12 {
			r := returns.Return{OrderID: fmt.Sprintf("ord-%d", i%3), ClientID: fmt.Sprintf("C%d", i%2),
				Approval: returns.Approval(i % 3), RequestedAt: base.Add(time.Duration(12-i) * time.Minute)}
			if r.Approval != returns.Pending {
				r.DecidedAt = base.Add(time.Duration(i) * time.Hour)
			}
			if err := tx.InsertReturn(ctx, &r); err != nil {
				return err
			}
			all = append(all, r)
		}
		return nil
	})
	slices.SortStableFunc(all, func(a, b returns.Return) int { return a.RequestedAt.Compare(b.RequestedAt) })
	filters := []returns.Filter{
		{},
		{OrderID: "ord-1"},
		{ClientID: "C0"},
		{Approvals: []returns.Approval{returns.Approved, returns.Rejected}},
		{DecidedFrom: base.Add(3 * time.Hour), DecidedTo: base.Add(8 * time.Hour)},
		{DecidedTo: base.Add(5 * time.Hour), OrderID: "ord-2"},
	}
	for _, f := range filters {
		var want []returns.Return
		for _, r := range all {
			if f.Match(&r) {
				want = append(want, r)
			}
		}
		do(t, s, func(ctx context.Context, tx returns.Tx) error {
			got, err := tx.Returns(ctx, f)
			if err != nil {
				return err
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Returns(%+v) (-want +got):\n%s", f, diff)
			}
			return nil
		})
	}
}

func testLedgers(t *testing.T, s returns.Store) {
	do(t, s, func(ctx context.Context, tx returns.Tx) error {
		if n, err := tx.LoyaltyEarned(ctx, "ord-1"); err != nil || n != 0 {
			t.Errorf("LoyaltyEarned of an unknown order = %d, %v", n, err)
		}
		var want []returns.Refund
		for i, o := range []string{"ord-1", "ord-2", "ord-1"} {
			rf := returns.Refund{OrderID: o, Amount: decimal.NewFromInt(int64(i + 1)), Currency: "RON", RefundedOn: base}
			if err := tx.AddRefund(ctx, &rf); err != nil {
				return err
			}
			if rf.ID == "" {
				t.Error("refund without id")
			}
			if o == "ord-1" {
				want = append(want, rf)
			}
			lr := returns.LoyaltyReversal{OrderID: o, Points: int64(i + 1), At: base}
			if err := tx.AddLoyaltyReversal(ctx, &lr); err != nil {
				return err
			}
		}
		got, err := tx.Refunds(ctx, "ord-1")
		if err != nil {
			return err
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Refunds (-want +got):\n%s", diff)
		}
		lr, err := tx.LoyaltyReversals(ctx, "ord-1")
		if err != nil {
			return err
		}
		if len(lr) != 2 || lr[0].Points != 1 || lr[1].Points != 3 {
			t.Errorf("LoyaltyReversals = %+v", lr)
		}
		return nil
	})
}

func testInventory(t *testing.T, s returns.Store) {
	do(t, s, func(ctx context.Context, tx returns.Tx) error {
		if _, err := tx.GetReceipt(ctx, "missing"); !errors.Is(err, returns.ErrNotFound) {
			t.Errorf("GetReceipt(missing) = %v, want ErrNotFound", err)
		}
		rc := returns.Receipt{ReturnID: "R1", OrderID: "ord-1", At: base, Lines: []returns.ReceiptLine{{ProductID: "P1", Quantity: 2}}}
		if err := tx.AddReceipt(ctx, &rc); err != nil {
			return err
		}
		got, err := tx.GetReceipt(ctx, rc.ID)
		if err != nil {
			return err
		}
		if diff := cmp.Diff(rc, got); diff != "" {
			t.Errorf("receipt read back (-want +got):\n%s", diff)
		}
		entries := []returns.StockEntry{
			{ProductID: "P1", Quantity: 2, ReceiptID: rc.ID, ReturnID: "R1", At: base},
			{ProductID: "P2", Quantity: 5, At: base.Add(time.Hour)},
			{ProductID: "P1", Quantity: 3, ReturnID: "R2", At: base.Add(2 * time.Hour)},
		}
		for i := range entries {
			if err := tx.Restock(ctx, &entries[i]); err != nil {
				return err
			}
		}
		for p, want := range map[string]int64{"P1": 5, "P2": 5, "P3": 0} {
			if n, err := tx.StockLevel(ctx, p); err != nil || n != want {
				t.Errorf("StockLevel(%s) = %d, %v; want %d", p, n, err, want)
			}
		}
		for _, f := range []returns.StockFilter{{}, {ProductID: "P1"}, {ReturnID: "R2"}, {ReceiptID: rc.ID}, {FromReturns: true},
			{From: base.Add(time.Hour), To: base.Add(2 * time.Hour)}} {
			var want []returns.StockEntry
			for _, e := range entries {
				if f.Match(&e) {
					want = append(want, e)
				}
			}
			got, err := tx.StockEntries(ctx, f)
			if err != nil {
				return err
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("StockEntries(%+v) (-want +got):\n%s", f, diff)
			}
		}
		return nil
	})
}

// snapshot reads everything the atomicity test writes.
func snapshot(t *testing.T, s returns.Store) string {
	var out string
	do(t, s, func(ctx context.Context, tx returns.Tx) error {
		o, err := tx.Get(ctx, "ord-1")
		if err != nil {
			return err
		}
		rs, err := tx.Returns(ctx, returns.Filter{})
		if err != nil {
			return err
		}
		rf, err := tx.Refunds(ctx, "ord-1")
		if err != nil {
			return err
		}
		se, err := tx.StockEntries(ctx, returns.StockFilter{})
		if err != nil {
			return err
		}
		lvl, err := tx.StockLevel(ctx, "P1")
		if err != nil {
			return err
		}
		lr, err := tx.LoyaltyReversals(ctx, "ord-1")
		if err != nil {
			return err
		}
		out = fmt.Sprintf("order v%d returned %d; returns %d; refunds %d; stock %d level %d; reversals %d",
			o.Version, o.Lines[0].Returned, len(rs), len(rf), len(se), lvl, len(lr))
		return nil
	})
	return out
}

func testAtomic(t *testing.T, s returns.Store) {
	ctx := context.Background()
	do(t, s, func(ctx context.Context, tx returns.Tx) error {
		o := order(1)
		return tx.Insert(ctx, &o)
	})
	before := snapshot(t, s)
	boom := errors.New("boom")
	err := s.DoReturns(ctx, func(tx returns.Tx) error {
		o, err := tx.Get(ctx, "ord-1")
		if err != nil {
			return err
		}
		o.Lines[0].Returned = 1
		if err := tx.Update(ctx, &o); err != nil {
			return err
		}
		r := returns.Return{OrderID: o.ID, RequestedAt: base}
		if err := tx.InsertReturn(ctx, &r); err != nil {
			return err
		}
		r.Approval = returns.Approved
		if err := tx.UpdateReturn(ctx, &r); err != nil {
			return err
		}
		rc := returns.Receipt{ReturnID: r.ID, OrderID: o.ID, At: base}
		if err := tx.AddReceipt(ctx, &rc); err != nil {
			return err
		}
		if err := tx.Restock(ctx, &returns.StockEntry{ProductID: "P1", Quantity: 1, ReceiptID: rc.ID, ReturnID: r.ID, At: base}); err != nil {
			return err
		}
		if err := tx.AddRefund(ctx, &returns.Refund{OrderID: o.ID, Amount: decimal.NewFromInt(1), RefundedOn: base}); err != nil {
			return err
		}
		if err := tx.AddLoyaltyReversal(ctx, &returns.LoyaltyReversal{OrderID: o.ID, Points: 1, At: base}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("DoReturns = %v, want the function's error", err)
	}
	if after := snapshot(t, s); after != before {
		t.Errorf("a failed unit of work left writes behind:\nbefore %s\nafter  %s", before, after)
	}
}

func testCanceled(t *testing.T, s returns.Store) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ran := false
	err := s.DoReturns(ctx, func(tx returns.Tx) error {
		ran = true
		return tx.AddRefund(ctx, &returns.Refund{OrderID: "ord-1", Amount: decimal.NewFromInt(1)})
	})
	if err == nil {
		t.Fatal("DoReturns with a canceled context succeeded")
	}
	do(t, s, func(ctx context.Context, tx returns.Tx) error {
		if rf, _ := tx.Refunds(ctx, "ord-1"); len(rf) != 0 {
			t.Errorf("canceled unit of work (ran: %v) kept %d refund(s)", ran, len(rf))
		}
		return nil
	})
}
