package channels_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/azuvio/omnisales/adapters/memstore"
	"github.com/azuvio/omnisales/channels"
	"github.com/azuvio/omnisales/channels/channelstest"
	"github.com/azuvio/omnisales/oms"
)

// Many orders imported over several runs under list outages, crashes
// mid-page, shop changes and operator changes: every external id is one
// order, every failure is in the diary, and every operator status change
// with a shop status is pushed exactly once.
func TestImportUnderFaults(t *testing.T) {
	const n = 400
	rng := rand.New(rand.NewPCG(1, 2))
	e := newEnv(t, func(c *channels.Config) { c.PageSize = 25 })
	badSKU := map[string]bool{}
	for i := range n {
		id := fmt.Sprint(10000 + i)
		sku := "A"
		if i%37 == 0 {
			sku, badSKU[id] = "GHOST", true
		}
		e.shop.Add(channelstest.NewOrder(id, []string{"processing", "pending", "on-hold"}[i%3], fmt.Sprintf("c%d@example.com", i%40), sku))
	}
	wantPushes := 0
	for round := range 12 {
		ctx, cancel := context.WithCancel(context.Background())
		crashAt := -1
		if rng.IntN(2) == 0 {
			crashAt = 1 + rng.IntN(3*25)
		}
		e.restart(func(c *channels.Config) {
			c.Progress = func(p channels.Progress) {
				if p.Done == crashAt {
					cancel()
				}
			}
		})
		e.shop.ClearFaults()
		if rng.IntN(2) == 0 {
			// Three failures outlast the retries: the run ends there.
			e.shop.Inject(channelstest.Fault{Op: channelstest.OpList, After: rng.IntN(3), Times: 1 + rng.IntN(3)})
		}
		_, err := e.eng.ImportOrders(ctx, shopID)
		cancel()
		if err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, channels.KindUnreachable) {
			t.Fatalf("round %d: %v", round, err)
		}
		// The shop's customers change some orders.
		for range 10 {
			id := fmt.Sprint(10000 + rng.IntN(n))
			e.shop.SetStatus(id, []string{"processing", "on-hold", "cancelled", "completed"}[rng.IntN(4)])
		}
		// Our operators change some imported orders; pushes may fail
		// twice and are retried.
		e.shop.ClearFaults()
		e.shop.Inject(channelstest.Fault{Op: channelstest.OpPush, After: rng.IntN(3), Times: 2})
		for ext, o := range e.orders() {
			if rng.IntN(20) != 0 {
				continue
			}
			var err error
			switch o.Status {
			case oms.Processing, oms.PendingPayment, oms.Draft:
				_, err = e.svc.Hold(e.ctx, e.op, o.ID, "check")
			case oms.OnHold:
				_, err = e.svc.Resume(e.ctx, e.op, o.ID)
			default:
				continue
			}
			if err != nil {
				t.Fatalf("operator on %s: %v", ext, err)
			}
			after, _ := e.ms.Get(e.ctx, o.ID)
			if _, mapped := testShop().Statuses.Outbound(after.Status); mapped {
				wantPushes++
			}
			e.drain() // pushed before the next change of the same order
		}
	}
	e.restart()
	for {
		r := e.importOK()
		if r.Done == 0 {
			break
		}
	}
	got := e.orders()
	if len(got) != n-len(badSKU) {
		t.Fatalf("%d orders, want %d", len(got), n-len(badSKU))
	}
	for id := range badSKU {
		if _, ok := got[id]; ok {
			t.Fatalf("order %s with an unknown SKU imported", id)
		}
	}
	failed, _ := e.eng.Failed(e.ctx, shopID)
	if len(failed) != len(badSKU) {
		t.Fatalf("%d failed records, want %d", len(failed), len(badSKU))
	}
	for _, f := range failed {
		if !badSKU[f.Key] || f.Kind != channels.KindSKUNotFound {
			t.Fatalf("failed %+v", f)
		}
		if len(e.records(channels.RecordFilter{Key: f.Key, Kind: channels.KindSKUNotFound})) == 0 {
			t.Fatalf("failure of %s not in the diary", f.Key)
		}
	}
	if p := e.shop.Pushes(); len(p) != wantPushes {
		t.Fatalf("%d pushes, want %d (one per change)", len(p), wantPushes)
	}
	if pushed := e.records(channels.RecordFilter{Job: channels.JobStatus, Outcome: channels.OutcomePushed}); len(pushed) != wantPushes {
		t.Fatalf("%d pushes in the diary, want %d", len(pushed), wantPushes)
	}
	// Outages are in the diary as run errors.
	runs, _ := e.eng.Runs(e.ctx, channels.RunFilter{Shop: shopID})
	outages := 0
	for _, r := range runs {
		if r.ErrKind == channels.KindUnreachable {
			outages++
		}
	}
	crashes := 0
	for _, r := range runs {
		if r.Err != "" && r.ErrKind == "" {
			crashes++
		}
	}
	if outages == 0 || crashes == 0 || wantPushes == 0 {
		t.Fatalf("the scenario did not exercise the faults: %d outages, %d crashes, %d pushes", outages, crashes, wantPushes)
	}
	t.Logf("%d runs: %d ended by an outage, %d by a crash; %d pushes", len(runs), outages, crashes, wantPushes)
}

// OnFailure hears of every failed record, with its kind, as the diary
// records it.
func TestOnFailureHook(t *testing.T) {
	ctx := context.Background()
	reg := channels.NewRegistry()
	reg.SetChannel(channels.Channel{ID: 3, Type: oms.ChannelWooCommerce, Name: "Web shop"})
	reg.SetShop(channels.Shop{ID: "ro", ChannelID: 3, Payments: channels.PaymentMap{"cod": "cash"}})
	store := memstore.New()
	svc, _ := oms.NewService(store, oms.Config{Channels: reg})
	shop := channelstest.NewShop()
	shop.Add(channelstest.NewOrder("1", "processing", "a@example.com", "A"), channelstest.NewOrder("2", "processing", "b@example.com", "NOPE"))
	var got []*channels.SyncError
	eng, err := channels.New(svc, reg, store, channels.Config{
		Connect: shop.Connect, Catalogue: channelstest.NewCatalogue(channels.Product{SKU: "A"}), Clients: channelstest.NewClients(),
		OnFailure: func(ctx context.Context, err error) {
			var se *channels.SyncError
			if !errors.As(err, &se) {
				t.Errorf("OnFailure got %T, want *SyncError", err)
				return
			}
			got = append(got, se)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := eng.ImportOrders(ctx, "ro"); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Key != "2" || got[0].Kind != channels.KindSKUNotFound || !errors.Is(got[0], channels.KindSKUNotFound) {
		t.Fatalf("OnFailure calls: %+v", got)
	}
}

// OnFailure fires once per failed diary record on every path: a webhook
// import (ImportOrder), a refused status push, a push the shop could not
// take, and a status push retried by RetryFailed.
func TestOnFailureEveryPath(t *testing.T) {
	var mu sync.Mutex
	var got []*channels.SyncError
	e := newEnv(t, func(c *channels.Config) {
		c.Attempts = 1
		c.OnFailure = func(ctx context.Context, err error) {
			var se *channels.SyncError
			if !errors.As(err, &se) {
				t.Errorf("OnFailure got %T, want *SyncError", err)
				return
			}
			mu.Lock()
			got = append(got, se)
			mu.Unlock()
		}
	})
	calls := func() []*channels.SyncError {
		mu.Lock()
		defer mu.Unlock()
		out := got
		got = nil
		return out
	}
	// A webhook import that fails.
	rec, err := e.eng.ImportOrder(e.ctx, shopID, channelstest.NewOrder("9", "processing", "x@example.com", "NOPE"))
	if err != nil || rec.Outcome != channels.OutcomeFailed {
		t.Fatalf("webhook import: %+v, %v", rec, err)
	}
	if c := calls(); len(c) != 1 || c[0].Key != "9" || c[0].Job != channels.JobOrders || c[0].Kind != channels.KindSKUNotFound {
		t.Fatalf("webhook import failure notices: %+v", c)
	}

	// Status pushes: one refused, one that cannot reach the shop.
	e.shop.Add(channelstest.NewOrder("1", "processing", "x@example.com", "A"), channelstest.NewOrder("2", "processing", "x@example.com", "A"))
	e.importOK()
	calls()
	e.shop.Inject(channelstest.Fault{Op: channelstest.OpPush, Err: fmt.Errorf("no such status: %w", channels.KindRejected)})
	if _, err := e.svc.Cancel(e.ctx, e.op, e.order("1").ID, "client called"); err != nil {
		t.Fatal(err)
	}
	e.drain()
	if c := calls(); len(c) != 1 || c[0].Key != e.order("1").ID || c[0].Job != channels.JobStatus || c[0].Kind != channels.KindRejected {
		t.Fatalf("refused push notices: %+v", c)
	}
	e.shop.Inject(channelstest.Fault{Op: channelstest.OpPush})
	if _, err := e.svc.Hold(e.ctx, e.op, e.order("2").ID, "check"); err != nil {
		t.Fatal(err)
	}
	_, _ = e.svc.Events().Drain(e.ctx) // the failed event stays for redelivery
	if c := calls(); len(c) != 1 || c[0].Key != e.order("2").ID || c[0].Kind != channels.KindUnreachable {
		t.Fatalf("unreachable push notices: %+v", c)
	}

	// RetryFailed of the refused push, refused again: one notice, not two.
	e.shop.Inject(channelstest.Fault{Op: channelstest.OpPush, Err: fmt.Errorf("no such status: %w", channels.KindRejected)})
	e.shop.Inject(channelstest.Fault{Op: channelstest.OpPush, Err: fmt.Errorf("no such status: %w", channels.KindRejected)})
	runs, err := e.eng.RetryFailed(e.ctx, shopID)
	if err != nil {
		t.Fatal(err)
	}
	failedRecs := 0
	for _, r := range runs {
		failedRecs += r.Failed
	}
	if c := calls(); len(c) != failedRecs || failedRecs == 0 {
		t.Fatalf("retry: %d notices for %d failed records: %+v", len(c), failedRecs, c)
	}
}
