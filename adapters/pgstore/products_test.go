package pgstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/azuvio/omnisales/channels"
	"github.com/azuvio/omnisales/channels/channelstest"
)

func TestProductsConformance(t *testing.T) {
	t.Parallel()
	channelstest.CatalogueConformance(t, func(t *testing.T) channelstest.ProductTable { return newStore(t).Products() })
}

// The diary keeps each record's Duration (migration 0007's duration_us):
// whole microseconds come back exactly, finer parts are truncated, zero
// stays zero, and rows written without a duration (before the column)
// read as zero.
func TestSyncRecordDurationRoundTrip(t *testing.T) {
	t.Parallel()
	s, dsn := storeAndDSN(t)
	ctx := context.Background()
	at := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	in := []channels.Record{
		{Shop: "ro", Job: channels.JobOrders, Key: "1", Outcome: channels.OutcomeImported, At: at, Duration: 1234567 * time.Microsecond},
		{Shop: "ro", Job: channels.JobPrices, Key: "A", Outcome: channels.OutcomePushed, At: at, Duration: 90*time.Second + 1500*time.Nanosecond},
		{Shop: "ro", Job: channels.JobOrders, Key: "2", Outcome: channels.OutcomeFailed, Kind: channels.KindSKUNotFound, At: at},
		{Shop: "ro", Job: channels.JobStatus, Key: "3", Outcome: channels.OutcomePushed, At: at, Duration: 3 * time.Hour},
	}
	if err := s.AddSyncRecords(ctx, in); err != nil {
		t.Fatal(err)
	}
	if _, err := raw(t, dsn).Exec(ctx, `INSERT INTO sync_records (run_id, shop, job, key, order_id, outcome, message, at)
		VALUES (0, 'ro', 'orders', 'old', '', 'imported', '', $1)`, at); err != nil {
		t.Fatal(err)
	}
	got, err := s.SyncRecords(ctx, channels.RecordFilter{Shop: "ro"})
	if err != nil || len(got) != 5 {
		t.Fatalf("records %+v, %v", got, err)
	}
	want := map[string]time.Duration{"1": 1234567 * time.Microsecond, "A": 90*time.Second + time.Microsecond, "2": 0,
		"3": 3 * time.Hour, "old": 0}
	for _, r := range got {
		if r.Duration != want[r.Key] {
			t.Errorf("record %s: Duration %v, want %v", r.Key, r.Duration, want[r.Key])
		}
	}
	if got[4].Key != "1" || got[4].ID != in[0].ID {
		t.Fatalf("oldest record %+v", got[4])
	}
}
