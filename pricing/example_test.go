package pricing_test

import (
	"context"
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
