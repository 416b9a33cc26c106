package pricing

import (
	"context"
	"fmt"
	"testing"

	"github.com/shopspring/decimal"
)

// BenchmarkResolve prices a 20-line cart for a client in two groups on a
// channel, against 1,000 products that each have a standard, a channel, two
// group and (for every other product) a client price.
func BenchmarkResolve(b *testing.B) {
	m := &Memory{}
	var std, ch, g1, g2, cl []Entry
	for i := range 1000 {
		p := ProductID(fmt.Sprintf("P%04d", i))
		std = append(std, Entry{Product: p, Price: decimal.New(int64(10000+i), -2)})
		ch = append(ch, Entry{Product: p, Price: decimal.New(int64(9500+i), -2)})
		g1 = append(g1, Entry{Product: p, Price: decimal.New(int64(9000+i), -2)})
		g2 = append(g2, Entry{Product: p, Price: decimal.New(int64(8900+i), -2), MinQuantity: 5})
		if i%2 == 0 {
			cl = append(cl, Entry{Product: p, Price: decimal.New(int64(8500+i), -2)})
		}
	}
	for _, l := range []PriceList{
		{ID: "std", Tier: TierStandard, Currency: "RON", Entries: std},
		{ID: "portal", Tier: TierChannel, Channel: 2, Currency: "RON", Entries: ch},
		{ID: "vip", Tier: TierGroup, Group: "VIP", Currency: "RON", Entries: g1},
		{ID: "whs", Tier: TierGroup, Group: "WHS", Currency: "RON", Entries: g2},
		{ID: "acme", Tier: TierClient, Client: "acme", Currency: "RON", Entries: cl},
	} {
		if err := m.Put(l); err != nil {
			b.Fatal(err)
		}
	}
	cart := Cart{Client: "acme", Groups: []GroupID{"VIP", "WHS"}, Channel: 2, Currency: "RON", At: t0}
	for i := range 20 {
		cart.Lines = append(cart.Lines, Line{Product: ProductID(fmt.Sprintf("P%04d", i*37)), Quantity: int64(1 + i%7)})
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ResolveCart(ctx, m, cart); err != nil {
			b.Fatal(err)
		}
	}
}
