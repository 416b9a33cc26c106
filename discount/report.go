package discount

import (
	"cmp"
	"slices"

	"github.com/shopspring/decimal"
)

// Campaign sums the applied-discount log of one rule in one currency: the
// guide's "discount campaign effectiveness" report.
type Campaign struct {
	Rule     RuleID
	Name     string
	Voucher  string // the rule's normalised code, "" for automatic rules
	Currency string
	// Lines is the number of log rows (discounted lines); Orders and
	// Clients count distinct orders and clients among them (rows not yet
	// tied to an order do not count as orders).
	Lines, Orders, Clients int
	// Quantity is the units sold with the discount.
	Quantity int64
	// Revenue is what the discounted lines brought (sum of TotalAfter);
	// Saved is what clients saved (sum of Saved), so Revenue + Saved is the
	// value of those lines before this rule.
	Revenue, Saved decimal.Decimal
}

// Summarize sums log rows per rule and currency, ordered by rule id then
// currency. It is pure: feed it the rows of a period (for example from
// oms.Service.DiscountLog with From and To).
func Summarize(rows []LogRow) []Campaign {
	type key struct {
		rule     RuleID
		currency string
	}
	type acc struct {
		c       Campaign
		orders  map[string]struct{}
		clients map[ClientID]struct{}
	}
	byKey := map[key]*acc{}
	for i := range rows {
		r := &rows[i]
		k := key{r.Rule, r.Currency}
		a := byKey[k]
		if a == nil {
			a = &acc{c: Campaign{Rule: r.Rule, Name: r.RuleName, Voucher: r.Voucher, Currency: r.Currency},
				orders: map[string]struct{}{}, clients: map[ClientID]struct{}{}}
			byKey[k] = a
		}
		a.c.Lines++
		a.c.Quantity += r.Quantity
		a.c.Revenue = a.c.Revenue.Add(r.TotalAfter)
		a.c.Saved = a.c.Saved.Add(r.Saved)
		if r.Order != "" {
			a.orders[r.Order] = struct{}{}
		}
		a.clients[r.Client] = struct{}{}
	}
	out := make([]Campaign, 0, len(byKey))
	for _, a := range byKey {
		a.c.Orders, a.c.Clients = len(a.orders), len(a.clients)
		out = append(out, a.c)
	}
	slices.SortFunc(out, func(a, b Campaign) int {
		return cmp.Or(cmp.Compare(a.Rule, b.Rule), cmp.Compare(a.Currency, b.Currency))
	})
	return out
}
