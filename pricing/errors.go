package pricing

import (
	"errors"
	"fmt"
)

// Sentinel errors; the typed errors below unwrap to them.
var (
	// ErrNoPrice: no tier has a usable price for the product.
	ErrNoPrice = errors.New("pricing: no price")
	// ErrInvalidList: a price list failed validation.
	ErrInvalidList = errors.New("pricing: invalid price list")
	// ErrInvalidRequest: a request or cart is malformed.
	ErrInvalidRequest = errors.New("pricing: invalid request")
)

// NoPriceError says that no tier priced a product, and lists every candidate
// that was passed over and why. errors.As target: *NoPriceError.
type NoPriceError struct {
	Product  ProductID
	Currency string
	Passed   []Passed
}

// Error describes the problem for logs and people.
func (e *NoPriceError) Error() string {
	return fmt.Sprintf("pricing: no price for product %q in %s (%d candidates passed over)",
		e.Product, e.Currency, len(e.Passed))
}

// Unwrap returns ErrNoPrice.
func (e *NoPriceError) Unwrap() error { return ErrNoPrice }

// ListError says which field of a price list is wrong. Entry is the index of
// the entry, or -1 for a field of the list itself. errors.As target:
// *ListError.
type ListError struct {
	List   string
	Entry  int
	Field  string
	Reason string
}

// Error describes the problem for logs and people.
func (e *ListError) Error() string {
	if e.Entry >= 0 {
		return fmt.Sprintf("pricing: price list %q entry %d: %s %s", e.List, e.Entry, e.Field, e.Reason)
	}
	return fmt.Sprintf("pricing: price list %q: %s %s", e.List, e.Field, e.Reason)
}

// Unwrap returns ErrInvalidList.
func (e *ListError) Unwrap() error { return ErrInvalidList }

// RequestError says which field of a request is wrong. Line is the cart line
// index, or -1 for a single request or a cart-level field. errors.As target:
// *RequestError.
type RequestError struct {
	Line   int
	Field  string
	Reason string
}

// Error describes the problem for logs and people.
func (e *RequestError) Error() string {
	if e.Line >= 0 {
		return fmt.Sprintf("pricing: line %d: %s %s", e.Line, e.Field, e.Reason)
	}
	return fmt.Sprintf("pricing: %s %s", e.Field, e.Reason)
}

// Unwrap returns ErrInvalidRequest.
func (e *RequestError) Unwrap() error { return ErrInvalidRequest }
