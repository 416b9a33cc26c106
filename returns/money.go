package returns

import (
	"github.com/azuvio/omnisales/oms"
	"github.com/shopspring/decimal"
)

// Prorate returns the part of amount that falls on units done+1 … done+q
// of a line of n units: the cumulative share of the first done+q units
// minus that of the first done, where the share of the first k units is
// amount × k / n rounded to the currency's minor unit, half away from zero.
// Taking differences of cumulative shares makes the parts of any sequence
// of returns add up to amount exactly once all n units are back.
func Prorate(amount decimal.Decimal, done, q, n int64, currency string) decimal.Decimal {
	return cumulative(amount, done+q, n, currency).Sub(cumulative(amount, done, n, currency))
}

// cumulative is the share of amount on the first k of n units.
func cumulative(amount decimal.Decimal, k, n int64, currency string) decimal.Decimal {
	switch {
	case n <= 0 || k <= 0:
		return decimal.Zero
	case k >= n:
		return amount
	}
	// DivRound rounds the exact quotient: no double rounding.
	return amount.Mul(decimal.NewFromInt(k)).DivRound(decimal.NewFromInt(n), oms.MinorUnits(currency))
}

// lineMoney is what a line charged in total: gross, discount and tax.
type lineMoney struct{ gross, discount, tax decimal.Decimal }

func moneyOf(l oms.Line, currency string) lineMoney {
	return lineMoney{
		gross:    oms.RoundMoney(l.UnitPrice.Mul(decimal.NewFromInt(l.Quantity)), currency),
		discount: l.Discount,
		tax:      l.Tax(currency),
	}
}

// paidUpTo is what the client paid for the first k units of l.
func paidUpTo(l oms.Line, k int64, currency string) decimal.Decimal {
	m := moneyOf(l, currency)
	return cumulative(m.gross, k, l.Quantity, currency).
		Sub(cumulative(m.discount, k, l.Quantity, currency)).
		Add(cumulative(m.tax, k, l.Quantity, currency))
}

// priceItem values q units of line i, returned after the line's Returned
// units.
func priceItem(o *oms.Order, i int, q int64, vendor string) Item {
	l := o.Lines[i]
	m := moneyOf(l, o.Currency)
	it := Item{Line: i, ProductID: l.ProductID, SKU: l.SKU, Name: l.Name, Vendor: vendor, Quantity: q,
		Gross:    Prorate(m.gross, l.Returned, q, l.Quantity, o.Currency),
		Discount: Prorate(m.discount, l.Returned, q, l.Quantity, o.Currency),
		Tax:      Prorate(m.tax, l.Returned, q, l.Quantity, o.Currency),
	}
	it.Net = it.Gross.Sub(it.Discount)
	it.Paid = it.Net.Add(it.Tax)
	return it
}

// feeFor charges the restocking fee on items: the items of each vendor
// with an entry in VendorFees pay that vendor's fee on their value; all
// other items together pay the general fee once on theirs.
func (c *Config) feeFor(items []Item, currency string) decimal.Decimal {
	base := map[string]decimal.Decimal{}
	rule := map[string]Fee{}
	var keys []string
	for _, it := range items {
		key, f := "", c.Fee
		if vf, ok := c.VendorFees[it.Vendor]; ok {
			key, f = "vendor:"+it.Vendor, vf
		}
		if _, seen := base[key]; !seen {
			keys = append(keys, key)
			rule[key] = f
		}
		base[key] = base[key].Add(it.Paid)
	}
	fee := decimal.Zero
	for _, k := range keys {
		fee = fee.Add(rule[k].charge(base[k], currency))
	}
	return fee
}

func (c *Config) vendor(l oms.Line) string {
	if c.VendorOf != nil {
		return c.VendorOf(l)
	}
	return l.ProductGroup
}

// quote is the money of returning some units of an order, computed by the
// rules in the package documentation.
type quote struct {
	Items       []Item
	Value       decimal.Decimal
	Fee         decimal.Decimal
	DeliveryFee decimal.Decimal
	RefundDue   decimal.Decimal
	// Full is set when these units are the last delivered ones.
	Full bool
}

// price values items (already validated against the order) under c.
func (c *Config) price(o *oms.Order, req []ItemRequest) quote {
	var q quote
	after := make(map[int]int64, len(req))
	for _, r := range req {
		it := priceItem(o, r.Line, r.Quantity, c.vendor(o.Lines[r.Line]))
		q.Items = append(q.Items, it)
		q.Value = q.Value.Add(it.Paid)
		after[r.Line] += r.Quantity
	}
	q.Fee = c.feeFor(q.Items, o.Currency)
	q.Full = true
	var delivered int64
	for i, l := range o.Lines {
		delivered += l.Delivered
		if l.Returned+after[i] < l.Delivered {
			q.Full = false
		}
	}
	q.Full = q.Full && delivered > 0
	q.DeliveryFee = decimal.Zero
	if q.Full && c.RefundDeliveryFeeOnFullReturn {
		q.DeliveryFee = o.Totals.DeliveryFee
	}
	q.RefundDue = q.Value.Sub(q.Fee).Add(q.DeliveryFee)
	return q
}

// loyaltyTarget is how many of earned points are reversed once the lines
// have returned[i] units back: earned × returned value / goods value,
// rounded half away from zero. All units back reverses all points.
func loyaltyTarget(o *oms.Order, returned []int64, earned int64) int64 {
	goods, back := decimal.Zero, decimal.Zero
	all := true
	for i, l := range o.Lines {
		goods = goods.Add(paidUpTo(l, l.Quantity, o.Currency))
		back = back.Add(paidUpTo(l, returned[i], o.Currency))
		all = all && returned[i] >= l.Quantity
	}
	if all {
		return earned
	}
	if !goods.IsPositive() {
		return 0
	}
	return decimal.NewFromInt(earned).Mul(back).DivRound(goods, 0).IntPart()
}
