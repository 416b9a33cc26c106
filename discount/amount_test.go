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
		total := decimal.New(rapid.Int64Range(0, 2_000_000_000_000).Draw(t, "total"), -int32(rapid.IntRange(-2, 5).Draw(t, "texp")))
		qty := rapid.Int64Range(1, 2_000_000).Draw(t, "qty")
		r := &compiled{Rule: Rule{Kind: Kind(rapid.IntRange(0, 1).Draw(t, "kind"))}}
		if r.Kind == Percent {
			r.Value = decimal.New(rapid.Int64Range(0, 1_000_000).Draw(t, "p"), -int32(rapid.IntRange(0, 6).Draw(t, "pexp")))
			if r.Value.GreaterThan(hundred) {
				r.Value = hundred
			}
		} else {
			r.Value = decimal.New(rapid.Int64Range(0, 10_000_000_000_000).Draw(t, "v"), -int32(rapid.IntRange(-1, 5).Draw(t, "vexp")))
		}
		want := lineAmountDec(r, total, qty, exp)
		got, ok := lineAmountInt(r, total, qty, exp)
		if ok && !got.Equal(want) {
			t.Fatalf("%v %s on total %s qty %d exp %d: fast %s, decimal %s", r.Kind, r.Value, total, qty, exp, got, want)
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
		got, ok := lineAmountInt(c.r, decimal.RequireFromString("2.97"), 3, 2)
		if !ok || !got.Equal(decimal.RequireFromString(c.want)) {
			t.Fatalf("%v: got %s, %v; want %s from the fast path", c.r.Kind, got, ok, c.want)
		}
	}
	// Sub-minor-unit amounts take the decimal path.
	if _, ok := lineAmountInt(fix, decimal.RequireFromString("2.975"), 3, 2); ok {
		t.Fatal("fast path taken for a total with sub-minor digits")
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
