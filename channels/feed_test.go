package channels_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"

	"github.com/azuvio/omnisales/adapters/memstore"
	"github.com/azuvio/omnisales/channels"
	"github.com/azuvio/omnisales/discount"
	"github.com/azuvio/omnisales/oms"
	"github.com/azuvio/omnisales/pricing"
	"github.com/azuvio/omnisales/returns"
)

// returns' unit of work reads stock levels as the feed wants them.
var _ channels.StockLevels = returns.Tx(nil)

var feedNow = time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// feedPrices: a standard RON list, channel 3's list (cheaper apples, one
// expired entry), another channel's list, a client's list and a EUR list
// that must all be passed over as pricing.Resolve does.
func feedPrices(t *testing.T) *pricing.Memory {
	t.Helper()
	m, err := pricing.NewMemory(
		pricing.PriceList{ID: "std", Tier: pricing.TierStandard, Currency: "RON", Entries: []pricing.Entry{
			{Product: "P-A", Price: dec("12.00")}, {Product: "P-B", Price: dec("4.995")}, {Product: "P-C", Price: dec("100")},
			{Product: "P-E", Price: dec("7"), MinQuantity: 10}}},
		pricing.PriceList{ID: "web", Tier: pricing.TierChannel, Channel: 3, Currency: "RON", Entries: []pricing.Entry{
			{Product: "P-A", Price: dec("10.50")},
			{Product: "P-C", Price: dec("80"), ValidUntil: feedNow.Add(-time.Hour)}}},
		pricing.PriceList{ID: "pos", Tier: pricing.TierChannel, Channel: 1, Currency: "RON", Entries: []pricing.Entry{
			{Product: "P-B", Price: dec("1")}}},
		pricing.PriceList{ID: "vip", Tier: pricing.TierClient, Client: "C1", Currency: "RON", Entries: []pricing.Entry{
			{Product: "P-A", Price: dec("1")}}},
		pricing.PriceList{ID: "eur", Tier: pricing.TierStandard, Currency: "EUR", Entries: []pricing.Entry{
			{Product: "P-D", Price: dec("3")}}},
	)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func feedProducts() channels.ProductList {
	return channels.ProductList{
		{Product: channels.Product{ID: "P-A", SKU: "A", Name: "Apple", Group: "fruit"}},
		{Product: channels.Product{ID: "P-B", SKU: "B", Name: "Bread", Group: "bakery"}},
		{Product: channels.Product{ID: "P-C", SKU: "C", Name: "Cheese"}},
		{Product: channels.Product{ID: "P-D", SKU: "D", Name: "Dates"}}, // priced in EUR only
		{Product: channels.Product{ID: "P-E", SKU: "E", Name: "Eggs"}},  // only from 10 units
		{Product: channels.Product{ID: "P-X", SKU: "", Name: "No SKU"}}, // never pushed
	}
}

func newFeed(t *testing.T, cfg channels.FeedConfig) *channels.Feed {
	t.Helper()
	if cfg.Clock == nil {
		cfg.Clock = func() time.Time { return feedNow }
	}
	f, err := channels.NewFeed(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func feedRegistry(t *testing.T, currency string) *channels.Registry {
	t.Helper()
	reg := channels.NewRegistry()
	if err := reg.SetChannel(channels.Channel{ID: 3, Type: oms.ChannelWooCommerce, Name: "Web shop",
		Settings: channels.Settings{Currency: currency}}); err != nil {
		t.Fatal(err)
	}
	return reg
}

// Prices come from the channel's list, else the standard one, for one
// unit and no client, in the channel's currency; regular prices are
// rounded half away from zero to the minor unit; a product no list prices
// is left out.
func TestFeedPrices(t *testing.T) {
	ctx := context.Background()
	f := newFeed(t, channels.FeedConfig{Products: feedProducts(), Prices: feedPrices(t), Registry: feedRegistry(t, "RON")})
	items, err := f.CatalogueItems(ctx, testShop(), channels.JobPrices, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	want := []channels.CatalogueItem{
		{SKU: "A", RegularPrice: dec("10.50")}, // channel list
		{SKU: "B", RegularPrice: dec("5.00")},  // standard 4.995, rounded; the POS list is another channel's
		{SKU: "C", RegularPrice: dec("100")},   // the channel's entry expired
	}
	if !cmp.Equal(items, want) {
		t.Fatalf("items:\n%s", cmp.Diff(want, items))
	}
	// The same feed for a channel without a currency uses the feed's.
	f = newFeed(t, channels.FeedConfig{Products: feedProducts(), Prices: feedPrices(t), Registry: feedRegistry(t, ""), Currency: "EUR"})
	items, err = f.CatalogueItems(ctx, testShop(), channels.JobPrices, time.Time{})
	if err != nil || !cmp.Equal(items, []channels.CatalogueItem{{SKU: "D", RegularPrice: dec("3")}}) {
		t.Fatalf("EUR items %+v, %v", items, err)
	}
	// The channel's currency wins over the feed's.
	f = newFeed(t, channels.FeedConfig{Products: feedProducts(), Prices: feedPrices(t), Registry: feedRegistry(t, "RON"), Currency: "EUR"})
	if items, _ = f.CatalogueItems(ctx, testShop(), channels.JobPrices, time.Time{}); len(items) != 3 {
		t.Fatalf("channel currency: %+v", items)
	}
}

// Sale prices come from the discount engine's automatic product rules on
// the shop's channel and store, taken from the regular price pushed.
func TestFeedSalePrices(t *testing.T) {
	ctx := context.Background()
	eng, err := discount.NewEngine(discount.Config{}, []discount.Rule{
		{ID: 1, Name: "apples -10%", Kind: discount.Percent, Value: dec("10"), Products: []discount.ProductID{"P-A"}},
		{ID: 2, Name: "bakery -1 RON on the web", Kind: discount.Fixed, Value: dec("1"), Currency: "RON",
			ProductGroups: []discount.ProductGroupID{"bakery"}, Channel: 3, Store: "ro"},
		{ID: 3, Name: "cheese in another shop", Kind: discount.Percent, Value: dec("50"), Products: []discount.ProductID{"P-C"}, Store: "bg"},
		{ID: 4, Name: "cheese voucher", Kind: discount.Percent, Value: dec("50"), Products: []discount.ProductID{"P-C"}, Voucher: "CHEESE"},
		{ID: 5, Name: "ended", Kind: discount.Percent, Value: dec("50"), Products: []discount.ProductID{"P-C"},
			End: discount.Date{Year: 2026, Month: time.March, Day: 9}},
	})
	if err != nil {
		t.Fatal(err)
	}
	f := newFeed(t, channels.FeedConfig{Products: feedProducts(), Prices: feedPrices(t), Sales: eng, Currency: "RON"})
	items, err := f.CatalogueItems(ctx, testShop(), channels.JobPrices, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	want := []channels.CatalogueItem{
		{SKU: "A", RegularPrice: dec("10.50"), SalePrice: decimal.NewNullDecimal(dec("9.45"))},
		{SKU: "B", RegularPrice: dec("5.00"), SalePrice: decimal.NewNullDecimal(dec("4.00"))},
		{SKU: "C", RegularPrice: dec("100")}, // no sale: the null clears one in the shop
	}
	if !cmp.Equal(items, want) {
		t.Fatalf("items:\n%s", cmp.Diff(want, items))
	}
	// A sale pricer's failure fails the feed (never "no sales").
	f = newFeed(t, channels.FeedConfig{Products: feedProducts(), Prices: feedPrices(t), Sales: failingSales{}, Currency: "RON"})
	if _, err := f.CatalogueItems(ctx, testShop(), channels.JobPrices, time.Time{}); !errors.Is(err, errSales) {
		t.Fatalf("sale pricer failure: %v", err)
	}
}

var errSales = errors.New("sales down")

type failingSales struct{}

func (failingSales) SalePrices(discount.ChannelID, discount.StoreID, string, time.Time, []discount.CatalogItem) ([]discount.SalePrice, error) {
	return nil, errSales
}

// Stock levels come from returns' inventory (memstore's, read through a
// unit of work) for every product, whatever since is.
func TestFeedStockFromInventory(t *testing.T) {
	ctx := context.Background()
	ms := memstore.New()
	err := ms.DoReturns(ctx, func(tx returns.Tx) error {
		for _, e := range []returns.StockEntry{{ProductID: "P-A", Quantity: 5}, {ProductID: "P-C", Quantity: 2}, {ProductID: "P-A", Quantity: -1}} {
			if err := tx.Restock(ctx, &e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	stock := channels.StockLevelFunc(func(ctx context.Context, id string) (n int64, err error) {
		err = ms.DoReturns(ctx, func(tx returns.Tx) error { n, err = tx.StockLevel(ctx, id); return err })
		return n, err
	})
	products := feedProducts()[:3]
	products[0].Modified = feedNow.Add(-48 * time.Hour)
	f := newFeed(t, channels.FeedConfig{Products: products, Stock: stock})
	want := []channels.CatalogueItem{{SKU: "A", Stock: 4}, {SKU: "B", Stock: 0}, {SKU: "C", Stock: 2}}
	for _, since := range []time.Time{{}, feedNow} {
		items, err := f.CatalogueItems(ctx, testShop(), channels.JobStock, since)
		if err != nil || !cmp.Equal(items, want) {
			t.Fatalf("since %v: items %+v, %v", since, items, err)
		}
	}
	errDown := errors.New("inventory down")
	f = newFeed(t, channels.FeedConfig{Products: products, Stock: channels.StockLevelFunc(func(context.Context, string) (int64, error) { return 0, errDown })})
	if _, err := f.CatalogueItems(ctx, testShop(), channels.JobStock, time.Time{}); !errors.Is(err, errDown) {
		t.Fatalf("inventory failure: %v", err)
	}
}

// Descriptions and images: only what changed since the last push (or
// whose change time is unknown), and never an empty description or image
// list that would wipe the shop's.
func TestFeedDescriptionsAndImagesSince(t *testing.T) {
	ctx := context.Background()
	since := feedNow.Add(-time.Hour)
	img := []channels.Image{{URL: "https://img.example/a.jpg", Alt: "apple"}}
	products := channels.ProductList{
		{Product: channels.Product{ID: "1", SKU: "OLD", Name: "Old"}, Description: "d", Images: img, Modified: since.Add(-time.Second)},
		{Product: channels.Product{ID: "2", SKU: "AT", Name: "At since"}, ShortDescription: "s", Images: img, Modified: since},
		{Product: channels.Product{ID: "3", SKU: "NEW", Name: "New"}, Description: "d", ShortDescription: "s", Modified: since.Add(time.Minute)},
		{Product: channels.Product{ID: "4", SKU: "UNK", Name: "Unknown time"}, Description: "d", Images: img},
		{Product: channels.Product{ID: "5", SKU: "BARE", Name: "No texts"}, Modified: since.Add(time.Minute)},
	}
	f := newFeed(t, channels.FeedConfig{Products: products})
	skus := func(job channels.Job, since time.Time) []string {
		t.Helper()
		items, err := f.CatalogueItems(ctx, testShop(), job, since)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, it := range items {
			out = append(out, it.SKU)
		}
		return out
	}
	for _, c := range []struct {
		job   channels.Job
		since time.Time
		want  []string
	}{
		{channels.JobDescriptions, time.Time{}, []string{"OLD", "AT", "NEW", "UNK"}},
		{channels.JobDescriptions, since, []string{"AT", "NEW", "UNK"}},
		{channels.JobImages, time.Time{}, []string{"OLD", "AT", "UNK"}},
		{channels.JobImages, since, []string{"AT", "UNK"}},
	} {
		if got := skus(c.job, c.since); !slices.Equal(got, c.want) {
			t.Errorf("%s since %v: %v, want %v", c.job, c.since, got, c.want)
		}
	}
	items, _ := f.CatalogueItems(ctx, testShop(), channels.JobDescriptions, since)
	if want := (channels.CatalogueItem{SKU: "NEW", Name: "New", Description: "d", ShortDescription: "s"}); !cmp.Equal(items[1], want) {
		t.Fatalf("description item %+v", items[1])
	}
	items, _ = f.CatalogueItems(ctx, testShop(), channels.JobImages, since)
	items[0].Images[0].URL = "mutated"
	if products[1].Images[0].URL != img[0].URL {
		t.Fatal("the feed shares the product's images")
	}
}

// The feed refuses what it cannot do instead of pushing zeros.
func TestFeedRefusals(t *testing.T) {
	ctx := context.Background()
	if _, err := channels.NewFeed(channels.FeedConfig{}); !errors.Is(err, channels.ErrInvalid) {
		t.Fatalf("no products: %v", err)
	}
	if _, err := channels.NewFeed(channels.FeedConfig{Products: feedProducts(), Currency: "XYZ"}); !errors.Is(err, channels.ErrInvalid) {
		t.Fatalf("bad currency: %v", err)
	}
	f := newFeed(t, channels.FeedConfig{Products: feedProducts()})
	for _, job := range []channels.Job{channels.JobPrices, channels.JobStock, channels.JobOrders, channels.JobStatus} {
		var ce *channels.ConfigError
		if _, err := f.CatalogueItems(ctx, testShop(), job, time.Time{}); !errors.As(err, &ce) {
			t.Fatalf("%s without a source: %v", job, err)
		}
	}
	// No currency anywhere; a shop whose channel is not registered.
	f = newFeed(t, channels.FeedConfig{Products: feedProducts(), Prices: feedPrices(t), Registry: feedRegistry(t, "")})
	if _, err := f.CatalogueItems(ctx, testShop(), channels.JobPrices, time.Time{}); !errors.Is(err, channels.ErrInvalid) {
		t.Fatalf("no currency: %v", err)
	}
	other := testShop()
	other.ChannelID = 9
	if _, err := f.CatalogueItems(ctx, other, channels.JobPrices, time.Time{}); !errors.Is(err, channels.ErrNotFound) {
		t.Fatalf("unknown channel: %v", err)
	}
	// A source that fails fails the feed.
	errList := errors.New("catalogue down")
	f = newFeed(t, channels.FeedConfig{Products: failingLister{errList}})
	if _, err := f.CatalogueItems(ctx, testShop(), channels.JobImages, time.Time{}); !errors.Is(err, errList) {
		t.Fatalf("lister failure: %v", err)
	}
	f = newFeed(t, channels.FeedConfig{Products: feedProducts(), Prices: failingPrices{errList}, Currency: "RON"})
	if _, err := f.CatalogueItems(ctx, testShop(), channels.JobPrices, time.Time{}); !errors.Is(err, errList) {
		t.Fatalf("price source failure: %v", err)
	}
}

type failingLister struct{ err error }

func (l failingLister) ListProducts(context.Context) ([]channels.FeedProduct, error) {
	return nil, l.err
}

type failingPrices struct{ err error }

func (p failingPrices) Offers(context.Context, pricing.ProductID, pricing.ClientID, []pricing.GroupID, pricing.ChannelID) ([]pricing.Offer, error) {
	return nil, p.err
}

// mutableList is a ProductLister whose products change between runs.
type mutableList struct {
	mu sync.Mutex
	l  channels.ProductList
}

func (m *mutableList) ListProducts(ctx context.Context) ([]channels.FeedProduct, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.l.ListProducts(ctx)
}

// End to end: the engine pushes the feed's items to the shop, prices from
// memstore's product table and the price lists, and the second
// descriptions run pushes only the product changed since the first.
func TestFeedThroughEngine(t *testing.T) {
	table := memstore.NewProducts()
	for _, p := range []channels.Product{{ID: "P-A", SKU: "A"}, {ID: "P-B", SKU: "B"}, {ID: "P-Z", SKU: "Z"}} {
		if err := table.Put(context.Background(), p); err != nil {
			t.Fatal(err)
		}
	}
	prices, err := channels.NewFeed(channels.FeedConfig{Products: table, Prices: feedPrices(t), Currency: "RON"})
	if err != nil {
		t.Fatal(err)
	}
	texts := &mutableList{l: channels.ProductList{
		{Product: channels.Product{ID: "P-A", SKU: "A", Name: "Apple"}, Description: "red", Modified: time.Now().Add(-time.Hour)},
		{Product: channels.Product{ID: "P-B", SKU: "B", Name: "Bread"}, Description: "fresh", Modified: time.Now().Add(-time.Hour)},
	}}
	descriptions, err := channels.NewFeed(channels.FeedConfig{Products: texts})
	if err != nil {
		t.Fatal(err)
	}
	byJob := jobFeed{channels.JobPrices: prices, channels.JobDescriptions: descriptions}
	e := newEnv(t, func(c *channels.Config) { c.Feed = byJob })
	ctx := e.ctx

	r, err := e.eng.PushCatalogue(ctx, shopID, channels.JobPrices)
	if err != nil || r.Pushed != 2 || r.Failed != 0 {
		t.Fatalf("prices run %+v, %v", r, err)
	}
	got := e.shop.Items(channels.JobPrices)
	if len(got) != 2 || !got["A"].RegularPrice.Equal(dec("10.50")) || !got["B"].RegularPrice.Equal(dec("5")) {
		t.Fatalf("shop prices %+v", got)
	}

	if r, err := e.eng.PushCatalogue(ctx, shopID, channels.JobDescriptions); err != nil || r.Pushed != 2 {
		t.Fatalf("first descriptions run %+v, %v", r, err)
	}
	time.Sleep(time.Millisecond)
	texts.mu.Lock()
	texts.l[1].Description, texts.l[1].Modified = "baked today", time.Now()
	texts.mu.Unlock()
	r, err = e.eng.PushCatalogue(ctx, shopID, channels.JobDescriptions)
	if err != nil || r.Pushed != 1 {
		t.Fatalf("second descriptions run %+v, %v", r, err)
	}
	if d := e.shop.Items(channels.JobDescriptions); d["B"].Description != "baked today" || d["A"].Description != "red" {
		t.Fatalf("shop descriptions %+v", d)
	}
}

// jobFeed routes each job to its own feed.
type jobFeed map[channels.Job]channels.CatalogueFeed

func (j jobFeed) CatalogueItems(ctx context.Context, shop channels.Shop, job channels.Job, since time.Time) ([]channels.CatalogueItem, error) {
	return j[job].CatalogueItems(ctx, shop, job, since)
}
