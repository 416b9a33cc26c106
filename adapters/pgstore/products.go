package pgstore

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/azuvio/omnisales/channels"
)

// Products is the product table on the database (table products,
// migration 0007): the channels.Catalogue the sync engine finds imported
// lines' products in, and a channels.ProductLister for channels.Feed.
// Store.Products returns it; it behaves as adapters/memstore's Products.
// It is safe for concurrent use. SQL is parameterised.
type Products struct{ s *Store }

var (
	_ channels.Catalogue      = (*Products)(nil)
	_ channels.CatalogueBatch = (*Products)(nil)
	_ channels.ProductLister  = (*Products)(nil)
)

// Products returns the store's product table.
func (s *Store) Products() *Products { return &Products{s: s} }

// Put adds or replaces the product with p.SKU; an empty ID is the SKU.
// The product's Modified time (ListProducts; the database clock) moves
// only when its data changes. A SKU that is empty or has spaces around it
// is an error wrapping channels.ErrInvalid.
func (t *Products) Put(ctx context.Context, p channels.Product) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if p.SKU == "" || strings.TrimSpace(p.SKU) != p.SKU {
		return fmt.Errorf("pgstore: put product: SKU %q: %w", p.SKU, channels.ErrInvalid)
	}
	if p.ID == "" {
		p.ID = p.SKU
	}
	err := t.s.withConn(ctx, func(c *pgx.Conn) error {
		_, err := c.Exec(ctx, `INSERT INTO products AS p (sku, id, name, grp, department) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (sku) DO UPDATE SET id = EXCLUDED.id, name = EXCLUDED.name, grp = EXCLUDED.grp,
				department = EXCLUDED.department, updated_at = now()
			WHERE (p.id, p.name, p.grp, p.department) IS DISTINCT FROM
				(EXCLUDED.id, EXCLUDED.name, EXCLUDED.grp, EXCLUDED.department)`,
			p.SKU, p.ID, p.Name, p.Group, p.Department)
		return err
	})
	if err != nil {
		return fmt.Errorf("pgstore: put product %s: %w", p.SKU, err)
	}
	return nil
}

// ProductBySKU implements channels.Catalogue: the product with that exact
// SKU, or an error wrapping channels.ErrNotFound.
func (t *Products) ProductBySKU(ctx context.Context, sku string) (channels.Product, error) {
	out, err := t.query(ctx, "WHERE sku = $1", sku)
	if err != nil {
		return channels.Product{}, fmt.Errorf("pgstore: product SKU %q: %w", sku, err)
	}
	if len(out) == 0 {
		return channels.Product{}, fmt.Errorf("pgstore: product SKU %q: %w", sku, channels.ErrNotFound)
	}
	return out[0].Product, nil
}

// ListProducts implements channels.ProductLister: every product by SKU
// (bytewise), with the time of its last change as Modified and no
// descriptions or images (so channels.Feed pushes their prices and stock
// only).
func (t *Products) ListProducts(ctx context.Context) ([]channels.FeedProduct, error) {
	out, err := t.query(ctx, "ORDER BY sku")
	if err != nil {
		return nil, fmt.Errorf("pgstore: list products: %w", err)
	}
	return out, nil
}

// query reads the products that the rest of the statement (a WHERE or an
// ORDER BY clause) selects.
func (t *Products) query(ctx context.Context, rest string, args ...any) ([]channels.FeedProduct, error) {
	return collect(ctx, t.s, "SELECT sku, id, name, grp, department, updated_at FROM products "+rest, args, scanProduct)
}

func scanProduct(row pgx.CollectableRow) (channels.FeedProduct, error) {
	var (
		p  channels.FeedProduct
		at time.Time
	)
	err := row.Scan(&p.SKU, &p.ID, &p.Name, &p.Group, &p.Department, &at)
	p.Modified = at.UTC()
	return p, err
}

// ProductsBySKU implements channels.CatalogueBatch: the products with
// these exact SKUs in one query; unknown SKUs are absent from the map.
func (t *Products) ProductsBySKU(ctx context.Context, skus []string) (map[string]channels.Product, error) {
	out := make(map[string]channels.Product, len(skus))
	if len(skus) == 0 {
		return out, ctx.Err()
	}
	found, err := t.query(ctx, "WHERE sku = ANY($1)", skus)
	if err != nil {
		return nil, fmt.Errorf("pgstore: products by SKU: %w", err)
	}
	for _, p := range found {
		out[p.Product.SKU] = p.Product
	}
	return out, nil
}
