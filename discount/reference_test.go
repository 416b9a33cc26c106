package discount

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// linear is the reference engine: no index, it checks every rule against
// every line with the matching rules written out plainly from the package
// doc. It shares settle (the amounts and the stacking) with Engine, so that
// comparing the two tests the index and its matching.
type linear struct {
	cfg   Config
	rules []Rule
	comp  []*compiled
}

func newLinear(cfg Config, rules []Rule) (*linear, error) {
	l := &linear{cfg: cfg, rules: slices.Clone(rules)}
	for i := range rules {
		if err := rules[i].Validate(); err != nil {
			return nil, err
		}
		l.comp = append(l.comp, compile(rules[i]))
	}
	return l, nil
}

func (l *linear) Apply(ctx context.Context, cart Cart) (Result, error) {
	if err := checkCart(&cart); err != nil {
		return Result{}, err
	}
	loc := l.cfg.Location
	if loc == nil {
		loc = time.UTC
	}
	y, m, d := cart.At.In(loc).Date()
	today := Date{y, m, d}
	exp := MinorUnits(cart.Currency)
	base, subtotal := baseTotals(&cart, exp)

	cands := make([][]*compiled, len(cart.Lines))
	for i := range cart.Lines {
		for j := range l.rules {
			r := &l.rules[j]
			if strings.TrimSpace(r.Voucher) == "" && refMatchesCart(r, &cart, today, subtotal) && refMatchesLine(r, &cart.Lines[i]) {
				cands[i] = append(cands[i], l.comp[j])
			}
		}
	}
	var v *compiled
	var vlines []bool
	if code := strings.TrimSpace(cart.Voucher); code != "" {
		for j := range l.rules {
			if strings.EqualFold(strings.TrimSpace(l.rules[j].Voucher), code) {
				v = l.comp[j]
				vlines = make([]bool, len(cart.Lines))
				for i := range cart.Lines {
					vlines[i] = refMatchesLine(&l.rules[j], &cart.Lines[i])
				}
			}
		}
	}
	cur := strings.ToUpper(strings.TrimSpace(cart.Currency))
	return settle(ctx, &l.cfg, &cart, exp, cur, today.key(), base, subtotal, cands, v, vlines)
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
