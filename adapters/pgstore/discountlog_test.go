package pgstore_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/azuvio/omnisales/adapters/pgstore"
	"github.com/azuvio/omnisales/discount"
	"github.com/azuvio/omnisales/oms"
	"github.com/azuvio/omnisales/oms/storetest"
)

// A unit that fails keeps none of its discount log rows, whether it fails
// after the rows reached the database or on the rows themselves; the
// order written with them goes too.
func TestDiscountLogFailedUnit(t *testing.T) {
	t.Parallel()
	s, dsn := storeAndDSN(t)
	ctx := context.Background()
	c := raw(t, dsn)
	boom := errors.New("boom")
	err := s.Do(ctx, func(tx oms.Tx) error {
		o := storetest.Order(1)
		if err := tx.Insert(ctx, &o); err != nil {
			return err
		}
		if err := tx.(oms.DiscountLogTx).AppendDiscountLog(ctx, []discount.LogRow{storetest.LogRow(1, 7, "C1"), storetest.LogRow(1, 8, "C1")}); err != nil {
			return err
		}
		// Flush the deferred insert and check it landed in this transaction.
		if err := pgstore.TxExec(ctx, tx, `DO $$ BEGIN
			IF (SELECT count(*) FROM discount_log) <> 2 THEN RAISE 'discount log rows not written'; END IF;
			END $$`); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Do = %v, want boom", err)
	}
	assertOnly(t, c)

	// The log's own insert fails (PostgreSQL refuses NUL in text): Do
	// returns the error and the order inserted before it is gone.
	err = s.Do(ctx, func(tx oms.Tx) error {
		o := storetest.Order(2)
		if err := tx.Insert(ctx, &o); err != nil {
			return err
		}
		bad := storetest.LogRow(2, 7, "C1")
		bad.RuleName = "bad\x00name"
		if err := tx.(oms.DiscountLogTx).AppendDiscountLog(ctx, []discount.LogRow{storetest.LogRow(2, 8, "C1"), bad}); err != nil {
			return err
		}
		return tx.AppendHistory(ctx, oms.HistoryEntry{OrderID: o.ID, At: time.Now(), Event: oms.EvPlace})
	})
	if err == nil || !strings.Contains(err.Error(), "discount log") {
		t.Fatalf("Do = %v, want the failed discount log insert", err)
	}
	assertOnly(t, c)
	if rows, err := s.DiscountLog(ctx, oms.DiscountLogFilter{}); err != nil || len(rows) != 0 {
		t.Fatalf("DiscountLog after failed units = %v, %v; want none", rows, err)
	}
}

// Place writes the log with the order: numeric columns at the logged
// scale, read back exactly; a Place that fails writes no rows.
func TestPlaceWritesDiscountLog(t *testing.T) {
	t.Parallel()
	s, dsn := storeAndDSN(t)
	ctx := context.Background()
	svc, err := oms.NewService(s, oms.Config{})
	if err != nil {
		t.Fatal(err)
	}
	d := decimal.RequireFromString
	n := oms.NewOrder{Channel: oms.ChannelRef{Type: oms.ChannelPortal, ID: 2}, Store: "shop", ExternalID: "1",
		Currency: "RON", Client: oms.Client{ID: "C1"},
		Lines: []oms.Line{{ProductID: "P1", Quantity: 2, UnitPrice: d("10.50"), Discount: d("2.10")},
			{ProductID: "P2", Quantity: 1, UnitPrice: d("5.00")}}}
	row := storetest.LogRow(1, 7, "C1")
	row.Order = ""
	n.DiscountLog = []discount.LogRow{row}
	o, err := svc.Place(ctx, oms.Staff("op", oms.RoleOperator), n)
	if err != nil {
		t.Fatal(err)
	}
	got, err := svc.DiscountLog(ctx, oms.Staff("m", oms.RoleSalesManager), oms.DiscountLogFilter{Order: o.ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Order != o.ID || got[0].Client != "C1" || got[0].Currency != "RON" ||
		!got[0].Saved.Equal(d("2.10")) || got[0].OriginalPrice.Exponent() != -4 || got[0].Saved.Exponent() != -2 {
		t.Fatalf("log of %s = %+v", o.ID, got)
	}
	c := raw(t, dsn)
	var typ, price string
	if err := c.QueryRow(ctx, "SELECT pg_typeof(saved)::text, original_price::text FROM discount_log").Scan(&typ, &price); err != nil {
		t.Fatal(err)
	}
	if typ != "numeric" || price != "10.5000" {
		t.Fatalf("stored saved as %s, original price %s; want numeric, 10.5000", typ, price)
	}
	// The same external id again: the insert is refused, the log with it.
	if _, err := svc.Place(ctx, oms.Staff("op", oms.RoleOperator), n); !errors.Is(err, oms.ErrDuplicate) {
		t.Fatalf("duplicate Place = %v, want ErrDuplicate", err)
	}
	if k := count(t, c, "SELECT count(*) FROM discount_log"); k != 1 {
		t.Fatalf("%d log rows after a failed Place, want 1", k)
	}
}
