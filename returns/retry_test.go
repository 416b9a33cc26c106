package returns_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/azuvio/omnisales/adapters/memstore"
	"github.com/azuvio/omnisales/oms"
	"github.com/azuvio/omnisales/returns"
	"github.com/google/go-cmp/cmp"
)

// conflictStore is a memstore whose units of work fail with
// oms.ErrConflict when conflict says so: the unit runs in full and is then
// rolled back, as a stale write on a database would be. memstore itself
// never conflicts (a unit holds its lock), so this is how the service's
// retry is exercised without a database; adapters/pgstore races real
// units.
type conflictStore struct {
	*memstore.Store
	conflict func(call int64) bool
	calls    atomic.Int64
}

func (s *conflictStore) DoReturns(ctx context.Context, fn func(tx returns.Tx) error) error {
	n := s.calls.Add(1)
	return s.Store.DoReturns(ctx, func(tx returns.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		if s.conflict(n) {
			return fmt.Errorf("injected stale write in unit %d: %w", n, oms.ErrConflict)
		}
		return nil
	})
}

// withConflicts returns a service on f's store whose units fail as
// conflict says, and the wrapper that counts them.
func (f *fixture) withConflicts(t *testing.T, cfg returns.Config, conflict func(call int64) bool) (*returns.Service, *conflictStore) {
	t.Helper()
	cs := &conflictStore{Store: f.store, conflict: conflict}
	cfg.Clock = f.clock.Now
	svc, err := returns.NewService(f.orders, cs, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return svc, cs
}

// Every writing call runs its unit again after a conflict, and the first
// attempt's writes are gone: one request, one restock, one refund.
func TestRetryAfterOneConflict(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, returns.Config{})
	o := f.delivered(t, "0", true, line("A", 4, "25", "0", "0"), line("B", 2, "10", "0", "0"))
	if err := f.store.EarnLoyalty(ctx, o.ID, 120); err != nil {
		t.Fatal(err)
	}
	// The first unit of every call conflicts: calls 1, 3, 5, … of the
	// wrapper are first attempts as long as each call needs two.
	svc, cs := f.withConflicts(t, returns.Config{RefundLoyaltyPoints: true}, func(n int64) bool { return n%2 == 1 })
	step := func(name string, call func() error) {
		t.Helper()
		before := cs.calls.Load()
		if err := call(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := cs.calls.Load() - before; got != 2 {
			t.Fatalf("%s ran %d units, want 2 (one conflict, one retry)", name, got)
		}
	}

	var r returns.Return
	step("create", func() (err error) {
		r, err = svc.Create(ctx, client, returns.Request{OrderID: o.ID, Items: []returns.ItemRequest{{Line: 0, Quantity: 2}}, Reason: "r"})
		return err
	})
	var a returns.Return
	step("approve", func() (err error) {
		a, err = svc.Approve(ctx, supervisor, r.ID, returns.ApproveOptions{DeferRefund: true})
		return err
	})
	step("refund", func() error {
		_, err := svc.Refund(ctx, supervisor, returns.RefundRequest{OrderID: o.ID, ReturnID: r.ID, Amount: d("20")})
		return err
	})
	var r2 returns.Return
	step("second create", func() (err error) {
		r2, err = svc.Create(ctx, client, returns.Request{OrderID: o.ID, Items: []returns.ItemRequest{{Line: 1, Quantity: 1}}, Reason: "r"})
		return err
	})
	step("reject", func() error {
		_, err := svc.Reject(ctx, supervisor, r2.ID, "used")
		return err
	})

	s := f.snap(t, o.ID)
	if len(s.Returns) != 2 || r.ID != "RET-000001" || r2.ID != "RET-000002" {
		t.Errorf("returns %d (%s, %s), want RET-000001 and RET-000002: a rolled-back attempt kept its id", len(s.Returns), r.ID, r2.ID)
	}
	if len(s.Stock) != 1 || s.Stock[0].Quantity != 2 || s.Stock[0].ReceiptID != a.ReceiptID || a.ReceiptID != "RCPT-000001" {
		t.Errorf("stock %+v, receipt %s: want one entry of 2 on RCPT-000001", s.Stock, a.ReceiptID)
	}
	if len(s.Refunds) != 1 || !s.Refunds[0].Amount.Equal(d("20")) || !s.Order.Refunded.Equal(d("20")) {
		t.Errorf("refunds %+v, order refunded %s: want one of 20", s.Refunds, s.Order.Refunded)
	}
	if len(s.Reversals) != 1 || s.Reversals[0].Points != 50 { // 120 points × 50.00 of 120.00 goods
		t.Errorf("loyalty reversals %+v, want one of 50", s.Reversals)
	}
	if s.Order.Status != oms.PartialRefund || s.Order.Lines[0].Returned != 2 || s.Order.Lines[1].Returned != 0 {
		t.Errorf("order %s, returned %d/%d", s.Order.Status.Label(), s.Order.Lines[0].Returned, s.Order.Lines[1].Returned)
	}
	// Each kept change is in history once: place … deliver, then request,
	// approve, refund, request, reject.
	h, err := f.store.History(ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	var tail []oms.EventName
	for _, e := range h[len(h)-5:] {
		tail = append(tail, e.Event)
	}
	want := []oms.EventName{oms.EvRequestReturn, oms.EvApprovePartialReturn, oms.EvPartialRefund, oms.EvRequestReturn, oms.EvRejectReturn}
	if diff := cmp.Diff(want, tail); diff != "" {
		t.Errorf("history (-want +got):\n%s", diff)
	}
}

// When every attempt conflicts the call gives up after Attempts units with
// an error that wraps oms.ErrConflict, and nothing is written.
func TestRetriesExhaustedReturnErrConflict(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, returns.Config{})
	o := f.delivered(t, "0", true, line("A", 4, "25", "0", "0"))
	svc, cs := f.withConflicts(t, returns.Config{}, func(int64) bool { return true })
	exhausted := func(name string, call func() error) {
		t.Helper()
		before, n := f.snap(t, o.ID), cs.calls.Load()
		err := call()
		if !errors.Is(err, oms.ErrConflict) {
			t.Errorf("%s: err = %v, want oms.ErrConflict", name, err)
		}
		if got := cs.calls.Load() - n; got != returns.Attempts {
			t.Errorf("%s ran %d units, want %d", name, got, returns.Attempts)
		}
		if diff := cmp.Diff(before, f.snap(t, o.ID)); diff != "" {
			t.Errorf("%s gave up but wrote (-before +after):\n%s", name, diff)
		}
	}
	req := returns.Request{OrderID: o.ID, Items: []returns.ItemRequest{{Line: 0, Quantity: 1}}, Reason: "r"}
	exhausted("create", func() error {
		_, err := svc.Create(ctx, client, req)
		return err
	})
	r, err := f.svc.Create(ctx, client, req)
	if err != nil {
		t.Fatal(err)
	}
	exhausted("approve", func() error {
		_, err := svc.Approve(ctx, supervisor, r.ID, returns.ApproveOptions{})
		return err
	})
	exhausted("reject", func() error {
		_, err := svc.Reject(ctx, supervisor, r.ID, "no")
		return err
	})
	// The refund too (the order must leave Return Pending first).
	if _, err := f.svc.Approve(ctx, supervisor, r.ID, returns.ApproveOptions{DeferRefund: true}); err != nil {
		t.Fatal(err)
	}
	exhausted("refund", func() error {
		_, err := svc.Refund(ctx, supervisor, returns.RefundRequest{OrderID: o.ID, ReturnID: r.ID})
		return err
	})

	// A canceled context stops the retries at once.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	n := cs.calls.Load()
	if _, err := svc.Refund(cctx, supervisor, returns.RefundRequest{OrderID: o.ID, ReturnID: r.ID}); !errors.Is(err, context.Canceled) {
		t.Errorf("refund with a canceled context: %v", err)
	}
	if got := cs.calls.Load() - n; got > 1 {
		t.Errorf("canceled call ran %d units", got)
	}
}
