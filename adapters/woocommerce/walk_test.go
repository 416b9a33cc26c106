package woocommerce_test

import (
	"context"
	"math/rand/v2"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/azuvio/omnisales/adapters/woocommerce"
	"github.com/azuvio/omnisales/adapters/woocommerce/woocommercetest"
	"github.com/azuvio/omnisales/channels"
	"github.com/azuvio/omnisales/oms"
)

// An order moved to the trash while the engine walks the pages leaves the
// listing and moves every later order one place up: read by page number,
// the order that slid from page 2 onto page 1 would never be imported
// (nothing modifies it again, and the next walk only looks at recent
// changes). The walk reads by offset and checks the page boundary, so one
// import takes every order.
func TestSyncTrashMidWalkSkipsNothing(t *testing.T) {
	t.Parallel()
	fake := woocommercetest.NewServer(t, woocommercetest.WithClock(time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)))
	orders := fake.GenerateOrders(25, woocommercetest.Generator{Seed: 3, Statuses: []string{"processing"}})
	// The second listing request finds order 3 in the trash.
	fake.InjectFault(woocommercetest.Fault{Method: http.MethodGet, Path: "/orders", Skip: 1, Before: func(s *woocommercetest.Server) {
		s.SetOrderStatus(orders[2].ID, "trash")
	}})
	r := newSyncRigShop(t, fake, woocommerce.ShopConfig{Now: fake.Now}, func(_ *woocommerce.Config, e *channels.Config) { e.PageSize = 10 })
	for range 2 {
		run, err := r.engine.ImportOrders(context.Background(), "ro")
		if err != nil || run.Failed != 0 {
			t.Fatalf("import: %+v, %v", run, err)
		}
	}
	for _, o := range orders {
		if _, err := r.store.GetByExternal(context.Background(), oms.ExternalKey{Channel: wooChannel, Store: "ro", ExternalID: strconv.FormatInt(o.ID, 10)}); err != nil {
			t.Errorf("order %d was never imported: %v", o.ID, err)
		}
	}
	recs, err := r.engine.Records(context.Background(), channels.RecordFilter{Outcome: channels.OutcomeImported})
	if err != nil || len(recs) != 25 {
		t.Fatalf("%d imported records, want 25 (each order once): %v", len(recs), err)
	}
}

// Whatever the shop does between page reads (orders trashed, deleted,
// restored, modified or added, many at once), a walk returns every order
// that was in the listing when it began or was added during it, unless it
// left the listing at some point (a trashed order brought back is
// modified, so the next walk reads it), and returns none twice.
func TestListOrdersWalkUnderRemovals(t *testing.T) {
	t.Parallel()
	for seed := range uint64(20) {
		rng := rand.New(rand.NewPCG(seed, 1))
		fake := woocommercetest.NewServer(t, woocommercetest.WithClock(time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)))
		fake.GenerateOrders(20+rng.IntN(60), woocommercetest.Generator{Seed: seed})
		removed := map[int64]bool{}
		fake.InjectFault(woocommercetest.Fault{Method: http.MethodGet, Path: "/orders", Times: 1000, Before: func(s *woocommercetest.Server) {
			ids := s.OrderIDs()
			for range rng.IntN(4) * rng.IntN(4) {
				id := ids[rng.IntN(len(ids))]
				switch rng.IntN(4) {
				case 0:
					s.SetOrderStatus(id, "trash")
					removed[id] = true
				case 1:
					s.DeleteOrder(id)
					removed[id] = true
				case 2:
					s.SetOrderStatus(id, "completed") // modified: stays (or comes back from the trash)
				case 3:
					s.AddOrder(woocommercetest.Order{Status: "processing"})
				}
			}
		}})
		cfg := fastConfig()
		cfg.HTTPClient = fake.HTTPClient()
		client, err := woocommerce.NewClient(fake.URL, fake.ConsumerKey, fake.ConsumerSecret, cfg)
		if err != nil {
			t.Fatal(err)
		}
		shop := woocommerce.NewShop(client, woocommerce.ShopConfig{Now: fake.Now})
		seen := map[string]int{}
		cur := ""
		for n := 0; ; n++ {
			if n > 200 {
				t.Fatalf("seed %d: the walk does not end", seed)
			}
			page, err := shop.ListOrders(context.Background(), cur, 2+int(seed%9))
			if err != nil {
				t.Fatalf("seed %d: %v", seed, err)
			}
			for _, o := range page.Orders {
				seen[o.ID]++
			}
			cur = page.Next
			if !page.More {
				break
			}
		}
		fake.ClearFaults()
		for _, id := range fake.OrderIDs() {
			ext := strconv.FormatInt(id, 10)
			if !removed[id] && seen[ext] == 0 {
				t.Errorf("seed %d: order %d skipped", seed, id)
			}
			if seen[ext] > 1 {
				t.Errorf("seed %d: order %d returned %d times", seed, id, seen[ext])
			}
		}
	}
}
