package channels_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/azuvio/omnisales/channels"
	"github.com/azuvio/omnisales/channels/channelstest"
	"github.com/azuvio/omnisales/oms"
)

func statuses(ps []channelstest.Push) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.ExternalID + ":" + p.Status
	}
	return out
}

func TestStatusPush(t *testing.T) {
	e := newEnv(t)
	e.shop.Add(channelstest.NewOrder("1", "processing", "x@example.com", "A"))
	e.importOK()
	e.drain() // the import's own changes are not pushed back
	if p := e.shop.Pushes(); len(p) != 0 {
		t.Fatalf("import echoed to the shop: %v", statuses(p))
	}
	id := e.order("1").ID
	if _, err := e.svc.Hold(e.ctx, e.op, id, "stock check"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Resume(e.ctx, e.op, id); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Confirm(e.ctx, e.op, id); err != nil { // Confirmed has no shop status
		t.Fatal(err)
	}
	e.drain()
	got := statuses(e.shop.Pushes())
	if want := []string{"1:on-hold", "1:processing"}; !equal(got, want) {
		t.Fatalf("pushes = %v, want %v", got, want)
	}
	skipped := e.records(channels.RecordFilter{Job: channels.JobStatus, Outcome: channels.OutcomeSkipped})
	if len(skipped) != 1 || skipped[0].Kind != channels.KindStatusNotMapped {
		t.Fatalf("skipped = %+v", skipped)
	}
	// The pushes come back in the next pull: not a shop change.
	if r := e.importOK(); r.Updated != 0 || r.Failed != 0 {
		t.Fatalf("pull after push = %+v", r)
	}
	if o := e.order("1"); o.Status != oms.Confirmed {
		t.Fatalf("status after echo %s", o.Status)
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Without a modification time in the push answer, the engine recognises
// its push when the pull shows it.
func TestNoEchoWithoutModifiedTime(t *testing.T) {
	e := newEnv(t)
	e.shop.HideModified(true)
	e.shop.Add(channelstest.NewOrder("1", "processing", "x@example.com", "A"))
	e.importOK()
	id := e.order("1").ID
	if _, err := e.svc.Hold(e.ctx, e.op, id, ""); err != nil {
		t.Fatal(err)
	}
	e.drain()
	// The operator resumes before the pull sees the shop's "on-hold".
	if _, err := e.svc.Resume(e.ctx, e.op, id); err != nil {
		t.Fatal(err)
	}
	r := e.importOK()
	if r.Updated != 0 {
		t.Fatalf("our push came back as a change: %+v", r)
	}
	if o := e.order("1"); o.Status != oms.Processing {
		t.Fatalf("status %s, want Processing", o.Status)
	}
	recs := e.records(channels.RecordFilter{Job: channels.JobOrders, Key: "1", Outcome: channels.OutcomeUnchanged})
	if len(recs) != 1 {
		t.Fatalf("echo note = %+v", recs)
	}
	// A later shop change to the same status is a real change.
	e.drain() // pushes "processing"
	e.importOK()
	e.shop.SetStatus("1", "on-hold")
	if r := e.importOK(); r.Updated != 1 {
		t.Fatalf("shop change = %+v", r)
	}
	if o := e.order("1"); o.Status != oms.OnHold {
		t.Fatalf("status %s, want On Hold", o.Status)
	}
}

// Duplicate delivery of one event pushes once: redelivered after a lease
// expiry, and handed twice by hand.
func TestStatusPushOncePerEvent(t *testing.T) {
	e := newEnv(t)
	now := time.Now()
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	e.ms.SetClock(clock)
	e.shop.Add(channelstest.NewOrder("1", "processing", "x@example.com", "A"))
	e.importOK()
	e.drain()
	// Another subscriber fails once, so the event is delivered again.
	var seen []oms.Event
	fails := 1
	e.svc.Events().Subscribe(oms.EventStatusChanged, func(ctx context.Context, ev oms.Event) error {
		seen = append(seen, ev)
		if fails > 0 {
			fails--
			return errors.New("flaky subscriber")
		}
		return nil
	})
	if _, err := e.svc.Hold(e.ctx, e.op, e.order("1").ID, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Events().Drain(e.ctx); err == nil {
		t.Fatal("the flaky subscriber did not fail")
	}
	mu.Lock()
	now = now.Add(time.Hour) // the lease expires
	mu.Unlock()
	e.drain()
	if len(seen) != 2 || seen[0].ID != seen[1].ID {
		t.Fatalf("deliveries = %+v", seen)
	}
	for range 3 {
		if err := e.eng.HandleEvent(e.ctx, seen[0]); err != nil {
			t.Fatal(err)
		}
	}
	if got := statuses(e.shop.Pushes()); !equal(got, []string{"1:on-hold"}) {
		t.Fatalf("pushes = %v", got)
	}
}

// A stale event (the order moved on) pushes nothing: the newer event
// pushes the current status, so the shop never goes back.
func TestStatusPushSuperseded(t *testing.T) {
	e := newEnv(t)
	e.shop.Add(channelstest.NewOrder("1", "processing", "x@example.com", "A"))
	e.importOK()
	e.drain()
	id := e.order("1").ID
	e.shop.Inject(channelstest.Fault{Op: channelstest.OpPush, Times: 3}) // the on-hold push fails
	if _, err := e.svc.Hold(e.ctx, e.op, id, ""); err != nil {
		t.Fatal(err)
	}
	_, err := e.svc.Events().Drain(e.ctx)
	var de *oms.DispatchError
	if !errors.As(err, &de) || len(de.Failed) != 1 {
		t.Fatalf("want the failed push to fail the dispatch, got %v", err)
	}
	var holdEvent int64
	for id := range de.Failed {
		holdEvent = id
	}
	if f, _ := e.eng.Failed(e.ctx, shopID); len(f) != 1 || f[0].Kind != channels.KindUnreachable || f[0].Job != channels.JobStatus {
		t.Fatalf("failed = %+v", f)
	}
	if _, err := e.svc.Cancel(e.ctx, e.op, id, "client asked"); err != nil {
		t.Fatal(err)
	}
	e.drain()
	// The held event will be redelivered after its lease; deliver it now.
	if err := e.eng.HandleEvent(e.ctx, oms.Event{ID: holdEvent, Type: oms.EventStatusChanged, OrderID: id, From: oms.Processing,
		To: oms.OnHold, Actor: "ana", Channel: oms.ChannelRef{Type: oms.ChannelWooCommerce, ID: 3}}); err != nil {
		t.Fatal(err)
	}
	if got := statuses(e.shop.Pushes()); !equal(got, []string{"1:cancelled"}) {
		t.Fatalf("pushes = %v", got)
	}
	if s, _ := e.shop.Order("1"); s.Status != "cancelled" {
		t.Fatalf("shop status %q", s.Status)
	}
	if f, _ := e.eng.Failed(e.ctx, shopID); len(f) != 0 {
		t.Fatalf("failed = %+v", f)
	}
}

func TestStatusPushRetries(t *testing.T) {
	e := newEnv(t)
	e.shop.Add(channelstest.NewOrder("1", "processing", "x@example.com", "A"))
	e.importOK()
	id := e.order("1").ID
	e.shop.Inject(channelstest.Fault{Op: channelstest.OpPush, Times: 2})
	if _, err := e.svc.Hold(e.ctx, e.op, id, ""); err != nil {
		t.Fatal(err)
	}
	e.drain()
	if n := e.shop.Calls(channelstest.OpPush); n != 3 {
		t.Fatalf("push calls = %d, want 3", n)
	}
	if got := statuses(e.shop.Pushes()); !equal(got, []string{"1:on-hold"}) {
		t.Fatalf("pushes = %v", got)
	}
	// A refusal is not retried by the dispatcher; RetryFailed pushes the
	// current status later.
	e.shop.Inject(channelstest.Fault{Op: channelstest.OpPush, Err: errors.New("400 invalid status")})
	if _, err := e.svc.Resume(e.ctx, e.op, id); err != nil {
		t.Fatal(err)
	}
	e.drain()
	f, _ := e.eng.Failed(e.ctx, shopID)
	if len(f) != 1 || f[0].Kind != channels.KindRejected || f[0].Key != id {
		t.Fatalf("failed = %+v", f)
	}
	runs, err := e.eng.RetryFailed(e.ctx, shopID)
	if err != nil || len(runs) != 1 || runs[0].Pushed != 1 || runs[0].Job != channels.JobStatus {
		t.Fatalf("retry = %+v, %v", runs, err)
	}
	if got := statuses(e.shop.Pushes()); !equal(got, []string{"1:on-hold", "1:processing"}) {
		t.Fatalf("pushes = %v", got)
	}
}
