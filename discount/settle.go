package discount

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/shopspring/decimal"
)

// settle turns candidate rules into a result; the engine finds the
// candidates with its indexes.
//
// cands[i] holds the automatic rules that match line i in every dimension;
// v is the rule of the cart's voucher code (nil when unknown or no code) and
// vlines[i] says whether line i is in v's product scope.
//
// Each line is followed at two precisions: running[i], its total left,
// rounded to the minor unit (what the client pays), and value[i], the same
// at full precision (unit price × quantity less the exact effect of every
// rule applied), from which percentages and per-unit amounts are taken.
func settle(ctx context.Context, cfg *Config, cart *Cart, exp int32, cur string, day int32,
	base []decimal.Decimal, subtotal decimal.Decimal, cands [][]*compiled, v *compiled, vlines []bool) (Result, error) {
	n := len(cart.Lines)
	running := slices.Clone(base)
	value := make([]decimal.Decimal, n)
	for i := range cart.Lines {
		value[i] = lineValue(&cart.Lines[i], base[i], exp)
	}
	applied := make([][]Applied, n)
	take := func(r *compiled, amts []decimal.Decimal) {
		for i, a := range amts {
			if a.IsPositive() {
				running[i] = running[i].Sub(a)
				value[i] = valueAfter(r, value[i], a, cart.Lines[i].Quantity)
				applied[i] = append(applied[i], Applied{Rule: r.ID, Name: r.Name, Voucher: r.code, Saved: a})
			}
		}
	}
	for _, cs := range cands {
		slices.SortFunc(cs, prioCmp)
	}

	var chosen []*compiled // BestPerLine: the rule taken on each line
	if cfg.Policy == StackAll {
		var all []*compiled
		for _, cs := range cands {
			for _, c := range cs {
				if !slices.Contains(all, c) {
					all = append(all, c)
				}
			}
		}
		slices.SortFunc(all, prioCmp)
		elig := make([]bool, n)
		for _, r := range all {
			for i, cs := range cands {
				elig[i] = slices.Contains(cs, r)
			}
			take(r, amounts(r, elig, running, value, cart, exp))
		}
	} else {
		// An order-level fixed amount is spread over every line it matches,
		// and each line compares its share with the other rules.
		var shares map[*compiled][]decimal.Decimal
		chosen = make([]*compiled, n)
		for i, cs := range cands {
			var best *compiled
			var bestAmt decimal.Decimal
			for _, r := range cs {
				var amt decimal.Decimal
				if r.orderLevel && r.Kind == Fixed {
					s, ok := shares[r]
					if !ok {
						elig := make([]bool, n)
						for j, cj := range cands {
							elig[j] = slices.Contains(cj, r)
						}
						s = amounts(r, elig, base, value, cart, exp)
						if shares == nil {
							shares = make(map[*compiled][]decimal.Decimal)
						}
						shares[r] = s
					}
					amt = s[i]
				} else {
					amt = lineAmount(r, value[i], base[i], cart.Lines[i].Quantity, exp)
				}
				// cs is in priority order, so ties keep the earlier rule.
				if best == nil || amt.GreaterThan(bestAmt) {
					best, bestAmt = r, amt
				}
			}
			if best != nil && bestAmt.IsPositive() {
				chosen[i] = best
				running[i] = running[i].Sub(bestAmt)
				applied[i] = append(applied[i], Applied{Rule: best.ID, Name: best.Name, Saved: bestAmt})
			}
		}
	}

	res := Result{Currency: cart.Currency}
	if code := strings.TrimSpace(cart.Voucher); code != "" {
		refusal, err := verdict(ctx, cfg, v, cart, cur, day, subtotal, vlines)
		if err != nil {
			return Result{}, err
		}
		if refusal != nil {
			refusal.Code = code
			res.VoucherRefused = refusal
		} else {
			// The exact values after the rules chosen per line, needed only
			// now, for the voucher.
			for i, r := range chosen {
				if r != nil && vlines[i] {
					value[i] = valueAfter(r, value[i], applied[i][0].Saved, cart.Lines[i].Quantity)
				}
			}
			amts := amounts(v, vlines, running, value, cart, exp)
			if slices.ContainsFunc(amts, decimal.Decimal.IsPositive) {
				take(v, amts)
				res.Voucher = v.code
				res.Redemption = &Redemption{Rule: v.ID, Code: v.code, Client: cart.Client,
					TotalLimit: v.TotalLimit, PerClientLimit: v.PerClientLimit}
			} else {
				res.VoucherRefused = &VoucherError{Code: code, Rule: v.ID, Reason: RefusedNothingToDiscount}
			}
		}
	}

	res.Lines = make([]LineResult, n)
	for i := range cart.Lines {
		l := &cart.Lines[i]
		lr := LineResult{Product: l.Product, Quantity: l.Quantity, UnitPrice: l.UnitPrice,
			Total: base[i], Applied: applied[i]}
		origTotal, origUnit := base[i], l.UnitPrice
		for _, a := range applied[i] {
			lr.Discount = lr.Discount.Add(a.Saved)
			after := origTotal.Sub(a.Saved)
			unitAfter := decimal.Max(decimal.Zero, origUnit.Sub(perUnit(a.Saved, l.Quantity, exp)))
			res.Log = append(res.Log, LogRow{
				Rule: a.Rule, RuleName: a.Name, Client: cart.Client, Product: l.Product,
				Channel: cart.Channel, Voucher: a.Voucher,
				OriginalPrice: origUnit, PriceAfter: unitAfter,
				OriginalTotal: origTotal, TotalAfter: after, Saved: a.Saved,
				Quantity: l.Quantity, Currency: cart.Currency, At: cart.At,
			})
			origTotal, origUnit = after, unitAfter
		}
		lr.TotalAfter = base[i].Sub(lr.Discount)
		lr.UnitDiscount = perUnit(lr.Discount, l.Quantity, exp)
		lr.UnitPriceAfter = decimal.Max(decimal.Zero, l.UnitPrice.Sub(lr.UnitDiscount))
		res.Lines[i] = lr
		res.Subtotal = res.Subtotal.Add(lr.Total)
		res.Discount = res.Discount.Add(lr.Discount)
	}
	res.Total = res.Subtotal.Sub(res.Discount)
	return res, nil
}

// lineValue is the line's unit price × quantity at full precision; total is
// the same rounded to exp decimals, which it equals when the unit price has
// no more decimals than that.
func lineValue(l *Line, total decimal.Decimal, exp int32) decimal.Decimal {
	if l.UnitPrice.Exponent() >= -exp {
		return total
	}
	return l.UnitPrice.Mul(decimal.NewFromInt(l.Quantity))
}

// valueAfter is a line's exact value after rule r saved a on it: less the
// percentage, less the per-unit amount (never below zero), or less the
// line's share a of an order-level amount (never below zero).
func valueAfter(r *compiled, value, a decimal.Decimal, qty int64) decimal.Decimal {
	var after decimal.Decimal
	switch {
	case r.Kind == Percent:
		after = value.Sub(value.Mul(r.Value).Shift(-2))
	case r.orderLevel:
		after = value.Sub(a)
	default:
		after = value.Sub(r.Value.Mul(decimal.NewFromInt(qty)))
	}
	if after.IsNegative() {
		return decimal.Zero
	}
	return after
}

// lineAmount is what a percentage or a per-unit fixed rule saves on a line
// whose exact value is value (unit price left × quantity) and whose rounded
// total left is total: value × p / 100, or the per-unit amount × quantity,
// rounded half-up once to the minor unit and never more than total. A rule
// that leaves nothing of the value (100 %, or a per-unit amount at least the
// unit price left) takes the whole total, so the line is exactly free.
func lineAmount(r *compiled, value, total decimal.Decimal, qty int64, exp int32) decimal.Decimal {
	if a, ok := lineAmountInt(r, value, total, qty, exp); ok {
		return a
	}
	return lineAmountDec(r, value, total, qty, exp)
}

// lineAmountDec is lineAmount in decimal arithmetic, for any size.
func lineAmountDec(r *compiled, value, total decimal.Decimal, qty int64, exp int32) decimal.Decimal {
	var a decimal.Decimal
	if r.Kind == Percent {
		if r.Value.Equal(hundred) {
			return total
		}
		// × value / 100 exactly (a decimal shift), then one half-up rounding.
		a = value.Mul(r.Value).Shift(-2).Round(exp)
	} else {
		all := r.Value.Mul(decimal.NewFromInt(qty))
		if !all.LessThan(value) && all.IsPositive() {
			return total
		}
		a = all.Round(exp)
	}
	if a.GreaterThan(total) {
		return total
	}
	return a
}

// lineAmountInt is lineAmount in int64 minor units (see minorInt); it
// reports false when a figure is too large or too fine for that.
func lineAmountInt(r *compiled, value, total decimal.Decimal, qty int64, exp int32) (decimal.Decimal, bool) {
	t, ok := minorInt(total, exp)
	if !ok || t < 0 || t >= 1e12 {
		return decimal.Decimal{}, false
	}
	w, ok := minorInt(value, exp)
	if !ok || w < 0 || w >= 1e12 {
		return decimal.Decimal{}, false
	}
	var a int64
	if r.Kind == Percent {
		// a = round(w × v·10^ev / 100) = round(w·v / 10^(2−ev)), half-up.
		if r.Value.NumDigits() > 6 {
			return decimal.Decimal{}, false
		}
		v, ev := r.Value.CoefficientInt64(), r.Value.Exponent()
		k := 2 - int64(ev)
		if v < 0 || ev > 0 || k > 18 {
			return decimal.Decimal{}, false
		}
		p := pow10[k]
		if v == p { // 100 %
			return total, true
		}
		a = (w*v + p/2) / p
	} else {
		v, ok := minorInt(r.Value, exp)
		if !ok || v < 0 || v >= 1e12 || qty >= 1e6 {
			return decimal.Decimal{}, false
		}
		if a = v * qty; a >= w && a > 0 {
			return total, true
		}
	}
	return decimal.New(min(a, t), -exp), true
}

// amounts is what rule r saves on each eligible line given the lines'
// rounded totals left (running) and exact values (value). An order-level
// fixed amount is allocated over the eligible lines in proportion to their
// totals left; everything else is per line.
func amounts(r *compiled, elig []bool, running, value []decimal.Decimal, cart *Cart, exp int32) []decimal.Decimal {
	out := make([]decimal.Decimal, len(running))
	if r.orderLevel && r.Kind == Fixed {
		weights := make([]decimal.Decimal, len(running))
		for i, ok := range elig {
			if ok {
				weights[i] = running[i]
			}
		}
		return Allocate(r.Value, weights, exp)
	}
	for i, ok := range elig {
		if ok {
			out[i] = lineAmount(r, value[i], running[i], cart.Lines[i].Quantity, exp)
		}
	}
	return out
}

// verdict checks an entered voucher in the order of the Refusal constants and
// returns the first reason that holds, or nil when the voucher may apply;
// the last reason, RefusedNothingToDiscount, is settle's to check.
func verdict(ctx context.Context, cfg *Config, v *compiled, cart *Cart, cur string, day int32,
	subtotal decimal.Decimal, vlines []bool) (*VoucherError, error) {
	if v == nil {
		return &VoucherError{Reason: RefusedUnknown}, nil
	}
	ve := &VoucherError{Rule: v.ID}
	switch {
	case day < v.start:
		ve.Reason = RefusedNotYetValid
	case day > v.end:
		ve.Reason = RefusedExpired
	case v.Channel != 0 && v.Channel != cart.Channel:
		ve.Reason = RefusedOtherChannel
	case v.Store != "" && v.Store != cart.Store:
		ve.Reason = RefusedOtherStore
	case v.currency != "" && v.currency != cur:
		ve.Reason = RefusedOtherCurrency
	case !v.buyerOK(cart.Client, cart.Groups):
		ve.Reason = RefusedClientNotEligible
	case !slices.Contains(vlines, true):
		ve.Reason = RefusedNoEligibleProduct
	case subtotal.LessThan(v.MinOrderValue):
		ve.Reason = RefusedBelowMinimum
		ve.Missing = v.MinOrderValue.Sub(subtotal)
		ve.Currency = v.Currency
	default:
		if cfg.Usage == nil || (v.TotalLimit == 0 && v.PerClientLimit == 0) {
			return nil, nil
		}
		total, mine, err := cfg.Usage.Usage(ctx, v.ID, cart.Client)
		if err != nil {
			return nil, fmt.Errorf("discount: reading usage of voucher rule %d: %w", v.ID, err)
		}
		if (v.TotalLimit > 0 && total >= v.TotalLimit) || (v.PerClientLimit > 0 && mine >= v.PerClientLimit) {
			ve.Reason = RefusedUsageExhausted
			return ve, nil
		}
		return nil, nil
	}
	return ve, nil
}
