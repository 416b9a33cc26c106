package discount

import (
	"slices"

	"github.com/shopspring/decimal"

	"github.com/azuvio/omnisales/internal/currency"
)

// MinorUnits returns the number of decimals of the currency's minor unit as
// the ISO 4217 table of the repository gives them, the one package oms
// rounds orders with (2 for RON and EUR, 0 for JPY, 3 for KWD, 4 for CLF).
// Codes are compared trimmed and upper-cased. A code outside ISO 4217 gets
// 2; rules, carts and sale-price requests in such a code are refused
// ([KnownCurrency]).
func MinorUnits(code string) int32 { return currency.MinorUnits(normCurrency(code)) }

// KnownCurrency reports whether code (trimmed, any letter case) is an
// active ISO 4217 code.
func KnownCurrency(code string) bool { return currency.Known(normCurrency(code)) }

func normCurrency(code string) string { return currency.Norm(code) }

// checkCurrency returns why code cannot be a currency, or "".
func checkCurrency(code string) string { return currency.Problem(code) }

// Allocate splits amount over parts in proportion to weights, in whole minor
// units (exp decimals), by the largest-remainder method: each part gets the
// floor of its exact share, and the units left over go one each to the parts
// with the largest remainders (ties: the earlier part). The parts add up to
// amount rounded half-up to exp decimals, exactly.
//
// The amount is first capped at the sum of the weights, so that no part
// exceeds its weight (a discount never exceeds what it applies to). Negative
// weights count as zero; when all weights are zero every part is zero.
func Allocate(amount decimal.Decimal, weights []decimal.Decimal, exp int32) []decimal.Decimal {
	parts := make([]decimal.Decimal, len(weights))
	var total decimal.Decimal
	for _, w := range weights {
		if w.IsPositive() {
			total = total.Add(w)
		}
	}
	amount = amount.Round(exp)
	if !amount.IsPositive() || !total.IsPositive() {
		return parts
	}
	if amount.GreaterThan(total) {
		amount = total
	}
	// Work in minor units: a is an integer; share_i = a·w_i / total.
	a := amount.Shift(exp)
	rems := make([]decimal.Decimal, len(weights))
	given := decimal.Zero
	for i, w := range weights {
		if !w.IsPositive() {
			continue
		}
		q, r := a.Mul(w).QuoRem(total, 0)
		parts[i] = q
		rems[i] = r
		given = given.Add(q)
	}
	left := a.Sub(given).IntPart() // fewer than len(weights)
	if left > 0 {
		order := make([]int, 0, len(weights))
		for i, w := range weights {
			if w.IsPositive() {
				order = append(order, i)
			}
		}
		slices.SortStableFunc(order, func(x, y int) int { return rems[y].Cmp(rems[x]) })
		for _, i := range order[:left] {
			parts[i] = parts[i].Add(decimal.NewFromInt(1))
		}
	}
	for i := range parts {
		parts[i] = parts[i].Shift(-exp)
	}
	return parts
}

var pow10 = [...]int64{1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18}

// The helpers below compute in int64 minor units when the figures are small
// enough that nothing can overflow, because decimal arithmetic allocates on
// every operation and they run in the engine's inner loop. Each has a decimal
// fallback and a test that holds the two to the same results.

// minorInt returns d in whole minor units (d × 10^exp) when that is an
// integer of at most 15 digits.
func minorInt(d decimal.Decimal, exp int32) (int64, bool) {
	if d.NumDigits() > 15 {
		return 0, false
	}
	c, e := d.CoefficientInt64(), int64(d.Exponent())+int64(exp)
	switch {
	case e == 0:
		return c, true
	case e > 0 && e <= 3:
		return c * pow10[e], true
	case e < 0 && e >= -15 && c%pow10[-e] == 0:
		return c / pow10[-e], true
	}
	return 0, false
}

// lineTotal is unit × qty rounded half-up to exp decimals.
func lineTotal(unit decimal.Decimal, qty int64, exp int32) decimal.Decimal {
	if u, ok := minorInt(unit, exp); ok && u >= 0 && u < 1e12 && qty < 1e6 {
		return decimal.New(u*qty, -exp)
	}
	return unit.Mul(decimal.NewFromInt(qty)).Round(exp)
}

// unitExtra is how many decimals beyond the minor unit per-unit figures
// derived from line totals carry.
const unitExtra = 4

// perUnit is total / qty rounded half-up to exp+unitExtra decimals (qty ≥ 1).
func perUnit(total decimal.Decimal, qty int64, exp int32) decimal.Decimal {
	if t, ok := minorInt(total, exp); ok && t >= 0 && t < 1e12 && qty < 1e6 {
		x := t * pow10[unitExtra]
		return decimal.New((2*x+qty)/(2*qty), -(exp + unitExtra))
	}
	return total.DivRound(decimal.NewFromInt(qty), exp+unitExtra)
}
