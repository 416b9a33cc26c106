package pgstore_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/shopspring/decimal"
	"pgregory.net/rapid"

	"github.com/azuvio/omnisales/adapters/memstore"
	"github.com/azuvio/omnisales/adapters/pgstore"
	"github.com/azuvio/omnisales/adapters/pgstore/pgtest"
	"github.com/azuvio/omnisales/channels"
	"github.com/azuvio/omnisales/channels/channelstest"
	"github.com/azuvio/omnisales/oms"
)

func TestChannelsStoreConformance(t *testing.T) {
	t.Parallel()
	channelstest.StoreConformance(t, func(t *testing.T) channels.Store { return newStore(t) })
}

// A failed record keeps every field of the shop order and the catalogue
// item, amounts exactly and as JSON strings (never numbers).
func TestSyncFailureDocuments(t *testing.T) {
	t.Parallel()
	s, dsn := storeAndDSN(t)
	ctx := context.Background()
	d := decimal.RequireFromString
	at := time.Date(2026, 3, 1, 10, 0, 0, 123456000, time.UTC)
	x := &channels.ExternalOrder{ID: "77", Number: "#77", Status: "on-hold", Created: at, Modified: at.Add(time.Hour),
		Currency: "RON", Subtotal: d("100.50"), Discount: d("0.005"), Tax: d("19.095"), Total: d("119.595"),
		ShippingFee: d("15.00"), ShippingTax: d("2.85"), PaymentMethod: "bacs",
		Fees:     []channels.ExternalFee{{Name: "Cash on delivery", Total: d("5.00"), Tax: d("0.95")}, {Name: "Loyalty", Total: d("-1.5")}},
		Customer: channels.Customer{ExternalID: "9", Email: "a@b.ro", Name: "Ana", Company: "SRL", Phone: "07"},
		Billing:  oms.Address{Name: "Ana", City: "Cluj", Country: "RO"}, Shipping: oms.Address{Line1: "Str. 1"}, Note: "ring twice",
		Lines: []channels.ExternalLine{{SKU: "A", Name: "Apple", Quantity: 3, Subtotal: d("30.30"), Total: d("30.00"),
			UnitPrice: d("10.10"), Tax: d("5.70"), TaxRate: d("19")}, {SKU: "", Quantity: 1}}}
	it := &channels.CatalogueItem{SKU: "B", RegularPrice: d("12.99"), SalePrice: decimal.NewNullDecimal(d("9.90")), Stock: -2,
		Name: "Bread", Description: "<p>fresh</p>", ShortDescription: "fresh", Images: []channels.Image{{URL: "https://i/1.jpg", Alt: "one"}}}
	noSale := &channels.CatalogueItem{SKU: "C", RegularPrice: d("1"), Images: []channels.Image{}}
	for _, f := range []channels.FailedRecord{
		{Shop: "ro", Job: channels.JobOrders, Key: "77", Order: x, Kind: channels.KindSKUNotFound, Message: "m", Attempts: 1, FirstAt: at, LastAt: at},
		{Shop: "ro", Job: channels.JobPrices, Key: "B", Item: it, Kind: channels.KindRejected, Attempts: 2},
		{Shop: "ro", Job: channels.JobPrices, Key: "C", Item: noSale, Kind: channels.KindRejected},
	} {
		if err := s.PutSyncFailure(ctx, f); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.SyncFailures(ctx, "ro")
	if err != nil || len(got) != 3 {
		t.Fatalf("failures %+v, %v", got, err)
	}
	if diff := cmp.Diff(x, got[0].Order); diff != "" {
		t.Errorf("order round trip (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(it, got[1].Item); diff != "" {
		t.Errorf("item round trip (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(noSale, got[2].Item); diff != "" {
		t.Errorf("item without sale (-want +got):\n%s", diff)
	}
	if got[0].Item != nil || got[1].Order != nil || !got[0].FirstAt.Equal(at) || !got[1].FirstAt.IsZero() {
		t.Errorf("failures %+v", got)
	}
	c := raw(t, dsn)
	if n := count(t, c, `SELECT count(*) FROM sync_failures WHERE key = '77' AND ext_order->>'total' = '119.595'
		AND jsonb_typeof(ext_order->'total') = 'string' AND jsonb_typeof(ext_order->'lines'->0->'unit_price') = 'string'
		AND ext_order->'lines'->0->>'unit_price' = '10.1'`); n != 1 {
		t.Error("amounts are not decimal strings in the stored order")
	}
	if n := count(t, c, `SELECT count(*) FROM sync_failures WHERE key = 'B' AND item->>'sale_price' = '9.9'
		AND jsonb_typeof(item->'regular_price') = 'string'`); n != 1 {
		t.Error("amounts are not decimal strings in the stored item")
	}
	if n := count(t, c, `SELECT count(*) FROM sync_failures WHERE key = 'C' AND jsonb_typeof(item->'sale_price') = 'null'`); n != 1 {
		t.Error("a missing sale price is not null")
	}
}

// Kinds are a PostgreSQL enum holding exactly channels.RecordKinds(): a kind
// added to channels fails here until a migration adds it. An unknown kind
// is refused before anything is written.
func TestSyncKindsMatchEnum(t *testing.T) {
	t.Parallel()
	s, dsn := storeAndDSN(t)
	ctx := context.Background()
	var labels []string
	if err := raw(t, dsn).QueryRow(ctx, "SELECT enum_range(NULL::sync_kind)::text[]").Scan(&labels); err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, k := range channels.RecordKinds() {
		want = append(want, string(k))
	}
	if !slices.Equal(labels, want) {
		t.Fatalf("sync_kind enum %q, channels.RecordKinds() %q", labels, want)
	}
	for _, k := range channels.RecordKinds() {
		r := channels.Run{Shop: "ro", Job: channels.JobOrders, ErrKind: k, Err: "x"}
		if err := s.PutSyncRun(ctx, &r); err != nil {
			t.Fatalf("kind %q: %v", k, err)
		}
		recs := []channels.Record{{Shop: "ro", Key: string(k), Outcome: channels.OutcomeFailed, Kind: k}}
		if err := s.AddSyncRecords(ctx, recs); err != nil {
			t.Fatal(err)
		}
		if got, err := s.SyncRecords(ctx, channels.RecordFilter{Kind: k}); err != nil || len(got) != 1 || got[0].Kind != k {
			t.Fatalf("records of kind %q: %+v, %v", k, got, err)
		}
	}
	bad := channels.Kind("gremlins")
	if err := s.AddSyncRecords(ctx, []channels.Record{{Shop: "ro", Key: "ok"}, {Shop: "ro", Key: "bad", Kind: bad}}); !errors.Is(err, channels.ErrInvalid) {
		t.Fatalf("unknown kind: %v", err)
	}
	if err := s.PutSyncFailure(ctx, channels.FailedRecord{Shop: "ro", Key: "bad", Kind: bad}); !errors.Is(err, channels.ErrInvalid) {
		t.Fatalf("unknown kind: %v", err)
	}
	if got, err := s.SyncRecords(ctx, channels.RecordFilter{Kind: bad}); err != nil || len(got) != 0 {
		t.Fatalf("filter on an unknown kind: %+v, %v", got, err)
	}
	if n := count(t, raw(t, dsn), "SELECT count(*) FROM sync_records WHERE key IN ('ok', 'bad')"); n != 0 {
		t.Fatalf("%d records of a refused batch written", n)
	}
}

// The diary's filters and order agree with memstore's (the reference) on
// random runs, records and filters, zero times included.
func TestSyncDiaryMatchesMemstore(t *testing.T) {
	t.Parallel()
	s, dsn := storeAndDSN(t)
	c := raw(t, dsn)
	ctx := context.Background()
	times := []time.Time{{}, time.Unix(100, 0).UTC(), time.Unix(200, 0).UTC(), time.Unix(300, 0).UTC()}
	shops := []string{"", "a", "b"}
	jobs := []channels.Job{"", channels.JobOrders, channels.JobStock}
	kinds := []channels.Kind{"", channels.KindSKUNotFound, channels.KindUnreachable}
	outcomes := []channels.Outcome{"", channels.OutcomeImported, channels.OutcomeFailed}
	keys := []string{"", "1", "2"}
	rapid.Check(t, func(rt *rapid.T) {
		if _, err := c.Exec(ctx, "TRUNCATE sync_runs, sync_records RESTART IDENTITY"); err != nil {
			rt.Fatal(err)
		}
		m := memstore.New()
		for i := range rapid.IntRange(0, 12).Draw(rt, "runs") {
			r := channels.Run{Shop: rapid.SampledFrom(shops[1:]).Draw(rt, "shop"), Job: rapid.SampledFrom(jobs[1:]).Draw(rt, "job"),
				Started: rapid.SampledFrom(times).Draw(rt, "started"), ErrKind: rapid.SampledFrom(kinds).Draw(rt, "errKind"), Imported: i}
			r2 := r
			if err := s.PutSyncRun(ctx, &r); err != nil {
				rt.Fatal(err)
			}
			if err := m.PutSyncRun(ctx, &r2); err != nil || r.ID != r2.ID {
				rt.Fatalf("run ids %d, %d (%v)", r.ID, r2.ID, err)
			}
		}
		for range rapid.IntRange(0, 3).Draw(rt, "batches") {
			var recs []channels.Record
			for range rapid.IntRange(1, 5).Draw(rt, "batch") {
				recs = append(recs, channels.Record{RunID: int64(rapid.IntRange(0, 3).Draw(rt, "runID")),
					Shop: rapid.SampledFrom(shops[1:]).Draw(rt, "shop"), Job: rapid.SampledFrom(jobs[1:]).Draw(rt, "job"),
					Key: rapid.SampledFrom(keys[1:]).Draw(rt, "key"), Outcome: rapid.SampledFrom(outcomes[1:]).Draw(rt, "outcome"),
					Kind: rapid.SampledFrom(kinds).Draw(rt, "kind"), At: rapid.SampledFrom(times).Draw(rt, "at")})
			}
			recs2 := slices.Clone(recs)
			if err := s.AddSyncRecords(ctx, recs); err != nil {
				rt.Fatal(err)
			}
			if err := m.AddSyncRecords(ctx, recs2); err != nil || !cmp.Equal(recs, recs2) {
				rt.Fatalf("record ids %+v, %+v (%v)", recs, recs2, err)
			}
		}
		for range 5 {
			rf := channels.RunFilter{Shop: rapid.SampledFrom(shops).Draw(rt, "fShop"), Job: rapid.SampledFrom(jobs).Draw(rt, "fJob"),
				From: rapid.SampledFrom(times).Draw(rt, "fFrom"), To: rapid.SampledFrom(times).Draw(rt, "fTo"), Limit: rapid.IntRange(0, 3).Draw(rt, "fLimit")}
			got, err := s.SyncRuns(ctx, rf)
			want, _ := m.SyncRuns(ctx, rf)
			if err != nil || !cmp.Equal(got, want) {
				rt.Fatalf("runs %+v:\n%s(%v)", rf, cmp.Diff(want, got), err)
			}
			ff := channels.RecordFilter{Shop: rapid.SampledFrom(shops).Draw(rt, "fShop"), Job: rapid.SampledFrom(jobs).Draw(rt, "fJob"),
				RunID: int64(rapid.IntRange(0, 2).Draw(rt, "fRun")), Key: rapid.SampledFrom(keys).Draw(rt, "fKey"),
				Outcome: rapid.SampledFrom(outcomes).Draw(rt, "fOutcome"), Kind: rapid.SampledFrom(kinds).Draw(rt, "fKind"),
				From: rapid.SampledFrom(times).Draw(rt, "fFrom"), To: rapid.SampledFrom(times).Draw(rt, "fTo"), Limit: rapid.IntRange(0, 3).Draw(rt, "fLimit")}
			gotR, err := s.SyncRecords(ctx, ff)
			wantR, _ := m.SyncRecords(ctx, ff)
			if err != nil || !cmp.Equal(gotR, wantR) {
				rt.Fatalf("records %+v:\n%s(%v)", ff, cmp.Diff(wantR, gotR), err)
			}
		}
	})
}

// Two stores (two processes) on one database: one lease per (shop, job);
// the holder renews by acquiring again; the other gets it after the holder
// releases it or after it expires, and the old holder cannot renew then.
func TestSyncLeaseTwoStores(t *testing.T) {
	t.Parallel()
	s1, dsn := storeAndDSN(t)
	s2 := open(t, dsn, pgstore.Config{})
	ctx := context.Background()
	const ttl = 400 * time.Millisecond
	until, err := s1.AcquireSyncLease(ctx, "ro", channels.JobOrders, "w1", ttl)
	if err != nil || until.IsZero() {
		t.Fatalf("first acquire: %v, %v", until, err)
	}
	_, err = s2.AcquireSyncLease(ctx, "ro", channels.JobOrders, "w2", ttl)
	var le *pgstore.SyncLeaseError
	if !errors.Is(err, pgstore.ErrSyncLeaseHeld) || !errors.As(err, &le) || le.Holder != "w1" || !le.Until.Equal(until) {
		t.Fatalf("second worker: %v", err)
	}
	// Another job or shop is free; the holder renews.
	if _, err := s2.AcquireSyncLease(ctx, "ro", channels.JobStock, "w2", ttl); err != nil {
		t.Fatal(err)
	}
	if _, err := s2.AcquireSyncLease(ctx, "bg", channels.JobOrders, "w2", ttl); err != nil {
		t.Fatal(err)
	}
	if u2, err := s1.AcquireSyncLease(ctx, "ro", channels.JobOrders, "w1", ttl); err != nil || u2.Before(until) {
		t.Fatalf("renew: %v, %v", u2, err)
	}
	// Released: taken at once.
	if err := s1.ReleaseSyncLease(ctx, "ro", channels.JobOrders, "w1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s2.AcquireSyncLease(ctx, "ro", channels.JobOrders, "w2", ttl); err != nil {
		t.Fatalf("after release: %v", err)
	}
	// w2 dies (stops renewing): w1 waits for the expiry, then takes over.
	start := time.Now()
	for {
		_, err := s1.AcquireSyncLease(ctx, "ro", channels.JobOrders, "w1", ttl)
		if err == nil {
			break
		}
		if !errors.Is(err, pgstore.ErrSyncLeaseHeld) || time.Since(start) > 10*time.Second {
			t.Fatalf("take over: %v", err)
		}
		time.Sleep(25 * time.Millisecond)
	}
	if time.Since(start) < ttl/2 {
		t.Fatalf("took over after %v, before the lease of %v could have expired", time.Since(start), ttl)
	}
	if _, err := s2.AcquireSyncLease(ctx, "ro", channels.JobOrders, "w2", ttl); !errors.Is(err, pgstore.ErrSyncLeaseHeld) {
		t.Fatalf("the dead worker renewed a lease taken over: %v", err)
	}
	if _, err := s1.AcquireSyncLease(ctx, "ro", channels.JobOrders, "", ttl); !errors.Is(err, channels.ErrInvalid) {
		t.Fatalf("no holder: %v", err)
	}
}

// Racing workers: of many simultaneous claims exactly one wins.
func TestSyncLeaseRace(t *testing.T) {
	t.Parallel()
	s1, dsn := storeAndDSN(t)
	s2 := open(t, dsn, pgstore.Config{})
	ctx := context.Background()
	var mu sync.Mutex
	var winners []string
	var wg sync.WaitGroup
	for w := range 8 {
		s := []*pgstore.Store{s1, s2}[w%2]
		name := string(rune('a' + w))
		wg.Go(func() {
			_, err := s.AcquireSyncLease(ctx, "ro", channels.JobOrders, name, time.Minute)
			switch {
			case err == nil:
				mu.Lock()
				winners = append(winners, name)
				mu.Unlock()
			case !errors.Is(err, pgstore.ErrSyncLeaseHeld):
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if len(winners) != 1 {
		t.Fatalf("winners %v, want exactly one", winners)
	}
}

// WithSyncLease keeps the lease while a job runs longer than its ttl,
// refuses a second worker meanwhile, and releases it at the end.
func TestWithSyncLease(t *testing.T) {
	t.Parallel()
	s1, dsn := storeAndDSN(t)
	s2 := open(t, dsn, pgstore.Config{})
	ctx := context.Background()
	const ttl = 150 * time.Millisecond
	running, release := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- s1.WithSyncLease(ctx, "ro", channels.JobOrders, "w1", ttl, func(ctx context.Context) error {
			close(running)
			select {
			case <-release:
				return nil
			case <-ctx.Done():
				return context.Cause(ctx)
			}
		})
	}()
	<-running
	ran := false
	for range 4 { // 4 × ttl: only renewals keep w2 out
		err := s2.WithSyncLease(ctx, "ro", channels.JobOrders, "w2", ttl, func(ctx context.Context) error { ran = true; return nil })
		if !errors.Is(err, pgstore.ErrSyncLeaseHeld) {
			t.Fatalf("second worker during the job: %v", err)
		}
		time.Sleep(ttl)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if ran {
		t.Fatal("the second worker ran the job while the first held it")
	}
	if err := s2.WithSyncLease(ctx, "ro", channels.JobOrders, "w2", ttl, func(ctx context.Context) error { ran = true; return nil }); err != nil || !ran {
		t.Fatalf("after release: %v, ran %v", err, ran)
	}
}

// lastQuery is a pgx tracer that keeps the last statement a pool sent.
type lastQuery struct {
	mu   sync.Mutex
	sql  string
	args []any
}

func (l *lastQuery) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sql, l.args = d.SQL, d.Args
	return ctx
}

func (l *lastQuery) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// TestSyncExplain loads a diary of 60,000 records and 6,000 runs over 20
// shops, runs ANALYZE, and prints the plan of the statements the engine's
// diary reads send (go test -run TestSyncExplain -v): the scheduler's last
// runs of a job, the morning summary's week of runs and of records, a
// run's records, one order's story, failures by kind. Each is served by
// the index built for it. The statements are the store's own, caught by
// a tracer on its pool.
func TestSyncExplain(t *testing.T) {
	t.Parallel()
	dsn := pgtest.DSN(t)
	ctx := context.Background()
	pc, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	tr := &lastQuery{}
	pc.ConnConfig.Tracer = tr
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	s := pgstore.New(pool)
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	c := raw(t, dsn)
	const load = `
INSERT INTO sync_runs (shop, job, started, finished, retry, announced, done, imported, updated, unchanged, pushed,
	skipped, failed, err, err_kind)
SELECT 's' || (i % 20), (ARRAY['orders','stock','prices','descriptions','images'])[1 + i / 20 % 5],
	timestamptz '2026-01-01 00:00:00+00' + i * interval '10 minutes', NULL, false, 10, 10, 10, 0, 0, 0, 0, 0, '', NULL
FROM generate_series(1, 6000) AS i;
INSERT INTO sync_records (run_id, shop, job, key, order_id, outcome, kind, message, at)
SELECT 1 + i / 10, 's' || (i / 10 % 20), 'orders', (i % 5000)::text, 'o' || i,
	CASE WHEN i % 100 = 0 THEN 'failed' ELSE 'imported' END,
	CASE WHEN i % 100 = 0 THEN 'product SKU not found'::sync_kind END, '',
	timestamptz '2026-01-01 00:00:00+00' + i * interval '1 minute'
FROM generate_series(1, 60000) AS i;
ANALYZE;`
	if _, err := c.Exec(ctx, load); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 2, 10, 0, 0, 0, 0, time.UTC)
	week := now.Add(-7 * 24 * time.Hour)
	cases := []struct {
		name  string
		read  func() error
		index string
	}{
		{"last runs of a job (scheduler)", func() error {
			_, err := s.SyncRuns(ctx, channels.RunFilter{Shop: "s3", Job: channels.JobOrders, Limit: 20})
			return err
		}, "sync_runs_shop_job"},
		{"a shop's runs of the week (summary)", func() error {
			_, err := s.SyncRuns(ctx, channels.RunFilter{Shop: "s3", From: week, To: now})
			return err
		}, "sync_runs_shop_started"},
		{"a shop's records of the week (summary)", func() error {
			_, err := s.SyncRecords(ctx, channels.RecordFilter{Shop: "s3", From: week, To: now})
			return err
		}, "sync_records_shop_at"},
		{"a run's records", func() error {
			_, err := s.SyncRecords(ctx, channels.RecordFilter{RunID: 4321})
			return err
		}, "sync_records_run"},
		{"one order's story", func() error {
			_, err := s.SyncRecords(ctx, channels.RecordFilter{Shop: "s3", Key: "1234"})
			return err
		}, "sync_records_key"},
		{"failures by kind", func() error {
			_, err := s.SyncRecords(ctx, channels.RecordFilter{Kind: channels.KindSKUNotFound, From: week})
			return err
		}, "sync_records_kind"},
		{"latest records", func() error {
			_, err := s.SyncRecords(ctx, channels.RecordFilter{Limit: 50})
			return err
		}, "sync_records_pkey"},
	}
	for _, tc := range cases {
		if err := tc.read(); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		tr.mu.Lock()
		q, args := tr.sql, tr.args
		tr.mu.Unlock()
		rows, err := c.Query(ctx, "EXPLAIN (COSTS OFF) "+q, args...)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		plan := strings.Join(lines, "\n")
		t.Logf("%s:\n%s\n%s", tc.name, q, plan)
		if strings.Contains(plan, "Seq Scan") || !strings.Contains(plan+"\n", " "+tc.index+" ") && !strings.Contains(plan+"\n", " "+tc.index+"\n") {
			t.Errorf("%s: plan does not use %s:\n%s", tc.name, tc.index, plan)
		}
	}
}

// leaseChildEnv carries the database to the killed lease holder.
const leaseChildEnv = "PGSTORE_TEST_LEASE_CHILD_DSN"

// TestSyncLeaseKilledWorkerChild is the worker process of
// TestSyncLeaseKilledWorker: it runs a job under WithSyncLease and waits
// to be killed.
func TestSyncLeaseKilledWorkerChild(t *testing.T) {
	dsn := os.Getenv(leaseChildEnv)
	if dsn == "" {
		t.Skip("helper process for TestSyncLeaseKilledWorker")
	}
	ctx := context.Background()
	s, err := pgstore.Open(ctx, dsn, pgstore.Config{})
	if err != nil {
		fmt.Println("ERROR", err)
		os.Exit(3)
	}
	err = s.WithSyncLease(ctx, "ro", channels.JobOrders, "doomed", 600*time.Millisecond, func(ctx context.Context) error {
		fmt.Println("HOLDING")
		select {} // killed by the parent mid-job
	})
	fmt.Println("ERROR", err)
	os.Exit(3)
}

// A worker process killed (SIGKILL) in the middle of a job: while it
// lived, its renewals kept the lease past the ttl; once dead, another
// store takes the job over after the lease expires.
func TestSyncLeaseKilledWorker(t *testing.T) {
	t.Parallel()
	s, dsn := storeAndDSN(t)
	ctx := context.Background()
	cmd := exec.Command(os.Args[0], "-test.run=^TestSyncLeaseKilledWorkerChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), leaseChildEnv+"="+dsn)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || line != "HOLDING\n" {
		t.Fatalf("child: %q %v", line, err)
	}
	time.Sleep(time.Second) // longer than the ttl: only renewals keep it held
	var le *pgstore.SyncLeaseError
	if _, err := s.AcquireSyncLease(ctx, "ro", channels.JobOrders, "survivor", time.Minute); !errors.As(err, &le) || le.Holder != "doomed" {
		t.Fatalf("acquired while the worker lives: %v", err)
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := s.AcquireSyncLease(ctx, "ro", channels.JobOrders, "survivor", time.Minute)
		if err == nil {
			return
		}
		if !errors.Is(err, pgstore.ErrSyncLeaseHeld) || time.Now().After(deadline) {
			t.Fatalf("the dead worker's job was never taken over: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// slowOrders counts the listings in flight, to catch two runs of one job
// at once.
type slowOrders struct {
	channels.OrderSource
	mu             sync.Mutex
	inFlight, most int
}

func (s *slowOrders) ListOrders(ctx context.Context, cursor string, limit int) (channels.OrderPage, error) {
	s.mu.Lock()
	s.inFlight++
	s.most = max(s.most, s.inFlight)
	s.mu.Unlock()
	defer func() { s.mu.Lock(); s.inFlight--; s.mu.Unlock() }()
	time.Sleep(3 * time.Millisecond)
	return s.OrderSource.ListOrders(ctx, cursor, limit)
}

// Two engines (two processes) on one database, the Store as their
// channels.Config.Leases: a shop's job never runs twice at once, whatever
// starts it. A run that finds the job leased is skipped with a typed error
// (the holder named) and leaves nothing in the diary; the one-shot pass
// skips it without an error.
func TestSyncLeaseEnginesNeverOverlap(t *testing.T) {
	t.Parallel()
	s1, dsn := storeAndDSN(t)
	s2 := open(t, dsn, pgstore.Config{})
	ctx := context.Background()
	reg := channels.NewRegistry()
	if err := reg.SetChannel(channels.Channel{ID: 3, Type: oms.ChannelWooCommerce, Name: "Web shop"}); err != nil {
		t.Fatal(err)
	}
	if err := reg.SetShop(channels.Shop{ID: "ro", ChannelID: 3, Name: "Romania", Schedule: channels.Schedule{Orders: time.Millisecond},
		Payments: channels.PaymentMap{"cod": "cash"}}); err != nil {
		t.Fatal(err)
	}
	shop := channelstest.NewShop()
	for i := range 30 {
		shop.Add(channelstest.NewOrder(strconv.Itoa(i), "processing", "buyer@example.com", "A"))
	}
	src := &slowOrders{OrderSource: shop}
	connect := func(ctx context.Context, _ channels.Shop) (channels.Connector, error) {
		c := shop.Connector()
		c.Orders = src
		return c, nil
	}
	cat := channelstest.NewCatalogue(channels.Product{SKU: "A", Name: "Apple"})
	clients := channelstest.NewClients()
	engines := map[string]*channels.Engine{}
	for holder, s := range map[string]*pgstore.Store{"w1": s1, "w2": s2} {
		svc, err := oms.NewService(s, oms.Config{Channels: reg})
		if err != nil {
			t.Fatal(err)
		}
		engines[holder], err = channels.New(svc, reg, s, channels.Config{Connect: connect, Catalogue: cat, Clients: clients,
			PageSize: 4, NoSubscribe: true, Leases: s, LeaseHolder: holder, LeaseTTL: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
	}

	var mu sync.Mutex
	completed, skipped := 0, 0
	var wg sync.WaitGroup
	for i := range 10 {
		holder := []string{"w1", "w2"}[i%2]
		e := engines[holder]
		wg.Go(func() {
			var err error
			if i%4 < 2 {
				_, err = e.ImportOrders(ctx, "ro")
			} else {
				_, err = e.RunJob(ctx, "ro", channels.JobOrders)
			}
			var le *pgstore.SyncLeaseError
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				completed++
			case errors.Is(err, channels.ErrLeaseHeld) && errors.Is(err, pgstore.ErrSyncLeaseHeld) && errors.As(err, &le) &&
				le.Holder != holder && le.Job == channels.JobOrders:
				skipped++
			default:
				t.Errorf("%s: %v", holder, err)
			}
		})
	}
	wg.Wait()
	t.Logf("%d runs completed, %d skipped as leased by the other engine", completed, skipped)
	if src.most != 1 {
		t.Fatalf("%d listings of one shop in flight at once", src.most)
	}
	if completed == 0 || completed+skipped != 10 {
		t.Fatalf("%d runs completed, %d skipped", completed, skipped)
	}
	runs, err := s1.SyncRuns(ctx, channels.RunFilter{Shop: "ro"})
	if err != nil || len(runs) != completed {
		t.Fatalf("diary has %d runs for %d completed: %v", len(runs), completed, err)
	}
	for _, r := range runs {
		if r.Err != "" || r.ErrKind != "" {
			t.Fatalf("a run ended early: %+v", r)
		}
	}
	if recs, err := s1.SyncRecords(ctx, channels.RecordFilter{Shop: "ro", Outcome: channels.OutcomeFailed}); err != nil || len(recs) != 0 {
		t.Fatalf("failed records: %+v, %v", recs, err)
	}
	page, err := s1.List(ctx, oms.Filter{Store: "ro"}, oms.Page{Limit: 100})
	if err != nil || len(page.Orders) != 30 {
		t.Fatalf("%d orders, %v", len(page.Orders), err)
	}

	// A third worker holds the job: both engines skip it, the one-shot
	// pass without an error, and nothing reaches the diary.
	if _, err := s2.AcquireSyncLease(ctx, "ro", channels.JobOrders, "w3", time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := s1.SetSyncCursor(ctx, "ro", channels.JobOrders, ""); err != nil {
		t.Fatal(err)
	}
	_, err = engines["w1"].RunJob(ctx, "ro", channels.JobOrders)
	var le *pgstore.SyncLeaseError
	if !errors.Is(err, channels.ErrLeaseHeld) || !errors.As(err, &le) || le.Holder != "w3" {
		t.Fatalf("RunJob while w3 holds the job: %v", err)
	}
	if got, err := engines["w2"].Run(ctx); err != nil || len(got) != 0 {
		t.Fatalf("pass while w3 holds the job: %+v, %v", got, err)
	}
	if after, _ := s1.SyncRuns(ctx, channels.RunFilter{Shop: "ro"}); len(after) != len(runs) {
		t.Fatalf("skipped jobs reached the diary: %d runs, want %d", len(after), len(runs))
	}
}
