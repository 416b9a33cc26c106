package channelstest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/azuvio/omnisales/channels"
)

// StoreConformance checks an implementation of channels.Store: cursors,
// sync state, failed records (replacing keeps the first failure time;
// values are copied in and out), runs and records (ids, filters, newest
// first), the pushed-event set, and refusal on a done context. open must
// return an empty store.
func StoreConformance(t *testing.T, open func(t *testing.T) channels.Store) {
	t.Helper()
	ctx := context.Background()
	s := open(t)
	// Reads before any write see nothing.
	if c, err := s.SyncCursor(ctx, "ro", channels.JobOrders); c != "" || err != nil {
		t.Fatalf("cursor = %q, %v", c, err)
	}
	if _, ok, err := s.SyncState(ctx, "ro", "1"); ok || err != nil {
		t.Fatalf("state ok=%v, %v", ok, err)
	}
	if runs, err := s.SyncRuns(ctx, channels.RunFilter{}); len(runs) != 0 || err != nil {
		t.Fatalf("runs %v, %v", runs, err)
	}

	if err := s.SetSyncCursor(ctx, "ro", channels.JobOrders, "c1"); err != nil {
		t.Fatal(err)
	}
	if c, _ := s.SyncCursor(ctx, "ro", channels.JobOrders); c != "c1" {
		t.Fatalf("cursor %q", c)
	}
	if c, _ := s.SyncCursor(ctx, "bg", channels.JobOrders); c != "" {
		t.Fatalf("cursor of another shop %q", c)
	}

	st := channels.OrderState{Shop: "ro", ExternalID: "1", OrderID: "o1", ShopStatus: "processing", ShopModified: time.Unix(100, 0).UTC()}
	if err := s.PutSyncState(ctx, st); err != nil {
		t.Fatal(err)
	}
	if got, ok, _ := s.SyncState(ctx, "ro", "1"); !ok || !cmp.Equal(got, st) {
		t.Fatalf("state %+v", got)
	}

	// Failed records: replace keeps the first time; copies in and out.
	t0, t1 := time.Unix(10, 0).UTC(), time.Unix(20, 0).UTC()
	x := &channels.ExternalOrder{ID: "9", Lines: []channels.ExternalLine{{SKU: "A"}}}
	if err := s.PutSyncFailure(ctx, channels.FailedRecord{Shop: "ro", Job: channels.JobOrders, Key: "9", Order: x, Kind: channels.KindSKUNotFound, Attempts: 1, FirstAt: t0, LastAt: t0}); err != nil {
		t.Fatal(err)
	}
	x.Lines[0].SKU = "changed"
	if err := s.PutSyncFailure(ctx, channels.FailedRecord{Shop: "ro", Job: channels.JobOrders, Key: "9", Order: x, Kind: channels.KindSKUNotFound, Attempts: 2, FirstAt: t1, LastAt: t1}); err != nil {
		t.Fatal(err)
	}
	_ = s.PutSyncFailure(ctx, channels.FailedRecord{Shop: "ro", Job: channels.JobStatus, Key: "o1", Kind: channels.KindUnreachable})
	_ = s.PutSyncFailure(ctx, channels.FailedRecord{Shop: "bg", Job: channels.JobOrders, Key: "1", Kind: channels.KindUnreachable})
	f, _ := s.SyncFailures(ctx, "ro")
	if len(f) != 2 || f[0].Key != "9" || f[0].Attempts != 2 || !f[0].FirstAt.Equal(t0) || !f[0].LastAt.Equal(t1) || f[1].Job != channels.JobStatus {
		t.Fatalf("failed = %+v", f)
	}
	f[0].Order.Lines[0].SKU = "mutated"
	if f2, _ := s.SyncFailures(ctx, "ro"); f2[0].Order.Lines[0].SKU != "changed" {
		t.Fatal("Failed shares the stored order")
	}
	if all, _ := s.SyncFailures(ctx, ""); len(all) != 3 || all[0].Shop != "bg" {
		t.Fatalf("all failed = %+v", all)
	}
	if err := s.DeleteSyncFailure(ctx, "ro", channels.JobOrders, "9"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteSyncFailure(ctx, "ro", channels.JobOrders, "missing"); err != nil {
		t.Fatal(err)
	}
	if f, _ := s.SyncFailures(ctx, "ro"); len(f) != 1 {
		t.Fatalf("after delete %+v", f)
	}

	// Runs: ids assigned, replaced by id, listed newest first with filters.
	for i := range 4 {
		r := &channels.Run{Shop: "ro", Job: channels.JobOrders, Started: time.Unix(int64(100*i), 0).UTC()}
		if i == 3 {
			r.Job = channels.JobStock
		}
		if err := s.PutSyncRun(ctx, r); err != nil || r.ID != int64(i+1) {
			t.Fatalf("run id %d, %v", r.ID, err)
		}
	}
	r2 := channels.Run{ID: 2, Shop: "ro", Job: channels.JobOrders, Started: time.Unix(100, 0).UTC(), Imported: 7}
	if err := s.PutSyncRun(ctx, &r2); err != nil || r2.ID != 2 {
		t.Fatal(err)
	}
	runs, _ := s.SyncRuns(ctx, channels.RunFilter{Shop: "ro", Job: channels.JobOrders})
	if len(runs) != 3 || runs[0].ID != 3 || runs[1].Imported != 7 {
		t.Fatalf("runs = %+v", runs)
	}
	runs, _ = s.SyncRuns(ctx, channels.RunFilter{From: time.Unix(100, 0), To: time.Unix(300, 0), Limit: 1})
	if len(runs) != 1 || runs[0].ID != 3 {
		t.Fatalf("bounded runs = %+v", runs)
	}

	recs := []channels.Record{{Shop: "ro", Job: channels.JobOrders, Key: "1", Outcome: channels.OutcomeImported, At: time.Unix(5, 0)},
		{Shop: "ro", Job: channels.JobOrders, Key: "2", Outcome: channels.OutcomeFailed, Kind: channels.KindSKUNotFound, At: time.Unix(6, 0)}}
	if err := s.AddSyncRecords(ctx, recs); err != nil || recs[0].ID != 1 || recs[1].ID != 2 {
		t.Fatalf("record ids %d %d, %v", recs[0].ID, recs[1].ID, err)
	}
	got, _ := s.SyncRecords(ctx, channels.RecordFilter{Kind: channels.KindSKUNotFound})
	if len(got) != 1 || got[0].Key != "2" {
		t.Fatalf("records = %+v", got)
	}
	if got, _ := s.SyncRecords(ctx, channels.RecordFilter{}); len(got) != 2 || got[0].ID != 2 {
		t.Fatalf("records newest first = %+v", got)
	}
	// Every kind a record may carry is kept, the flag of an imported order
	// whose total differs from the shop's included, and found by its kind.
	for i, k := range channels.RecordKinds() {
		out := channels.OutcomeFailed
		if k == channels.KindTotalMismatch {
			out = channels.OutcomeImported
		}
		r := []channels.Record{{Shop: "kinds", Job: channels.JobOrders, Key: fmt.Sprint(i), Outcome: out, Kind: k, At: time.Unix(7, 0)}}
		if err := s.AddSyncRecords(ctx, r); err != nil {
			t.Fatalf("record of kind %q: %v", k, err)
		}
		if got, err := s.SyncRecords(ctx, channels.RecordFilter{Shop: "kinds", Kind: k}); err != nil || len(got) != 1 || got[0].Outcome != out {
			t.Fatalf("records of kind %q = %+v, %v", k, got, err)
		}
	}

	if ok, _ := s.SyncEventPushed(ctx, 5); ok {
		t.Fatal("event 5 pushed before marking")
	}
	_ = s.MarkSyncEventPushed(ctx, 5)
	if ok, _ := s.SyncEventPushed(ctx, 5); !ok {
		t.Fatal("event 5 not marked")
	}

	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := s.SetSyncCursor(cctx, "ro", channels.JobOrders, "c2"); !errors.Is(err, context.Canceled) {
		t.Fatalf("write on a done context: %v", err)
	}
	if c, _ := s.SyncCursor(ctx, "ro", channels.JobOrders); c != "c1" {
		t.Fatalf("cursor moved on a done context: %q", c)
	}
	// Concurrent writers and readers; run with -race.
	t.Run("concurrent", func(t *testing.T) {
		s := open(t)
		var wg sync.WaitGroup
		for w := range 4 {
			wg.Go(func() {
				for i := range 200 {
					k := fmt.Sprint(w, "-", i)
					_ = s.PutSyncState(ctx, channels.OrderState{Shop: "ro", ExternalID: k})
					_ = s.AddSyncRecords(ctx, []channels.Record{{Shop: "ro", Key: k}})
					_ = s.PutSyncRun(ctx, &channels.Run{Shop: "ro"})
					_ = s.MarkSyncEventPushed(ctx, int64(w*1000+i))
					_, _, _ = s.SyncState(ctx, "ro", k)
					_, _ = s.SyncRecords(ctx, channels.RecordFilter{Limit: 3})
				}
			})
		}
		wg.Wait()
		recs, _ := s.SyncRecords(ctx, channels.RecordFilter{})
		runs, _ := s.SyncRuns(ctx, channels.RunFilter{})
		if len(recs) != 800 || len(runs) != 800 {
			t.Fatalf("%d records, %d runs", len(recs), len(runs))
		}
		seen := map[int64]bool{}
		for _, r := range recs {
			if seen[r.ID] {
				t.Fatalf("record id %d twice", r.ID)
			}
			seen[r.ID] = true
		}
	})
}
