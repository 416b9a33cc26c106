package discount

import (
	"cmp"
	"slices"
	"time"

	"github.com/shopspring/decimal"
)

// ExpiringWithin returns the rules whose last day falls within the next days
// days of now (today included, in the shop's time zone), sorted by End and
// then id. Rules with an open end never expire.
func (e *Engine) ExpiringWithin(now time.Time, days int) []Rule {
	today := DateOf(now, e.loc)
	from, to := today.key(), today.AddDays(days).key()
	var out []Rule
	for _, c := range e.rules {
		if !c.End.IsZero() && c.end >= from && c.end <= to {
			out = append(out, compile(c.Rule).Rule)
		}
	}
	slices.SortFunc(out, func(a, b Rule) int {
		return cmp.Or(cmp.Compare(a.End.key(), b.End.key()), cmp.Compare(a.ID, b.ID))
	})
	return out
}

// CatalogItem is a product with its regular unit price, for [Engine.SalePrices].
type CatalogItem struct {
	Product ProductID
	Groups  []ProductGroupID
	Price   decimal.Decimal
}

// SalePrice is the price a shop shows as "on sale" for a product.
type SalePrice struct {
	Product ProductID
	Regular decimal.Decimal
	// Sale is Regular rounded half-up to the minor unit, less what the
	// rules save on one unit (computed from Regular at full precision and
	// rounded the same way, as [Engine.Apply] does on a line).
	Sale decimal.Decimal
	// Rules are the rules that make up the sale, in the order applied (one
	// under BestPerLine).
	Rules []RuleID
	// From and To are the days the sale runs: the latest start and the
	// earliest end of Rules (zero = open).
	From, To Date
}

// SalePrices returns, for the products of items that have one, the unit sale
// price that automatic product-scoped rules give on the channel and store at
// the given time, for pushing sale prices to a web shop. Only rules that
// anyone can get count: no voucher, no client scope and no minimum order
// value. Rules combine as the engine's policy says, on one unit. A currency
// that is not an ISO 4217 code is a [*CartError] (Line -1, Field
// "Currency"), so a sync never mistakes it for "no sales".
func (e *Engine) SalePrices(channel ChannelID, store StoreID, currency string, at time.Time, items []CatalogItem) ([]SalePrice, error) {
	if why := checkCurrency(currency); why != "" {
		return nil, &CartError{Line: -1, Field: "Currency", Reason: why}
	}
	exp := MinorUnits(currency)
	cur := normCurrency(currency)
	day := DateOf(at, e.loc).key()
	var out []SalePrice
	for _, it := range items {
		var cs []*compiled
		add := func(bucket []*compiled) {
			for _, c := range bucket {
				if !c.clientScoped && !c.MinOrderValue.IsPositive() && day >= c.start && day <= c.end &&
					c.placeOK(channel, store, cur) && !slices.Contains(cs, c) {
					cs = append(cs, c)
				}
			}
		}
		add(e.byProduct[it.Product])
		for _, g := range it.Groups {
			add(e.byPGroup[g])
		}
		if len(cs) == 0 || !it.Price.IsPositive() {
			continue
		}
		slices.SortFunc(cs, prioCmp)
		// One unit, at two precisions as in Apply: the price shown (rounded)
		// and the exact price the rules work on.
		unit, value := it.Price.Round(exp), it.Price
		var used []*compiled
		if e.cfg.Policy == StackAll {
			for _, c := range cs {
				if a := lineAmount(c, value, unit, 1, exp); a.IsPositive() {
					unit = unit.Sub(a)
					value = valueAfter(c, value, a, 1)
					used = append(used, c)
				}
			}
		} else {
			var best *compiled
			var bestAmt decimal.Decimal
			for _, c := range cs {
				if a := lineAmount(c, value, unit, 1, exp); best == nil || a.GreaterThan(bestAmt) {
					best, bestAmt = c, a
				}
			}
			if bestAmt.IsPositive() {
				unit = unit.Sub(bestAmt)
				used = append(used, best)
			}
		}
		if len(used) == 0 {
			continue
		}
		sp := SalePrice{Product: it.Product, Regular: it.Price, Sale: unit}
		for _, c := range used {
			sp.Rules = append(sp.Rules, c.ID)
			if sp.From.IsZero() || (!c.Start.IsZero() && c.start > sp.From.key()) {
				sp.From = c.Start
			}
			if sp.To.IsZero() || (!c.End.IsZero() && c.end < sp.To.key()) {
				sp.To = c.End
			}
		}
		out = append(out, sp)
	}
	return out, nil
}
