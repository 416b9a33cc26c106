package pgstore_test

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/azuvio/omnisales/adapters/pgstore"
	"github.com/azuvio/omnisales/channels"
	"github.com/azuvio/omnisales/channels/channelstest"
	"github.com/azuvio/omnisales/oms"
)

// End to end: channels.Engine imports a fake shop's orders into the order
// core, one pgstore being both its oms.Store and its channels.Store. A
// second Store on the same database stands for a second process.
func TestChannelsEngineOnPostgres(t *testing.T) {
	t.Parallel()
	s1, dsn := storeAndDSN(t)
	s2 := open(t, dsn, pgstore.Config{})
	ctx := context.Background()
	reg := channels.NewRegistry()
	if err := reg.SetChannel(channels.Channel{ID: 3, Type: oms.ChannelWooCommerce, Name: "Web shop"}); err != nil {
		t.Fatal(err)
	}
	if err := reg.SetShop(channels.Shop{ID: "ro", ChannelID: 3, Name: "Romania", Payments: channels.PaymentMap{"cod": "cash"}}); err != nil {
		t.Fatal(err)
	}
	shop := channelstest.NewShop()
	cat := channelstest.NewCatalogue(channels.Product{SKU: "A", Name: "Apple"}, channels.Product{SKU: "B", Name: "Bread"})
	clients := channelstest.NewClients()
	engine := func(s *pgstore.Store) *channels.Engine {
		t.Helper()
		svc, err := oms.NewService(s, oms.Config{Channels: reg})
		if err != nil {
			t.Fatal(err)
		}
		e, err := channels.New(svc, reg, s, channels.Config{Connect: shop.Connect, Catalogue: cat, Clients: clients,
			RetryWait: time.Microsecond, PageSize: 3, NoSubscribe: true})
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	// countOrders fails the test on a duplicate import.
	countOrders := func() int {
		t.Helper()
		seen := map[string]bool{}
		page, err := s1.List(ctx, oms.Filter{Store: "ro"}, oms.Page{Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range page.Orders {
			if seen[o.ExternalID] {
				t.Fatalf("external id %s imported twice", o.ExternalID)
			}
			seen[o.ExternalID] = true
		}
		return len(seen)
	}
	add := func(from, to int) {
		for i := from; i <= to; i++ {
			id := strconv.Itoa(i)
			sku := "A"
			if i == 5 {
				sku = "Z" // not in the catalogue
			}
			shop.Add(channelstest.NewOrder(id, "processing", "buyer"+id+"@example.com", sku, "B"))
		}
	}

	add(1, 7)
	e1 := engine(s1)
	r, err := e1.ImportOrders(ctx, "ro")
	if err != nil || r.Imported != 6 || r.Failed != 1 || r.Done != 7 {
		t.Fatalf("first import: %+v, %v", r, err)
	}
	if n := countOrders(); n != 6 {
		t.Fatalf("%d orders, want 6", n)
	}
	// The diary shows the failure, with the order kept for RetryFailed.
	fails, err := e1.Records(ctx, channels.RecordFilter{Shop: "ro", Outcome: channels.OutcomeFailed})
	if err != nil || len(fails) != 1 || fails[0].Key != "5" || fails[0].Kind != channels.KindSKUNotFound || fails[0].RunID != r.ID {
		t.Fatalf("failed records: %+v, %v", fails, err)
	}
	failed, err := e1.Failed(ctx, "ro")
	if err != nil || len(failed) != 1 || failed[0].Order == nil || failed[0].Order.Lines[0].SKU != "Z" {
		t.Fatalf("failures: %+v, %v", failed, err)
	}
	sum, err := e1.Summary(ctx, time.Now().Add(time.Minute))
	if err != nil || len(sum) != 1 || sum[0].Day.Imported != 6 || sum[0].Day.Errors != 1 ||
		sum[0].Day.ByKind[channels.KindSKUNotFound] != 1 || sum[0].OpenFailures != 1 {
		t.Fatalf("summary: %+v, %v", sum, err)
	}
	cursor, err := s1.SyncCursor(ctx, "ro", channels.JobOrders)
	if err != nil || cursor == "" {
		t.Fatalf("cursor %q, %v", cursor, err)
	}

	// A new engine in another process resumes from the stored cursor:
	// nothing to list, then only what changed.
	e2 := engine(s2)
	if r, err := e2.ImportOrders(ctx, "ro"); err != nil || r.Total != 0 || r.Done != 0 {
		t.Fatalf("resumed import: %+v, %v", r, err)
	}
	shop.SetStatus("2", "on-hold")
	if r, err := e2.ImportOrders(ctx, "ro"); err != nil || r.Total != 1 || r.Updated != 1 {
		t.Fatalf("import of a change: %+v, %v", r, err)
	}

	// Re-import everything from the start on both processes at once, with
	// three new orders: whichever run lists them first places them, a run
	// that starts later resumes from the cursor the other moved. Every
	// order exists once.
	add(8, 10)
	if err := s1.SetSyncCursor(ctx, "ro", channels.JobOrders, ""); err != nil {
		t.Fatal(err)
	}
	var runs [2]channels.Run
	var errs [2]error
	var wg sync.WaitGroup
	for i, e := range []*channels.Engine{e1, e2} {
		wg.Go(func() { runs[i], errs[i] = e.ImportOrders(ctx, "ro") })
	}
	wg.Wait()
	for i := range runs {
		if errs[i] != nil || runs[i].Failed > 1 {
			t.Fatalf("concurrent import %d: %+v, %v", i, runs[i], errs[i])
		}
	}
	if imported := runs[0].Imported + runs[1].Imported; imported != 3 {
		t.Fatalf("racing imports placed %d orders, want 3: %+v", imported, runs)
	}
	// Both processes receive the same webhook for each new order at once:
	// the unique (channel, store, external id) index lets one place it.
	var recs [2][3]channels.Record
	for i := range 3 {
		x := channelstest.NewOrder(strconv.Itoa(11+i), "processing", "hook@example.com", "A")
		x.Created, x.Modified = channelstest.Epoch, channelstest.Epoch
		for j, e := range []*channels.Engine{e1, e2} {
			wg.Go(func() {
				var err error
				if recs[j][i], err = e.ImportOrder(ctx, "ro", x); err != nil {
					t.Error(err)
				}
			})
		}
	}
	wg.Wait()
	for i := range 3 {
		a, b := recs[0][i].Outcome, recs[1][i].Outcome
		if (a == channels.OutcomeImported) == (b == channels.OutcomeImported) || recs[0][i].OrderID != recs[1][i].OrderID {
			t.Fatalf("webhook race on order %d: %+v and %+v", 11+i, recs[0][i], recs[1][i])
		}
	}
	if n := countOrders(); n != 12 {
		t.Fatalf("%d orders, want 12", n)
	}

	// The product appears: the retry imports the failed order and clears it.
	cat.Add(channels.Product{SKU: "Z", Name: "Zucchini"})
	if _, err := e2.RetryFailed(ctx, "ro"); err != nil {
		t.Fatal(err)
	}
	if failed, err := e1.Failed(ctx, "ro"); err != nil || len(failed) != 0 {
		t.Fatalf("failures after the retry: %+v, %v", failed, err)
	}
	if n := countOrders(); n != 13 {
		t.Fatalf("%d orders, want 13", n)
	}
}
