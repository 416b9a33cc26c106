package woocommercetest_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/azuvio/omnisales/adapters/woocommerce/woocommercetest"
)

// get performs an authenticated GET below the API path and returns status,
// headers and body.
func get(t *testing.T, s *woocommercetest.Server, path string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, s.URL+woocommercetest.APIPath+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth(s.ConsumerKey, s.ConsumerSecret)
	resp, err := s.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

func TestListHeadersAndLinks(t *testing.T) {
	t.Parallel()
	s := woocommercetest.NewServer(t, woocommercetest.WithPathPrefix("shop"))
	s.GenerateOrders(25, woocommercetest.Generator{})
	code, h, body := get(t, s, "/orders?per_page=10&page=2&status=any")
	if code != 200 || h.Get("X-WP-Total") != "25" || h.Get("X-WP-TotalPages") != "3" {
		t.Fatalf("%d %v", code, h)
	}
	link := h.Get("Link")
	parts := strings.Split(link, ", ")
	if len(parts) != 4 || !strings.Contains(link, "/shop/wp-json/wc/v3/orders?") {
		t.Fatalf("Link: %s", link)
	}
	for i, want := range []struct{ page, rel string }{{"1", "first"}, {"1", "prev"}, {"3", "next"}, {"3", "last"}} {
		if !strings.Contains(parts[i], "?page="+want.page+"&") || !strings.HasSuffix(parts[i], `rel="`+want.rel+`"`) {
			t.Fatalf("Link part %d: %s, want page %s rel %s", i, parts[i], want.page, want.rel)
		}
	}
	// The first page has no first or prev; the last no next or last.
	for _, c := range []struct{ page, want string }{{"1", `rel="next", rel="last"`}, {"3", `rel="first", rel="prev"`}} {
		_, h, _ := get(t, s, "/orders?per_page=10&page="+c.page)
		var rels []string
		for _, p := range strings.Split(h.Get("Link"), ", ") {
			rels = append(rels, p[strings.LastIndex(p, "rel="):])
		}
		if got := strings.Join(rels, ", "); got != c.want {
			t.Fatalf("page %s: rels %s, want %s", c.page, got, c.want)
		}
	}
	var orders []map[string]any
	if err := json.Unmarshal([]byte(body), &orders); err != nil || len(orders) != 10 {
		t.Fatalf("body: %v, %d", err, len(orders))
	}
	// Wire format: money strings, numeric price, zoneless dates in both clocks.
	o := orders[0]
	if _, ok := o["total"].(string); !ok {
		t.Fatalf("total not a string: %T", o["total"])
	}
	li := o["line_items"].([]any)[0].(map[string]any)
	if _, ok := li["price"].(float64); !ok {
		t.Fatalf("price not a number: %T", li["price"])
	}
	created, gmt := o["date_created"].(string), o["date_created_gmt"].(string)
	if len(created) != 19 || len(gmt) != 19 || created == gmt {
		t.Fatalf("dates %q %q (site zone is UTC+2)", created, gmt)
	}
	for _, k := range []string{"refunds", "coupon_lines", "fee_lines", "tax_lines"} {
		if v, ok := o[k].([]any); !ok || v == nil {
			t.Fatalf("%s must be [] not %v", k, o[k])
		}
	}
	// Past the end: an empty page, not an error.
	if code, h, body := get(t, s, "/orders?page=9"); code != 200 || body != "[]" || h.Get("X-WP-Total") != "25" {
		t.Fatalf("past end: %d %s", code, body)
	}
}

func TestParameterValidation(t *testing.T) {
	t.Parallel()
	s := woocommercetest.NewServer(t, woocommercetest.WithStatuses("shipped"))
	for _, q := range []string{"per_page=0", "per_page=101", "per_page=x", "page=0", "order=up", "orderby=modified", "status=teleported", "modified_after=yesterday"} {
		code, _, body := get(t, s, "/orders?"+q)
		if code != 400 || !strings.Contains(body, `"code":"rest_invalid_param"`) || !strings.Contains(body, `"status":400`) {
			t.Errorf("%s: %d %s", q, code, body)
		}
	}
	for _, q := range []string{"status=shipped", "status=any", "status=processing,completed", "status[]=pending&status[]=failed", "orderby=id&order=asc", "modified_after=2025-01-01T00:00:00&dates_are_gmt=true"} {
		if code, _, body := get(t, s, "/orders?"+q); code != 200 {
			t.Errorf("%s: %d %s", q, code, body)
		}
	}
	if code, _, body := get(t, s, "/orders/55"); code != 404 || !strings.Contains(body, "woocommerce_rest_shop_order_invalid_id") {
		t.Errorf("unknown order: %d %s", code, body)
	}
	if code, _, body := get(t, s, "/orders/abc"); code != 404 || !strings.Contains(body, "rest_no_route") {
		t.Errorf("non-numeric id: %d %s", code, body)
	}
}

func TestAuthentication(t *testing.T) {
	t.Parallel()
	s := woocommercetest.NewServer(t, woocommercetest.WithCredentials("ck_a", "cs_b"))
	do := func(mod func(*http.Request)) (int, string) {
		req, _ := http.NewRequest(http.MethodGet, s.URL+"/wp-json/wc/v3/orders", nil)
		mod(req)
		resp, err := s.HTTPClient().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	cases := []struct {
		name string
		mod  func(*http.Request)
		code int
		want string
	}{
		{"basic", func(r *http.Request) { r.SetBasicAuth("ck_a", "cs_b") }, 200, "["},
		{"query", func(r *http.Request) {
			r.URL.RawQuery = url.Values{"consumer_key": {"ck_a"}, "consumer_secret": {"cs_b"}}.Encode()
		}, 200, "["},
		{"wrong key", func(r *http.Request) { r.SetBasicAuth("ck_x", "cs_b") }, 401, "woocommerce_rest_authentication_error"},
		{"wrong secret", func(r *http.Request) { r.SetBasicAuth("ck_a", "cs_x") }, 401, "woocommerce_rest_authentication_error"},
		{"wrong query secret", func(r *http.Request) { r.URL.RawQuery = "consumer_key=ck_a&consumer_secret=nope" }, 401, "woocommerce_rest_authentication_error"},
		{"none", func(*http.Request) {}, 401, "woocommerce_rest_cannot_view"},
	}
	for _, c := range cases {
		code, body := do(c.mod)
		if code != c.code || !strings.HasPrefix(body, c.want) && !strings.Contains(body, c.want) {
			t.Errorf("%s: %d %s", c.name, code, body)
		}
	}
	for _, r := range s.Requests() {
		if r.Query.Has("consumer_secret") {
			t.Fatalf("request log keeps the secret: %v", r.Query)
		}
	}
}

func TestFaultRatesAreDeterministic(t *testing.T) {
	t.Parallel()
	run := func() []woocommercetest.FaultKind {
		s := woocommercetest.NewServer(t)
		s.SetFaultRates(&woocommercetest.FaultRates{Seed: 42, ServerError: 0.3, RateLimit: 0.1, Malformed: 0.2, RetryAfter: "0"})
		var kinds []woocommercetest.FaultKind
		for i := 0; i < 60; i++ {
			get(t, s, "/orders")
		}
		for _, r := range s.Requests() {
			kinds = append(kinds, r.Fault)
		}
		return kinds
	}
	a, b := run(), run()
	count := map[woocommercetest.FaultKind]int{}
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("run differs at %d: %v vs %v", i, a[i], b[i])
		}
		count[a[i]]++
	}
	if count[woocommercetest.FaultStatus] == 0 || count[woocommercetest.FaultRateLimit] == 0 || count[woocommercetest.FaultMalformed] == 0 || count[0] == 0 {
		t.Fatalf("fault mix %v", count)
	}
}

func TestMalformedFaultCutsBody(t *testing.T) {
	t.Parallel()
	s := woocommercetest.NewServer(t)
	s.GenerateOrders(3, woocommercetest.Generator{})
	s.InjectFault(woocommercetest.Fault{Kind: woocommercetest.FaultMalformed, Path: "/orders"})
	code, h, body := get(t, s, "/orders")
	if code != 200 || json.Valid([]byte(body)) || h.Get("X-WP-Total") != "3" {
		t.Fatalf("%d valid=%v total=%s", code, json.Valid([]byte(body)), h.Get("X-WP-Total"))
	}
	if _, _, body := get(t, s, "/orders"); !json.Valid([]byte(body)) {
		t.Fatal("fault hit more than once")
	}
}

func TestTimeoutFaultReleasedOnClose(t *testing.T) {
	t.Parallel()
	s := woocommercetest.New()
	s.InjectFault(woocommercetest.Fault{Kind: woocommercetest.FaultTimeout})
	done := make(chan error, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodGet, s.URL+"/wp-json/wc/v3/orders", nil)
		resp, err := s.HTTPClient().Do(req)
		if err == nil {
			resp.Body.Close()
		}
		done <- err
	}()
	for len(s.Requests()) == 0 {
		time.Sleep(5 * time.Millisecond)
	}
	s.Close() // must not wait forever for the hung handler
	<-done
}

func TestSlowAnswerWithDelay(t *testing.T) {
	t.Parallel()
	s := woocommercetest.NewServer(t)
	s.InjectFault(woocommercetest.Fault{Kind: woocommercetest.FaultTimeout, Delay: 20 * time.Millisecond})
	if code, _, _ := get(t, s, "/orders"); code != 200 {
		t.Fatalf("slow answer %d", code)
	}
}

func TestCopiesInAndOut(t *testing.T) {
	t.Parallel()
	s := woocommercetest.NewServer(t)
	sku := "A"
	in := woocommercetest.Order{LineItems: []woocommercetest.LineItem{{SKU: &sku, Price: "1"}}}
	stored := s.AddOrder(in)
	sku = "changed"
	stored.LineItems[0].Name = "changed"
	got, _ := s.Order(stored.ID)
	if *got.LineItems[0].SKU != "A" || got.LineItems[0].Name != "" {
		t.Fatalf("state reached through a copy: %+v", got.LineItems[0])
	}
}

func TestCustomersByEmailAndRole(t *testing.T) {
	t.Parallel()
	s := woocommercetest.NewServer(t)
	s.AddCustomer(woocommercetest.Customer{Email: "Ana@Example.com"})
	s.AddCustomer(woocommercetest.Customer{Email: "boss@example.com", Role: "administrator"})
	if _, h, _ := get(t, s, "/customers?email=ana@example.com"); h.Get("X-WP-Total") != "1" {
		t.Fatal("email match must ignore case")
	}
	if _, h, _ := get(t, s, "/customers?email=boss@example.com"); h.Get("X-WP-Total") != "0" {
		t.Fatal("role defaults to customer")
	}
	if _, h, _ := get(t, s, "/customers?email=boss@example.com&role=all"); h.Get("X-WP-Total") != "1" {
		t.Fatal("role=all")
	}
}

func TestConcurrentSafety(t *testing.T) {
	t.Parallel()
	s := woocommercetest.NewServer(t)
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(3)
		go func() { defer wg.Done(); s.GenerateOrders(20, woocommercetest.Generator{Seed: uint64(i)}) }()
		go func() { defer wg.Done(); get(t, s, "/orders?per_page=50") }()
		go func() {
			defer wg.Done()
			for _, id := range s.OrderIDs() {
				s.SetOrderStatus(id, "completed")
			}
		}()
	}
	wg.Wait()
	if n := len(s.OrderIDs()); n != 160 {
		t.Fatalf("%d orders, want 160", n)
	}
}

func TestDeliverWebhookUnknownOrder(t *testing.T) {
	t.Parallel()
	s := woocommercetest.NewServer(t)
	if _, err := s.DeliverWebhook(context.Background(), "http://127.0.0.1:1/", woocommercetest.Delivery{OrderID: 5}); err == nil {
		t.Fatal("want an error for an unknown order")
	}
}

func TestMakeOrdersTotalsAddUp(t *testing.T) {
	t.Parallel()
	for _, o := range woocommercetest.MakeOrders(200, woocommercetest.Generator{Seed: 7}) {
		var sum int64
		for _, l := range o.LineItems {
			sum += cents(t, l.Total)
		}
		if sum+cents(t, o.ShippingTotal) != cents(t, o.Total) {
			t.Fatalf("order total %s != lines + shipping", o.Total)
		}
	}
}

func cents(t *testing.T, s string) int64 {
	t.Helper()
	whole, frac, _ := strings.Cut(s, ".")
	var n int64
	for _, c := range whole + frac {
		n = n*10 + int64(c-'0')
	}
	return n
}

func TestUpdateOrderKeepsEmptyListsAsArrays(t *testing.T) {
	t.Parallel()
	s := woocommercetest.NewServer(t)
	o := s.AddOrder(woocommercetest.Order{LineItems: []woocommercetest.LineItem{{Name: "x", Price: "1"}}})
	if !s.UpdateOrder(o.ID, func(o *woocommercetest.Order) { o.CustomerNote = "hi" }) {
		t.Fatal("UpdateOrder: unknown id")
	}
	raw, _ := s.OrderJSON(o.ID)
	for _, want := range []string{`"refunds":[]`, `"taxes":[]`, `"coupon_lines":[]`, `"meta_data":[]`, `"customer_note":"hi"`} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("missing %s in %s", want, raw)
		}
	}
}

// Over plain http a WooCommerce site ignores keys (it wants OAuth 1.0a
// there): Basic and query-string keys make an anonymous request, refused
// with WooCommerce's 401 body, and OAuth parameters are refused as not
// implemented. Behind a TLS-terminating proxy the same keys are accepted.
func TestPlainHTTPIgnoresKeys(t *testing.T) {
	t.Parallel()
	// send requests /orders followed by suffix (an id, a query string).
	send := func(s *woocommercetest.Server, method, suffix string, basic bool) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, s.URL+"/wp-json/wc/v3/orders"+suffix, strings.NewReader(`{"status":"completed"}`))
		if basic {
			req.SetBasicAuth(s.ConsumerKey, s.ConsumerSecret)
		}
		resp, err := s.HTTPClient().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	plain := woocommercetest.NewServer(t, woocommercetest.WithPlainHTTP())
	plain.AddOrder(woocommercetest.Order{ID: 1, Status: "processing"})
	if !strings.HasPrefix(plain.URL, "http://") {
		t.Fatalf("URL %s", plain.URL)
	}
	keys := "?consumer_key=" + plain.ConsumerKey + "&consumer_secret=" + plain.ConsumerSecret
	for _, c := range []struct {
		name, method, suffix string
		basic                bool
		code                 string
	}{
		{"basic read", http.MethodGet, "", true, "woocommerce_rest_cannot_view"},
		{"query read", http.MethodGet, keys, false, "woocommerce_rest_cannot_view"},
		{"basic write", http.MethodPut, "/1", true, "woocommerce_rest_cannot_edit"},
		{"oauth", http.MethodGet, "?oauth_consumer_key=" + plain.ConsumerKey + "&oauth_signature=x", false, "woocommerce_rest_authentication_error"},
	} {
		code, body := send(plain, c.method, c.suffix, c.basic)
		var e struct {
			Code string `json:"code"`
			Data struct {
				Status int `json:"status"`
			} `json:"data"`
		}
		if err := json.Unmarshal([]byte(body), &e); err != nil || code != 401 || e.Code != c.code || e.Data.Status != 401 {
			t.Errorf("%s over plain http: %d %s, want 401 %s", c.name, code, body, c.code)
		}
	}
	if st := plain.OrderStatus(1); st != "processing" {
		t.Fatalf("an update over plain http was applied: %s", st)
	}
	proxied := woocommercetest.NewServer(t, woocommercetest.WithTLSProxy())
	for _, basic := range []bool{true, false} {
		q := ""
		if !basic {
			q = "?consumer_key=" + proxied.ConsumerKey + "&consumer_secret=" + proxied.ConsumerSecret
		}
		if code, body := send(proxied, http.MethodGet, q, basic); code != 200 {
			t.Errorf("behind a TLS proxy (basic %v): %d %s", basic, code, body)
		}
	}
}
