package woocommerce_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/azuvio/omnisales/adapters/woocommerce"
	"github.com/azuvio/omnisales/adapters/woocommerce/woocommercetest"
)

func TestGetBySKU(t *testing.T) {
	t.Parallel()
	srv := woocommercetest.NewServer(t)
	srv.AddProduct(woocommercetest.Product{Name: "A", SKU: "A-1", RegularPrice: "10.00", SalePrice: "8.50"})
	srv.AddProduct(woocommercetest.Product{Name: "B", SKU: "B-1", RegularPrice: ""})
	c := newClient(t, srv, fastConfig())
	ctx := context.Background()
	p, _, err := c.Products.GetBySKU(ctx, "A-1")
	if err != nil {
		t.Fatal(err)
	}
	if p.Name != "A" || !p.Price.Equal(decimal.RequireFromString("8.5")) ||
		!p.RegularPrice.Valid || !p.RegularPrice.Decimal.Equal(decimal.NewFromInt(10)) || !p.SalePrice.Valid {
		t.Fatalf("got %+v", p)
	}
	b, _, err := c.Products.GetBySKU(ctx, "B-1")
	if err != nil || b.RegularPrice.Valid || b.SalePrice.Valid {
		t.Fatalf("empty prices must be invalid NullDecimals: %+v %v", b, err)
	}
	if _, _, err := c.Products.GetBySKU(ctx, "NOPE"); !errors.Is(err, woocommerce.ErrNotFound) {
		t.Fatalf("unknown sku: %v", err)
	}
	for _, bad := range []string{"", "A-1,B-1"} {
		if _, _, err := c.Products.GetBySKU(ctx, bad); !errors.Is(err, woocommerce.ErrInvalidOptions) {
			t.Fatalf("sku %q: %v", bad, err)
		}
	}
}

func TestBatchChunksAt100WithPerItemErrors(t *testing.T) {
	t.Parallel()
	srv := woocommercetest.NewServer(t)
	var ups []woocommerce.ProductWrite
	for i := 0; i < 230; i++ {
		p := srv.AddProduct(woocommercetest.Product{Name: fmt.Sprint("P", i), SKU: fmt.Sprint("S-", i), RegularPrice: "1.00"})
		ups = append(ups, woocommerce.ProductWrite{
			ID:            p.ID,
			RegularPrice:  woocommerce.Ptr(decimal.RequireFromString("9.99")),
			ManageStock:   woocommerce.Ptr(true),
			StockQuantity: woocommerce.Ptr(int64(i % 3)),
			Images:        []woocommerce.Image{{Src: "https://img.example.com/p.jpg", Alt: "p"}},
		})
	}
	// Two unknown ids (one in each of the last two chunks) and a create
	// that collides with an existing SKU.
	ups[150].ID = 90001
	ups[229].ID = 90002
	req := woocommerce.BatchRequest{
		Create: []woocommerce.ProductWrite{
			{SKU: woocommerce.Ptr("NEW-1"), Name: woocommerce.Ptr("New"), RegularPrice: woocommerce.Ptr(decimal.RequireFromString("5"))},
			{SKU: woocommerce.Ptr("S-3"), Name: woocommerce.Ptr("Clash")},
		},
		Update:         ups,
		IdempotencyKey: "run-1",
	}
	res, err := quickClient(t, srv).Products.Batch(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	batches := srv.Batches()
	if len(batches) != 3 || res.Requests != 3 {
		t.Fatalf("%d batch requests (%d answered), want 3", len(batches), res.Requests)
	}
	for i, want := range []int{100, 100, 32} {
		b := batches[i]
		if n := b.Create + b.Update + b.Delete; n != want || b.Status != 200 {
			t.Errorf("batch %d: %d items status %d, want %d items", i, n, b.Status, want)
		}
		if b.IdempotencyKey != fmt.Sprintf("run-1/%d", i) {
			t.Errorf("batch %d key %q", i, b.IdempotencyKey)
		}
	}
	if len(res.Created) != 1 || len(res.Updated) != 228 || len(res.Failed) != 3 {
		t.Fatalf("created %d updated %d failed %d", len(res.Created), len(res.Updated), len(res.Failed))
	}
	byKey := map[string]*woocommerce.BatchItemError{}
	for _, f := range res.Failed {
		byKey[fmt.Sprintf("%s#%d", f.Op, f.Index)] = f
	}
	clash := byKey["create#1"]
	if clash == nil || clash.SKU != "S-3" || clash.Err.Code != "product_invalid_sku" || !errors.Is(clash, woocommerce.ErrBadRequest) {
		t.Fatalf("create clash: %+v", clash)
	}
	for _, k := range []struct {
		key string
		id  int64
	}{{"update#150", 90001}, {"update#229", 90002}} {
		f := byKey[k.key]
		if f == nil || f.ID != k.id || !errors.Is(f, woocommerce.ErrNotFound) || f.Err.Code != "woocommerce_rest_product_invalid_id" {
			t.Fatalf("%s: %+v", k.key, f)
		}
	}
	if err := res.Err(); err == nil || !strings.Contains(err.Error(), "90001") {
		t.Fatalf("Err(): %v", err)
	}
	p, _ := srv.ProductBySKU("S-5")
	if p.RegularPrice != "9.99" || p.StockQuantity == nil || *p.StockQuantity != 2 || p.StockStatus != "instock" || len(p.Images) != 1 {
		t.Fatalf("product after batch: %+v", p)
	}
	z, _ := srv.ProductBySKU("S-3")
	if z.StockStatus != "outofstock" {
		t.Fatalf("stock 0 must be out of stock: %+v", z)
	}
}

func quickClient(t *testing.T, srv *woocommercetest.Server) *woocommerce.Client {
	return newClient(t, srv, fastConfig())
}

func TestBatchRefusesInvalidRequests(t *testing.T) {
	t.Parallel()
	srv := woocommercetest.NewServer(t)
	cl := quickClient(t, srv)
	for _, req := range []woocommerce.BatchRequest{
		{Update: []woocommerce.ProductWrite{{Name: woocommerce.Ptr("x")}}},
		{Create: []woocommerce.ProductWrite{{ID: 3}}},
		{Delete: []int64{0}},
	} {
		if _, err := cl.Products.Batch(context.Background(), req); !errors.Is(err, woocommerce.ErrInvalidOptions) {
			t.Errorf("%+v: %v", req, err)
		}
	}
	if len(srv.Requests()) != 0 {
		t.Fatal("invalid batch reached the server")
	}
}

func TestBatchTooLarge(t *testing.T) {
	t.Parallel()
	// The fake enforces the documented limit.
	srv := woocommercetest.NewServer(t)
	var sb strings.Builder
	sb.WriteString(`{"delete":[`)
	for i := 1; i <= 101; i++ {
		if i > 1 {
			sb.WriteByte(',')
		}
		fmt.Fprint(&sb, i)
	}
	sb.WriteString(`]}`)
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/wp-json/wc/v3/products/batch", strings.NewReader(sb.String()))
	req.SetBasicAuth(srv.ConsumerKey, srv.ConsumerSecret)
	resp, err := srv.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 413 || !strings.Contains(string(body), "woocommerce_rest_request_entity_too_large") {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}

	// A site whose limit was lowered by a filter: the client's 100 is
	// refused, reported as ErrTooLarge with every item not confirmed.
	small := woocommercetest.NewServer(t, woocommercetest.WithBatchLimit(50))
	var del []int64
	for i := int64(1); i <= 120; i++ {
		del = append(del, i)
	}
	res, err := quickClient(t, small).Products.Batch(context.Background(), woocommerce.BatchRequest{Delete: del})
	if !errors.Is(err, woocommerce.ErrTooLarge) {
		t.Fatalf("err = %v", err)
	}
	if len(res.NotConfirmed.Delete) != 120 || res.Requests != 0 {
		t.Fatalf("not confirmed %d, requests %d", len(res.NotConfirmed.Delete), res.Requests)
	}
	if n := len(small.Batches()); n != 1 {
		t.Fatalf("413 retried or chunks continued: %d requests", n)
	}
}

// A create is not idempotent: without an idempotency key a chunk with
// creates is sent once, even when the answer is lost after the write.
func TestBatchCreateNotRetriedWithoutKey(t *testing.T) {
	t.Parallel()
	srv := woocommercetest.NewServer(t)
	cl := quickClient(t, srv)
	ctx := context.Background()
	srv.InjectFault(woocommercetest.Fault{Kind: woocommercetest.FaultStatus, Status: 503, Path: "/products/batch", AfterApply: true})
	res, err := cl.Products.Batch(ctx, woocommerce.BatchRequest{Create: []woocommerce.ProductWrite{{SKU: woocommerce.Ptr("ONCE"), Name: woocommerce.Ptr("Once")}}})
	if !errors.Is(err, woocommerce.ErrServer) {
		t.Fatalf("err = %v, want ErrServer", err)
	}
	if n := len(srv.Batches()); n != 1 {
		t.Fatalf("create sent %d times, want 1", n)
	}
	if srv.ProductCount() != 1 || len(res.NotConfirmed.Create) != 1 {
		t.Fatalf("products %d, not confirmed %d", srv.ProductCount(), len(res.NotConfirmed.Create))
	}

	// Timeouts too (the request may have landed).
	cfg := fastConfig()
	cfg.Timeout = 150 * time.Millisecond
	tc := newClient(t, srv, cfg)
	srv.InjectFault(woocommercetest.Fault{Kind: woocommercetest.FaultTimeout, Path: "/products/batch", AfterApply: true})
	if _, err := tc.Products.Batch(ctx, woocommerce.BatchRequest{Create: []woocommerce.ProductWrite{{SKU: woocommerce.Ptr("T")}}}); !errors.Is(err, woocommerce.ErrUnreachable) {
		t.Fatalf("timeout: %v", err)
	}
	if n := len(srv.Batches()); n != 2 {
		t.Fatalf("create after timeout sent %d times in all, want 2", n)
	}

	// With a key the chunk is retried (and the key repeated).
	srv.InjectFault(woocommercetest.Fault{Kind: woocommercetest.FaultStatus, Status: 503, Path: "/products/batch"})
	if _, err := cl.Products.Batch(ctx, woocommerce.BatchRequest{Create: []woocommerce.ProductWrite{{SKU: woocommerce.Ptr("KEYED")}}, IdempotencyKey: "k"}); err != nil {
		t.Fatal(err)
	}
	if n := srv.RequestCount(http.MethodPost, "/products/batch"); n != 4 {
		t.Fatalf("batch requests %d, want 4 (1 + 1 + 2)", n)
	}

	// Updates and deletes are retried without a key.
	p, _ := srv.ProductBySKU("KEYED")
	srv.InjectFault(woocommercetest.Fault{Kind: woocommercetest.FaultStatus, Status: 500, Path: "/products/batch", AfterApply: true})
	res, err = cl.Products.Batch(ctx, woocommerce.BatchRequest{Update: []woocommerce.ProductWrite{{ID: p.ID, StockQuantity: woocommerce.Ptr(int64(7))}}})
	if err != nil || len(res.Updated) != 1 || *res.Updated[0].StockQuantity != 7 {
		t.Fatalf("update retried: %+v %v", res, err)
	}
}
