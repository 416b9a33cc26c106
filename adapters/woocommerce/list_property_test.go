package woocommerce_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/azuvio/omnisales/adapters/woocommerce"
	"github.com/azuvio/omnisales/adapters/woocommerce/woocommercetest"
)

// Property: walking every page of any filtered, sorted listing returns
// exactly the orders a plain filter-and-sort over the fake's state (the
// oracle) selects, in the same order.
func TestListMatchesOracle(t *testing.T) {
	t.Parallel()
	start := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	statuses := []string{"pending", "processing", "completed", "cancelled", "trash"}
	rapid.Check(t, func(rt *rapid.T) {
		srv := woocommercetest.New(woocommercetest.WithClock(start))
		defer srv.Close()
		n := rapid.IntRange(0, 40).Draw(rt, "orders")
		for i := 0; i < n; i++ {
			created := start.Add(time.Duration(rapid.IntRange(0, 10).Draw(rt, "createdMin")) * time.Minute)
			srv.AddOrder(woocommercetest.Order{
				Status:         rapid.SampledFrom(statuses).Draw(rt, "status"),
				DateCreatedGMT: created.Format("2006-01-02T15:04:05"),
			})
		}
		// Some orders modified later, as an admin would.
		for _, id := range srv.OrderIDs() {
			if rapid.Bool().Draw(rt, "touch") {
				srv.Advance(time.Duration(rapid.IntRange(0, 3).Draw(rt, "advanceMin")) * time.Minute)
				srv.UpdateOrder(id, func(*woocommercetest.Order) {})
			}
		}
		opts := woocommerce.ListOrdersOptions{
			PerPage: rapid.IntRange(1, 7).Draw(rt, "perPage"),
			Order:   rapid.SampledFrom([]string{"", woocommerce.Asc, woocommerce.Desc}).Draw(rt, "order"),
			OrderBy: rapid.SampledFrom([]string{"", woocommerce.OrderByDate, woocommerce.OrderByID}).Draw(rt, "orderby"),
		}
		if rapid.Bool().Draw(rt, "filterStatus") {
			opts.Status = rapid.SliceOfNDistinct(rapid.SampledFrom(statuses), 1, 3, func(s string) string { return s }).Draw(rt, "statuses")
		}
		if rapid.Bool().Draw(rt, "cursor") {
			opts.ModifiedAfter = start.Add(time.Duration(rapid.IntRange(0, 15).Draw(rt, "cursorMin")) * time.Minute)
		}

		// Oracle.
		type rec struct {
			id                int64
			created, modified time.Time
		}
		var want []rec
		for _, id := range srv.OrderIDs() {
			o, _ := srv.Order(id)
			if len(opts.Status) == 0 && o.Status == "trash" || len(opts.Status) > 0 && !slices.Contains(opts.Status, o.Status) {
				continue
			}
			c, _ := time.Parse("2006-01-02T15:04:05", o.DateCreatedGMT)
			m, _ := time.Parse("2006-01-02T15:04:05", o.DateModifiedGMT)
			if !opts.ModifiedAfter.IsZero() && !m.After(opts.ModifiedAfter) {
				continue
			}
			want = append(want, rec{id, c, m})
		}
		slices.SortFunc(want, func(a, b rec) int {
			c := 0
			if opts.OrderBy != woocommerce.OrderByID {
				c = a.created.Compare(b.created)
			}
			if c == 0 {
				c = int(a.id - b.id)
			}
			if opts.Order != woocommerce.Asc {
				c = -c
			}
			return c
		})

		cfg := fastConfig()
		cfg.HTTPClient = srv.HTTPClient()
		cl, err := woocommerce.NewClient(srv.URL, srv.ConsumerKey, srv.ConsumerSecret, cfg)
		if err != nil {
			rt.Fatal(err)
		}
		got, err := cl.Orders.ListAll(context.Background(), &opts)
		if err != nil {
			rt.Fatal(err)
		}
		if len(got) != len(want) {
			rt.Fatalf("got %d orders, oracle %d", len(got), len(want))
		}
		for i := range want {
			if got[i].ID != want[i].id || !got[i].DateModified.Equal(want[i].modified) {
				rt.Fatalf("at %d: got %d (modified %v), oracle %d (modified %v)", i, got[i].ID, got[i].DateModified, want[i].id, want[i].modified)
			}
		}
	})
}
