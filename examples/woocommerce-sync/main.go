// Command woocommerce-sync imports a WooCommerce store's orders into the
// order core and pushes a status change back, against a fake WooCommerce
// site on loopback (adapters/woocommerce/woocommercetest), so it runs with
// no store and no network:
//
//	go run ./examples/woocommerce-sync
//
// The fake holds a few hundred orders, some with unknown SKUs, invalid
// emails or a plugin status the shop's mapping does not know; it also
// fails some requests. The run shows a live progress line, the failures in
// the sync diary, a retry after the operator fixes a product, a status
// pushed back to the site, and the morning check over the last 24 hours
// and the last 7 days.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"time"

	"github.com/azuvio/omnisales/adapters/memstore"
	"github.com/azuvio/omnisales/adapters/woocommerce"
	"github.com/azuvio/omnisales/adapters/woocommerce/woocommercetest"
	"github.com/azuvio/omnisales/channels"
	"github.com/azuvio/omnisales/oms"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "woocommerce-sync:", err)
		os.Exit(1)
	}
}

// run tells the story on w.
func run(ctx context.Context, w io.Writer) error {
	// The site: 300 good orders, 12 with a SKU the CRM lacks, 8 with
	// invalid emails, 5 in a plugin status ("wc-awaiting-pickup").
	site := woocommercetest.New(woocommercetest.WithStatuses("wc-awaiting-pickup"))
	defer site.Close()
	statuses := []string{"pending", "processing", "on-hold", "processing"}
	site.GenerateOrders(300, woocommercetest.Generator{Seed: 1, Statuses: statuses, Currency: "RON"})
	site.GenerateOrders(12, woocommercetest.Generator{Seed: 2, Statuses: statuses, Currency: "RON", SKUs: []string{"LAMP-NEW"}})
	bad := woocommercetest.MakeOrders(8, woocommercetest.Generator{Seed: 3, Statuses: statuses, Currency: "RON"})
	for i := range bad {
		bad[i].Billing.Email = "client" + strconv.Itoa(i) + "-at-example.ro"
	}
	site.AddOrders(bad...)
	site.GenerateOrders(5, woocommercetest.Generator{Seed: 4, Statuses: []string{"wc-awaiting-pickup"}, Currency: "RON"})
	site.SetFaultRates(&woocommercetest.FaultRates{Seed: 9, ServerError: 0.1, RateLimit: 0.05})

	// Our side: one WooCommerce channel with one shop.
	reg := channels.NewRegistry()
	if err := reg.SetChannel(channels.Channel{ID: 3, Type: oms.ChannelWooCommerce, Name: "Web shop"}); err != nil {
		return err
	}
	if err := reg.SetShop(channels.Shop{ID: "ro", ChannelID: 3, Name: "magazin.example.ro", URL: site.URL,
		Schedule: channels.Schedule{Orders: 15 * time.Minute},
		Payments: channels.PaymentMap{"bacs": "bank transfer", "cod": "cash", "stripe": "card"}}); err != nil {
		return err
	}
	store := memstore.New()
	svc, err := oms.NewService(store, oms.Config{Channels: reg, Lease: 50 * time.Millisecond})
	if err != nil {
		return err
	}
	client, err := woocommerce.NewClient(site.URL, site.ConsumerKey, site.ConsumerSecret, woocommerce.Config{
		HTTPClient: site.HTTPClient(), RetryWaitMin: 5 * time.Millisecond, RetryWaitMax: 50 * time.Millisecond,
	})
	if err != nil {
		return err
	}
	shop := woocommerce.NewShop(client, woocommerce.ShopConfig{Now: site.Now})
	// The CRM's products and clients: memstore's reference tables (on
	// PostgreSQL, pgstore's Store.Products and Store.Clients).
	catalogue, clients := memstore.NewProducts(), memstore.NewClients()
	for i := 1; i <= 20; i++ {
		if err := catalogue.Put(ctx, channels.Product{ID: "P" + strconv.Itoa(i), SKU: "SKU-" + strconv.Itoa(i)}); err != nil {
			return err
		}
	}
	// The engine's clock starts three days back, for the night's import;
	// it is today from step 2 on, so the morning check has both windows.
	ago := 72 * time.Hour
	engine, err := channels.New(svc, reg, store, channels.Config{
		Clock:     func() time.Time { return time.Now().Add(-ago) },
		Connect:   func(ctx context.Context, s channels.Shop) (channels.Connector, error) { return shop.Connector(), nil },
		Catalogue: catalogue, Clients: clients, RetryWait: 10 * time.Millisecond,
		Progress: func(p channels.Progress) {
			// A live line on a terminal: redrawn in place every 20 records.
			if p.Done%20 == 0 || p.Done == p.Total {
				fmt.Fprintf(w, "\r   %s %s: %d/%d records, %d errors, %s", p.Shop, p.Job, p.Done, p.Total, p.Errors, p.Elapsed.Round(time.Millisecond))
			}
		},
	})
	if err != nil {
		return err
	}

	fmt.Fprintln(w, "1. Three nights ago: import the shop's orders (the site fails 15% of requests; the client retries)")
	r, err := engine.ImportOrders(ctx, "ro")
	fmt.Fprintln(w)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "   run %d: %d read, %d imported, %d failed in %s\n", r.ID, r.Done, r.Imported, r.Failed, r.Duration().Round(time.Millisecond))
	if err := printFailures(ctx, w, engine); err != nil {
		return err
	}

	ago = 0
	fmt.Fprintln(w, "\n2. Today: the operator creates product LAMP-NEW in the CRM and retries the failed records")
	if err := catalogue.Put(ctx, channels.Product{ID: "P-LAMP", SKU: "LAMP-NEW"}); err != nil {
		return err
	}
	runs, err := engine.RetryFailed(ctx, "ro")
	fmt.Fprintln(w)
	if err != nil {
		return err
	}
	for _, r := range runs {
		fmt.Fprintf(w, "   retry run %d: %d imported, %d still failing\n", r.ID, r.Imported, r.Failed)
	}

	fmt.Fprintln(w, "\n3. An operator cancels an imported order; the status goes back to the site")
	page, err := svc.List(ctx, oms.Staff("ana", oms.RoleOperator), oms.Filter{Statuses: []oms.Status{oms.Processing}}, oms.Page{Limit: 1})
	if err != nil || len(page.Orders) == 0 {
		return fmt.Errorf("no processing order to cancel: %v", err)
	}
	o, err := svc.Cancel(ctx, oms.Staff("ana", oms.RoleOperator), page.Orders[0].ID, "client called")
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "   order %s (WooCommerce #%s) is now %s\n", o.Number, o.ExternalID, o.Status.Label())
	site.SetFaultRates(nil)
	for range 20 { // events whose push failed come back when their lease ends
		if _, err := svc.Events().Drain(ctx); err == nil {
			break
		}
		time.Sleep(60 * time.Millisecond)
	}
	id, _ := strconv.ParseInt(o.ExternalID, 10, 64)
	fmt.Fprintf(w, "   the site now shows #%s as %q (pushes received: %v)\n", o.ExternalID, site.OrderStatus(id), site.StatusPushes(id))

	fmt.Fprintln(w, "\n4. Morning check (diary_sync)")
	sum, err := engine.Summary(ctx, time.Now())
	if err != nil {
		return err
	}
	for _, s := range sum {
		fmt.Fprintf(w, "   shop %s, open failures %d\n", s.Shop, s.OpenFailures)
		printTally(w, "last 24 h", s.Day)
		printTally(w, "last 7 days", s.Week)
	}
	return nil
}

func printFailures(ctx context.Context, w io.Writer, engine *channels.Engine) error {
	failed, err := engine.Failed(ctx, "ro")
	if err != nil {
		return err
	}
	byKind := map[channels.Kind][]string{}
	for _, f := range failed {
		byKind[f.Kind] = append(byKind[f.Kind], "#"+f.Key)
	}
	for _, k := range channels.Kinds() {
		if ids := byKind[k]; len(ids) > 0 {
			if len(ids) > 5 {
				ids = append(ids[:5], "…")
			}
			fmt.Fprintf(w, "   diary: %-28s %2d  %v\n", k, len(byKind[k]), ids)
		}
	}
	return nil
}

func printTally(w io.Writer, window string, t channels.Tally) {
	fmt.Fprintf(w, "   %-11s  %d runs, %d imported, %d updated, %d pushed, %d errors\n",
		window+":", t.Runs, t.Imported, t.Updated, t.Pushed, t.Errors)
	kinds := make([]string, 0, len(t.ByKind))
	for k, n := range t.ByKind {
		kinds = append(kinds, fmt.Sprintf("%s: %d", k, n))
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		fmt.Fprintln(w, "     ", k)
	}
}
