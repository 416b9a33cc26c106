package returns_test

import (
	"context"
	"testing"
	"time"

	"github.com/azuvio/omnisales/discount"
	"github.com/azuvio/omnisales/oms"
	"github.com/azuvio/omnisales/returns"
	"github.com/shopspring/decimal"
)

// An order placed through oms.Service.Place with a real discount engine
// result: a 12.5% rule on the tools group and a 50.00 RON order-level
// rule spread over every line by value (StackAll: the percentage first,
// then the order-level rule on what is left), the log written with the
// order. A partial return refunds exactly what the client paid for the
// returned units, and returning the rest brings back the whole order
// discount, per product as the log recorded it, to the cent.
func TestReturnOfAnOrderWithLoggedDiscounts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, returns.Config{})
	engine, err := discount.NewEngine(discount.Config{Policy: discount.StackAll}, []discount.Rule{
		{ID: 1, Name: "Tools -12.5%", Kind: discount.Percent, Value: d("12.5"), ProductGroups: []discount.ProductGroupID{"tools"}},
		{ID: 2, Name: "Order -50 RON", Kind: discount.Fixed, Value: d("50"), Currency: "RON"},
	})
	if err != nil {
		t.Fatal(err)
	}
	res, err := engine.Apply(ctx, discount.Cart{Client: "c1", Channel: 1, Currency: "RON", At: t0, Lines: []discount.Line{
		{Product: "DRILL", ProductGroups: []discount.ProductGroupID{"tools"}, Quantity: 3, UnitPrice: d("199.99")},
		{Product: "BITS", ProductGroups: []discount.ProductGroupID{"tools"}, Quantity: 7, UnitPrice: d("12.35")},
		{Product: "GLOVES", Quantity: 5, UnitPrice: d("3.33")},
	}})
	if err != nil {
		t.Fatal(err)
	}
	// DRILL 599.97 − 75.00 (12.5%) − 42.52 (order share) = 482.45
	// BITS   86.45 − 10.81 (12.5%) −  6.13 (order share) =  69.51
	// GLOVES 16.65                 −  1.35 (order share) =  15.30
	if !res.Discount.Equal(d("135.81")) || len(res.Log) != 5 {
		t.Fatalf("engine: discount %s in %d log rows, want 135.81 in 5", res.Discount, len(res.Log))
	}
	fee := d("20")
	n := oms.NewOrder{Channel: oms.ChannelRef{Type: oms.ChannelPortal, ID: 1}, Type: "b2b", Client: oms.Client{ID: "c1"},
		Currency: "RON", DeliveryFee: &fee, PaymentMethod: "bank_transfer", DiscountLog: res.Log}
	for _, l := range res.Lines {
		n.Lines = append(n.Lines, oms.Line{ProductID: string(l.Product), SKU: "SKU-" + string(l.Product), Quantity: l.Quantity,
			UnitPrice: l.UnitPrice, Discount: l.Discount, TaxRate: d("19")})
	}
	// An operator may place it: the discounts are the engine's, in the
	// log, not granted by hand.
	o, err := f.orders.Place(ctx, operator, n)
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range []func() (oms.Order, error){
		func() (oms.Order, error) { return f.orders.RecordPayment(ctx, staff, o.ID, o.Totals.Total) },
		func() (oms.Order, error) { return f.orders.Confirm(ctx, staff, o.ID) },
		func() (oms.Order, error) {
			return f.orders.Ship(ctx, staff, o.ID, oms.Shipment{Courier: "x", AWB: "AWB1"})
		},
		func() (oms.Order, error) { return f.orders.Deliver(ctx, staff, o.ID) },
	} {
		if o, err = step(); err != nil {
			t.Fatal(err)
		}
	}
	// Tax 19% on the nets: 91.67, 13.21, 2.91; total 567.26 + 107.79 + 20.00.
	if !o.Totals.Discount.Equal(d("135.81")) || !o.Totals.Total.Equal(d("695.05")) {
		t.Fatalf("order totals %+v", o.Totals)
	}
	// What the log says each product saved: the order's discounts.
	rows, err := f.orders.DiscountLog(ctx, staff, oms.DiscountLogFilter{Order: o.ID})
	if err != nil {
		t.Fatal(err)
	}
	saved := map[string]decimal.Decimal{}
	for _, r := range rows {
		saved[string(r.Product)] = saved[string(r.Product)].Add(r.Saved)
	}
	if len(rows) != 5 || !saved["DRILL"].Equal(d("117.52")) || !saved["BITS"].Equal(d("16.94")) || !saved["GLOVES"].Equal(d("1.35")) {
		t.Fatalf("stored log: %d rows saving %v", len(rows), saved)
	}

	// Two of three drills and four of seven bit sets. Each part is the
	// first k of n units' share, rounded half away from zero:
	//   DRILL gross 599.97×2/3 = 399.98, discount 117.52×2/3 = 78.35,
	//         tax 91.67×2/3 = 61.11: paid 382.74
	//   BITS  gross 86.45×4/7 = 49.40, discount 16.94×4/7 = 9.68,
	//         tax 13.21×4/7 = 7.55: paid 47.27
	f.clock.Advance(3 * 24 * time.Hour)
	r, err := f.svc.Create(ctx, client, returns.Request{OrderID: o.ID, Reason: "too many",
		Items: []returns.ItemRequest{{Line: 0, Quantity: 2}, {Line: 1, Quantity: 4}}})
	if err != nil {
		t.Fatal(err)
	}
	want := []struct{ gross, disc, tax, paid string }{{"399.98", "78.35", "61.11", "382.74"}, {"49.40", "9.68", "7.55", "47.27"}}
	for i, it := range r.Items {
		w := want[i]
		if !it.Gross.Equal(d(w.gross)) || !it.Discount.Equal(d(w.disc)) || !it.Tax.Equal(d(w.tax)) || !it.Paid.Equal(d(w.paid)) {
			t.Errorf("item %s: gross %s discount %s tax %s paid %s; want %s %s %s %s",
				it.ProductID, it.Gross, it.Discount, it.Tax, it.Paid, w.gross, w.disc, w.tax, w.paid)
		}
	}
	a, err := f.svc.Approve(ctx, supervisor, r.ID, returns.ApproveOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !a.Value.Equal(d("430.01")) || !a.RefundDue.Equal(d("430.01")) || !a.Refunded.Equal(d("430.01")) {
		t.Errorf("first return: value %s, due %s, refunded %s; want 430.01", a.Value, a.RefundDue, a.Refunded)
	}

	// The rest comes back: every part of every line is now back, and the
	// discount shares add up to the order's discount and to what the log
	// recorded per product.
	r2, err := f.svc.Create(ctx, client, returns.Request{OrderID: o.ID, Type: returns.TypeFull, Reason: "all of it"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Approve(ctx, supervisor, r2.ID, returns.ApproveOptions{}); err != nil {
		t.Fatal(err)
	}
	all, err := f.svc.List(ctx, staff, returns.Filter{OrderID: o.ID})
	if err != nil {
		t.Fatal(err)
	}
	discBack := map[string]decimal.Decimal{}
	var disc, value, refunded decimal.Decimal
	for _, rr := range all {
		for _, it := range rr.Items {
			discBack[it.ProductID] = discBack[it.ProductID].Add(it.Discount)
			disc = disc.Add(it.Discount)
		}
		value = value.Add(rr.Value)
		refunded = refunded.Add(rr.Refunded)
	}
	if !disc.Equal(o.Totals.Discount) || !disc.Equal(res.Discount) {
		t.Errorf("discount shares add up to %s; order discount %s, engine %s", disc, o.Totals.Discount, res.Discount)
	}
	for p, s := range saved {
		if !discBack[p].Equal(s) {
			t.Errorf("%s: shares of its discount add up to %s, the log saved %s", p, discBack[p], s)
		}
	}
	goods := o.Totals.Total.Sub(o.Totals.DeliveryFee)
	if !value.Equal(goods) || !refunded.Equal(goods) {
		t.Errorf("returns valued %s and refunded %s, the goods cost %s", value, refunded, goods)
	}
	if got := f.order(t, o.ID); !got.Refunded.Equal(goods) {
		t.Errorf("order refunded %s, want %s (the delivery fee is kept)", got.Refunded, goods)
	}
}
