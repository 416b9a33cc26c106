package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"

	"github.com/azuvio/omnisales/oms"
)

// Run runs the whole suite against stores made by newStore.
func Run(t *testing.T, newStore func(t *testing.T) oms.Store) {
	t.Run("CRUD", func(t *testing.T) { testCRUD(t, newStore(t)) })
	t.Run("Conflict", func(t *testing.T) { testConflict(t, newStore(t)) })
	t.Run("UpdatesInOneUnit", func(t *testing.T) { testUpdatesInOneUnit(t, newStore(t)) })
	t.Run("ExternalIDUnique", func(t *testing.T) { testExternal(t, newStore(t)) })
	t.Run("Atomicity", func(t *testing.T) { testAtomic(t, newStore(t)) })
	t.Run("Filter", func(t *testing.T) { testFilter(t, newStore(t)) })
	t.Run("PaginationUnderInserts", func(t *testing.T) { testPagination(t, newStore(t)) })
	t.Run("PaginationFarDates", func(t *testing.T) { testPaginationFarDates(t, newStore(t)) })
	t.Run("Outbox", func(t *testing.T) { testOutbox(t, newStore(t)) })
	t.Run("OutboxLeaseExpiry", func(t *testing.T) { testLease(t, newStore(t)) })
	t.Run("ConcurrentConfirm", func(t *testing.T) { testConcurrentConfirm(t, newStore(t)) })
	t.Run("CanceledContext", func(t *testing.T) { testCanceled(t, newStore(t)) })
	t.Run("HistoryNeedsOrder", func(t *testing.T) { testHistoryNeedsOrder(t, newStore(t)) })
	t.Run("DiscountLog", func(t *testing.T) { testDiscountLog(t, newStore(t)) })
}

// testHistoryNeedsOrder: history belongs to a stored order. An entry for
// an unknown order is ErrNotFound (from AppendHistory or from Do, for a
// store that defers writes), and the unit leaves nothing behind; entries of
// a unit that fails are undone with it.
func testHistoryNeedsOrder(t *testing.T, s oms.Store) {
	ctx := context.Background()
	n := Order(1)
	err := do(t, s, func(tx oms.Tx) error {
		if err := tx.Insert(ctx, &n); err != nil {
			return err
		}
		return tx.AppendHistory(ctx, oms.HistoryEntry{OrderID: "no-such-order", At: base, Event: oms.EvPlace})
	})
	if !errors.Is(err, oms.ErrNotFound) {
		t.Fatalf("history of an unknown order: err = %v, want ErrNotFound", err)
	}
	if _, err := s.Get(ctx, n.ID); !errors.Is(err, oms.ErrNotFound) {
		t.Fatalf("order inserted in the failed unit: Get err = %v, want ErrNotFound", err)
	}
	n = Order(1)
	if err := do(t, s, func(tx oms.Tx) error {
		if err := tx.Insert(ctx, &n); err != nil {
			return err
		}
		return tx.AppendHistory(ctx, oms.HistoryEntry{OrderID: n.ID, At: base, Actor: "a", Event: oms.EvPlace})
	}); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	for i := range 6 { // past the entries a store may keep inline
		err := do(t, s, func(tx oms.Tx) error {
			if err := tx.AppendHistory(ctx, oms.HistoryEntry{OrderID: n.ID, At: base.Add(time.Duration(i+1) * time.Second), Actor: "a", From: oms.Draft, To: oms.Draft}); err != nil {
				return err
			}
			if i%2 == 1 {
				return boom
			}
			return nil
		})
		if (i%2 == 1) != errors.Is(err, boom) {
			t.Fatalf("unit %d: err = %v", i, err)
		}
	}
	h, err := s.History(ctx, n.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != 4 {
		t.Fatalf("history has %d entries, want 4 (1 + 3 committed units)", len(h))
	}
	for i, e := range h[1:] {
		if want := base.Add(time.Duration(2*i+1) * time.Second); !e.At.Equal(want) {
			t.Fatalf("entry %d at %v, want %v (a failed unit's entry survived)", i+1, e.At, want)
		}
	}
}

var base = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

// Order returns a valid order for store tests; n makes ids and times distinct.
func Order(n int) oms.Order {
	lines := []oms.Line{{ProductID: "P1", SKU: "SKU-1", ProductGroup: "G1", Quantity: 2,
		UnitPrice: decimal.RequireFromString("10.50"), Discount: decimal.RequireFromString("1.00"), TaxRate: decimal.NewFromInt(19)}}
	o := oms.Order{
		ID: fmt.Sprintf("ord-%06d", n), Number: fmt.Sprintf("N%06d", n),
		Channel: oms.ChannelRef{Type: oms.ChannelPortal, ID: 2}, Type: "b2b",
		Client: oms.Client{ID: "C1", Groups: []string{"VIP", "Wholesale"}, Email: "c1@example.com"},
		Lines:  lines, Currency: "RON", Status: oms.Draft,
		CreatedAt: base.Add(time.Duration(n) * time.Second), UpdatedAt: base.Add(time.Duration(n) * time.Second),
	}
	o.Totals = oms.ComputeTotals(o.Lines, o.Currency, decimal.RequireFromString("15"))
	return o
}

func do(t *testing.T, s oms.Store, fn func(tx oms.Tx) error) error {
	t.Helper()
	return s.Do(context.Background(), fn)
}

func mustInsert(t *testing.T, s oms.Store, o *oms.Order) {
	t.Helper()
	if err := do(t, s, func(tx oms.Tx) error { return tx.Insert(context.Background(), o) }); err != nil {
		t.Fatalf("insert %s: %v", o.ID, err)
	}
}

// decimalEq compares decimals by value (1.5 == 1.50), as money must be.
var decimalEq = cmp.Comparer(func(a, b decimal.Decimal) bool { return a.Equal(b) })

// timeEq compares instants.
var timeEq = cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })

func testCRUD(t *testing.T, s oms.Store) {
	ctx := context.Background()
	o := Order(1)
	o.ExternalID, o.Store = "727", "shop-a"
	o.Shipment = oms.Shipment{Courier: "Sameday", AWB: "AWB1"}
	o.Paid = decimal.RequireFromString("12.34")
	mustInsert(t, s, &o)
	if o.Version != 1 {
		t.Fatalf("version after insert = %d, want 1", o.Version)
	}
	got, err := s.Get(ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(o, got, decimalEq, timeEq); d != "" {
		t.Fatalf("Get differs from inserted (-want +got):\n%s", d)
	}
	got.Lines[0].Quantity = 99 // copies out: must not reach the store
	again, _ := s.Get(ctx, o.ID)
	if again.Lines[0].Quantity != 2 {
		t.Fatal("store returned shared memory: a caller's edit reached the stored order")
	}
	byExt, err := s.GetByExternal(ctx, o.Key())
	if err != nil || byExt.ID != o.ID {
		t.Fatalf("GetByExternal = %v, %v", byExt.ID, err)
	}
	upd := got
	upd.Lines[0].Quantity = 2
	upd.Status = oms.Confirmed
	upd.Notes = "changed"
	if err := do(t, s, func(tx oms.Tx) error { return tx.Update(ctx, &upd) }); err != nil {
		t.Fatal(err)
	}
	if upd.Version != 2 {
		t.Fatalf("version after update = %d, want 2", upd.Version)
	}
	got, _ = s.Get(ctx, o.ID)
	if got.Status != oms.Confirmed || got.Notes != "changed" || got.Version != 2 {
		t.Fatalf("after update: %+v", got)
	}
	if _, err := s.Get(ctx, "nope"); !errors.Is(err, oms.ErrNotFound) {
		t.Fatalf("Get missing: %v, want ErrNotFound", err)
	}
	if _, err := s.GetByExternal(ctx, oms.ExternalKey{Channel: o.Channel, Store: "shop-a", ExternalID: "nope"}); !errors.Is(err, oms.ErrNotFound) {
		t.Fatalf("GetByExternal missing: %v, want ErrNotFound", err)
	}
	missing := Order(2)
	missing.Version = 1
	if err := do(t, s, func(tx oms.Tx) error { return tx.Update(ctx, &missing) }); !errors.Is(err, oms.ErrNotFound) {
		t.Fatalf("Update missing: %v, want ErrNotFound", err)
	}
	// Reads inside a unit of work see its own writes.
	err = do(t, s, func(tx oms.Tx) error {
		n := Order(3)
		if err := tx.Insert(ctx, &n); err != nil {
			return err
		}
		in, err := tx.Get(ctx, n.ID)
		if err != nil {
			return fmt.Errorf("tx.Get of own insert: %w", err)
		}
		in.Notes = "x"
		return tx.Update(ctx, &in)
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Get(ctx, Order(3).ID); got.Notes != "x" || got.Version != 2 {
		t.Fatalf("insert+update in one unit: %+v", got)
	}
	// History round-trip, in append order.
	h := []oms.HistoryEntry{
		{OrderID: o.ID, At: base, Actor: "a", From: oms.Draft, To: oms.Draft, Event: oms.EvPlace},
		{OrderID: o.ID, At: base.Add(time.Second), Actor: "b", From: oms.Draft, To: oms.Confirmed, Event: oms.EvConfirm, Reason: "ok"},
	}
	for _, e := range h {
		if err := do(t, s, func(tx oms.Tx) error { return tx.AppendHistory(ctx, e) }); err != nil {
			t.Fatal(err)
		}
	}
	gotH, err := s.History(ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(h, gotH, timeEq); d != "" {
		t.Fatalf("history (-want +got):\n%s", d)
	}
}

func testConflict(t *testing.T, s oms.Store) {
	ctx := context.Background()
	o := Order(1)
	mustInsert(t, s, &o)
	a, _ := s.Get(ctx, o.ID)
	b, _ := s.Get(ctx, o.ID)
	a.Notes = "first"
	if err := do(t, s, func(tx oms.Tx) error { return tx.Update(ctx, &a) }); err != nil {
		t.Fatal(err)
	}
	b.Notes = "stale"
	err := do(t, s, func(tx oms.Tx) error { return tx.Update(ctx, &b) })
	if !errors.Is(err, oms.ErrConflict) {
		t.Fatalf("stale update: %v, want ErrConflict", err)
	}
	got, _ := s.Get(ctx, o.ID)
	if got.Notes != "first" || got.Version != 2 {
		t.Fatalf("stale update changed the order: %+v", got)
	}
}

// testUpdatesInOneUnit: a unit reads its own updates (by id and by
// external key), may update an order twice, and keeps none of them when
// it fails.
func testUpdatesInOneUnit(t *testing.T, s oms.Store) {
	ctx := context.Background()
	o := Order(1)
	o.Store, o.ExternalID = "shop", "ext-1"
	mustInsert(t, s, &o)
	err := do(t, s, func(tx oms.Tx) error {
		a, err := tx.Get(ctx, o.ID)
		if err != nil {
			return err
		}
		a.Notes = "one"
		if err := tx.Update(ctx, &a); err != nil {
			return err
		}
		b, err := tx.Get(ctx, o.ID)
		if err != nil {
			return err
		}
		if b.Notes != "one" || b.Version != 2 {
			return fmt.Errorf("read after update: notes %q version %d, want \"one\" 2", b.Notes, b.Version)
		}
		c, err := tx.GetByExternal(ctx, o.Key())
		if err != nil {
			return err
		}
		if c.Notes != "one" || c.Version != 2 {
			return fmt.Errorf("read by external key after update: notes %q version %d, want \"one\" 2", c.Notes, c.Version)
		}
		b.Notes = "two"
		return tx.Update(ctx, &b)
	})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := s.Get(ctx, o.ID)
	if got.Notes != "two" || got.Version != 3 {
		t.Fatalf("after two updates in one unit: notes %q version %d, want \"two\" 3", got.Notes, got.Version)
	}
	errBoom := errors.New("boom")
	err = do(t, s, func(tx oms.Tx) error {
		a, err := tx.Get(ctx, o.ID)
		if err != nil {
			return err
		}
		a.Notes = "three"
		if err := tx.Update(ctx, &a); err != nil {
			return err
		}
		if b, err := tx.Get(ctx, o.ID); err != nil || b.Notes != "three" {
			return fmt.Errorf("read after update: %q, %v", b.Notes, err)
		}
		return errBoom
	})
	if !errors.Is(err, errBoom) {
		t.Fatalf("failed unit: %v", err)
	}
	if got, _ := s.Get(ctx, o.ID); got.Notes != "two" || got.Version != 3 {
		t.Fatalf("a failed unit's update stayed: notes %q version %d", got.Notes, got.Version)
	}
}

func testExternal(t *testing.T, s oms.Store) {
	ctx := context.Background()
	a := Order(1)
	a.Store, a.ExternalID = "shop", "100"
	mustInsert(t, s, &a)
	dup := Order(2)
	dup.Store, dup.ExternalID = "shop", "100"
	if err := do(t, s, func(tx oms.Tx) error { return tx.Insert(ctx, &dup) }); !errors.Is(err, oms.ErrDuplicate) {
		t.Fatalf("duplicate external id: %v, want ErrDuplicate", err)
	}
	if _, err := s.Get(ctx, dup.ID); !errors.Is(err, oms.ErrNotFound) {
		t.Fatal("refused duplicate was stored")
	}
	sameID := Order(1)
	if err := do(t, s, func(tx oms.Tx) error { return tx.Insert(ctx, &sameID) }); !errors.Is(err, oms.ErrDuplicate) {
		t.Fatalf("duplicate id: %v, want ErrDuplicate", err)
	}
	// The same external id in another store or channel is another order.
	other := Order(3)
	other.Store, other.ExternalID = "shop-2", "100"
	mustInsert(t, s, &other)
	other2 := Order(4)
	other2.Store, other2.ExternalID = "shop", "100"
	other2.Channel = oms.ChannelRef{Type: oms.ChannelWooCommerce, ID: 3}
	mustInsert(t, s, &other2)
	// Orders without an external id never collide.
	for i := 5; i < 8; i++ {
		o := Order(i)
		mustInsert(t, s, &o)
	}
	// Racing imports of one external id: exactly one wins.
	var wins atomic.Int32
	var wg sync.WaitGroup
	for i := range 10 {
		wg.Go(func() {
			o := Order(100 + i)
			o.Store, o.ExternalID = "race", "1"
			err := s.Do(ctx, func(tx oms.Tx) error { return tx.Insert(ctx, &o) })
			switch {
			case err == nil:
				wins.Add(1)
			case !errors.Is(err, oms.ErrDuplicate):
				t.Errorf("racing insert: %v, want nil or ErrDuplicate", err)
			}
		})
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Fatalf("racing imports of one external id: %d won, want 1", wins.Load())
	}
}

var errBoom = errors.New("boom")

func testAtomic(t *testing.T, s oms.Store) {
	ctx := context.Background()
	keep := Order(1)
	mustInsert(t, s, &keep)
	err := do(t, s, func(tx oms.Tx) error {
		n := Order(2)
		n.Store, n.ExternalID = "shop", "A"
		if err := tx.Insert(ctx, &n); err != nil {
			return err
		}
		if err := tx.AppendHistory(ctx, oms.HistoryEntry{OrderID: n.ID, At: base, Event: oms.EvPlace}); err != nil {
			return err
		}
		if err := tx.AppendEvent(ctx, &oms.Event{Type: oms.EventPlaced, OrderID: n.ID, At: base}); err != nil {
			return err
		}
		k, err := tx.Get(ctx, keep.ID)
		if err != nil {
			return err
		}
		k.Notes = "must not stay"
		if err := tx.Update(ctx, &k); err != nil {
			return err
		}
		return errBoom
	})
	if !errors.Is(err, errBoom) {
		t.Fatalf("Do returned %v, want the function's error", err)
	}
	if _, err := s.Get(ctx, Order(2).ID); !errors.Is(err, oms.ErrNotFound) {
		t.Fatalf("insert of a failed unit survived: %v", err)
	}
	if _, err := s.GetByExternal(ctx, oms.ExternalKey{Channel: keep.Channel, Store: "shop", ExternalID: "A"}); !errors.Is(err, oms.ErrNotFound) {
		t.Fatalf("external key of a failed unit survived: %v", err)
	}
	if k, _ := s.Get(ctx, keep.ID); k.Notes != "" || k.Version != 1 {
		t.Fatalf("update of a failed unit survived: %+v", k)
	}
	if evs, err := s.ClaimEvents(ctx, "w", 10, time.Minute); err != nil || len(evs) != 0 {
		t.Fatalf("events of a failed unit survived: %v %v", evs, err)
	}
	// The key is free again: a later unit can use it.
	n := Order(2)
	n.Store, n.ExternalID = "shop", "A"
	mustInsert(t, s, &n)
}

func testFilter(t *testing.T, s oms.Store) {
	ctx := context.Background()
	mk := func(i int, st oms.Status, ch oms.ChannelRef, req bool, ap oms.Approval, client string) {
		o := Order(i)
		o.Status, o.Channel, o.ApprovalRequired, o.Approval, o.Client.ID = st, ch, req, ap, client
		mustInsert(t, s, &o)
	}
	portal := oms.ChannelRef{Type: oms.ChannelPortal, ID: 2}
	woo := oms.ChannelRef{Type: oms.ChannelWooCommerce, ID: 3}
	mk(1, oms.Draft, portal, true, oms.ApprovalPending, "C1")
	mk(2, oms.Processing, woo, false, 0, "C2")
	mk(3, oms.StockUnavailable, woo, false, 0, "C1")
	mk(4, oms.Draft, portal, true, oms.ApprovalApproved, "C2")
	mk(5, oms.Confirmed, portal, true, oms.ApprovalRejected, "C1")
	mk(6, oms.Draft, portal, false, 0, "C3")
	cases := []struct {
		name string
		f    oms.Filter
		want []int
	}{
		{"all", oms.Filter{}, []int{1, 2, 3, 4, 5, 6}},
		{"unconfirmed", oms.Filter{Statuses: []oms.Status{oms.Draft, oms.Processing}}, []int{1, 2, 4, 6}},
		{"awaiting approval", oms.Filter{Approval: oms.AwaitingApproval}, []int{1}},
		{"approved", oms.Filter{Approval: oms.ApprovedOnly}, []int{4}},
		{"rejected", oms.Filter{Approval: oms.RejectedOnly}, []int{5}},
		{"no approval needed", oms.Filter{Approval: oms.NoApprovalNeeded}, []int{2, 3, 6}},
		{"stock unavailable", oms.Filter{Statuses: []oms.Status{oms.StockUnavailable}}, []int{3}},
		{"channel type", oms.Filter{ChannelType: oms.ChannelWooCommerce}, []int{2, 3}},
		{"channel id", oms.Filter{ChannelID: 2}, []int{1, 4, 5, 6}},
		{"client", oms.Filter{ClientID: "C1"}, []int{1, 3, 5}},
		{"created range", oms.Filter{CreatedFrom: Order(2).CreatedAt, CreatedTo: Order(4).CreatedAt}, []int{2, 3}},
		{"combined", oms.Filter{Statuses: []oms.Status{oms.Draft}, ChannelType: oms.ChannelPortal, Approval: oms.AwaitingApproval}, []int{1}},
		{"statuses repeated, in any order", oms.Filter{Statuses: []oms.Status{oms.Processing, oms.Draft, oms.Draft}}, []int{1, 2, 4, 6}},
		{"three statuses and a channel", oms.Filter{Statuses: []oms.Status{oms.StockUnavailable, oms.Confirmed, oms.Draft}, ChannelType: oms.ChannelPortal}, []int{1, 4, 5, 6}},
	}
	for _, c := range cases {
		page, err := s.List(ctx, c.f, oms.Page{})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		var got []string
		for _, o := range page.Orders {
			got = append(got, o.ID)
		}
		var want []string
		for _, i := range c.want {
			want = append(want, Order(i).ID)
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("%s (-want +got):\n%s", c.name, d)
		}
		if page.Next != "" {
			t.Errorf("%s: Next = %q on the only page", c.name, page.Next)
		}
	}
	if _, err := s.List(ctx, oms.Filter{}, oms.Page{Cursor: "%%%"}); !errors.Is(err, oms.ErrInvalidOrder) {
		t.Errorf("malformed cursor: %v, want ErrInvalidOrder", err)
	}
	// Several statuses, one order per page: each once, in order.
	walked := walkOnePerPage(t, s, oms.Filter{Statuses: []oms.Status{oms.Processing, oms.Draft}}, 10)
	want := []string{Order(1).ID, Order(2).ID, Order(4).ID, Order(6).ID}
	if d := cmp.Diff(want, walked); d != "" {
		t.Errorf("unconfirmed one per page (-want +got):\n%s", d)
	}
}

func testPagination(t *testing.T, s oms.Store) {
	ctx := context.Background()
	const n = 60
	for i := range n {
		o := Order(2 * i) // even seconds: inserts below go between them too
		mustInsert(t, s, &o)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			// Inserts before and after the walk's position, and at the end.
			o := Order(2*(i%n) + 1)
			o.ID = fmt.Sprintf("ins-%06d", i)
			if i%3 == 0 {
				o.CreatedAt = base.Add(time.Hour + time.Duration(i)*time.Millisecond)
			}
			if err := s.Do(ctx, func(tx oms.Tx) error { return tx.Insert(ctx, &o) }); err != nil {
				t.Errorf("concurrent insert: %v", err)
				return
			}
			if i >= 500 {
				return
			}
		}
	})
	seen := map[string]int{}
	cursor := ""
	pages := 0
	for {
		page, err := s.List(ctx, oms.Filter{}, oms.Page{Limit: 7, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range page.Orders {
			seen[o.ID]++
		}
		pages++
		if page.Next == "" {
			break
		}
		cursor = page.Next
		if pages > 1000 {
			t.Fatal("pagination does not end")
		}
	}
	close(stop)
	wg.Wait()
	for id, c := range seen {
		if c != 1 {
			t.Errorf("order %s listed %d times", id, c)
		}
	}
	for i := range n {
		if seen[Order(2*i).ID] != 1 {
			t.Errorf("order %s that existed before the walk was skipped", Order(2*i).ID)
		}
	}
}

// testPaginationFarDates: orders created (imported) with dates far in the
// past or future are each listed once, in order, one per page.
func testPaginationFarDates(t *testing.T, s oms.Store) {
	dates := []time.Time{
		time.Date(1601, 3, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC),
		time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2300, 1, 1, 0, 0, 0, 1000, time.UTC),
		time.Date(9000, 6, 1, 0, 0, 0, 0, time.UTC),
	}
	var want []string
	for i, at := range dates {
		o := Order(i + 1)
		o.CreatedAt, o.UpdatedAt = at, at
		mustInsert(t, s, &o)
		want = append(want, o.ID)
	}
	if got := walkOnePerPage(t, s, oms.Filter{}, 2*len(dates)); !slices.Equal(got, want) {
		t.Fatalf("walk over far dates listed %v, want %v", got, want)
	}
}

// walkOnePerPage lists f one order per page, at most pages pages (a
// cursor that never ends must not hang the suite), and returns the ids.
func walkOnePerPage(t *testing.T, s oms.Store, f oms.Filter, pages int) []string {
	t.Helper()
	var ids []string
	p := oms.Page{Limit: 1}
	for range pages {
		page, err := s.List(context.Background(), f, p)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range page.Orders {
			ids = append(ids, o.ID)
		}
		if page.Next == "" {
			break
		}
		p.Cursor = page.Next
	}
	return ids
}

func appendEvents(t *testing.T, s oms.Store, n int) []int64 {
	t.Helper()
	var ids []int64
	err := do(t, s, func(tx oms.Tx) error {
		for i := range n {
			e := &oms.Event{Type: oms.EventStatusChanged, OrderID: fmt.Sprintf("o%d", i), From: oms.Draft, To: oms.Confirmed, At: base}
			if err := tx.AppendEvent(context.Background(), e); err != nil {
				return err
			}
			if e.ID == 0 {
				return errors.New("AppendEvent did not set the id")
			}
			ids = append(ids, e.ID)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

func testOutbox(t *testing.T, s oms.Store) {
	ctx := context.Background()
	ids := appendEvents(t, s, 5)
	a, err := s.ClaimEvents(ctx, "A", 3, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if len(a) != 3 || a[0].ID != ids[0] || a[2].ID != ids[2] {
		t.Fatalf("A claimed %v, want the 3 oldest", eventIDs(a))
	}
	if a[0].OrderID != "o0" || a[0].To != oms.Confirmed || a[0].Type != oms.EventStatusChanged {
		t.Fatalf("claimed event lost fields: %+v", a[0])
	}
	b, err := s.ClaimEvents(ctx, "B", 10, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) != 2 || b[0].ID != ids[3] {
		t.Fatalf("B claimed %v, want the 2 not leased to A", eventIDs(b))
	}
	if err := s.AckEvents(ctx, a[0].ID, a[1].ID, a[2].ID, b[0].ID, b[1].ID); err != nil {
		t.Fatal(err)
	}
	if err := s.AckEvents(ctx, a[0].ID, 999999); err != nil {
		t.Fatalf("acking again or an unknown id: %v", err)
	}
	if c, _ := s.ClaimEvents(ctx, "C", 10, time.Minute); len(c) != 0 {
		t.Fatalf("acknowledged events were claimed again: %v", eventIDs(c))
	}
	// Many workers claiming at once never share an event.
	more := appendEvents(t, s, 200)
	var mu sync.Mutex
	got := map[int64]int{}
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for {
				evs, err := s.ClaimEvents(ctx, fmt.Sprintf("w%d", w), 7, time.Minute)
				if err != nil {
					t.Error(err)
					return
				}
				if len(evs) == 0 {
					return
				}
				mu.Lock()
				for _, e := range evs {
					got[e.ID]++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	for _, id := range more {
		if got[id] != 1 {
			t.Fatalf("event %d claimed %d times by concurrent workers, want 1", id, got[id])
		}
	}
}

func eventIDs(evs []oms.Event) []int64 {
	var out []int64
	for _, e := range evs {
		out = append(out, e.ID)
	}
	return out
}

func testLease(t *testing.T, s oms.Store) {
	ctx := context.Background()
	ids := appendEvents(t, s, 2)
	lease := 300 * time.Millisecond
	a, err := s.ClaimEvents(ctx, "dies", 10, lease)
	if err != nil || len(a) != 2 {
		t.Fatalf("claim: %v %v", eventIDs(a), err)
	}
	if err := s.AckEvents(ctx, ids[0]); err != nil {
		t.Fatal(err)
	}
	if b, _ := s.ClaimEvents(ctx, "other", 10, lease); len(b) != 0 {
		t.Fatalf("leased event was claimed by another worker before expiry: %v", eventIDs(b))
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		b, err := s.ClaimEvents(ctx, "other", 10, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if len(b) == 1 && b[0].ID == ids[1] {
			if b[0].Attempts < 2 {
				t.Errorf("re-claimed event has Attempts %d, want ≥ 2", b[0].Attempts)
			}
			return // the dead worker's unacknowledged event was taken over
		}
		if len(b) != 0 {
			t.Fatalf("after expiry claimed %v, want only %d", eventIDs(b), ids[1])
		}
		if time.Now().After(deadline) {
			t.Fatal("an expired lease was never taken over")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func testConcurrentConfirm(t *testing.T, s oms.Store) {
	ctx := context.Background()
	svc, err := oms.NewService(s, oms.Config{})
	if err != nil {
		t.Fatal(err)
	}
	op := oms.Staff("op", oms.RoleOperator)
	o, err := svc.Place(ctx, op, oms.NewOrder{Channel: oms.ChannelRef{Type: oms.ChannelManual, ID: 4}, Currency: "RON",
		Client: oms.Client{ID: "C1"}, Lines: []oms.Line{{ProductID: "P", Quantity: 1, UnitPrice: decimal.NewFromInt(5)}}})
	if err != nil {
		t.Fatal(err)
	}
	var ok, refused atomic.Int32
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range 50 {
		wg.Go(func() {
			<-start
			_, err := svc.Confirm(ctx, op, o.ID)
			switch {
			case err == nil:
				ok.Add(1)
			case errors.Is(err, oms.ErrInvalidTransition), errors.Is(err, oms.ErrConflict):
				refused.Add(1)
			default:
				t.Errorf("confirm: unexpected error %v", err)
			}
		})
	}
	close(start)
	wg.Wait()
	if ok.Load() != 1 || refused.Load() != 49 {
		t.Fatalf("50 concurrent confirms: %d succeeded, %d refused; want 1 and 49", ok.Load(), refused.Load())
	}
	h, err := s.History(ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != 2 || h[1].To != oms.Confirmed {
		t.Fatalf("history after the race: %+v", h)
	}
	got, _ := s.Get(ctx, o.ID)
	if got.Status != oms.Confirmed || got.Version != 2 {
		t.Fatalf("order after the race: status %s version %d", got.Status, got.Version)
	}
}

func testCanceled(t *testing.T, s oms.Store) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	o := Order(1)
	err := s.Do(ctx, func(tx oms.Tx) error { return tx.Insert(ctx, &o) })
	if err == nil {
		t.Fatal("Do with a canceled context succeeded")
	}
	if _, err := s.Get(context.Background(), o.ID); !errors.Is(err, oms.ErrNotFound) {
		t.Fatalf("a canceled unit of work left the order: %v", err)
	}
}
