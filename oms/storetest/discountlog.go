package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"

	"github.com/azuvio/omnisales/discount"
	"github.com/azuvio/omnisales/oms"
)

// LogRow returns a discount log row for order n's order (see Order).
func LogRow(n int, rule discount.RuleID, client discount.ClientID) discount.LogRow {
	d := decimal.RequireFromString
	return discount.LogRow{Rule: rule, RuleName: "Spring -10%", Client: client, Product: "P1", Order: Order(n).ID,
		Channel: 2, OriginalPrice: d("10.5000"), PriceAfter: d("9.4500"), OriginalTotal: d("21.00"), TotalAfter: d("18.90"),
		Saved: d("2.10"), Quantity: 2, Currency: "RON", At: base.Add(time.Duration(n) * time.Second)}
}

// testDiscountLog: the applied discount log is optional (oms.DiscountLogTx
// and oms.DiscountLogReader); a store that keeps it writes rows with the
// unit of work, returns them exactly and in written order, and filters
// them as DiscountLogFilter.Match does.
func testDiscountLog(t *testing.T, s oms.Store) {
	r, ok := s.(oms.DiscountLogReader)
	if !ok {
		t.Skipf("%T keeps no discount log", s)
	}
	ctx := context.Background()
	place := func(n int, rows ...discount.LogRow) error {
		o := Order(n)
		return s.Do(ctx, func(tx oms.Tx) error {
			lt, ok := tx.(oms.DiscountLogTx)
			if !ok {
				t.Fatalf("%T reads a discount log but its Tx %T does not write one", s, tx)
			}
			if err := tx.Insert(ctx, &o); err != nil {
				return err
			}
			return lt.AppendDiscountLog(ctx, rows)
		})
	}
	if rows, err := r.DiscountLog(ctx, oms.DiscountLogFilter{}); err != nil || len(rows) != 0 {
		t.Fatalf("empty log: %v, %v", rows, err)
	}
	voucher := LogRow(2, 8, "C2")
	voucher.Voucher, voucher.Channel = "PROMO2026", 3
	voucher.OriginalPrice, voucher.PriceAfter = decimal.RequireFromString("9.4500"), decimal.RequireFromString("8.0325")
	voucher.OriginalTotal, voucher.TotalAfter, voucher.Saved = decimal.RequireFromString("18.90"), decimal.RequireFromString("16.07"), decimal.RequireFromString("2.83")
	all := []discount.LogRow{LogRow(1, 7, "C1"), LogRow(2, 7, "C2"), voucher, LogRow(3, 7, "C1")}
	all[3].At = base // written last, earlier in time: order is the written one
	if err := place(1, all[0]); err != nil {
		t.Fatal(err)
	}
	if err := place(2, all[1], all[2]); err != nil {
		t.Fatal(err)
	}
	// A unit that fails keeps none of its rows.
	boom := errors.New("boom")
	o9 := Order(9)
	err := s.Do(ctx, func(tx oms.Tx) error {
		if err := tx.Insert(ctx, &o9); err != nil {
			return err
		}
		if err := tx.(oms.DiscountLogTx).AppendDiscountLog(ctx, []discount.LogRow{LogRow(9, 7, "C9")}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("failing unit: %v", err)
	}
	if err := place(3, all[3]); err != nil {
		t.Fatal(err)
	}
	eq := []cmp.Option{decimalEq, timeEq}
	got, err := r.DiscountLog(ctx, oms.DiscountLogFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(all, got, eq...); d != "" {
		t.Fatalf("log (-want +got):\n%s", d)
	}
	for _, c := range []struct {
		name string
		f    oms.DiscountLogFilter
	}{
		{"order", oms.DiscountLogFilter{Order: Order(2).ID}},
		{"client", oms.DiscountLogFilter{Client: "C1"}},
		{"rule", oms.DiscountLogFilter{Rule: 8}},
		{"channel", oms.DiscountLogFilter{Channel: 2}},
		{"voucher", oms.DiscountLogFilter{Voucher: "PROMO2026"}},
		{"from", oms.DiscountLogFilter{From: base.Add(2 * time.Second)}},
		{"to", oms.DiscountLogFilter{To: base.Add(2 * time.Second)}},
		{"range and rule", oms.DiscountLogFilter{Rule: 7, From: base.Add(time.Second), To: base.Add(3 * time.Second)}},
		{"limit", oms.DiscountLogFilter{Limit: 2}},
		{"limit after filter", oms.DiscountLogFilter{Client: "C1", Limit: 1}},
		{"nothing", oms.DiscountLogFilter{Client: "nobody"}},
	} {
		var want []discount.LogRow
		for i := range all {
			if c.f.Limit > 0 && len(want) == c.f.Limit {
				break
			}
			if c.f.Match(&all[i]) {
				want = append(want, all[i])
			}
		}
		got, err := r.DiscountLog(ctx, c.f)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if d := cmp.Diff(want, got, append(eq, cmp.Comparer(func(a, b []discount.LogRow) bool {
			return len(a) == 0 && len(b) == 0 || cmp.Equal(a, b, eq...)
		}))...); d != "" {
			t.Fatalf("%s (-want +got):\n%s", c.name, d)
		}
	}
}
