package oms

import (
	"testing"

	"github.com/shopspring/decimal"
	"pgregory.net/rapid"
)

// TestTotalsMinorMatchesDecimal holds the int64 fast path to the decimal
// path: wherever the fast path answers, the five totals are equal, and it
// answers for every ordinary cart (amounts up to 10^7, tax rates up to
// 100%, quantities up to 1,000).
func TestTotalsMinorMatchesDecimal(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		cur := rapid.SampledFrom([]string{"RON", "EUR", "JPY", "KWD"}).Draw(t, "currency")
		m := MinorUnits(cur)
		huge := rapid.IntRange(0, 9).Draw(t, "huge") == 0
		amount := func(label string) decimal.Decimal {
			if huge {
				return decimal.New(rapid.Int64Range(-1e15, 9e17).Draw(t, label), -rapid.Int32Range(-2, 6).Draw(t, label+"-exp"))
			}
			return decimal.New(rapid.Int64Range(-1e5, 1e7).Draw(t, label), -rapid.Int32Range(0, 6).Draw(t, label+"-exp"))
		}
		rate := func() decimal.Decimal {
			e := rapid.Int32Range(0, 3).Draw(t, "rate-exp")
			hi := int64(100 * pow10[e])
			if huge {
				hi = 30_000
			}
			return decimal.New(rapid.Int64Range(0, hi).Draw(t, "rate"), -e)
		}
		ordinary := !huge
		var lines []Line
		for range rapid.IntRange(0, 6).Draw(t, "lines") {
			l := Line{ProductID: "P", Quantity: rapid.Int64Range(0, 1000).Draw(t, "qty"), UnitPrice: amount("unit"), TaxRate: rate()}
			switch rapid.IntRange(0, 3).Draw(t, "discount-kind") {
			case 1: // whole minor units, as the discount package writes them
				l.Discount = decimal.New(rapid.Int64Range(0, 1_000_000).Draw(t, "discount"), -m)
			case 2: // any amount: more decimals than the currency takes the decimal path
				l.Discount = amount("discount")
				if !l.Discount.Equal(RoundMoney(l.Discount, cur)) {
					ordinary = false
				}
			}
			lines = append(lines, l)
		}
		fee := amount("fee")
		want := totalsDecimal(lines, cur, fee)
		got, ok := totalsMinor(lines, cur, fee)
		if !ok {
			if ordinary {
				t.Fatalf("fast path refused an ordinary cart: %+v fee %s", lines, fee)
			}
			return
		}
		for _, p := range []struct {
			name      string
			got, want decimal.Decimal
		}{{"subtotal", got.Subtotal, want.Subtotal}, {"discount", got.Discount, want.Discount}, {"tax", got.Tax, want.Tax},
			{"delivery fee", got.DeliveryFee, want.DeliveryFee}, {"total", got.Total, want.Total}} {
			if !p.got.Equal(p.want) {
				t.Fatalf("%s: fast %s, decimal %s (lines %+v, fee %s)", p.name, p.got, p.want, lines, fee)
			}
		}
	})
}

// TestScaleRoundsHalfAwayFromZero pins the rounding of the fast path to
// RoundMoney's at the halves.
func TestScaleRoundsHalfAwayFromZero(t *testing.T) {
	for _, c := range []struct {
		v    int64
		e    int32
		want int64
	}{{125, -1, 13}, {-125, -1, -13}, {124, -1, 12}, {-124, -1, -12}, {5, -1, 1}, {-5, -1, -1}, {4, -1, 0}, {7, 2, 700}, {1, -30, 0}} {
		if got, ok := scale(c.v, c.e); !ok || got != c.want {
			t.Errorf("scale(%d, %d) = %d, %v; want %d", c.v, c.e, got, ok, c.want)
		}
		if want := decimal.New(c.v, c.e).Round(0).IntPart(); c.want != want {
			t.Errorf("table wrong for (%d, %d): decimal rounds to %d", c.v, c.e, want)
		}
	}
}
