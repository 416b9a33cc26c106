package memstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/azuvio/omnisales/adapters/memstore"
	"github.com/azuvio/omnisales/channels"
	"github.com/azuvio/omnisales/channels/channelstest"
)

func TestProductsConformance(t *testing.T) {
	channelstest.CatalogueConformance(t, func(t *testing.T) channelstest.ProductTable { return memstore.NewProducts() })
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
