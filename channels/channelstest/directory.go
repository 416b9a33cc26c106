package channelstest

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/azuvio/omnisales/channels"
	"github.com/azuvio/omnisales/oms"
)

// Catalogue is an in-memory channels.Catalogue.
type Catalogue struct {
	mu    sync.RWMutex
	bySKU map[string]channels.Product
}

var _ channels.Catalogue = (*Catalogue)(nil)

// NewCatalogue returns a catalogue holding products (by SKU).
func NewCatalogue(products ...channels.Product) *Catalogue {
	c := &Catalogue{bySKU: map[string]channels.Product{}}
	for _, p := range products {
		c.Add(p)
	}
	return c
}

// Add adds or replaces a product; an empty ID is the SKU.
func (c *Catalogue) Add(p channels.Product) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if p.ID == "" {
		p.ID = p.SKU
	}
	c.bySKU[p.SKU] = p
}

// ProductBySKU implements channels.Catalogue.
func (c *Catalogue) ProductBySKU(ctx context.Context, sku string) (channels.Product, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	p, ok := c.bySKU[sku]
	if !ok {
		return channels.Product{}, fmt.Errorf("channelstest: sku %q: %w", sku, channels.ErrNotFound)
	}
	return p, nil
}

// Clients is an in-memory channels.ClientDirectory: it finds clients by
// email (case-insensitive) and creates "C1", "C2"… for new ones.
type Clients struct {
	mu      sync.Mutex
	byEmail map[string]oms.Client
	dups    map[string]bool
	created int
}

var _ channels.ClientDirectory = (*Clients)(nil)

// NewClients returns an empty directory.
func NewClients() *Clients {
	return &Clients{byEmail: map[string]oms.Client{}, dups: map[string]bool{}}
}

// MarkDuplicate makes email ambiguous (two clients share it), so that
// FindOrCreate refuses it with channels.ErrDuplicateClient.
func (c *Clients) MarkDuplicate(email string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.dups[strings.ToLower(email)] = true
}

// Fix resolves a duplicate, as an operator does.
func (c *Clients) Fix(email string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.dups, strings.ToLower(email))
}

// Created returns how many clients FindOrCreate created.
func (c *Clients) Created() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.created
}

// FindOrCreate implements channels.ClientDirectory.
func (c *Clients) FindOrCreate(ctx context.Context, cu channels.Customer) (oms.Client, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	k := strings.ToLower(strings.TrimSpace(cu.Email))
	if k == "" || !strings.Contains(k, "@") {
		return oms.Client{}, fmt.Errorf("channelstest: %q: %w", cu.Email, channels.ErrInvalidEmail)
	}
	if c.dups[k] {
		return oms.Client{}, fmt.Errorf("channelstest: %q: %w", cu.Email, channels.ErrDuplicateClient)
	}
	if cl, ok := c.byEmail[k]; ok {
		return cl, nil
	}
	c.created++
	cl := oms.Client{ID: "C" + strconv.Itoa(c.created), Email: k}
	c.byEmail[k] = cl
	return cl, nil
}

// Feed is a fixed channels.CatalogueFeed: the items set per job, whatever
// since is. It records the since values it was asked with.
type Feed struct {
	mu     sync.Mutex
	items  map[channels.Job][]channels.CatalogueItem
	sinces []time.Time
}

var _ channels.CatalogueFeed = (*Feed)(nil)

// NewFeed returns an empty feed.
func NewFeed() *Feed { return &Feed{items: map[channels.Job][]channels.CatalogueItem{}} }

// Set replaces the items of job.
func (f *Feed) Set(job channels.Job, items ...channels.CatalogueItem) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.items[job] = append([]channels.CatalogueItem(nil), items...)
}

// Sinces returns the since values asked, in order.
func (f *Feed) Sinces() []time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]time.Time(nil), f.sinces...)
}

// CatalogueItems implements channels.CatalogueFeed.
func (f *Feed) CatalogueItems(ctx context.Context, shop channels.Shop, job channels.Job, since time.Time) ([]channels.CatalogueItem, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sinces = append(f.sinces, since)
	return append([]channels.CatalogueItem(nil), f.items[job]...), nil
}
