package woocommerce_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/azuvio/omnisales/adapters/woocommerce"
	"github.com/azuvio/omnisales/adapters/woocommerce/woocommercetest"
)

const hookSecret = "whsec_test_secret"

// hookRecorder collects what the webhook handler did.
type hookRecorder struct {
	mu       sync.Mutex
	orders   []woocommerce.Order
	dels     []woocommerce.WebhookDelivery
	rejected []error
	fail     error
}

func (h *hookRecorder) sink(_ context.Context, o woocommerce.Order, d woocommerce.WebhookDelivery) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.fail != nil {
		return h.fail
	}
	h.orders = append(h.orders, o)
	h.dels = append(h.dels, d)
	return nil
}

func (h *hookRecorder) onRejected(_ context.Context, _ woocommerce.WebhookDelivery, err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.rejected = append(h.rejected, err)
}

func (h *hookRecorder) counts() (int, int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.orders), len(h.rejected)
}

func newHookTarget(t *testing.T, opts woocommerce.WebhookOptions) (*hookRecorder, string) {
	t.Helper()
	rec := &hookRecorder{}
	opts.OnRejected = rec.onRejected
	hs := httptest.NewServer(woocommerce.NewWebhookHandler(hookSecret, rec.sink, opts))
	t.Cleanup(hs.Close)
	return rec, hs.URL + "/hooks/woo"
}

func TestWebhookSignedDeliveryReachesSink(t *testing.T) {
	t.Parallel()
	srv := woocommercetest.NewServer(t)
	o := srv.GenerateOrders(1, woocommercetest.Generator{Seed: 9})[0]
	rec, url := newHookTarget(t, woocommerce.WebhookOptions{})
	ctx := context.Background()

	code, err := srv.DeliverWebhook(ctx, url, woocommercetest.Delivery{Topic: "order.updated", OrderID: o.ID, Secret: hookSecret, DeliveryID: "d-1", WebhookID: 5})
	if err != nil || code != http.StatusOK {
		t.Fatalf("delivery: %d %v", code, err)
	}
	if len(rec.orders) != 1 || rec.orders[0].ID != o.ID || rec.orders[0].Status != o.Status || len(rec.orders[0].LineItems) != len(o.LineItems) {
		t.Fatalf("sink got %+v", rec.orders)
	}
	d := rec.dels[0]
	if d.ID != "d-1" || d.WebhookID != 5 || d.Topic != "order.updated" || d.Resource != "order" || d.Event != "updated" || !strings.HasPrefix(d.Source, srv.URL) {
		t.Fatalf("delivery %+v", d)
	}

	// order.deleted carries only the id.
	code, _ = srv.DeliverWebhook(ctx, url, woocommercetest.Delivery{Topic: "order.deleted", OrderID: 77, Secret: hookSecret})
	if code != 200 || rec.orders[1].ID != 77 || rec.dels[1].Event != "deleted" {
		t.Fatalf("deleted: %d %+v", code, rec.orders)
	}
	// Other topics are acknowledged without reaching the order sink.
	code, _ = srv.DeliverWebhook(ctx, url, woocommercetest.Delivery{Topic: "product.updated", Body: []byte(`{"id":3}`), Secret: hookSecret})
	if n, _ := rec.counts(); code != 200 || n != 2 {
		t.Fatalf("product topic: %d, sink calls %d", code, n)
	}
}

func TestWebhookBadSignatureRefusedAndRecorded(t *testing.T) {
	t.Parallel()
	srv := woocommercetest.NewServer(t)
	o := srv.AddOrder(woocommercetest.Order{})
	rec, url := newHookTarget(t, woocommerce.WebhookOptions{})
	ctx := context.Background()

	code, _ := srv.DeliverWebhook(ctx, url, woocommercetest.Delivery{OrderID: o.ID, Secret: hookSecret, BadSignature: true, DeliveryID: "x"})
	if code != http.StatusUnauthorized {
		t.Fatalf("bad signature answered %d", code)
	}
	code, _ = srv.DeliverWebhook(ctx, url, woocommercetest.Delivery{OrderID: o.ID, Unsigned: true})
	if code != http.StatusUnauthorized {
		t.Fatalf("unsigned answered %d", code)
	}
	n, r := rec.counts()
	if n != 0 || r != 2 || !errors.Is(rec.rejected[0], woocommerce.ErrBadSignature) || !errors.Is(rec.rejected[1], woocommerce.ErrMissingSignature) {
		t.Fatalf("sink %d, rejected %v", n, rec.rejected)
	}
	// The refused delivery id was not remembered: a good redelivery passes.
	code, _ = srv.DeliverWebhook(ctx, url, woocommercetest.Delivery{OrderID: o.ID, Secret: hookSecret, DeliveryID: "x"})
	if n, _ := rec.counts(); code != 200 || n != 1 {
		t.Fatalf("good redelivery: %d, sink %d", code, n)
	}
	// A tampered body with the original signature fails.
	body, _ := srv.OrderJSON(o.ID)
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(strings.Replace(string(body), `"pending"`, `"completed"`, 1)))
	req.Header.Set("X-WC-Webhook-Signature", woocommerce.Sign(body, hookSecret))
	req.Header.Set("X-WC-Webhook-Topic", "order.updated")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Fatalf("tampered body answered %d", resp.StatusCode)
	}
}

func TestWebhookPing(t *testing.T) {
	t.Parallel()
	srv := woocommercetest.NewServer(t)
	rec, url := newHookTarget(t, woocommerce.WebhookOptions{})
	code, err := srv.PingWebhook(context.Background(), url, 12)
	if err != nil || code != http.StatusOK {
		t.Fatalf("ping: %d %v", code, err)
	}
	if n, r := rec.counts(); n != 0 || r != 0 {
		t.Fatalf("ping reached sink %d / rejected %d", n, r)
	}
	// A form body that is not a ping is not let through unsigned.
	resp, err := http.Post(url, "application/x-www-form-urlencoded", strings.NewReader("status=completed"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Fatalf("unsigned form answered %d", resp.StatusCode)
	}
}

func TestWebhookDuplicateDeliveries(t *testing.T) {
	t.Parallel()
	srv := woocommercetest.NewServer(t)
	o := srv.AddOrder(woocommercetest.Order{})
	rec, url := newHookTarget(t, woocommerce.WebhookOptions{Remember: 2})
	ctx := context.Background()
	send := func(id string) int {
		code, err := srv.DeliverWebhook(ctx, url, woocommercetest.Delivery{OrderID: o.ID, Secret: hookSecret, DeliveryID: id})
		if err != nil {
			t.Fatal(err)
		}
		return code
	}
	for _, id := range []string{"a", "a", "b", "a"} {
		if code := send(id); code != 200 {
			t.Fatalf("delivery %s answered %d", id, code)
		}
	}
	if n, _ := rec.counts(); n != 2 {
		t.Fatalf("sink called %d times for deliveries a,a,b,a; want 2", n)
	}
	// Memory is bounded: after c, d the oldest id (a) is forgotten.
	send("c")
	send("d")
	send("a")
	if n, _ := rec.counts(); n != 5 {
		t.Fatalf("sink called %d times; want 5 (a forgotten after 2 newer)", n)
	}

	// Concurrent duplicates: processed once.
	var wg sync.WaitGroup
	codes := make(chan int, 8)
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes <- send("burst")
		}()
	}
	wg.Wait()
	close(codes)
	if n, _ := rec.counts(); n != 6 {
		t.Fatalf("burst processed %d times", n-5)
	}
	for c := range codes {
		if c != 200 && c != 409 {
			t.Fatalf("burst answered %d", c)
		}
	}
}

func TestWebhookSinkFailureAllowsRedelivery(t *testing.T) {
	t.Parallel()
	srv := woocommercetest.NewServer(t)
	o := srv.AddOrder(woocommercetest.Order{})
	rec, url := newHookTarget(t, woocommerce.WebhookOptions{})
	rec.fail = errors.New("store down")
	ctx := context.Background()
	code, _ := srv.DeliverWebhook(ctx, url, woocommercetest.Delivery{OrderID: o.ID, Secret: hookSecret, DeliveryID: "r"})
	if code != 500 {
		t.Fatalf("sink failure answered %d", code)
	}
	rec.mu.Lock()
	rec.fail = nil
	rec.mu.Unlock()
	code, _ = srv.DeliverWebhook(ctx, url, woocommercetest.Delivery{OrderID: o.ID, Secret: hookSecret, DeliveryID: "r"})
	if n, _ := rec.counts(); code != 200 || n != 1 {
		t.Fatalf("redelivery: %d, sink %d", code, n)
	}
}

func TestWebhookLimitsAndBadPayloads(t *testing.T) {
	t.Parallel()
	srv := woocommercetest.NewServer(t)
	rec, url := newHookTarget(t, woocommerce.WebhookOptions{MaxBodyBytes: 64})
	ctx := context.Background()
	big := []byte(`{"id":1,"customer_note":"` + strings.Repeat("x", 100) + `"}`)
	code, _ := srv.DeliverWebhook(ctx, url, woocommercetest.Delivery{Body: big, Secret: hookSecret})
	if code != http.StatusRequestEntityTooLarge {
		t.Fatalf("oversize answered %d", code)
	}
	for _, body := range []string{`{"id":"x"`, `{"total":"1.00"}`, `[1,2]`} {
		code, _ = srv.DeliverWebhook(ctx, url, woocommercetest.Delivery{Body: []byte(body), Secret: hookSecret})
		if code != http.StatusBadRequest {
			t.Fatalf("%s answered %d", body, code)
		}
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.orders) != 0 || len(rec.rejected) != 4 || !errors.Is(rec.rejected[0], woocommerce.ErrPayloadTooLarge) || !errors.Is(rec.rejected[1], woocommerce.ErrBadPayload) {
		t.Fatalf("orders %d rejected %v", len(rec.orders), rec.rejected)
	}
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("GET answered %d", resp.StatusCode)
	}
}

// Sign agrees with the fake's independent signer (checked through the handler above)
// and with a known vector.
func TestSignKnownVector(t *testing.T) {
	t.Parallel()
	// base64(HMAC-SHA256("{\"id\":1}", "secret")), computed with openssl.
	got := woocommerce.Sign([]byte(`{"id":1}`), "secret")
	if got != "A971iWIMgT8Zj9A9eWfikrFj7wQ16/Qwcc4OlRl2PLc=" {
		t.Fatalf("Sign = %s", got)
	}
}

// Refusals are recorded by default: with no OnRejected and no Logger, the
// handler's Stats count a forged, an unsigned and a malformed delivery by
// reason and describe the latest.
func TestWebhookStatsRecordRefusalsByDefault(t *testing.T) {
	t.Parallel()
	srv := woocommercetest.NewServer(t)
	order := srv.AddOrder(woocommercetest.Order{Status: "processing"})
	var sunk int
	h := woocommerce.NewWebhookHandler(hookSecret, func(context.Context, woocommerce.Order, woocommerce.WebhookDelivery) error {
		sunk++
		return nil
	}, woocommerce.WebhookOptions{})
	target := httptest.NewServer(h)
	defer target.Close()
	ctx := context.Background()
	for _, c := range []struct {
		d    woocommercetest.Delivery
		want int
	}{
		{woocommercetest.Delivery{OrderID: order.ID, Secret: hookSecret, DeliveryID: "1"}, http.StatusOK},
		{woocommercetest.Delivery{OrderID: order.ID, Secret: hookSecret, DeliveryID: "1"}, http.StatusOK},
		{woocommercetest.Delivery{OrderID: order.ID, Secret: hookSecret, Unsigned: true}, http.StatusUnauthorized},
		{woocommercetest.Delivery{Body: []byte(`{}`), Secret: hookSecret}, http.StatusBadRequest},
		{woocommercetest.Delivery{OrderID: order.ID, Secret: "guessed", DeliveryID: "forged-7"}, http.StatusUnauthorized},
	} {
		if code, err := srv.DeliverWebhook(ctx, target.URL, c.d); err != nil || code != c.want {
			t.Fatalf("%+v: %d %v, want %d", c.d, code, err, c.want)
		}
	}
	if code, err := srv.PingWebhook(ctx, target.URL, 3); err != nil || code != http.StatusOK {
		t.Fatalf("ping: %d %v", code, err)
	}
	st := h.Stats()
	if st.Delivered != 1 || st.Duplicates != 1 || st.Pings != 1 || st.BadSignature != 1 || st.MissingSignature != 1 ||
		st.BadPayload != 1 || st.Refused() != 3 || sunk != 1 {
		t.Fatalf("stats %+v, sink called %d times", st, sunk)
	}
	last := st.LastRefusal
	if !errors.Is(last.Err, woocommerce.ErrBadSignature) || last.Delivery.ID != "forged-7" || last.Status != http.StatusUnauthorized ||
		last.RemoteAddr == "" || last.At.IsZero() {
		t.Fatalf("last refusal %+v", last)
	}
}

// The handler never panics, answers only its documented statuses, hands
// the sink only orders with an id, and counts every refusal.
func FuzzWebhookHandler(f *testing.F) {
	order, _ := os.ReadFile("testdata/order.json")
	f.Add(order, "order.updated", true, "1", "application/json")
	f.Add([]byte(`{"id":727}`), "order.deleted", true, "2", "application/json")
	f.Add([]byte(`{}`), "order.created", true, "3", "application/json")
	f.Add([]byte(`null`), "order.updated", true, "", "application/json")
	f.Add([]byte(`webhook_id=12`), "", false, "", "application/x-www-form-urlencoded")
	f.Add(order, "order.updated", false, "4", "application/json")
	f.Add([]byte(`{"id":1}`), "product.updated", true, "5", "application/json")
	f.Add([]byte(`{"id":"x"}`), "order", true, "6", "text/plain")
	f.Fuzz(func(t *testing.T, body []byte, topic string, sign bool, delivery, contentType string) {
		var sunk int
		h := woocommerce.NewWebhookHandler(hookSecret, func(_ context.Context, o woocommerce.Order, d woocommerce.WebhookDelivery) error {
			if o.ID <= 0 {
				t.Fatalf("sink got order id %d", o.ID)
			}
			sunk++
			return nil
		}, woocommerce.WebhookOptions{MaxBodyBytes: 1 << 16})
		req := httptest.NewRequest(http.MethodPost, "/hooks/woo", bytes.NewReader(body))
		req.Header.Set("Content-Type", contentType)
		req.Header.Set("X-WC-Webhook-Topic", topic)
		req.Header.Set("X-WC-Webhook-Delivery-ID", delivery)
		if sign {
			req.Header.Set("X-WC-Webhook-Signature", woocommerce.Sign(body, hookSecret))
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		st := h.Stats()
		switch rec.Code {
		case http.StatusOK:
			if st.Refused() != 0 || st.Delivered+st.Pings != 1 {
				t.Fatalf("200 with stats %+v", st)
			}
		case http.StatusUnauthorized:
			if sign || st.MissingSignature != 1 {
				t.Fatalf("401 for a signed delivery, stats %+v", st)
			}
		case http.StatusBadRequest:
			if !sign || st.BadPayload != 1 || sunk != 0 {
				t.Fatalf("400 with stats %+v, sink called %d times", st, sunk)
			}
		case http.StatusRequestEntityTooLarge:
			if st.TooLarge != 1 || len(body) <= 1<<16 {
				t.Fatalf("413 for %d bytes", len(body))
			}
		default:
			t.Fatalf("status %d", rec.Code)
		}
	})
}
