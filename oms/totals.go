package oms

import (
	"math"
	"math/bits"

	"github.com/shopspring/decimal"
)

// Totals reconcile to the cent: Total = Subtotal − Discount + Tax + DeliveryFee,
// where Subtotal, Discount and Tax are sums of rounded per-line amounts.
type Totals struct {
	Subtotal    decimal.Decimal `json:"subtotal"`
	Discount    decimal.Decimal `json:"discount"`
	Tax         decimal.Decimal `json:"tax"`
	DeliveryFee decimal.Decimal `json:"delivery_fee"`
	Total       decimal.Decimal `json:"total"`
}

// ComputeTotals derives the totals from lines and a delivery fee.
//
// Amounts whose digits fit in 64 bits (all real carts) are summed as whole
// minor units; the rest take the decimal path. Both give the same values
// (TestComputeTotalsMatchesReference holds them to it).
func ComputeTotals(lines []Line, currency string, deliveryFee decimal.Decimal) Totals {
	if t, ok := totalsMinor(lines, currency, deliveryFee); ok {
		return t
	}
	return totalsDecimal(lines, currency, deliveryFee)
}

// totalsDecimal is ComputeTotals in decimal arithmetic throughout.
func totalsDecimal(lines []Line, currency string, deliveryFee decimal.Decimal) Totals {
	var t Totals
	for i, l := range lines {
		gross := l.Gross(currency)
		lt := tax(net(gross, l.Discount), l.TaxRate, currency)
		if i == 0 {
			t.Subtotal, t.Discount, t.Tax = gross, l.Discount, lt
			continue
		}
		t.Subtotal = t.Subtotal.Add(gross)
		if !l.Discount.IsZero() {
			t.Discount = t.Discount.Add(l.Discount)
		}
		if !lt.IsZero() {
			t.Tax = t.Tax.Add(lt)
		}
	}
	t.DeliveryFee = RoundMoney(deliveryFee, currency)
	t.Total = net(t.Subtotal, t.Discount)
	if !t.Tax.IsZero() {
		t.Total = t.Total.Add(t.Tax)
	}
	if !t.DeliveryFee.IsZero() {
		t.Total = t.Total.Add(t.DeliveryFee)
	}
	return t
}

// totalsMinor computes the totals in int64 minor units of the currency,
// with the same rounding as RoundMoney (half away from zero, once per line
// amount). ok is false when an amount does not fit or a discount has more
// decimals than the currency; the caller then uses totalsDecimal.
func totalsMinor(lines []Line, currency string, deliveryFee decimal.Decimal) (t Totals, ok bool) {
	m := MinorUnits(currency)
	var sub, disc, tax int64
	for i := range lines {
		l := &lines[i]
		u, ue, ok1 := coef(l.UnitPrice)
		d, de, ok2 := coef(l.Discount)
		r, re, ok3 := coef(l.TaxRate)
		if !ok1 || !ok2 || !ok3 {
			return Totals{}, false
		}
		uq, ok1 := mul(u, l.Quantity)
		gross, ok2 := scale(uq, ue+m)
		dm, ok3 := exact(d, de+m)
		if !ok1 || !ok2 || !ok3 {
			return Totals{}, false
		}
		net, ok1 := add(gross, -dm)
		nr, ok2 := mul(net, r)
		lt, ok3 := scale(nr, re-2) // rate is a percentage
		if !ok1 || !ok2 || !ok3 {
			return Totals{}, false
		}
		if sub, ok1 = add(sub, gross); !ok1 {
			return Totals{}, false
		}
		if disc, ok1 = add(disc, dm); !ok1 {
			return Totals{}, false
		}
		if tax, ok1 = add(tax, lt); !ok1 {
			return Totals{}, false
		}
	}
	f, fe, ok1 := coef(deliveryFee)
	if !ok1 {
		return Totals{}, false
	}
	fee, ok1 := scale(f, fe+m)
	total, ok2 := add(sub, -disc)
	total, ok3 := add(total, tax)
	total, ok4 := add(total, fee)
	if !ok1 || !ok2 || !ok3 || !ok4 {
		return Totals{}, false
	}
	return Totals{Subtotal: minor(sub, m), Discount: minor(disc, m), Tax: minor(tax, m),
		DeliveryFee: minor(fee, m), Total: minor(total, m)}, true
}

// minor is n minor units; zero is the zero Decimal (no allocation).
func minor(n int64, m int32) decimal.Decimal {
	if n == 0 {
		return decimal.Decimal{}
	}
	return decimal.New(n, -m)
}

// bound keeps every intermediate value inside int64 with room for the sum
// of two of them.
const bound = math.MaxInt64 / 2

// coef returns d's coefficient and exponent when the coefficient has at
// most 18 digits.
func coef(d decimal.Decimal) (int64, int32, bool) {
	if d.IsZero() {
		return 0, 0, true
	}
	if d.NumDigits() > 18 {
		return 0, 0, false
	}
	return d.CoefficientInt64(), d.Exponent(), true
}

var pow10 = [...]int64{1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18}

func mul(a, b int64) (int64, bool) {
	hi, lo := bits.Mul64(abs(a), abs(b))
	if hi != 0 || lo > bound {
		return 0, false
	}
	if (a < 0) != (b < 0) {
		return -int64(lo), true
	}
	return int64(lo), true
}

func add(a, b int64) (int64, bool) {
	s := a + b
	return s, s >= -bound && s <= bound
}

func abs(a int64) uint64 {
	if a < 0 {
		return uint64(-a)
	}
	return uint64(a)
}

// scale returns v × 10^e rounded half away from zero to an integer.
func scale(v int64, e int32) (int64, bool) {
	switch {
	case v == 0:
		return 0, true
	case e >= 0:
		if int(e) >= len(pow10) {
			return 0, false
		}
		return mul(v, pow10[e])
	case int(-e) >= len(pow10):
		return 0, true // |v| ≤ bound < 10^19 / 2: rounds to zero
	}
	p := pow10[-e]
	q, r := v/p, v%p
	if 2*abs(r) >= uint64(p) {
		if v < 0 {
			q--
		} else {
			q++
		}
	}
	return q, true
}

// exact returns v × 10^e when that is a whole number.
func exact(v int64, e int32) (int64, bool) {
	if e >= 0 || v == 0 {
		return scale(v, e)
	}
	if int(-e) >= len(pow10) || v%pow10[-e] != 0 {
		return 0, false
	}
	return v / pow10[-e], true
}
