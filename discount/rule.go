package discount

import (
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// RuleID identifies a rule; it must be positive. Lower ids win ties.
type RuleID int64

// ClientID identifies a client.
type ClientID string

// GroupID identifies a client group (VIP, Wholesale, Retail).
type GroupID string

// ProductID identifies a product.
type ProductID string

// ProductGroupID identifies a product group (Electronics, Textiles).
type ProductGroupID string

// ChannelID identifies a sales channel. On a rule, 0 means all channels.
type ChannelID int64

// StoreID identifies a WooCommerce store. On a rule, "" means all stores.
type StoreID string

// Kind is how a rule's Value is read. The numbers are the guide's "formal".
type Kind int

// Rule kinds.
const (
	Fixed   Kind = 0 // Value is an amount of money
	Percent Kind = 1 // Value is a percentage, 0–100, fractions allowed (12.5)
)

// String returns "fixed" or "percent".
func (k Kind) String() string {
	switch k {
	case Fixed:
		return "fixed"
	case Percent:
		return "percent"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Date is a calendar day, read in the shop's time zone. The zero Date, used
// as a rule's Start or End, leaves that end of the window open.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf returns the calendar day of t in loc (UTC when loc is nil).
func DateOf(t time.Time, loc *time.Location) Date {
	if loc == nil {
		loc = time.UTC
	}
	y, m, d := t.In(loc).Date()
	return Date{y, m, d}
}

// IsZero reports whether d is the zero Date.
func (d Date) IsZero() bool { return d == Date{} }

// String formats d as 2006-01-02.
func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day) }

// AddDays returns the day n days after d.
func (d Date) AddDays(n int) Date {
	y, m, dd := time.Date(d.Year, d.Month, d.Day+n, 12, 0, 0, 0, time.UTC).Date()
	return Date{y, m, dd}
}

// key orders dates as integers: yyyymmdd.
func (d Date) key() int32 { return int32(d.Year*10000 + int(d.Month)*100 + d.Day) }

func (d Date) valid() bool {
	y, m, dd := time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC).Date()
	return d.Year > 0 && d.Year < 100000 && y == d.Year && m == d.Month && dd == d.Day
}

// Rule is a trade discount or, when Voucher is set, a voucher. The fields
// follow the guide's omni_trade_discount; how each one matches a cart is in
// the package doc.
type Rule struct {
	ID   RuleID
	Name string // required
	// Start and End bound the days the rule is active, both inclusive, in the
	// shop's time zone ([Config.Location]); a zero Date leaves that end open.
	Start, End Date
	Kind       Kind
	// Value is the percentage for Percent, the amount for Fixed: per unit on
	// a product-scoped rule, once per cart on an order-level rule.
	Value decimal.Decimal
	// MinOrderValue is the cart subtotal (after tier pricing, before any
	// discount: the sum of the line totals, each rounded to the minor unit)
	// needed to activate the rule; zero means none.
	MinOrderValue decimal.Decimal
	// Currency of Value (when Fixed) and MinOrderValue, an ISO 4217 code in
	// any letter case; required when either is money, and then the rule
	// matches only carts in that currency. Empty on a Percent rule without
	// minimum: any currency.
	Currency string
	// Voucher is the code a cart must carry; empty means automatic. Codes
	// are compared trimmed and case-insensitively and are unique per engine;
	// a code of only white space is refused, not taken as automatic.
	Voucher string
	Channel ChannelID // 0 = all channels
	Store   StoreID   // "" = all stores
	// Clients and ClientGroups scope the rule to buyers; both empty = anyone.
	Clients      []ClientID
	ClientGroups []GroupID
	// Products and ProductGroups scope the rule to lines; both empty = an
	// order-level rule.
	Products      []ProductID
	ProductGroups []ProductGroupID
	// TotalLimit and PerClientLimit cap a voucher's redemptions (0 = no
	// cap). Only vouchers may have limits.
	TotalLimit, PerClientLimit int64
}

// OrderLevel reports whether the rule has no product scope.
func (r *Rule) OrderLevel() bool { return len(r.Products) == 0 && len(r.ProductGroups) == 0 }

// normCode is how voucher codes are compared.
func normCode(s string) string { return strings.ToUpper(strings.TrimSpace(s)) }

var hundred = decimal.NewFromInt(100)

// Validate reports the first problem of the rule as a [*RuleError], or nil.
func (r *Rule) Validate() error {
	bad := func(field, reason string) error {
		return &RuleError{Rule: r.ID, Field: field, Reason: reason}
	}
	switch {
	case r.ID <= 0:
		return bad("ID", "must be positive")
	case strings.TrimSpace(r.Name) == "":
		return bad("Name", "empty")
	case !r.Start.IsZero() && !r.Start.valid():
		return bad("Start", "not a calendar day: "+r.Start.String())
	case !r.End.IsZero() && !r.End.valid():
		return bad("End", "not a calendar day: "+r.End.String())
	case !r.Start.IsZero() && !r.End.IsZero() && r.End.key() < r.Start.key():
		return bad("End", fmt.Sprintf("%s is before start %s", r.End, r.Start))
	case r.Kind != Fixed && r.Kind != Percent:
		return bad("Kind", fmt.Sprintf("unknown kind %d", int(r.Kind)))
	case r.Value.IsNegative():
		return bad("Value", "negative")
	case r.Kind == Percent && r.Value.GreaterThan(hundred):
		return bad("Value", "percentage above 100")
	case r.MinOrderValue.IsNegative():
		return bad("MinOrderValue", "negative")
	case strings.TrimSpace(r.Currency) == "" && (r.Kind == Fixed || r.MinOrderValue.IsPositive()):
		return bad("Currency", "empty on a rule with an amount of money")
	case strings.TrimSpace(r.Currency) != "" && !KnownCurrency(r.Currency):
		return bad("Currency", checkCurrency(r.Currency))
	case r.Voucher != "" && normCode(r.Voucher) == "":
		return bad("Voucher", "only white space (leave it empty for an automatic rule)")
	case r.TotalLimit < 0:
		return bad("TotalLimit", "negative")
	case r.PerClientLimit < 0:
		return bad("PerClientLimit", "negative")
	case normCode(r.Voucher) == "" && (r.TotalLimit > 0 || r.PerClientLimit > 0):
		return bad("TotalLimit", "usage limits need a voucher code")
	}
	return nil
}
