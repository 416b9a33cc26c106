package pgstore_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/azuvio/omnisales/adapters/pgstore"
	"github.com/azuvio/omnisales/adapters/pgstore/pgtest"
	"github.com/azuvio/omnisales/oms"
	"github.com/azuvio/omnisales/returns"
)

// The race tests of returns.Service on memstore never see a conflict: a
// memstore unit of work holds the store's lock. These run the same races
// on PostgreSQL, through two Stores (two pools, as two processes would)
// on one database, where units really interleave, the optimistic version
// check refuses the stale write with oms.ErrConflict and the service's
// retry (returns.Attempts) decides the outcome.

var (
	raceOperator   = oms.Staff("race-op", oms.RoleOperator, oms.RoleReturnsSupervisor)
	raceSupervisor = oms.Staff("race-sup", oms.RoleReturnsSupervisor)
	raceClient     = oms.PortalClient("race-c1")
)

// raceGate holds the commit of the first unit of work that gets through
// its work while armed, so that every unit racing it reads the order
// before it commits: those then fail their write with oms.ErrConflict
// once it does. It is shared by the stores of a test.
type raceGate struct {
	armed atomic.Bool
	held  atomic.Bool
	hold  time.Duration
}

// arm makes the next unit to finish its work hold its commit.
func (g *raceGate) arm(hold time.Duration) {
	g.hold = hold
	g.held.Store(false)
	g.armed.Store(true)
}

func (g *raceGate) disarm() { g.armed.Store(false) }

// raceStore is a Store as returns.Service sees it, counting the units
// that failed with oms.ErrConflict (each one retried or given up).
type raceStore struct {
	*pgstore.Store
	gate      *raceGate
	conflicts atomic.Int64
	// between, when set, runs once, right after the next unit's first
	// read of kind what ("order", "return" or "returns", a list): another
	// unit that commits there changes what the read saw before the unit
	// writes.
	mu      sync.Mutex
	what    string
	between func()
}

// interleave makes fn run after the first read of kind what ("order",
// "return" or "returns") in the store's next unit that makes one.
func (s *raceStore) interleave(what string, fn func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.what, s.between = what, fn
}

// hookTx calls after when the unit reads an order or a return.
type hookTx struct {
	returns.Tx
	after func(what string)
}

func (h hookTx) Get(ctx context.Context, id string) (oms.Order, error) {
	o, err := h.Tx.Get(ctx, id)
	h.after("order")
	return o, err
}

func (h hookTx) GetReturn(ctx context.Context, id string) (returns.Return, error) {
	r, err := h.Tx.GetReturn(ctx, id)
	h.after("return")
	return r, err
}

func (h hookTx) Returns(ctx context.Context, f returns.Filter) ([]returns.Return, error) {
	rs, err := h.Tx.Returns(ctx, f)
	h.after("returns")
	return rs, err
}

func (s *raceStore) DoReturns(ctx context.Context, fn func(tx returns.Tx) error) error {
	err := s.Store.DoReturns(ctx, func(tx returns.Tx) error {
		s.mu.Lock()
		armed := s.between != nil
		s.mu.Unlock()
		if armed {
			tx = hookTx{Tx: tx, after: func(what string) {
				s.mu.Lock()
				fn := s.between
				if what != s.what {
					fn = nil
				}
				if fn != nil {
					s.between = nil
				}
				s.mu.Unlock()
				if fn != nil {
					fn()
				}
			}}
		}
		if err := fn(tx); err != nil {
			return err
		}
		if s.gate.armed.Load() && s.gate.held.CompareAndSwap(false, true) {
			select {
			case <-time.After(s.gate.hold):
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		return nil
	})
	if errors.Is(err, oms.ErrConflict) {
		s.conflicts.Add(1)
	}
	return err
}

// raceShop is one database served by two Stores, each with its own order
// and returns services, as two processes would run them.
type raceShop struct {
	pg     [2]*pgstore.Store
	stores [2]*raceStore
	orders [2]*oms.Service
	svc    [2]*returns.Service
	gate   *raceGate
}

func newRaceShop(t *testing.T, cfg returns.Config) *raceShop {
	t.Helper()
	dsn := pgtest.DSN(t)
	sh := &raceShop{gate: &raceGate{}}
	for i := range sh.pg {
		sh.pg[i] = open(t, dsn, pgstore.Config{MaxConns: 4})
		sh.stores[i] = &raceStore{Store: sh.pg[i], gate: sh.gate}
		orders, err := oms.NewService(sh.pg[i], oms.Config{})
		if err != nil {
			t.Fatal(err)
		}
		svc, err := returns.NewService(orders, sh.stores[i], cfg)
		if err != nil {
			t.Fatal(err)
		}
		sh.orders[i], sh.svc[i] = orders, svc
	}
	return sh
}

func (sh *raceShop) conflicts() int64 {
	return sh.stores[0].conflicts.Load() + sh.stores[1].conflicts.Load()
}

// delivered places, pays, ships and delivers an order for race-c1 with
// lines A (qtyA × 10.00, 19% tax) and B (qtyB × 4.50, 9% tax), and gives
// it 100 loyalty points.
func (sh *raceShop) delivered(t *testing.T, qtyA, qtyB int64) oms.Order {
	t.Helper()
	ctx := context.Background()
	orders := sh.orders[0]
	o, err := orders.Place(ctx, raceOperator, oms.NewOrder{
		Channel: oms.ChannelRef{Type: oms.ChannelPortal, ID: 1}, Client: oms.Client{ID: "race-c1"}, Currency: "RON",
		PaymentMethod: "card",
		Lines: []oms.Line{
			{ProductID: "A", SKU: "SKU-A", Quantity: qtyA, UnitPrice: decimal.NewFromInt(10), TaxRate: decimal.NewFromInt(19)},
			{ProductID: "B", SKU: "SKU-B", Quantity: qtyB, UnitPrice: decimal.RequireFromString("4.50"), TaxRate: decimal.NewFromInt(9)},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range []func() (oms.Order, error){
		func() (oms.Order, error) { return orders.RecordPayment(ctx, raceOperator, o.ID, o.Totals.Total) },
		func() (oms.Order, error) { return orders.Confirm(ctx, raceOperator, o.ID) },
		func() (oms.Order, error) {
			return orders.Ship(ctx, raceOperator, o.ID, oms.Shipment{Courier: "x", AWB: "AWB-RACE"})
		},
		func() (oms.Order, error) { return orders.Deliver(ctx, raceOperator, o.ID) },
	} {
		if o, err = step(); err != nil {
			t.Fatal(err)
		}
	}
	if err := sh.pg[0].EarnLoyalty(ctx, o.ID, 100); err != nil {
		t.Fatal(err)
	}
	return o
}

// raceState is everything the returns of one order wrote.
type raceState struct {
	order     oms.Order
	returns   []returns.Return
	refunds   []returns.Refund
	stock     []returns.StockEntry // of the order's returns
	reversals []returns.LoyaltyReversal
	// levels are the stock levels of A and B, when the order is the only
	// one of its database (nil otherwise).
	levels map[string]int64
}

// state reads what the returns of an order wrote; sole says the order is
// the only one in the database, so the stock levels are its own.
func (sh *raceShop) state(t *testing.T, orderID string, sole bool) raceState {
	t.Helper()
	ctx := context.Background()
	var s raceState
	err := sh.pg[1].DoReturns(ctx, func(tx returns.Tx) error {
		var err error
		if s.order, err = tx.Get(ctx, orderID); err != nil {
			return err
		}
		if s.returns, err = tx.Returns(ctx, returns.Filter{OrderID: orderID}); err != nil {
			return err
		}
		if s.refunds, err = tx.Refunds(ctx, orderID); err != nil {
			return err
		}
		for _, r := range s.returns {
			se, err := tx.StockEntries(ctx, returns.StockFilter{ReturnID: r.ID})
			if err != nil {
				return err
			}
			s.stock = append(s.stock, se...)
		}
		if sole {
			s.levels = map[string]int64{}
			for _, p := range []string{"A", "B"} {
				if s.levels[p], err = tx.StockLevel(ctx, p); err != nil {
					return err
				}
			}
		}
		s.reversals, err = tx.LoyaltyReversals(ctx, orderID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// check asserts the invariants the races must keep: no line gets back
// more than was delivered, counting the pending request; at most one
// request is pending; every approved return was restocked, refunded and
// had its points reversed exactly once, with its own receipt; stock
// levels (of an order alone in its database) equal the approved
// quantities; refunds add up to the order's
// Refunded and stay within Paid; reversals stay within the points earned.
func (s raceState) check(t *testing.T) {
	t.Helper()
	claimed := make([]int64, len(s.order.Lines))
	approved := make([]int64, len(s.order.Lines))
	wantLevels := map[string]int64{"A": 0, "B": 0}
	pending := 0
	restocked := map[string]int64{} // by return
	receipts := map[string]string{} // receipt → return
	for _, e := range s.stock {
		restocked[e.ReturnID] += e.Quantity
		if other, ok := receipts[e.ReceiptID]; ok && other != e.ReturnID {
			t.Errorf("receipt %s restocks returns %s and %s", e.ReceiptID, other, e.ReturnID)
		}
		receipts[e.ReceiptID] = e.ReturnID
	}
	refunds := map[string]int{}
	refunded := decimal.Zero
	for _, rf := range s.refunds {
		refunds[rf.ReturnID]++
		refunded = refunded.Add(rf.Amount)
	}
	reversals := map[string]int{}
	var points int64
	for _, lr := range s.reversals {
		reversals[lr.ReturnID]++
		points += lr.Points
	}
	for _, r := range s.returns {
		switch r.Approval {
		case returns.Rejected:
			continue
		case returns.Pending:
			pending++
			if restocked[r.ID] != 0 || refunds[r.ID] != 0 || reversals[r.ID] != 0 {
				t.Errorf("pending return %s was restocked %d, refunded %d times, reversed %d times", r.ID, restocked[r.ID], refunds[r.ID], reversals[r.ID])
			}
		case returns.Approved:
			if restocked[r.ID] != r.Quantity() {
				t.Errorf("return %s of %d units restocked %d", r.ID, r.Quantity(), restocked[r.ID])
			}
			if refunds[r.ID] != 1 || !r.Refunded.Equal(r.RefundDue) {
				t.Errorf("return %s refunded %d times (%s of %s due)", r.ID, refunds[r.ID], r.Refunded, r.RefundDue)
			}
			if reversals[r.ID] > 1 || (reversals[r.ID] == 1) != (r.LoyaltyPoints > 0) {
				t.Errorf("return %s: %d loyalty reversals, %d points on the record", r.ID, reversals[r.ID], r.LoyaltyPoints)
			}
		}
		for _, it := range r.Items {
			claimed[it.Line] += it.Quantity
			if r.Approval == returns.Approved {
				approved[it.Line] += it.Quantity
				wantLevels[it.ProductID] += it.Quantity
			}
		}
	}
	for i, l := range s.order.Lines {
		if claimed[i] > l.Delivered || l.Returned != approved[i] {
			t.Errorf("line %d (%s): over-return: %d claimed, %d approved, %d on the order, %d delivered",
				i, l.ProductID, claimed[i], approved[i], l.Returned, l.Delivered)
		}
	}
	for p, n := range wantLevels {
		if s.levels != nil && s.levels[p] != n {
			t.Errorf("stock of %s is %d, approved returns brought back %d", p, s.levels[p], n)
		}
	}
	if pending > 1 || (pending == 1) != (s.order.Status == oms.ReturnPending) {
		t.Errorf("%d pending requests, order %s", pending, s.order.Status.Label())
	}
	if !refunded.Equal(s.order.Refunded) || s.order.Refunded.GreaterThan(s.order.Paid) {
		t.Errorf("refunds add up to %s, order refunded %s of %s paid", refunded, s.order.Refunded, s.order.Paid)
	}
	if points > 100 {
		t.Errorf("%d points reversed of 100 earned", points)
	}
}

// raceAll runs call(g) on n goroutines released together and returns
// their errors by goroutine.
func raceAll(n int, call func(g int) error) []error {
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for g := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[g] = call(g)
		}()
	}
	close(start)
	wg.Wait()
	return errs
}

// Two requests on one order from two processes, the first holding its
// commit until the other has read the order: the other's write is stale,
// the service retries it, and the retry sees the pending request. Then two
// approvals of that request race the same way: the loser's retry finds it
// approved and changes nothing. Exactly one restock, refund and reversal.
func TestReturnsRetryAfterConflictOnPostgres(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	sh := newRaceShop(t, returns.Config{RefundLoyaltyPoints: true})
	o := sh.delivered(t, 4, 2)

	sh.gate.arm(300 * time.Millisecond)
	var created [2]returns.Return
	errs := raceAll(2, func(g int) error {
		var err error
		created[g], err = sh.svc[g].Create(ctx, raceClient, returns.Request{OrderID: o.ID,
			Items: []returns.ItemRequest{{Line: g, Quantity: 1}}, Reason: fmt.Sprintf("request %d", g)})
		return err
	})
	sh.gate.disarm()
	if sh.conflicts() == 0 {
		t.Fatal("no unit met a conflict: the retry was not exercised")
	}
	winner := -1
	for g, err := range errs {
		switch {
		case err == nil:
			if winner >= 0 {
				t.Fatalf("both racing requests were created: %s and %s", created[winner].ID, created[g].ID)
			}
			winner = g
		case !errors.Is(err, returns.ErrReturnPending):
			t.Errorf("request %d: %v, want the retry to find the other request pending", g, err)
		}
	}
	if winner < 0 {
		t.Fatalf("no request was created: %v", errs)
	}
	r := created[winner]
	t.Logf("requests: %d conflict(s), request %d won", sh.conflicts(), winner)

	before := sh.conflicts()
	sh.gate.arm(300 * time.Millisecond)
	var approved [2]returns.Return
	errs = raceAll(2, func(g int) error {
		var err error
		approved[g], err = sh.svc[g].Approve(ctx, raceSupervisor, r.ID, returns.ApproveOptions{Note: fmt.Sprintf("approver %d", g)})
		return err
	})
	sh.gate.disarm()
	if sh.conflicts() == before {
		t.Fatal("no approval met a conflict: the retry was not exercised")
	}
	for g, err := range errs {
		if err != nil {
			t.Fatalf("approval %d: %v", g, err)
		}
	}
	if approved[0].Approval != returns.Approved || approved[0].ReceiptID == "" || approved[0].ReceiptID != approved[1].ReceiptID ||
		approved[0].DecisionNote != approved[1].DecisionNote || !approved[0].Refunded.Equal(approved[1].Refunded) {
		t.Errorf("the two approvals saw different returns:\n%+v\n%+v", approved[0], approved[1])
	}
	s := sh.state(t, o.ID, true)
	s.check(t)
	if len(s.refunds) != 1 || len(s.stock) != 1 || len(s.reversals) != 1 || s.order.Status != oms.PartialRefund {
		t.Errorf("after racing approvals: %d refunds, %d stock entries, %d reversals, order %s; want 1, 1, 1, Partial Refund",
			len(s.refunds), len(s.stock), len(s.reversals), s.order.Status.Label())
	}
}

// Rounds of six requests from two processes racing on one order, then six
// approvals of whichever request got in, until nothing is left to return.
// Only the documented errors may come back: a request finds another
// pending or asks for more than is left, or (every attempt lost the race)
// oms.ErrConflict; an approval succeeds or gives up with oms.ErrConflict.
// After every round nothing is over-returned and every approved return
// was restocked, refunded and reversed exactly once.
func TestReturnsRacingRequestsAndApprovalsOnPostgres(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	sh := newRaceShop(t, returns.Config{RefundLoyaltyPoints: true, Fee: returns.PercentFee(decimal.NewFromInt(10))})
	o := sh.delivered(t, 5, 3)
	const racers = 6
	var requests, gaveUp int
	for round := 0; round < 20; round++ {
		var mu sync.Mutex
		var created []returns.Return
		errs := raceAll(racers, func(g int) error {
			// Each racer asks for one or two units of a line; most of them
			// could be granted on their own, so only the store decides.
			r, err := sh.svc[g%2].Create(ctx, raceClient, returns.Request{OrderID: o.ID, Reason: "race",
				Items: []returns.ItemRequest{{Line: (g + round) % 2, Quantity: int64(1 + g%2)}}})
			if err == nil {
				mu.Lock()
				created = append(created, r)
				mu.Unlock()
			}
			return err
		})
		done := true
		for g, err := range errs {
			switch {
			case err == nil:
			case errors.Is(err, returns.ErrReturnPending):
				done = false
			case errors.Is(err, oms.ErrConflict):
				done = false
				gaveUp++
			case errors.Is(err, returns.ErrOverReturn), errors.Is(err, returns.ErrNotReturnable):
			default:
				t.Fatalf("round %d request %d: undocumented error %v", round, g, err)
			}
		}
		if len(created) > 1 {
			t.Fatalf("round %d: %d requests created at once on one order", round, len(created))
		}
		if len(created) == 0 {
			// Every request was refused on its merits (the line asked for
			// has fewer units left): the next round asks differently.
			if !done {
				t.Fatalf("round %d: every request lost to one that was never created: %v", round, errs)
			}
			if s := sh.state(t, o.ID, true); s.order.Status == oms.Return || s.order.Status == oms.Refund ||
				s.order.Lines[0].Returned == s.order.Lines[0].Delivered && s.order.Lines[1].Returned == s.order.Lines[1].Delivered {
				break
			}
			continue
		}
		requests++
		r := created[0]
		var approvals [racers]returns.Return
		errs = raceAll(racers, func(g int) error {
			var err error
			approvals[g], err = sh.svc[g%2].Approve(ctx, raceSupervisor, r.ID, returns.ApproveOptions{})
			return err
		})
		ok := 0
		for g, err := range errs {
			switch {
			case err == nil:
				ok++
				if approvals[g].Approval != returns.Approved || approvals[g].ReceiptID == "" {
					t.Errorf("round %d approval %d returned %+v", round, g, approvals[g])
				}
			case errors.Is(err, oms.ErrConflict):
				gaveUp++
			default:
				t.Fatalf("round %d approval %d: undocumented error %v", round, g, err)
			}
		}
		if ok == 0 {
			t.Fatalf("round %d: no approval of %s went through: %v", round, r.ID, errs)
		}
		s := sh.state(t, o.ID, true)
		s.check(t)
		if t.Failed() {
			t.Fatalf("round %d broke an invariant", round)
		}
	}
	s := sh.state(t, o.ID, true)
	for i, l := range s.order.Lines {
		if l.Returned != l.Delivered {
			t.Errorf("line %d: %d of %d back after the rounds", i, l.Returned, l.Delivered)
		}
	}
	if s.order.Status != oms.Return && s.order.Status != oms.PartialRefund && s.order.Status != oms.Refund {
		t.Errorf("order ends %s", s.order.Status.Label())
	}
	t.Logf("%d requests created, %d conflicts retried or given up, %d calls gave up; order ends %s",
		requests, sh.conflicts(), gaveUp, s.order.Status.Label())
}

// What a unit read and checked must be what it writes over. On
// PostgreSQL every statement of a unit sees the latest commits (read
// committed), so another unit can commit between the service's read of
// the order (or of the return) and the core's write of the order. These
// make one commit exactly there and check the outcome is what a clean
// race gives: a documented refusal or a no-op, never a request for units
// already returned nor an undocumented error.
func TestReturnsChangeBetweenReadsOnPostgres(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	sh := newRaceShop(t, returns.Config{RefundLoyaltyPoints: true, Fee: returns.PercentFee(decimal.NewFromInt(10))})
	create := func(t *testing.T, svc *returns.Service, o oms.Order, line int, qty int64) (returns.Return, error) {
		t.Helper()
		return svc.Create(ctx, raceClient, returns.Request{OrderID: o.ID, Items: []returns.ItemRequest{{Line: line, Quantity: qty}}, Reason: "r"})
	}
	must := func(t *testing.T) func(returns.Return, error) returns.Return {
		return func(r returns.Return, err error) returns.Return {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
			return r
		}
	}

	t.Run("request while another is made and approved", func(t *testing.T) {
		o := sh.delivered(t, 2, 1)
		// After the request has read the order and its returns, and before
		// it writes, the other process requests and approves both units
		// of A.
		sh.stores[0].interleave("returns", func() {
			r := must(t)(create(t, sh.svc[1], o, 0, 2))
			must(t)(sh.svc[1].Approve(ctx, raceSupervisor, r.ID, returns.ApproveOptions{}))
		})
		_, err := create(t, sh.svc[0], o, 0, 1)
		if !errors.Is(err, returns.ErrOverReturn) {
			t.Errorf("request for a unit returned meanwhile: %v, want ErrOverReturn", err)
		}
		sh.state(t, o.ID, false).check(t)
	})

	t.Run("approval while another approval commits", func(t *testing.T) {
		o := sh.delivered(t, 2, 1)
		r := must(t)(create(t, sh.svc[0], o, 0, 2))
		var other returns.Return
		sh.stores[0].interleave("return", func() {
			other = must(t)(sh.svc[1].Approve(ctx, raceSupervisor, r.ID, returns.ApproveOptions{Note: "other"}))
		})
		got, err := sh.svc[0].Approve(ctx, raceSupervisor, r.ID, returns.ApproveOptions{Note: "mine"})
		if err != nil {
			t.Fatalf("second approval: %v, want the approved return unchanged", err)
		}
		if got.ReceiptID != other.ReceiptID || got.DecisionNote != "other" || got.Version != other.Version {
			t.Errorf("second approval returned %+v, want the first one's %+v", got, other)
		}
		s := sh.state(t, o.ID, false)
		s.check(t)
		if len(s.refunds) != 1 || len(s.stock) != 1 {
			t.Errorf("%d refunds, %d stock entries; want 1 and 1", len(s.refunds), len(s.stock))
		}
	})

	t.Run("rejection while an approval commits", func(t *testing.T) {
		o := sh.delivered(t, 2, 1)
		r := must(t)(create(t, sh.svc[0], o, 1, 1))
		sh.stores[0].interleave("return", func() {
			must(t)(sh.svc[1].Approve(ctx, raceSupervisor, r.ID, returns.ApproveOptions{}))
		})
		_, err := sh.svc[0].Reject(ctx, raceSupervisor, r.ID, "too late")
		var de *returns.DecisionError
		if !errors.As(err, &de) || de.Approval != returns.Approved {
			t.Errorf("rejection of a return approved meanwhile: %v, want a *DecisionError", err)
		}
		sh.state(t, o.ID, false).check(t)
	})

	t.Run("approval while the request is rejected", func(t *testing.T) {
		o := sh.delivered(t, 2, 1)
		r := must(t)(create(t, sh.svc[0], o, 0, 1))
		sh.stores[0].interleave("return", func() {
			must(t)(sh.svc[1].Reject(ctx, raceSupervisor, r.ID, "no"))
		})
		_, err := sh.svc[0].Approve(ctx, raceSupervisor, r.ID, returns.ApproveOptions{})
		var de *returns.DecisionError
		if !errors.As(err, &de) || de.Approval != returns.Rejected {
			t.Errorf("approval of a return rejected meanwhile: %v, want a *DecisionError", err)
		}
		s := sh.state(t, o.ID, false)
		s.check(t)
		if len(s.refunds) != 0 || len(s.stock) != 0 || s.order.Status != oms.Delivered {
			t.Errorf("%d refunds, %d stock entries, order %s; want none and Delivered", len(s.refunds), len(s.stock), s.order.Status.Label())
		}
	})
}
