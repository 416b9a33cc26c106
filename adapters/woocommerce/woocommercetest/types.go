package woocommercetest

import "encoding/json"

// The types below are the wire format of WooCommerce REST API v3, written
// independently of the client so the fake can check it: amounts are
// strings, line_items[].price is a JSON number, dates are zoneless strings
// ("2006-01-02T15:04:05") in site time and in UTC (_gmt).

// Address is a billing or shipping address.
type Address struct {
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	Company   string `json:"company"`
	Address1  string `json:"address_1"`
	Address2  string `json:"address_2"`
	City      string `json:"city"`
	State     string `json:"state"`
	Postcode  string `json:"postcode"`
	Country   string `json:"country"`
	Email     string `json:"email,omitempty"`
	Phone     string `json:"phone"`
}

// MetaData is one meta entry; Value is any JSON.
type MetaData struct {
	ID    int64           `json:"id"`
	Key   string          `json:"key"`
	Value json.RawMessage `json:"value"`
}

// LineTax is a tax amount per rate on a line.
type LineTax struct {
	ID       int64  `json:"id"`
	Total    string `json:"total"`
	Subtotal string `json:"subtotal"`
}

// LineItem is a product line. SKU nil is sent as null; Price is a JSON
// number (WooCommerce computes total/quantity, so it may be fractional).
type LineItem struct {
	ID          int64       `json:"id"`
	Name        string      `json:"name"`
	ProductID   int64       `json:"product_id"`
	VariationID int64       `json:"variation_id"`
	Quantity    int64       `json:"quantity"`
	TaxClass    string      `json:"tax_class"`
	Subtotal    string      `json:"subtotal"`
	SubtotalTax string      `json:"subtotal_tax"`
	Total       string      `json:"total"`
	TotalTax    string      `json:"total_tax"`
	Taxes       []LineTax   `json:"taxes"`
	MetaData    []MetaData  `json:"meta_data"`
	SKU         *string     `json:"sku"`
	Price       json.Number `json:"price"`
}

// TaxLine is an order-level tax summary.
type TaxLine struct {
	ID               int64      `json:"id"`
	RateCode         string     `json:"rate_code"`
	RateID           int64      `json:"rate_id"`
	Label            string     `json:"label"`
	Compound         bool       `json:"compound"`
	TaxTotal         string     `json:"tax_total"`
	ShippingTaxTotal string     `json:"shipping_tax_total"`
	MetaData         []MetaData `json:"meta_data"`
}

// ShippingLine is a shipping charge.
type ShippingLine struct {
	ID          int64      `json:"id"`
	MethodTitle string     `json:"method_title"`
	MethodID    string     `json:"method_id"`
	InstanceID  string     `json:"instance_id"`
	Total       string     `json:"total"`
	TotalTax    string     `json:"total_tax"`
	Taxes       []LineTax  `json:"taxes"`
	MetaData    []MetaData `json:"meta_data"`
}

// FeeLine is a fee.
type FeeLine struct {
	ID        int64      `json:"id"`
	Name      string     `json:"name"`
	TaxClass  string     `json:"tax_class"`
	TaxStatus string     `json:"tax_status"`
	Total     string     `json:"total"`
	TotalTax  string     `json:"total_tax"`
	Taxes     []LineTax  `json:"taxes"`
	MetaData  []MetaData `json:"meta_data"`
}

// CouponLine is an applied coupon.
type CouponLine struct {
	ID          int64      `json:"id"`
	Code        string     `json:"code"`
	Discount    string     `json:"discount"`
	DiscountTax string     `json:"discount_tax"`
	MetaData    []MetaData `json:"meta_data"`
}

// Refund is a refund summary; Total is negative ("-10.00").
type Refund struct {
	ID     int64  `json:"id"`
	Reason string `json:"reason"`
	Total  string `json:"total"`
}

// Order is an order in the REST representation. Fields left empty when
// seeding are filled by the server (id, number, order_key, dates, "0.00"
// amounts, status "pending", currency "USD").
type Order struct {
	ID                 int64          `json:"id"`
	ParentID           int64          `json:"parent_id"`
	Number             string         `json:"number"`
	OrderKey           string         `json:"order_key"`
	CreatedVia         string         `json:"created_via"`
	Version            string         `json:"version"`
	Status             string         `json:"status"`
	Currency           string         `json:"currency"`
	DateCreated        string         `json:"date_created"`
	DateCreatedGMT     string         `json:"date_created_gmt"`
	DateModified       string         `json:"date_modified"`
	DateModifiedGMT    string         `json:"date_modified_gmt"`
	DiscountTotal      string         `json:"discount_total"`
	DiscountTax        string         `json:"discount_tax"`
	ShippingTotal      string         `json:"shipping_total"`
	ShippingTax        string         `json:"shipping_tax"`
	CartTax            string         `json:"cart_tax"`
	Total              string         `json:"total"`
	TotalTax           string         `json:"total_tax"`
	PricesIncludeTax   bool           `json:"prices_include_tax"`
	CustomerID         int64          `json:"customer_id"`
	CustomerIPAddress  string         `json:"customer_ip_address"`
	CustomerUserAgent  string         `json:"customer_user_agent"`
	CustomerNote       string         `json:"customer_note"`
	Billing            Address        `json:"billing"`
	Shipping           Address        `json:"shipping"`
	PaymentMethod      string         `json:"payment_method"`
	PaymentMethodTitle string         `json:"payment_method_title"`
	TransactionID      string         `json:"transaction_id"`
	DatePaid           *string        `json:"date_paid"`
	DatePaidGMT        *string        `json:"date_paid_gmt"`
	DateCompleted      *string        `json:"date_completed"`
	DateCompletedGMT   *string        `json:"date_completed_gmt"`
	CartHash           string         `json:"cart_hash"`
	MetaData           []MetaData     `json:"meta_data"`
	LineItems          []LineItem     `json:"line_items"`
	TaxLines           []TaxLine      `json:"tax_lines"`
	ShippingLines      []ShippingLine `json:"shipping_lines"`
	FeeLines           []FeeLine      `json:"fee_lines"`
	CouponLines        []CouponLine   `json:"coupon_lines"`
	Refunds            []Refund       `json:"refunds"`
}

// Image is a product image.
type Image struct {
	ID   int64  `json:"id"`
	Src  string `json:"src"`
	Name string `json:"name"`
	Alt  string `json:"alt"`
}

// Product is a product in the REST representation. Price is read-only and
// derived by the server from SalePrice (if not "") or RegularPrice.
type Product struct {
	ID               int64      `json:"id"`
	Name             string     `json:"name"`
	Slug             string     `json:"slug"`
	Type             string     `json:"type"`
	Status           string     `json:"status"`
	SKU              string     `json:"sku"`
	Price            string     `json:"price"`
	RegularPrice     string     `json:"regular_price"`
	SalePrice        string     `json:"sale_price"`
	ManageStock      bool       `json:"manage_stock"`
	StockQuantity    *int64     `json:"stock_quantity"`
	StockStatus      string     `json:"stock_status"`
	Description      string     `json:"description"`
	ShortDescription string     `json:"short_description"`
	Images           []Image    `json:"images"`
	DateCreated      string     `json:"date_created"`
	DateCreatedGMT   string     `json:"date_created_gmt"`
	DateModified     string     `json:"date_modified"`
	DateModifiedGMT  string     `json:"date_modified_gmt"`
	MetaData         []MetaData `json:"meta_data"`
}

// Customer is a customer in the REST representation.
type Customer struct {
	ID               int64      `json:"id"`
	Email            string     `json:"email"`
	FirstName        string     `json:"first_name"`
	LastName         string     `json:"last_name"`
	Username         string     `json:"username"`
	Role             string     `json:"role"`
	Billing          Address    `json:"billing"`
	Shipping         Address    `json:"shipping"`
	IsPayingCustomer bool       `json:"is_paying_customer"`
	DateCreated      string     `json:"date_created"`
	DateCreatedGMT   string     `json:"date_created_gmt"`
	DateModified     string     `json:"date_modified"`
	DateModifiedGMT  string     `json:"date_modified_gmt"`
	MetaData         []MetaData `json:"meta_data"`
}

// apiError is the WP REST error body.
type apiError struct {
	Code    string       `json:"code"`
	Message string       `json:"message"`
	Data    apiErrorData `json:"data"`
}

type apiErrorData struct {
	Status int               `json:"status"`
	Params map[string]string `json:"params,omitempty"`
}

// clone copies an order deeply enough that callers cannot reach the
// server's state (slices of values; RawMessage and pointers are copied).
func (o Order) clone() Order {
	c := o
	c.MetaData = cloneMeta(o.MetaData)
	c.DatePaid, c.DatePaidGMT = cloneStr(o.DatePaid), cloneStr(o.DatePaidGMT)
	c.DateCompleted, c.DateCompletedGMT = cloneStr(o.DateCompleted), cloneStr(o.DateCompletedGMT)
	if o.LineItems != nil {
		c.LineItems = make([]LineItem, len(o.LineItems))
		for i, l := range o.LineItems {
			l.Taxes = cloneSlice(l.Taxes)
			l.MetaData = cloneMeta(l.MetaData)
			l.SKU = cloneStr(l.SKU)
			c.LineItems[i] = l
		}
	}
	if o.TaxLines != nil {
		c.TaxLines = make([]TaxLine, len(o.TaxLines))
		for i, t := range o.TaxLines {
			t.MetaData = cloneMeta(t.MetaData)
			c.TaxLines[i] = t
		}
	}
	if o.ShippingLines != nil {
		c.ShippingLines = make([]ShippingLine, len(o.ShippingLines))
		for i, l := range o.ShippingLines {
			l.Taxes = cloneSlice(l.Taxes)
			l.MetaData = cloneMeta(l.MetaData)
			c.ShippingLines[i] = l
		}
	}
	if o.FeeLines != nil {
		c.FeeLines = make([]FeeLine, len(o.FeeLines))
		for i, l := range o.FeeLines {
			l.Taxes = cloneSlice(l.Taxes)
			l.MetaData = cloneMeta(l.MetaData)
			c.FeeLines[i] = l
		}
	}
	if o.CouponLines != nil {
		c.CouponLines = make([]CouponLine, len(o.CouponLines))
		for i, l := range o.CouponLines {
			l.MetaData = cloneMeta(l.MetaData)
			c.CouponLines[i] = l
		}
	}
	c.Refunds = cloneSlice(o.Refunds)
	return c
}

func (p Product) clone() Product {
	c := p
	if p.StockQuantity != nil {
		q := *p.StockQuantity
		c.StockQuantity = &q
	}
	c.Images = cloneSlice(p.Images)
	c.MetaData = cloneMeta(p.MetaData)
	return c
}

func cloneMeta(m []MetaData) []MetaData {
	if m == nil {
		return nil
	}
	out := make([]MetaData, len(m))
	for i, x := range m {
		x.Value = append(json.RawMessage(nil), x.Value...)
		out[i] = x
	}
	return out
}

func cloneStr(s *string) *string {
	if s == nil {
		return nil
	}
	v := *s
	return &v
}

// cloneSlice copies s, keeping nil nil and empty empty (they encode as
// null and [] respectively).
func cloneSlice[T any](s []T) []T {
	if s == nil {
		return nil
	}
	return append(make([]T, 0, len(s)), s...)
}
