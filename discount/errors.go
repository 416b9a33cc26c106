package discount

import (
	"errors"
	"fmt"
	"strings"

	"github.com/shopspring/decimal"
)

// Sentinel errors. The typed errors below unwrap to them.
var (
	// ErrInvalidRule: a rule failed validation, two rules share an id or
	// a voucher code, or the engine's [Config] is invalid.
	ErrInvalidRule = errors.New("discount: invalid rule")
	// ErrInvalidCart: a cart is malformed.
	ErrInvalidCart = errors.New("discount: invalid cart")
	// ErrVoucherRefused: a voucher code was not accepted; a
	// [*VoucherError] says why.
	ErrVoucherRefused = errors.New("discount: voucher refused")
	// ErrNotRedeemed: a release named a redemption the ledger does not hold.
	ErrNotRedeemed = errors.New("discount: voucher not redeemed")
)

// RuleError says which field of a rule is wrong, or which field of the
// engine's [Config] (then Rule is 0 and Field starts with "Config.", as in
// "Config.Policy"). errors.As target: *RuleError.
type RuleError struct {
	Rule   RuleID
	Field  string
	Reason string
}

// Error describes the problem for logs and people.
func (e *RuleError) Error() string {
	if f, ok := strings.CutPrefix(e.Field, "Config."); ok && e.Rule == 0 {
		return fmt.Sprintf("discount: config: %s %s", f, e.Reason)
	}
	return fmt.Sprintf("discount: rule %d: %s %s", e.Rule, e.Field, e.Reason)
}

// Unwrap returns ErrInvalidRule.
func (e *RuleError) Unwrap() error { return ErrInvalidRule }

// CartError says which field of a cart is wrong; Line is the line index, or
// -1 for a cart-level field. errors.As target: *CartError.
type CartError struct {
	Line   int
	Field  string
	Reason string
}

// Error describes the problem for logs and people.
func (e *CartError) Error() string {
	if e.Line >= 0 {
		return fmt.Sprintf("discount: cart line %d: %s %s", e.Line, e.Field, e.Reason)
	}
	return fmt.Sprintf("discount: cart: %s %s", e.Field, e.Reason)
}

// Unwrap returns ErrInvalidCart.
func (e *CartError) Unwrap() error { return ErrInvalidCart }

// Refusal is why a voucher was not accepted. Reasons are checked in the order
// they are declared and the first that holds is reported.
type Refusal int

// Refusal reasons.
const (
	RefusedUnknown           Refusal = iota + 1 // no rule has the code
	RefusedNotYetValid                          // the cart's day is before Start
	RefusedExpired                              // the cart's day is after End
	RefusedOtherChannel                         // the rule is for another channel
	RefusedOtherStore                           // the rule is for another store
	RefusedOtherCurrency                        // the rule's amounts are in another currency
	RefusedClientNotEligible                    // neither the client nor its groups are listed
	RefusedNoEligibleProduct                    // no cart line is in the rule's product scope
	RefusedBelowMinimum                         // the subtotal is below MinOrderValue; see Missing
	RefusedUsageExhausted                       // the total or per-client limit is used up
	// RefusedNothingToDiscount: the voucher would save nothing, because
	// every line it covers is already free (or priced at zero) or the
	// voucher is worth nothing; it is not applied, so a limited voucher is
	// not used up for nothing.
	RefusedNothingToDiscount
)

var refusalText = map[Refusal]string{
	RefusedUnknown:           "unknown code",
	RefusedNotYetValid:       "not yet valid",
	RefusedExpired:           "expired",
	RefusedOtherChannel:      "not valid on this channel",
	RefusedOtherStore:        "not valid in this store",
	RefusedOtherCurrency:     "not valid in this currency",
	RefusedClientNotEligible: "client not eligible",
	RefusedNoEligibleProduct: "no eligible product in the cart",
	RefusedBelowMinimum:      "below the minimum order value",
	RefusedUsageExhausted:    "usage exhausted",
	RefusedNothingToDiscount: "nothing to discount",
}

// String returns the reason in words a portal can show.
func (r Refusal) String() string {
	if s, ok := refusalText[r]; ok {
		return s
	}
	return fmt.Sprintf("Refusal(%d)", int(r))
}

// VoucherError says why a voucher was refused. errors.As target:
// *VoucherError; errors.Is matches ErrVoucherRefused.
type VoucherError struct {
	Code   string // the code as the cart carried it, trimmed
	Rule   RuleID // 0 when the code is unknown
	Reason Refusal
	// Missing is how much the subtotal lacks to reach the minimum order
	// value, in Currency; set only for RefusedBelowMinimum.
	Missing  decimal.Decimal
	Currency string
}

// Error describes the problem for logs and people.
func (e *VoucherError) Error() string {
	if e.Reason == RefusedBelowMinimum {
		return fmt.Sprintf("discount: voucher %q: %s (%s %s missing)", e.Code, e.Reason, e.Missing.String(), e.Currency)
	}
	return fmt.Sprintf("discount: voucher %q: %s", e.Code, e.Reason)
}

// Unwrap returns ErrVoucherRefused.
func (e *VoucherError) Unwrap() error { return ErrVoucherRefused }
