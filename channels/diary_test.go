package channels_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/azuvio/omnisales/channels"
	"github.com/azuvio/omnisales/channels/channelstest"
	"github.com/azuvio/omnisales/oms"
)

func TestProgressAndLog(t *testing.T) {
	var got []channels.Progress
	var buf bytes.Buffer
	e := newEnv(t, func(c *channels.Config) {
		c.Progress = func(p channels.Progress) { got = append(got, p) }
		c.Logger = slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	for i := range 6 {
		sku := "A"
		if i%3 == 2 {
			sku = "NOPE"
		}
		e.shop.Add(channelstest.NewOrder(fmt.Sprint(i), "processing", "x@example.com", sku))
	}
	e.importOK()
	if len(got) != 6 {
		t.Fatalf("progress calls = %d", len(got))
	}
	var brief []string
	for _, p := range got {
		if p.Shop != shopID || p.Job != channels.JobOrders {
			t.Fatalf("progress = %+v", p)
		}
		brief = append(brief, fmt.Sprintf("%d/%d e%d", p.Done, p.Total, p.Errors))
	}
	want := []string{"1/6 e0", "2/6 e0", "3/6 e1", "4/6 e1", "5/6 e1", "6/6 e2"}
	if diff := cmp.Diff(want, brief); diff != "" {
		t.Fatalf("progress (-want +got):\n%s", diff)
	}
	log := buf.String()
	for _, s := range []string{`"msg":"sync run started"`, `"msg":"sync run finished"`, `"imported":4`, `"failed":2`,
		`"msg":"sync record failed"`, `"kind":"product SKU not found"`, `"msg":"sync progress"`} {
		if !strings.Contains(log, s) {
			t.Errorf("log lacks %s:\n%s", s, log)
		}
	}
}

func TestMorningSummary(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 3, 10, 7, 0, 0, 0, time.UTC)
	setNow := func(t time.Time) { mu.Lock(); now = t; mu.Unlock() }
	e := newEnv(t, func(c *channels.Config) {
		c.Clock = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	})
	// Nine days ago, outside the week: not counted.
	setNow(time.Date(2026, 3, 1, 7, 0, 0, 0, time.UTC))
	e.shop.Add(channelstest.NewOrder("0", "processing", "x@example.com", "A"))
	e.importOK()
	// Five days ago: 3 imported, 1 failed.
	setNow(time.Date(2026, 3, 5, 7, 0, 0, 0, time.UTC))
	e.shop.Add(channelstest.NewOrder("1", "processing", "x@example.com", "A"),
		channelstest.NewOrder("2", "processing", "x@example.com", "A"),
		channelstest.NewOrder("3", "processing", "x@example.com", "A"),
		channelstest.NewOrder("4", "processing", "bad email", "A"))
	e.importOK()
	// Last night: 2 imported, 1 unmapped status, then the store went away.
	setNow(time.Date(2026, 3, 10, 2, 0, 0, 0, time.UTC))
	e.shop.Add(channelstest.NewOrder("5", "processing", "x@example.com", "A"),
		channelstest.NewOrder("6", "processing", "x@example.com", "B"),
		channelstest.NewOrder("7", "wc-weird", "x@example.com", "B"))
	e.importOK()
	e.shop.Inject(channelstest.Fault{Op: channelstest.OpList, Times: 3})
	setNow(time.Date(2026, 3, 10, 2, 15, 0, 0, time.UTC))
	if _, err := e.eng.ImportOrders(e.ctx, shopID); err == nil {
		t.Fatal("want the outage to fail the run")
	}
	sum, err := e.eng.Summary(e.ctx, time.Date(2026, 3, 10, 7, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	want := []channels.ShopSummary{{
		Shop: shopID, LastRun: time.Date(2026, 3, 10, 2, 15, 0, 0, time.UTC), LastErr: sumErr(t, e),
		Day: channels.Tally{Runs: 2, Imported: 2, Errors: 2, ByKind: map[channels.Kind]int{
			channels.KindStatusNotMapped: 1, channels.KindUnreachable: 1}},
		Week: channels.Tally{Runs: 3, Imported: 5, Errors: 3, ByKind: map[channels.Kind]int{
			channels.KindStatusNotMapped: 1, channels.KindUnreachable: 1, channels.KindClientNotCreated: 1}},
		OpenFailures: 2,
	}}
	if diff := cmp.Diff(want, sum); diff != "" {
		t.Fatalf("summary (-want +got):\n%s", diff)
	}
	// The same report for people: PermReports reads it, others are refused.
	at := time.Date(2026, 3, 10, 7, 0, 0, 0, time.UTC)
	got, err := e.eng.As(oms.Staff("mihai", oms.RoleSalesManager)).Summary(e.ctx, at)
	if err != nil || !cmp.Equal(want, got) {
		t.Fatalf("summary for a sales manager: %v\n%s", err, cmp.Diff(want, got))
	}
	audit := e.eng.As(e.op) // an operator has no report access
	var fe *oms.ForbiddenError
	if _, err := audit.Summary(e.ctx, at); !errors.As(err, &fe) || fe.Permission != oms.PermReports {
		t.Errorf("operator summary: %v, want *oms.ForbiddenError for %s", err, oms.PermReports)
	}
	if _, err := audit.Runs(e.ctx, channels.RunFilter{}); !errors.Is(err, oms.ErrForbidden) {
		t.Errorf("operator runs: %v", err)
	}
	if _, err := audit.Records(e.ctx, channels.RecordFilter{}); !errors.Is(err, oms.ErrForbidden) {
		t.Errorf("operator records: %v", err)
	}
	if _, err := audit.Failed(e.ctx, ""); !errors.Is(err, oms.ErrForbidden) {
		t.Errorf("operator failed records: %v", err)
	}
	if _, err := (channels.Audit{}).Summary(e.ctx, at); !errors.Is(err, oms.ErrForbidden) {
		t.Errorf("zero Audit: %v", err)
	}
	// Runs query: newest first, filtered.
	runs, err := e.eng.Runs(e.ctx, channels.RunFilter{Shop: shopID, From: time.Date(2026, 3, 9, 0, 0, 0, 0, time.UTC)})
	if err != nil || len(runs) != 2 || runs[0].ErrKind != channels.KindUnreachable || runs[1].Imported != 2 {
		t.Fatalf("runs = %+v, %v", runs, err)
	}
	if d := runs[1].Duration(); d < 0 {
		t.Fatalf("duration %v", d)
	}
}

func sumErr(t *testing.T, e *env) string {
	runs, err := e.eng.Runs(e.ctx, channels.RunFilter{Limit: 1})
	if err != nil || len(runs) != 1 || runs[0].Err == "" {
		t.Fatalf("last run = %+v, %v", runs, err)
	}
	return runs[0].Err
}

func TestCancelledRunIsNotAnError(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	e := newEnv(t, func(c *channels.Config) {
		c.Progress = func(p channels.Progress) { cancel() }
	})
	e.shop.Add(channelstest.NewOrder("1", "processing", "x@example.com", "A"), channelstest.NewOrder("2", "processing", "x@example.com", "A"))
	r, err := e.eng.ImportOrders(ctx, shopID)
	if !errors.Is(err, context.Canceled) || r.Err == "" || r.ErrKind != "" || r.Errors() != 0 {
		t.Fatalf("run = %+v, %v", r, err)
	}
	sum, _ := e.eng.Summary(e.ctx, time.Now().Add(time.Minute))
	if sum[0].Day.Errors != 0 || len(sum[0].Day.ByKind) != 0 || sum[0].Day.Runs != 1 {
		t.Fatalf("summary = %+v", sum[0])
	}
}

// Every diary record carries how long it took: imports, failures, status
// pushes, catalogue items, and the record of a run that ended early.
func TestRecordsCarryDurations(t *testing.T) {
	e := newEnv(t)
	e.shop.Add(channelstest.NewOrder("1", "processing", "x@example.com", "A"),
		channelstest.NewOrder("2", "processing", "x@example.com", "NOPE"))
	e.importOK()
	if _, err := e.svc.Cancel(e.ctx, e.op, e.order("1").ID, "client called"); err != nil {
		t.Fatal(err)
	}
	e.drain()
	e.feed.Set(channels.JobStock, items(3)...)
	if _, err := e.eng.PushCatalogue(e.ctx, shopID, channels.JobStock); err != nil {
		t.Fatal(err)
	}
	e.shop.Inject(channelstest.Fault{Op: channelstest.OpList, Times: 10})
	if _, err := e.eng.ImportOrders(e.ctx, shopID); !errors.Is(err, channels.KindUnreachable) {
		t.Fatalf("import with the shop away: %v", err)
	}
	recs := e.records(channels.RecordFilter{})
	outcomes := map[channels.Outcome]int{}
	for _, r := range recs {
		if r.Duration <= 0 {
			t.Errorf("record %s/%s %s (%s) has no duration", r.Job, r.Key, r.Outcome, r.Message)
		}
		outcomes[r.Outcome]++
	}
	if outcomes[channels.OutcomeImported] != 1 || outcomes[channels.OutcomeFailed] != 2 || outcomes[channels.OutcomePushed] != 4 {
		t.Fatalf("records by outcome: %v", outcomes)
	}
}
