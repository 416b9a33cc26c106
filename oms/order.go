package oms

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/azuvio/omnisales/discount"
)

// Client is the buyer as the order records it.
type Client struct {
	ID     string   `json:"id"`
	Groups []string `json:"groups,omitempty"`
	Email  string   `json:"email,omitempty"`
}

// Address is a billing or shipping address.
type Address struct {
	Name       string `json:"name,omitempty"`
	Company    string `json:"company,omitempty"`
	Line1      string `json:"line1,omitempty"`
	Line2      string `json:"line2,omitempty"`
	City       string `json:"city,omitempty"`
	County     string `json:"county,omitempty"`
	PostalCode string `json:"postal_code,omitempty"`
	Country    string `json:"country,omitempty"`
	Phone      string `json:"phone,omitempty"`
	Email      string `json:"email,omitempty"`
}

// Line is one product on an order. Quantities are whole units.
//
// Money: UnitPrice is before discount; Discount is the total discount on
// the line (all units), already rounded to the currency's minor unit.
// TaxRate is a percentage (19 for 19%).
type Line struct {
	ProductID    string          `json:"product_id"`
	SKU          string          `json:"sku,omitempty"`
	Name         string          `json:"name,omitempty"`
	ProductGroup string          `json:"product_group,omitempty"`
	Quantity     int64           `json:"quantity"`
	UnitPrice    decimal.Decimal `json:"unit_price"`
	Discount     decimal.Decimal `json:"discount"`
	TaxRate      decimal.Decimal `json:"tax_rate"`
	// Fulfilment facts, per line: never hidden by the status.
	Shipped   int64 `json:"shipped"`
	Delivered int64 `json:"delivered"`
	Returned  int64 `json:"returned"`
}

// Gross returns quantity × unit price, rounded to the currency.
func (l Line) Gross(currency string) decimal.Decimal {
	return RoundMoney(l.UnitPrice.Mul(decimal.NewFromInt(l.Quantity)), currency)
}

// Net returns quantity × unit price − discount, rounded to the currency.
func (l Line) Net(currency string) decimal.Decimal {
	return net(l.Gross(currency), l.Discount)
}

// Tax returns the line's tax: Net × TaxRate / 100, rounded once.
func (l Line) Tax(currency string) decimal.Decimal {
	return tax(l.Net(currency), l.TaxRate, currency)
}

func net(gross, discount decimal.Decimal) decimal.Decimal {
	if discount.IsZero() {
		return gross
	}
	return gross.Sub(discount)
}

func tax(net, rate decimal.Decimal, currency string) decimal.Decimal {
	if rate.IsZero() {
		return decimal.Decimal{}
	}
	return RoundMoney(net.Mul(rate).Shift(-2), currency)
}

// Shipment is the courier reference recorded before shipping.
type Shipment struct {
	Courier string `json:"courier,omitempty"`
	AWB     string `json:"awb"`
	URL     string `json:"url,omitempty"`
}

// Order is a cart that became an order: the guide's cart and cart_detail.
// The zero value is not a valid order; build one with Service.Place.
type Order struct {
	ID     string `json:"id"`
	Number string `json:"number"`
	// Channel and Store say where the order came from; a channel may have
	// several shops. ExternalID is the shop's id, unique per channel and
	// store: the key of idempotent imports.
	Channel    ChannelRef `json:"channel"`
	Store      string     `json:"store,omitempty"`
	ExternalID string     `json:"external_id,omitempty"`
	// Type is the order type that approval rules match ("b2b", "retail", …).
	Type   string `json:"type,omitempty"`
	Client Client `json:"client"`
	Lines  []Line `json:"lines"`

	Currency      string  `json:"currency"`
	Totals        Totals  `json:"totals"`
	PaymentMethod string  `json:"payment_method,omitempty"`
	Billing       Address `json:"billing"`
	ShippingTo    Address `json:"shipping"`
	Seller        string  `json:"seller,omitempty"`
	Notes         string  `json:"notes,omitempty"`

	Status Status `json:"status"`
	// HeldFrom is the status the order left for On Hold, or for Return
	// Pending; resume and reject_return go back there.
	HeldFrom Status `json:"held_from"`

	// ApprovalRequired is set when an approval rule applied at placement;
	// Approval is meaningful only then.
	ApprovalRequired bool     `json:"approval_required"`
	Approval         Approval `json:"approval"`
	ApprovalRule     string   `json:"approval_rule,omitempty"`
	RejectReason     string   `json:"reject_reason,omitempty"`

	Shipment Shipment `json:"shipment"`

	// Payment facts.
	Paid     decimal.Decimal `json:"paid"`
	Refunded decimal.Decimal `json:"refunded"`

	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	DeliveredAt time.Time `json:"delivered_at,omitzero"`
	// Version increases by one with every committed change; stores use it
	// for optimistic concurrency.
	Version int64 `json:"version"`
}

// Clone returns a deep copy, so stores can copy in and out.
func (o Order) Clone() Order {
	o.Lines = slices.Clone(o.Lines)
	o.Client.Groups = slices.Clone(o.Client.Groups)
	return o
}

// ExternalKey identifies an imported order.
type ExternalKey struct {
	Channel    ChannelRef
	Store      string
	ExternalID string
}

// Key returns the order's external key.
func (o *Order) Key() ExternalKey {
	return ExternalKey{Channel: o.Channel, Store: o.Store, ExternalID: o.ExternalID}
}

// AwaitingApproval reports whether the order waits for a manager.
func (o *Order) AwaitingApproval() bool {
	return o.ApprovalRequired && o.Approval == ApprovalPending
}

// AllReturned reports whether something was delivered and every
// delivered unit is back (Returned equals Delivered on every line). The
// refund guard lets such an order reach Refund although the shop kept part
// of the payment (a restocking fee, a delivery fee): package returns
// decides when it is settled.
func (o *Order) AllReturned() bool {
	var delivered int64
	for _, l := range o.Lines {
		if l.Returned < l.Delivered {
			return false
		}
		delivered += l.Delivered
	}
	return delivered > 0
}

// FullyPaid reports whether the amount paid covers the total.
func (o *Order) FullyPaid() bool { return o.Paid.GreaterThanOrEqual(o.Totals.Total) }

// Next returns the status ev would move the order to, per the lifecycle
// table (guards not evaluated). Unlike the package-level Next it resolves
// resume and reject_return to the status the order remembers.
func (o *Order) Next(ev EventName) (Status, bool) { return lifecycle.step(o.Status, ev, o.HeldFrom) }

// Available returns, sorted, the events the table allows from the order's
// current status (guards not evaluated).
func (o *Order) Available() []EventName { return AvailableEvents(o.Status) }

// NewOrder is the input of Service.Place.
type NewOrder struct {
	Number        string
	Channel       ChannelRef
	Store         string
	ExternalID    string
	Type          string
	Client        Client
	Lines         []Line
	Currency      string
	DeliveryFee   *decimal.Decimal // nil = the channel's default
	PaymentMethod string
	Billing       Address
	ShippingTo    Address
	Seller        string
	Notes         string
	// CreatedAt overrides the creation time (imports keep the shop's);
	// zero = now.
	CreatedAt time.Time
	// DiscountLog holds the rows discount.Engine.Apply logged for this cart
	// (Result.Log). Place writes them, with the new order's id, in the
	// order's unit of work, so the log is exactly what was applied to
	// orders that exist. The store must keep a discount log (DiscountLogTx).
	DiscountLog []discount.LogRow
}

// lineField names a line's field in a ValidationError.
func lineField(i int, name string) string { return "lines[" + strconv.Itoa(i) + "]." + name }

// validate checks the input; it never writes.
func (n *NewOrder) validate() error {
	if !n.Channel.Type.Valid() {
		return &ValidationError{Field: "channel", Reason: fmt.Sprintf("unknown channel type %q", n.Channel.Type), Kind: ErrUnknownChannel}
	}
	if !KnownCurrency(n.Currency) {
		return &ValidationError{Field: "currency", Reason: fmt.Sprintf("%q is not an ISO 4217 code", n.Currency)}
	}
	if len(n.Lines) == 0 {
		return &ValidationError{Field: "lines", Reason: "an order needs at least one line"}
	}
	if strings.TrimSpace(n.Client.ID) == "" {
		return &ValidationError{Field: "client", Reason: "client id is empty"}
	}
	if err := validateLines(n.Lines, n.Currency); err != nil {
		return err
	}
	if n.DeliveryFee != nil && n.DeliveryFee.IsNegative() {
		return &ValidationError{Field: "delivery_fee", Reason: "negative"}
	}
	return nil
}

// validateLines checks the lines' own fields (product, quantity, prices,
// discount, tax rate).
func validateLines(lines []Line, currency string) error {
	for i, l := range lines {
		switch {
		case l.ProductID == "":
			return &ValidationError{Field: lineField(i, "product_id"), Reason: "empty"}
		case l.Quantity <= 0:
			return &ValidationError{Field: lineField(i, "quantity"), Reason: fmt.Sprintf("must be positive, got %d", l.Quantity)}
		case l.UnitPrice.IsNegative():
			return &ValidationError{Field: lineField(i, "unit_price"), Reason: "negative price " + l.UnitPrice.String()}
		case l.Discount.IsNegative():
			return &ValidationError{Field: lineField(i, "discount"), Reason: "negative discount"}
		case l.TaxRate.IsNegative():
			return &ValidationError{Field: lineField(i, "tax_rate"), Reason: "negative tax rate"}
		case l.UnitPrice.Exponent() < -8:
			return &ValidationError{Field: lineField(i, "unit_price"), Reason: "more than 8 decimal places"}
		}
		if l.Discount.IsZero() {
			continue
		}
		if l.Discount.GreaterThan(l.Gross(currency)) {
			return &ValidationError{Field: lineField(i, "discount"), Reason: "discount exceeds the line value"}
		}
		if l.Discount.Exponent() < -MinorUnits(currency) && !l.Discount.Equal(RoundMoney(l.Discount, currency)) {
			return &ValidationError{Field: lineField(i, "discount"), Reason: "discount has more decimals than " + currency, Kind: ErrCurrencyMismatch}
		}
	}
	return nil
}

// Check reports the first broken invariant of an order's facts as a
// *ValidationError: at least one valid line; per line 0 ≤ returned ≤
// delivered ≤ shipped ≤ quantity; paid and refunded not negative, in the
// currency's minor units, and refunded never more than paid. The core
// keeps every stored order valid; Change.Edit results are checked with it.
func (o *Order) Check() error {
	if len(o.Lines) == 0 {
		return &ValidationError{Field: "lines", Reason: "an order needs at least one line"}
	}
	if err := validateLines(o.Lines, o.Currency); err != nil {
		return err
	}
	for i, l := range o.Lines {
		if l.Returned < 0 || l.Returned > l.Delivered || l.Delivered > l.Shipped || l.Shipped > l.Quantity {
			return &ValidationError{Field: lineField(i, "fulfilment"), Reason: fmt.Sprintf(
				"need 0 ≤ returned (%d) ≤ delivered (%d) ≤ shipped (%d) ≤ quantity (%d)", l.Returned, l.Delivered, l.Shipped, l.Quantity)}
		}
	}
	for _, m := range [...]struct {
		field string
		v     decimal.Decimal
	}{{"paid", o.Paid}, {"refunded", o.Refunded}} {
		if m.v.IsNegative() {
			return &ValidationError{Field: m.field, Reason: "negative"}
		}
		if !m.v.Equal(RoundMoney(m.v, o.Currency)) {
			return &ValidationError{Field: m.field, Reason: "more decimals than " + o.Currency, Kind: ErrCurrencyMismatch}
		}
	}
	if o.Refunded.GreaterThan(o.Paid) {
		return &ValidationError{Field: "refunded", Reason: "refunded " + o.Refunded.String() + " exceeds paid " + o.Paid.String()}
	}
	return nil
}
