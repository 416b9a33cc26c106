package oms_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"

	"github.com/azuvio/omnisales/adapters/memstore"
	"github.com/azuvio/omnisales/discount"
	"github.com/azuvio/omnisales/oms"
)

// discountedCart runs the discount engine on a two-line cart and returns
// the order to place with its discounted lines and log.
func discountedCart(t *testing.T) oms.NewOrder {
	t.Helper()
	at := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	engine, err := discount.NewEngine(discount.Config{}, []discount.Rule{
		{ID: 7, Name: "Seating -10%", Kind: discount.Percent, Value: dec("10"), ProductGroups: []discount.ProductGroupID{"seating"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	res, err := engine.Apply(ctx, discount.Cart{Client: "C1", Channel: 2, Currency: "RON", At: at, Lines: []discount.Line{
		{Product: "chair", ProductGroups: []discount.ProductGroupID{"seating"}, Quantity: 4, UnitPrice: dec("210")},
		{Product: "desk", Quantity: 1, UnitPrice: dec("900")}}})
	if err != nil {
		t.Fatal(err)
	}
	n := cart(portal, "0", 1)
	n.Lines = nil
	for _, l := range res.Lines {
		n.Lines = append(n.Lines, oms.Line{ProductID: string(l.Product), Quantity: l.Quantity, UnitPrice: l.UnitPrice,
			Discount: l.Discount, TaxRate: dec("19")})
	}
	n.DiscountLog = res.Log
	if len(n.DiscountLog) != 1 {
		t.Fatalf("engine logged %d rows, want 1", len(n.DiscountLog))
	}
	return n
}

func TestPlaceWritesDiscountLog(t *testing.T) {
	svc, _ := newService(t)
	n := discountedCart(t)
	o, err := svc.Place(ctx, operator, n)
	if err != nil {
		t.Fatal(err)
	}
	if !o.Totals.Discount.Equal(dec("84")) {
		t.Fatalf("order discount %s, want 84 (10%% of 4 × 210)", o.Totals.Discount)
	}
	if n.DiscountLog[0].Order != "" {
		t.Fatal("Place changed the caller's log rows")
	}
	want := n.DiscountLog[0]
	want.Order = o.ID
	got, err := svc.DiscountLog(ctx, manager, oms.DiscountLogFilter{Order: o.ID})
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]discount.LogRow{want}, got, cmp.Comparer(func(a, b decimal.Decimal) bool { return a.Equal(b) })); d != "" {
		t.Fatalf("log (-want +got):\n%s", d)
	}
	sum := discount.Summarize(got)
	if len(sum) != 1 || sum[0].Orders != 1 || !sum[0].Saved.Equal(dec("84")) {
		t.Fatalf("campaign summary %+v", sum)
	}
}

func TestDiscountLogRefusals(t *testing.T) {
	svc, _ := newService(t)
	n := discountedCart(t)
	// Bad rows are typed errors and write neither order nor log.
	for name, edit := range map[string]func(r *discount.LogRow){
		"saved does not add up": func(r *discount.LogRow) { r.Saved = r.Saved.Add(dec("0.01")) },
		"other currency":        func(r *discount.LogRow) { r.Currency = "EUR" },
		"no rule":               func(r *discount.LogRow) { r.Rule = 0 },
		"other order":           func(r *discount.LogRow) { r.Order = "someone-else" },
		"other client":          func(r *discount.LogRow) { r.Client = "C9" },
		"product on no line":    func(r *discount.LogRow) { r.Product = "NOPE" },
		"saved is not the line's discount": func(r *discount.LogRow) {
			r.OriginalTotal, r.Saved = r.OriginalTotal.Add(dec("1")), r.Saved.Add(dec("1"))
		},
	} {
		bad := n
		bad.DiscountLog = []discount.LogRow{n.DiscountLog[0]}
		edit(&bad.DiscountLog[0])
		_, err := svc.Place(ctx, operator, bad)
		var ve *oms.ValidationError
		if !errors.As(err, &ve) || !errors.Is(err, oms.ErrInvalidOrder) {
			t.Errorf("%s: err = %v, want a ValidationError", name, err)
		}
	}
	if page, _ := svc.List(ctx, manager, oms.Filter{}, oms.Page{}); len(page.Orders) != 0 {
		t.Fatalf("refused carts left %d orders", len(page.Orders))
	}
	if rows, _ := svc.DiscountLog(ctx, manager, oms.DiscountLogFilter{}); len(rows) != 0 {
		t.Fatalf("refused carts left %d log rows", len(rows))
	}
	// Reading needs the trade-discount view or reports permission; a portal
	// client reads only their own rows.
	if _, err := svc.Place(ctx, operator, n); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.DiscountLog(ctx, oms.Staff("x", []oms.Permission{oms.PermView}), oms.DiscountLogFilter{}); !errors.Is(err, oms.ErrForbidden) {
		t.Fatalf("without permission: %v", err)
	}
	if rows, err := svc.DiscountLog(ctx, oms.PortalClient("C2"), oms.DiscountLogFilter{Client: "C1"}); err != nil || len(rows) != 0 {
		t.Fatalf("another client's rows: %v, %v", rows, err)
	}
	if rows, err := svc.DiscountLog(ctx, oms.PortalClient("C1"), oms.DiscountLogFilter{}); err != nil || len(rows) != 1 {
		t.Fatalf("own rows: %v, %v", rows, err)
	}
}

// plainStore hides memstore's optional discount log.
type plainStore struct{ oms.Store }

func (p plainStore) Do(ctx context.Context, fn func(tx oms.Tx) error) error {
	return p.Store.Do(ctx, func(tx oms.Tx) error { return fn(struct{ oms.Tx }{tx}) })
}

func TestDiscountLogNeedsAStoreThatKeepsIt(t *testing.T) {
	svc, err := oms.NewService(plainStore{memstore.New()}, oms.Config{})
	if err != nil {
		t.Fatal(err)
	}
	n := discountedCart(t)
	n.Channel = pos
	if _, err := svc.Place(ctx, operator, n); !errors.Is(err, oms.ErrUnsupported) {
		t.Fatalf("place with a log on a store without one: %v", err)
	}
	if page, _ := svc.List(ctx, manager, oms.Filter{}, oms.Page{}); len(page.Orders) != 0 {
		t.Fatal("the refused order was written")
	}
	if _, err := svc.DiscountLog(ctx, manager, oms.DiscountLogFilter{}); !errors.Is(err, oms.ErrUnsupported) {
		t.Fatalf("read: %v", err)
	}
	n.DiscountLog = nil
	if _, err := svc.Place(ctx, discounter, n); err != nil {
		t.Fatalf("place without a log: %v", err)
	}
}
