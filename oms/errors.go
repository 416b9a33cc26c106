package oms

import (
	"errors"
	"fmt"
)

// Sentinel errors: test the kind of a failure with errors.Is.
var (
	// ErrNotFound: no order with that id or external key.
	ErrNotFound = errors.New("oms: order not found")
	// ErrConflict: the order changed since it was read (stale version).
	ErrConflict = errors.New("oms: concurrent update conflict")
	// ErrDuplicate: an order with the same (channel, store, external id) exists.
	ErrDuplicate = errors.New("oms: duplicate external id")
	// ErrInvalidTransition: the lifecycle or a guard refuses the event.
	// The detail is a *TransitionError.
	ErrInvalidTransition = errors.New("oms: invalid transition")
	// ErrForbidden: the acting user lacks the permission. The detail is a
	// *ForbiddenError.
	ErrForbidden = errors.New("oms: forbidden")
	// ErrInvalidOrder: the order or the request is malformed. The detail is
	// a *ValidationError.
	ErrInvalidOrder = errors.New("oms: invalid order")
	// ErrUnknownStatus: a status code or name that is not one of the 17.
	ErrUnknownStatus = errors.New("oms: unknown status")
	// ErrUnknownChannel: the channel is not configured.
	ErrUnknownChannel = errors.New("oms: unknown channel")
	// ErrCurrencyMismatch: amounts in different currencies were combined.
	ErrCurrencyMismatch = errors.New("oms: currency mismatch")
	// ErrUnknownEvent: an event name that is not in the lifecycle table.
	ErrUnknownEvent = errors.New("oms: unknown event")
	// ErrUnsupported: the store lacks an optional part the call needs (a
	// discount log).
	ErrUnsupported = errors.New("oms: not supported by the store")
	// ErrLinesFrozen: the lines' commercial fields (products, quantities,
	// prices, discounts, tax rates) may no longer change, because the
	// order was confirmed or paid. The detail is a *ValidationError.
	ErrLinesFrozen = errors.New("oms: order lines are frozen")
)

// TransitionError says why an event was refused. errors.As target:
// *TransitionError. It wraps ErrInvalidTransition.
type TransitionError struct {
	OrderID string
	From    Status
	Event   EventName
	// Guard names the rule that refused, e.g. "approval", "awb",
	// "table" when the lifecycle has no such move.
	Guard  string
	Detail string
}

// Error says which event was refused from which status, by which guard.
func (e *TransitionError) Error() string {
	msg := fmt.Sprintf("oms: order %s: %s from %s refused by %s", e.OrderID, e.Event, e.From, e.Guard)
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	return msg
}

// Unwrap returns ErrInvalidTransition.
func (e *TransitionError) Unwrap() error { return ErrInvalidTransition }

// ForbiddenError names the actor and the missing permission. errors.As
// target: *ForbiddenError. It wraps ErrForbidden.
type ForbiddenError struct {
	Actor      string
	Permission Permission
	Action     string
}

// Error names the actor, the action and the permission it needs.
func (e *ForbiddenError) Error() string {
	return fmt.Sprintf("oms: %s may not %s (needs %s)", e.Actor, e.Action, e.Permission)
}

// Unwrap returns ErrForbidden.
func (e *ForbiddenError) Unwrap() error { return ErrForbidden }

// ValidationError names the offending field. errors.As target:
// *ValidationError. It wraps ErrInvalidOrder, or Kind when set (for
// example ErrCurrencyMismatch or ErrUnknownChannel).
type ValidationError struct {
	Field  string
	Reason string
	Kind   error
}

// Error names the field and the reason.
func (e *ValidationError) Error() string {
	return fmt.Sprintf("oms: invalid %s: %s", e.Field, e.Reason)
}

// Unwrap returns the kind (ErrInvalidOrder unless more specific).
func (e *ValidationError) Unwrap() []error {
	if e.Kind != nil {
		return []error{e.Kind, ErrInvalidOrder}
	}
	return []error{ErrInvalidOrder}
}

// UnknownStatusError carries the value that failed to parse. errors.As
// target: *UnknownStatusError. It wraps ErrUnknownStatus.
type UnknownStatusError struct{ Value string }

// Error quotes the value that is not a status.
func (e *UnknownStatusError) Error() string { return fmt.Sprintf("oms: unknown status %q", e.Value) }

// Unwrap returns ErrUnknownStatus.
func (e *UnknownStatusError) Unwrap() error { return ErrUnknownStatus }
