package discount_test

import (
	"context"
	"fmt"
	"time"

	"github.com/azuvio/omnisales/discount"
	"github.com/azuvio/omnisales/pricing"
	"github.com/shopspring/decimal"
)

// A B2B client of the Wholesale group buys on the portal: tier pricing gives
// the group price, a trade discount for the group takes 10% off seating, and
// the voucher PROMO2026 takes 50 RON off the order, spread over the lines.
// The voucher use is redeemed before the order is placed; a second checkout
// that was discounted with the same single use is refused at Redeem and
// applied again without the voucher.
func Example() {
	ctx := context.Background()
	d := decimal.RequireFromString
	at := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

	// 1. Tier prices.
	prices, err := pricing.NewMemory(
		pricing.PriceList{ID: "catalogue", Tier: pricing.TierStandard, Currency: "RON", Entries: []pricing.Entry{
			{Product: "chair", Price: d("250")}, {Product: "desk", Price: d("900")}}},
		pricing.PriceList{ID: "wholesale", Tier: pricing.TierGroup, Group: "wholesale", Currency: "RON", Entries: []pricing.Entry{
			{Product: "chair", Price: d("210")}}},
	)
	if err != nil {
		panic(err)
	}
	priced, err := pricing.ResolveCart(ctx, prices, pricing.Cart{
		Client: "acme", Groups: []pricing.GroupID{"wholesale"}, Channel: 2, Currency: "RON", At: at,
		Lines: []pricing.Line{{Product: "chair", Quantity: 4}, {Product: "desk", Quantity: 1}},
	})
	if err != nil {
		panic(err)
	}

	// 2. Trade discounts and vouchers; the ledger counts voucher uses.
	ledger := &discount.Ledger{}
	engine, err := discount.NewEngine(discount.Config{Usage: ledger}, []discount.Rule{
		{ID: 1, Name: "Wholesale seating -10%", Kind: discount.Percent, Value: d("10"),
			ClientGroups: []discount.GroupID{"wholesale"}, ProductGroups: []discount.ProductGroupID{"seating"},
			Start: discount.Date{Year: 2026, Month: 3, Day: 1}, End: discount.Date{Year: 2026, Month: 3, Day: 31}},
		{ID: 2, Name: "Spring voucher", Kind: discount.Fixed, Value: d("50"), Currency: "RON",
			MinOrderValue: d("1000"), Voucher: "PROMO2026", TotalLimit: 100, PerClientLimit: 1},
	})
	if err != nil {
		panic(err)
	}
	groups := map[pricing.ProductID][]discount.ProductGroupID{"chair": {"seating"}, "desk": {"desks"}}
	cart := discount.Cart{Client: "acme", Groups: []discount.GroupID{"wholesale"}, Channel: 2,
		Currency: "RON", Voucher: "promo2026", At: at}
	for _, l := range priced.Lines {
		cart.Lines = append(cart.Lines, discount.Line{Product: discount.ProductID(l.Product),
			ProductGroups: groups[l.Product], Quantity: l.Quantity, UnitPrice: l.Unit})
	}
	res, err := engine.Apply(ctx, cart)
	if err != nil {
		panic(err)
	}
	// The same client checks out in another tab before either order is
	// placed: Apply only reads the usage, so this cart gets the voucher too.
	other, err := engine.Apply(ctx, cart)
	if err != nil {
		panic(err)
	}
	for _, l := range res.Lines {
		fmt.Printf("%-5s x%d  %7s → %7s  (-%s)\n", l.Product, l.Quantity, l.Total.StringFixed(2), l.TotalAfter.StringFixed(2), l.Discount.StringFixed(2))
	}
	fmt.Printf("subtotal %s, discount %s, total %s %s\n", res.Subtotal.StringFixed(2), res.Discount.StringFixed(2), res.Total.StringFixed(2), res.Currency)

	// 3. Redeem under the order's id before placing the order; place it only
	// if that succeeds (and Release the use if placing fails).
	res.SetOrder("SO-1001")
	if err := ledger.Redeem(ctx, *res.Redemption); err != nil {
		panic(err)
	}
	// … place SO-1001 with res.Lines and res.Log …
	for _, row := range res.Log {
		fmt.Printf("log %s rule %d %q %s: %s → %s saved %s voucher %q\n", row.Order, row.Rule, row.RuleName, row.Product,
			row.OriginalTotal.StringFixed(2), row.TotalAfter.StringFixed(2), row.Saved.StringFixed(2), row.Voucher)
	}

	// The client may use the voucher once: the other checkout cannot redeem
	// it, so it is not placed as it was; it is discounted again, without
	// the voucher, and the portal shows why.
	other.SetOrder("SO-1002")
	if err := ledger.Redeem(ctx, *other.Redemption); err != nil {
		fmt.Println("SO-1002:", err)
		if other, err = engine.Apply(ctx, cart); err != nil {
			panic(err)
		}
	}
	fmt.Println(other.VoucherRefused, "; total", other.Total.StringFixed(2))
	// Output:
	// chair x4   840.00 →  733.17  (-106.83)
	// desk  x1   900.00 →  872.83  (-27.17)
	// subtotal 1740.00, discount 134.00, total 1606.00 RON
	// log SO-1001 rule 1 "Wholesale seating -10%" chair: 840.00 → 756.00 saved 84.00 voucher ""
	// log SO-1001 rule 2 "Spring voucher" chair: 756.00 → 733.17 saved 22.83 voucher "PROMO2026"
	// log SO-1001 rule 2 "Spring voucher" desk: 900.00 → 872.83 saved 27.17 voucher "PROMO2026"
	// SO-1002: discount: voucher "PROMO2026": usage exhausted
	// discount: voucher "promo2026": usage exhausted ; total 1656.00
}

// The channel sync pushes sale prices to a web shop: only automatic,
// product-scoped rules open to everyone count.
func ExampleEngine_SalePrices() {
	d := decimal.RequireFromString
	engine, err := discount.NewEngine(discount.Config{}, []discount.Rule{
		{ID: 1, Name: "Garden week", Kind: discount.Percent, Value: d("20"), ProductGroups: []discount.ProductGroupID{"garden"},
			Start: discount.Date{Year: 2026, Month: 5, Day: 4}, End: discount.Date{Year: 2026, Month: 5, Day: 10}},
		{ID: 2, Name: "VIP mowers", Kind: discount.Percent, Value: d("30"), Products: []discount.ProductID{"mower"},
			ClientGroups: []discount.GroupID{"VIP"}},
	})
	if err != nil {
		panic(err)
	}
	sales, err := engine.SalePrices(3, "shop-1", "RON", time.Date(2026, 5, 6, 9, 0, 0, 0, time.UTC), []discount.CatalogItem{
		{Product: "mower", Groups: []discount.ProductGroupID{"garden"}, Price: d("1299.90")},
		{Product: "drill", Groups: []discount.ProductGroupID{"tools"}, Price: d("349")},
	})
	if err != nil {
		panic(err)
	}
	for _, s := range sales {
		fmt.Printf("%s: %s → %s from %s to %s (rules %v)\n", s.Product, s.Regular.StringFixed(2), s.Sale.StringFixed(2), s.From, s.To, s.Rules)
	}
	// Output:
	// mower: 1299.90 → 1039.92 from 2026-05-04 to 2026-05-10 (rules [1])
}

// The weekly routine lists the rules that end within the next seven days.
func ExampleEngine_ExpiringWithin() {
	d := decimal.RequireFromString
	engine, err := discount.NewEngine(discount.Config{}, []discount.Rule{
		{ID: 1, Name: "Spring", Kind: discount.Percent, Value: d("10"), End: discount.Date{Year: 2026, Month: 3, Day: 20}},
		{ID: 2, Name: "Clearance", Kind: discount.Percent, Value: d("40"), End: discount.Date{Year: 2026, Month: 3, Day: 12}},
		{ID: 3, Name: "Always", Kind: discount.Percent, Value: d("5")},
	})
	if err != nil {
		panic(err)
	}
	for _, r := range engine.ExpiringWithin(time.Date(2026, 3, 10, 8, 0, 0, 0, time.UTC), 7) {
		fmt.Println(r.ID, r.Name, "ends", r.End)
	}
	// Output:
	// 2 Clearance ends 2026-03-12
}
