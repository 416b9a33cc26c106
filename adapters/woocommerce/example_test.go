package woocommerce_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/azuvio/omnisales/adapters/woocommerce"
	"github.com/azuvio/omnisales/adapters/woocommerce/woocommercetest"
)

// Pull every order page by page, then push a status back.
func Example() {
	srv := woocommercetest.New() // a fake site; use your shop's URL and REST keys instead
	defer srv.Close()
	sku := "MUG-1"
	srv.AddOrders(
		woocommercetest.Order{Status: "processing", Currency: "RON", Total: "29.35",
			LineItems: []woocommercetest.LineItem{{Name: "Mug", SKU: &sku, Quantity: 3, Total: "12.34", Price: "4.113333333333333"}}},
		woocommercetest.Order{Status: "on-hold", Currency: "RON", Total: "10.00"},
	)

	client, err := woocommerce.NewClient(srv.URL, srv.ConsumerKey, srv.ConsumerSecret, woocommerce.Config{HTTPClient: srv.HTTPClient()})
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	opts := &woocommerce.ListOrdersOptions{PerPage: 100, Order: woocommerce.Asc, OrderBy: woocommerce.OrderByID}
	err = client.Orders.Walk(ctx, opts, func(p woocommerce.OrdersPage) error {
		fmt.Printf("page %d of %d, %d orders in all\n", p.Response.Page, p.Response.TotalPages, p.Response.Total)
		for _, o := range p.Orders {
			fmt.Printf("order %d: %s, %s %s, %d lines\n", o.ID, o.Status, o.Total.StringFixed(2), o.Currency, len(o.LineItems))
			for _, l := range o.LineItems {
				fmt.Printf("  %s x%d at %s\n", l.SKU, l.Quantity, l.Price)
			}
		}
		return nil
	})
	if err != nil {
		fmt.Println(err)
		return
	}

	o, _, err := client.Orders.UpdateStatus(ctx, 1, "completed")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("order %d is now %s; pushes received: %d\n", o.ID, o.Status, srv.PutCount(1))
	// Output:
	// page 1 of 1, 2 orders in all
	// order 1: processing, 29.35 RON, 1 lines
	//   MUG-1 x3 at 4.113333333333333
	// order 2: on-hold, 10.00 RON, 0 lines
	// order 1 is now completed; pushes received: 1
}

// Push prices and stock in batches of at most 100; failures come back per product.
func ExampleProductsService_Batch() {
	srv := woocommercetest.New()
	defer srv.Close()
	mug := srv.AddProduct(woocommercetest.Product{Name: "Mug", SKU: "MUG-1", RegularPrice: "10.00"})

	client, _ := woocommerce.NewClient(srv.URL, srv.ConsumerKey, srv.ConsumerSecret, woocommerce.Config{HTTPClient: srv.HTTPClient()})
	res, err := client.Products.Batch(context.Background(), woocommerce.BatchRequest{
		Update: []woocommerce.ProductWrite{
			{ID: mug.ID, RegularPrice: woocommerce.Ptr(decimal.RequireFromString("12.50")), ManageStock: woocommerce.Ptr(true), StockQuantity: woocommerce.Ptr(int64(4))},
			{ID: 999, StockQuantity: woocommerce.Ptr(int64(1))},
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range res.Updated {
		fmt.Printf("updated %s: %s, stock %d (%s)\n", p.SKU, p.RegularPrice.Decimal.StringFixed(2), *p.StockQuantity, p.StockStatus)
	}
	for _, f := range res.Failed {
		fmt.Printf("failed %s id %d: %s\n", f.Op, f.ID, f.Err.Code)
	}
	// Output:
	// updated MUG-1: 12.50, stock 4 (instock)
	// failed update id 999: woocommerce_rest_product_invalid_id
}

// Receive order webhooks: signatures checked, pings answered, duplicates dropped.
func ExampleNewWebhookHandler() {
	srv := woocommercetest.New()
	defer srv.Close()
	order := srv.AddOrder(woocommercetest.Order{Status: "processing", Total: "5.00"})

	h := woocommerce.NewWebhookHandler("my-webhook-secret",
		func(_ context.Context, o woocommerce.Order, d woocommerce.WebhookDelivery) error {
			fmt.Printf("%s: order %d %s\n", d.Topic, o.ID, o.Status)
			return nil
		},
		woocommerce.WebhookOptions{OnRejected: func(_ context.Context, d woocommerce.WebhookDelivery, err error) {
			fmt.Println("refused:", err)
		}})
	target := httptest.NewServer(h) // mount h on your mux in a real program
	defer target.Close()

	ctx := context.Background()
	code, _ := srv.PingWebhook(ctx, target.URL, 1)
	fmt.Println("ping:", code)
	d := woocommercetest.Delivery{OrderID: order.ID, Secret: "my-webhook-secret", DeliveryID: "abc"}
	code, _ = srv.DeliverWebhook(ctx, target.URL, d)
	fmt.Println("delivery:", code)
	code, _ = srv.DeliverWebhook(ctx, target.URL, d) // redelivered: acknowledged, not processed again
	fmt.Println("duplicate:", code)
	d.Secret, d.DeliveryID = "guessed", "def"
	code, _ = srv.DeliverWebhook(ctx, target.URL, d)
	fmt.Println("forged:", code)
	st := h.Stats() // counted whatever the options: watch it on a dashboard
	fmt.Printf("stats: %d delivered, %d duplicate, %d bad signature; last refused: %v\n",
		st.Delivered, st.Duplicates, st.BadSignature, st.LastRefusal.Err)
	// Output:
	// ping: 200
	// order.updated: order 1 processing
	// delivery: 200
	// duplicate: 200
	// refused: woocommerce: webhook signature mismatch
	// forged: 401
	// stats: 1 delivered, 1 duplicate, 1 bad signature; last refused: woocommerce: webhook signature mismatch
}

// BenchmarkOrdersListAll fetches and decodes every page of orders from the
// fake on loopback: the fetch-only cost an import is compared against.
func BenchmarkOrdersListAll(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("orders=%d", n), func(b *testing.B) {
			srv := woocommercetest.NewServer(b)
			srv.GenerateOrders(n, woocommercetest.Generator{Seed: 1})
			client, err := woocommerce.NewClient(srv.URL, srv.ConsumerKey, srv.ConsumerSecret, woocommerce.Config{HTTPClient: srv.HTTPClient()})
			if err != nil {
				b.Fatal(err)
			}
			opts := &woocommerce.ListOrdersOptions{PerPage: woocommerce.MaxPerPage, Order: woocommerce.Asc, OrderBy: woocommerce.OrderByID}
			ctx := context.Background()
			for b.Loop() {
				all, err := client.Orders.ListAll(ctx, opts)
				if err != nil || len(all) != n {
					b.Fatalf("%d orders, %v", len(all), err)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "orders/s")
		})
	}
}
