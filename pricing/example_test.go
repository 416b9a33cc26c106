package pricing_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/azuvio/omnisales/pricing"
	"github.com/shopspring/decimal"
)

// A B2B client in the Wholesale group buys on the portal: the group price
// beats the channel and standard prices, and the trace says why.
func ExampleResolveCart() {
	d := decimal.RequireFromString
	src, err := pricing.NewMemory(
		pricing.PriceList{ID: "catalogue", Tier: pricing.TierStandard, Currency: "RON", Entries: []pricing.Entry{
			{Product: "chair", Price: d("250")}, {Product: "desk", Price: d("900")}}},
		pricing.PriceList{ID: "portal", Tier: pricing.TierChannel, Channel: 2, Currency: "RON", Entries: []pricing.Entry{
			{Product: "chair", Price: d("240")}}},
		pricing.PriceList{ID: "wholesale", Tier: pricing.TierGroup, Group: "wholesale", Currency: "RON", Entries: []pricing.Entry{
			{Product: "chair", Price: d("210")},
			{Product: "chair", Price: d("199.99"), MinQuantity: 10}}},
	)
	if err != nil {
		panic(err)
	}
	cart, err := pricing.ResolveCart(context.Background(), src, pricing.Cart{
		Client: "acme", Groups: []pricing.GroupID{"wholesale"}, Channel: 2, Currency: "RON",
		At:    time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC),
		Lines: []pricing.Line{{Product: "chair", Quantity: 4}, {Product: "desk", Quantity: 1}},
	})
	if err != nil {
		panic(err)
	}
	for _, l := range cart.Lines {
		fmt.Printf("%s x%d at %s (%s tier, list %s) = %s\n", l.Product, l.Quantity, l.Unit.StringFixed(2), l.Tier, l.Offer.List, l.Total.StringFixed(2))
		for _, p := range l.Passed {
			fmt.Printf("  passed over %s %s: %s\n", p.Offer.List, p.Offer.Price.StringFixed(2), p.Reason)
		}
	}
	fmt.Println("subtotal", cart.Subtotal.StringFixed(2), cart.Currency)
	// Output:
	// chair x4 at 210.00 (group tier, list wholesale) = 840.00
	//   passed over wholesale 199.99: below minimum quantity
	//   passed over portal 240.00: lower tier
	//   passed over catalogue 250.00: lower tier
	// desk x1 at 900.00 (standard tier, list catalogue) = 900.00
	// subtotal 1740.00 RON
}

// A quantity break: from 10 units the group's lower price applies.
func ExampleResolve() {
	d := decimal.RequireFromString
	src, err := pricing.NewMemory(pricing.PriceList{ID: "vip", Tier: pricing.TierGroup, Group: "VIP", Currency: "EUR",
		Entries: []pricing.Entry{{Product: "paper", Price: d("4.20")}, {Product: "paper", Price: d("3.90"), MinQuantity: 10}}})
	if err != nil {
		panic(err)
	}
	for _, qty := range []int64{9, 10} {
		p, err := pricing.Resolve(context.Background(), src, pricing.Request{Product: "paper", Groups: []pricing.GroupID{"VIP"},
			Currency: "EUR", Quantity: qty, At: time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)})
		if err != nil {
			panic(err)
		}
		fmt.Println(qty, p.Unit.StringFixed(2), p.Tier)
	}
	_, err = pricing.Resolve(context.Background(), src, pricing.Request{Product: "paper", Currency: "RON", Quantity: 1,
		At: time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)})
	var np *pricing.NoPriceError
	fmt.Println(errors.As(err, &np), err)
	// Output:
	// 9 4.20 group
	// 10 3.90 group
	// true pricing: no price for product "paper" in RON (0 candidates passed over)
}
