package memstore

import (
	"context"
	"slices"
	"sort"

	"github.com/azuvio/omnisales/channels"
)

// The sync engine's state lives in one extension table under the store's
// lock: cursors, per-order sync state, failed records, the diary and the
// set of pushed events. Every method is its own unit of work.

var _ channels.Store = (*Store)(nil)

type syncKey struct{ shop, key string }

type syncFailedKey struct {
	shop string
	job  channels.Job
	key  string
}

type syncTables struct {
	cursors map[syncFailedKey]string // key field unused
	states  map[syncKey]channels.OrderState
	failed  map[syncFailedKey]channels.FailedRecord
	runs    []channels.Run // by id: runs[i].ID == i+1
	records []channels.Record
	pushed  map[int64]struct{}
}

const syncTable = "channels"

func newSyncTables() any {
	return &syncTables{
		cursors: map[syncFailedKey]string{},
		states:  map[syncKey]channels.OrderState{},
		failed:  map[syncFailedKey]channels.FailedRecord{},
		pushed:  map[int64]struct{}{},
	}
}

// syncW returns the tables for writing (s.mu held for writing).
func (s *Store) syncW() *syncTables { return s.table(syncTable, newSyncTables).(*syncTables) }

// syncR returns the tables for reading (s.mu held for reading), or nil
// when nothing was written yet.
func (s *Store) syncR() *syncTables {
	t, _ := s.table(syncTable, nil).(*syncTables)
	return t
}

func (s *Store) syncWrite(ctx context.Context, fn func(t *syncTables)) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	fn(s.syncW())
	return nil
}

func (s *Store) syncRead(ctx context.Context, fn func(t *syncTables)) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if t := s.syncR(); t != nil {
		fn(t)
	}
	return nil
}

// SyncCursor implements channels.Store.
func (s *Store) SyncCursor(ctx context.Context, shop string, job channels.Job) (string, error) {
	var c string
	err := s.syncRead(ctx, func(t *syncTables) { c = t.cursors[syncFailedKey{shop: shop, job: job}] })
	return c, err
}

// SetSyncCursor implements channels.Store.
func (s *Store) SetSyncCursor(ctx context.Context, shop string, job channels.Job, cursor string) error {
	return s.syncWrite(ctx, func(t *syncTables) { t.cursors[syncFailedKey{shop: shop, job: job}] = cursor })
}

// SyncState implements channels.Store.
func (s *Store) SyncState(ctx context.Context, shop, externalID string) (channels.OrderState, bool, error) {
	var st channels.OrderState
	var ok bool
	err := s.syncRead(ctx, func(t *syncTables) { st, ok = t.states[syncKey{shop, externalID}] })
	return st, ok, err
}

// PutSyncState implements channels.Store.
func (s *Store) PutSyncState(ctx context.Context, st channels.OrderState) error {
	return s.syncWrite(ctx, func(t *syncTables) { t.states[syncKey{st.Shop, st.ExternalID}] = st })
}

func cloneSyncFailed(f channels.FailedRecord) channels.FailedRecord {
	if f.Order != nil {
		o := *f.Order
		o.Lines = slices.Clone(o.Lines)
		f.Order = &o
	}
	if f.Item != nil {
		it := *f.Item
		it.Images = slices.Clone(it.Images)
		f.Item = &it
	}
	return f
}

// PutSyncFailure implements channels.Store. A record replacing another keeps
// the first failure's time.
func (s *Store) PutSyncFailure(ctx context.Context, f channels.FailedRecord) error {
	return s.syncWrite(ctx, func(t *syncTables) {
		k := syncFailedKey{f.Shop, f.Job, f.Key}
		if old, ok := t.failed[k]; ok && !old.FirstAt.IsZero() && (f.FirstAt.IsZero() || old.FirstAt.Before(f.FirstAt)) {
			f.FirstAt = old.FirstAt
		}
		t.failed[k] = cloneSyncFailed(f)
	})
}

// DeleteSyncFailure implements channels.Store.
func (s *Store) DeleteSyncFailure(ctx context.Context, shop string, job channels.Job, key string) error {
	return s.syncWrite(ctx, func(t *syncTables) { delete(t.failed, syncFailedKey{shop, job, key}) })
}

// SyncFailures implements channels.Store.
func (s *Store) SyncFailures(ctx context.Context, shop string) ([]channels.FailedRecord, error) {
	var out []channels.FailedRecord
	err := s.syncRead(ctx, func(t *syncTables) {
		for k, f := range t.failed {
			if shop == "" || k.shop == shop {
				out = append(out, cloneSyncFailed(f))
			}
		}
	})
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Shop != b.Shop {
			return a.Shop < b.Shop
		}
		if a.Job != b.Job {
			return a.Job < b.Job
		}
		return a.Key < b.Key
	})
	return out, err
}

// PutSyncRun implements channels.Store.
func (s *Store) PutSyncRun(ctx context.Context, r *channels.Run) error {
	return s.syncWrite(ctx, func(t *syncTables) {
		if r.ID <= 0 || r.ID > int64(len(t.runs)) {
			r.ID = int64(len(t.runs)) + 1
			t.runs = append(t.runs, *r)
			return
		}
		t.runs[r.ID-1] = *r
	})
}

// AddSyncRecords implements channels.Store.
func (s *Store) AddSyncRecords(ctx context.Context, recs []channels.Record) error {
	return s.syncWrite(ctx, func(t *syncTables) {
		for i := range recs {
			recs[i].ID = int64(len(t.records)) + 1
			t.records = append(t.records, recs[i])
		}
	})
}

// SyncRuns implements channels.Store: newest first.
func (s *Store) SyncRuns(ctx context.Context, f channels.RunFilter) ([]channels.Run, error) {
	var out []channels.Run
	err := s.syncRead(ctx, func(t *syncTables) {
		for i := len(t.runs) - 1; i >= 0 && (f.Limit <= 0 || len(out) < f.Limit); i-- {
			if f.Match(&t.runs[i]) {
				out = append(out, t.runs[i])
			}
		}
	})
	return out, err
}

// SyncRecords implements channels.Store: newest first.
func (s *Store) SyncRecords(ctx context.Context, f channels.RecordFilter) ([]channels.Record, error) {
	var out []channels.Record
	err := s.syncRead(ctx, func(t *syncTables) {
		for i := len(t.records) - 1; i >= 0 && (f.Limit <= 0 || len(out) < f.Limit); i-- {
			if f.Match(&t.records[i]) {
				out = append(out, t.records[i])
			}
		}
	})
	return out, err
}

// SyncEventPushed implements channels.Store.
func (s *Store) SyncEventPushed(ctx context.Context, eventID int64) (bool, error) {
	var ok bool
	err := s.syncRead(ctx, func(t *syncTables) { _, ok = t.pushed[eventID] })
	return ok, err
}

// MarkSyncEventPushed implements channels.Store.
func (s *Store) MarkSyncEventPushed(ctx context.Context, eventID int64) error {
	return s.syncWrite(ctx, func(t *syncTables) { t.pushed[eventID] = struct{}{} })
}
