package pgstore_test

import (
	"context"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/azuvio/omnisales/adapters/pgstore"
	"github.com/azuvio/omnisales/adapters/pgstore/pgtest"
	"github.com/azuvio/omnisales/oms"
)

// TestQuickstart is the package doc's example, run for real: open,
// migrate, place and confirm an order through the service, list it, and
// dispatch its events. (A test rather than an Example, so it can skip
// without PostgreSQL.)
func TestQuickstart(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dsn := pgtest.DSN(t) // in production: your database's URL
	s, err := pgstore.Open(ctx, dsn, pgstore.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	svc, err := oms.NewService(s, oms.Config{})
	if err != nil {
		t.Fatal(err)
	}
	op := oms.Staff("ana", oms.RoleOperator)
	o, err := svc.Place(ctx, op, oms.NewOrder{Channel: oms.ChannelRef{Type: oms.ChannelWooCommerce, ID: 1},
		Store: "shop", ExternalID: "727", Currency: "RON", Client: oms.Client{ID: "C1"},
		Lines: []oms.Line{{ProductID: "P1", Quantity: 3, UnitPrice: decimal.RequireFromString("19.99"), TaxRate: decimal.NewFromInt(19)}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Confirm(ctx, op, o.ID); err != nil {
		t.Fatal(err)
	}
	page, err := svc.List(ctx, op, oms.Filter{Statuses: []oms.Status{oms.Confirmed}}, oms.Page{})
	if err != nil || len(page.Orders) != 1 || !page.Orders[0].Totals.Total.Equal(decimal.RequireFromString("71.36")) {
		t.Fatalf("list of confirmed orders: %+v, %v", page.Orders, err)
	}
	var seen []oms.EventType
	svc.Events().Subscribe("", func(ctx context.Context, e oms.Event) error { seen = append(seen, e.Type); return nil })
	if _, err := svc.Events().Drain(ctx); err != nil {
		t.Fatal(err)
	}
	if len(seen) != 2 || seen[0] != oms.EventPlaced || seen[1] != oms.EventStatusChanged {
		t.Fatalf("dispatched %v, want placed then status_changed", seen)
	}
}
