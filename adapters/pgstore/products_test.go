package pgstore_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/azuvio/omnisales/channels"
)

func TestProductsConformance(t *testing.T) {
	t.Parallel()
	catalogueConformance(t, func(t *testing.T) productTable { return newStore(t).Products() })
}

// The diary keeps each record's Duration (migration 0007's duration_us):
// whole microseconds come back exactly, finer parts are truncated, zero
// stays zero, and rows written without a duration (before the column)
// read as zero.
func TestSyncRecordDurationRoundTrip(t *testing.T) {
	t.Parallel()
	s, dsn := storeAndDSN(t)
	ctx := context.Background()
	at := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	in := []channels.Record{
		{Shop: "ro", Job: channels.JobOrders, Key: "1", Outcome: channels.OutcomeImported, At: at, Duration: 1234567 * time.Microsecond},
		{Shop: "ro", Job: channels.JobPrices, Key: "A", Outcome: channels.OutcomePushed, At: at, Duration: 90*time.Second + 1500*time.Nanosecond},
		{Shop: "ro", Job: channels.JobOrders, Key: "2", Outcome: channels.OutcomeFailed, Kind: channels.KindSKUNotFound, At: at},
		{Shop: "ro", Job: channels.JobStatus, Key: "3", Outcome: channels.OutcomePushed, At: at, Duration: 3 * time.Hour},
	}
	if err := s.AddSyncRecords(ctx, in); err != nil {
		t.Fatal(err)
	}
	if _, err := raw(t, dsn).Exec(ctx, `INSERT INTO sync_records (run_id, shop, job, key, order_id, outcome, message, at)
		VALUES (0, 'ro', 'orders', 'old', '', 'imported', '', $1)`, at); err != nil {
		t.Fatal(err)
	}
	got, err := s.SyncRecords(ctx, channels.RecordFilter{Shop: "ro"})
	if err != nil || len(got) != 5 {
		t.Fatalf("records %+v, %v", got, err)
	}
	want := map[string]time.Duration{"1": 1234567 * time.Microsecond, "A": 90*time.Second + time.Microsecond, "2": 0,
		"3": 3 * time.Hour, "old": 0}
	for _, r := range got {
		if r.Duration != want[r.Key] {
			t.Errorf("record %s: Duration %v, want %v", r.Key, r.Duration, want[r.Key])
		}
	}
	if got[4].Key != "1" || got[4].ID != in[0].ID {
		t.Fatalf("oldest record %+v", got[4])
	}
}

// productTable is a channels.Catalogue and channels.ProductLister with
// Put. catalogueConformance is the same check as in adapters/memstore's
// tests (keep them in step).
type productTable interface {
	channels.Catalogue
	channels.ProductLister
	Put(ctx context.Context, p channels.Product) error
}

// catalogueConformance checks a product table: ProductBySKU finds the
// exact SKU or returns ErrNotFound; Put replaces by SKU, defaults the id
// to the SKU, refuses a bad SKU with ErrInvalid and moves Modified only on
// a change; ListProducts lists by SKU; a done context is refused; it is
// safe for concurrent use. open returns an empty table.
func catalogueConformance(t *testing.T, open func(t *testing.T) productTable) {
	t.Helper()
	ctx := context.Background()
	tb := open(t)
	if _, err := tb.ProductBySKU(ctx, "A"); !errors.Is(err, channels.ErrNotFound) {
		t.Fatalf("unknown SKU: %v", err)
	}
	if l, err := tb.ListProducts(ctx); len(l) != 0 || err != nil {
		t.Fatalf("empty list = %v, %v", l, err)
	}
	apple := channels.Product{ID: "P1", SKU: "A-1", Name: "Apple", Group: "fruit", Department: "fresh"}
	for _, p := range []channels.Product{apple, {SKU: "B-2", Name: "Bread"}, {ID: "P0", SKU: "0-0"}} {
		if err := tb.Put(ctx, p); err != nil {
			t.Fatalf("Put %+v: %v", p, err)
		}
	}
	if got, err := tb.ProductBySKU(ctx, "A-1"); err != nil || !cmp.Equal(got, apple) {
		t.Fatalf("A-1 = %+v, %v", got, err)
	}
	if got, err := tb.ProductBySKU(ctx, "B-2"); err != nil || got.ID != "B-2" {
		t.Fatalf("an empty id is the SKU: %+v, %v", got, err)
	}
	for _, sku := range []string{"a-1", " A-1", "A"} {
		if _, err := tb.ProductBySKU(ctx, sku); !errors.Is(err, channels.ErrNotFound) {
			t.Fatalf("SKU %q is not A-1: %v", sku, err)
		}
	}
	for _, sku := range []string{"", " ", " X", "X\t"} {
		if err := tb.Put(ctx, channels.Product{SKU: sku}); !errors.Is(err, channels.ErrInvalid) {
			t.Fatalf("Put SKU %q: %v", sku, err)
		}
	}

	l, err := tb.ListProducts(ctx)
	if err != nil || len(l) != 3 || l[0].SKU != "0-0" || l[1].SKU != "A-1" || l[2].SKU != "B-2" {
		t.Fatalf("list = %+v, %v", l, err)
	}
	if !cmp.Equal(l[1].Product, apple) || l[1].Modified.IsZero() {
		t.Fatalf("listed apple %+v", l[1])
	}
	first := l[1].Modified
	if err := tb.Put(ctx, apple); err != nil {
		t.Fatal(err)
	}
	if l, _ := tb.ListProducts(ctx); !l[1].Modified.Equal(first) {
		t.Fatalf("an unchanged Put moved Modified from %v to %v", first, l[1].Modified)
	}
	apple.Name = "Green apple"
	if err := tb.Put(ctx, apple); err != nil {
		t.Fatal(err)
	}
	if got, _ := tb.ProductBySKU(ctx, "A-1"); got.Name != "Green apple" {
		t.Fatalf("replaced %+v", got)
	}
	if l, _ := tb.ListProducts(ctx); l[1].Modified.Before(first) {
		t.Fatalf("a change moved Modified back from %v to %v", first, l[1].Modified)
	}

	done, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := tb.ProductBySKU(done, "A-1"); !errors.Is(err, context.Canceled) {
		t.Fatalf("ProductBySKU on a done context: %v", err)
	}
	if err := tb.Put(done, channels.Product{SKU: "LATE"}); !errors.Is(err, context.Canceled) {
		t.Fatalf("Put on a done context: %v", err)
	}
	if _, err := tb.ProductBySKU(ctx, "LATE"); !errors.Is(err, channels.ErrNotFound) {
		t.Fatalf("Put on a done context stored LATE: %v", err)
	}

	t.Run("concurrent", func(t *testing.T) {
		tb := open(t)
		var wg sync.WaitGroup
		for w := range 4 {
			wg.Go(func() {
				for i := range 50 {
					sku := fmt.Sprint("S", i)
					if err := tb.Put(ctx, channels.Product{SKU: sku, Name: fmt.Sprint(w)}); err != nil {
						t.Error(err)
						return
					}
					if _, err := tb.ProductBySKU(ctx, sku); err != nil {
						t.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
		if l, _ := tb.ListProducts(ctx); len(l) != 50 {
			t.Fatalf("%d products", len(l))
		}
	})
}
