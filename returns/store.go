package returns

import (
	"context"
	"time"

	"github.com/azuvio/omnisales/oms"
)

// Store keeps return records, refunds, receipt notes, stock and loyalty
// reversals next to the orders of the oms.Store it extends, so that a
// return and the order change it causes commit together.
// adapters/memstore implements it.
//
// The method is named DoReturns rather than Do so that one type can
// implement both oms.Store and Store.
type Store interface {
	// DoReturns runs fn in one unit of work, exactly like oms.Store.Do:
	// when fn returns nil every write made through tx (orders, history,
	// events and the records below) is committed together; when it returns
	// an error or ctx ends, none is kept and DoReturns returns that error.
	// fn must not keep tx after it returns.
	//
	// Concurrent units of work that change the same order must not both
	// commit: oms.Tx.Update's version check (or the store's locking) makes
	// one of them fail with oms.ErrConflict. The service relies on this to
	// keep two racing requests from returning the same units.
	DoReturns(ctx context.Context, fn func(tx Tx) error) error
}

// Tx is one unit of work over orders and return records.
type Tx interface {
	oms.Tx
	Records
	RefundLedger
	Inventory
	Loyalty
}

// Records keeps return requests.
type Records interface {
	// GetReturn returns the record or an error wrapping ErrNotFound.
	GetReturn(ctx context.Context, id string) (Return, error)
	// InsertReturn adds r; the store assigns r.ID when it is empty (an
	// existing id is an error) and sets r.Version to 1.
	InsertReturn(ctx context.Context, r *Return) error
	// UpdateReturn stores r if the stored version equals r.Version and
	// sets r.Version to the next one; another version returns an error
	// wrapping oms.ErrConflict, a missing record ErrNotFound.
	UpdateReturn(ctx context.Context, r *Return) error
	// Returns lists the records matching f by (RequestedAt, ID).
	Returns(ctx context.Context, f Filter) ([]Return, error)
}

// RefundLedger keeps refunds.
type RefundLedger interface {
	// AddRefund appends r and assigns r.ID.
	AddRefund(ctx context.Context, r *Refund) error
	// Refunds lists an order's refunds in the order they were added.
	Refunds(ctx context.Context, orderID string) ([]Refund, error)
}

// Inventory keeps receipt notes and stock levels.
type Inventory interface {
	// AddReceipt stores a receipt note and assigns r.ID.
	AddReceipt(ctx context.Context, r *Receipt) error
	// GetReceipt returns a receipt note or an error wrapping ErrNotFound.
	GetReceipt(ctx context.Context, id string) (Receipt, error)
	// Restock adds e.Quantity to the product's stock level and records the
	// movement; it assigns e.ID.
	Restock(ctx context.Context, e *StockEntry) error
	// StockLevel returns the product's stock level (0 when unknown).
	StockLevel(ctx context.Context, productID string) (int64, error)
	// StockEntries lists the movements matching f in the order they were
	// recorded.
	StockEntries(ctx context.Context, f StockFilter) ([]StockEntry, error)
}

// Loyalty reads the points an order earned and records their reversal.
type Loyalty interface {
	// LoyaltyEarned returns the points the order earned (0 when none).
	LoyaltyEarned(ctx context.Context, orderID string) (int64, error)
	// LoyaltyReversals lists the order's reversals.
	LoyaltyReversals(ctx context.Context, orderID string) ([]LoyaltyReversal, error)
	// AddLoyaltyReversal records a reversal and assigns r.ID.
	AddLoyaltyReversal(ctx context.Context, r *LoyaltyReversal) error
}

// Filter selects return records. Zero fields match all.
type Filter struct {
	OrderID  string
	ClientID string
	// Approvals: empty matches every approval.
	Approvals []Approval
	// DecidedFrom (inclusive) and DecidedTo (exclusive) select on the
	// decision time; zero = open. A bound excludes undecided records.
	DecidedFrom, DecidedTo time.Time
}

// Match reports whether r passes f; stores may use it and must agree with it.
func (f *Filter) Match(r *Return) bool {
	if f.OrderID != "" && f.OrderID != r.OrderID {
		return false
	}
	if f.ClientID != "" && f.ClientID != r.ClientID {
		return false
	}
	if len(f.Approvals) > 0 {
		ok := false
		for _, a := range f.Approvals {
			ok = ok || a == r.Approval
		}
		if !ok {
			return false
		}
	}
	if !f.DecidedFrom.IsZero() || !f.DecidedTo.IsZero() {
		if r.DecidedAt.IsZero() {
			return false
		}
		if !f.DecidedFrom.IsZero() && r.DecidedAt.Before(f.DecidedFrom) {
			return false
		}
		if !f.DecidedTo.IsZero() && !r.DecidedAt.Before(f.DecidedTo) {
			return false
		}
	}
	return true
}

// StockFilter selects stock movements. Zero fields match all.
type StockFilter struct {
	ProductID string
	ReturnID  string
	ReceiptID string
	// FromReturns keeps only movements written for a return (ReturnID set).
	FromReturns bool
	// From (inclusive) and To (exclusive) on At; zero = open.
	From, To time.Time
}

// Match reports whether e passes f; stores may use it and must agree with it.
func (f *StockFilter) Match(e *StockEntry) bool {
	switch {
	case f.ProductID != "" && f.ProductID != e.ProductID,
		f.ReturnID != "" && f.ReturnID != e.ReturnID,
		f.ReceiptID != "" && f.ReceiptID != e.ReceiptID,
		f.FromReturns && e.ReturnID == "",
		!f.From.IsZero() && e.At.Before(f.From),
		!f.To.IsZero() && !e.At.Before(f.To):
		return false
	}
	return true
}
