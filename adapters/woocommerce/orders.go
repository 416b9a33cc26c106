package woocommerce

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// OrdersService reads orders and pushes status changes. Get it from
// Client.Orders.
type OrdersService struct{ c *Client }

// Sort directions for ListOrdersOptions.Order.
const (
	Asc  = "asc"
	Desc = "desc"
)

// Sort keys for ListOrdersOptions.OrderBy documented by WooCommerce.
const (
	OrderByDate    = "date"
	OrderByID      = "id"
	OrderByInclude = "include"
	OrderByTitle   = "title"
	OrderBySlug    = "slug"
)

// ListOrdersOptions filters and pages GET /orders. The zero value asks for
// page 1 of 10, newest first, any status but trash.
type ListOrdersOptions struct {
	// Page is 1-based. Zero: 1.
	Page int
	// PerPage is 1..100. Zero: the site's default (10). Above 100 the call
	// is refused client-side with ErrInvalidOptions.
	PerPage int
	// Offset skips that many orders of the listing; when set, WordPress
	// ignores Page. Zero: none. Negative: refused with ErrInvalidOptions.
	Offset int
	// Status keeps orders with one of these statuses ("any" for all but
	// trash). Empty: any.
	Status []string
	// After and Before filter on creation time; ModifiedAfter and
	// ModifiedBefore on last modification. Bounds are exclusive, to the
	// second. They are sent in UTC with dates_are_gmt=true, so the site's
	// time zone does not matter. Zero: no bound.
	After, Before                 time.Time
	ModifiedAfter, ModifiedBefore time.Time
	// Order is Asc or Desc. Empty: the site's default (desc).
	Order string
	// OrderBy is one of the OrderBy* constants. Empty: date.
	OrderBy string
	// Customer keeps orders of this WordPress user id. Zero: all.
	Customer int64
	// Product keeps orders containing this product id. Zero: all.
	Product int64
}

func (o *ListOrdersOptions) query() (url.Values, int, int, error) {
	q := url.Values{}
	page, per := 1, 0
	if o == nil {
		return q, page, 10, nil
	}
	if o.Page < 0 {
		return nil, 0, 0, fmt.Errorf("%w: page %d must be >= 1", ErrInvalidOptions, o.Page)
	}
	if o.Page > 0 {
		page = o.Page
	}
	q.Set("page", strconv.Itoa(page))
	switch {
	case o.PerPage < 0 || o.PerPage > MaxPerPage:
		return nil, 0, 0, fmt.Errorf("%w: per_page %d must be between 1 and %d", ErrInvalidOptions, o.PerPage, MaxPerPage)
	case o.PerPage > 0:
		per = o.PerPage
		q.Set("per_page", strconv.Itoa(per))
	default:
		per = 10
	}
	switch {
	case o.Offset < 0:
		return nil, 0, 0, fmt.Errorf("%w: offset %d must be >= 0", ErrInvalidOptions, o.Offset)
	case o.Offset > 0:
		q.Set("offset", strconv.Itoa(o.Offset))
	}
	if len(o.Status) > 0 {
		for _, s := range o.Status {
			if s == "" || strings.Contains(s, ",") {
				return nil, 0, 0, fmt.Errorf("%w: status %q", ErrInvalidOptions, s)
			}
		}
		q.Set("status", strings.Join(o.Status, ","))
	}
	dates := false
	for _, d := range []struct {
		k string
		t time.Time
	}{{"after", o.After}, {"before", o.Before}, {"modified_after", o.ModifiedAfter}, {"modified_before", o.ModifiedBefore}} {
		if !d.t.IsZero() {
			q.Set(d.k, d.t.UTC().Format("2006-01-02T15:04:05"))
			dates = true
		}
	}
	if dates {
		q.Set("dates_are_gmt", "true")
	}
	switch o.Order {
	case "", Asc, Desc:
		if o.Order != "" {
			q.Set("order", o.Order)
		}
	default:
		return nil, 0, 0, fmt.Errorf("%w: order %q must be asc or desc", ErrInvalidOptions, o.Order)
	}
	if o.OrderBy != "" {
		q.Set("orderby", o.OrderBy)
	}
	if o.Customer != 0 {
		q.Set("customer", strconv.FormatInt(o.Customer, 10))
	}
	if o.Product != 0 {
		q.Set("product", strconv.FormatInt(o.Product, 10))
	}
	return q, page, per, nil
}

// List fetches one page of orders (GET /orders). The *Response carries
// X-WP-Total, X-WP-TotalPages and NextPage.
//
// Orders that cannot be decoded are left out and reported by a
// *PageDecodeError (errors.Is ErrDecode) returned together with the others
// and the *Response. Other errors: ErrInvalidOptions (nothing sent), *Error
// (an API answer), ErrUnreachable, ErrMalformedResponse, or the context's error.
func (s *OrdersService) List(ctx context.Context, opts *ListOrdersOptions) ([]Order, *Response, error) {
	q, page, per, err := opts.query()
	if err != nil {
		return nil, nil, err
	}
	body, resp, err := s.c.do(ctx, call{method: http.MethodGet, path: []string{"orders"}, query: q, safe: true, page: page, perPage: per})
	if err != nil {
		return nil, resp, err
	}
	orders, err := DecodeOrders(body)
	return orders, resp, err
}

// OrdersPage is one page seen by Walk.
type OrdersPage struct {
	// Orders are the page's decodable orders not already seen earlier in
	// the same walk.
	Orders []Order
	// Response is the page's answer.
	Response *Response
	// DecodeErr lists the page's undecodable orders, or is nil.
	DecodeErr *PageDecodeError
	// Duplicates counts orders dropped because an earlier page of the walk
	// already held them (the list shifted between reads).
	Duplicates int
}

// Walk fetches every page from opts.Page onwards, in order, and calls fn
// for each, stopping when a page is the last, when fn returns an error
// (returned as is) or on the first failed request (returned wrapped).
// opts is not modified.
//
// Page numbers shift when orders change between reads. Walk drops orders
// it has already passed on, so a shift never yields duplicates, but it can
// skip: with OrderBy OrderByID, Order Asc and a ModifiedAfter cursor,
// changes to orders only add them to the set and new ids land at the end,
// yet an order moved to the trash (or deleted) meanwhile leaves the
// listing and moves every later order one place up, so the first order of
// the next page is never read. Shop.ListOrders, the sync engine's walk,
// reads by offset with an overlap and checks each page boundary instead.
func (s *OrdersService) Walk(ctx context.Context, opts *ListOrdersOptions, fn func(OrdersPage) error) error {
	o := ListOrdersOptions{}
	if opts != nil {
		o = *opts
	}
	if o.Page == 0 {
		o.Page = 1
	}
	seen := make(map[int64]struct{})
	for {
		orders, resp, err := s.List(ctx, &o)
		var pe *PageDecodeError
		if err != nil && !asPageDecode(err, &pe) {
			return err
		}
		page := OrdersPage{Response: resp, DecodeErr: pe, Orders: orders[:0]}
		for _, ord := range orders {
			if _, dup := seen[ord.ID]; dup {
				page.Duplicates++
				continue
			}
			seen[ord.ID] = struct{}{}
			page.Orders = append(page.Orders, ord)
		}
		if err := fn(page); err != nil {
			return err
		}
		got := len(orders)
		if pe != nil {
			got += len(pe.Failed)
		}
		next := resp.NextPage
		if resp.TotalPages < 0 && got >= resp.PerPage && resp.PerPage > 0 {
			// A proxy dropped X-WP-TotalPages: go on while pages are full.
			next = o.Page + 1
		}
		// An empty page means the set shrank under us: nothing further.
		if next == 0 || got == 0 {
			return nil
		}
		o.Page = next
	}
}

func asPageDecode(err error, pe **PageDecodeError) bool {
	p, ok := err.(*PageDecodeError)
	if ok {
		*pe = p
	}
	return ok
}

// ListAll walks every page (see Walk) and returns all decodable orders.
// If some could not be decoded it returns the others together with an error
// joining each page's *PageDecodeError. It is the fetch-and-decode path with
// nothing else done, suited to measuring import overhead.
func (s *OrdersService) ListAll(ctx context.Context, opts *ListOrdersOptions) ([]Order, error) {
	var all []Order
	var failed PageDecodeError
	err := s.Walk(ctx, opts, func(p OrdersPage) error {
		all = append(all, p.Orders...)
		if p.DecodeErr != nil {
			failed.Failed = append(failed.Failed, p.DecodeErr.Failed...)
		}
		return nil
	})
	if err != nil {
		return all, err
	}
	if len(failed.Failed) > 0 {
		return all, &failed
	}
	return all, nil
}

// Get fetches one order (GET /orders/{id}). An unknown id gives an *Error
// with errors.Is(err, ErrNotFound).
func (s *OrdersService) Get(ctx context.Context, id int64) (*Order, *Response, error) {
	if id <= 0 {
		return nil, nil, fmt.Errorf("%w: order id %d", ErrInvalidOptions, id)
	}
	body, resp, err := s.c.do(ctx, call{method: http.MethodGet, path: []string{"orders", strconv.FormatInt(id, 10)}, safe: true})
	if err != nil {
		return nil, resp, err
	}
	o, err := DecodeOrder(body)
	if err != nil {
		return nil, resp, err
	}
	return &o, resp, nil
}

// UpdateStatus sets an order's status (PUT /orders/{id} {"status": status})
// and returns the order as the site now holds it. Setting a status is
// idempotent, so the call is retried on 429/5xx/timeouts (a site that
// applied a PUT whose answer was lost gets it again; WooCommerce treats a
// status set twice as one change). Shop.PushStatus reads the order back
// instead of repeating the PUT. An unknown id
// gives ErrNotFound (WooCommerce answers 400 woocommerce_rest_shop_order_invalid_id);
// a status the site does not know gives ErrBadRequest.
func (s *OrdersService) UpdateStatus(ctx context.Context, id int64, status string) (*Order, *Response, error) {
	return s.updateStatus(ctx, id, status, true)
}

// updateStatus is UpdateStatus; with retry false the PUT is sent again
// only when it never left (a dial error), so an answer lost after the
// site applied it is returned as an error for the caller to read back.
func (s *OrdersService) updateStatus(ctx context.Context, id int64, status string, retry bool) (*Order, *Response, error) {
	if id <= 0 {
		return nil, nil, fmt.Errorf("%w: order id %d", ErrInvalidOptions, id)
	}
	if status == "" {
		return nil, nil, fmt.Errorf("%w: empty status", ErrInvalidOptions)
	}
	body, resp, err := s.c.do(ctx, call{
		method: http.MethodPut,
		path:   []string{"orders", strconv.FormatInt(id, 10)},
		body:   map[string]string{"status": status},
		safe:   retry,
	})
	if err != nil {
		return nil, resp, err
	}
	o, err := DecodeOrder(body)
	if err != nil {
		return nil, resp, err
	}
	return &o, resp, nil
}

// compile-time check that Order decodes through json.Unmarshaler.
var _ json.Unmarshaler = (*Order)(nil)
