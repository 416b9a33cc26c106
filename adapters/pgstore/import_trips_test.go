package pgstore_test

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/azuvio/omnisales/channels"
	"github.com/azuvio/omnisales/channels/channelstest"
	"github.com/azuvio/omnisales/oms"
)

// TestImportRoundTrips measures the database round trips of a sync
// engine import on pgstore, per imported order, for orders of 1 and of 20
// lines, with the clients known (returning buyers) and new. It pins that
// an order's lines cost no round trip of their own (the count per order
// is the same for 1 and 20 lines), nor does creating its client, and the
// figure BENCHMARKS.md shows.
func TestImportRoundTrips(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, trips := tracedStore(t)
	reg := channels.NewRegistry()
	if err := reg.SetChannel(channels.Channel{ID: 3, Type: oms.ChannelWooCommerce, Name: "Web shop"}); err != nil {
		t.Fatal(err)
	}
	var skus []string
	for i := range 20 {
		sku := fmt.Sprintf("SKU-%02d", i)
		skus = append(skus, sku)
		if err := s.Products().Put(ctx, channels.Product{ID: "P-" + sku, SKU: sku}); err != nil {
			t.Fatal(err)
		}
	}
	svc, err := oms.NewService(s, oms.Config{Channels: reg})
	if err != nil {
		t.Fatal(err)
	}
	const perPage = 50
	measure := func(shopID string, lines int, buyers func(i int) string) float64 {
		t.Helper()
		if err := reg.SetShop(channels.Shop{ID: shopID, ChannelID: 3, Name: shopID, Payments: channels.PaymentMap{"cod": "cash"}}); err != nil {
			t.Fatal(err)
		}
		shop := channelstest.NewShop()
		for i := range 2 * perPage {
			shop.Add(channelstest.NewOrder(strconv.Itoa(i+1), "processing", buyers(i), skus[:lines]...))
		}
		e, err := channels.New(svc, reg, s, channels.Config{Connect: shop.Connect, Catalogue: s.Products(),
			Clients: s.Clients(), RetryWait: time.Microsecond, PageSize: perPage, NoSubscribe: true})
		if err != nil {
			t.Fatal(err)
		}
		before := trips.n.Load()
		run, err := e.ImportOrders(ctx, shopID)
		if err != nil || run.Imported != 2*perPage {
			t.Fatalf("run %+v, %v", run, err)
		}
		per := float64(trips.n.Load()-before) / float64(run.Imported)
		t.Logf("%s: %d orders of %d line(s): %.2f round trips per order", shopID, run.Imported, lines, per)
		return per
	}
	// Warm the statement cache and the clients the returning buyers use.
	measure("warm", 1, func(i int) string { return fmt.Sprintf("buyer%d@example.com", i%10) })
	known := func(i int) string { return fmt.Sprintf("buyer%d@example.com", i%10) }
	one := measure("ro1", 1, known)
	twenty := measure("ro20", 20, known)
	if one != twenty {
		t.Errorf("round trips per order: %.2f with 1 line, %.2f with 20: lines cost round trips of their own", one, twenty)
	}
	// 9 per order (and 0.08 per order for the run: cursor, failed records,
	// diary): sync state, existing order, client, the lines' products in
	// one query, Place (2), the move to the shop's status (2), sync state.
	if one > 9.1 {
		t.Errorf("%.2f round trips per imported order, want at most 9.1", one)
	}
	fresh := measure("new", 1, func(i int) string { return fmt.Sprintf("new%d@example.com", i) })
	if fresh != one {
		t.Errorf("a new client costs %.2f round trips per order more than a known one", fresh-one)
	}
}
