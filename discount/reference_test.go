package discount

import (
	"context"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/azuvio/omnisales/internal/currency"
)

// reference is the test oracle for [Engine]: a plain reading of the package
// doc that shares no code with the engine (no compile, settle, verdict,
// amounts, lineAmount, Allocate, MinorUnits, checkCart or normCode). It
// checks every rule against every line, keeps each line's unit price left
// as an exact fraction (math/big.Rat) and its total left in whole minor
// units, rounds with its own half-up function and allocates with its own
// largest remainder. It assumes the rules are valid (the tests build the
// engine from the same rules, which validates them).
type reference struct {
	cfg   Config
	rules []Rule
}

func newReference(cfg Config, rules []Rule) *reference {
	return &reference{cfg: cfg, rules: slices.Clone(rules)}
}

// refLine is a line as the rules apply to it.
type refLine struct {
	unit    *big.Rat // unit price left, exact
	total   *big.Int // line total left, in minor units
	applied []Applied
}

// Apply discounts the cart as the package doc says.
func (ref *reference) Apply(ctx context.Context, cart Cart) (Result, error) {
	if err := refCheckCart(&cart); err != nil {
		return Result{}, err
	}
	exp := currency.MinorUnits(strings.ToUpper(strings.TrimSpace(cart.Currency)))
	loc := ref.cfg.Location
	if loc == nil {
		loc = time.UTC
	}
	y, m, d := cart.At.In(loc).Date()
	today := Date{y, m, d}

	n := len(cart.Lines)
	lines := make([]refLine, n)
	base := make([]*big.Int, n)
	subtotal := new(big.Int)
	for i, l := range cart.Lines {
		u := l.UnitPrice.Rat()
		base[i] = refRound(new(big.Rat).Mul(u, refQty(l.Quantity)), exp)
		lines[i] = refLine{unit: u, total: new(big.Int).Set(base[i])}
		subtotal.Add(subtotal, base[i])
	}
	sub := decimal.NewFromBigInt(subtotal, -exp)

	// match[i] lists the automatic rules (indexes into ref.rules) that match
	// line i in every dimension: every rule is checked against every line.
	match := make([][]int, n)
	for i := range cart.Lines {
		for j := range ref.rules {
			r := &ref.rules[j]
			if strings.TrimSpace(r.Voucher) == "" && refMatchesCart(r, &cart, today, sub) && refMatchesLine(r, &cart.Lines[i]) {
				match[i] = append(match[i], j)
			}
		}
	}
	take := func(i int, r *Rule, saved *big.Int) {
		l := &lines[i]
		l.total.Sub(l.total, saved)
		l.unit = refUnitAfter(r, l.unit, saved, cart.Lines[i].Quantity, exp)
		code := ""
		if strings.TrimSpace(r.Voucher) != "" {
			code = strings.ToUpper(strings.TrimSpace(r.Voucher))
		}
		l.applied = append(l.applied, Applied{Rule: r.ID, Name: r.Name, Voucher: code, Saved: decimal.NewFromBigInt(saved, -exp)})
	}
	// onLines is what r saves on each line of elig given the lines as they
	// stand: an order-level amount allocated by the totals left, anything
	// else per line.
	onLines := func(r *Rule, elig []bool) []*big.Int {
		out := make([]*big.Int, n)
		if refOrderLevel(r) && r.Kind == Fixed {
			w := make([]*big.Int, n)
			for i, ok := range elig {
				if ok {
					w[i] = lines[i].total
				}
			}
			return refAllocate(r.Value, w, exp)
		}
		for i, ok := range elig {
			out[i] = new(big.Int)
			if ok {
				out[i] = refSaving(r, lines[i].unit, lines[i].total, cart.Lines[i].Quantity, exp)
			}
		}
		return out
	}
	eligible := func(j int) []bool {
		elig := make([]bool, n)
		for i := range match {
			elig[i] = slices.Contains(match[i], j)
		}
		return elig
	}

	if ref.cfg.Policy == StackAll {
		var order []int
		for i := range match {
			for _, j := range match[i] {
				if !slices.Contains(order, j) {
					order = append(order, j)
				}
			}
		}
		slices.SortFunc(order, func(a, b int) int { return refPriority(&ref.rules[a], &ref.rules[b]) })
		for _, j := range order {
			r := &ref.rules[j]
			for i, a := range onLines(r, eligible(j)) {
				if a.Sign() > 0 {
					take(i, r, a)
				}
			}
		}
	} else {
		// Every line compares the rules on its own prices before any
		// discount; an order-level amount is compared by the line's share of
		// it spread over every line it matches.
		shares := map[int][]*big.Int{}
		pick := make([]int, n)
		amt := make([]*big.Int, n)
		for i := range match {
			pick[i] = -1
			for _, j := range match[i] {
				r := &ref.rules[j]
				var a *big.Int
				if refOrderLevel(r) && r.Kind == Fixed {
					if shares[j] == nil {
						w := make([]*big.Int, n)
						for k, ok := range eligible(j) {
							if ok {
								w[k] = base[k]
							}
						}
						shares[j] = refAllocate(r.Value, w, exp)
					}
					a = shares[j][i]
				} else {
					a = refSaving(r, lines[i].unit, base[i], cart.Lines[i].Quantity, exp)
				}
				if c := cmpInt(a, amt[i]); pick[i] < 0 || c > 0 || (c == 0 && refPriority(r, &ref.rules[pick[i]]) < 0) {
					pick[i], amt[i] = j, a
				}
			}
		}
		for i, j := range pick {
			if j >= 0 && amt[i].Sign() > 0 {
				take(i, &ref.rules[j], amt[i])
			}
		}
	}

	res := Result{Currency: cart.Currency}
	if code := strings.TrimSpace(cart.Voucher); code != "" {
		v, refusal, err := ref.verdict(ctx, &cart, code, today, sub)
		if err != nil {
			return Result{}, err
		}
		if refusal == nil {
			elig := make([]bool, n)
			for i := range cart.Lines {
				elig[i] = refMatchesLine(v, &cart.Lines[i])
			}
			amts := onLines(v, elig)
			if slices.ContainsFunc(amts, func(a *big.Int) bool { return a.Sign() > 0 }) {
				for i, a := range amts {
					if a.Sign() > 0 {
						take(i, v, a)
					}
				}
				res.Voucher = strings.ToUpper(strings.TrimSpace(v.Voucher))
				res.Redemption = &Redemption{Rule: v.ID, Code: res.Voucher, Client: cart.Client,
					TotalLimit: v.TotalLimit, PerClientLimit: v.PerClientLimit}
			} else {
				refusal = &VoucherError{Code: code, Rule: v.ID, Reason: RefusedNothingToDiscount}
			}
		}
		res.VoucherRefused = refusal
	}

	for i, l := range cart.Lines {
		lr := LineResult{Product: l.Product, Quantity: l.Quantity, UnitPrice: l.UnitPrice,
			Total: decimal.NewFromBigInt(base[i], -exp), Applied: lines[i].applied}
		origTotal, origUnit := lr.Total, l.UnitPrice
		for _, a := range lines[i].applied {
			lr.Discount = lr.Discount.Add(a.Saved)
			unitAfter := decimal.Max(decimal.Zero, origUnit.Sub(refPerUnit(a.Saved, l.Quantity, exp)))
			res.Log = append(res.Log, LogRow{
				Rule: a.Rule, RuleName: a.Name, Client: cart.Client, Product: l.Product, Channel: cart.Channel,
				Voucher: a.Voucher, OriginalPrice: origUnit, PriceAfter: unitAfter,
				OriginalTotal: origTotal, TotalAfter: origTotal.Sub(a.Saved), Saved: a.Saved,
				Quantity: l.Quantity, Currency: cart.Currency, At: cart.At,
			})
			origTotal, origUnit = origTotal.Sub(a.Saved), unitAfter
		}
		lr.TotalAfter = lr.Total.Sub(lr.Discount)
		lr.UnitDiscount = refPerUnit(lr.Discount, l.Quantity, exp)
		lr.UnitPriceAfter = decimal.Max(decimal.Zero, l.UnitPrice.Sub(lr.UnitDiscount))
		res.Lines = append(res.Lines, lr)
		res.Subtotal = res.Subtotal.Add(lr.Total)
		res.Discount = res.Discount.Add(lr.Discount)
	}
	res.Total = res.Subtotal.Sub(res.Discount)
	return res, nil
}

// verdict finds the rule of the cart's code and checks it in the order of
// the Refusal constants (all but the last, which needs the amounts).
func (ref *reference) verdict(ctx context.Context, cart *Cart, code string, today Date, sub decimal.Decimal) (*Rule, *VoucherError, error) {
	var v *Rule
	for j := range ref.rules {
		if c := strings.TrimSpace(ref.rules[j].Voucher); c != "" && strings.EqualFold(c, code) {
			v = &ref.rules[j]
		}
	}
	if v == nil {
		return nil, &VoucherError{Code: code, Reason: RefusedUnknown}, nil
	}
	no := func(reason Refusal) (*Rule, *VoucherError, error) {
		return v, &VoucherError{Code: code, Rule: v.ID, Reason: reason}, nil
	}
	switch {
	case !v.Start.IsZero() && dayBefore(today, v.Start):
		return no(RefusedNotYetValid)
	case !v.End.IsZero() && dayBefore(v.End, today):
		return no(RefusedExpired)
	case v.Channel != 0 && v.Channel != cart.Channel:
		return no(RefusedOtherChannel)
	case v.Store != "" && v.Store != cart.Store:
		return no(RefusedOtherStore)
	case strings.TrimSpace(v.Currency) != "" && !strings.EqualFold(strings.TrimSpace(v.Currency), strings.TrimSpace(cart.Currency)):
		return no(RefusedOtherCurrency)
	case !refBuyerOK(v, cart):
		return no(RefusedClientNotEligible)
	case !slices.ContainsFunc(cart.Lines, func(l Line) bool { return refMatchesLine(v, &l) }):
		return no(RefusedNoEligibleProduct)
	case sub.LessThan(v.MinOrderValue):
		return v, &VoucherError{Code: code, Rule: v.ID, Reason: RefusedBelowMinimum,
			Missing: v.MinOrderValue.Sub(sub), Currency: v.Currency}, nil
	}
	if ref.cfg.Usage != nil && (v.TotalLimit > 0 || v.PerClientLimit > 0) {
		total, mine, err := ref.cfg.Usage.Usage(ctx, v.ID, cart.Client)
		if err != nil {
			return nil, nil, fmt.Errorf("reference: usage of rule %d: %w", v.ID, err)
		}
		if (v.TotalLimit > 0 && total >= v.TotalLimit) || (v.PerClientLimit > 0 && mine >= v.PerClientLimit) {
			return no(RefusedUsageExhausted)
		}
	}
	return v, nil, nil
}

func refCheckCart(cart *Cart) error {
	bad := func(line int, field string) error { return &CartError{Line: line, Field: field, Reason: "reference"} }
	cur := strings.ToUpper(strings.TrimSpace(cart.Currency))
	switch {
	case cur == "" || !currency.Known(cur):
		return bad(-1, "Currency")
	case cart.At.IsZero():
		return bad(-1, "At")
	case len(cart.Lines) == 0:
		return bad(-1, "Lines")
	}
	for i, l := range cart.Lines {
		switch {
		case l.Product == "":
			return bad(i, "Product")
		case l.Quantity < 1:
			return bad(i, "Quantity")
		case l.UnitPrice.IsNegative():
			return bad(i, "UnitPrice")
		}
	}
	return nil
}

func refOrderLevel(r *Rule) bool { return len(r.Products) == 0 && len(r.ProductGroups) == 0 }

func refQty(q int64) *big.Rat { return new(big.Rat).SetInt64(q) }

var refHundred = big.NewRat(100, 1)

// refSaving is what a percentage or a per-unit rule saves on a line whose
// unit price left is unit and total left is total (minor units): the
// saving per unit at full precision × quantity, rounded once, never more
// than the total; a rule that leaves nothing of the unit price takes the
// whole total.
func refSaving(r *Rule, unit *big.Rat, total *big.Int, qty int64, exp int32) *big.Int {
	v := r.Value.Rat()
	var a *big.Int
	if r.Kind == Percent {
		if v.Cmp(refHundred) == 0 {
			return new(big.Int).Set(total)
		}
		perUnit := new(big.Rat).Quo(new(big.Rat).Mul(unit, v), refHundred)
		a = refRound(new(big.Rat).Mul(perUnit, refQty(qty)), exp)
	} else {
		if v.Sign() > 0 && v.Cmp(unit) >= 0 {
			return new(big.Int).Set(total)
		}
		a = refRound(new(big.Rat).Mul(v, refQty(qty)), exp)
	}
	if a.Cmp(total) > 0 {
		return new(big.Int).Set(total)
	}
	return a
}

// refUnitAfter is the exact unit price left after r saved saved (minor
// units) on a line of qty units whose unit price left was unit.
func refUnitAfter(r *Rule, unit *big.Rat, saved *big.Int, qty int64, exp int32) *big.Rat {
	var off *big.Rat
	switch {
	case r.Kind == Percent:
		off = new(big.Rat).Quo(new(big.Rat).Mul(unit, r.Value.Rat()), refHundred)
	case refOrderLevel(r):
		off = new(big.Rat).Quo(decimal.NewFromBigInt(saved, -exp).Rat(), refQty(qty))
	default:
		off = r.Value.Rat()
	}
	after := new(big.Rat).Sub(unit, off)
	if after.Sign() < 0 {
		return new(big.Rat)
	}
	return after
}

// refAllocate spreads amount, rounded and capped at the sum of the weights,
// over the lines with a weight (minor units; nil = not eligible): each gets
// the floor of its exact share and the units left go one each to the
// largest remainders, the earlier line first among equals.
func refAllocate(amount decimal.Decimal, w []*big.Int, exp int32) []*big.Int {
	out := make([]*big.Int, len(w))
	sum := new(big.Int)
	for i := range out {
		out[i] = new(big.Int)
		if w[i] != nil && w[i].Sign() > 0 {
			sum.Add(sum, w[i])
		}
	}
	a := refRound(amount.Rat(), exp)
	if a.Sign() <= 0 || sum.Sign() == 0 {
		return out
	}
	if a.Cmp(sum) > 0 {
		a = sum
	}
	rems := make([]*big.Int, len(w))
	left := new(big.Int).Set(a)
	var idx []int
	for i := range w {
		if w[i] == nil || w[i].Sign() <= 0 {
			continue
		}
		q, r := new(big.Int).QuoRem(new(big.Int).Mul(a, w[i]), sum, new(big.Int))
		out[i], rems[i] = q, r
		left.Sub(left, q)
		idx = append(idx, i)
	}
	slices.SortStableFunc(idx, func(x, y int) int { return rems[y].Cmp(rems[x]) })
	for _, i := range idx[:left.Int64()] {
		out[i].Add(out[i], big.NewInt(1))
	}
	return out
}

// refRound rounds x half away from zero to exp decimals and returns it in
// units of 10^-exp.
func refRound(x *big.Rat, exp int32) *big.Int {
	n := new(big.Int).Mul(x.Num(), new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(exp)), nil))
	d := x.Denom()
	neg := n.Sign() < 0
	n.Abs(n)
	q := new(big.Int).Quo(new(big.Int).Add(new(big.Int).Lsh(n, 1), d), new(big.Int).Lsh(d, 1))
	if neg {
		q.Neg(q)
	}
	return q
}

// refPerUnit is amount / qty rounded half-up to the minor unit plus four
// decimals, as the package shows unit figures.
func refPerUnit(amount decimal.Decimal, qty int64, exp int32) decimal.Decimal {
	return decimal.NewFromBigInt(refRound(new(big.Rat).Quo(amount.Rat(), refQty(qty)), exp+4), -(exp + 4))
}

func cmpInt(a, b *big.Int) int {
	if b == nil {
		return 1
	}
	return a.Cmp(b)
}

// refPriority orders rules for ties and stacking: the later Start first (an
// open Start is the earliest), then the lower id.
func refPriority(a, b *Rule) int {
	switch {
	case a.Start != b.Start && (b.Start.IsZero() || (!a.Start.IsZero() && dayBefore(b.Start, a.Start))):
		return -1
	case a.Start != b.Start:
		return 1
	case a.ID < b.ID:
		return -1
	case a.ID > b.ID:
		return 1
	}
	return 0
}

func dayBefore(a, b Date) bool {
	if a.Year != b.Year {
		return a.Year < b.Year
	}
	if a.Month != b.Month {
		return a.Month < b.Month
	}
	return a.Day < b.Day
}

// refMatchesCart checks every dimension of the package doc except the product
// scope and the voucher.
func refMatchesCart(r *Rule, cart *Cart, today Date, subtotal decimal.Decimal) bool {
	if r.Channel != 0 && r.Channel != cart.Channel {
		return false
	}
	if r.Store != "" && r.Store != cart.Store {
		return false
	}
	if strings.TrimSpace(r.Currency) != "" && !strings.EqualFold(strings.TrimSpace(r.Currency), strings.TrimSpace(cart.Currency)) {
		return false
	}
	if !r.Start.IsZero() && dayBefore(today, r.Start) {
		return false
	}
	if !r.End.IsZero() && dayBefore(r.End, today) {
		return false
	}
	if subtotal.LessThan(r.MinOrderValue) {
		return false
	}
	return refBuyerOK(r, cart)
}

func refBuyerOK(r *Rule, cart *Cart) bool {
	if len(r.Clients) == 0 && len(r.ClientGroups) == 0 {
		return true
	}
	if slices.Contains(r.Clients, cart.Client) {
		return true
	}
	for _, g := range cart.Groups {
		if slices.Contains(r.ClientGroups, g) {
			return true
		}
	}
	return false
}

func refMatchesLine(r *Rule, l *Line) bool {
	if len(r.Products) == 0 && len(r.ProductGroups) == 0 {
		return true
	}
	if slices.Contains(r.Products, l.Product) {
		return true
	}
	for _, g := range l.ProductGroups {
		if slices.Contains(r.ProductGroups, g) {
			return true
		}
	}
	return false
}
