package pgstore_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/azuvio/omnisales/adapters/pgstore"
	"github.com/azuvio/omnisales/oms"
	"github.com/azuvio/omnisales/oms/storetest"
)

// Tx.Update is deferred: a refused update fails inside SQL when it is sent,
// with the unit's next statement or its COMMIT. Each refusal keeps its
// kind (stale version: ErrConflict; missing order: ErrNotFound; changed
// fixed column: *oms.ValidationError), carries the PostgreSQL error, is
// returned by the call that sent it, by every later call of the unit and
// by Do, and leaves nothing of the unit behind: not the writes queued
// with it (history, event), nor those sent before it (an Insert).
func TestDeferredUpdateRefusals(t *testing.T) {
	t.Parallel()
	var (
		conflict = func(err error) bool { return errors.Is(err, oms.ErrConflict) }
		notFound = func(err error) bool { return errors.Is(err, oms.ErrNotFound) }
		fixed    = func(err error) bool {
			var ve *oms.ValidationError
			return errors.As(err, &ve) && ve.Field == "external key" && errors.Is(err, oms.ErrInvalidOrder)
		}
	)
	cases := []struct {
		name string
		code string
		kind func(error) bool
		// prepare returns the order to update, given the stored one; it
		// may read it through tx and change it behind the unit's back.
		prepare func(t *testing.T, tx oms.Tx, other *pgx.Conn, stored oms.Order) (oms.Order, error)
	}{
		{"stale version, read in the unit", "OMV01", conflict,
			func(t *testing.T, tx oms.Tx, other *pgx.Conn, stored oms.Order) (oms.Order, error) {
				o, err := tx.Get(context.Background(), stored.ID)
				bumpVersion(t, other, stored.ID)
				return o, err
			}},
		{"stale version, not read", "OMV01", conflict,
			func(t *testing.T, _ oms.Tx, other *pgx.Conn, stored oms.Order) (oms.Order, error) {
				bumpVersion(t, other, stored.ID)
				return stored, nil
			}},
		{"missing order", "OMV02", notFound,
			func(*testing.T, oms.Tx, *pgx.Conn, oms.Order) (oms.Order, error) {
				o := storetest.Order(99)
				o.Version = 1
				return o, nil
			}},
		{"changed fixed column, not read", "OMV03", fixed,
			func(_ *testing.T, _ oms.Tx, _ *pgx.Conn, stored oms.Order) (oms.Order, error) {
				stored.ExternalID = "changed"
				return stored, nil
			}},
		{"changed fixed column and stale version, not read", "OMV01", conflict,
			func(t *testing.T, _ oms.Tx, other *pgx.Conn, stored oms.Order) (oms.Order, error) {
				bumpVersion(t, other, stored.ID)
				stored.Store = "elsewhere"
				return stored, nil
			}},
	}
	for _, c := range cases {
		for _, at := range []string{"next statement", "commit"} {
			t.Run(c.name+", at "+at, func(t *testing.T) {
				t.Parallel()
				s, dsn := storeAndDSN(t)
				ctx := context.Background()
				keep := storetest.Order(1)
				insert(t, s, &keep)
				stored, err := s.Get(ctx, keep.ID)
				if err != nil {
					t.Fatal(err)
				}
				check := raw(t, dsn)
				wantVersion := int64(1)
				var callErr, laterErr error
				err = s.Do(ctx, func(tx oms.Tx) error {
					o, err := c.prepare(t, tx, check, stored)
					if err != nil {
						return err
					}
					if o.ID == keep.ID {
						wantVersion = int64(count(t, check, "SELECT version FROM orders WHERE id = $1", keep.ID))
					}
					o.Notes = "must not stay"
					if err := tx.Update(ctx, &o); err != nil {
						return fmt.Errorf("Update returned at once: %w", err)
					}
					steps := []func() error{
						func() error {
							return tx.AppendHistory(ctx, oms.HistoryEntry{OrderID: keep.ID, At: time.Now(), Event: oms.EvHold})
						},
					}
					if at == "next statement" {
						steps = append(steps,
							// Takes the id drawn by the read, or sends the
							// UPDATE to draw one after it.
							func() error {
								return tx.AppendEvent(ctx, &oms.Event{Type: oms.EventStatusChanged, OrderID: o.ID, At: time.Now()})
							},
							func() error { n := storetest.Order(2); return tx.Insert(ctx, &n) })
					}
					for _, step := range steps {
						if callErr = step(); callErr != nil {
							_, laterErr = tx.Get(ctx, keep.ID)
							return callErr
						}
					}
					return nil
				})
				if !c.kind(err) {
					t.Fatalf("Do = %v, want the refusal's kind", err)
				}
				var pg *pgconn.PgError
				if !errors.As(err, &pg) || pg.Code != c.code {
					t.Fatalf("Do = %v; want PostgreSQL error %s in the chain", err, c.code)
				}
				switch {
				case at == "next statement" && (!c.kind(callErr) || !errors.Is(laterErr, callErr)):
					t.Fatalf("the next statement returned %v, a later call %v; want the refusal from both", callErr, laterErr)
				case at == "commit" && callErr != nil:
					t.Fatalf("a queued write returned %v before the commit", callErr)
				}
				assertOnly(t, check, keep.ID)
				got, err := s.Get(ctx, keep.ID)
				if err != nil {
					t.Fatal(err)
				}
				if got.Notes != "" || got.Version != wantVersion {
					t.Fatalf("order after the refused update: notes %q, version %d (want %d)", got.Notes, got.Version, wantVersion)
				}
			})
		}
	}
}

func bumpVersion(t *testing.T, c *pgx.Conn, id string) {
	t.Helper()
	if _, err := c.Exec(context.Background(), "UPDATE orders SET version = version + 1 WHERE id = $1", id); err != nil {
		t.Fatal(err)
	}
}

// A changed fixed column of an order read in the unit is refused at once,
// with nothing sent, so the unit stays usable.
func TestUpdateFixedColumnOfReadOrder(t *testing.T) {
	t.Parallel()
	s, dsn := storeAndDSN(t)
	ctx := context.Background()
	o := storetest.Order(1)
	insert(t, s, &o)
	err := s.Do(ctx, func(tx oms.Tx) error {
		got, err := tx.Get(ctx, o.ID)
		if err != nil {
			return err
		}
		moved := got
		moved.CreatedAt = moved.CreatedAt.Add(time.Second)
		var ve *oms.ValidationError
		if err := tx.Update(ctx, &moved); !errors.As(err, &ve) || moved.Version != got.Version {
			return fmt.Errorf("changing the creation time: %v (version %d), want *oms.ValidationError at once", err, moved.Version)
		}
		got.Notes = "kept"
		return tx.Update(ctx, &got)
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Get(ctx, o.ID); got.Notes != "kept" || got.Version != 2 || !got.CreatedAt.Equal(o.CreatedAt) {
		t.Fatalf("after the unit: %+v", got)
	}
	if n := count(t, raw(t, dsn), "SELECT count(*) FROM orders"); n != 1 {
		t.Fatalf("%d orders", n)
	}
}

// The outbox ids of one order follow the order of its changes even when
// the unit took an id ahead (with a read of another order) before another
// process changed the order: the event takes an id drawn after the unit
// read the version it updates from, or one drawn after the UPDATE. Within
// a unit, ids increase in the order events are appended.
func TestEventIDsFollowChanges(t *testing.T) {
	t.Parallel()
	s, dsn := storeAndDSN(t)
	other := open(t, dsn, pgstore.Config{})
	ctx := context.Background()
	a, b := storetest.Order(1), storetest.Order(2)
	insert(t, s, &a)
	insert(t, s, &b)
	change := func(tx oms.Tx, id string) (int64, error) {
		o, err := tx.Get(ctx, id)
		if err != nil {
			return 0, err
		}
		o.Notes += "+"
		if err := tx.Update(ctx, &o); err != nil {
			return 0, err
		}
		e := &oms.Event{Type: oms.EventUpdated, OrderID: id, At: time.Now()}
		err = tx.AppendEvent(ctx, e)
		return e.ID, err
	}
	var otherID int64
	var ids []int64
	err := s.Do(ctx, func(tx oms.Tx) error {
		if _, err := tx.Get(ctx, a.ID); err != nil { // draws an id ahead
			return err
		}
		// Another process changes b and commits, with a later id.
		if err := other.Do(ctx, func(tx2 oms.Tx) error {
			var err error
			otherID, err = change(tx2, b.ID)
			return err
		}); err != nil {
			return err
		}
		for _, id := range []string{b.ID, a.ID, b.ID} {
			ev, err := change(tx, id)
			if err != nil {
				return err
			}
			ids = append(ids, ev)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if ids[0] <= otherID {
		t.Fatalf("b's change here got event id %d, not after the other process's earlier change (%d)", ids[0], otherID)
	}
	for i := 1; i < len(ids); i++ {
		if ids[i] <= ids[i-1] {
			t.Fatalf("event ids in append order %v: not increasing", ids)
		}
	}
	// An update from a version the unit did not read: the unit read a,
	// another process changed it, and the caller learnt the new version
	// elsewhere. The id drawn with the read is too old for the event.
	var otherID2, blindID int64
	err = s.Do(ctx, func(tx oms.Tx) error {
		got, err := tx.Get(ctx, a.ID)
		if err != nil {
			return err
		}
		if err := other.Do(ctx, func(tx2 oms.Tx) error {
			var err error
			otherID2, err = change(tx2, a.ID)
			return err
		}); err != nil {
			return err
		}
		got.Version++
		got.Notes = "blind"
		if err := tx.Update(ctx, &got); err != nil {
			return err
		}
		e := &oms.Event{Type: oms.EventUpdated, OrderID: a.ID, At: time.Now()}
		err = tx.AppendEvent(ctx, e)
		blindID = e.ID
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if blindID <= otherID2 {
		t.Fatalf("a's blind update got event id %d, not after the other process's earlier change (%d)", blindID, otherID2)
	}
	evs, err := s.ClaimEvents(ctx, "w", 100, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	var got []int64
	for _, e := range evs {
		got = append(got, e.ID)
	}
	if want := append(append([]int64{otherID}, ids...), otherID2, blindID); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("claimed %v, want %v", got, want)
	}
}
