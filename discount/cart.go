package discount

import (
	"time"

	"github.com/shopspring/decimal"
)

// Cart is what the engine discounts: the buyer, where they buy, and lines
// already priced by tier pricing.
type Cart struct {
	Client   ClientID
	Groups   []GroupID // the client's groups
	Channel  ChannelID
	Store    StoreID
	Currency string    // ISO 4217 code (any letter case), required
	Voucher  string    // the code the client entered, if any
	At       time.Time // when the cart is priced; required
	Lines    []Line    // at least one
}

// Line is one product of a cart with its tier price.
type Line struct {
	Product       ProductID // required
	ProductGroups []ProductGroupID
	Quantity      int64           // whole units, at least 1
	UnitPrice     decimal.Decimal // the tier price, not negative
}

// Result is a discounted cart. Line totals and savings are authoritative and
// exact (savings are computed per unit at full precision and rounded once
// per line, see the package doc); unit figures derived from them are
// informational.
type Result struct {
	Currency string
	Lines    []LineResult    // in the order of the cart's lines
	Subtotal decimal.Decimal // sum of line totals before discounts
	Discount decimal.Decimal // sum of line discounts
	Total    decimal.Decimal // Subtotal − Discount, never below zero
	// Voucher is the code applied (normalised), or "".
	Voucher string
	// VoucherRefused says why the cart's code was not applied; nil when the
	// cart carried no code or the code applied.
	VoucherRefused *VoucherError
	// Redemption is set when a voucher applied, that is saved something
	// (a voucher that would save nothing is refused with
	// RefusedNothingToDiscount); the caller commits it with [Ledger.Redeem]
	// before placing the order, and places this result only if that
	// succeeds (see "Checkout with a voucher" in the package doc).
	Redemption *Redemption
	// Log holds one row per rule that saved something on a line, in line
	// order and, within a line, in the order the rules were applied.
	Log []LogRow
}

// LineResult is one discounted line.
type LineResult struct {
	Product   ProductID
	Quantity  int64
	UnitPrice decimal.Decimal // the tier price as given
	// UnitDiscount is Discount / Quantity at the currency's minor unit plus
	// four decimals; UnitPriceAfter is UnitPrice − UnitDiscount.
	UnitDiscount, UnitPriceAfter decimal.Decimal
	Total                        decimal.Decimal // UnitPrice × Quantity, rounded half-up to the minor unit
	Discount                     decimal.Decimal // sum of Applied savings
	TotalAfter                   decimal.Decimal // Total − Discount, never below zero
	Applied                      []Applied
}

// Applied is one rule's saving on one line.
type Applied struct {
	Rule    RuleID
	Name    string
	Voucher string          // the rule's code (normalised), "" for automatic rules
	Saved   decimal.Decimal // on the whole line, in minor units
}

// LogRow is one row of the applied-discount log (omni_log_discount): what a
// rule saved on a line, recorded when applied and never re-derived.
//
// When two rules apply to a line (a trade discount and then a voucher) the
// line has two rows, chained: the second row's original figures are the
// first row's figures after.
type LogRow struct {
	Rule     RuleID
	RuleName string
	Client   ClientID
	Product  ProductID
	// Order is empty until the cart becomes an order; see [Result.SetOrder].
	Order   string
	Channel ChannelID
	Voucher string // normalised code, "" for automatic rules
	// OriginalPrice and PriceAfter are unit prices before and after this rule
	// (informational, minor unit plus four decimals).
	OriginalPrice, PriceAfter decimal.Decimal
	// OriginalTotal and TotalAfter are the line totals before and after this
	// rule; Saved = OriginalTotal − TotalAfter exactly.
	OriginalTotal, TotalAfter, Saved decimal.Decimal
	Quantity                         int64
	Currency                         string
	At                               time.Time // the cart's time
}

// Redemption is one use of a voucher, to be committed with [Ledger.Redeem]
// before the order is placed. The limits are copied from the rule when the
// cart was discounted, and ledgers enforce the limits a Redemption carries:
// pass the one [Result] holds, changing only Order.
type Redemption struct {
	Rule   RuleID
	Code   string
	Client ClientID
	// Order is the order id ([Result.SetOrder]) or, when the order does not
	// exist yet, a reference unique to the checkout; it makes Redeem
	// idempotent and lets Release give back exactly this use.
	Order          string
	TotalLimit     int64
	PerClientLimit int64
}

// SetOrder records the order id on every log row and on the redemption, for
// a caller that knows the id before placing the order. With oms, whose
// Service.Place assigns the id and names the log rows itself, set only
// Redemption.Order, to a checkout reference.
func (r *Result) SetOrder(order string) {
	for i := range r.Log {
		r.Log[i].Order = order
	}
	if r.Redemption != nil {
		r.Redemption.Order = order
	}
}
