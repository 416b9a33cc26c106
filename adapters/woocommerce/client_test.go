package woocommerce_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/azuvio/omnisales/adapters/woocommerce"
	"github.com/azuvio/omnisales/adapters/woocommerce/woocommercetest"
)

// fastConfig keeps retries quick in tests.
func fastConfig() woocommerce.Config {
	return woocommerce.Config{
		RetryMax:     3,
		RetryWaitMin: time.Millisecond,
		RetryWaitMax: 20 * time.Millisecond,
		Timeout:      5 * time.Second,
	}
}

func newClient(t *testing.T, srv *woocommercetest.Server, cfg woocommerce.Config) *woocommerce.Client {
	t.Helper()
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = srv.HTTPClient()
	}
	c, err := woocommerce.NewClient(srv.URL, srv.ConsumerKey, srv.ConsumerSecret, cfg)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return c
}

// logBuffer collects slog output safely across goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (l *logBuffer) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func TestNewClientRefusesBadInput(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		url, key, secret string
		cfg              woocommerce.Config
	}{
		{"https://shop.example.com", "", "cs", woocommerce.Config{}},
		{"https://shop.example.com", "ck", "", woocommerce.Config{}},
		{"shop.example.com", "ck", "cs", woocommerce.Config{}},
		{"ftp://shop.example.com", "ck", "cs", woocommerce.Config{}},
		{"https://user:pw@shop.example.com", "ck", "cs", woocommerce.Config{}},
		{"http://shop.example.com", "ck", "cs", woocommerce.Config{}},
		{"http://127.0.0.1:8080", "ck", "cs", woocommerce.Config{}}, // loopback too: the keys would still travel in the clear
		{"http://localhost", "ck", "cs", woocommerce.Config{QueryStringAuth: true}},
	} {
		_, err := woocommerce.NewClient(tc.url, tc.key, tc.secret, tc.cfg)
		var ce *woocommerce.ConfigError
		if !errors.Is(err, woocommerce.ErrInvalidOptions) || !errors.As(err, &ce) {
			t.Errorf("NewClient(%q, %q, %q) err = %v, want a *ConfigError wrapping ErrInvalidOptions", tc.url, tc.key, tc.secret, err)
			continue
		}
		if insecure := strings.HasPrefix(tc.url, "http:"); ce.Insecure != insecure {
			t.Errorf("NewClient(%q): Insecure = %v, want %v (%v)", tc.url, ce.Insecure, insecure, err)
		}
	}
	for _, ok := range []struct {
		url  string
		cfg  woocommerce.Config
		base string
	}{
		{"https://shop.example.com", woocommerce.Config{}, "https://shop.example.com/wp-json/wc/v3/"},
		{"https://example.com/shop/", woocommerce.Config{}, "https://example.com/shop/wp-json/wc/v3/"},
		{"https://example.com/wp-json/wc/v3", woocommerce.Config{}, "https://example.com/wp-json/wc/v3/"},
		{"http://127.0.0.1:8080", woocommerce.Config{AllowInsecureHTTP: true}, "http://127.0.0.1:8080/wp-json/wc/v3/"},
		{"http://shop.lan", woocommerce.Config{AllowInsecureHTTP: true}, "http://shop.lan/wp-json/wc/v3/"},
		{"http://shop.lan/store", woocommerce.Config{OAuth1: true}, "http://shop.lan/store/wp-json/wc/v3/"},
	} {
		c, err := woocommerce.NewClient(ok.url, "ck", "cs", ok.cfg)
		if err != nil {
			t.Errorf("NewClient(%q): %v", ok.url, err)
			continue
		}
		if c.BaseURL() != ok.base {
			t.Errorf("NewClient(%q).BaseURL() = %q, want %q", ok.url, c.BaseURL(), ok.base)
		}
	}
}

func TestNewClientDoesNotMutateHTTPClient(t *testing.T) {
	t.Parallel()
	srv := woocommercetest.NewServer(t)
	hc := srv.HTTPClient()
	tr := hc.Transport
	c := newClient(t, srv, woocommerce.Config{HTTPClient: hc, Timeout: time.Second})
	srv.GenerateOrders(1, woocommercetest.Generator{})
	if _, _, err := c.Orders.List(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if hc.Transport != tr || hc.Timeout != 0 {
		t.Fatalf("caller's http.Client was modified: transport %T timeout %v", hc.Transport, hc.Timeout)
	}
}

func TestAuthBasicAndQueryString(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		query bool
		opt   woocommercetest.Option
		want  string
	}{
		{"basic over https", false, woocommercetest.WithTLS(), "basic"},
		{"query string over https", true, woocommercetest.WithTLS(), "query"},
		{"basic behind a TLS proxy", false, woocommercetest.WithTLSProxy(), "basic"},
		{"query string behind a TLS proxy", true, woocommercetest.WithTLSProxy(), "query"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := woocommercetest.NewServer(t, tc.opt)
			srv.GenerateOrders(3, woocommercetest.Generator{Seed: 1})
			cfg := fastConfig()
			cfg.QueryStringAuth = tc.query
			cfg.AllowInsecureHTTP = strings.HasPrefix(srv.URL, "http:")
			c := newClient(t, srv, cfg)
			orders, resp, err := c.Orders.List(context.Background(), nil)
			if err != nil {
				t.Fatalf("List: %v", err)
			}
			if len(orders) != 3 || resp.Total != 3 {
				t.Fatalf("got %d orders, total %d; want 3, 3", len(orders), resp.Total)
			}
			reqs := srv.Requests()
			if len(reqs) != 1 || reqs[0].Auth != tc.want {
				t.Fatalf("requests %+v, want one with auth %q", reqs, tc.want)
			}
		})
	}
}

// A site on plain http takes no keys (WooCommerce wants OAuth 1.0a there):
// the client refuses such a URL unless told otherwise, and the fake, like
// a real site, answers keys sent in the clear as an anonymous request.
func TestPlainHTTPSendsNoKeys(t *testing.T) {
	t.Parallel()
	srv := woocommercetest.NewServer(t, woocommercetest.WithPlainHTTP())
	srv.AddOrder(woocommercetest.Order{ID: 1, Status: "processing"})
	var ce *woocommerce.ConfigError
	if _, err := woocommerce.NewClient(srv.URL, srv.ConsumerKey, srv.ConsumerSecret, fastConfig()); !errors.As(err, &ce) || !ce.Insecure {
		t.Fatalf("NewClient(%s) = %v, want an insecure *ConfigError", srv.URL, err)
	}
	if len(srv.Requests()) != 0 {
		t.Fatalf("a refused client reached the site: %+v", srv.Requests())
	}
	for _, query := range []bool{false, true} {
		cfg := fastConfig()
		cfg.AllowInsecureHTTP, cfg.QueryStringAuth = true, query
		c := newClient(t, srv, cfg)
		_, _, err := c.Orders.List(context.Background(), nil)
		var apiErr *woocommerce.Error
		if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusUnauthorized || apiErr.Code != "woocommerce_rest_cannot_view" ||
			!errors.Is(err, woocommerce.ErrUnauthorized) {
			t.Fatalf("query %v: List over plain http = %v, want 401 woocommerce_rest_cannot_view", query, err)
		}
		_, _, err = c.Orders.UpdateStatus(context.Background(), 1, "completed")
		if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusUnauthorized || apiErr.Code != "woocommerce_rest_cannot_edit" {
			t.Fatalf("query %v: UpdateStatus over plain http = %v, want 401 woocommerce_rest_cannot_edit", query, err)
		}
	}
	if got := srv.OrderStatus(1); got != "processing" {
		t.Fatalf("an update over plain http was applied: %s", got)
	}
}

func TestAuthFailureIsTypedAndRedacted(t *testing.T) {
	t.Parallel()
	srv := woocommercetest.NewServer(t)
	for _, query := range []bool{false, true} {
		cfg := fastConfig()
		cfg.QueryStringAuth = query
		cfg.HTTPClient = srv.HTTPClient()
		var logs logBuffer
		cfg.Logger = logs.logger()
		secret := "cs_wrong_secret_value_42"
		c, err := woocommerce.NewClient(srv.URL, srv.ConsumerKey, secret, cfg)
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = c.Orders.List(context.Background(), nil)
		if !errors.Is(err, woocommerce.ErrUnauthorized) {
			t.Fatalf("query=%v: err = %v, want ErrUnauthorized", query, err)
		}
		var apiErr *woocommerce.Error
		if !errors.As(err, &apiErr) {
			t.Fatalf("query=%v: err %T is not *Error", query, err)
		}
		if apiErr.Code != "woocommerce_rest_authentication_error" || apiErr.StatusCode != 401 {
			t.Fatalf("query=%v: got %d %q", query, apiErr.StatusCode, apiErr.Code)
		}
		assertNoSecret(t, secret, err, apiErr.Response, logs.String())
	}
	// No credentials reaching the server at all (e.g. stripped by a proxy).
	resp, err := srv.HTTPClient().Get(srv.URL + "/wp-json/wc/v3/orders")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 401 || !strings.Contains(string(body), "woocommerce_rest_cannot_view") {
		t.Fatalf("anonymous GET: %d %s", resp.StatusCode, body)
	}
}

// assertNoSecret fails if secret shows in the error text, in the kept
// response (request URL, headers, Link) or in the logs.
func assertNoSecret(t *testing.T, secret string, err error, resp *http.Response, logs string) {
	t.Helper()
	if err != nil {
		for _, s := range []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)} {
			if strings.Contains(s, secret) {
				t.Errorf("secret in error text: %s", s)
			}
		}
	}
	if strings.Contains(logs, secret) {
		t.Errorf("secret in logs: %s", logs)
	}
	if resp == nil {
		return
	}
	for k, v := range resp.Header {
		if strings.Contains(strings.Join(v, " "), secret) {
			t.Errorf("secret in response header %s: %v", k, v)
		}
	}
	if r := resp.Request; r != nil {
		if strings.Contains(r.URL.String(), secret) {
			t.Errorf("secret in request URL %s", r.URL)
		}
		if r.Header.Get("Authorization") != "" {
			t.Errorf("Authorization header kept: %q", r.Header.Get("Authorization"))
		}
	}
}

func TestSecretsNeverInErrorsOrLogs(t *testing.T) {
	t.Parallel()
	for _, query := range []bool{false, true} {
		t.Run(fmt.Sprintf("query=%v", query), func(t *testing.T) {
			t.Parallel()
			srv := woocommercetest.NewServer(t)
			srv.GenerateOrders(30, woocommercetest.Generator{Seed: 2})
			var logs logBuffer
			cfg := fastConfig()
			cfg.QueryStringAuth = query
			cfg.Logger = logs.logger()
			cfg.RetryMax = 1
			c := newClient(t, srv, cfg)
			ctx := context.Background()
			secret := srv.ConsumerSecret

			// Success with a Link header (which repeats query credentials).
			_, resp, err := c.Orders.List(ctx, &woocommerce.ListOrdersOptions{Page: 2, PerPage: 10})
			if err != nil {
				t.Fatal(err)
			}
			if resp.Header.Get("Link") == "" {
				t.Fatal("expected a Link header")
			}
			assertNoSecret(t, secret, nil, resp.Response, logs.String())

			// API errors, exhausted retries, malformed bodies.
			_, _, err = c.Orders.Get(ctx, 999999)
			assertNoSecret(t, secret, err, errResponse(err), logs.String())
			srv.InjectFault(woocommercetest.Fault{Kind: woocommercetest.FaultStatus, Status: 500, Times: 2}) // RetryMax 1: two attempts
			_, _, err = c.Orders.List(ctx, nil)
			if !errors.Is(err, woocommerce.ErrServer) {
				t.Fatalf("err = %v, want ErrServer", err)
			}
			assertNoSecret(t, secret, err, errResponse(err), logs.String())
			srv.InjectFault(woocommercetest.Fault{Kind: woocommercetest.FaultMalformed, Times: 2})
			_, _, err = c.Orders.List(ctx, nil)
			if !errors.Is(err, woocommerce.ErrMalformedResponse) {
				t.Fatalf("err = %v, want ErrMalformedResponse", err)
			}
			assertNoSecret(t, secret, err, nil, logs.String())

			// Transport failure: the server is gone.
			srv.Close()
			_, _, err = c.Orders.List(ctx, nil)
			if !errors.Is(err, woocommerce.ErrUnreachable) {
				t.Fatalf("err = %v, want ErrUnreachable", err)
			}
			assertNoSecret(t, secret, err, nil, logs.String())
			if !strings.Contains(logs.String(), "retrying request") {
				t.Fatalf("expected retry records in the logs, got:\n%s", logs.String())
			}
		})
	}
}

func errResponse(err error) *http.Response {
	var e *woocommerce.Error
	if errors.As(err, &e) {
		return e.Response
	}
	return nil
}

// The mux answers only under a non-empty base path, so a client that
// builds absolute paths (dropping /sub/dir) fails.
func TestNonEmptyBasePath(t *testing.T) {
	t.Parallel()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /sub/dir/wp-json/wc/v3/orders/7", func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != "ck" || p != "cs" {
			http.Error(w, "auth", http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"id":7,"status":"on-hold","total":"1.50","date_created_gmt":"2025-02-03T04:05:06"}`)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("request outside the base path: %s %s", r.Method, r.URL.Path)
		http.NotFound(w, r)
	})
	hs := httptest.NewTLSServer(mux)
	t.Cleanup(hs.Close)
	cfg := fastConfig()
	cfg.HTTPClient = hs.Client()
	c, err := woocommerce.NewClient(hs.URL+"/sub/dir/", "ck", "cs", cfg)
	if err != nil {
		t.Fatal(err)
	}
	o, _, err := c.Orders.Get(context.Background(), 7)
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	if o.ID != 7 || o.Status != "on-hold" || o.Total.String() != "1.5" ||
		!o.DateCreated.Equal(time.Date(2025, 2, 3, 4, 5, 6, 0, time.UTC)) {
		t.Fatalf("got %+v", o)
	}

	// The same through the fake under a path prefix.
	srv := woocommercetest.NewServer(t, woocommercetest.WithPathPrefix("/shop"))
	srv.GenerateOrders(5, woocommercetest.Generator{})
	fc := newClient(t, srv, fastConfig())
	all, err := fc.Orders.ListAll(context.Background(), nil)
	if err != nil || len(all) != 5 {
		t.Fatalf("ListAll under /shop: %d orders, %v", len(all), err)
	}
}

func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	srv := woocommercetest.NewServer(t)
	orders := srv.GenerateOrders(40, woocommercetest.Generator{Seed: 3})
	c := newClient(t, srv, fastConfig())
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 80)
	for _, o := range orders {
		wg.Add(2)
		go func() {
			defer wg.Done()
			if _, _, err := c.Orders.UpdateStatus(ctx, o.ID, "completed"); err != nil {
				errs <- err
			}
		}()
		go func() {
			defer wg.Done()
			if _, _, err := c.Orders.List(ctx, &woocommerce.ListOrdersOptions{PerPage: 20}); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for _, o := range orders {
		if got := srv.OrderStatus(o.ID); got != "completed" {
			t.Errorf("order %d status %q", o.ID, got)
		}
		if n := srv.PutCount(o.ID); n != 1 {
			t.Errorf("order %d pushed %d times", o.ID, n)
		}
	}
}

// TestOAuth1OverPlainHTTP: with Config.OAuth1 a plain http site is reached
// with signed requests, which the fake checks as WooCommerce does; a retry
// after an answer lost in transit is signed anew (the fake refuses a nonce
// seen before), and no request carries the keys.
func TestOAuth1OverPlainHTTP(t *testing.T) {
	t.Parallel()
	srv := woocommercetest.NewServer(t, woocommercetest.WithPlainHTTP())
	orders := srv.GenerateOrders(25, woocommercetest.Generator{Seed: 3, Statuses: []string{"processing"}})
	// Page 2 is handled (the nonce is used) and then answered with a 503.
	srv.InjectFault(woocommercetest.Fault{Kind: woocommercetest.FaultStatus, Status: 503, Method: http.MethodGet,
		Path: "/orders", Page: 2, AfterApply: true})
	cfg := fastConfig()
	cfg.OAuth1 = true
	c := newClient(t, srv, cfg)
	ctx := context.Background()
	got, err := c.Orders.ListAll(ctx, &woocommerce.ListOrdersOptions{PerPage: 10})
	if err != nil {
		t.Fatalf("ListAll over plain http: %v", err)
	}
	if len(got) != 25 {
		t.Fatalf("listed %d orders, want 25", len(got))
	}
	id := orders[0].ID
	if _, _, err := c.Orders.UpdateStatus(ctx, id, "completed"); err != nil {
		t.Fatalf("UpdateStatus: %v", err)
	}
	if st := srv.OrderStatus(id); st != "completed" {
		t.Fatalf("status %s after the signed write", st)
	}
	reqs := srv.Requests()
	faulted := 0
	for _, r := range reqs {
		if r.Auth != "oauth" {
			t.Errorf("request %s %s with auth %q, want oauth", r.Method, r.Path, r.Auth)
		}
		if r.Status == http.StatusUnauthorized {
			t.Errorf("request %s %s refused: a signature or nonce the site did not take", r.Method, r.Path)
		}
		if r.Fault != 0 {
			faulted++
		}
	}
	if faulted != 1 {
		t.Fatalf("%d faulted requests, want 1 (the retry must follow it)", faulted)
	}

	// OAuth1 changes nothing on https: the keys go as HTTP Basic there.
	tls := woocommercetest.NewServer(t)
	tls.GenerateOrders(1, woocommercetest.Generator{Seed: 1})
	if _, _, err := newClient(t, tls, cfg).Orders.List(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if r := tls.Requests(); len(r) != 1 || r[0].Auth != "basic" {
		t.Fatalf("OAuth1 over https: %+v, want HTTP Basic", r)
	}
}
