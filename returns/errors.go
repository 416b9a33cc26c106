package returns

import (
	"errors"
	"fmt"
	"time"

	"github.com/azuvio/omnisales/oms"
	"github.com/shopspring/decimal"
)

// Sentinel errors: test the kind of a failure with errors.Is. Permission
// refusals are the core's *oms.ForbiddenError (errors.Is oms.ErrForbidden),
// and a missing order is oms.ErrNotFound.
var (
	// ErrNotFound: no return, receipt or refund with that id.
	ErrNotFound = errors.New("returns: not found")
	// ErrInvalid: a malformed request or configuration. The detail is a
	// *ValidationError.
	ErrInvalid = errors.New("returns: invalid input")
	// ErrWindowExceeded: the request comes after the return window. The
	// detail is a *WindowError.
	ErrWindowExceeded = errors.New("returns: return window exceeded")
	// ErrOverReturn: more units than were delivered and not yet returned or
	// requested. The detail is an *OverReturnError.
	ErrOverReturn = errors.New("returns: more than delivered")
	// ErrNotReturnable: the order's status or facts do not allow a return
	// (not delivered, nothing left to return, fully refunded). The detail is
	// an *OrderStateError.
	ErrNotReturnable = errors.New("returns: order cannot be returned")
	// ErrReturnPending: the order already has a request waiting for a
	// decision; decide it before asking again. The detail is an
	// *OrderStateError naming the pending return.
	ErrReturnPending = errors.New("returns: a return request is already pending")
	// ErrAlreadyDecided: the return was decided the other way (approving a
	// rejected return or rejecting an approved one). The detail is a
	// *DecisionError.
	ErrAlreadyDecided = errors.New("returns: return already decided")
	// ErrOverRefund: the refund would exceed what the client paid, or what
	// is still due on the return. The detail is an *OverRefundError.
	ErrOverRefund = errors.New("returns: refund exceeds what was paid")
)

// ValidationError names the offending field. errors.As target:
// *ValidationError. It wraps ErrInvalid.
type ValidationError struct {
	Field  string
	Reason string
}

func (e *ValidationError) Error() string {
	return fmt.Sprintf("returns: invalid %s: %s", e.Field, e.Reason)
}

// Unwrap returns ErrInvalid.
func (e *ValidationError) Unwrap() error { return ErrInvalid }

// WindowError says by how many days a request missed the return window.
// errors.As target: *WindowError. It wraps ErrWindowExceeded.
type WindowError struct {
	OrderID     string
	DeliveredAt time.Time
	RequestedAt time.Time
	// Days is the number of calendar days since delivery, in the shop's
	// time zone; Limit is the window; Over = Days − Limit.
	Days, Limit, Over int
}

func (e *WindowError) Error() string {
	unit := "days"
	if e.Over == 1 {
		unit = "day"
	}
	return fmt.Sprintf("returns: order %s: return window of %d days exceeded by %d %s (delivered %s, requested %s)",
		e.OrderID, e.Limit, e.Over, unit, e.DeliveredAt.Format(time.DateOnly), e.RequestedAt.Format(time.DateOnly))
}

// Unwrap returns ErrWindowExceeded.
func (e *WindowError) Unwrap() error { return ErrWindowExceeded }

// OverReturnError names the line asked for beyond what can be returned.
// errors.As target: *OverReturnError. It wraps ErrOverReturn.
type OverReturnError struct {
	OrderID   string
	Line      int
	ProductID string
	// Requested by this request; Delivered on the line; Taken by other
	// approved or pending requests.
	Requested, Delivered, Taken int64
}

func (e *OverReturnError) Error() string {
	return fmt.Sprintf("returns: order %s line %d (%s): %d requested but only %d of %d delivered are left to return",
		e.OrderID, e.Line, e.ProductID, e.Requested, max(e.Delivered-e.Taken, 0), e.Delivered)
}

// Unwrap returns ErrOverReturn.
func (e *OverReturnError) Unwrap() error { return ErrOverReturn }

// OrderStateError says why the order cannot take a return now. errors.As
// target: *OrderStateError. It wraps Kind: ErrNotReturnable or
// ErrReturnPending.
type OrderStateError struct {
	OrderID string
	Status  oms.Status
	// Pending is the id of the waiting request when Kind is
	// ErrReturnPending.
	Pending string
	Detail  string
	Kind    error
}

func (e *OrderStateError) Error() string {
	return fmt.Sprintf("returns: order %s (%s): %s", e.OrderID, e.Status.Label(), e.Detail)
}

// Unwrap returns Kind.
func (e *OrderStateError) Unwrap() error { return e.Kind }

// DecisionError reports a decision on a return already decided otherwise.
// errors.As target: *DecisionError. It wraps ErrAlreadyDecided.
type DecisionError struct {
	ReturnID string
	Approval Approval
	Wanted   Approval
}

func (e *DecisionError) Error() string {
	return fmt.Sprintf("returns: return %s is already %s; cannot mark it %s", e.ReturnID, e.Approval, e.Wanted)
}

// Unwrap returns ErrAlreadyDecided.
func (e *DecisionError) Unwrap() error { return ErrAlreadyDecided }

// OverRefundError reports a refund above what may be refunded. errors.As
// target: *OverRefundError. It wraps ErrOverRefund.
type OverRefundError struct {
	OrderID  string
	ReturnID string
	// Requested is the refund asked for; Limit what could still be
	// refunded (Paid − Refunded of the order, or what is still due on the
	// return when that is smaller).
	Requested, Limit decimal.Decimal
	Paid, Refunded   decimal.Decimal
	Currency         string
}

func (e *OverRefundError) Error() string {
	n := oms.MinorUnits(e.Currency)
	msg := fmt.Sprintf("returns: order %s: refund of %s %s exceeds the %s %s that may still be refunded (paid %s, refunded %s)",
		e.OrderID, e.Requested.StringFixed(n), e.Currency, e.Limit.StringFixed(n), e.Currency, e.Paid.StringFixed(n), e.Refunded.StringFixed(n))
	if e.ReturnID != "" {
		msg += " for return " + e.ReturnID
	}
	return msg
}

// Unwrap returns ErrOverRefund.
func (e *OverRefundError) Unwrap() error { return ErrOverRefund }

func forbid(a oms.Actor, p oms.Permission, action string) error {
	return &oms.ForbiddenError{Actor: a.ID, Permission: p, Action: action}
}
