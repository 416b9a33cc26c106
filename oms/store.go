package oms

import (
	"context"
	"fmt"
	"strconv"
	"time"
)

// Store keeps orders, their history and the event outbox. Implementations
// must be safe for concurrent use. adapters/memstore and adapters/pgstore
// implement it; oms/storetest checks any implementation.
//
// Reads outside Do see only committed data.
type Store interface {
	// Do runs fn in one unit of work. When fn returns nil the writes are
	// committed together; when it returns an error (or ctx ends) none of
	// them is kept and Do returns that error. fn must not call the Store's
	// own methods (only tx's), and must not keep tx after it returns.
	Do(ctx context.Context, fn func(tx Tx) error) error

	// Get returns the order or an error wrapping ErrNotFound.
	Get(ctx context.Context, id string) (Order, error)
	// GetByExternal returns the order with that key or ErrNotFound.
	GetByExternal(ctx context.Context, key ExternalKey) (Order, error)
	// List returns orders matching f in (CreatedAt, ID) order, at most
	// p.Limit (0 = 100) after p.Cursor. Cursors stay valid while orders
	// are inserted: a walk never repeats or skips an order that existed
	// when it started.
	List(ctx context.Context, f Filter, p Page) (OrderPage, error)
	// History returns an order's entries in the order they were appended.
	History(ctx context.Context, orderID string) ([]HistoryEntry, error)

	// ClaimEvents leases up to limit unacknowledged events, oldest first,
	// whose lease is free or expired, to worker until now+lease. An event
	// is claimed by one worker at a time; a worker that dies loses its
	// claim when the lease expires.
	ClaimEvents(ctx context.Context, worker string, limit int, lease time.Duration) ([]Event, error)
	// AckEvents marks events as dispatched; they are never claimed again.
	// Acknowledging an unknown or already acknowledged id is not an error.
	AckEvents(ctx context.Context, ids ...int64) error
}

// Tx is the view of one unit of work.
type Tx interface {
	// Get returns the order as this unit of work sees it, or ErrNotFound.
	Get(ctx context.Context, id string) (Order, error)
	// GetByExternal returns the order with that key or ErrNotFound.
	GetByExternal(ctx context.Context, key ExternalKey) (Order, error)
	// Insert adds a new order with Version 1 (o.Version is set). An
	// existing id or a non-empty external key already used returns an
	// error wrapping ErrDuplicate.
	Insert(ctx context.Context, o *Order) error
	// Update stores o if the stored version equals o.Version, then sets
	// o.Version to the next version. A different stored version is an
	// error wrapping ErrConflict and changes nothing; a missing order is
	// ErrNotFound. A store may report these at the call, or defer the
	// write and report them from a later call of the unit (the next one
	// that reaches the database) or at commit, and then also from Do,
	// which keeps nothing of the unit. o.Version has moved on whenever
	// Update returned nil: discard o when Do fails.
	Update(ctx context.Context, o *Order) error
	// AppendHistory adds an entry to the order's history. An entry for
	// an unknown order is ErrNotFound, at the call or, deferred like
	// Update's write, later in the unit and by Do.
	AppendHistory(ctx context.Context, e HistoryEntry) error
	// AppendEvent adds an event to the outbox and sets e.ID before it
	// returns. Within a unit ids increase in the order events are
	// appended, and the events of one order in the order of its changes.
	AppendEvent(ctx context.Context, e *Event) error
}

// Filter selects orders for the operator's lists. Zero fields match all.
type Filter struct {
	Statuses []Status
	// Approval filters on the approval flag.
	Approval ApprovalFilter
	// ChannelType and ChannelID: "" and 0 match all.
	ChannelType ChannelType
	ChannelID   int64
	Store       string
	ClientID    string
	// CreatedFrom (inclusive) and CreatedTo (exclusive); zero = open.
	CreatedFrom time.Time
	CreatedTo   time.Time
}

// ApprovalFilter narrows a list by approval state. The zero value matches all.
type ApprovalFilter int

// Approval filters.
const (
	AnyApproval ApprovalFilter = iota
	// AwaitingApproval: approval required and still pending.
	AwaitingApproval
	// ApprovedOnly: approval required and given.
	ApprovedOnly
	// RejectedOnly: approval required and refused.
	RejectedOnly
	// NoApprovalNeeded: no rule applied.
	NoApprovalNeeded
)

// Check refuses a filter that can match nothing by mistake: a status code
// that is not one of the 17 (an *UnknownStatusError) or an unknown
// approval filter (a *ValidationError).
func (f *Filter) Check() error {
	for _, st := range f.Statuses {
		if !st.Valid() {
			return &UnknownStatusError{Value: strconv.Itoa(int(st))}
		}
	}
	if f.Approval < AnyApproval || f.Approval > NoApprovalNeeded {
		return &ValidationError{Field: "approval filter", Reason: fmt.Sprintf("unknown value %d", int(f.Approval))}
	}
	return nil
}

// Match reports whether o passes f; stores may use it, and must agree with it.
func (f *Filter) Match(o *Order) bool {
	if len(f.Statuses) > 0 {
		ok := false
		for _, s := range f.Statuses {
			if s == o.Status {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	switch f.Approval {
	case AwaitingApproval:
		if !o.ApprovalRequired || o.Approval != ApprovalPending {
			return false
		}
	case ApprovedOnly:
		if !o.ApprovalRequired || o.Approval != ApprovalApproved {
			return false
		}
	case RejectedOnly:
		if !o.ApprovalRequired || o.Approval != ApprovalRejected {
			return false
		}
	case NoApprovalNeeded:
		if o.ApprovalRequired {
			return false
		}
	}
	if f.ChannelType != "" && f.ChannelType != o.Channel.Type {
		return false
	}
	if f.ChannelID != 0 && f.ChannelID != o.Channel.ID {
		return false
	}
	if f.Store != "" && f.Store != o.Store {
		return false
	}
	if f.ClientID != "" && f.ClientID != o.Client.ID {
		return false
	}
	if !f.CreatedFrom.IsZero() && o.CreatedAt.Before(f.CreatedFrom) {
		return false
	}
	if !f.CreatedTo.IsZero() && !o.CreatedAt.Before(f.CreatedTo) {
		return false
	}
	return true
}

// Page asks for one page of a list.
type Page struct {
	// Limit is the page size; 0 means 100, and stores cap it at 1000.
	Limit int
	// Cursor is OrderPage.Next of the previous page; "" starts at the beginning.
	Cursor string
}

// OrderPage is one page of a list.
type OrderPage struct {
	Orders []Order
	// Next is the cursor of the following page, "" on the last page.
	Next string
}
