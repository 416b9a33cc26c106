package returns

import (
	"fmt"
	"testing"

	"github.com/azuvio/omnisales/oms"
	"github.com/shopspring/decimal"
	"pgregory.net/rapid"
)

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func TestFees(t *testing.T) {
	t.Parallel()
	// A (vendor "acme"): 1 × 100.00 + 19% = 119.00 paid.
	// B (vendor "bolt"): 2 × 10.00 + 9% = 21.80 paid.
	// C (no vendor):     1 × 0.05, no tax = 0.05 paid.
	o := &oms.Order{Currency: "RON", Lines: []oms.Line{
		{ProductID: "A", ProductGroup: "acme", Quantity: 1, UnitPrice: dec("100"), TaxRate: dec("19"), Delivered: 1},
		{ProductID: "B", ProductGroup: "bolt", Quantity: 2, UnitPrice: dec("10"), TaxRate: dec("9"), Delivered: 2},
		{ProductID: "C", Quantity: 1, UnitPrice: dec("0.05"), Delivered: 1},
	}}
	all := []ItemRequest{{Line: 0, Quantity: 1}, {Line: 1, Quantity: 2}, {Line: 2, Quantity: 1}}
	onlyC := []ItemRequest{{Line: 2, Quantity: 1}}
	tests := []struct {
		name  string
		cfg   Config
		items []ItemRequest
		fee   string
	}{
		{"none", Config{}, all, "0"},
		{"global percent", Config{Fee: PercentFee(dec("10"))}, all, "14.09"},                 // 10% of 140.85 = 14.085
		{"global percent rounds half up", Config{Fee: PercentFee(dec("10"))}, onlyC, "0.01"}, // 0.005
		{"global fixed", Config{Fee: FixedFee(dec("15"))}, all, "15"},
		{"fixed capped at value", Config{Fee: FixedFee(dec("15"))}, onlyC, "0.05"},
		{"zero percent", Config{Fee: PercentFee(decimal.Zero)}, all, "0"},
		{"ten percent, the most allowed", Config{Fee: PercentFee(dec("10"))}, onlyC, "0.01"}, // 0.005 → 0.01
		{"fractional percent", Config{Fee: PercentFee(dec("7.5"))}, all, "10.56"},            // 10.56375
		{"vendor percent override", Config{Fee: PercentFee(dec("10")), VendorFees: map[string]Fee{"acme": PercentFee(dec("5"))}},
			all, "8.14"}, // acme 5% of 119.00 = 5.95; rest 10% of 21.85 = 2.185 → 2.19
		{"vendor fixed override", Config{Fee: PercentFee(dec("10")), VendorFees: map[string]Fee{"bolt": FixedFee(dec("3"))}},
			all, "14.91"}, // bolt 3.00; rest 10% of 119.05 = 11.905 → 11.91
		{"vendor without fee", Config{Fee: FixedFee(dec("15")), VendorFees: map[string]Fee{"acme": {}}},
			all, "15"}, // acme free; bolt + C pay the global 15 once
		{"every vendor fixed", Config{VendorFees: map[string]Fee{"acme": FixedFee(dec("2")), "bolt": FixedFee(dec("2"))}},
			all, "4"}, // 2 + 2, C pays the zero global fee
		{"vendor from VendorOf", Config{Fee: PercentFee(dec("10")), VendorFees: map[string]Fee{"x-C": FixedFee(dec("1"))},
			VendorOf: func(l oms.Line) string { return "x-" + l.ProductID }}, all, "14.13"}, // C: 1.00 capped at 0.05; the rest 10% of 140.80 = 14.08
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q := tc.cfg.price(o, tc.items)
			if !q.Fee.Equal(dec(tc.fee)) {
				t.Errorf("fee = %s, want %s (value %s)", q.Fee, tc.fee, q.Value)
			}
			if !q.RefundDue.Add(q.Fee).Equal(q.Value) {
				t.Errorf("refund %s + fee %s != value %s", q.RefundDue, q.Fee, q.Value)
			}
		})
	}
}

func TestProrateAddsUp(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		cur := rapid.SampledFrom([]string{"RON", "JPY", "KWD"}).Draw(t, "currency")
		total := decimal.New(rapid.Int64Range(0, 1_000_000).Draw(t, "minor"), -oms.MinorUnits(cur))
		n := rapid.Int64Range(1, 50).Draw(t, "n")
		var done int64
		sum := decimal.Zero
		prev := decimal.Zero
		for done < n {
			q := rapid.Int64Range(1, n-done).Draw(t, "q")
			part := Prorate(total, done, q, n, cur)
			if part.IsNegative() || !part.Equal(oms.RoundMoney(part, cur)) {
				t.Fatalf("part %s for %d units after %d of %d", part, q, done, n)
			}
			sum = sum.Add(part)
			done += q
			// Cumulative shares never decrease.
			if c := cumulative(total, done, n, cur); c.LessThan(prev) {
				t.Fatalf("cumulative share fell from %s to %s", prev, c)
			} else {
				prev = c
			}
		}
		if !sum.Equal(total) {
			t.Fatalf("parts add up to %s, want %s", sum, total)
		}
	})
}

// genOrder draws a delivered order whose order-level discount was spread
// over its lines by value, as the discount engine does, cent-exact.
func genOrder(t *rapid.T) *oms.Order {
	o := &oms.Order{Currency: "RON"}
	n := rapid.IntRange(1, 4).Draw(t, "lines")
	gross := make([]decimal.Decimal, n)
	total := decimal.Zero
	for i := range n {
		l := oms.Line{ProductID: fmt.Sprintf("P%d", i), Quantity: rapid.Int64Range(1, 9).Draw(t, "qty"),
			UnitPrice: decimal.New(rapid.Int64Range(1, 50_000).Draw(t, "price"), -2),
			TaxRate:   decimal.NewFromInt(rapid.SampledFrom([]int64{0, 5, 9, 19}).Draw(t, "tax"))}
		l.Delivered = l.Quantity
		gross[i] = oms.RoundMoney(l.UnitPrice.Mul(decimal.NewFromInt(l.Quantity)), o.Currency)
		total = total.Add(gross[i])
		o.Lines = append(o.Lines, l)
	}
	// Order discount: up to the whole value, shared by value with the
	// same cumulative rule, so the shares add up exactly.
	orderDiscount := decimal.New(rapid.Int64Range(0, total.Shift(2).IntPart()).Draw(t, "discount"), -2)
	before := decimal.Zero
	for i := range o.Lines {
		upTo := before.Add(gross[i])
		share := orderDiscount.Mul(upTo).DivRound(total, 2).Sub(orderDiscount.Mul(before).DivRound(total, 2))
		o.Lines[i].Discount = share
		before = upTo
	}
	o.Totals = oms.ComputeTotals(o.Lines, o.Currency, decimal.Zero)
	return o
}

func TestPropertyFullReturnInPiecesAddsUpToTheOrder(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		o := genOrder(t)
		cfg := Config{Fee: PercentFee(decimal.NewFromInt(rapid.Int64Range(0, 10).Draw(t, "pct")))}
		var disc, tax, net, value decimal.Decimal
		for {
			var req []ItemRequest
			for i, l := range o.Lines {
				if left := l.Delivered - l.Returned; left > 0 && rapid.Bool().Draw(t, "take") {
					req = append(req, ItemRequest{Line: i, Quantity: rapid.Int64Range(1, left).Draw(t, "q")})
				}
			}
			if len(req) == 0 {
				if rapid.Bool().Draw(t, "stop") {
					break
				}
				continue
			}
			q := cfg.price(o, req)
			if q.Fee.GreaterThan(q.Value) || !q.RefundDue.Add(q.Fee).Equal(q.Value) || q.RefundDue.IsNegative() {
				t.Fatalf("fee %s value %s refund %s", q.Fee, q.Value, q.RefundDue)
			}
			for _, it := range q.Items {
				disc, tax, net, value = disc.Add(it.Discount), tax.Add(it.Tax), net.Add(it.Net), value.Add(it.Paid)
				o.Lines[it.Line].Returned += it.Quantity
			}
		}
		// Return whatever is left, then everything must add up.
		var req []ItemRequest
		for i, l := range o.Lines {
			if left := l.Delivered - l.Returned; left > 0 {
				req = append(req, ItemRequest{Line: i, Quantity: left})
			}
		}
		if len(req) > 0 {
			q := cfg.price(o, req)
			if !q.Full {
				t.Fatal("last return not marked full")
			}
			for _, it := range q.Items {
				disc, tax, net, value = disc.Add(it.Discount), tax.Add(it.Tax), net.Add(it.Net), value.Add(it.Paid)
			}
		}
		if !disc.Equal(o.Totals.Discount) {
			t.Fatalf("discount shares add up to %s, order discount %s", disc, o.Totals.Discount)
		}
		if !tax.Equal(o.Totals.Tax) {
			t.Fatalf("tax shares add up to %s, order tax %s", tax, o.Totals.Tax)
		}
		if !net.Equal(o.Totals.Subtotal.Sub(o.Totals.Discount)) || !value.Equal(o.Totals.Total) {
			t.Fatalf("net %s value %s, totals %+v", net, value, o.Totals)
		}
	})
}

func TestLoyaltyTargetReachesEarnedOnFullReturn(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		o := genOrder(t)
		earned := rapid.Int64Range(0, 10_000).Draw(t, "earned")
		returned := make([]int64, len(o.Lines))
		prev := int64(0)
		for i := range o.Lines {
			for returned[i] < o.Lines[i].Quantity {
				returned[i] += rapid.Int64Range(1, o.Lines[i].Quantity-returned[i]).Draw(t, "step")
				got := loyaltyTarget(o, returned, earned)
				if got < prev || got > earned {
					t.Fatalf("target %d after %d (earned %d)", got, prev, earned)
				}
				prev = got
			}
		}
		if prev != earned {
			t.Fatalf("full return reverses %d of %d", prev, earned)
		}
	})
}
