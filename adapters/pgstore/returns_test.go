package pgstore_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"

	"github.com/azuvio/omnisales/adapters/pgstore"
	"github.com/azuvio/omnisales/oms"
	"github.com/azuvio/omnisales/oms/storetest"
	"github.com/azuvio/omnisales/returns"
	"github.com/azuvio/omnisales/returns/returnstest"
)

func TestReturnsConformance(t *testing.T) {
	returnstest.Run(t, func(t *testing.T) returns.Store { return newStore(t) })
}

// returnsClock is a settable clock shared by the order and returns services.
type returnsClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *returnsClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *returnsClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

var (
	returnsStaff      = oms.Staff("op", oms.RoleOperator, oms.RoleSalesManager, oms.RoleReturnsSupervisor, []oms.Permission{oms.PermDiscounts}) // grants the trade discounts by hand
	returnsSupervisor = oms.Staff("sup", oms.RoleReturnsSupervisor)
)

func retMoney(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// deliveredOrder places, pays, confirms, ships and delivers an order
// through the order service: A 4 × 100.00 with 40.00 discount at 19% tax,
// B 3 × 10.00 at 9%, delivery 15.00; total 476.10.
func deliveredOrder(t *testing.T, orders *oms.Service) oms.Order {
	t.Helper()
	ctx := context.Background()
	fee := retMoney("15")
	o, err := orders.Place(ctx, returnsStaff, oms.NewOrder{
		Channel: oms.ChannelRef{Type: oms.ChannelPortal, ID: 1}, Client: oms.Client{ID: "c1"}, Currency: "RON",
		DeliveryFee: &fee, PaymentMethod: "bank_transfer",
		Lines: []oms.Line{
			{ProductID: "A", SKU: "SKU-A", Quantity: 4, UnitPrice: retMoney("100"), Discount: retMoney("40"), TaxRate: retMoney("19")},
			{ProductID: "B", SKU: "SKU-B", Quantity: 3, UnitPrice: retMoney("10"), TaxRate: retMoney("9")},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !o.Totals.Total.Equal(retMoney("476.10")) {
		t.Fatalf("total %s, want 476.10", o.Totals.Total)
	}
	steps := []func() (oms.Order, error){
		func() (oms.Order, error) { return orders.RecordPayment(ctx, returnsStaff, o.ID, o.Totals.Total) },
		func() (oms.Order, error) { return orders.Confirm(ctx, returnsStaff, o.ID) },
		func() (oms.Order, error) {
			return orders.Ship(ctx, returnsStaff, o.ID, oms.Shipment{Courier: "x", AWB: "AWB1"})
		},
		func() (oms.Order, error) { return orders.Deliver(ctx, returnsStaff, o.ID) },
	}
	for _, step := range steps {
		if o, err = step(); err != nil {
			t.Fatal(err)
		}
	}
	return o
}

// A return requested by the client and approved by a supervisor, through
// returns.Service on the same pgstore as the order service: the order
// moves Delivered → Return Pending → Partial Return → Partial Refund, the
// goods are restocked, the refund and the loyalty reversal are written,
// all as the rows of a real database.
func TestReturnsServiceOnPostgres(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, dsn := storeAndDSN(t)
	clock := &returnsClock{now: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)}
	orders, err := oms.NewService(s, oms.Config{Clock: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := returns.NewService(orders, s, returns.Config{Fee: returns.PercentFee(retMoney("10")),
		RefundLoyaltyPoints: true, Clock: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	o := deliveredOrder(t, orders)
	if err := s.EarnLoyalty(ctx, o.ID, 60); err != nil {
		t.Fatal(err)
	}
	if err := s.EarnLoyalty(ctx, o.ID, 40); err != nil {
		t.Fatal(err)
	}

	clock.Advance(5 * 24 * time.Hour)
	r, err := svc.Create(ctx, oms.PortalClient("c1"), returns.Request{OrderID: o.ID,
		Items: []returns.ItemRequest{{Line: 0, Quantity: 1}}, Reason: "damaged"})
	if err != nil {
		t.Fatal(err)
	}
	// One of four units of A: 100.00 − 10.00 discount + 17.10 tax = 107.10;
	// the 10% fee is 10.71, so 96.39 is due.
	if r.ID == "" || r.Version != 1 || r.Approval != returns.Pending || !r.ViaPortal || r.Type != returns.TypePartial ||
		!r.Value.Equal(retMoney("107.10")) || !r.Fee.Equal(retMoney("10.71")) || !r.RefundDue.Equal(retMoney("96.39")) {
		t.Fatalf("created: %+v", r)
	}
	if got, err := s.Get(ctx, o.ID); err != nil || got.Status != oms.ReturnPending {
		t.Fatalf("order after request: %v %v", got.Status.Label(), err)
	}
	// A second request while this one waits is refused and writes nothing.
	if _, err := svc.Create(ctx, oms.PortalClient("c1"), returns.Request{OrderID: o.ID,
		Items: []returns.ItemRequest{{Line: 1, Quantity: 1}}, Reason: "again"}); !errors.Is(err, returns.ErrReturnPending) {
		t.Fatalf("second request = %v, want ErrReturnPending", err)
	}

	a, err := svc.Approve(ctx, returnsSupervisor, r.ID, returns.ApproveOptions{Note: "ok"})
	if err != nil {
		t.Fatal(err)
	}
	if a.Approval != returns.Approved || a.ReceiptID == "" || !a.Refunded.Equal(retMoney("96.39")) || a.Version != 2 {
		t.Errorf("approved: %+v", a)
	}
	// 100 points over 461.10 paid for goods; 107.10 came back: 23.2 → 23.
	if a.LoyaltyPoints != 23 {
		t.Errorf("loyalty points reversed %d, want 23", a.LoyaltyPoints)
	}
	got, err := s.Get(ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != oms.PartialRefund || got.Lines[0].Returned != 1 || got.Lines[1].Returned != 0 || !got.Refunded.Equal(retMoney("96.39")) {
		t.Errorf("order after approval: status %s returned %d/%d refunded %s",
			got.Status.Label(), got.Lines[0].Returned, got.Lines[1].Returned, got.Refunded)
	}
	h, err := s.History(ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	var path []oms.Status
	for _, e := range h[len(h)-3:] {
		path = append(path, e.To)
	}
	if want := []oms.Status{oms.ReturnPending, oms.PartialReturn, oms.PartialRefund}; !slices.Equal(path, want) {
		t.Errorf("status path %v, want %v", path, want)
	}

	// Approving again is a no-op: nothing restocked or refunded twice.
	if again, err := svc.Approve(ctx, returnsSupervisor, r.ID, returns.ApproveOptions{}); err != nil || again.Version != a.Version {
		t.Errorf("second approval: %+v %v", again, err)
	}
	rf, err := svc.Refunds(ctx, returnsStaff, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(rf) != 1 || rf[0].ReturnID != r.ID || !rf[0].Amount.Equal(retMoney("96.39")) || rf[0].PaymentMode != "bank_transfer" ||
		rf[0].Currency != "RON" || rf[0].By != "sup" || !rf[0].RefundedOn.Equal(clock.Now()) {
		t.Errorf("refunds %+v", rf)
	}
	err = s.DoReturns(ctx, func(tx returns.Tx) error {
		if n, err := tx.StockLevel(ctx, "A"); err != nil || n != 1 {
			t.Errorf("stock of A = %d, %v; want 1", n, err)
		}
		se, err := tx.StockEntries(ctx, returns.StockFilter{ReturnID: r.ID})
		if err != nil {
			return err
		}
		if len(se) != 1 || se[0].ProductID != "A" || se[0].Quantity != 1 || se[0].ReceiptID != a.ReceiptID {
			t.Errorf("stock entries %+v", se)
		}
		rc, err := tx.GetReceipt(ctx, a.ReceiptID)
		if err != nil {
			return err
		}
		want := []returns.ReceiptLine{{ProductID: "A", SKU: "SKU-A", Quantity: 1}}
		if diff := cmp.Diff(want, rc.Lines); rc.ReturnID != r.ID || rc.OrderID != o.ID || diff != "" {
			t.Errorf("receipt %+v (-want +got lines):\n%s", rc, diff)
		}
		lr, err := tx.LoyaltyReversals(ctx, o.ID)
		if err != nil {
			return err
		}
		if len(lr) != 1 || lr[0].Points != 23 || lr[0].ReturnID != r.ID || lr[0].ClientID != "c1" {
			t.Errorf("loyalty reversals %+v", lr)
		}
		if n, err := tx.LoyaltyEarned(ctx, o.ID); err != nil || n != 100 {
			t.Errorf("loyalty earned %d, %v; want 100", n, err)
		}
		stored, err := tx.GetReturn(ctx, r.ID)
		if err != nil {
			return err
		}
		if diff := cmp.Diff(a, stored); diff != "" {
			t.Errorf("stored return differs from Approve's result (-approve +stored):\n%s", diff)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	// Behind the store's back: money is numeric with its scale, the
	// approval its code.
	c := raw(t, dsn)
	var typ, due, refund string
	var approval int16
	if err := c.QueryRow(ctx, `SELECT pg_typeof(r.refund_due)::text, r.refund_due::text, f.amount::text, r.approval
		FROM returns r JOIN refunds f ON f.return_id = r.id WHERE r.id = $1`, r.ID).Scan(&typ, &due, &refund, &approval); err != nil {
		t.Fatal(err)
	}
	if typ != "numeric" || due != "96.39" || refund != "96.39" || approval != int16(returns.Approved) {
		t.Errorf("stored as %s %s, refund %s, approval %d", typ, due, refund, approval)
	}
	if n := count(t, c, "SELECT count(*) FROM return_items WHERE return_id = $1", r.ID); n != 1 {
		t.Errorf("%d item rows, want 1", n)
	}
	// Every amount column of the returns tables is numeric.
	if n := count(t, c, `SELECT count(*) FROM information_schema.columns
		WHERE table_schema = 'public' AND table_name IN ('returns', 'return_items', 'refunds')
		AND column_name IN ('value', 'fee', 'delivery_fee', 'refund_due', 'refunded', 'gross', 'discount', 'net', 'tax', 'paid', 'amount')
		AND data_type = 'numeric'`); n != 11 {
		t.Errorf("%d numeric amount columns in the returns tables, want 11", n)
	}
}

// returnsCounts counts the rows of every returns table and the order's
// history and events: what a failed unit must leave unchanged.
func returnsCounts(t *testing.T, dsn string) map[string]int {
	t.Helper()
	c := raw(t, dsn)
	out := map[string]int{}
	for _, table := range []string{"returns", "return_items", "refunds", "receipts", "receipt_lines", "stock_entries",
		"stock_levels", "loyalty_earned", "loyalty_reversals", "order_history", "outbox"} {
		out[table] = count(t, c, "SELECT count(*) FROM "+table)
	}
	return out
}

// writeAll makes every returns write plus an order update and history and
// event rows (deferred by pgstore), reading back after each queued write.
func writeAll(ctx context.Context, tx returns.Tx, orderID string) error {
	o, err := tx.Get(ctx, orderID)
	if err != nil {
		return err
	}
	o.Lines[0].Returned = 1
	o.Notes = "returned one"
	if err := tx.Update(ctx, &o); err != nil {
		return err
	}
	if err := tx.AppendHistory(ctx, oms.HistoryEntry{OrderID: o.ID, At: time.Now(), Event: oms.EvApprovePartialReturn,
		From: o.Status, To: o.Status}); err != nil {
		return err
	}
	if err := tx.AppendEvent(ctx, &oms.Event{Type: returns.EventReturnApproved, OrderID: o.ID, At: time.Now()}); err != nil {
		return err
	}
	r := returns.Return{OrderID: o.ID, ClientID: o.Client.ID, RequestedAt: time.Now().UTC().Truncate(time.Microsecond),
		Items: []returns.Item{{Line: 0, ProductID: "P1", Quantity: 1, Paid: retMoney("10.00")}}, Value: retMoney("10.00")}
	if err := tx.InsertReturn(ctx, &r); err != nil {
		return err
	}
	r.Approval = returns.Approved
	r.Items = append(r.Items, returns.Item{Line: 0, ProductID: "P1", Quantity: 1})
	if err := tx.UpdateReturn(ctx, &r); err != nil {
		return err
	}
	rc := returns.Receipt{ReturnID: r.ID, OrderID: o.ID, Lines: []returns.ReceiptLine{{ProductID: "P1", Quantity: 1}}}
	if err := tx.AddReceipt(ctx, &rc); err != nil {
		return err
	}
	if err := tx.Restock(ctx, &returns.StockEntry{ProductID: "P1", Quantity: 1, ReturnID: r.ID, ReceiptID: rc.ID}); err != nil {
		return err
	}
	if err := tx.AddRefund(ctx, &returns.Refund{OrderID: o.ID, ReturnID: r.ID, Amount: retMoney("10.00")}); err != nil {
		return err
	}
	if err := tx.AddLoyaltyReversal(ctx, &returns.LoyaltyReversal{OrderID: o.ID, ReturnID: r.ID, Points: 3}); err != nil {
		return err
	}
	// Reads in the unit see its own writes.
	if got, err := tx.GetReturn(ctx, r.ID); err != nil || len(got.Items) != 2 || got.Version != 2 {
		return errors.New("unit does not see its own return update")
	}
	if n, err := tx.StockLevel(ctx, "P1"); err != nil || n != 1 {
		return errors.New("unit does not see its own restock")
	}
	if got, err := tx.Get(ctx, o.ID); err != nil || got.Lines[0].Returned != 1 {
		return errors.New("unit does not see its own order update")
	}
	return nil
}

// An error returned inside DoReturns, after writes of every kind, keeps
// none of them: not the order update, not a returns row, not the deferred
// history and event.
func TestReturnsRollBackWithTheOrder(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, dsn := storeAndDSN(t)
	o := storetest.Order(1)
	insert(t, s, &o)
	if err := s.EarnLoyalty(ctx, o.ID, 10); err != nil {
		t.Fatal(err)
	}
	before := returnsCounts(t, dsn)
	boom := errors.New("boom")
	err := s.DoReturns(ctx, func(tx returns.Tx) error {
		if err := writeAll(ctx, tx, o.ID); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("DoReturns = %v, want boom", err)
	}
	if diff := cmp.Diff(before, returnsCounts(t, dsn)); diff != "" {
		t.Errorf("a failed unit left rows (-before +after):\n%s", diff)
	}
	if got, err := s.Get(ctx, o.ID); err != nil || got.Version != 1 || got.Lines[0].Returned != 0 {
		t.Errorf("order after rollback: %+v %v", got, err)
	}

	// The same writes commit together, and the store is still usable.
	if err := s.DoReturns(ctx, func(tx returns.Tx) error { return writeAll(ctx, tx, o.ID) }); err != nil {
		t.Fatal(err)
	}
	after := returnsCounts(t, dsn)
	for table, want := range map[string]int{"returns": 1, "return_items": 2, "refunds": 1, "receipts": 1, "receipt_lines": 1,
		"stock_entries": 1, "stock_levels": 1, "loyalty_earned": 1, "loyalty_reversals": 1, "order_history": 1, "outbox": 1} {
		if after[table] != want {
			t.Errorf("%s: %d rows after commit, want %d", table, after[table], want)
		}
	}
	if got, err := s.Get(ctx, o.ID); err != nil || got.Version != 2 || got.Lines[0].Returned != 1 {
		t.Errorf("order after commit: %+v %v", got, err)
	}
}

// A database error in the middle of a returns unit (history of a missing
// order violates its foreign key) rolls back the returns writes before it.
func TestReturnsDatabaseErrorRollsBack(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, dsn := storeAndDSN(t)
	before := returnsCounts(t, dsn)
	err := s.DoReturns(ctx, func(tx returns.Tx) error {
		r := returns.Return{OrderID: "o1", RequestedAt: time.Now()}
		if err := tx.InsertReturn(ctx, &r); err != nil {
			return err
		}
		if err := tx.Restock(ctx, &returns.StockEntry{ProductID: "P", Quantity: 2}); err != nil {
			return err
		}
		if err := tx.AppendHistory(ctx, oms.HistoryEntry{OrderID: "no-such-order", At: time.Now()}); err != nil {
			return err
		}
		// The deferred history insert is sent, and fails, with this write.
		return tx.AddRefund(ctx, &returns.Refund{OrderID: "o1", Amount: retMoney("1")})
	})
	if !errors.Is(err, oms.ErrNotFound) {
		t.Fatalf("DoReturns = %v, want the foreign-key failure as ErrNotFound", err)
	}
	if diff := cmp.Diff(before, returnsCounts(t, dsn)); diff != "" {
		t.Errorf("a failed unit left rows (-before +after):\n%s", diff)
	}
}

// Two units updating one return from the same version: the one that
// commits second fails with ErrConflict, checked in the UPDATE itself.
func TestReturnsVersionAcrossUnits(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newStore(t)
	var r returns.Return
	err := s.DoReturns(ctx, func(tx returns.Tx) error {
		r = returns.Return{OrderID: "o1", RequestedAt: time.Now()}
		return tx.InsertReturn(ctx, &r)
	})
	if err != nil {
		t.Fatal(err)
	}
	err = s.DoReturns(ctx, func(tx returns.Tx) error {
		mine, err := tx.GetReturn(ctx, r.ID)
		if err != nil {
			return err
		}
		// Another unit, on another connection, changes it and commits.
		if err := s.DoReturns(ctx, func(tx2 returns.Tx) error {
			theirs, err := tx2.GetReturn(ctx, r.ID)
			if err != nil {
				return err
			}
			theirs.Approval = returns.Rejected
			return tx2.UpdateReturn(ctx, &theirs)
		}); err != nil {
			return err
		}
		mine.Approval = returns.Approved
		return tx.UpdateReturn(ctx, &mine)
	})
	if !errors.Is(err, oms.ErrConflict) {
		t.Fatalf("stale update = %v, want ErrConflict", err)
	}
	err = s.DoReturns(ctx, func(tx returns.Tx) error {
		got, err := tx.GetReturn(ctx, r.ID)
		if err == nil && (got.Approval != returns.Rejected || got.Version != 2) {
			t.Errorf("stored %+v, want the first committer's", got)
		}
		// An invalid approval code is refused before the database, and
		// the unit stays usable.
		got.Approval = 7
		if err := tx.UpdateReturn(ctx, &got); !errors.Is(err, returns.ErrInvalid) {
			t.Errorf("approval 7 = %v, want ErrInvalid", err)
		}
		_, err = tx.GetReturn(ctx, r.ID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Ids are generated only for records without one, and a caller's id is
// kept.
func TestReturnsIDs(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newStore(t)
	err := s.DoReturns(ctx, func(tx returns.Tx) error {
		own := returns.Return{ID: "mine", OrderID: "o1"}
		if err := tx.InsertReturn(ctx, &own); err != nil {
			return err
		}
		gen := returns.Return{OrderID: "o1"}
		if err := tx.InsertReturn(ctx, &gen); err != nil {
			return err
		}
		if own.ID != "mine" || gen.ID != "RET-000001" {
			t.Errorf("ids %q and %q, want mine and RET-000001", own.ID, gen.ID)
		}
		rf := returns.Refund{OrderID: "o1", Amount: retMoney("1")}
		if err := tx.AddRefund(ctx, &rf); err != nil {
			return err
		}
		if rf.ID != "RF-000001" {
			t.Errorf("refund id %q", rf.ID)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

var _ returns.Store = (*pgstore.Store)(nil)
