package pgstore_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/azuvio/omnisales/adapters/pgstore"
	"github.com/azuvio/omnisales/adapters/pgstore/pgtest"
	"github.com/azuvio/omnisales/discount"
	"github.com/azuvio/omnisales/oms"
	"github.com/azuvio/omnisales/oms/storetest"
)

// storeAndDSN returns a migrated store on a fresh database and its DSN,
// for tests that also look at the tables directly.
func storeAndDSN(t *testing.T) (*pgstore.Store, string) {
	t.Helper()
	dsn := pgtest.DSN(t)
	return open(t, dsn, pgstore.Config{}), dsn
}

// raw opens a plain connection for checks behind the store's back.
func raw(t *testing.T, dsn string) *pgx.Conn {
	t.Helper()
	c, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	return c
}

func count(t *testing.T, c *pgx.Conn, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := c.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

func insert(t *testing.T, s oms.Store, o *oms.Order) {
	t.Helper()
	if err := s.Do(context.Background(), func(tx oms.Tx) error { return tx.Insert(context.Background(), o) }); err != nil {
		t.Fatalf("insert %s: %v", o.ID, err)
	}
}

// assertOnly checks that no order, line, history row, event or discount
// log row exists besides the orders (and lines) listed in keep.
func assertOnly(t *testing.T, c *pgx.Conn, keep ...string) {
	t.Helper()
	if n := count(t, c, "SELECT count(*) FROM orders WHERE NOT id = ANY($1)", keep); n != 0 {
		t.Errorf("%d order row(s) of a failed unit survived", n)
	}
	if n := count(t, c, "SELECT count(*) FROM order_lines WHERE NOT order_id = ANY($1)", keep); n != 0 {
		t.Errorf("%d line row(s) of a failed unit survived", n)
	}
	if n := count(t, c, "SELECT count(*) FROM order_history"); n != 0 {
		t.Errorf("%d history row(s) of a failed unit survived", n)
	}
	if n := count(t, c, "SELECT count(*) FROM outbox"); n != 0 {
		t.Errorf("%d outbox row(s) of a failed unit survived", n)
	}
	if n := count(t, c, "SELECT count(*) FROM discount_log"); n != 0 {
		t.Errorf("%d discount log row(s) of a failed unit survived", n)
	}
}

// A database error in the middle of a unit (a history row for an order that
// does not exist violates its foreign key) rolls back the writes before it.
func TestDatabaseErrorMidUnitRollsBack(t *testing.T) {
	t.Parallel()
	s, dsn := storeAndDSN(t)
	ctx := context.Background()
	keep := storetest.Order(1)
	insert(t, s, &keep)
	err := s.Do(ctx, func(tx oms.Tx) error {
		n := storetest.Order(2)
		if err := tx.Insert(ctx, &n); err != nil {
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
		if err := tx.AppendEvent(ctx, &oms.Event{Type: oms.EventPlaced, OrderID: n.ID, At: time.Now()}); err != nil {
			return err
		}
		if err := tx.AppendHistory(ctx, oms.HistoryEntry{OrderID: "no-such-order", At: time.Now(), Event: oms.EvPlace}); err != nil {
			return err
		}
		// The deferred history insert fails with this read.
		_, err = tx.Get(ctx, n.ID)
		return err
	})
	if !errors.Is(err, oms.ErrNotFound) {
		t.Fatalf("Do = %v, want the foreign-key failure as ErrNotFound", err)
	}
	c := raw(t, dsn)
	assertOnly(t, c, keep.ID)
	if got, _ := s.Get(ctx, keep.ID); got.Notes != "" || got.Version != 1 {
		t.Fatalf("update of the failed unit survived: %+v", got)
	}
	// The store is still usable.
	n := storetest.Order(2)
	insert(t, s, &n)
}

func TestPanicRollsBackAndRepanics(t *testing.T) {
	t.Parallel()
	s, dsn := storeAndDSN(t)
	ctx := context.Background()
	func() {
		defer func() {
			if r := recover(); r != "boom" {
				t.Fatalf("recovered %v, want the original panic", r)
			}
		}()
		_ = s.Do(ctx, func(tx oms.Tx) error {
			o := storetest.Order(1)
			if err := tx.Insert(ctx, &o); err != nil {
				return err
			}
			panic("boom")
		})
	}()
	assertOnly(t, raw(t, dsn))
}

// The version check lives in the UPDATE: a change committed by someone else
// after this unit read the order makes the update fail, even though the
// unit's own read saw the old version.
func TestVersionCheckedInUpdate(t *testing.T) {
	t.Parallel()
	s, dsn := storeAndDSN(t)
	ctx := context.Background()
	o := storetest.Order(1)
	insert(t, s, &o)
	other := raw(t, dsn)
	err := s.Do(ctx, func(tx oms.Tx) error {
		got, err := tx.Get(ctx, o.ID)
		if err != nil {
			return err
		}
		if _, err := other.Exec(ctx, "UPDATE orders SET version = version + 1, notes = 'other process' WHERE id = $1", o.ID); err != nil {
			return err
		}
		got.Notes = "mine"
		return tx.Update(ctx, &got)
	})
	if !errors.Is(err, oms.ErrConflict) {
		t.Fatalf("update after a concurrent change: %v, want ErrConflict", err)
	}
	got, _ := s.Get(ctx, o.ID)
	if got.Notes != "other process" || got.Version != 2 {
		t.Fatalf("order after the refused update: notes %q version %d", got.Notes, got.Version)
	}
	// Fixed columns cannot change through Update.
	got.Store = "elsewhere"
	err = s.Do(ctx, func(tx oms.Tx) error { return tx.Update(ctx, &got) })
	var ve *oms.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("changing the external key: %v, want *oms.ValidationError", err)
	}
}

// Racing imports of one external id from two stores (two processes):
// exactly one row, the others get ErrDuplicate and their unit stays usable.
func TestRacingImportsTwoStores(t *testing.T) {
	t.Parallel()
	s1, dsn := storeAndDSN(t)
	s2 := open(t, dsn, pgstore.Config{})
	ctx := context.Background()
	var wins, dups atomic.Int32
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range 16 {
		s := []*pgstore.Store{s1, s2}[i%2]
		wg.Go(func() {
			<-start
			o := storetest.Order(100 + i)
			o.Store, o.ExternalID = "shop", "4711"
			err := s.Do(ctx, func(tx oms.Tx) error {
				err := tx.Insert(ctx, &o)
				if errors.Is(err, oms.ErrDuplicate) {
					dups.Add(1)
					// The unit is still usable: an importer reads the winner.
					w, gerr := tx.GetByExternal(ctx, o.Key())
					if gerr != nil {
						return fmt.Errorf("read winner after duplicate: %w", gerr)
					}
					if w.ID == o.ID {
						return errors.New("winner has the loser's id")
					}
					return nil
				}
				if err == nil {
					wins.Add(1)
				}
				return err
			})
			if err != nil {
				t.Errorf("import %d: %v", i, err)
			}
		})
	}
	close(start)
	wg.Wait()
	if wins.Load() != 1 || dups.Load() != 15 {
		t.Fatalf("16 racing imports: %d inserted, %d duplicates; want 1 and 15", wins.Load(), dups.Load())
	}
	c := raw(t, dsn)
	if n := count(t, c, "SELECT count(*) FROM orders WHERE external_id = '4711'"); n != 1 {
		t.Fatalf("%d rows for one external id", n)
	}
	if n := count(t, c, "SELECT count(*) FROM order_lines"); n != 1 {
		t.Fatalf("%d line rows, want only the winner's one", n)
	}
}

func TestMoneyIsNumericAndExact(t *testing.T) {
	t.Parallel()
	s, dsn := storeAndDSN(t)
	ctx := context.Background()
	c := raw(t, dsn)
	rows, err := c.Query(ctx, `SELECT table_name || '.' || column_name, data_type FROM information_schema.columns
		WHERE table_schema = 'public' AND table_name IN ('orders', 'order_lines') AND column_name IN ('subtotal', 'discount', 'tax', 'delivery_fee', 'total',
		'paid', 'refunded', 'unit_price', 'tax_rate')`)
	if err != nil {
		t.Fatal(err)
	}
	types, err := pgx.CollectRows(rows, pgx.RowToStructByPos[struct{ Col, Type string }])
	if err != nil {
		t.Fatal(err)
	}
	if len(types) != 10 {
		t.Fatalf("money columns: %v, want 10", types)
	}
	for _, ct := range types {
		if ct.Type != "numeric" {
			t.Errorf("%s is %s, want numeric", ct.Col, ct.Type)
		}
	}
	amounts := []string{"10.50", "0.00000001", "12345678901234567890.12345678", "0", "1e3", "-0.10", "99999999.995"}
	for i, a := range amounts {
		o := storetest.Order(i)
		d := decimal.RequireFromString(a)
		o.Lines[0].UnitPrice, o.Paid, o.Totals.Total = d, d, d
		insert(t, s, &o)
		got, err := s.Get(ctx, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range []decimal.Decimal{got.Lines[0].UnitPrice, got.Paid, got.Totals.Total} {
			if !g.Equal(d) || g.Exponent() != d.Exponent() {
				t.Errorf("%s came back as %s (exponent %d)", a, g, g.Exponent())
			}
		}
		var text string
		if err := c.QueryRow(ctx, "SELECT unit_price::text FROM order_lines WHERE order_id = $1", o.ID).Scan(&text); err != nil {
			t.Fatal(err)
		}
		if !decimal.RequireFromString(text).Equal(d) {
			t.Errorf("stored %s as %s", a, text)
		}
	}
	var text string
	if err := c.QueryRow(ctx, "SELECT unit_price::text FROM order_lines WHERE order_id = $1", storetest.Order(0).ID).Scan(&text); err != nil || text != "10.50" {
		t.Errorf("10.50 stored as %q (%v): scale lost", text, err)
	}
}

func TestStatusesStoredAsCodes(t *testing.T) {
	t.Parallel()
	s, dsn := storeAndDSN(t)
	ctx := context.Background()
	c := raw(t, dsn)
	for _, col := range []string{"status", "held_from", "approval"} {
		var ty string
		if err := c.QueryRow(ctx, "SELECT data_type FROM information_schema.columns WHERE table_name = 'orders' AND column_name = $1", col).Scan(&ty); err != nil || ty != "smallint" {
			t.Errorf("orders.%s is %q (%v), want smallint", col, ty, err)
		}
	}
	o := storetest.Order(1)
	o.Status, o.HeldFrom, o.ApprovalRequired, o.Approval = oms.StockUnavailable, oms.Confirmed, true, oms.ApprovalRejected
	insert(t, s, &o)
	var st, held, ap int
	if err := c.QueryRow(ctx, "SELECT status, held_from, approval FROM orders WHERE id = $1", o.ID).Scan(&st, &held, &ap); err != nil {
		t.Fatal(err)
	}
	if st != 16 || held != 3 || ap != -1 {
		t.Fatalf("stored status %d, held_from %d, approval %d; want 16, 3, -1", st, held, ap)
	}
	if _, err := c.Exec(ctx, "UPDATE orders SET status = 17 WHERE id = $1", o.ID); err == nil {
		t.Fatal("the schema accepted status code 17")
	}
	// The store refuses unknown codes itself, and the unit stays usable.
	err := s.Do(ctx, func(tx oms.Tx) error {
		bad := storetest.Order(2)
		bad.Status = 42
		if err := tx.Insert(ctx, &bad); !errors.Is(err, oms.ErrUnknownStatus) {
			return fmt.Errorf("insert with status 42: %v, want ErrUnknownStatus", err)
		}
		bad.Status = oms.Draft
		return tx.Insert(ctx, &bad)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A connection killed in the middle of a unit: Do fails, nothing is kept,
// and the store goes on with a fresh connection.
func TestDroppedConnectionMidUnit(t *testing.T) {
	t.Parallel()
	s, dsn := storeAndDSN(t)
	ctx := context.Background()
	killer := raw(t, dsn)
	err := s.Do(ctx, func(tx oms.Tx) error {
		o := storetest.Order(1)
		o.Store, o.ExternalID = "shop", "1"
		if err := tx.Insert(ctx, &o); err != nil {
			return err
		}
		if err := tx.AppendHistory(ctx, oms.HistoryEntry{OrderID: o.ID, At: time.Now(), Event: oms.EvPlace}); err != nil {
			return err
		}
		if err := tx.(oms.DiscountLogTx).AppendDiscountLog(ctx, []discount.LogRow{storetest.LogRow(1, 7, "C1")}); err != nil {
			return err
		}
		var ok bool
		if err := killer.QueryRow(ctx, "SELECT pg_terminate_backend($1)", pgstore.TxPID(tx)).Scan(&ok); err != nil || !ok {
			return fmt.Errorf("terminate backend: %v %v", ok, err)
		}
		return tx.AppendEvent(ctx, &oms.Event{Type: oms.EventPlaced, OrderID: o.ID, At: time.Now()})
	})
	if err == nil {
		t.Fatal("Do succeeded on a killed connection")
	}
	t.Logf("Do on a killed connection: %v", err)
	assertOnly(t, raw(t, dsn))
	for i := range 8 { // more than the pool's connections
		o := storetest.Order(10 + i)
		insert(t, s, &o)
	}
}

func TestContextCancelStopsWork(t *testing.T) {
	t.Parallel()
	s, dsn := storeAndDSN(t)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	began := time.Now()
	err := s.Do(ctx, func(tx oms.Tx) error {
		o := storetest.Order(1)
		if err := tx.Insert(ctx, &o); err != nil {
			return err
		}
		return pgstore.TxExec(ctx, tx, "SELECT pg_sleep(30)")
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Do = %v, want context.Canceled", err)
	}
	if d := time.Since(began); d > 20*time.Second {
		t.Fatalf("canceled unit ran for %v: the statement was not stopped", d)
	}
	assertOnly(t, raw(t, dsn))
	// Reads and claims refuse a dead context too.
	if _, err := s.Get(ctx, "x"); !errors.Is(err, context.Canceled) {
		t.Errorf("Get with a canceled context: %v", err)
	}
	if _, err := s.List(ctx, oms.Filter{}, oms.Page{}); !errors.Is(err, context.Canceled) {
		t.Errorf("List with a canceled context: %v", err)
	}
	if _, err := s.ClaimEvents(ctx, "w", 1, time.Second); !errors.Is(err, context.Canceled) {
		t.Errorf("ClaimEvents with a canceled context: %v", err)
	}
	// A deadline during a read outside a unit: another connection holds
	// an exclusive lock on orders, so the reads wait until their deadline,
	// which stops them.
	o := storetest.Order(5)
	insert(t, s, &o)
	bg := context.Background()
	locker, err := raw(t, dsn).Begin(bg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := locker.Exec(bg, "LOCK TABLE orders IN ACCESS EXCLUSIVE MODE"); err != nil {
		t.Fatal(err)
	}
	const deadline = 300 * time.Millisecond
	for name, read := range map[string]func(ctx context.Context) error{
		"Get": func(ctx context.Context) error { _, err := s.Get(ctx, o.ID); return err },
		"List": func(ctx context.Context) error {
			_, err := s.List(ctx, oms.Filter{}, oms.Page{})
			return err
		},
	} {
		dctx, dcancel := context.WithTimeout(bg, deadline)
		began := time.Now()
		err := read(dctx)
		took := time.Since(began)
		dcancel()
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%s behind a lock with a %v deadline = %v, want context.DeadlineExceeded", name, deadline, err)
		}
		if took < deadline || took > 10*time.Second {
			t.Errorf("%s behind a lock returned after %v, want about its %v deadline", name, took, deadline)
		}
	}
	if err := locker.Rollback(bg); err != nil {
		t.Fatal(err)
	}
	// Once the lock is gone the store reads again.
	if _, err := s.Get(bg, o.ID); err != nil {
		t.Fatal(err)
	}
}

// Lines are rewritten only when they change, in the UPDATE's statement.
func TestUpdateLines(t *testing.T) {
	t.Parallel()
	s, dsn := storeAndDSN(t)
	other := raw(t, dsn)
	ctx := context.Background()
	o := storetest.Order(1)
	o.Lines = append(o.Lines, oms.Line{ProductID: "P2", Quantity: 3, UnitPrice: decimal.RequireFromString("1.25"),
		TaxRate: decimal.NewFromInt(9)}, oms.Line{ProductID: "P3", Quantity: 1, UnitPrice: decimal.NewFromInt(7)})
	insert(t, s, &o)
	check := func(want oms.Order) {
		t.Helper()
		got, err := s.Get(ctx, want.ID)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(want.Lines, got.Lines, cmp.Comparer(func(a, b decimal.Decimal) bool { return a.Equal(b) })); d != "" {
			t.Fatalf("lines (-want +got):\n%s", d)
		}
	}
	// Read in the unit, then change: shipped quantities and one line fewer.
	err := s.Do(ctx, func(tx oms.Tx) error {
		got, err := tx.Get(ctx, o.ID)
		if err != nil {
			return err
		}
		got.Lines = got.Lines[:2]
		got.Lines[0].Shipped, got.Lines[1].Shipped = 2, 3
		o = got
		return tx.Update(ctx, &got)
	})
	if err != nil {
		t.Fatal(err)
	}
	check(o)
	// Without a read in the unit, the lines are written as given.
	o.Version = 2
	o.Lines = append(o.Lines, oms.Line{ProductID: "P9", Quantity: 5, UnitPrice: decimal.RequireFromString("0.01")})
	if err := s.Do(ctx, func(tx oms.Tx) error { return tx.Update(ctx, &o) }); err != nil {
		t.Fatal(err)
	}
	check(o)
	// An order read in the unit, changed by someone else (lines dropped,
	// version bumped), then updated here from the newer version with the
	// lines of the read: the read tells nothing about the stored lines
	// any more, so they are written as given.
	err = s.Do(ctx, func(tx oms.Tx) error {
		got, err := tx.Get(ctx, o.ID)
		if err != nil {
			return err
		}
		if _, err := other.Exec(ctx, "UPDATE orders SET version = version + 1 WHERE id = $1", o.ID); err != nil {
			return err
		}
		if _, err := other.Exec(ctx, "DELETE FROM order_lines WHERE order_id = $1 AND pos > 0", o.ID); err != nil {
			return err
		}
		got.Version++ // the caller learnt the new version elsewhere
		if err := tx.Update(ctx, &got); err != nil {
			return err
		}
		o = got
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	check(o)
	// A stale update touches neither the order nor its lines.
	stale := o
	stale.Version = 1
	stale.Lines = stale.Lines[:1]
	if err := s.Do(ctx, func(tx oms.Tx) error { return tx.Update(ctx, &stale) }); !errors.Is(err, oms.ErrConflict) {
		t.Fatalf("stale update: %v", err)
	}
	check(o)
}

func TestMigrateConcurrentAndIdempotent(t *testing.T) {
	t.Parallel()
	dsn := pgtest.DSN(t)
	ctx := context.Background()
	var stores []*pgstore.Store
	for range 3 {
		s, err := pgstore.Open(ctx, dsn, pgstore.Config{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(s.Close)
		stores = append(stores, s)
	}
	if v, err := stores[0].SchemaVersion(ctx); err != nil || v != 0 {
		t.Fatalf("SchemaVersion before Migrate = %d, %v", v, err)
	}
	var wg sync.WaitGroup
	errs := make([]error, len(stores))
	for i, s := range stores {
		wg.Go(func() { errs[i] = s.Migrate(ctx) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("concurrent Migrate %d: %v", i, err)
		}
	}
	if err := stores[0].Migrate(ctx); err != nil {
		t.Fatalf("second Migrate: %v", err)
	}
	// The embedded files are migrations/NNNN_name.sql, numbered 1, 2, …
	files, err := filepath.Glob("migrations/*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("migration files: %v %v", files, err)
	}
	c := raw(t, dsn)
	if n := count(t, c, "SELECT count(*) FROM schema_migrations"); n != len(files) {
		t.Fatalf("schema_migrations has %d rows, want 1 per migration (%d)", n, len(files))
	}
	if v, err := stores[1].SchemaVersion(ctx); err != nil || v != len(files) {
		t.Fatalf("SchemaVersion = %d, %v; want %d", v, err, len(files))
	}
}

// Two stores on one database (two processes) claiming at once never share
// an event.
func TestTwoStoresClaimDisjoint(t *testing.T) {
	t.Parallel()
	s1, dsn := storeAndDSN(t)
	s2 := open(t, dsn, pgstore.Config{})
	ctx := context.Background()
	const n = 300
	err := s1.Do(ctx, func(tx oms.Tx) error {
		for i := range n {
			if err := tx.AppendEvent(ctx, &oms.Event{Type: oms.EventUpdated, OrderID: strconv.Itoa(i), At: time.Now()}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	seen := map[int64]string{}
	var wg sync.WaitGroup
	for w := range 6 {
		s := []*pgstore.Store{s1, s2}[w%2]
		name := fmt.Sprintf("p%d-w%d", w%2, w)
		wg.Go(func() {
			for {
				evs, err := s.ClaimEvents(ctx, name, 5, time.Minute)
				if err != nil {
					t.Error(err)
					return
				}
				if len(evs) == 0 {
					return
				}
				mu.Lock()
				for _, e := range evs {
					if prev, dup := seen[e.ID]; dup {
						t.Errorf("event %d claimed by %s and %s", e.ID, prev, name)
					}
					seen[e.ID] = name
				}
				mu.Unlock()
				ids := make([]int64, len(evs))
				for i, e := range evs {
					ids[i] = e.ID
				}
				if err := s.AckEvents(ctx, ids...); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if len(seen) != n {
		t.Fatalf("%d events claimed, want %d", len(seen), n)
	}
	if c := count(t, raw(t, dsn), "SELECT count(*) FROM outbox WHERE acked_at IS NULL OR attempts <> 1"); c != 0 {
		t.Fatalf("%d events unacknowledged or claimed twice", c)
	}
}

// childEnv carries the database to the killed-worker child process.
const childEnv = "PGSTORE_TEST_CHILD_DSN"

// TestKilledWorkerChild is the worker process of TestKilledWorkerLeaseTakeover:
// it claims events, reports them and waits to be killed.
func TestKilledWorkerChild(t *testing.T) {
	dsn := os.Getenv(childEnv)
	if dsn == "" {
		t.Skip("helper process for TestKilledWorkerLeaseTakeover")
	}
	ctx := context.Background()
	s, err := pgstore.Open(ctx, dsn, pgstore.Config{})
	if err != nil {
		fmt.Println("ERROR", err)
		os.Exit(3)
	}
	evs, err := s.ClaimEvents(ctx, "doomed", 10, 3*time.Second)
	if err != nil {
		fmt.Println("ERROR", err)
		os.Exit(3)
	}
	var ids []string
	for _, e := range evs {
		ids = append(ids, strconv.FormatInt(e.ID, 10))
	}
	fmt.Println("CLAIMED " + strings.Join(ids, ","))
	select {} // killed by the parent, never acknowledges
}

// A worker process killed (SIGKILL) after claiming: its events stay leased
// until the lease expires on the database clock, then another store takes
// them over.
func TestKilledWorkerLeaseTakeover(t *testing.T) {
	t.Parallel()
	s, dsn := storeAndDSN(t)
	ctx := context.Background()
	err := s.Do(ctx, func(tx oms.Tx) error {
		for i := range 4 {
			if err := tx.AppendEvent(ctx, &oms.Event{Type: oms.EventUpdated, OrderID: strconv.Itoa(i), At: time.Now()}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestKilledWorkerChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), childEnv+"="+dsn)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	if err != nil || !strings.HasPrefix(line, "CLAIMED ") {
		t.Fatalf("child: %q %v", line, err)
	}
	claimed := strings.Split(strings.TrimSpace(strings.TrimPrefix(line, "CLAIMED ")), ",")
	if len(claimed) != 4 {
		t.Fatalf("child claimed %v, want 4 events", claimed)
	}
	if evs, err := s.ClaimEvents(ctx, "survivor", 10, time.Minute); err != nil || len(evs) != 0 {
		t.Fatalf("claimed %v (%v) while the dead worker's lease runs", evs, err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		evs, err := s.ClaimEvents(ctx, "survivor", 10, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) > 0 {
			if len(evs) != 4 {
				t.Fatalf("took over %d events, want 4", len(evs))
			}
			for i, e := range evs {
				if strconv.FormatInt(e.ID, 10) != claimed[i] || e.Attempts != 2 {
					t.Fatalf("took over %+v, want id %s with 2 attempts", e, claimed[i])
				}
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the dead worker's events were never taken over")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Idle connections killed by the server (a restart, an idle timeout) are
// noticed on reuse: the next call gets a fresh connection.
func TestIdleConnectionsKilled(t *testing.T) {
	t.Parallel()
	s, dsn := storeAndDSN(t)
	ctx := context.Background()
	o := storetest.Order(1)
	insert(t, s, &o)
	c := raw(t, dsn)
	var killed int
	if err := c.QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE datname = current_database() AND pid <> pg_backend_pid()`).Scan(&killed); err != nil || killed == 0 {
		t.Fatalf("terminated %d backends: %v", killed, err)
	}
	time.Sleep(1100 * time.Millisecond) // pgxpool pings connections idle over 1 s
	if _, err := s.Get(ctx, o.ID); err != nil {
		t.Fatalf("Get after the server closed idle connections: %v", err)
	}
}

func TestOpenErrors(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := pgstore.Open(ctx, "postgres://%zz", pgstore.Config{}); err == nil {
		t.Error("Open accepted a malformed DSN")
	}
	// Port 1 on loopback: nothing listens there.
	if _, err := pgstore.Open(ctx, "postgres://postgres@127.0.0.1:1/x?connect_timeout=2", pgstore.Config{}); err == nil {
		t.Error("Open succeeded without a server")
	}
}

func TestHistoryAndEventsRoundTrip(t *testing.T) {
	t.Parallel()
	s, _ := storeAndDSN(t)
	ctx := context.Background()
	if _, err := s.History(ctx, "missing"); !errors.Is(err, oms.ErrNotFound) {
		t.Fatalf("History of a missing order: %v, want ErrNotFound", err)
	}
	o := storetest.Order(1)
	insert(t, s, &o)
	if h, err := s.History(ctx, o.ID); err != nil || len(h) != 0 {
		t.Fatalf("History of an order without entries: %v, %v", h, err)
	}
	at := time.Date(2026, 3, 1, 9, 0, 0, 123456000, time.FixedZone("EET", 7200))
	want := oms.Event{Type: oms.EventShipmentRecorded, OrderID: o.ID, Event: oms.EvShip, From: oms.Ready, To: oms.Shipping,
		Actor: "ana", Reason: "AWB1", At: at, Channel: oms.ChannelRef{Type: oms.ChannelShopify, ID: 9}}
	err := s.Do(ctx, func(tx oms.Tx) error {
		e := want
		if err := tx.AppendEvent(ctx, &e); err != nil {
			return err
		}
		want.ID = e.ID
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.ClaimEvents(ctx, "w", 10, time.Minute)
	if err != nil || len(got) != 1 {
		t.Fatalf("claim: %v, %v", got, err)
	}
	want.Attempts = 1
	if d := cmp.Diff(want, got[0], sameInstant); d != "" {
		t.Fatalf("event (-want +got):\n%s", d)
	}
	if got[0].At.Location() != time.UTC {
		t.Errorf("event time in %v, want UTC", got[0].At.Location())
	}
}
