package pgstore_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/azuvio/omnisales/adapters/pgstore"
	"github.com/azuvio/omnisales/oms"
	"github.com/azuvio/omnisales/oms/storetest"
)

// mapErr's kinds, with the PostgreSQL error still in the chain.
func TestMapErrKinds(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		code string
		kind error
	}{
		{"23505", oms.ErrDuplicate},
		{"23503", oms.ErrNotFound},
		{"40001", oms.ErrConflict},
		{"40P01", oms.ErrConflict},
		{"OMV01", oms.ErrConflict},
		{"OMV02", oms.ErrNotFound},
		{"OMV03", oms.ErrInvalidOrder},
		{"22021", nil},
	} {
		pg := &pgconn.PgError{Code: c.code, Message: "m"}
		err := pgstore.MapErr(fmt.Errorf("send: %w", pg))
		for _, k := range []error{oms.ErrDuplicate, oms.ErrNotFound, oms.ErrConflict, oms.ErrInvalidOrder} {
			if got := errors.Is(err, k); got != (k == c.kind) {
				t.Errorf("%s: errors.Is(%v, %v) = %v", c.code, err, k, got)
			}
		}
		var back *pgconn.PgError
		if !errors.As(err, &back) || back != pg {
			t.Errorf("%s: the *pgconn.PgError is not reachable from %v", c.code, err)
		}
		var ve *oms.ValidationError
		if errors.As(err, &ve) != (c.code == "OMV03") {
			t.Errorf("%s: errors.As(%v, *oms.ValidationError) = %v", c.code, err, !(c.code == "OMV03"))
		}
	}
	plain := errors.New("plain")
	if err := pgstore.MapErr(plain); err != plain {
		t.Errorf("MapErr(plain) = %v", err)
	}
}

// assertPgConflict checks that err is oms.ErrConflict and carries the
// PostgreSQL error code.
func assertPgConflict(t *testing.T, err error, code string) {
	t.Helper()
	var pg *pgconn.PgError
	if !errors.Is(err, oms.ErrConflict) || !errors.As(err, &pg) || pg.Code != code {
		t.Fatalf("err = %v; want oms.ErrConflict wrapping PostgreSQL error %s", err, code)
	}
}

// Two units that lock two orders in opposite orders deadlock; the server
// breaks the deadlock by failing one of them, which Do reports as
// ErrConflict (40P01 reachable), and the other commits.
func TestDeadlockIsConflict(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	a, b := storetest.Order(1), storetest.Order(2)
	insert(t, s, &a)
	insert(t, s, &b)
	var locked sync.WaitGroup
	locked.Add(2)
	unit := func(first, second string) error {
		return s.Do(ctx, func(tx oms.Tx) error {
			upd := "UPDATE orders SET notes = notes || 'x' WHERE id = $1"
			if err := pgstore.TxExec(ctx, tx, upd, first); err != nil {
				locked.Done()
				return err
			}
			locked.Done()
			locked.Wait() // both hold their first row
			return pgstore.TxExec(ctx, tx, upd, second)
		})
	}
	errs := make([]error, 2)
	var wg sync.WaitGroup
	wg.Go(func() { errs[0] = unit(a.ID, b.ID) })
	wg.Go(func() { errs[1] = unit(b.ID, a.ID) })
	wg.Wait()
	failed := 0
	for _, err := range errs {
		if err != nil {
			failed++
			t.Logf("deadlocked unit: %v", err)
			assertPgConflict(t, err, "40P01")
		}
	}
	if failed != 1 {
		t.Fatalf("%d units failed (%v), want exactly one", failed, errs)
	}
}

// A REPEATABLE READ unit that updates an order another transaction
// changed after its snapshot fails with a serialization failure, which Do
// reports as ErrConflict (40001 reachable); nothing of the unit is kept.
func TestSerializationFailureIsConflict(t *testing.T) {
	t.Parallel()
	s, dsn := storeAndDSN(t)
	ctx := context.Background()
	o := storetest.Order(1)
	insert(t, s, &o)
	other := raw(t, dsn)
	err := s.Do(ctx, func(tx oms.Tx) error {
		if err := pgstore.TxExec(ctx, tx, "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"); err != nil {
			return err
		}
		if _, err := tx.Get(ctx, o.ID); err != nil { // takes the snapshot
			return err
		}
		if _, err := other.Exec(ctx, "UPDATE orders SET notes = 'other' WHERE id = $1", o.ID); err != nil {
			return err
		}
		return pgstore.TxExec(ctx, tx, "UPDATE orders SET notes = 'mine' WHERE id = $1", o.ID)
	})
	assertPgConflict(t, err, "40001")
	got, err := s.Get(ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Notes != "other" {
		t.Fatalf("notes = %q, want the other transaction's", got.Notes)
	}
}
