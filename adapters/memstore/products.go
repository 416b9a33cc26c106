package memstore

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/azuvio/omnisales/channels"
)

// Products is an in-memory product table by SKU: the channels.Catalogue
// the sync engine finds imported lines' products in, and a
// channels.ProductLister for channels.Feed. The zero value is not usable;
// call NewProducts.
//
// It is safe for concurrent use; values are copied in and out. A call on
// a done context returns its error and changes nothing.
type Products struct {
	mu    sync.RWMutex
	clock func() time.Time
	bySKU map[string]product
}

type product struct {
	p        channels.Product
	modified time.Time
}

var (
	_ channels.Catalogue      = (*Products)(nil)
	_ channels.CatalogueBatch = (*Products)(nil)
	_ channels.ProductLister  = (*Products)(nil)
)

// NewProducts returns an empty table.
func NewProducts() *Products {
	return &Products{clock: time.Now, bySKU: map[string]product{}}
}

// SetClock sets the clock that stamps changes (ListProducts' Modified);
// nil restores time.Now.
func (t *Products) SetClock(now func() time.Time) {
	if now == nil {
		now = time.Now
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.clock = now
}

// Put adds or replaces the product with p.SKU; an empty ID is the SKU.
// The product's Modified time (ListProducts) moves only when its data
// changes. A SKU that is empty or has spaces around it is an error
// wrapping channels.ErrInvalid.
func (t *Products) Put(ctx context.Context, p channels.Product) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if p.SKU == "" || strings.TrimSpace(p.SKU) != p.SKU {
		return fmt.Errorf("memstore: put product: SKU %q: %w", p.SKU, channels.ErrInvalid)
	}
	if p.ID == "" {
		p.ID = p.SKU
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if old, ok := t.bySKU[p.SKU]; ok && old.p == p {
		return nil
	}
	t.bySKU[p.SKU] = product{p: p, modified: t.clock().UTC().Round(0)}
	return nil
}

// ProductBySKU implements channels.Catalogue: the product with that exact
// SKU, or an error wrapping channels.ErrNotFound.
func (t *Products) ProductBySKU(ctx context.Context, sku string) (channels.Product, error) {
	if err := ctx.Err(); err != nil {
		return channels.Product{}, err
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	p, ok := t.bySKU[sku]
	if !ok {
		return channels.Product{}, fmt.Errorf("memstore: product SKU %q: %w", sku, channels.ErrNotFound)
	}
	return p.p, nil
}

// ProductsBySKU implements channels.CatalogueBatch: the products with
// these exact SKUs; unknown SKUs are absent from the map.
func (t *Products) ProductsBySKU(ctx context.Context, skus []string) (map[string]channels.Product, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	out := make(map[string]channels.Product, len(skus))
	for _, sku := range skus {
		if p, ok := t.bySKU[sku]; ok {
			out[sku] = p.p
		}
	}
	return out, nil
}

// ListProducts implements channels.ProductLister: every product by SKU
// (bytewise), with the time of its last change as Modified and no
// descriptions or images (so channels.Feed pushes their prices and stock
// only).
func (t *Products) ListProducts(ctx context.Context) ([]channels.FeedProduct, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	t.mu.RLock()
	out := make([]channels.FeedProduct, 0, len(t.bySKU))
	for _, p := range t.bySKU {
		out = append(out, channels.FeedProduct{Product: p.p, Modified: p.modified})
	}
	t.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return out[i].SKU < out[j].SKU })
	return out, nil
}
