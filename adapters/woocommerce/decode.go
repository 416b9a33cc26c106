package woocommerce

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/shopspring/decimal"
)

// wireDecimal reads a WooCommerce amount: usually a JSON string ("12.00"),
// sometimes a JSON number (line_items[].price, possibly fractional), and
// sometimes "" or null for "not set". It parses the raw text, never a float,
// so no precision is lost.
type wireDecimal struct {
	d     decimal.Decimal
	valid bool
}

func (w *wireDecimal) UnmarshalJSON(b []byte) error {
	*w = wireDecimal{}
	s, isNull, err := scalarText(b)
	if err != nil || isNull || s == "" {
		return err
	}
	if b[0] != '"' && b[0] != '-' && (b[0] < '0' || b[0] > '9') {
		return fmt.Errorf("amount: want a string or number, got %.20s", s)
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		return fmt.Errorf("amount %.40q: %w", s, err)
	}
	w.d, w.valid = d, true
	return nil
}

// scalarText returns the text of a JSON string (unquoted) or of any other
// scalar (as is). Strings without escapes are sliced, not decoded: this is
// the hot path of page decoding.
func scalarText(b []byte) (s string, isNull bool, err error) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || string(b) == "null" {
		return "", true, nil
	}
	if b[0] != '"' {
		return string(b), false, nil
	}
	if len(b) >= 2 && b[len(b)-1] == '"' && bytes.IndexByte(b[1:len(b)-1], '\\') < 0 && bytes.IndexByte(b[1:len(b)-1], '"') < 0 {
		return string(b[1 : len(b)-1]), false, nil
	}
	err = json.Unmarshal(b, &s)
	return s, false, err
}

// null returns the value as a decimal.NullDecimal ("" and null are not valid).
func (w wireDecimal) null() decimal.NullDecimal {
	return decimal.NullDecimal{Decimal: w.d, Valid: w.valid}
}

// wireInt reads an integer sent as a number, a numeric string or null.
// A number with a zero fraction ("2.0") is accepted; any other fraction is an error.
type wireInt int64

func (w *wireInt) UnmarshalJSON(b []byte) error {
	*w = 0
	s, isNull, err := scalarText(b)
	if err != nil || isNull || s == "" {
		return err
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		*w = wireInt(n)
		return nil
	}
	var d wireDecimal
	if err := d.UnmarshalJSON(b); err != nil {
		return err
	}
	if !d.d.IsInteger() {
		return fmt.Errorf("integer: got %s", d.d.String())
	}
	if d.d.GreaterThan(decimal.NewFromInt(1<<62)) || d.d.LessThan(decimal.NewFromInt(-1<<62)) {
		return fmt.Errorf("integer: %s out of range", d.d.String())
	}
	*w = wireInt(d.d.IntPart())
	return nil
}

// wireTime reads a WooCommerce date. Plain fields are site-local without a
// zone; _gmt fields are UTC without a zone. Some plugins add a zone, so
// RFC 3339 is accepted too. "" and null mean "not set".
type wireTime struct {
	t       time.Time
	set     bool
	hasZone bool
}

var zonelessLayouts = []string{"2006-01-02T15:04:05", "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05"}

func (w *wireTime) UnmarshalJSON(b []byte) error {
	*w = wireTime{}
	s, isNull, err := scalarText(b)
	if err != nil || isNull {
		return err
	}
	if b = bytes.TrimSpace(b); b[0] != '"' {
		return fmt.Errorf("date: want a string, got %.20s", s)
	}
	if s == "" {
		return nil
	}
	for _, l := range zonelessLayouts {
		if t, err := time.ParseInLocation(l, s, time.UTC); err == nil {
			w.t, w.set = t, true
			return nil
		}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return fmt.Errorf("date %.40q: not ISO 8601", s)
	}
	w.t, w.set, w.hasZone = t.UTC(), true, true
	return nil
}

// utc picks the instant of a (local, gmt) pair: the _gmt value, else a
// local value that carries its own zone, else nothing (a zoneless local
// time cannot be placed without the site's time zone).
func utc(local, gmt wireTime) (time.Time, bool) {
	if gmt.set {
		return gmt.t, true
	}
	if local.set && local.hasZone {
		return local.t, true
	}
	return time.Time{}, false
}

func utcPtr(local, gmt wireTime) *time.Time {
	t, ok := utc(local, gmt)
	if !ok {
		return nil
	}
	return &t
}

// Address is a billing or shipping address. Shipping addresses have no
// email; WooCommerce 5.6+ sends a shipping phone.
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
	Phone     string `json:"phone,omitempty"`
}

// MetaData is one meta entry. Value is any JSON (string, number, object,
// array, null) exactly as received.
type MetaData struct {
	ID    int64           `json:"id,omitempty"`
	Key   string          `json:"key"`
	Value json.RawMessage `json:"value"`
}

type wireMeta struct {
	ID    wireInt         `json:"id"`
	Key   string          `json:"key"`
	Value json.RawMessage `json:"value"`
}

func metas(in []wireMeta) []MetaData {
	if len(in) == 0 {
		return nil
	}
	out := make([]MetaData, len(in))
	for i, m := range in {
		out[i] = MetaData{ID: int64(m.ID), Key: m.Key, Value: m.Value}
	}
	return out
}

// Order is a WooCommerce order as read from /orders. Amounts are exact
// decimals in the order's Currency; times are UTC, taken from the *_gmt
// fields (a zoneless site-local time alone cannot be placed and is left
// zero). Order decodes from the REST JSON (UnmarshalJSON); it has no wire
// encoding of its own.
type Order struct {
	ID         int64
	ParentID   int64
	Number     string
	OrderKey   string
	CreatedVia string
	Version    string
	// Status is WooCommerce's status slug: pending, processing, on-hold,
	// completed, cancelled, refunded, failed, checkout-draft, trash, or a
	// plugin status (e.g. "shipped").
	Status   string
	Currency string

	DateCreated  time.Time  // UTC, from date_created_gmt
	DateModified time.Time  // UTC, from date_modified_gmt
	DatePaid     *time.Time // UTC, from date_paid_gmt; nil while unpaid
	// DateCompleted is nil until the order is completed.
	DateCompleted *time.Time

	DiscountTotal    decimal.Decimal
	DiscountTax      decimal.Decimal
	ShippingTotal    decimal.Decimal
	ShippingTax      decimal.Decimal
	CartTax          decimal.Decimal
	Total            decimal.Decimal
	TotalTax         decimal.Decimal
	PricesIncludeTax bool

	// CustomerID is the WordPress user id; 0 for a guest checkout.
	CustomerID         int64
	CustomerNote       string
	Billing            Address
	Shipping           Address
	PaymentMethod      string
	PaymentMethodTitle string
	TransactionID      string

	MetaData      []MetaData
	LineItems     []LineItem
	TaxLines      []TaxLine
	ShippingLines []ShippingLine
	FeeLines      []FeeLine
	CouponLines   []CouponLine
	Refunds       []Refund
}

// LineItem is one product line of an order.
type LineItem struct {
	ID          int64
	Name        string
	ProductID   int64
	VariationID int64
	Quantity    int64
	TaxClass    string
	Subtotal    decimal.Decimal
	SubtotalTax decimal.Decimal
	Total       decimal.Decimal
	TotalTax    decimal.Decimal
	Taxes       []LineTax
	MetaData    []MetaData
	// SKU is "" when the product has none (WooCommerce sends "" or null).
	SKU string
	// Price is the unit price WooCommerce computes as total/quantity; it
	// arrives as a JSON number that may be fractional and is read exactly.
	Price decimal.Decimal
}

// LineTax is a tax amount per rate on a line.
type LineTax struct {
	ID       int64
	Total    decimal.Decimal
	Subtotal decimal.Decimal
}

// TaxLine is an order-level tax rate summary.
type TaxLine struct {
	ID               int64
	RateCode         string
	RateID           int64
	Label            string
	Compound         bool
	TaxTotal         decimal.Decimal
	ShippingTaxTotal decimal.Decimal
	MetaData         []MetaData
}

// ShippingLine is a shipping method charged on the order.
type ShippingLine struct {
	ID          int64
	MethodTitle string
	MethodID    string
	InstanceID  string
	Total       decimal.Decimal
	TotalTax    decimal.Decimal
	Taxes       []LineTax
	MetaData    []MetaData
}

// FeeLine is a fee charged on the order.
type FeeLine struct {
	ID        int64
	Name      string
	TaxClass  string
	TaxStatus string
	Total     decimal.Decimal
	TotalTax  decimal.Decimal
	Taxes     []LineTax
	MetaData  []MetaData
}

// CouponLine is a coupon applied to the order.
type CouponLine struct {
	ID          int64
	Code        string
	Discount    decimal.Decimal
	DiscountTax decimal.Decimal
	MetaData    []MetaData
}

// Refund is a refund summary on an order. Total is negative as sent ("-10.00").
type Refund struct {
	ID     int64
	Reason string
	Total  decimal.Decimal
}

type wireLineTax struct {
	ID       wireInt     `json:"id"`
	Total    wireDecimal `json:"total"`
	Subtotal wireDecimal `json:"subtotal"`
}

func lineTaxes(in []wireLineTax) []LineTax {
	if len(in) == 0 {
		return nil
	}
	out := make([]LineTax, len(in))
	for i, t := range in {
		out[i] = LineTax{ID: int64(t.ID), Total: t.Total.d, Subtotal: t.Subtotal.d}
	}
	return out
}

type wireLineItem struct {
	ID          wireInt       `json:"id"`
	Name        string        `json:"name"`
	ProductID   wireInt       `json:"product_id"`
	VariationID wireInt       `json:"variation_id"`
	Quantity    wireInt       `json:"quantity"`
	TaxClass    string        `json:"tax_class"`
	Subtotal    wireDecimal   `json:"subtotal"`
	SubtotalTax wireDecimal   `json:"subtotal_tax"`
	Total       wireDecimal   `json:"total"`
	TotalTax    wireDecimal   `json:"total_tax"`
	Taxes       []wireLineTax `json:"taxes"`
	MetaData    []wireMeta    `json:"meta_data"`
	SKU         *string       `json:"sku"`
	Price       wireDecimal   `json:"price"`
}

type wireTaxLine struct {
	ID               wireInt     `json:"id"`
	RateCode         string      `json:"rate_code"`
	RateID           wireInt     `json:"rate_id"`
	Label            string      `json:"label"`
	Compound         bool        `json:"compound"`
	TaxTotal         wireDecimal `json:"tax_total"`
	ShippingTaxTotal wireDecimal `json:"shipping_tax_total"`
	MetaData         []wireMeta  `json:"meta_data"`
}

type wireShippingLine struct {
	ID          wireInt       `json:"id"`
	MethodTitle string        `json:"method_title"`
	MethodID    string        `json:"method_id"`
	InstanceID  string        `json:"instance_id"`
	Total       wireDecimal   `json:"total"`
	TotalTax    wireDecimal   `json:"total_tax"`
	Taxes       []wireLineTax `json:"taxes"`
	MetaData    []wireMeta    `json:"meta_data"`
}

type wireFeeLine struct {
	ID        wireInt       `json:"id"`
	Name      string        `json:"name"`
	TaxClass  string        `json:"tax_class"`
	TaxStatus string        `json:"tax_status"`
	Total     wireDecimal   `json:"total"`
	TotalTax  wireDecimal   `json:"total_tax"`
	Taxes     []wireLineTax `json:"taxes"`
	MetaData  []wireMeta    `json:"meta_data"`
}

type wireCouponLine struct {
	ID          wireInt     `json:"id"`
	Code        string      `json:"code"`
	Discount    wireDecimal `json:"discount"`
	DiscountTax wireDecimal `json:"discount_tax"`
	MetaData    []wireMeta  `json:"meta_data"`
}

type wireRefund struct {
	ID     wireInt     `json:"id"`
	Reason string      `json:"reason"`
	Total  wireDecimal `json:"total"`
}

type wireOrder struct {
	ID                 wireInt            `json:"id"`
	ParentID           wireInt            `json:"parent_id"`
	Number             string             `json:"number"`
	OrderKey           string             `json:"order_key"`
	CreatedVia         string             `json:"created_via"`
	Version            string             `json:"version"`
	Status             string             `json:"status"`
	Currency           string             `json:"currency"`
	DateCreated        wireTime           `json:"date_created"`
	DateCreatedGMT     wireTime           `json:"date_created_gmt"`
	DateModified       wireTime           `json:"date_modified"`
	DateModifiedGMT    wireTime           `json:"date_modified_gmt"`
	DatePaid           wireTime           `json:"date_paid"`
	DatePaidGMT        wireTime           `json:"date_paid_gmt"`
	DateCompleted      wireTime           `json:"date_completed"`
	DateCompletedGMT   wireTime           `json:"date_completed_gmt"`
	DiscountTotal      wireDecimal        `json:"discount_total"`
	DiscountTax        wireDecimal        `json:"discount_tax"`
	ShippingTotal      wireDecimal        `json:"shipping_total"`
	ShippingTax        wireDecimal        `json:"shipping_tax"`
	CartTax            wireDecimal        `json:"cart_tax"`
	Total              wireDecimal        `json:"total"`
	TotalTax           wireDecimal        `json:"total_tax"`
	PricesIncludeTax   bool               `json:"prices_include_tax"`
	CustomerID         wireInt            `json:"customer_id"`
	CustomerNote       string             `json:"customer_note"`
	Billing            *Address           `json:"billing"`
	Shipping           *Address           `json:"shipping"`
	PaymentMethod      string             `json:"payment_method"`
	PaymentMethodTitle string             `json:"payment_method_title"`
	TransactionID      string             `json:"transaction_id"`
	MetaData           []wireMeta         `json:"meta_data"`
	LineItems          []wireLineItem     `json:"line_items"`
	TaxLines           []wireTaxLine      `json:"tax_lines"`
	ShippingLines      []wireShippingLine `json:"shipping_lines"`
	FeeLines           []wireFeeLine      `json:"fee_lines"`
	CouponLines        []wireCouponLine   `json:"coupon_lines"`
	Refunds            []wireRefund       `json:"refunds"`
}

// UnmarshalJSON decodes the REST representation of an order, including its
// traps: string amounts, a numeric line price, null SKUs and zoneless dates.
func (o *Order) UnmarshalJSON(b []byte) error {
	var w wireOrder
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*o = w.order()
	return nil
}

func (w *wireOrder) order() Order {
	o := Order{
		ID:                 int64(w.ID),
		ParentID:           int64(w.ParentID),
		Number:             w.Number,
		OrderKey:           w.OrderKey,
		CreatedVia:         w.CreatedVia,
		Version:            w.Version,
		Status:             w.Status,
		Currency:           w.Currency,
		DatePaid:           utcPtr(w.DatePaid, w.DatePaidGMT),
		DateCompleted:      utcPtr(w.DateCompleted, w.DateCompletedGMT),
		DiscountTotal:      w.DiscountTotal.d,
		DiscountTax:        w.DiscountTax.d,
		ShippingTotal:      w.ShippingTotal.d,
		ShippingTax:        w.ShippingTax.d,
		CartTax:            w.CartTax.d,
		Total:              w.Total.d,
		TotalTax:           w.TotalTax.d,
		PricesIncludeTax:   w.PricesIncludeTax,
		CustomerID:         int64(w.CustomerID),
		CustomerNote:       w.CustomerNote,
		PaymentMethod:      w.PaymentMethod,
		PaymentMethodTitle: w.PaymentMethodTitle,
		TransactionID:      w.TransactionID,
		MetaData:           metas(w.MetaData),
	}
	o.DateCreated, _ = utc(w.DateCreated, w.DateCreatedGMT)
	o.DateModified, _ = utc(w.DateModified, w.DateModifiedGMT)
	if w.Billing != nil {
		o.Billing = *w.Billing
	}
	if w.Shipping != nil {
		o.Shipping = *w.Shipping
	}
	if len(w.LineItems) > 0 {
		o.LineItems = make([]LineItem, len(w.LineItems))
		for i, l := range w.LineItems {
			li := LineItem{
				ID: int64(l.ID), Name: l.Name, ProductID: int64(l.ProductID), VariationID: int64(l.VariationID),
				Quantity: int64(l.Quantity), TaxClass: l.TaxClass,
				Subtotal: l.Subtotal.d, SubtotalTax: l.SubtotalTax.d, Total: l.Total.d, TotalTax: l.TotalTax.d,
				Taxes: lineTaxes(l.Taxes), MetaData: metas(l.MetaData), Price: l.Price.d,
			}
			if l.SKU != nil {
				li.SKU = *l.SKU
			}
			o.LineItems[i] = li
		}
	}
	if len(w.TaxLines) > 0 {
		o.TaxLines = make([]TaxLine, len(w.TaxLines))
		for i, t := range w.TaxLines {
			o.TaxLines[i] = TaxLine{ID: int64(t.ID), RateCode: t.RateCode, RateID: int64(t.RateID), Label: t.Label,
				Compound: t.Compound, TaxTotal: t.TaxTotal.d, ShippingTaxTotal: t.ShippingTaxTotal.d, MetaData: metas(t.MetaData)}
		}
	}
	if len(w.ShippingLines) > 0 {
		o.ShippingLines = make([]ShippingLine, len(w.ShippingLines))
		for i, s := range w.ShippingLines {
			o.ShippingLines[i] = ShippingLine{ID: int64(s.ID), MethodTitle: s.MethodTitle, MethodID: s.MethodID,
				InstanceID: s.InstanceID, Total: s.Total.d, TotalTax: s.TotalTax.d, Taxes: lineTaxes(s.Taxes), MetaData: metas(s.MetaData)}
		}
	}
	if len(w.FeeLines) > 0 {
		o.FeeLines = make([]FeeLine, len(w.FeeLines))
		for i, f := range w.FeeLines {
			o.FeeLines[i] = FeeLine{ID: int64(f.ID), Name: f.Name, TaxClass: f.TaxClass, TaxStatus: f.TaxStatus,
				Total: f.Total.d, TotalTax: f.TotalTax.d, Taxes: lineTaxes(f.Taxes), MetaData: metas(f.MetaData)}
		}
	}
	if len(w.CouponLines) > 0 {
		o.CouponLines = make([]CouponLine, len(w.CouponLines))
		for i, c := range w.CouponLines {
			o.CouponLines[i] = CouponLine{ID: int64(c.ID), Code: c.Code, Discount: c.Discount.d,
				DiscountTax: c.DiscountTax.d, MetaData: metas(c.MetaData)}
		}
	}
	if len(w.Refunds) > 0 {
		o.Refunds = make([]Refund, len(w.Refunds))
		for i, r := range w.Refunds {
			o.Refunds[i] = Refund{ID: int64(r.ID), Reason: r.Reason, Total: r.Total.d}
		}
	}
	return o
}

// errNoID is the decoding failure of a record without a positive id: {}
// or null in a page, which must never import as record 0.
var errNoID = errors.New("no positive id")

// DecodeOrder decodes one order in the REST representation (the body of
// GET /orders/{id} or of an order webhook; an order.deleted body {"id":N}
// decodes to an Order with only ID set). An order without a positive id is
// malformed. It never panics.
func DecodeOrder(data []byte) (Order, error) {
	o, err := decodeOrder(data)
	if err != nil {
		return Order{}, &DecodeError{What: "order", ID: peekID(data), Raw: json.RawMessage(bytes.Clone(data)), Err: err}
	}
	return o, nil
}

func decodeOrder(data []byte) (Order, error) {
	var o Order
	if err := json.Unmarshal(data, &o); err != nil {
		return Order{}, err
	}
	if o.ID <= 0 {
		return Order{}, errNoID
	}
	return o, nil
}

// DecodeOrders decodes a page of orders (a JSON array). Orders that cannot
// be decoded, or have no positive id (an element {} or null), are skipped
// and reported in a *PageDecodeError returned beside the others; a body
// that is not a JSON array yields no orders and an error wrapping
// ErrMalformedResponse. It never panics.
func DecodeOrders(data []byte) ([]Order, error) {
	// Fast path: one pass into the wire type, no per-order re-scan.
	var ws []wireOrder
	if err := json.Unmarshal(data, &ws); err == nil && !slices.ContainsFunc(ws, func(w wireOrder) bool { return w.ID <= 0 }) {
		out := make([]Order, len(ws))
		for i := range ws {
			out[i] = ws[i].order()
		}
		return out, nil
	}
	return decodeList(data, "order", decodeOrder)
}

// decodeList decodes a JSON array of records element by element, to keep
// the good records and name the bad ones (one decides what is bad).
func decodeList[T any](data []byte, what string, one func([]byte) (T, error)) ([]T, error) {
	var raws []json.RawMessage
	if err := json.Unmarshal(data, &raws); err != nil {
		return nil, fmt.Errorf("%w: want a JSON array of %ss: %w", ErrMalformedResponse, what, err)
	}
	out := make([]T, 0, len(raws))
	var pe PageDecodeError
	for i, raw := range raws {
		v, err := one(raw)
		if err != nil {
			pe.Failed = append(pe.Failed, &DecodeError{What: what, Index: i, ID: peekID(raw), Raw: raw, Err: err})
			continue
		}
		out = append(out, v)
	}
	if len(pe.Failed) > 0 {
		return out, &pe
	}
	return out, nil
}

// peekID reads a top-level "id" from a record that failed to decode, so
// the failure can name it; 0 if it cannot.
func peekID(data []byte) int64 {
	var p struct {
		ID json.RawMessage `json:"id"`
	}
	if json.Unmarshal(data, &p) != nil || len(p.ID) == 0 {
		return 0
	}
	s := string(bytes.Trim(p.ID, `"`))
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0
	}
	return id
}
