package returns

import (
	"fmt"
	"time"

	"github.com/azuvio/omnisales/oms"
	"github.com/shopspring/decimal"
)

// DefaultWithinDays is the return window when Config.ReturnWithinDays is
// nil (the guide's omni_return_request_within_x_day default).
const DefaultWithinDays = 30

// Config is the shop's return policy. The zero value is usable: a 30-day
// window counted in UTC, no restocking fee, no delivery-fee refund, no
// loyalty reversal, no policy text.
type Config struct {
	// ReturnWithinDays is the return window in calendar days after
	// delivery (omni_return_request_within_x_day). nil means 30; a pointer
	// to 0 means no window. Build it with Days. Negative is invalid.
	ReturnWithinDays *int
	// Location is the shop's time zone: days are counted between calendar
	// dates there. nil means UTC.
	Location *time.Location
	// Fee is the restocking fee (omni_fee_for_return_order) for lines
	// whose vendor has no entry in VendorFees. The zero Fee charges
	// nothing. A percentage must be within 0–MaxFeePercent (the guide's
	// 0–10% of value), a fixed amount not negative; NewService refuses
	// anything else with a *ValidationError.
	Fee Fee
	// VendorFees overrides Fee for the lines of a vendor, with the same
	// limits.
	VendorFees map[string]Fee
	// VendorOf names the vendor of a line. nil uses Line.ProductGroup,
	// the nearest thing to a vendor an oms.Line carries.
	VendorOf func(oms.Line) string
	// RefundDeliveryFeeOnFullReturn refunds the order's delivery fee with
	// the return that brings back the last delivered unit. Off: the
	// delivery fee is never refunded by a return.
	RefundDeliveryFeeOnFullReturn bool
	// RefundLoyaltyPoints reverses, on approval, the loyalty points earned
	// on the returned part of the order (omni_refund_loyaty_point).
	RefundLoyaltyPoints bool
	// PolicyText is shown to clients in the portal
	// (omni_return_policies_information).
	PolicyText string
	// Clock returns the current time; nil means time.Now.
	Clock func() time.Time
}

// Days returns a pointer to n for Config.ReturnWithinDays.
func Days(n int) *int { return &n }

// FeeKind says how a restocking fee is computed.
type FeeKind int

// MaxFeePercent is the largest percentage a FeePercent fee may charge:
// the guide's omni_fee_for_return_order is 0–10% of the value.
const MaxFeePercent = 10

// Fee kinds. The zero kind charges nothing.
const (
	NoFee FeeKind = iota
	// FeePercent charges Value percent (0–MaxFeePercent, fractions
	// allowed) of the returned value.
	FeePercent
	// FeeFixed charges Value, an amount in the order's currency, once per
	// return (per vendor when set in VendorFees).
	FeeFixed
)

// Fee is a restocking fee rule. The fee charged is rounded to the
// currency's minor unit (half away from zero) and never exceeds the value
// it is charged on, so a refund is never negative.
type Fee struct {
	Kind  FeeKind
	Value decimal.Decimal
}

// PercentFee returns a fee of pct percent of the returned value; pct must
// be within 0–MaxFeePercent for NewService to accept it.
func PercentFee(pct decimal.Decimal) Fee { return Fee{Kind: FeePercent, Value: pct} }

// FixedFee returns a fixed fee per return, in the order's currency.
func FixedFee(amount decimal.Decimal) Fee { return Fee{Kind: FeeFixed, Value: amount} }

// String describes the rule, e.g. "10%" or "15.00 fixed".
func (f Fee) String() string {
	switch f.Kind {
	case FeePercent:
		return f.Value.String() + "%"
	case FeeFixed:
		return f.Value.StringFixed(2) + " fixed"
	}
	return "no fee"
}

// charge returns the fee on base, capped at base.
func (f Fee) charge(base decimal.Decimal, currency string) decimal.Decimal {
	var fee decimal.Decimal
	switch f.Kind {
	case FeePercent:
		fee = oms.RoundMoney(base.Mul(f.Value).Shift(-2), currency)
	case FeeFixed:
		fee = oms.RoundMoney(f.Value, currency)
	}
	if fee.GreaterThan(base) {
		fee = base
	}
	if fee.IsNegative() {
		fee = decimal.Zero
	}
	return fee
}

func (f Fee) validate(field string) error {
	switch f.Kind {
	case NoFee:
		return nil
	case FeePercent:
		if f.Value.IsNegative() || f.Value.GreaterThan(decimal.NewFromInt(MaxFeePercent)) {
			return &ValidationError{Field: field, Reason: fmt.Sprintf("percentage must be between 0 and %d (the guide's 0–10%% of value), got %s",
				MaxFeePercent, f.Value)}
		}
	case FeeFixed:
		if f.Value.IsNegative() {
			return &ValidationError{Field: field, Reason: "negative fixed fee " + f.Value.String()}
		}
	default:
		return &ValidationError{Field: field, Reason: fmt.Sprintf("unknown fee kind %d", f.Kind)}
	}
	return nil
}

func (c *Config) validate() error {
	if c.ReturnWithinDays != nil && *c.ReturnWithinDays < 0 {
		return &ValidationError{Field: "config.return_within_days", Reason: "negative"}
	}
	if err := c.Fee.validate("config.fee"); err != nil {
		return err
	}
	for v, f := range c.VendorFees {
		if err := f.validate("config.vendor_fees[" + v + "]"); err != nil {
			return err
		}
	}
	return nil
}

// Policy is what the portal shows a client about returns.
type Policy struct {
	// Text is Config.PolicyText.
	Text string
	// WithinDays is the window in days; 0 means no window.
	WithinDays int
	// Fee is the general restocking fee; VendorFees the vendor overrides.
	Fee        Fee
	VendorFees map[string]Fee
	// DeliveryFeeRefunded says whether a full return refunds delivery.
	DeliveryFeeRefunded bool
	// LoyaltyReversed says whether returns take back loyalty points.
	LoyaltyReversed bool
}
