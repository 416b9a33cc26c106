package discount

import (
	"testing"

	"github.com/shopspring/decimal"
	"pgregory.net/rapid"
)

// TestPropertiesLineAmountFastPath: the int64 fast path gives exactly the
// decimal result whenever it answers.
func TestPropertiesLineAmountFastPath(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		exp := int32(rapid.IntRange(0, 3).Draw(t, "exp"))
		value := decimal.New(rapid.Int64Range(0, 2_000_000_000_000).Draw(t, "value"), -int32(rapid.IntRange(-2, 5).Draw(t, "vexp")))
		// The total left is the value rounded, give or take a few minor
		// units of rounding drift, or anything.
		total := value.Round(exp).Add(decimal.New(rapid.Int64Range(-2, 2).Draw(t, "drift"), -exp))
		if rapid.Bool().Draw(t, "othertotal") {
			total = decimal.New(rapid.Int64Range(0, 2_000_000_000_000).Draw(t, "total"), -int32(rapid.IntRange(-2, 5).Draw(t, "texp")))
		}
		total = decimal.Max(total, decimal.Zero)
		qty := rapid.Int64Range(1, 2_000_000).Draw(t, "qty")
		r := &compiled{Rule: Rule{Kind: Kind(rapid.IntRange(0, 1).Draw(t, "kind"))}}
		if r.Kind == Percent {
			r.Value = decimal.New(rapid.Int64Range(0, 1_000_000).Draw(t, "p"), -int32(rapid.IntRange(0, 6).Draw(t, "pexp")))
			if r.Value.GreaterThan(hundred) {
				r.Value = hundred
			}
		} else {
			r.Value = decimal.New(rapid.Int64Range(0, 10_000_000_000_000).Draw(t, "v"), -int32(rapid.IntRange(-1, 5).Draw(t, "fexp")))
		}
		want := lineAmountDec(r, value, total, qty, exp)
		got, ok := lineAmountInt(r, value, total, qty, exp)
		if ok && !got.Equal(want) {
			t.Fatalf("%v %s on value %s total %s qty %d exp %d: fast %s, decimal %s", r.Kind, r.Value, value, total, qty, exp, got, want)
		}
		if want.IsNegative() || want.GreaterThan(total) {
			t.Fatalf("%v %s on value %s total %s: saves %s", r.Kind, r.Value, value, total, want)
		}
	})
}

func TestLineAmountFastPathTaken(t *testing.T) {
	t.Parallel()
	pct := &compiled{Rule: Rule{Kind: Percent, Value: decimal.RequireFromString("12.5")}}
	fix := &compiled{Rule: Rule{Kind: Fixed, Value: decimal.RequireFromString("3.5")}}
	for _, c := range []struct {
		r    *compiled
		want string
	}{{pct, "0.37"}, {fix, "2.97"}} {
		v := decimal.RequireFromString("2.97")
		got, ok := lineAmountInt(c.r, v, v, 3, 2)
		if !ok || !got.Equal(decimal.RequireFromString(c.want)) {
			t.Fatalf("%v: got %s, %v; want %s from the fast path", c.r.Kind, got, ok, c.want)
		}
	}
	// Sub-minor-unit values take the decimal path.
	if _, ok := lineAmountInt(fix, decimal.RequireFromString("2.975"), decimal.RequireFromString("2.98"), 3, 2); ok {
		t.Fatal("fast path taken for a value with sub-minor digits")
	}
}

// TestPropertiesMoneyFastPaths: lineTotal and perUnit equal their decimal
// definitions.
func TestPropertiesMoneyFastPaths(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		exp := int32(rapid.IntRange(0, 3).Draw(t, "exp"))
		d := decimal.New(rapid.Int64Range(0, 2_000_000_000_000).Draw(t, "d"), -int32(rapid.IntRange(-2, 5).Draw(t, "dexp")))
		qty := rapid.Int64Range(1, 2_000_000).Draw(t, "qty")
		if got, want := lineTotal(d, qty, exp), d.Mul(decimal.NewFromInt(qty)).Round(exp); !got.Equal(want) {
			t.Fatalf("lineTotal(%s, %d, %d) = %s, want %s", d, qty, exp, got, want)
		}
		if got, want := perUnit(d, qty, exp), d.DivRound(decimal.NewFromInt(qty), exp+unitExtra); !got.Equal(want) {
			t.Fatalf("perUnit(%s, %d, %d) = %s, want %s", d, qty, exp, got, want)
		}
	})
}
