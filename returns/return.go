package returns

import (
	"slices"
	"strconv"
	"time"

	"github.com/shopspring/decimal"
)

// Approval is the stored approval of a return request (the guide's
// approval column): 0 pending, 1 approved, 2 rejected. The zero value is
// Pending.
type Approval int

// Approval values, as stored.
const (
	Pending  Approval = 0
	Approved Approval = 1
	Rejected Approval = 2
)

// String returns "pending", "approved" or "rejected".
func (a Approval) String() string {
	switch a {
	case Pending:
		return "pending"
	case Approved:
		return "approved"
	case Rejected:
		return "rejected"
	}
	return "Approval(" + strconv.Itoa(int(a)) + ")"
}

// Type is the guide's return_type.
type Type string

// Return types.
const (
	// TypeManual is a return an operator records by hand (staff only): any
	// items, no check that they cover or do not cover the whole order.
	TypeManual Type = "manual"
	// TypePartial returns some of what is left to return.
	TypePartial Type = "partially"
	// TypeFull returns everything delivered and not yet returned; a request
	// of this type with no items means exactly that.
	TypeFull Type = "fully"
)

// ItemRequest asks to return Quantity units of the order's line at index
// Line (the position in oms.Order.Lines).
type ItemRequest struct {
	Line     int
	Quantity int64
}

// Request is the input of Service.Create and Service.Quote.
type Request struct {
	OrderID string
	// Type "" is derived: TypeFull when the items cover everything left
	// to return, TypePartial otherwise.
	Type   Type
	Items  []ItemRequest
	Reason string
}

// Item is one returned line with the money it stands for. The amounts are
// the returned units' cent-exact shares of the line (see the package
// documentation, "Money").
type Item struct {
	Line      int    `json:"line"`
	ProductID string `json:"product_id"`
	SKU       string `json:"sku,omitempty"`
	Name      string `json:"name,omitempty"`
	Vendor    string `json:"vendor,omitempty"`
	Quantity  int64  `json:"quantity"`
	// Gross is quantity × unit price; Discount the share of the line's
	// discount (order-level share included); Net = Gross − Discount; Tax the
	// share of the line's tax; Paid = Net + Tax, what the client paid.
	Gross    decimal.Decimal `json:"gross"`
	Discount decimal.Decimal `json:"discount"`
	Net      decimal.Decimal `json:"net"`
	Tax      decimal.Decimal `json:"tax"`
	Paid     decimal.Decimal `json:"paid"`
}

// Return is a return request (the guide's OmniSales return) with its
// decision and what the decision did.
type Return struct {
	ID       string `json:"id"`
	OrderID  string `json:"order_id"`
	ClientID string `json:"client_id"`
	Type     Type   `json:"type"`
	Items    []Item `json:"items"`
	Reason   string `json:"reason"`
	// RequestedBy is the actor's id; ViaPortal is set when a portal client
	// asked.
	RequestedBy string    `json:"requested_by"`
	ViaPortal   bool      `json:"via_portal"`
	RequestedAt time.Time `json:"requested_at"`

	Approval     Approval  `json:"approval"`
	DecidedBy    string    `json:"decided_by,omitempty"`
	DecidedAt    time.Time `json:"decided_at,omitzero"`
	DecisionNote string    `json:"decision_note,omitempty"`

	// Money, in Currency. Value is what the client paid for the items;
	// Fee the restocking fee (≤ Value); DeliveryFee the order's delivery
	// fee when it is refunded with this return; RefundDue = Value − Fee +
	// DeliveryFee; Refunded what was refunded against this return so far.
	// The amounts are a quote while the request is pending and final once
	// approved.
	Currency    string          `json:"currency"`
	Value       decimal.Decimal `json:"value"`
	Fee         decimal.Decimal `json:"fee"`
	DeliveryFee decimal.Decimal `json:"delivery_fee"`
	RefundDue   decimal.Decimal `json:"refund_due"`
	Refunded    decimal.Decimal `json:"refunded"`
	// Full is set when the return leaves nothing delivered on the order.
	Full bool `json:"full"`

	// ReceiptID is the receipt note that put the goods back in stock (the
	// guide's receipt_delivery_id); set on approval.
	ReceiptID string `json:"receipt_id,omitempty"`
	// LoyaltyPoints is how many points were reversed on approval.
	LoyaltyPoints int64 `json:"loyalty_points"`

	// Version increases with every stored change (optimistic concurrency).
	Version int64 `json:"version"`
}

// Clone returns a deep copy, so stores can copy in and out.
func (r Return) Clone() Return {
	r.Items = slices.Clone(r.Items)
	return r
}

// Quantity returns the total number of units returned.
func (r *Return) Quantity() int64 {
	var n int64
	for _, it := range r.Items {
		n += it.Quantity
	}
	return n
}

// Outstanding returns what is still due to the client on an approved
// return: RefundDue − Refunded.
func (r *Return) Outstanding() decimal.Decimal { return r.RefundDue.Sub(r.Refunded) }

// Refund is one refund paid back to a client (the guide's omni_refunds).
type Refund struct {
	ID       string `json:"id"`
	OrderID  string `json:"order_id"`
	ReturnID string `json:"return_id,omitempty"`
	// Amount in Currency, positive.
	Amount   decimal.Decimal `json:"amount"`
	Currency string          `json:"currency"`
	// PaymentMode is the order's payment method: money goes back the way
	// it came.
	PaymentMode string    `json:"payment_mode"`
	RefundedOn  time.Time `json:"refunded_on"`
	Note        string    `json:"note,omitempty"`
	By          string    `json:"by"`
}

// Receipt is a receipt note: goods that re-entered the warehouse.
type Receipt struct {
	ID       string        `json:"id"`
	ReturnID string        `json:"return_id"`
	OrderID  string        `json:"order_id"`
	Lines    []ReceiptLine `json:"lines"`
	At       time.Time     `json:"at"`
}

// ReceiptLine is one product on a receipt note.
type ReceiptLine struct {
	ProductID string `json:"product_id"`
	SKU       string `json:"sku,omitempty"`
	Quantity  int64  `json:"quantity"`
}

// Clone returns a deep copy.
func (r Receipt) Clone() Receipt {
	r.Lines = slices.Clone(r.Lines)
	return r
}

// StockEntry is one movement of inventory: the guide's
// inventory_number += Quantity. Entries written by returns carry the
// receipt and the return they come from; reconciliation matches them.
type StockEntry struct {
	ID        string    `json:"id"`
	ProductID string    `json:"product_id"`
	Quantity  int64     `json:"quantity"`
	ReceiptID string    `json:"receipt_id,omitempty"`
	ReturnID  string    `json:"return_id,omitempty"`
	At        time.Time `json:"at"`
}

// LoyaltyReversal takes back loyalty points earned on an order.
type LoyaltyReversal struct {
	ID       string    `json:"id"`
	OrderID  string    `json:"order_id"`
	ReturnID string    `json:"return_id"`
	ClientID string    `json:"client_id"`
	Points   int64     `json:"points"`
	At       time.Time `json:"at"`
}
