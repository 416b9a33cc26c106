package woocommerce_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/azuvio/omnisales/adapters/woocommerce"
	"github.com/azuvio/omnisales/adapters/woocommerce/woocommercetest"
)

func TestListPaginationWalksAllPages(t *testing.T) {
	t.Parallel()
	srv := woocommercetest.NewServer(t)
	seeded := srv.GenerateOrders(250, woocommercetest.Generator{Seed: 4})
	c := newClient(t, srv, fastConfig())
	ctx := context.Background()

	orders, resp, err := c.Orders.List(ctx, &woocommerce.ListOrdersOptions{PerPage: 100})
	if err != nil {
		t.Fatal(err)
	}
	if len(orders) != 100 || resp.Total != 250 || resp.TotalPages != 3 || resp.Page != 1 || resp.NextPage != 2 {
		t.Fatalf("page 1: %d orders, resp %+v", len(orders), *resp)
	}
	_, last, err := c.Orders.List(ctx, &woocommerce.ListOrdersOptions{PerPage: 100, Page: 3})
	if err != nil || last.NextPage != 0 {
		t.Fatalf("page 3: next %d, err %v", last.NextPage, err)
	}

	var pages int
	seen := map[int64]bool{}
	err = c.Orders.Walk(ctx, &woocommerce.ListOrdersOptions{PerPage: 100, Order: woocommerce.Asc, OrderBy: woocommerce.OrderByID}, func(p woocommerce.OrdersPage) error {
		pages++
		for _, o := range p.Orders {
			if seen[o.ID] {
				t.Errorf("order %d twice", o.ID)
			}
			seen[o.ID] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if pages != 3 || len(seen) != len(seeded) {
		t.Fatalf("walked %d pages, %d orders; want 3, %d", pages, len(seen), len(seeded))
	}
	for _, o := range seeded {
		if !seen[o.ID] {
			t.Errorf("order %d not seen", o.ID)
		}
	}
	if n := srv.RequestCount(http.MethodGet, "/orders"); n != 5 {
		t.Errorf("GET /orders requests = %d, want 5", n)
	}

	// Default page size: 10, as the site's default.
	all, err := c.Orders.ListAll(ctx, nil)
	if err != nil || len(all) != 250 {
		t.Fatalf("ListAll: %d, %v", len(all), err)
	}
	// Default order is date desc: newest first.
	for i := 1; i < len(all); i++ {
		if all[i].DateCreated.After(all[i-1].DateCreated) {
			t.Fatalf("not newest first at %d", i)
		}
	}
}

func TestWalkStopsOnCallbackError(t *testing.T) {
	t.Parallel()
	srv := woocommercetest.NewServer(t)
	srv.GenerateOrders(30, woocommercetest.Generator{})
	c := newClient(t, srv, fastConfig())
	stop := errors.New("stop")
	calls := 0
	err := c.Orders.Walk(context.Background(), nil, func(woocommerce.OrdersPage) error { calls++; return stop })
	if !errors.Is(err, stop) || calls != 1 {
		t.Fatalf("err %v after %d calls", err, calls)
	}
}

func TestPerPageAbove100Refused(t *testing.T) {
	t.Parallel()
	srv := woocommercetest.NewServer(t)
	c := newClient(t, srv, fastConfig())
	for _, per := range []int{101, 1000, -1} {
		_, _, err := c.Orders.List(context.Background(), &woocommerce.ListOrdersOptions{PerPage: per})
		if !errors.Is(err, woocommerce.ErrInvalidOptions) {
			t.Errorf("per_page %d: err = %v, want ErrInvalidOptions", per, err)
		}
	}
	if n := len(srv.Requests()); n != 0 {
		t.Fatalf("%d requests sent for refused options", n)
	}
	// The fake refuses it too, as WordPress does.
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/wp-json/wc/v3/orders?per_page=101", nil)
	req.SetBasicAuth(srv.ConsumerKey, srv.ConsumerSecret)
	resp, err := srv.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 400 || !strings.Contains(string(body), `"code":"rest_invalid_param"`) ||
		!strings.Contains(string(body), "per_page must be between 1 (inclusive) and 100 (inclusive)") {
		t.Fatalf("fake per_page=101: %d %s", resp.StatusCode, body)
	}
}

func TestTypedErrors(t *testing.T) {
	t.Parallel()
	srv := woocommercetest.NewServer(t)
	o := srv.AddOrder(woocommercetest.Order{Status: "processing"})
	c := newClient(t, srv, fastConfig())
	ctx := context.Background()

	_, _, err := c.Orders.Get(ctx, 424242)
	var apiErr *woocommerce.Error
	if !errors.As(err, &apiErr) || !errors.Is(err, woocommerce.ErrNotFound) {
		t.Fatalf("Get unknown: %v", err)
	}
	if apiErr.StatusCode != 404 || apiErr.Code != "woocommerce_rest_shop_order_invalid_id" || apiErr.Message != "Invalid ID." {
		t.Fatalf("Get unknown: %+v", apiErr)
	}
	if apiErr.Response == nil || apiErr.Response.StatusCode != 404 {
		t.Fatalf("Error.Response not kept: %+v", apiErr.Response)
	}

	// WooCommerce answers an update of an unknown id with 400; it is still ErrNotFound.
	_, _, err = c.Orders.UpdateStatus(ctx, 424242, "completed")
	if !errors.As(err, &apiErr) || !errors.Is(err, woocommerce.ErrNotFound) || apiErr.StatusCode != 400 {
		t.Fatalf("UpdateStatus unknown: %v", err)
	}

	_, _, err = c.Orders.UpdateStatus(ctx, o.ID, "teleported")
	if !errors.As(err, &apiErr) || !errors.Is(err, woocommerce.ErrBadRequest) || apiErr.Code != "rest_invalid_param" || apiErr.Params["status"] == "" {
		t.Fatalf("UpdateStatus bad status: %v (%+v)", err, apiErr)
	}
	if errors.Is(err, woocommerce.ErrNotFound) {
		t.Fatal("bad status must not read as not found")
	}
	if srv.OrderStatus(o.ID) != "processing" {
		t.Fatal("refused update changed the order")
	}

	_, _, err = c.Orders.UpdateStatus(ctx, o.ID, "")
	if !errors.Is(err, woocommerce.ErrInvalidOptions) {
		t.Fatalf("empty status: %v", err)
	}

	// Unknown route.
	_, _, err = c.Customers.GetByEmail(ctx, "nobody@example.com")
	if !errors.Is(err, woocommerce.ErrNotFound) {
		t.Fatalf("GetByEmail unknown: %v", err)
	}
	if errors.As(err, &apiErr) {
		t.Fatalf("an empty result is not an API error: %v", err)
	}
}

func TestUnknownRouteIsRestNoRoute(t *testing.T) {
	t.Parallel()
	srv := woocommercetest.NewServer(t)
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/wp-json/wc/v3/coupons", nil)
	req.SetBasicAuth(srv.ConsumerKey, srv.ConsumerSecret)
	resp, err := srv.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 404 || !strings.Contains(string(body), `"rest_no_route"`) {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
}

func TestUpdateStatusAndModifiedAfter(t *testing.T) {
	t.Parallel()
	start := time.Date(2025, 5, 1, 9, 0, 0, 0, time.UTC)
	srv := woocommercetest.NewServer(t, woocommercetest.WithClock(start), woocommercetest.WithStatuses("shipped"))
	orders := srv.AddOrders(
		woocommercetest.Order{Status: "processing"},
		woocommercetest.Order{Status: "processing"},
		woocommercetest.Order{Status: "pending"},
	)
	c := newClient(t, srv, fastConfig())
	ctx := context.Background()

	srv.Advance(time.Hour)
	got, _, err := c.Orders.UpdateStatus(ctx, orders[0].ID, "shipped")
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != "shipped" || !got.DateModified.Equal(start.Add(time.Hour)) {
		t.Fatalf("UpdateStatus returned %s modified %v", got.Status, got.DateModified)
	}
	srv.Advance(time.Hour)
	if _, _, err := c.Orders.UpdateStatus(ctx, orders[2].ID, "completed"); err != nil {
		t.Fatal(err)
	}
	done, _, err := c.Orders.Get(ctx, orders[2].ID)
	if err != nil {
		t.Fatal(err)
	}
	if done.DateCompleted == nil || !done.DateCompleted.Equal(start.Add(2*time.Hour)) || done.DatePaid == nil {
		t.Fatalf("completed order: paid %v completed %v", done.DatePaid, done.DateCompleted)
	}

	changed, _, err := c.Orders.List(ctx, &woocommerce.ListOrdersOptions{ModifiedAfter: start.Add(30 * time.Minute), Order: woocommerce.Asc, OrderBy: woocommerce.OrderByID})
	if err != nil {
		t.Fatal(err)
	}
	if len(changed) != 2 || changed[0].ID != orders[0].ID || changed[1].ID != orders[2].ID {
		t.Fatalf("modified_after: got %v", ids(changed))
	}
	// The bound is exclusive and sent in UTC with dates_are_gmt, so the
	// site's UTC+2 zone does not shift it.
	edge, _, err := c.Orders.List(ctx, &woocommerce.ListOrdersOptions{ModifiedAfter: start.Add(2 * time.Hour).In(time.FixedZone("X", -5*3600))})
	if err != nil || len(edge) != 0 {
		t.Fatalf("modified_after at the last change: %v, %v", ids(edge), err)
	}
	reqs := srv.Requests()
	q := reqs[len(reqs)-1].Query
	if q.Get("dates_are_gmt") != "true" || q.Get("modified_after") != "2025-05-01T11:00:00" {
		t.Fatalf("query sent: %v", q)
	}

	st, _, err := c.Orders.List(ctx, &woocommerce.ListOrdersOptions{Status: []string{"processing", "pending"}})
	if err != nil || len(st) != 1 || st[0].ID != orders[1].ID {
		t.Fatalf("status filter: %v, %v", ids(st), err)
	}
	if srv.PutCount(orders[0].ID) != 1 || srv.PutCount(orders[1].ID) != 0 {
		t.Fatalf("put counts: %d %d", srv.PutCount(orders[0].ID), srv.PutCount(orders[1].ID))
	}
}

func ids(os []woocommerce.Order) []int64 {
	out := make([]int64, len(os))
	for i, o := range os {
		out[i] = o.ID
	}
	return out
}

// A page that changes between reads: Walk never yields an order twice, and
// the id-ascending walk with a modified_after cursor misses none.
func TestWalkPageChangesBetweenReads(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("newest first shifts: duplicates dropped", func(t *testing.T) {
		t.Parallel()
		srv := woocommercetest.NewServer(t)
		srv.GenerateOrders(30, woocommercetest.Generator{})
		srv.InjectFault(woocommercetest.Fault{Method: http.MethodGet, Path: "/orders", Page: 2, Before: func(s *woocommercetest.Server) {
			s.AddOrder(woocommercetest.Order{DateCreatedGMT: "2030-01-01T00:00:00"})
		}})
		c := newClient(t, srv, fastConfig())
		var dups int
		seen := map[int64]int{}
		err := c.Orders.Walk(ctx, &woocommerce.ListOrdersOptions{PerPage: 10}, func(p woocommerce.OrdersPage) error {
			dups += p.Duplicates
			for _, o := range p.Orders {
				seen[o.ID]++
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if dups != 1 || len(seen) != 30 {
			t.Fatalf("duplicates %d, distinct %d; want 1, 30", dups, len(seen))
		}
		for id, n := range seen {
			if n != 1 {
				t.Fatalf("order %d yielded %d times", id, n)
			}
		}
	})

	t.Run("id ascending with cursor: nothing missed", func(t *testing.T) {
		t.Parallel()
		start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
		srv := woocommercetest.NewServer(t, woocommercetest.WithClock(start.Add(24*time.Hour)))
		seeded := srv.GenerateOrders(30, woocommercetest.Generator{Start: start})
		cursor := start.Add(-time.Second)
		var added int64
		srv.InjectFault(woocommercetest.Fault{Method: http.MethodGet, Path: "/orders", Page: 2, Before: func(s *woocommercetest.Server) {
			added = s.AddOrder(woocommercetest.Order{}).ID
			s.SetOrderStatus(seeded[0].ID, "cancelled") // modified again: stays in the set
		}})
		c := newClient(t, srv, fastConfig())
		all, err := c.Orders.ListAll(ctx, &woocommerce.ListOrdersOptions{PerPage: 10, Order: woocommerce.Asc, OrderBy: woocommerce.OrderByID, ModifiedAfter: cursor})
		if err != nil {
			t.Fatal(err)
		}
		got := map[int64]bool{}
		for _, o := range all {
			got[o.ID] = true
		}
		if len(all) != 31 || !got[added] {
			t.Fatalf("got %d orders (added %d seen: %v), want 31", len(all), added, got[added])
		}
	})
}

func TestRetryHonoursRetryAfter(t *testing.T) {
	t.Parallel()
	srv := woocommercetest.NewServer(t)
	srv.GenerateOrders(2, woocommercetest.Generator{})
	var logs logBuffer
	cfg := fastConfig()
	cfg.RetryWaitMin = 50 * time.Millisecond
	cfg.RetryWaitMax = 2 * time.Second
	cfg.Logger = logs.logger()
	c := newClient(t, srv, cfg)

	// Seconds: the wait is exactly the server's.
	srv.InjectFault(woocommercetest.Fault{Kind: woocommercetest.FaultRateLimit, RetryAfter: "1"})
	orders, _, err := c.Orders.List(context.Background(), nil)
	if err != nil || len(orders) != 2 {
		t.Fatalf("after 429: %d orders, %v", len(orders), err)
	}
	if !strings.Contains(logs.String(), "timeout=1s") {
		t.Fatalf("retry wait not taken from Retry-After:\n%s", logs.String())
	}
	reqs := srv.Requests()
	if len(reqs) != 2 || reqs[0].Status != 429 || reqs[1].Status != 200 {
		t.Fatalf("requests: %+v", reqs)
	}
	if gap := reqs[1].Time.Sub(reqs[0].Time); gap < 0 {
		t.Fatalf("clock went back: %v", gap)
	}

	// HTTP date in the past: retry at once (exponential backoff would wait >= 25ms).
	srv.InjectFault(woocommercetest.Fault{Kind: woocommercetest.FaultStatus, Status: 503, RetryAfter: "Mon, 01 Jan 2001 00:00:00 GMT"})
	if _, _, err := c.Orders.List(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "timeout=0s") {
		t.Fatalf("HTTP-date Retry-After not honoured:\n%s", logs.String())
	}
}

func TestRetryAfterLongerThanMaxGivesUp(t *testing.T) {
	t.Parallel()
	srv := woocommercetest.NewServer(t)
	c := newClient(t, srv, fastConfig())
	srv.InjectFault(woocommercetest.Fault{Kind: woocommercetest.FaultRateLimit, RetryAfter: "3600", Times: 5})
	_, _, err := c.Orders.List(context.Background(), nil)
	var apiErr *woocommerce.Error
	if !errors.Is(err, woocommerce.ErrRateLimited) || !errors.As(err, &apiErr) || apiErr.RetryAfter != time.Hour {
		t.Fatalf("err = %v", err)
	}
	if n := len(srv.Requests()); n != 1 {
		t.Fatalf("%d requests, want 1", n)
	}
}

func TestRetryStopsWhenContextEnds(t *testing.T) {
	t.Parallel()
	srv := woocommercetest.NewServer(t)
	cfg := fastConfig()
	cfg.RetryWaitMax = time.Minute
	cfg.RetryMax = 10
	c := newClient(t, srv, cfg)
	srv.InjectFault(woocommercetest.Fault{Kind: woocommercetest.FaultRateLimit, RetryAfter: "30", Times: 10})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	began := time.Now()
	_, _, err := c.Orders.List(ctx, nil)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	// The 30s wait must end with the context, not run out. (A bound far
	// above the 100ms cancel, far below the 30s wait: not a speed check.)
	if el := time.Since(began); el > 10*time.Second {
		t.Fatalf("returned after %v: wait ignored the context", el)
	}
	if n := len(srv.Requests()); n != 1 {
		t.Fatalf("%d requests, want 1", n)
	}

	// A hung request ends with the context deadline too.
	srv.InjectFault(woocommercetest.Fault{Kind: woocommercetest.FaultTimeout, Times: 10})
	ctx2, cancel2 := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel2()
	_, _, err = c.Orders.List(ctx2, nil)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("hung request: err = %v, want DeadlineExceeded", err)
	}
}

func TestRetriesTransientFaults(t *testing.T) {
	t.Parallel()
	srv := woocommercetest.NewServer(t)
	srv.GenerateOrders(5, woocommercetest.Generator{})
	cfg := fastConfig()
	cfg.Timeout = time.Second // long enough that only the hang fault times out, even on a busy machine
	c := newClient(t, srv, cfg)
	ctx := context.Background()
	for _, f := range []woocommercetest.Fault{
		{Kind: woocommercetest.FaultStatus, Status: 500, Times: 2},
		{Kind: woocommercetest.FaultStatus, Status: 502},
		{Kind: woocommercetest.FaultTimeout},
		{Kind: woocommercetest.FaultMalformed, Times: 2},
		{Kind: woocommercetest.FaultRateLimit, RetryAfter: "0"},
	} {
		before := len(srv.Requests())
		srv.InjectFault(f)
		orders, _, err := c.Orders.List(ctx, nil)
		if err != nil || len(orders) != 5 {
			t.Fatalf("%v: %d orders, %v", f.Kind, len(orders), err)
		}
		times := max(f.Times, 1)
		if n := len(srv.Requests()) - before; n != times+1 {
			t.Fatalf("%v: %d requests, want %d", f.Kind, n, times+1)
		}
	}
	// 501 is not retried.
	srv.InjectFault(woocommercetest.Fault{Kind: woocommercetest.FaultStatus, Status: 501})
	before := len(srv.Requests())
	if _, _, err := c.Orders.List(ctx, nil); !errors.Is(err, woocommerce.ErrServer) {
		t.Fatalf("501: %v", err)
	}
	if n := len(srv.Requests()) - before; n != 1 {
		t.Fatalf("501 retried: %d requests", n)
	}
	// Retries run out: the last typed answer comes back, not "giving up".
	srv.InjectFault(woocommercetest.Fault{Kind: woocommercetest.FaultStatus, Status: 503, Times: 4})
	_, _, err := c.Orders.List(ctx, nil)
	var apiErr *woocommerce.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 503 || strings.Contains(err.Error(), "giving up") {
		t.Fatalf("exhausted: %v", err)
	}
}

// PUT of a status is idempotent: retried even after the write landed.
func TestUpdateStatusRetriedSafely(t *testing.T) {
	t.Parallel()
	srv := woocommercetest.NewServer(t)
	o := srv.AddOrder(woocommercetest.Order{Status: "processing"})
	c := newClient(t, srv, fastConfig())
	srv.InjectFault(woocommercetest.Fault{Kind: woocommercetest.FaultStatus, Status: 500, Method: http.MethodPut, AfterApply: true})
	got, _, err := c.Orders.UpdateStatus(context.Background(), o.ID, "completed")
	if err != nil || got.Status != "completed" {
		t.Fatalf("UpdateStatus: %v", err)
	}
	if srv.OrderStatus(o.ID) != "completed" || len(srv.StatusPushes(o.ID)) != 2 {
		t.Fatalf("status %q, pushes %v", srv.OrderStatus(o.ID), srv.StatusPushes(o.ID))
	}
}

// A proxy that drops X-WP-TotalPages: Walk goes on while pages are full.
func TestWalkWithoutTotalPagesHeader(t *testing.T) {
	t.Parallel()
	mux := http.NewServeMux()
	pages := map[string]string{
		"1": `[{"id":1},{"id":2}]`,
		"2": `[{"id":3},{"id":4}]`,
		"3": `[{"id":5}]`,
	}
	mux.HandleFunc("GET /wp-json/wc/v3/orders", func(w http.ResponseWriter, r *http.Request) {
		body, ok := pages[r.URL.Query().Get("page")]
		if !ok {
			body = "[]"
		}
		w.Write([]byte(body))
	})
	hs := httptest.NewTLSServer(mux)
	t.Cleanup(hs.Close)
	cfg := fastConfig()
	cfg.HTTPClient = hs.Client()
	cl, err := woocommerce.NewClient(hs.URL, "ck", "cs", cfg)
	if err != nil {
		t.Fatal(err)
	}
	all, err := cl.Orders.ListAll(context.Background(), &woocommerce.ListOrdersOptions{PerPage: 2})
	if err != nil || len(all) != 5 {
		t.Fatalf("%v, %v", ids(all), err)
	}
}
