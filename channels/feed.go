package channels

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/shopspring/decimal"

	"github.com/azuvio/omnisales/discount"
	"github.com/azuvio/omnisales/pricing"
)

// FeedProduct is a product as a Feed offers it to shops: what the
// Catalogue knows of it and what a shop shows.
type FeedProduct struct {
	Product
	Description      string
	ShortDescription string
	Images           []Image
	// Modified is when the product's name, descriptions or images last
	// changed; zero when unknown, which puts the product in every
	// JobDescriptions and JobImages push.
	Modified time.Time
}

// ProductLister lists the products a Feed offers to shops, each once (by
// SKU). The product tables of adapters/memstore and adapters/pgstore are
// ProductListers as well as Catalogues; ProductList is a fixed one.
type ProductLister interface {
	ListProducts(ctx context.Context) ([]FeedProduct, error)
}

// ProductList is a fixed ProductLister.
type ProductList []FeedProduct

// ListProducts implements ProductLister: a copy of the list.
func (l ProductList) ListProducts(ctx context.Context) ([]FeedProduct, error) {
	out := slices.Clone([]FeedProduct(l))
	for i := range out {
		out[i].Images = slices.Clone(out[i].Images)
	}
	return out, ctx.Err()
}

// StockLevels reads stock levels for JobStock. returns.Tx (the returns
// store's unit of work) has this method; outside a unit, adapt a function
// with StockLevelFunc.
type StockLevels interface {
	// StockLevel returns the product's stock level (0 when unknown).
	StockLevel(ctx context.Context, productID string) (int64, error)
}

// StockLevelFunc adapts a function to StockLevels.
type StockLevelFunc func(ctx context.Context, productID string) (int64, error)

// StockLevel calls f.
func (f StockLevelFunc) StockLevel(ctx context.Context, productID string) (int64, error) {
	return f(ctx, productID)
}

// SalePricer gives sale prices for JobPrices; *discount.Engine is one.
type SalePricer interface {
	SalePrices(channel discount.ChannelID, store discount.StoreID, currency string, at time.Time,
		items []discount.CatalogItem) ([]discount.SalePrice, error)
}

var _ SalePricer = (*discount.Engine)(nil)

// FeedConfig configures a Feed. Only Products is required; a job whose
// source is nil fails (its run ends with KindInternal) rather than push
// zeros.
type FeedConfig struct {
	// Products lists the products to push. Required.
	Products ProductLister
	// Prices is read for JobPrices: each product's unit price for one
	// unit, no client, on the shop's channel, in the channel's currency,
	// as pricing.Resolve finds it (the channel's price list, falling back
	// to the standard list). A product no list prices is left out.
	Prices pricing.Source
	// Sales, when set, gives JobPrices its sale prices
	// (discount.Engine.SalePrices on the shop's channel and store, from
	// the regular price); nil, or a product without a sale: SalePrice is
	// null, which ends a sale the shop shows.
	Sales SalePricer
	// Stock is read for JobStock.
	Stock StockLevels
	// Registry gives the shop's channel, whose Settings.Currency prices
	// are in; nil, or a channel without a currency: Currency.
	Registry *Registry
	// Currency is the currency of shops whose channel has none (ISO 4217).
	Currency string
	// Clock is the time prices and sales are valid at; nil: time.Now.
	Clock func() time.Time
}

// Feed is a CatalogueFeed built from the library's own parts: products
// from a ProductLister, prices from a pricing.Source, sale prices from the
// discount engine and stock levels from the inventory. It is safe for
// concurrent use if its sources are.
//
// What changed since the last push: JobDescriptions and JobImages give only
// the products whose Modified is zero or not before since (everything when
// since is zero). JobPrices and JobStock cannot tell (a price list or a
// stock level carries no change time), so they give every product.
//
// A feed never wipes what a shop shows with data it does not have:
// JobDescriptions leaves out products whose Description and
// ShortDescription are both empty, and JobImages products without images;
// products with an empty SKU are left out of every job.
type Feed struct {
	cfg FeedConfig
}

var _ CatalogueFeed = (*Feed)(nil)

// NewFeed returns a Feed, or a *ConfigError (ErrInvalid) when
// cfg.Products is nil or cfg.Currency is not empty and not an ISO 4217
// code.
func NewFeed(cfg FeedConfig) (*Feed, error) {
	if cfg.Products == nil {
		return nil, &ConfigError{Field: "feed.products", Reason: "required"}
	}
	if cfg.Currency != "" && !pricing.KnownCurrency(cfg.Currency) {
		return nil, &ConfigError{Field: "feed.currency", Reason: fmt.Sprintf("%q is not an ISO 4217 code", cfg.Currency)}
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	return &Feed{cfg: cfg}, nil
}

// CatalogueItems implements CatalogueFeed. A source's error is returned
// wrapped (the run ends with KindInternal and the next one tries again);
// a job the feed has no source for is a *ConfigError.
func (f *Feed) CatalogueItems(ctx context.Context, shop Shop, job Job, since time.Time) ([]CatalogueItem, error) {
	switch job {
	case JobPrices:
		if f.cfg.Prices == nil {
			return nil, &ConfigError{Field: "feed.prices", Reason: "no price source for " + string(job)}
		}
	case JobStock:
		if f.cfg.Stock == nil {
			return nil, &ConfigError{Field: "feed.stock", Reason: "no stock levels for " + string(job)}
		}
	case JobDescriptions, JobImages:
	default:
		return nil, &ConfigError{Field: "job", Reason: fmt.Sprintf("%q is not a catalogue job", job)}
	}
	products, err := f.cfg.Products.ListProducts(ctx)
	if err != nil {
		return nil, fmt.Errorf("channels: feed %s/%s: list products: %w", shop.ID, job, err)
	}
	products = slices.DeleteFunc(products, func(p FeedProduct) bool { return p.SKU == "" })
	switch job {
	case JobPrices:
		return f.prices(ctx, shop, products)
	case JobStock:
		items := make([]CatalogueItem, 0, len(products))
		for _, p := range products {
			n, err := f.cfg.Stock.StockLevel(ctx, p.ID)
			if err != nil {
				return nil, fmt.Errorf("channels: feed %s/%s: stock of %s: %w", shop.ID, job, p.SKU, err)
			}
			items = append(items, CatalogueItem{SKU: p.SKU, Stock: n})
		}
		return items, nil
	}
	var items []CatalogueItem
	for _, p := range products {
		if !since.IsZero() && !p.Modified.IsZero() && p.Modified.Before(since) {
			continue
		}
		switch {
		case job == JobDescriptions && (p.Description != "" || p.ShortDescription != ""):
			items = append(items, CatalogueItem{SKU: p.SKU, Name: p.Name, Description: p.Description,
				ShortDescription: p.ShortDescription})
		case job == JobImages && len(p.Images) > 0:
			items = append(items, CatalogueItem{SKU: p.SKU, Images: slices.Clone(p.Images)})
		}
	}
	return items, nil
}

// currency is the shop's selling currency.
func (f *Feed) currency(shop Shop) (string, error) {
	if f.cfg.Registry != nil {
		ch, err := f.cfg.Registry.Channel(shop.ChannelID)
		if err != nil {
			return "", fmt.Errorf("channels: feed %s: %w", shop.ID, err)
		}
		if ch.Settings.Currency != "" {
			return ch.Settings.Currency, nil
		}
	}
	if f.cfg.Currency == "" {
		return "", &ConfigError{Field: "feed.currency", Reason: fmt.Sprintf("shop %s: its channel %d has no currency and the feed none", shop.ID, shop.ChannelID)}
	}
	return f.cfg.Currency, nil
}

// prices resolves each product's regular price on the shop's channel and,
// with Sales, its sale price. Regular prices are rounded half away from
// zero to the currency's minor unit, the price the shop shows and the one
// a sale is taken from.
func (f *Feed) prices(ctx context.Context, shop Shop, products []FeedProduct) ([]CatalogueItem, error) {
	cur, err := f.currency(shop)
	if err != nil {
		return nil, err
	}
	exp := pricing.MinorUnits(cur)
	at := f.cfg.Clock()
	items := make([]CatalogueItem, 0, len(products))
	var catalog []discount.CatalogItem
	for _, p := range products {
		pr, err := pricing.Resolve(ctx, f.cfg.Prices, pricing.Request{Product: pricing.ProductID(p.ID),
			Channel: pricing.ChannelID(shop.ChannelID), Currency: cur, Quantity: 1, At: at})
		if errors.Is(err, pricing.ErrNoPrice) {
			continue // not sold on this channel
		}
		if err != nil {
			return nil, fmt.Errorf("channels: feed %s/%s: price of %s: %w", shop.ID, JobPrices, p.SKU, err)
		}
		regular := pr.Unit.Round(exp)
		items = append(items, CatalogueItem{SKU: p.SKU, RegularPrice: regular})
		if f.cfg.Sales != nil {
			ci := discount.CatalogItem{Product: discount.ProductID(p.ID), Price: regular}
			if p.Group != "" {
				ci.Groups = []discount.ProductGroupID{discount.ProductGroupID(p.Group)}
			}
			catalog = append(catalog, ci)
		}
	}
	if f.cfg.Sales == nil || len(catalog) == 0 {
		return items, nil
	}
	sales, err := f.cfg.Sales.SalePrices(discount.ChannelID(shop.ChannelID), discount.StoreID(shop.ID), cur, at, catalog)
	if err != nil {
		return nil, fmt.Errorf("channels: feed %s/%s: sale prices: %w", shop.ID, JobPrices, err)
	}
	byProduct := make(map[discount.ProductID]decimal.Decimal, len(sales))
	for _, s := range sales {
		byProduct[s.Product] = s.Sale
	}
	for i, it := range items {
		if s, ok := byProduct[catalog[i].Product]; ok && s.LessThan(it.RegularPrice) {
			items[i].SalePrice = decimal.NewNullDecimal(s)
		}
	}
	return items, nil
}
