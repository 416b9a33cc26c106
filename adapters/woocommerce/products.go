package woocommerce

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// ProductsService finds products and pushes catalogue changes. Get it from
// Client.Products.
type ProductsService struct{ c *Client }

// Image is a product image: an existing media ID, or a Src URL to sideload.
type Image struct {
	ID   int64  `json:"id,omitempty"`
	Src  string `json:"src,omitempty"`
	Name string `json:"name,omitempty"`
	Alt  string `json:"alt,omitempty"`
}

// Product is a WooCommerce product as read from /products.
type Product struct {
	ID     int64
	Name   string
	Slug   string
	Type   string // simple, variable, grouped, external
	Status string // publish, draft, pending, private
	SKU    string
	// Price is the current (read-only) price; zero when the site sends "".
	Price decimal.Decimal
	// RegularPrice and SalePrice are invalid (Valid false) when the site
	// sends "" (no price, no sale).
	RegularPrice decimal.NullDecimal
	SalePrice    decimal.NullDecimal
	ManageStock  bool
	// StockQuantity is nil when stock is not managed.
	StockQuantity    *int64
	StockStatus      string // instock, outofstock, onbackorder
	Description      string
	ShortDescription string
	Images           []Image
	DateModified     time.Time // UTC
	MetaData         []MetaData
}

type wireImage struct {
	ID   wireInt `json:"id"`
	Src  string  `json:"src"`
	Name string  `json:"name"`
	Alt  string  `json:"alt"`
}

type wireProduct struct {
	ID               wireInt         `json:"id"`
	Name             string          `json:"name"`
	Slug             string          `json:"slug"`
	Type             string          `json:"type"`
	Status           string          `json:"status"`
	SKU              *string         `json:"sku"`
	Price            wireDecimal     `json:"price"`
	RegularPrice     wireDecimal     `json:"regular_price"`
	SalePrice        wireDecimal     `json:"sale_price"`
	ManageStock      json.RawMessage `json:"manage_stock"` // bool, or "parent" on variations
	StockQuantity    *wireInt        `json:"stock_quantity"`
	StockStatus      string          `json:"stock_status"`
	Description      string          `json:"description"`
	ShortDescription string          `json:"short_description"`
	Images           []wireImage     `json:"images"`
	DateModified     wireTime        `json:"date_modified"`
	DateModifiedGMT  wireTime        `json:"date_modified_gmt"`
	MetaData         []wireMeta      `json:"meta_data"`
}

// UnmarshalJSON decodes the REST representation of a product.
func (p *Product) UnmarshalJSON(b []byte) error {
	var w wireProduct
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*p = Product{
		ID: int64(w.ID), Name: w.Name, Slug: w.Slug, Type: w.Type, Status: w.Status,
		Price: w.Price.d, RegularPrice: w.RegularPrice.null(), SalePrice: w.SalePrice.null(),
		ManageStock: string(w.ManageStock) == "true", StockStatus: w.StockStatus,
		Description: w.Description, ShortDescription: w.ShortDescription, MetaData: metas(w.MetaData),
	}
	if w.SKU != nil {
		p.SKU = *w.SKU
	}
	if w.StockQuantity != nil {
		q := int64(*w.StockQuantity)
		p.StockQuantity = &q
	}
	p.DateModified, _ = utc(w.DateModified, w.DateModifiedGMT)
	if len(w.Images) > 0 {
		p.Images = make([]Image, len(w.Images))
		for i, im := range w.Images {
			p.Images[i] = Image{ID: int64(im.ID), Src: im.Src, Name: im.Name, Alt: im.Alt}
		}
	}
	return nil
}

// DecodeProduct decodes one product in the REST representation. A product
// without a positive id is malformed. It never panics.
func DecodeProduct(data []byte) (Product, error) {
	var p Product
	err := json.Unmarshal(data, &p)
	if err == nil && p.ID <= 0 {
		err = errNoID
	}
	if err != nil {
		return Product{}, &DecodeError{What: "product", ID: peekID(data), Raw: append(json.RawMessage(nil), data...), Err: err}
	}
	return p, nil
}

// GetBySKU returns the product with exactly this SKU (GET /products?sku=).
// No match gives an error wrapping ErrNotFound; an empty SKU or one holding
// a comma (the API's list separator) gives ErrInvalidOptions.
func (s *ProductsService) GetBySKU(ctx context.Context, sku string) (*Product, *Response, error) {
	if sku == "" || strings.Contains(sku, ",") {
		return nil, nil, fmt.Errorf("%w: sku %q", ErrInvalidOptions, sku)
	}
	q := url.Values{"sku": {sku}}
	body, resp, err := s.c.do(ctx, call{method: http.MethodGet, path: []string{"products"}, query: q, safe: true, page: 1, perPage: 10})
	if err != nil {
		return nil, resp, err
	}
	ps, err := decodeList(body, "product", DecodeProduct)
	if err != nil {
		return nil, resp, err
	}
	for i := range ps {
		if ps[i].SKU == sku {
			return &ps[i], resp, nil
		}
	}
	return nil, resp, fmt.Errorf("%w: product with sku %q", ErrNotFound, sku)
}

// Ptr returns a pointer to v, for the optional fields of ProductWrite.
func Ptr[T any](v T) *T { return &v }

// ProductWrite is one product to create or update in a batch. Nil fields
// are left unchanged. Values are absolute (a stock quantity, not a delta),
// so sending the same update twice leaves the same product.
type ProductWrite struct {
	// ID is required for updates and must be zero for creates.
	ID   int64
	SKU  *string
	Name *string
	// RegularPrice and SalePrice are sent with their full precision
	// (decimal's String); round them to the shop's decimals first.
	RegularPrice *decimal.Decimal
	SalePrice    *decimal.Decimal
	// ClearSalePrice ends a sale (sends sale_price ""); it wins over SalePrice.
	ClearSalePrice   bool
	ManageStock      *bool
	StockQuantity    *int64
	StockStatus      *string
	Description      *string
	ShortDescription *string
	// Images replaces the gallery when non-nil (an empty slice clears it);
	// the first image is the featured one.
	Images []Image
}

// MarshalJSON writes the fields that are set, amounts as strings.
func (p ProductWrite) MarshalJSON() ([]byte, error) {
	m := make(map[string]any, 8)
	if p.ID != 0 {
		m["id"] = p.ID
	}
	if p.SKU != nil {
		m["sku"] = *p.SKU
	}
	if p.Name != nil {
		m["name"] = *p.Name
	}
	if p.RegularPrice != nil {
		m["regular_price"] = p.RegularPrice.String()
	}
	if p.ClearSalePrice {
		m["sale_price"] = ""
	} else if p.SalePrice != nil {
		m["sale_price"] = p.SalePrice.String()
	}
	if p.ManageStock != nil {
		m["manage_stock"] = *p.ManageStock
	}
	if p.StockQuantity != nil {
		m["stock_quantity"] = *p.StockQuantity
	}
	if p.StockStatus != nil {
		m["stock_status"] = *p.StockStatus
	}
	if p.Description != nil {
		m["description"] = *p.Description
	}
	if p.ShortDescription != nil {
		m["short_description"] = *p.ShortDescription
	}
	if p.Images != nil {
		m["images"] = p.Images
	}
	return json.Marshal(m)
}

// BatchRequest is a set of product changes for Products.Batch, which splits
// it into requests of at most MaxBatchItems items.
type BatchRequest struct {
	Create []ProductWrite
	Update []ProductWrite
	Delete []int64 // deleted permanently (WooCommerce batch deletes force)
	// IdempotencyKey, when set, is sent as the Idempotency-Key header (with
	// the chunk number appended) and makes chunks with creates retryable.
	// WooCommerce core ignores the header: set it only when the site or a
	// proxy in front of it deduplicates by it. Without it, a chunk holding
	// creates is never retried after it may have reached the site.
	IdempotencyKey string
}

func (r BatchRequest) len() int { return len(r.Create) + len(r.Update) + len(r.Delete) }

// BatchItemError is the failure of one product inside a batch answered 200.
// errors.Is works with the kinds through Err (e.g. ErrNotFound for an
// unknown id).
type BatchItemError struct {
	// Op is "create", "update" or "delete".
	Op string
	// Index is the item's position in the BatchRequest's Create, Update or Delete.
	Index int
	// ID is the product id (0 for a failed create).
	ID int64
	// SKU is the SKU sent with the item, if any, to name failed creates.
	SKU string
	// Err is the site's per-item error; StatusCode comes from data.status.
	Err *Error
}

// Error implements error.
func (e *BatchItemError) Error() string {
	who := "id " + strconv.FormatInt(e.ID, 10)
	if e.ID == 0 {
		who = fmt.Sprintf("sku %q", e.SKU)
	}
	return fmt.Sprintf("woocommerce: batch %s #%d (%s): %v", e.Op, e.Index, who, e.Err)
}

// Unwrap returns the per-item *Error.
func (e *BatchItemError) Unwrap() error { return e.Err }

// BatchResult is what a batch did, per product.
type BatchResult struct {
	Created []Product
	Updated []Product
	Deleted []Product
	// Failed lists the items the site refused inside a 200 answer.
	Failed []*BatchItemError
	// NotConfirmed holds the items of the chunk that failed and of the
	// chunks after it: never sent, or sent with an unknown outcome.
	// Empty when Batch returns a nil error.
	NotConfirmed BatchRequest
	// Requests is how many batch requests were answered 200.
	Requests int
}

// Err joins the per-item failures, or is nil when every item succeeded.
func (r *BatchResult) Err() error {
	errs := make([]error, len(r.Failed))
	for i, f := range r.Failed {
		errs[i] = f
	}
	return errors.Join(errs...)
}

type batchItem struct {
	op    string
	index int
	w     ProductWrite
	id    int64
}

type wireBatchResponse struct {
	Create []json.RawMessage `json:"create"`
	Update []json.RawMessage `json:"update"`
	Delete []json.RawMessage `json:"delete"`
}

type wireItemError struct {
	ID    wireInt    `json:"id"`
	Error *wireError `json:"error"`
}

// Batch applies creates, updates and deletes through POST /products/batch,
// in chunks of at most MaxBatchItems items, in order. Items the site
// refuses inside a 200 answer are reported per product in
// BatchResult.Failed, not as the returned error.
//
// The returned error is non-nil when the request is invalid
// (ErrInvalidOptions: an update without ID, a create with one, a delete id
// <= 0; nothing is sent) or when a chunk fails as a whole (an *Error, a
// transport failure or the context's error); the result then holds what the
// earlier chunks did and NotConfirmed the rest.
//
// Chunks without creates are retried on 429/5xx/timeouts: updates carry
// ids and absolute values and deletes are by id, so repeating them is
// harmless (a repeated delete may come back as a per-item error). Chunks
// with creates are retried only with an IdempotencyKey.
func (s *ProductsService) Batch(ctx context.Context, req BatchRequest) (*BatchResult, error) {
	items := make([]batchItem, 0, req.len())
	for i, w := range req.Create {
		if w.ID != 0 {
			return nil, fmt.Errorf("%w: create #%d has id %d", ErrInvalidOptions, i, w.ID)
		}
		items = append(items, batchItem{op: "create", index: i, w: w})
	}
	for i, w := range req.Update {
		if w.ID <= 0 {
			return nil, fmt.Errorf("%w: update #%d needs an id", ErrInvalidOptions, i)
		}
		items = append(items, batchItem{op: "update", index: i, w: w, id: w.ID})
	}
	for i, id := range req.Delete {
		if id <= 0 {
			return nil, fmt.Errorf("%w: delete #%d: id %d", ErrInvalidOptions, i, id)
		}
		items = append(items, batchItem{op: "delete", index: i, id: id})
	}
	res := &BatchResult{}
	chunks := (len(items) + MaxBatchItems - 1) / MaxBatchItems
	for n := 0; n < chunks; n++ {
		chunk := items[n*MaxBatchItems : min(len(items), (n+1)*MaxBatchItems)]
		if err := s.batchChunk(ctx, req.IdempotencyKey, n, chunk, res); err != nil {
			for _, it := range items[n*MaxBatchItems:] {
				switch it.op {
				case "create":
					res.NotConfirmed.Create = append(res.NotConfirmed.Create, it.w)
				case "update":
					res.NotConfirmed.Update = append(res.NotConfirmed.Update, it.w)
				default:
					res.NotConfirmed.Delete = append(res.NotConfirmed.Delete, it.id)
				}
			}
			return res, fmt.Errorf("woocommerce: products batch chunk %d of %d (%d items): %w", n+1, chunks, len(chunk), err)
		}
		res.Requests++
	}
	return res, nil
}

func (s *ProductsService) batchChunk(ctx context.Context, key string, n int, chunk []batchItem, res *BatchResult) error {
	var body struct {
		Create []ProductWrite `json:"create,omitempty"`
		Update []ProductWrite `json:"update,omitempty"`
		Delete []int64        `json:"delete,omitempty"`
	}
	var byOp = map[string][]batchItem{}
	for _, it := range chunk {
		byOp[it.op] = append(byOp[it.op], it)
		switch it.op {
		case "create":
			body.Create = append(body.Create, it.w)
		case "update":
			body.Update = append(body.Update, it.w)
		default:
			body.Delete = append(body.Delete, it.id)
		}
	}
	cl := call{method: http.MethodPost, path: []string{"products", "batch"}, body: body, safe: len(body.Create) == 0}
	if key != "" {
		cl.safe = true
		cl.header = http.Header{"Idempotency-Key": {key + "/" + strconv.Itoa(n)}}
	}
	raw, resp, err := s.c.do(ctx, cl)
	if err != nil {
		return err
	}
	return decodeBatchAnswer(raw, byOp, res, resp.Response, s.c.base.JoinPath("products", "batch").String(), s.c.redactor.Replace)
}

// decodeBatchAnswer reads a 200 answer of POST /products/batch into res:
// each item is a product, or {"id","error":{…}} for a refused one (a
// *BatchItemError), or undecodable (a *BatchItemError with Code "decode").
// sent are the items of the request by operation, to name the failures.
// The error wraps ErrMalformedResponse when the answer is not a batch
// answer at all. It never panics.
func decodeBatchAnswer(raw []byte, sent map[string][]batchItem, res *BatchResult, resp *http.Response, batchURL string, redact func(string) string) error {
	var w wireBatchResponse
	if err := json.Unmarshal(raw, &w); err != nil {
		return fmt.Errorf("%w: batch answer: %w", ErrMalformedResponse, err)
	}
	status := 0
	if resp != nil {
		status = resp.StatusCode
	}
	for _, part := range []struct {
		op   string
		raws []json.RawMessage
		out  *[]Product
	}{{"create", w.Create, &res.Created}, {"update", w.Update, &res.Updated}, {"delete", w.Delete, &res.Deleted}} {
		sent := sent[part.op]
		for j, r := range part.raws {
			var it batchItem
			if j < len(sent) {
				it = sent[j]
			}
			var ie wireItemError
			if json.Unmarshal(r, &ie) == nil && ie.Error != nil {
				var st wireErrorData
				_ = json.Unmarshal(ie.Error.Data, &st)
				e := &Error{Response: resp, StatusCode: st.Status, Code: redact(ie.Error.Code),
					Message: redact(ie.Error.Message), Params: st.Params, Method: http.MethodPost, URL: batchURL}
				if e.StatusCode == 0 {
					e.StatusCode = http.StatusBadRequest
				}
				be := &BatchItemError{Op: part.op, Index: it.index, ID: int64(ie.ID), Err: e}
				if be.ID == 0 {
					be.ID = it.id
				}
				if it.w.SKU != nil {
					be.SKU = *it.w.SKU
				}
				res.Failed = append(res.Failed, be)
				continue
			}
			p, err := DecodeProduct(r)
			if err != nil {
				res.Failed = append(res.Failed, &BatchItemError{Op: part.op, Index: it.index, ID: it.id,
					Err: &Error{Response: resp, StatusCode: status, Code: "decode", Message: err.Error(), Method: http.MethodPost, URL: batchURL}})
				continue
			}
			*part.out = append(*part.out, p)
		}
	}
	return nil
}
