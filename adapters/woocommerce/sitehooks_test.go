package woocommerce_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/azuvio/omnisales/adapters/woocommerce"
	"github.com/azuvio/omnisales/adapters/woocommerce/woocommercetest"
	"github.com/azuvio/omnisales/channels"
	"github.com/azuvio/omnisales/oms"
)

// The fake site delivers its own order changes to the registered
// webhooks, signed, and the adapter's handler feeds them into the engine:
// a new order is imported, a status change applied, a trashed order
// recorded as deleted, all without a pull. When the receiver fails, the
// site counts failed deliveries and disables the webhook as WooCommerce
// does (the seventh failure in a row); re-activated, it delivers again.
func TestSiteWebhooksFeedImport(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	fake := woocommercetest.NewServer(t, woocommercetest.WithClock(time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)))
	r := newSyncRig(t, fake)
	const secret = "whsec-site"
	h := woocommerce.NewWebhookHandler(secret, woocommerce.ImportSink(r.engine, "ro"), woocommerce.WebhookOptions{})
	var down atomic.Bool
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if down.Load() {
			http.Error(w, "maintenance", http.StatusServiceUnavailable)
			return
		}
		h.ServeHTTP(w, req)
	}))
	defer target.Close()
	hooks := map[string]int64{}
	for _, topic := range []string{woocommercetest.TopicOrderCreated, woocommercetest.TopicOrderUpdated, woocommercetest.TopicOrderDeleted} {
		wh, err := fake.AddWebhook(ctx, woocommercetest.Webhook{Topic: topic, DeliveryURL: target.URL, Secret: secret})
		if err != nil {
			t.Fatal(err)
		}
		hooks[topic] = wh.ID
	}
	if st := h.Stats(); st.Pings != 3 {
		t.Fatalf("pings %d, want one per webhook", st.Pings)
	}
	settle := func() {
		t.Helper()
		wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		if err := fake.WaitWebhooks(wctx); err != nil {
			t.Fatal(err)
		}
	}
	ours := func(id int64) oms.Order {
		t.Helper()
		o, err := r.store.GetByExternal(ctx, oms.ExternalKey{Channel: wooChannel, Store: "ro", ExternalID: strconv.FormatInt(id, 10)})
		if err != nil {
			t.Fatalf("order %d: %v", id, err)
		}
		return o
	}

	// A new order, then a status change, then the trash.
	id := fake.GenerateOrders(1, woocommercetest.Generator{Seed: 4, Statuses: []string{"processing"}})[0].ID
	settle()
	if o := ours(id); o.Status != oms.Processing {
		t.Fatalf("created: %s", o.Status)
	}
	fake.Advance(time.Second)
	fake.SetOrderStatus(id, "on-hold")
	settle()
	if o := ours(id); o.Status != oms.OnHold {
		t.Fatalf("updated: %s", o.Status)
	}
	fake.Advance(time.Second)
	fake.SetOrderStatus(id, "trash")
	settle()
	recs, err := r.engine.Records(ctx, channels.RecordFilter{Key: strconv.FormatInt(id, 10), Outcome: channels.OutcomeSkipped})
	if err != nil || len(recs) != 1 || recs[0].RunID != 0 {
		t.Fatalf("trashed: records %+v, %v", recs, err)
	}
	if o := ours(id); o.Status != oms.OnHold {
		t.Fatalf("trashed: our order is %s, want it left On Hold", o.Status)
	}
	if st := h.Stats(); st.Delivered != 3 || st.Refused() != 0 || st.SinkErrors != 0 {
		t.Fatalf("handler stats %+v", st)
	}

	// The receiver fails: seven changes in a row disable order.updated.
	id2 := fake.GenerateOrders(1, woocommercetest.Generator{Seed: 5, Statuses: []string{"processing"}})[0].ID
	settle()
	down.Store(true)
	for i := range 8 {
		fake.Advance(time.Second)
		fake.SetOrderStatus(id2, []string{"on-hold", "processing"}[i%2])
		settle()
	}
	wh, _ := fake.Webhook(hooks[woocommercetest.TopicOrderUpdated])
	if wh.Status != woocommercetest.WebhookDisabled || wh.FailureCount != woocommercetest.MaxDeliveryFailures+1 {
		t.Fatalf("after 8 changes the receiver refused: %+v", wh)
	}
	failed := 0
	for _, rec := range fake.WebhookRecords() {
		if rec.WebhookID == wh.ID && !rec.OK {
			failed++
			if rec.Status != http.StatusServiceUnavailable {
				t.Fatalf("record %+v", rec)
			}
		}
	}
	if failed != 7 {
		t.Fatalf("%d failed deliveries, want 7 (the eighth change finds the webhook disabled)", failed)
	}
	// Back up and re-activated by the admin: the next change arrives.
	down.Store(false)
	fake.SetWebhookStatus(wh.ID, woocommercetest.WebhookActive)
	fake.Advance(time.Second)
	fake.SetOrderStatus(id2, "on-hold")
	settle()
	if o := ours(id2); o.Status != oms.OnHold {
		t.Fatalf("after re-activation: %s", o.Status)
	}
}
