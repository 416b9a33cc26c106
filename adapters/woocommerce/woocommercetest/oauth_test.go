package woocommercetest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/azuvio/omnisales/adapters/woocommerce/woocommercetest"
)

// TestOAuthOverPlainHTTP sends requests signed apart from any client
// (signatures computed with Python's hmac, for the Host shop.example.com
// at 2026-03-01 10:00 UTC) and checks what the fake accepts and refuses.
func TestOAuthOverPlainHTTP(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	srv := woocommercetest.NewServer(t, woocommercetest.WithPlainHTTP(), woocommercetest.WithClock(start))
	srv.AddOrder(woocommercetest.Order{ID: 1, Status: "processing"})
	const ts = "1772359200" // start
	list := url.Values{
		"page": {"2"}, "per_page": {"100"}, "status": {"processing,on-hold"},
		"oauth_consumer_key": {srv.ConsumerKey}, "oauth_nonce": {"abc123"},
		"oauth_signature_method": {"HMAC-SHA256"}, "oauth_timestamp": {ts},
		"oauth_signature": {"7vKanPcFLGWwrLQygv/8TAzAiT50Jeq0S84YWFvIiIg="},
	}
	send := func(method, path string, q url.Values, header string, body string) (int, string) {
		t.Helper()
		req, err := http.NewRequest(method, srv.URL+"/wp-json/wc/v3"+path+"?"+q.Encode(), strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Host = "shop.example.com"
		if header != "" {
			req.Header.Set("Authorization", header)
		}
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := srv.HTTPClient().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var e struct {
			Message string `json:"message"`
		}
		_ = json.Unmarshal(b, &e)
		return resp.StatusCode, e.Message
	}
	if code, msg := send(http.MethodGet, "/orders", list, "", ""); code != http.StatusOK {
		t.Fatalf("signed list: %d %s", code, msg)
	}
	if code, msg := send(http.MethodGet, "/orders", list, "", ""); code != 401 || !strings.Contains(msg, "nonce has already been used") {
		t.Errorf("same nonce again: %d %q", code, msg)
	}
	tampered := url.Values{}
	for k, v := range list {
		tampered[k] = v
	}
	tampered.Set("page", "3")
	tampered.Set("oauth_nonce", "abc124")
	if code, msg := send(http.MethodGet, "/orders", tampered, "", ""); code != 401 || !strings.Contains(msg, "signature does not match") {
		t.Errorf("changed parameters: %d %q", code, msg)
	}
	missing := url.Values{"oauth_consumer_key": {srv.ConsumerKey}, "oauth_signature": {"x"}}
	if code, msg := send(http.MethodGet, "/orders", missing, "", ""); code != 401 ||
		msg != "Missing OAuth parameter oauth_timestamp, oauth_nonce, oauth_signature_method" {
		t.Errorf("missing parameters: %d %q", code, msg)
	}
	otherKey := url.Values{"oauth_consumer_key": {"ck_other"}, "oauth_nonce": {"q"}, "oauth_signature_method": {"HMAC-SHA256"},
		"oauth_timestamp": {ts}, "oauth_signature": {"x"}}
	if code, msg := send(http.MethodGet, "/orders", otherKey, "", ""); code != 401 || msg != "Consumer key is invalid." {
		t.Errorf("unknown key: %d %q", code, msg)
	}

	// HMAC-SHA1 in an Authorization header, on a write; the nonce holds a
	// space and a plus sign, encoded in the header.
	header := `OAuth oauth_consumer_key="` + srv.ConsumerKey + `", oauth_nonce="n2%20x%2By", oauth_signature_method="HMAC-SHA1", ` +
		`oauth_timestamp="` + ts + `", oauth_signature="6va4dMn%2BGZKaNG5LYt4qr0XgEBY%3D"`
	if code, msg := send(http.MethodPut, "/orders/1", url.Values{}, header, `{"status":"completed"}`); code != http.StatusOK {
		t.Fatalf("signed write in a header: %d %s", code, msg)
	}
	if st := srv.OrderStatus(1); st != "completed" {
		t.Fatalf("status after the signed write: %s", st)
	}

	// Sixteen minutes on, the same request (new nonce, old time) is stale.
	srv.Advance(16 * time.Minute)
	stale := url.Values{}
	for k, v := range list {
		stale[k] = v
	}
	stale.Set("oauth_nonce", "fresh")
	stale.Set("oauth_signature", "dj+LLSz8g+RAji6ujP9xrWSNQoqggdL6ZsEnZXsgELo=") // valid, for the old time
	if code, msg := send(http.MethodGet, "/orders", stale, "", ""); code != 401 || msg != "Invalid timestamp." {
		t.Errorf("old timestamp: %d %q", code, msg)
	}
	for _, r := range srv.Requests() {
		if r.Auth != "oauth" || r.Query.Has("oauth_signature") {
			t.Errorf("request record %+v: want auth oauth and no oauth_* in the query", r)
		}
	}
}
