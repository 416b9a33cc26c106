package pgstore_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/shopspring/decimal"

	"github.com/azuvio/omnisales/adapters/pgstore"
	"github.com/azuvio/omnisales/adapters/pgstore/pgtest"
	"github.com/azuvio/omnisales/discount"
	"github.com/azuvio/omnisales/oms"
)

// tripCounter counts round trips: each query, exec or batch sent.
type tripCounter struct{ n atomic.Int64 }

func (c *tripCounter) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	c.n.Add(1)
	return ctx
}
func (c *tripCounter) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}
func (c *tripCounter) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	c.n.Add(1)
	return ctx
}
func (c *tripCounter) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}
func (c *tripCounter) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData)     {}

// tracedStore returns a migrated Store on one connection whose round
// trips trips counts.
func tracedStore(t *testing.T) (*pgstore.Store, *tripCounter) {
	t.Helper()
	ctx := context.Background()
	pc, err := pgxpool.ParseConfig(pgtest.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	trips := &tripCounter{}
	pc.ConnConfig.Tracer = trips
	pc.MaxConns = 1
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	s := pgstore.New(pool)
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return s, trips
}

// TestRoundTrips pins the round trips of the write paths (after the
// statement cache is warm): an imported order costs the same whatever its
// number of lines, and so does an order placed with its discount log.
func TestRoundTrips(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, trips := tracedStore(t)
	svc, err := oms.NewService(s, oms.Config{ApprovalRules: []oms.ApprovalRule{{Name: "big", Threshold: decimal.NewFromInt(1000)}}})
	if err != nil {
		t.Fatal(err)
	}
	op := oms.Staff("op", oms.RoleOperator)
	seq := 0
	place := func(lines int, price int64) oms.Order {
		seq++
		n := oms.NewOrder{Channel: oms.ChannelRef{Type: oms.ChannelWooCommerce, ID: 1}, Store: "shop",
			ExternalID: fmt.Sprint(seq), Currency: "RON", Client: oms.Client{ID: "C1"}}
		for i := range lines {
			n.Lines = append(n.Lines, oms.Line{ProductID: fmt.Sprint("P", i), Quantity: 1, UnitPrice: decimal.NewFromInt(price)})
		}
		o, err := svc.Place(ctx, op, n)
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	measure := func(name string, want int64, f func()) {
		t.Helper()
		f() // warm the statement cache
		before := trips.n.Load()
		f()
		got := trips.n.Load() - before
		t.Logf("%s: %d round trips", name, got)
		if got != want {
			t.Errorf("%s: %d round trips, want %d", name, got, want)
		}
	}
	for _, lines := range []int{1, 50} {
		measure(fmt.Sprintf("import of an order with %d line(s), 1 event", lines), 2, func() { place(lines, 1) })
	}
	measure("import of an order with 50 lines needing approval, 2 events", 3, func() { place(50, 100) })
	// The applied discount log goes in one INSERT, deferred to the COMMIT.
	for _, lines := range []int{1, 50} {
		measure(fmt.Sprintf("checkout of an order with %d discounted line(s) and %d log rows, 1 event", lines, 2*lines), 2, func() {
			seq++
			n := oms.NewOrder{Channel: oms.ChannelRef{Type: oms.ChannelWooCommerce, ID: 1}, Store: "shop",
				ExternalID: fmt.Sprint(seq), Currency: "RON", Client: oms.Client{ID: "C1"}}
			for i := range lines {
				p := fmt.Sprint("P", i)
				n.Lines = append(n.Lines, oms.Line{ProductID: p, Quantity: 1, UnitPrice: decimal.NewFromInt(10), Discount: decimal.NewFromInt(3)})
				n.DiscountLog = append(n.DiscountLog,
					discount.LogRow{Rule: 1, Client: "C1", Product: discount.ProductID(p), Quantity: 1,
						OriginalTotal: decimal.NewFromInt(10), TotalAfter: decimal.NewFromInt(9), Saved: decimal.NewFromInt(1)},
					discount.LogRow{Rule: 2, Client: "C1", Product: discount.ProductID(p), Quantity: 1, Voucher: "V",
						OriginalTotal: decimal.NewFromInt(9), TotalAfter: decimal.NewFromInt(7), Saved: decimal.NewFromInt(2)})
			}
			if _, err := svc.Place(ctx, op, n); err != nil {
				t.Fatal(err)
			}
		})
	}
	if rows, err := s.DiscountLog(ctx, oms.DiscountLogFilter{}); err != nil || len(rows) != 2*(2+100) {
		t.Fatalf("discount log: %d rows, %v; want %d", len(rows), err, 2*(2+100))
	}
	o := place(3, 1)
	held := false
	// The UPDATE travels with history, event and COMMIT; the event's id
	// was drawn by the read.
	measure("status change (hold/resume)", 2, func() {
		var err error
		if held {
			_, err = svc.Resume(ctx, op, o.ID)
		} else {
			_, err = svc.Hold(ctx, op, o.ID, "x")
		}
		if err != nil {
			t.Fatal(err)
		}
		held = !held
	})
	measure("list page of 100", 1, func() {
		if _, err := s.List(ctx, oms.Filter{}, oms.Page{}); err != nil {
			t.Fatal(err)
		}
	})
}
