package channels_test

import (
	"context"
	"fmt"
	"time"

	"github.com/azuvio/omnisales/adapters/memstore"
	"github.com/azuvio/omnisales/channels"
	"github.com/azuvio/omnisales/channels/channelstest"
	"github.com/azuvio/omnisales/oms"
)

// A WooCommerce channel with one shop: import the night's orders, see the
// failures in the diary, fix one and retry, push an operator's change back
// to the shop, and read the morning check.
func Example() {
	ctx := context.Background()
	reg := channels.NewRegistry()
	reg.SetChannel(channels.Channel{ID: 3, Type: oms.ChannelWooCommerce, Name: "Web shop"})
	statuses := channels.DefaultStatusMap()
	statuses.Add("shipped", oms.Shipping) // a plugin status
	reg.SetShop(channels.Shop{ID: "ro", ChannelID: 3, Name: "shop.example.ro", Credentials: "env:WC_RO",
		Schedule: channels.Schedule{Orders: 15 * time.Minute, Stock: time.Hour},
		Statuses: statuses, Payments: channels.PaymentMap{"cod": "cash", "bacs": "bank transfer"}})

	store := memstore.New()
	svc, _ := oms.NewService(store, oms.Config{Channels: reg})
	shop := channelstest.NewShop() // stands in for the WooCommerce adapter
	shop.Add(
		channelstest.NewOrder("1001", "processing", "ana@example.com", "APPLE"),
		channelstest.NewOrder("1002", "on-hold", "bob@example.com", "APPLE", "BREAD"),
		channelstest.NewOrder("1003", "processing", "cy@example.com", "CAKE"),
		channelstest.NewOrder("1004", "wc-custom", "dan@example.com", "APPLE"),
	)
	catalogue := channelstest.NewCatalogue(channels.Product{SKU: "APPLE"}, channels.Product{SKU: "BREAD"})
	eng, _ := channels.New(svc, reg, store, channels.Config{
		Connect: shop.Connect, Catalogue: catalogue, Clients: channelstest.NewClients(),
	})

	run, _ := eng.ImportOrders(ctx, "ro")
	fmt.Printf("imported %d, failed %d of %d\n", run.Imported, run.Failed, run.Total)
	failed, _ := eng.Failed(ctx, "ro")
	for _, f := range failed {
		fmt.Printf("  %s: %s\n", f.Key, f.Kind)
	}

	catalogue.Add(channels.Product{SKU: "CAKE"}) // the operator creates the product
	runs, _ := eng.RetryFailed(ctx, "ro")
	fmt.Printf("retry: imported %d, still failed %d\n", runs[0].Imported, runs[0].Failed)

	o, _ := store.GetByExternal(ctx, oms.ExternalKey{Channel: oms.ChannelRef{Type: oms.ChannelWooCommerce, ID: 3}, Store: "ro", ExternalID: "1001"})
	fmt.Println("1001 is", o.Status)
	svc.Cancel(ctx, oms.Staff("ana", oms.RoleOperator), o.ID, "the client called")
	svc.Events().Drain(ctx) // the status push runs from the core's events
	for _, p := range shop.Pushes() {
		fmt.Printf("pushed %s → %q\n", p.ExternalID, p.Status)
	}

	sum, _ := eng.Summary(ctx, time.Now().Add(time.Minute))
	for _, s := range sum {
		fmt.Printf("morning check %s: 24h imported %d, errors %d, open %d\n", s.Shop, s.Day.Imported, s.Day.Errors, s.OpenFailures)
	}
	// Output:
	// imported 2, failed 2 of 4
	//   1003: product SKU not found
	//   1004: status not mapped
	// retry: imported 1, still failed 1
	// 1001 is Processing
	// pushed 1001 → "cancelled"
	// morning check ro: 24h imported 3, errors 3, open 1
}

// The WooCommerce defaults, and a plugin status added both ways.
func ExampleDefaultStatusMap() {
	m := channels.DefaultStatusMap()
	m.Add("shipped", oms.Shipping)
	for _, shop := range []string{"pending", "processing", "completed", "shipped", "wc-custom"} {
		s, ok := m.Inbound(shop)
		fmt.Printf("%-11s → %v %v\n", shop, s.Label(), ok)
	}
	out, ok := m.Outbound(oms.Confirmed)
	fmt.Printf("Confirmed pushed as %q: %v\n", out, ok)
	// Output:
	// pending     → Pending Payment (2) true
	// processing  → Processing (1) true
	// completed   → Delivered (5) true
	// shipped     → Shipping (4) true
	// wc-custom   → Draft (0) false
	// Confirmed pushed as "": false
}

// The registry is the core's channel policy: ids are data.
func ExampleRegistry_ChannelSettings() {
	reg := channels.NewRegistry()
	reg.SetChannel(channels.Channel{ID: 12, Type: oms.ChannelPortal, Name: "B2B portal",
		Settings: channels.Settings{AutoConfirm: true, PaymentModes: []string{"bank transfer"}}})
	set, err := reg.ChannelSettings(context.Background(), oms.ChannelRef{Type: oms.ChannelPortal, ID: 12})
	fmt.Println(set.AutoConfirm, err)
	_, err = reg.ChannelSettings(context.Background(), oms.ChannelRef{Type: oms.ChannelPortal, ID: 2})
	fmt.Println(err)
	// Output:
	// true <nil>
	// channels: invalid channel: portal/2 is not configured
}

// Progress for a live line: records done of total and errors so far.
func ExampleConfig_progress() {
	ctx := context.Background()
	reg := channels.NewRegistry()
	reg.SetChannel(channels.Channel{ID: 3, Type: oms.ChannelWooCommerce, Name: "Web shop"})
	reg.SetShop(channels.Shop{ID: "ro", ChannelID: 3, Statuses: channels.DefaultStatusMap(), Payments: channels.PaymentMap{"cod": "cash"}})
	store := memstore.New()
	svc, _ := oms.NewService(store, oms.Config{Channels: reg})
	shop := channelstest.NewShop()
	for i := range 4 {
		shop.Add(channelstest.NewOrder(fmt.Sprint(i), "processing", "x@example.com", []string{"A", "B"}[i%2]))
	}
	eng, _ := channels.New(svc, reg, store, channels.Config{
		Connect: shop.Connect, Catalogue: channelstest.NewCatalogue(channels.Product{SKU: "A"}), Clients: channelstest.NewClients(),
		Progress: func(p channels.Progress) {
			fmt.Printf("%s %s: %d/%d, %d errors\n", p.Shop, p.Job, p.Done, p.Total, p.Errors)
		},
	})
	eng.ImportOrders(ctx, "ro")
	// Output:
	// ro orders: 1/4, 0 errors
	// ro orders: 2/4, 1 errors
	// ro orders: 3/4, 1 errors
	// ro orders: 4/4, 2 errors
}

// A cron job calls Run: one pass over the jobs that are due, then it
// returns (a long-running worker calls Serve instead).
func ExampleEngine_Run() {
	ctx := context.Background()
	reg := channels.NewRegistry()
	reg.SetChannel(channels.Channel{ID: 3, Type: oms.ChannelWooCommerce, Name: "Web shop"})
	reg.SetShop(channels.Shop{ID: "ro", ChannelID: 3, Statuses: channels.DefaultStatusMap(), Payments: channels.PaymentMap{"cod": "cash"},
		Schedule: channels.Schedule{Orders: 15 * time.Minute, Stock: time.Hour}})
	store := memstore.New()
	svc, _ := oms.NewService(store, oms.Config{Channels: reg})
	shop := channelstest.NewShop()
	shop.Add(channelstest.NewOrder("1", "processing", "x@example.com", "A"))
	eng, _ := channels.New(svc, reg, store, channels.Config{
		Connect: shop.Connect, Catalogue: channelstest.NewCatalogue(channels.Product{SKU: "A"}), Clients: channelstest.NewClients(),
	})
	for pass := 1; pass <= 2; pass++ {
		runs, err := eng.Run(ctx)
		fmt.Printf("pass %d: %d jobs ran, err %v\n", pass, len(runs), err)
		for _, r := range runs {
			fmt.Printf("  %s: %d imported\n", r.Job, r.Imported)
		}
	}
	// Output:
	// pass 1: 2 jobs ran, err <nil>
	//   orders: 1 imported
	//   stock: 0 imported
	// pass 2: 0 jobs ran, err <nil>
}
