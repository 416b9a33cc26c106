package woocommerce_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/azuvio/omnisales/adapters/memstore"
	"github.com/azuvio/omnisales/adapters/woocommerce"
	"github.com/azuvio/omnisales/adapters/woocommerce/woocommercetest"
	"github.com/azuvio/omnisales/channels"
	"github.com/azuvio/omnisales/channels/channelstest"
	"github.com/azuvio/omnisales/oms"
)

var wooChannel = oms.ChannelRef{Type: oms.ChannelWooCommerce, ID: 3}

// syncRig wires the fake site, the client, the connector, the core and the
// engine the way a program would.
type syncRig struct {
	fake   *woocommercetest.Server
	store  *memstore.Store
	svc    *oms.Service
	engine *channels.Engine
	shop   *woocommerce.Shop
}

// newSyncRig builds the rig; mods tune the client's and the engine's
// configurations before they are built.
func newSyncRig(t testing.TB, fake *woocommercetest.Server, mods ...func(*woocommerce.Config, *channels.Config)) *syncRig {
	t.Helper()
	// An overlap reaching back before every generated order (they are
	// modified from 2025 on): every import re-reads every order, so the
	// three imports below really import the same pages three times.
	return newSyncRigShop(t, fake, woocommerce.ShopConfig{Now: fake.Now, Overlap: 5 * 365 * 24 * time.Hour}, mods...)
}

// newSyncRigShop is newSyncRig with the Shop's configuration given.
func newSyncRigShop(t testing.TB, fake *woocommercetest.Server, scfg woocommerce.ShopConfig, mods ...func(*woocommerce.Config, *channels.Config)) *syncRig {
	t.Helper()
	reg := channels.NewRegistry()
	if err := reg.SetChannel(channels.Channel{ID: wooChannel.ID, Type: oms.ChannelWooCommerce, Name: "Web shop"}); err != nil {
		t.Fatal(err)
	}
	if err := reg.SetShop(channels.Shop{ID: "ro", ChannelID: wooChannel.ID, Name: "fake", URL: fake.URL,
		Payments: channels.PaymentMap{"bacs": "bank transfer", "cod": "cash", "stripe": "card"}}); err != nil {
		t.Fatal(err)
	}
	store := memstore.New()
	svc, err := oms.NewService(store, oms.Config{Channels: reg, Lease: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ccfg := woocommerce.Config{
		HTTPClient: fake.HTTPClient(), RetryMax: 4, RetryWaitMin: time.Millisecond, RetryWaitMax: 5 * time.Millisecond,
		Timeout: 150 * time.Millisecond,
	}
	var skus []channels.Product
	for i := 1; i <= 20; i++ {
		skus = append(skus, channels.Product{ID: "P" + strconv.Itoa(i), SKU: "SKU-" + strconv.Itoa(i)})
	}
	var shop *woocommerce.Shop
	ecfg := channels.Config{
		Connect:   func(ctx context.Context, s channels.Shop) (channels.Connector, error) { return shop.Connector(), nil },
		Catalogue: channelstest.NewCatalogue(skus...), Clients: channelstest.NewClients(),
		Attempts: 4, RetryWait: time.Millisecond,
	}
	for _, m := range mods {
		m(&ccfg, &ecfg)
	}
	client, err := woocommerce.NewClient(fake.URL, fake.ConsumerKey, fake.ConsumerSecret, ccfg)
	if err != nil {
		t.Fatal(err)
	}
	shop = woocommerce.NewShop(client, scfg)
	eng, err := channels.New(svc, reg, store, ecfg)
	if err != nil {
		t.Fatal(err)
	}
	return &syncRig{fake: fake, store: store, svc: svc, engine: eng, shop: shop}
}

// importAll runs ImportOrders until a run completes (faults may end a run
// early; the cursor then resumes where it stopped).
func (r *syncRig) importAll(t testing.TB) []channels.Run {
	t.Helper()
	var runs []channels.Run
	for range 50 {
		run, err := r.engine.ImportOrders(context.Background(), "ro")
		runs = append(runs, run)
		if err == nil && run.Err == "" {
			return runs
		}
	}
	t.Fatalf("import did not complete in 50 runs; last: %+v", runs[len(runs)-1])
	return nil
}

func countOrders(t testing.TB, s *memstore.Store) int {
	t.Helper()
	n := 0
	p := oms.Page{Limit: 1000}
	for {
		page, err := s.List(context.Background(), oms.Filter{ChannelType: oms.ChannelWooCommerce}, p)
		if err != nil {
			t.Fatal(err)
		}
		n += len(page.Orders)
		if page.Next == "" {
			return n
		}
		p.Cursor = page.Next
	}
}

// TestSyncEndToEndUnderFaults is the end-to-end check: 10,000
// good orders (plus orders with unknown SKUs and invalid emails) imported
// three times while the site fails 20% of requests with 5xx, 5% with
// timeouts and 1% with malformed pages; on writes (status pushes) the 5xx
// and timeouts strike after the site applied the write, so the answer is
// lost. Between imports the shop changes some statuses itself. It ends
// with exactly 10,000 orders, every failure in the diary (records of the
// runs that failed included), the shop's changes applied where the
// lifecycle allows and never a regression, and every status change made
// in the core pushed to the site exactly once.
func TestSyncEndToEndUnderFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("10,000-order end-to-end sync: skipped with -short")
	}
	ctx := context.Background()
	const good, badSKU, badEmail = 10000, 40, 30
	fake := woocommercetest.NewServer(t, woocommercetest.WithClock(time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)))
	statuses := []string{"pending", "processing", "on-hold"}
	fake.GenerateOrders(good, woocommercetest.Generator{Seed: 1, Statuses: statuses})
	skuBad := fake.GenerateOrders(badSKU, woocommercetest.Generator{Seed: 2, Statuses: statuses, SKUs: []string{"NO-SUCH-SKU"}})
	bad := woocommercetest.MakeOrders(badEmail, woocommercetest.Generator{Seed: 3, Statuses: statuses})
	for i := range bad {
		bad[i].Billing.Email = fmt.Sprintf("not-an-email-%d", i)
	}
	emailBad := fake.AddOrders(bad...)
	wantKeys := map[channels.Kind]map[string]bool{channels.KindSKUNotFound: {}, channels.KindClientNotCreated: {}}
	for _, o := range skuBad {
		wantKeys[channels.KindSKUNotFound][strconv.FormatInt(o.ID, 10)] = true
	}
	for _, o := range emailBad {
		wantKeys[channels.KindClientNotCreated][strconv.FormatInt(o.ID, 10)] = true
	}
	// Few retries, so that some runs do end early and resume.
	r := newSyncRig(t, fake, func(c *woocommerce.Config, e *channels.Config) { c.RetryMax, e.Attempts = 1, 1 })
	fake.SetFaultRates(&woocommercetest.FaultRates{Seed: 7, ServerError: 0.20, Timeout: 0.05, Malformed: 0.01, AfterApply: true})
	get := func(ext string) oms.Order {
		t.Helper()
		o, err := r.store.GetByExternal(ctx, oms.ExternalKey{Channel: wooChannel, Store: "ro", ExternalID: ext})
		if err != nil {
			t.Fatalf("order %s: %v", ext, err)
		}
		return o
	}

	var runs []channels.Run
	var resumed, shopCancelled []string
	for pass := range 3 {
		got := r.importAll(t)
		runs = append(runs, got...)
		done := 0
		for _, run := range got {
			done += run.Done
		}
		if done < good+badSKU+badEmail {
			t.Fatalf("import %d read %d orders, want all %d", pass+1, done, good+badSKU+badEmail)
		}
		if n := countOrders(t, r.store); n != good {
			t.Fatalf("after import %d: %d orders, want exactly %d", pass+1, n, good)
		}
		switch pass {
		case 0:
			// The shop's staff work too: 100 orders on hold are released,
			// 100 in processing cancelled.
			fake.Advance(time.Minute)
			for id := int64(1); id <= good && (len(resumed) < 100 || len(shopCancelled) < 100); id++ {
				ext := strconv.FormatInt(id, 10)
				switch st := fake.OrderStatus(id); {
				case st == "on-hold" && len(resumed) < 100:
					fake.SetOrderStatus(id, "processing")
					resumed = append(resumed, ext)
				case st == "processing" && len(shopCancelled) < 100:
					fake.SetOrderStatus(id, "cancelled")
					shopCancelled = append(shopCancelled, ext)
				}
			}
		case 1:
			for _, ext := range resumed {
				if o := get(ext); o.Status != oms.Processing {
					t.Fatalf("order %s released in the shop is %s, want Processing", ext, o.Status)
				}
			}
			for _, ext := range shopCancelled {
				if o := get(ext); o.Status != oms.Cancelled {
					t.Fatalf("order %s cancelled in the shop is %s, want Cancelled", ext, o.Status)
				}
			}
		}
	}
	failedRuns := 0
	for _, run := range runs {
		if run.Err != "" {
			failedRuns++
			if run.ErrKind != channels.KindUnreachable {
				t.Errorf("run ended by %q (%s), want only unreachable under injected faults", run.Err, run.ErrKind)
			}
		}
	}
	faults := 0
	for _, rq := range fake.Requests() {
		if rq.Fault != 0 {
			faults++
		}
	}
	t.Logf("%d import runs for 3 passes, %d ended early by faults; site saw %d requests, %d with injected faults", len(runs), failedRuns, len(fake.Requests()), faults)
	if failedRuns == 0 {
		t.Fatal("no run ended early: the faults did not test the resume")
	}

	// The open failures are exactly the bad orders.
	failed, err := r.engine.Failed(ctx, "ro")
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[channels.Kind]int{}
	for _, f := range failed {
		kinds[f.Kind]++
		if !wantKeys[f.Kind][f.Key] {
			t.Errorf("open failure %s (%s) is not a bad order", f.Key, f.Kind)
		}
	}
	if kinds[channels.KindSKUNotFound] != badSKU || kinds[channels.KindClientNotCreated] != badEmail || len(failed) != badSKU+badEmail {
		t.Fatalf("open failures by kind: %v (total %d), want %d SKU and %d client", kinds, len(failed), badSKU, badEmail)
	}
	// The diary has every run, and every run's failures: its failed
	// records, and the record of what ended it early.
	diary, err := r.engine.Runs(ctx, channels.RunFilter{Shop: "ro", Job: channels.JobOrders})
	if err != nil {
		t.Fatal(err)
	}
	if len(diary) != len(runs) {
		t.Fatalf("diary has %d runs, the engine made %d", len(diary), len(runs))
	}
	seenBad := map[string]int{}
	for _, run := range runs {
		recs, err := r.engine.Records(ctx, channels.RecordFilter{RunID: run.ID, Outcome: channels.OutcomeFailed})
		if err != nil {
			t.Fatal(err)
		}
		keyed, ended := 0, 0
		for _, rec := range recs {
			switch {
			case rec.Key == "":
				ended++
				if rec.Kind != run.ErrKind || rec.Message != run.Err {
					t.Errorf("run %d ended by %q (%s), its diary record says %q (%s)", run.ID, run.Err, run.ErrKind, rec.Message, rec.Kind)
				}
			case wantKeys[rec.Kind][rec.Key]:
				keyed++
				seenBad[rec.Key]++
			default:
				t.Errorf("run %d: failed record %s (%s: %s) is not a bad order", run.ID, rec.Key, rec.Kind, rec.Message)
			}
		}
		if keyed != run.Failed || (run.ErrKind != "") != (ended == 1) || ended > 1 {
			t.Errorf("run %d (failed %d, err %q): diary has %d failed records and %d run failures", run.ID, run.Failed, run.Err, keyed, ended)
		}
	}
	for kind, keys := range wantKeys {
		for k := range keys {
			if seenBad[k] < 3 {
				t.Errorf("bad order %s (%s) failed in %d runs, want at least once per import", k, kind, seenBad[k])
			}
		}
	}

	// Operators change 300 orders, each change to be pushed once; 50
	// confirmed orders have no shop status and push nothing.
	operator := oms.Staff("ana", oms.RoleOperator)
	page, err := r.store.List(ctx, oms.Filter{Statuses: []oms.Status{oms.Processing}}, oms.Page{Limit: 350})
	if err != nil || len(page.Orders) != 350 {
		t.Fatalf("%d processing orders, %v", len(page.Orders), err)
	}
	want := map[string]string{}
	var cancelled, confirmed []string
	for i, o := range page.Orders {
		switch {
		case i >= 300:
			_, err = r.svc.Confirm(ctx, operator, o.ID)
			confirmed = append(confirmed, o.ExternalID)
		case i%2 == 0:
			_, err = r.svc.Cancel(ctx, operator, o.ID, "client called")
			want[o.ExternalID] = "cancelled"
			cancelled = append(cancelled, o.ExternalID)
		default:
			_, err = r.svc.Hold(ctx, operator, o.ID, "payment check")
			want[o.ExternalID] = "on-hold"
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	putsBefore := len(fake.Puts())
	deadline := time.Now().Add(60 * time.Second)
	for pending := true; pending; {
		n, _ := r.svc.Events().Drain(ctx)
		pending = n > 0 || unpushed(r, want) > 0
		if pending {
			if time.Now().After(deadline) {
				t.Fatalf("status pushes incomplete: %d not pushed", unpushed(r, want))
			}
			time.Sleep(25 * time.Millisecond) // failed events come back when their lease ends
		}
	}
	for {
		if n, _ := r.svc.Events().Drain(ctx); n == 0 {
			break // events still in flight settle before the counts
		}
	}
	lost := 0
	for _, rq := range fake.Requests() {
		if rq.Method == http.MethodPut && rq.Fault != 0 {
			lost++
		}
	}
	if lost == 0 {
		t.Fatal("no push lost its answer: the faults did not test the push")
	}
	for ext, status := range want {
		id, _ := strconv.ParseInt(ext, 10, 64)
		if got := r.fake.StatusPushes(id); len(got) != 1 || got[0] != status {
			t.Errorf("order %s: site received pushes %v, want exactly [%s]", ext, got, status)
		}
		recs, err := r.engine.Records(ctx, channels.RecordFilter{Job: channels.JobStatus, Key: get(ext).ID})
		if err != nil {
			t.Fatal(err)
		}
		pushed := 0
		for _, rec := range recs {
			switch rec.Outcome {
			case channels.OutcomePushed:
				pushed++
			case channels.OutcomeFailed:
				if rec.Kind != channels.KindUnreachable {
					t.Errorf("order %s: push failure %s: %s", ext, rec.Kind, rec.Message)
				}
			}
		}
		if pushed != 1 {
			t.Errorf("order %s: %d pushed records in the diary, want 1", ext, pushed)
		}
	}
	for _, ext := range append(append(confirmed, resumed...), shopCancelled...) {
		id, _ := strconv.ParseInt(ext, 10, 64)
		if _, isOp := want[ext]; !isOp && len(r.fake.StatusPushes(id)) != 0 {
			t.Errorf("order %s: pushed %v, want nothing (no shop status, or the change came from the shop)", ext, r.fake.StatusPushes(id))
		}
	}
	if open, _ := r.engine.Failed(ctx, "ro"); len(open) != badSKU+badEmail {
		t.Errorf("%d open failures after the pushes, want the %d bad orders only", len(open), badSKU+badEmail)
	}
	t.Logf("%d pushes needed %d PUTs, %d of which lost their answer", len(want), len(fake.Puts())-putsBefore, lost)

	// The shop tries to take orders back: cancelled ones to processing,
	// confirmed ones to pending. Neither move exists in the lifecycle; a
	// fourth import sees the changes and leaves every order as the
	// operators left it, and our own pushes do not come back either.
	fake.SetFaultRates(nil)
	fake.Advance(time.Minute)
	for _, ext := range cancelled[:50] {
		id, _ := strconv.ParseInt(ext, 10, 64)
		fake.SetOrderStatus(id, "processing")
	}
	for _, ext := range confirmed {
		id, _ := strconv.ParseInt(ext, 10, 64)
		fake.SetOrderStatus(id, "pending")
	}
	r.importAll(t)
	for ext, status := range want {
		o := get(ext)
		if wantSt := map[string]oms.Status{"cancelled": oms.Cancelled, "on-hold": oms.OnHold}[status]; o.Status != wantSt {
			t.Errorf("order %s went from %s to %s after the import", ext, wantSt, o.Status)
		}
		id, _ := strconv.ParseInt(ext, 10, 64)
		if n := len(r.fake.StatusPushes(id)); n != 1 {
			t.Errorf("order %s pushed %d times after re-import", ext, n)
		}
	}
	for _, ext := range confirmed {
		o := get(ext)
		if o.Status != oms.Confirmed {
			t.Errorf("confirmed order %s regressed to %s when the shop showed pending", ext, o.Status)
		}
		recs, _ := r.engine.Records(ctx, channels.RecordFilter{Job: channels.JobOrders, Key: ext, Limit: 1})
		if len(recs) != 1 || !strings.Contains(recs[0].Message, "no move from Confirmed") {
			t.Errorf("confirmed order %s: the diary does not say the shop's pending was refused: %+v", ext, recs)
		}
	}
}

func unpushed(r *syncRig, want map[string]string) int {
	n := 0
	for ext := range want {
		id, _ := strconv.ParseInt(ext, 10, 64)
		if len(r.fake.StatusPushes(id)) == 0 {
			n++
		}
	}
	return n
}

// BenchmarkImport compares a full import of 10,000 orders (fake site on
// loopback, memstore) with fetching and decoding the same pages alone.
func BenchmarkImport(b *testing.B) {
	const n = 10000
	fake := woocommercetest.NewServer(b, woocommercetest.WithClock(time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)))
	fake.GenerateOrders(n, woocommercetest.Generator{Seed: 1, Statuses: []string{"pending", "processing", "on-hold"}})
	b.Run("orders=10000", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			b.StopTimer()
			r := newSyncRig(b, fake)
			b.StartTimer()
			run, err := r.engine.ImportOrders(context.Background(), "ro")
			if err != nil || run.Imported != n {
				b.Fatalf("import: %+v %v", run, err)
			}
		}
		b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "orders/s")
	})
	b.Run("fetch-only", func(b *testing.B) {
		client, err := woocommerce.NewClient(fake.URL, fake.ConsumerKey, fake.ConsumerSecret, woocommerce.Config{HTTPClient: fake.HTTPClient()})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			all, err := client.Orders.ListAll(context.Background(), &woocommerce.ListOrdersOptions{PerPage: 100, OrderBy: woocommerce.OrderByID, Order: woocommerce.Asc})
			if err != nil || len(all) != n {
				b.Fatalf("fetch: %d %v", len(all), err)
			}
		}
		b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "orders/s")
	})
}

// An order the site sends in a shape we cannot read lands in the diary by
// id; the rest of its page imports.
func TestSyncUnreadableOrderGoesToDiary(t *testing.T) {
	fake := woocommercetest.NewServer(t, woocommercetest.WithClock(time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)))
	fake.GenerateOrders(5, woocommercetest.Generator{Seed: 1, Statuses: []string{"processing"}})
	ids := fake.OrderIDs()
	if !fake.UpdateOrder(ids[2], func(o *woocommercetest.Order) { o.DateCreatedGMT = "the day before yesterday" }) {
		t.Fatal("no order to corrupt")
	}
	r := newSyncRig(t, fake)
	run, err := r.engine.ImportOrders(context.Background(), "ro")
	if err != nil {
		t.Fatal(err)
	}
	if run.Imported != 4 || run.Failed != 1 {
		t.Fatalf("run: %+v", run)
	}
	failed, _ := r.engine.Failed(context.Background(), "ro")
	if len(failed) != 1 || failed[0].Key != strconv.FormatInt(ids[2], 10) {
		t.Fatalf("diary failures: %+v", failed)
	}
	t.Logf("diary: %s %s: %s", failed[0].Key, failed[0].Kind, failed[0].Message)
}

// A signed webhook delivery imports the order through the same path as the
// pull; a forged one is refused and imports nothing.
func TestWebhookFeedsImport(t *testing.T) {
	fake := woocommercetest.NewServer(t, woocommercetest.WithClock(time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)))
	fake.GenerateOrders(2, woocommercetest.Generator{Seed: 5, Statuses: []string{"processing"}})
	r := newSyncRig(t, fake)
	const secret = "whsec-test"
	var rejected int
	h := woocommerce.NewWebhookHandler(secret, woocommerce.ImportSink(r.engine, "ro"), woocommerce.WebhookOptions{
		OnRejected: func(ctx context.Context, d woocommerce.WebhookDelivery, err error) { rejected++ },
	})
	srv := httptest.NewServer(h)
	defer srv.Close()
	ids := fake.OrderIDs()
	if code, err := fake.DeliverWebhook(context.Background(), srv.URL, woocommercetest.Delivery{OrderID: ids[0], Secret: secret, BadSignature: true}); err != nil || code != http.StatusUnauthorized {
		t.Fatalf("forged delivery: %d %v", code, err)
	}
	if code, err := fake.DeliverWebhook(context.Background(), srv.URL, woocommercetest.Delivery{Topic: "order.created", OrderID: ids[1], Secret: secret}); err != nil || code != http.StatusOK {
		t.Fatalf("signed delivery: %d %v", code, err)
	}
	if rejected != 1 || countOrders(t, r.store) != 1 {
		t.Fatalf("rejected %d, orders %d; want 1 and 1", rejected, countOrders(t, r.store))
	}
	o, err := r.store.GetByExternal(context.Background(), oms.ExternalKey{Channel: wooChannel, Store: "ro", ExternalID: strconv.FormatInt(ids[1], 10)})
	if err != nil || o.Status != oms.Processing {
		t.Fatalf("webhook order: %v %v", o.Status, err)
	}
	// The next pull finds it already there: still one order per id.
	r.importAll(t)
	if n := countOrders(t, r.store); n != 2 {
		t.Fatalf("after the pull: %d orders, want 2", n)
	}
}

// A shop that deletes or trashes an order does not make a false
// status-not-mapped error: order.deleted ({"id":N}) and a trashed order
// are diary skips, and our order stays as it is.
func TestWebhookDeletedAndTrashedOrders(t *testing.T) {
	t.Parallel()
	fake := woocommercetest.NewServer(t, woocommercetest.WithClock(time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)))
	fake.GenerateOrders(3, woocommercetest.Generator{Seed: 5, Statuses: []string{"processing"}})
	r := newSyncRig(t, fake)
	r.importAll(t)
	const secret = "whsec-test"
	srv := httptest.NewServer(woocommerce.NewWebhookHandler(secret, woocommerce.ImportSink(r.engine, "ro"), woocommerce.WebhookOptions{}))
	defer srv.Close()
	ids := fake.OrderIDs()
	fake.SetOrderStatus(ids[1], "trash")
	unknown := ids[2] + 100
	for _, d := range []woocommercetest.Delivery{
		{Topic: "order.deleted", OrderID: ids[0], Secret: secret},
		{Topic: "order.updated", OrderID: ids[1], Secret: secret},
		{Topic: "order.deleted", OrderID: unknown, Secret: secret},
	} {
		if code, err := fake.DeliverWebhook(context.Background(), srv.URL, d); err != nil || code != http.StatusOK {
			t.Fatalf("%s of %d: %d %v", d.Topic, d.OrderID, code, err)
		}
	}
	recs, err := r.engine.Records(context.Background(), channels.RecordFilter{Shop: "ro"})
	if err != nil {
		t.Fatal(err)
	}
	skipped := map[string]string{}
	for _, rec := range recs {
		if rec.RunID != 0 {
			continue
		}
		if rec.Outcome != channels.OutcomeSkipped || rec.Kind != "" {
			t.Fatalf("webhook record %+v", rec)
		}
		skipped[rec.Key] = rec.Message
	}
	for _, id := range []int64{ids[0], ids[1], unknown} {
		if !strings.HasPrefix(skipped[strconv.FormatInt(id, 10)], "deleted in the shop") {
			t.Fatalf("order %d: diary %q", id, skipped[strconv.FormatInt(id, 10)])
		}
	}
	for _, id := range ids[:2] {
		o, err := r.store.GetByExternal(context.Background(), oms.ExternalKey{Channel: wooChannel, Store: "ro", ExternalID: strconv.FormatInt(id, 10)})
		if err != nil || o.Status != oms.Processing {
			t.Fatalf("order %d: %v %v", id, o.Status, err)
		}
	}
	if failed, _ := r.engine.Failed(context.Background(), "ro"); len(failed) != 0 || countOrders(t, r.store) != 3 {
		t.Fatalf("failures %+v, %d orders", failed, countOrders(t, r.store))
	}
}

// A page element without an id is an unreadable order for the diary, not
// an order "0".
func TestListOrdersEmptyElements(t *testing.T) {
	t.Parallel()
	site := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-WP-Total", "3")
		w.Header().Set("X-WP-TotalPages", "1")
		_, _ = w.Write([]byte(`[{},null,{"id":5,"status":"processing","line_items":[]}]`))
	}))
	defer site.Close()
	client, err := woocommerce.NewClient(site.URL, "ck", "cs", woocommerce.Config{HTTPClient: site.Client()})
	if err != nil {
		t.Fatal(err)
	}
	page, err := woocommerce.NewShop(client, woocommerce.ShopConfig{}).ListOrders(context.Background(), "", 100)
	if err != nil || len(page.Orders) != 1 || page.Orders[0].ID != "5" || len(page.Unreadable) != 2 {
		t.Fatalf("page %+v, %v", page, err)
	}
	for _, u := range page.Unreadable {
		if u.ID != "" || !errors.Is(u.Err, woocommerce.ErrDecode) {
			t.Fatalf("unreadable %+v", u)
		}
	}
}

// The site asks for a longer pause than the client may wait (Retry-After
// 1s over RetryWaitMax 5ms): the client gives up at once, and the engine's
// own retry waits the second out instead of coming back after its 1ms.
func TestSyncHonoursRetryAfter(t *testing.T) {
	t.Parallel()
	fake := woocommercetest.NewServer(t, woocommercetest.WithClock(time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)))
	fake.GenerateOrders(3, woocommercetest.Generator{Seed: 5, Statuses: []string{"processing"}})
	r := newSyncRig(t, fake)
	fake.InjectFault(woocommercetest.Fault{Kind: woocommercetest.FaultRateLimit, RetryAfter: "1", Method: http.MethodGet, Path: "/orders"})
	start := time.Now()
	run, err := r.engine.ImportOrders(context.Background(), "ro")
	if err != nil || run.Imported != 3 {
		t.Fatalf("import: %+v, %v", run, err)
	}
	if took := time.Since(start); took < time.Second {
		t.Fatalf("the import retried after %v, the site asked for 1s", took)
	}
	if n := fake.RequestCount(http.MethodGet, "/orders"); n != 2 {
		t.Fatalf("%d listings, want the refused one and one after the pause", n)
	}
}

// A status PUT whose answer is lost after the site applied it is not sent
// again: the next attempt reads the order back and finds it done.
func TestPushStatusOnceWhenAnswerLost(t *testing.T) {
	t.Parallel()
	fake := woocommercetest.NewServer(t)
	o := fake.AddOrder(woocommercetest.Order{Status: "processing"})
	client, err := woocommerce.NewClient(fake.URL, fake.ConsumerKey, fake.ConsumerSecret, woocommerce.Config{
		HTTPClient: fake.HTTPClient(), RetryWaitMin: time.Millisecond, RetryWaitMax: 5 * time.Millisecond, Timeout: 150 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	shop := woocommerce.NewShop(client, woocommerce.ShopConfig{})
	ext := strconv.FormatInt(o.ID, 10)
	for _, f := range []woocommercetest.Fault{
		{Kind: woocommercetest.FaultStatus, Status: http.StatusBadGateway, Method: http.MethodPut, Path: "/orders/*", AfterApply: true},
		{Kind: woocommercetest.FaultTimeout, Method: http.MethodPut, Path: "/orders/*", AfterApply: true},
	} {
		fake.InjectFault(f)
		status := map[woocommercetest.FaultKind]string{woocommercetest.FaultStatus: "completed", woocommercetest.FaultTimeout: "on-hold"}[f.Kind]
		if _, err := shop.PushStatus(context.Background(), ext, status); !errors.Is(err, channels.KindUnreachable) {
			t.Fatalf("%s: first push: %v", f.Kind, err)
		}
		res, err := shop.PushStatus(context.Background(), ext, status)
		if err != nil || res.Modified.IsZero() {
			t.Fatalf("%s: second push: %+v, %v", f.Kind, res, err)
		}
	}
	if got := fake.StatusPushes(o.ID); fmt.Sprint(got) != "[completed on-hold]" {
		t.Fatalf("the site received %v", got)
	}
}

// A WooCommerce order with a cash-on-delivery fee and taxed shipping is
// imported with every amount the buyer pays: its total is the shop's to
// the cent. An order whose shop total is off (a plugin changed it without
// a line for it) is imported and flagged with both totals.
func TestSyncFeesAndShippingTaxReconcile(t *testing.T) {
	t.Parallel()
	fake := woocommercetest.NewServer(t, woocommercetest.WithClock(time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)))
	sku := "SKU-3"
	order := func(total string) woocommercetest.Order {
		return woocommercetest.Order{Status: "processing", Currency: "RON", PaymentMethod: "cod",
			Billing: woocommercetest.Address{FirstName: "Ana", Email: "ana@example.com"},
			LineItems: []woocommercetest.LineItem{{Name: "Lamp", ProductID: 3, Quantity: 2, SKU: &sku, Price: "50",
				Subtotal: "100.00", SubtotalTax: "19.00", Total: "100.00", TotalTax: "19.00"}},
			ShippingTotal: "15.00", ShippingTax: "2.85", CartTax: "19.00", TotalTax: "23.81",
			ShippingLines: []woocommercetest.ShippingLine{{MethodTitle: "Courier", MethodID: "flat_rate", Total: "15.00", TotalTax: "2.85"}},
			FeeLines:      []woocommercetest.FeeLine{{Name: "Cash on delivery", TaxStatus: "taxable", Total: "5.00", TotalTax: "0.96"}},
			Total:         total,
		}
	}
	good := fake.AddOrder(order("142.81")) // 100 + 19 + 15 + 2.85 + 5 + 0.96
	off := fake.AddOrder(order("152.81"))
	r := newSyncRig(t, fake)
	run, err := r.engine.ImportOrders(context.Background(), "ro")
	if err != nil || run.Imported != 2 || run.Failed != 0 {
		t.Fatalf("import: %+v, %v", run, err)
	}
	for _, id := range []int64{good.ID, off.ID} {
		o, err := r.store.GetByExternal(context.Background(), oms.ExternalKey{Channel: wooChannel, Store: "ro", ExternalID: strconv.FormatInt(id, 10)})
		if err != nil {
			t.Fatal(err)
		}
		if o.Totals.DeliveryFee.StringFixed(2) != "23.81" || o.Totals.Total.StringFixed(2) != "142.81" {
			t.Fatalf("order %d: delivery fee %s, total %s; want 23.81 and 142.81", id, o.Totals.DeliveryFee, o.Totals.Total)
		}
	}
	recs, err := r.engine.Records(context.Background(), channels.RecordFilter{Kind: channels.KindTotalMismatch})
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 || recs[0].Key != strconv.FormatInt(off.ID, 10) || recs[0].Outcome != channels.OutcomeImported ||
		recs[0].Message != "shop total 152.81 RON, imported order total 142.81 RON (difference -10.00)" {
		t.Fatalf("flagged records: %+v", recs)
	}
}
