package woocommerce

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// CustomersService finds customers. Get it from Client.Customers.
type CustomersService struct{ c *Client }

// Customer is a WooCommerce customer (a WordPress user) as read from /customers.
type Customer struct {
	ID               int64
	Email            string
	FirstName        string
	LastName         string
	Username         string
	Role             string
	Billing          Address
	Shipping         Address
	IsPayingCustomer bool
	DateCreated      time.Time // UTC
	DateModified     time.Time // UTC
	MetaData         []MetaData
}

type wireCustomer struct {
	ID               wireInt    `json:"id"`
	Email            string     `json:"email"`
	FirstName        string     `json:"first_name"`
	LastName         string     `json:"last_name"`
	Username         string     `json:"username"`
	Role             string     `json:"role"`
	Billing          *Address   `json:"billing"`
	Shipping         *Address   `json:"shipping"`
	IsPayingCustomer bool       `json:"is_paying_customer"`
	DateCreated      wireTime   `json:"date_created"`
	DateCreatedGMT   wireTime   `json:"date_created_gmt"`
	DateModified     wireTime   `json:"date_modified"`
	DateModifiedGMT  wireTime   `json:"date_modified_gmt"`
	MetaData         []wireMeta `json:"meta_data"`
}

// UnmarshalJSON decodes the REST representation of a customer.
func (c *Customer) UnmarshalJSON(b []byte) error {
	var w wireCustomer
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*c = Customer{ID: int64(w.ID), Email: w.Email, FirstName: w.FirstName, LastName: w.LastName,
		Username: w.Username, Role: w.Role, IsPayingCustomer: w.IsPayingCustomer, MetaData: metas(w.MetaData)}
	if w.Billing != nil {
		c.Billing = *w.Billing
	}
	if w.Shipping != nil {
		c.Shipping = *w.Shipping
	}
	c.DateCreated, _ = utc(w.DateCreated, w.DateCreatedGMT)
	c.DateModified, _ = utc(w.DateModified, w.DateModifiedGMT)
	return nil
}

// GetByEmail returns the customer with this email, whatever their role
// (GET /customers?email=&role=all). No match gives an error wrapping
// ErrNotFound. Guest checkouts have no customer: look at Order.Billing.
func (s *CustomersService) GetByEmail(ctx context.Context, email string) (*Customer, *Response, error) {
	email = strings.TrimSpace(email)
	if email == "" || !strings.Contains(email, "@") {
		return nil, nil, fmt.Errorf("%w: email %q", ErrInvalidOptions, email)
	}
	q := url.Values{"email": {email}, "role": {"all"}}
	body, resp, err := s.c.do(ctx, call{method: http.MethodGet, path: []string{"customers"}, query: q, safe: true, page: 1, perPage: 10})
	if err != nil {
		return nil, resp, err
	}
	cs, err := decodeCustomers(body)
	if err != nil {
		return nil, resp, err
	}
	for i := range cs {
		if strings.EqualFold(cs[i].Email, email) {
			return &cs[i], resp, nil
		}
	}
	return nil, resp, fmt.Errorf("%w: customer with email %q", ErrNotFound, email)
}

// decodeCustomers decodes a page of customers (a JSON array), keeping the
// good ones beside a *PageDecodeError naming the others. It never panics.
func decodeCustomers(body []byte) ([]Customer, error) {
	return decodeList(body, "customer", func(raw []byte) (Customer, error) {
		var c Customer
		err := json.Unmarshal(raw, &c)
		return c, err
	})
}
