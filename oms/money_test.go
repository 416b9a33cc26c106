package oms_test

import (
	"testing"

	"github.com/shopspring/decimal"
	"pgregory.net/rapid"

	"github.com/azuvio/omnisales/oms"
)

// TestComputeTotalsMatchesReference checks the fast totals (which skip
// zero terms) against a plain sum of the per-line amounts, and that the
// totals reconcile to the cent.
func TestComputeTotalsMatchesReference(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		cur := rapid.SampledFrom([]string{"RON", "EUR", "JPY", "KWD"}).Draw(t, "currency")
		n := rapid.IntRange(1, 6).Draw(t, "lines")
		var lines []oms.Line
		for range n {
			qty := rapid.Int64Range(1, 50).Draw(t, "qty")
			unit := decimal.New(rapid.Int64Range(0, 10_000_000).Draw(t, "unit"), -rapid.Int32Range(0, 4).Draw(t, "exp"))
			l := oms.Line{ProductID: "P", Quantity: qty, UnitPrice: unit,
				TaxRate: decimal.New(rapid.Int64Range(0, 250).Draw(t, "rate"), -1)}
			gross := l.Gross(cur)
			if rapid.Bool().Draw(t, "discounted") && gross.IsPositive() {
				units := gross.Shift(oms.MinorUnits(cur)).IntPart()
				l.Discount = decimal.New(rapid.Int64Range(0, units).Draw(t, "discount"), -oms.MinorUnits(cur))
			}
			lines = append(lines, l)
		}
		fee := decimal.New(rapid.Int64Range(0, 10_000).Draw(t, "fee"), -2)
		got := oms.ComputeTotals(lines, cur, fee)
		var sub, disc, tax decimal.Decimal
		for _, l := range lines {
			sub = sub.Add(oms.RoundMoney(l.UnitPrice.Mul(decimal.NewFromInt(l.Quantity)), cur))
			disc = disc.Add(l.Discount)
			net := oms.RoundMoney(l.UnitPrice.Mul(decimal.NewFromInt(l.Quantity)), cur).Sub(l.Discount)
			tax = tax.Add(oms.RoundMoney(net.Mul(l.TaxRate).Div(decimal.NewFromInt(100)), cur))
		}
		feeR := oms.RoundMoney(fee, cur)
		total := sub.Sub(disc).Add(tax).Add(feeR)
		if !got.Subtotal.Equal(sub) || !got.Discount.Equal(disc) || !got.Tax.Equal(tax) || !got.DeliveryFee.Equal(feeR) || !got.Total.Equal(total) {
			t.Fatalf("totals %+v, reference sub %s disc %s tax %s fee %s total %s", got, sub, disc, tax, feeR, total)
		}
		if !got.Total.Equal(oms.RoundMoney(got.Total, cur)) {
			t.Fatalf("total %s has more decimals than %s", got.Total, cur)
		}
	})
}
