package channels

import (
	"context"
	"time"
)

// Store keeps the sync engine's own state: resume cursors, per-order sync
// state, failed records, the diary and the pushed-event set.
// adapters/memstore implements it. Every method is its own unit of work
// and safe for concurrent use; values are copied in and out. Methods are
// prefixed Sync so that one type can implement oms.Store too.
type Store interface {
	// SyncCursor returns the resume cursor of a shop's job; "" when none.
	SyncCursor(ctx context.Context, shop string, job Job) (string, error)
	// SetSyncCursor stores it. The engine calls it only after the orders
	// the cursor covers are committed.
	SetSyncCursor(ctx context.Context, shop string, job Job, cursor string) error

	// SyncState returns an order's sync state; ok is false when the order
	// was never synced.
	SyncState(ctx context.Context, shop, externalID string) (st OrderState, ok bool, err error)
	// PutSyncState adds or replaces it.
	PutSyncState(ctx context.Context, st OrderState) error

	// PutSyncFailure adds or replaces the failed record with f's (Shop, Job,
	// Key); a replacement keeps the earlier FirstAt.
	PutSyncFailure(ctx context.Context, f FailedRecord) error
	// DeleteSyncFailure removes it; removing a missing record is not an error.
	DeleteSyncFailure(ctx context.Context, shop string, job Job, key string) error
	// SyncFailures lists a shop's failed records ("" for every shop) by
	// (Shop, Job, Key).
	SyncFailures(ctx context.Context, shop string) ([]FailedRecord, error)

	// PutSyncRun adds a run when r.ID is 0 (and assigns it), else replaces
	// the run with that id.
	PutSyncRun(ctx context.Context, r *Run) error
	// AddSyncRecords appends diary records and assigns their ids.
	AddSyncRecords(ctx context.Context, recs []Record) error
	// SyncRuns lists runs matching f, newest first.
	SyncRuns(ctx context.Context, f RunFilter) ([]Run, error)
	// SyncRecords lists records matching f, newest first.
	SyncRecords(ctx context.Context, f RecordFilter) ([]Record, error)

	// SyncEventPushed reports whether the core event with that id was pushed.
	SyncEventPushed(ctx context.Context, eventID int64) (bool, error)
	// MarkSyncEventPushed records that it was.
	MarkSyncEventPushed(ctx context.Context, eventID int64) error
}

// OrderState is what the engine remembers of one imported order, so that
// an order never regresses and our own pushes do not come back.
type OrderState struct {
	Shop       string
	ExternalID string
	OrderID    string
	// ShopStatus and ShopModified are the shop's status and modification
	// time as last seen (pulled, or reported after our push).
	ShopStatus   string
	ShopModified time.Time
	// Pushed is the last status we pushed that the shop has not shown
	// back yet; "" when none is pending.
	Pushed   string
	PushedAt time.Time
	// PushedEvent is the id of the latest core event pushed; older events
	// delivered late are not pushed.
	PushedEvent int64
	SyncedAt    time.Time
}

// FailedRecord is a record that failed and waits for RetryFailed: the data
// needed to try again and the last error.
type FailedRecord struct {
	Shop string
	Job  Job
	// Key is the external order id (JobOrders), the order id (JobStatus)
	// or the SKU (catalogue jobs).
	Key string
	// Order is the shop order as last read (JobOrders).
	Order *ExternalOrder
	// Item is the catalogue item (catalogue jobs).
	Item     *CatalogueItem
	Kind     Kind
	Message  string
	Attempts int
	FirstAt  time.Time
	LastAt   time.Time
}

// Err returns the failure as a *SyncError (errors.Is its Kind).
func (f FailedRecord) Err() error {
	return &SyncError{Kind: f.Kind, Shop: f.Shop, Job: f.Job, Key: f.Key, Detail: f.Message}
}
