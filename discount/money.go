package discount

import (
	"slices"
	"strings"

	"github.com/shopspring/decimal"
)

// minorUnits lists the ISO 4217 currencies whose minor unit is not 2 decimals.
var minorUnits = map[string]int32{
	"BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
	"BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0,
	"KRW": 0, "PYG": 0, "RWF": 0, "UGX": 0, "VND": 0, "VUV": 0, "XAF": 0,
	"XOF": 0, "XPF": 0,
}

// MinorUnits returns the number of decimals of the currency's minor unit
// (2 for RON and EUR, 0 for JPY, 3 for KWD). Codes are compared upper-cased;
// an unknown code gets 2.
func MinorUnits(currency string) int32 {
	if n, ok := minorUnits[strings.ToUpper(currency)]; ok {
		return n
	}
	return 2
}

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
