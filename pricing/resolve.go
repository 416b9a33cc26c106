package pricing

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// Reason says why a candidate entry was passed over.
type Reason int

// Reasons a candidate is passed over.
const (
	ReasonLowerTier     Reason = iota + 1 // a higher-priority tier had a usable price
	ReasonHigherPrice                     // a lower price won inside the same tier
	ReasonExpired                         // the time is after ValidUntil
	ReasonNotYetValid                     // the time is before ValidFrom
	ReasonOtherCurrency                   // the list is in another currency
	ReasonBelowMinimum                    // the quantity is below MinQuantity
	ReasonOtherOwner                      // the list belongs to another client, group or channel
)

// String returns the reason in words.
func (r Reason) String() string {
	switch r {
	case ReasonLowerTier:
		return "lower tier"
	case ReasonHigherPrice:
		return "higher price in the same tier"
	case ReasonExpired:
		return "expired"
	case ReasonNotYetValid:
		return "not yet valid"
	case ReasonOtherCurrency:
		return "other currency"
	case ReasonBelowMinimum:
		return "below minimum quantity"
	case ReasonOtherOwner:
		return "other owner"
	}
	return fmt.Sprintf("Reason(%d)", int(r))
}

// Passed is a candidate that lost, and why.
type Passed struct {
	Offer  Offer
	Reason Reason
}

// Request asks for the unit price of one product.
type Request struct {
	Product  ProductID // required
	Client   ClientID  // may be empty (no client tier)
	Groups   []GroupID // the client's groups
	Channel  ChannelID // 0 = no channel tier
	Currency string    // ISO 4217 code (any letter case), required
	Quantity int64     // whole units, at least 1
	At       time.Time // the moment priced; the zero time is a request error
}

// Price is a resolved unit price with its trace.
type Price struct {
	Product  ProductID
	Currency string
	Unit     decimal.Decimal // as written in the winning entry
	Tier     Tier            // the tier that won
	Offer    Offer           // the entry that won
	Passed   []Passed        // every other candidate, sorted by tier, list, minimum quantity
}

func (r *Request) check(line int) error {
	bad := func(field, reason string) error { return &RequestError{Line: line, Field: field, Reason: reason} }
	switch {
	case r.Product == "":
		return bad("Product", "empty")
	case checkCurrency(r.Currency) != "":
		return bad("Currency", checkCurrency(r.Currency))
	case r.Quantity < 1:
		return bad("Quantity", fmt.Sprintf("%d is below 1", r.Quantity))
	case r.At.IsZero():
		return bad("At", "zero time")
	}
	return nil
}

// Resolve returns the unit price of req.Product from the first tier that has a
// usable entry (see the package doc). It returns a [*RequestError] for a bad
// request, a [*NoPriceError] when no tier prices the product, and the
// source's error wrapped when reading fails.
func Resolve(ctx context.Context, src Source, req Request) (Price, error) {
	if err := req.check(-1); err != nil {
		return Price{}, err
	}
	return resolve(ctx, src, &req)
}

func resolve(ctx context.Context, src Source, req *Request) (Price, error) {
	offers, err := src.Offers(ctx, req.Product, req.Client, req.Groups, req.Channel)
	if err != nil {
		return Price{}, fmt.Errorf("pricing: reading offers for product %q: %w", req.Product, err)
	}
	best := -1
	passed := make([]Passed, 0, len(offers))
	usable := make([]bool, len(offers))
	for i, o := range offers {
		if r := unusable(o, req); r != 0 {
			passed = append(passed, Passed{Offer: o, Reason: r})
			continue
		}
		usable[i] = true
		if best < 0 || better(o, offers[best]) {
			best = i
		}
	}
	if best < 0 {
		sortPassed(passed)
		return Price{}, &NoPriceError{Product: req.Product, Currency: req.Currency, Passed: passed}
	}
	win := offers[best]
	for i, o := range offers {
		if !usable[i] || i == best {
			continue
		}
		r := ReasonHigherPrice
		if o.Tier != win.Tier {
			r = ReasonLowerTier
		}
		passed = append(passed, Passed{Offer: o, Reason: r})
	}
	sortPassed(passed)
	return Price{Product: req.Product, Currency: win.Currency, Unit: win.Price,
		Tier: win.Tier, Offer: win, Passed: passed}, nil
}

// unusable returns why o cannot price req, or 0 when it can.
func unusable(o Offer, req *Request) Reason {
	switch {
	case o.Entry.Product != req.Product || !owns(o, req.Client, req.Groups, req.Channel):
		return ReasonOtherOwner
	case !strings.EqualFold(o.Currency, req.Currency):
		return ReasonOtherCurrency
	case !o.ValidFrom.IsZero() && req.At.Before(o.ValidFrom):
		return ReasonNotYetValid
	case !o.ValidUntil.IsZero() && req.At.After(o.ValidUntil):
		return ReasonExpired
	case req.Quantity < o.MinQuantity:
		return ReasonBelowMinimum
	}
	return 0
}

// better reports whether usable offer a beats usable offer b: higher tier,
// then lower price, then larger quantity break, then lower list id.
func better(a, b Offer) bool {
	if a.Tier != b.Tier {
		return a.Tier < b.Tier
	}
	if c := a.Price.Cmp(b.Price); c != 0 {
		return c < 0
	}
	if a.MinQuantity != b.MinQuantity {
		return a.MinQuantity > b.MinQuantity
	}
	if a.List != b.List {
		return a.List < b.List
	}
	return a.ValidFrom.After(b.ValidFrom)
}

func sortPassed(p []Passed) {
	slices.SortStableFunc(p, func(a, b Passed) int {
		return cmp.Or(
			cmp.Compare(a.Offer.Tier, b.Offer.Tier),
			cmp.Compare(a.Offer.List, b.Offer.List),
			cmp.Compare(a.Offer.MinQuantity, b.Offer.MinQuantity),
			a.Offer.Price.Cmp(b.Offer.Price),
			a.Offer.ValidFrom.Compare(b.Offer.ValidFrom),
		)
	})
}

// Cart asks for the prices of every line of a cart for one buyer.
type Cart struct {
	Client   ClientID
	Groups   []GroupID
	Channel  ChannelID
	Currency string // ISO 4217 code (any letter case), required
	At       time.Time
	Lines    []Line
}

// Line is one product and quantity of a [Cart].
type Line struct {
	Product  ProductID
	Quantity int64
}

// LinePrice is a priced cart line.
type LinePrice struct {
	Price
	Quantity int64
	// Total is Unit × Quantity rounded half-up to the currency's minor unit.
	Total decimal.Decimal
}

// CartPrice is a priced cart.
type CartPrice struct {
	Currency string
	Lines    []LinePrice     // in the order of the cart's lines
	Subtotal decimal.Decimal // the sum of the line totals
}

// ResolveCart prices every line of the cart in one call. It fails as a whole:
// the first line that cannot be priced returns its error (a [*RequestError]
// or, wrapped with the line index, a [*NoPriceError]) and no partial result.
func ResolveCart(ctx context.Context, src Source, cart Cart) (CartPrice, error) {
	if why := checkCurrency(cart.Currency); why != "" {
		return CartPrice{}, &RequestError{Line: -1, Field: "Currency", Reason: why}
	}
	if cart.At.IsZero() {
		return CartPrice{}, &RequestError{Line: -1, Field: "At", Reason: "zero time"}
	}
	exp := MinorUnits(cart.Currency)
	out := CartPrice{Currency: cart.Currency, Lines: make([]LinePrice, len(cart.Lines))}
	for i, l := range cart.Lines {
		req := Request{Product: l.Product, Client: cart.Client, Groups: cart.Groups,
			Channel: cart.Channel, Currency: cart.Currency, Quantity: l.Quantity, At: cart.At}
		if err := req.check(i); err != nil {
			return CartPrice{}, err
		}
		p, err := resolve(ctx, src, &req)
		if err != nil {
			return CartPrice{}, fmt.Errorf("pricing: cart line %d: %w", i, err)
		}
		total := p.Unit.Mul(decimal.NewFromInt(l.Quantity)).Round(exp)
		out.Lines[i] = LinePrice{Price: p, Quantity: l.Quantity, Total: total}
		out.Subtotal = out.Subtotal.Add(total)
	}
	return out, nil
}
