package memstore_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/azuvio/omnisales/adapters/memstore"
	"github.com/azuvio/omnisales/channels"
)

func TestProductsConformance(t *testing.T) {
	catalogueConformance(t, func(t *testing.T) productTable { return memstore.NewProducts() })
}

// The clock stamps a change and only a change.
func TestProductsModifiedFromClock(t *testing.T) {
	ctx := context.Background()
	tb := memstore.NewProducts()
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	tb.SetClock(func() time.Time { return now })
	_ = tb.Put(ctx, channels.Product{SKU: "A", Name: "Apple"})
	now = now.Add(time.Hour)
	_ = tb.Put(ctx, channels.Product{SKU: "A", Name: "Apple"})
	_ = tb.Put(ctx, channels.Product{SKU: "B"})
	l, _ := tb.ListProducts(ctx)
	if !l[0].Modified.Equal(now.Add(-time.Hour)) || !l[1].Modified.Equal(now) {
		t.Fatalf("modified %v %v", l[0].Modified, l[1].Modified)
	}
}

// productTable is a channels.Catalogue and channels.ProductLister with
// Put. catalogueConformance is the same check in adapters/pgstore's tests.
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
