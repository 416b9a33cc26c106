package channels

import (
	"context"
	"time"
)

// Outcome is what happened to one record.
type Outcome string

// Outcomes.
const (
	OutcomeImported  Outcome = "imported"  // a new order
	OutcomeUpdated   Outcome = "updated"   // an existing order took the shop's status
	OutcomeUnchanged Outcome = "unchanged" // nothing to do; the message says why (imports record every one)
	OutcomePushed    Outcome = "pushed"    // a status or catalogue item reached the shop
	OutcomeSkipped   Outcome = "skipped"   // deliberately not pushed (unmapped, superseded)
	OutcomeFailed    Outcome = "failed"    // an error of Kind; the record waits for RetryFailed
)

// KindTotalMismatch flags an imported order whose total differs from the
// shop's by more than rounding (see ImportOrders). It marks an
// OutcomeImported record, never a failure: the order is imported and
// nothing waits for RetryFailed. The message gives both totals.
const KindTotalMismatch Kind = "total mismatch"

// Run is one diary_sync entry for a run of a job on a shop.
type Run struct {
	ID       int64
	Shop     string
	Job      Job
	Started  time.Time
	Finished time.Time
	// Retry marks a RetryFailed run.
	Retry bool
	// Total is the number of records the source announced (0 unknown);
	// Done those processed.
	Total, Done int
	// Imported, Updated, Unchanged, Pushed, Skipped and Failed count
	// records by outcome.
	Imported, Updated, Unchanged, Pushed, Skipped, Failed int
	// Err is the error that ended the run early ("" when it completed),
	// with its kind; ErrKind is "" when the context ended the run.
	Err     string
	ErrKind Kind
}

// Duration is how long the run took.
func (r Run) Duration() time.Duration { return r.Finished.Sub(r.Started) }

// Errors counts the run's failed records plus a run-level failure (a run
// stopped by its context, ErrKind "", is not one).
func (r Run) Errors() int {
	n := r.Failed
	if r.ErrKind != "" {
		n++
	}
	return n
}

// Record is one diary entry for a record of a run.
type Record struct {
	ID    int64
	RunID int64 // 0 for status pushes, which run from events
	Shop  string
	Job   Job
	// Key is the external order id, the SKU, or "" for a run-level error.
	Key     string
	OrderID string
	Outcome Outcome
	// Kind is set when Outcome is OutcomeFailed, for some skips, and on
	// an OutcomeImported record that is flagged (KindTotalMismatch).
	Kind    Kind
	Message string
	At      time.Time
	// Duration is how long the record took: reading and writing one
	// order, a status push with its retries, or, for a catalogue item,
	// the batch that carried it; for a run-level failure, the run. Zero
	// when unknown, or when the Store does not keep it.
	Duration time.Duration
}

// Err returns the record's failure as a *SyncError (errors.Is its Kind),
// or nil when the record did not fail.
func (r Record) Err() error {
	if r.Outcome != OutcomeFailed {
		return nil
	}
	return &SyncError{Kind: r.Kind, Shop: r.Shop, Job: r.Job, Key: r.Key, Detail: r.Message}
}

// RunFilter selects runs; zero fields match all.
type RunFilter struct {
	Shop string
	Job  Job
	// From (inclusive) and To (exclusive) bound Started.
	From, To time.Time
	// Limit caps the result; 0 = no cap.
	Limit int
}

// Match reports whether r passes f; stores use it.
func (f RunFilter) Match(r *Run) bool {
	return (f.Shop == "" || f.Shop == r.Shop) && (f.Job == "" || f.Job == r.Job) &&
		(f.From.IsZero() || !r.Started.Before(f.From)) && (f.To.IsZero() || r.Started.Before(f.To))
}

// RecordFilter selects diary records; zero fields match all.
type RecordFilter struct {
	Shop    string
	Job     Job
	RunID   int64
	Key     string
	Outcome Outcome
	Kind    Kind
	// From (inclusive) and To (exclusive) bound At.
	From, To time.Time
	// Limit caps the result; 0 = no cap.
	Limit int
}

// Match reports whether r passes f; stores use it.
func (f RecordFilter) Match(r *Record) bool {
	return (f.Shop == "" || f.Shop == r.Shop) && (f.Job == "" || f.Job == r.Job) &&
		(f.RunID == 0 || f.RunID == r.RunID) && (f.Key == "" || f.Key == r.Key) &&
		(f.Outcome == "" || f.Outcome == r.Outcome) && (f.Kind == "" || f.Kind == r.Kind) &&
		(f.From.IsZero() || !r.At.Before(f.From)) && (f.To.IsZero() || r.At.Before(f.To))
}

// Tally is the morning check's count for one shop over one window.
type Tally struct {
	Runs int
	// Imported new orders, Updated statuses, Pushed statuses and items.
	Imported, Updated, Pushed int
	// Errors are failed records plus runs that ended early.
	Errors int
	// Flagged counts imported orders flagged for an operator to check
	// (KindTotalMismatch); they are among Imported, not among Errors.
	Flagged int
	// ByKind counts the failed and the flagged records by kind.
	ByKind map[Kind]int
}

// ShopSummary is the morning check for one shop.
type ShopSummary struct {
	Shop    string
	LastRun time.Time
	// LastErr is the error that ended the latest run early, "" if it completed.
	LastErr string
	Day     Tally // the last 24 hours
	Week    Tally // the last 7 days
	// OpenFailures are the records waiting for RetryFailed now.
	OpenFailures int
}

// Runs returns diary runs matching f, newest first.
func (e *Engine) Runs(ctx context.Context, f RunFilter) ([]Run, error) {
	return e.store.SyncRuns(ctx, f)
}

// Records returns diary records matching f, newest first.
func (e *Engine) Records(ctx context.Context, f RecordFilter) ([]Record, error) {
	return e.store.SyncRecords(ctx, f)
}

// Failed returns the records waiting for RetryFailed ("" for every shop).
func (e *Engine) Failed(ctx context.Context, shop string) ([]FailedRecord, error) {
	return e.store.SyncFailures(ctx, shop)
}

// Summary is the guide's morning check: for every configured shop, what
// was imported and what failed in the last 24 hours and the last 7 days
// before now, from the diary.
func (e *Engine) Summary(ctx context.Context, now time.Time) ([]ShopSummary, error) {
	weekAgo, dayAgo := now.Add(-7*24*time.Hour), now.Add(-24*time.Hour)
	var out []ShopSummary
	for _, sh := range e.reg.Shops(0) {
		s := ShopSummary{Shop: sh.ID, Day: Tally{ByKind: map[Kind]int{}}, Week: Tally{ByKind: map[Kind]int{}}}
		runs, err := e.store.SyncRuns(ctx, RunFilter{Shop: sh.ID, From: weekAgo, To: now})
		if err != nil {
			return nil, err
		}
		for i, r := range runs {
			if i == 0 {
				s.LastRun, s.LastErr = r.Started, r.Err
			}
			tallies := []*Tally{&s.Week}
			if !r.Started.Before(dayAgo) {
				tallies = append(tallies, &s.Day)
			}
			for _, t := range tallies {
				t.Runs++
				t.Imported += r.Imported
				t.Updated += r.Updated
				if r.Job != JobStatus { // status pushes are counted from their records
					t.Pushed += r.Pushed
				}
				if r.ErrKind != "" { // a run stopped by its context is no error
					t.Errors++
					t.ByKind[r.ErrKind]++
				}
			}
		}
		// Failed records carry the kinds; status pushes and single
		// imports have no run and are counted from their records.
		recs, err := e.store.SyncRecords(ctx, RecordFilter{Shop: sh.ID, From: weekAgo, To: now})
		if err != nil {
			return nil, err
		}
		for _, r := range recs {
			tallies := []*Tally{&s.Week}
			if !r.At.Before(dayAgo) {
				tallies = append(tallies, &s.Day)
			}
			for _, t := range tallies {
				switch {
				case r.Outcome == OutcomeFailed && r.Key != "":
					t.Errors++
					t.ByKind[r.Kind]++
				case r.Outcome == OutcomePushed && r.RunID == 0:
					t.Pushed++
				case r.Outcome == OutcomeImported && r.RunID == 0: // ImportOrder (webhooks)
					t.Imported++
				case r.Outcome == OutcomeUpdated && r.RunID == 0:
					t.Updated++
				}
				if r.Outcome == OutcomeImported && r.Kind != "" {
					t.Flagged++
					t.ByKind[r.Kind]++
				}
			}
		}
		failed, err := e.store.SyncFailures(ctx, sh.ID)
		if err != nil {
			return nil, err
		}
		s.OpenFailures = len(failed)
		out = append(out, s)
	}
	return out, nil
}
