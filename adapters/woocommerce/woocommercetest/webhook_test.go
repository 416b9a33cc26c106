package woocommercetest_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/azuvio/omnisales/adapters/woocommerce/woocommercetest"
)

// hit is one request a webhook receiver got.
type hit struct {
	header http.Header
	body   string
}

// receiver records requests and answers with the next status of codes
// (200 once they run out).
type receiver struct {
	mu    sync.Mutex
	hits  []hit
	codes []int
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	rc.hits = append(rc.hits, hit{r.Header.Clone(), string(b)})
	code := http.StatusOK
	if len(rc.codes) > 0 {
		code, rc.codes = rc.codes[0], rc.codes[1:]
	}
	rc.mu.Unlock()
	w.WriteHeader(code)
}

func (rc *receiver) got() []hit {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]hit(nil), rc.hits...)
}

func waitHooks(t *testing.T, s *woocommercetest.Server) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.WaitWebhooks(ctx); err != nil {
		t.Fatal(err)
	}
}

// Each change of the site goes to the webhooks of its topic, in order,
// with WooCommerce's headers and a signature over the raw body; the
// trash is a deletion ({"id":N}) and leaving it a restoration.
func TestWebhooksFireOnChanges(t *testing.T) {
	t.Parallel()
	s := woocommercetest.NewServer(t)
	rc := &receiver{}
	target := httptest.NewServer(rc)
	defer target.Close()
	ids := map[string]int64{}
	for _, topic := range []string{woocommercetest.TopicOrderCreated, woocommercetest.TopicOrderUpdated,
		woocommercetest.TopicOrderDeleted, woocommercetest.TopicOrderRestored} {
		wh, err := s.AddWebhook(context.Background(), woocommercetest.Webhook{Topic: topic, DeliveryURL: target.URL + "/hook", Secret: "sec-" + topic})
		if err != nil || wh.Status != woocommercetest.WebhookActive {
			t.Fatalf("AddWebhook(%s): %+v, %v", topic, wh, err)
		}
		ids[topic] = wh.ID
	}
	paused, _ := s.AddWebhook(context.Background(), woocommercetest.Webhook{Topic: woocommercetest.TopicOrderUpdated,
		DeliveryURL: target.URL + "/paused", Status: woocommercetest.WebhookPaused})
	if _, err := s.AddWebhook(context.Background(), woocommercetest.Webhook{Topic: "product.updated", DeliveryURL: target.URL}); err == nil {
		t.Fatal("a product topic was accepted")
	}
	pings := rc.got()
	if len(pings) != 4 || pings[0].body != fmt.Sprintf("webhook_id=%d", ids[woocommercetest.TopicOrderCreated]) ||
		pings[0].header.Get("X-WC-Webhook-Signature") != "" {
		t.Fatalf("pings %+v", pings)
	}
	o := s.AddOrder(woocommercetest.Order{Status: "pending"})
	s.SetOrderStatus(o.ID, "processing")
	s.SetOrderStatus(o.ID, "trash")
	s.SetOrderStatus(o.ID, "processing")
	s.DeleteOrder(o.ID)
	waitHooks(t, s)
	got := rc.got()[4:]
	want := []struct{ topic, status string }{
		{woocommercetest.TopicOrderCreated, "pending"}, // each delivery carries its own change
		{woocommercetest.TopicOrderUpdated, "processing"},
		{woocommercetest.TopicOrderDeleted, ""},
		{woocommercetest.TopicOrderRestored, "processing"},
		{woocommercetest.TopicOrderDeleted, ""},
	}
	if len(got) != len(want) {
		t.Fatalf("%d deliveries, want %d: %+v", len(got), len(want), got)
	}
	seen := map[string]bool{}
	for i, w := range want {
		h := got[i].header
		topic := h.Get("X-WC-Webhook-Topic")
		resource, event, _ := strings.Cut(w.topic, ".")
		if topic != w.topic || h.Get("X-WC-Webhook-Resource") != resource || h.Get("X-WC-Webhook-Event") != event ||
			h.Get("X-WC-Webhook-ID") != fmt.Sprint(ids[w.topic]) || h.Get("X-WC-Webhook-Source") != s.URL+"/" ||
			!strings.HasPrefix(h.Get("User-Agent"), "WooCommerce/") || h.Get("Content-Type") != "application/json" {
			t.Fatalf("delivery %d headers %v, want topic %s", i, h, w.topic)
		}
		mac := hmac.New(sha256.New, []byte("sec-"+w.topic))
		mac.Write([]byte(got[i].body))
		if h.Get("X-WC-Webhook-Signature") != base64.StdEncoding.EncodeToString(mac.Sum(nil)) {
			t.Fatalf("delivery %d: bad signature", i)
		}
		did := h.Get("X-WC-Webhook-Delivery-ID")
		if did == "" || seen[did] {
			t.Fatalf("delivery %d: delivery id %q empty or reused", i, did)
		}
		seen[did] = true
		switch {
		case w.status == "" && got[i].body != fmt.Sprintf(`{"id":%d}`, o.ID):
			t.Fatalf("delivery %d body %s, want only the id", i, got[i].body)
		case w.status != "" && !strings.Contains(got[i].body, `"status":"`+w.status+`"`):
			t.Fatalf("delivery %d body %s, want status %s", i, got[i].body, w.status)
		}
	}
	if wh, _ := s.Webhook(paused.ID); wh.Status != woocommercetest.WebhookPaused {
		t.Fatalf("paused webhook %+v", wh)
	}
	for _, r := range s.WebhookRecords() {
		if r.WebhookID == paused.ID {
			t.Fatalf("a paused webhook got %+v", r)
		}
	}
}

// Success is a 2xx, 301 or 302 and resets the failure count; anything
// else, or no answer, is a failure; the failure that finds the count above
// MaxDeliveryFailures disables the webhook. Retries (the fake's own) send
// a failed delivery again with the same delivery id, each failed attempt
// counted.
func TestWebhookFailuresRetriesAndDisable(t *testing.T) {
	t.Parallel()
	s := woocommercetest.NewServer(t)
	o := s.AddOrder(woocommercetest.Order{Status: "pending"})
	rc := &receiver{}
	target := httptest.NewServer(rc)
	defer target.Close()
	wh, err := s.AddWebhook(context.Background(), woocommercetest.Webhook{Topic: woocommercetest.TopicOrderUpdated, DeliveryURL: target.URL, Retries: 2})
	if err != nil {
		t.Fatal(err)
	}
	rc.mu.Lock()
	rc.codes = []int{500, 302, 404, 500, 500, 301, 503, 503, 503, 503, 503, 503, 503}
	rc.mu.Unlock()
	change := func() {
		s.SetOrderStatus(o.ID, "processing")
		waitHooks(t, s)
	}
	// 500 then 302: delivered on the first retry, same delivery id.
	change()
	recs := s.WebhookRecords()
	if len(recs) != 2 || recs[0].OK || !recs[1].OK || recs[1].Attempt != 2 || recs[0].DeliveryID != recs[1].DeliveryID {
		t.Fatalf("records %+v", recs)
	}
	if h, _ := s.Webhook(wh.ID); h.FailureCount != 0 {
		t.Fatalf("a success did not reset the count: %+v", h)
	}
	// 404, 500, 500: three attempts fail, the delivery is given up.
	change()
	if h, _ := s.Webhook(wh.ID); h.FailureCount != 3 || h.Status != woocommercetest.WebhookActive {
		t.Fatalf("after three failures %+v", h)
	}
	// 301 succeeds; then 503s until disabled: six failures count up to
	// six, the seventh disables.
	change()
	change()
	change()
	change()
	h, _ := s.Webhook(wh.ID)
	if h.Status != woocommercetest.WebhookDisabled || h.FailureCount != woocommercetest.MaxDeliveryFailures+1 {
		t.Fatalf("after seven failures in a row: %+v", h)
	}
	n := len(s.WebhookRecords())
	change()
	if len(s.WebhookRecords()) != n {
		t.Fatal("a disabled webhook got a delivery")
	}
	// Nobody listening is a failure too.
	gone, _ := s.AddWebhook(context.Background(), woocommercetest.Webhook{Topic: woocommercetest.TopicOrderUpdated, DeliveryURL: "http://127.0.0.1:1/", Status: woocommercetest.WebhookActive})
	change()
	if g, _ := s.Webhook(gone.ID); g.FailureCount != 1 {
		t.Fatalf("unreachable receiver: %+v", g)
	}
}
