package returns_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/azuvio/omnisales/adapters/memstore"
	"github.com/azuvio/omnisales/oms"
	"github.com/azuvio/omnisales/returns"
	"github.com/shopspring/decimal"
)

// shop sets up a delivered, paid B2B order on an in-memory store with a
// clock the example moves by hand.
func shop(cfg returns.Config) (*returns.Service, *oms.Service, *time.Time, oms.Order) {
	ctx := context.Background()
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	store := memstore.New()
	orders, err := oms.NewService(store, oms.Config{Clock: clock, NewID: func() string { return "ORD-1" }})
	if err != nil {
		panic(err)
	}
	cfg.Clock = clock
	svc, err := returns.NewService(orders, store, cfg)
	if err != nil {
		panic(err)
	}
	ops := oms.Staff("ana", oms.RoleOperator, []oms.Permission{oms.PermDiscounts}) // she grants the drills' discount by hand
	fee := decimal.NewFromInt(20)
	o, err := orders.Place(ctx, ops, oms.NewOrder{
		Channel: oms.ChannelRef{Type: oms.ChannelPortal, ID: 1}, Type: "b2b", Client: oms.Client{ID: "acme"},
		Currency: "RON", DeliveryFee: &fee, PaymentMethod: "bank_transfer",
		Lines: []oms.Line{
			{ProductID: "DRILL", Quantity: 4, UnitPrice: decimal.NewFromInt(250), Discount: decimal.NewFromInt(100), TaxRate: decimal.NewFromInt(19)},
			{ProductID: "BITS", Quantity: 10, UnitPrice: decimal.RequireFromString("12.50"), TaxRate: decimal.NewFromInt(19)},
		},
	})
	if err != nil {
		panic(err)
	}
	for _, step := range []func() (oms.Order, error){
		func() (oms.Order, error) { return orders.RecordPayment(ctx, ops, o.ID, o.Totals.Total) },
		func() (oms.Order, error) { return orders.Confirm(ctx, ops, o.ID) },
		func() (oms.Order, error) {
			return orders.Ship(ctx, ops, o.ID, oms.Shipment{Courier: "fan", AWB: "AWB-77"})
		},
		func() (oms.Order, error) { return orders.Deliver(ctx, ops, o.ID) },
	} {
		if o, err = step(); err != nil {
			panic(err)
		}
	}
	return svc, orders, &now, o
}

// A client returns one of four drills ten days after delivery; a returns
// supervisor approves; the drill is restocked and the client refunded what
// they paid for it less the 10% restocking fee.
func Example() {
	ctx := context.Background()
	svc, orders, now, o := shop(returns.Config{Fee: returns.PercentFee(decimal.NewFromInt(10))})
	*now = now.Add(10 * 24 * time.Hour)

	r, err := svc.Create(ctx, oms.PortalClient("acme"), returns.Request{
		OrderID: o.ID, Items: []returns.ItemRequest{{Line: 0, Quantity: 1}}, Reason: "arrived damaged"})
	if err != nil {
		fmt.Println(err)
		return
	}
	o, _ = orders.Get(ctx, oms.PortalClient("acme"), o.ID)
	fmt.Printf("%s %s: paid %s, fee %s, refund due %s; order %s\n", r.ID, r.Type,
		r.Value.StringFixed(2), r.Fee.StringFixed(2), r.RefundDue.StringFixed(2), o.Status.Label())

	a, err := svc.Approve(ctx, oms.Staff("dan", oms.RoleReturnsSupervisor), r.ID, returns.ApproveOptions{Note: "checked"})
	if err != nil {
		fmt.Println(err)
		return
	}
	o, _ = orders.Get(ctx, oms.PortalClient("acme"), o.ID)
	fmt.Printf("%s: receipt %s, refunded %s; order %s, refunded %s of %s\n", a.Approval, a.ReceiptID,
		a.Refunded.StringFixed(2), o.Status.Label(), o.Refunded.StringFixed(2), o.Paid.StringFixed(2))
	// Output:
	// RET-000001 partially: paid 267.75, fee 26.78, refund due 240.97; order Return Pending (11)
	// approved: receipt RCPT-000001, refunded 240.97; order Partial Refund (13), refunded 240.97 of 1239.75
}

// A request after the window is refused, and the error says by how much.
func ExampleService_Create_windowExceeded() {
	ctx := context.Background()
	svc, _, now, o := shop(returns.Config{ReturnWithinDays: returns.Days(14)})
	*now = now.Add(17 * 24 * time.Hour)
	_, err := svc.Create(ctx, oms.PortalClient("acme"), returns.Request{OrderID: o.ID, Type: returns.TypeFull, Reason: "no longer needed"})
	fmt.Println(err)
	// Output:
	// returns: create for order ORD-1: returns: order ORD-1: return window of 14 days exceeded by 3 days (delivered 2026-03-02, requested 2026-03-19)
}

// Three units of a line that cost 100.00 in all, returned one by one:
// the cents add up to the line's amount.
func ExampleProrate() {
	total := decimal.NewFromInt(100)
	for done := int64(0); done < 3; done++ {
		fmt.Println(returns.Prorate(total, done, 1, 3, "RON").StringFixed(2))
	}
	// Output:
	// 33.33
	// 33.34
	// 33.33
}

// An operator records a manual return; the supervisor approves and
// restocks it with the refund deferred, then refunds it in two parts. A
// refund beyond what is left of the payment is refused.
func ExampleService_Refund() {
	ctx := context.Background()
	svc, orders, _, o := shop(returns.Config{})
	sup := oms.Staff("dan", oms.RoleReturnsSupervisor)
	r, err := svc.Create(ctx, oms.Staff("ana", oms.RoleOperator), returns.Request{
		OrderID: o.ID, Type: returns.TypeManual, Items: []returns.ItemRequest{{Line: 1, Quantity: 2}}, Reason: "wrong size"})
	if err != nil {
		fmt.Println(err)
		return
	}
	a, err := svc.Approve(ctx, sup, r.ID, returns.ApproveOptions{DeferRefund: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("approved, %s still due\n", a.Outstanding().StringFixed(2))
	for _, amount := range []string{"10", "0"} { // 0: whatever is still due
		rf, err := svc.Refund(ctx, sup, returns.RefundRequest{OrderID: o.ID, ReturnID: r.ID, Amount: decimal.RequireFromString(amount)})
		if err != nil {
			fmt.Println(err)
			return
		}
		o, _ = orders.Get(ctx, sup, o.ID)
		fmt.Printf("refund %s %s to %s; order %s\n", rf.Amount.StringFixed(2), rf.Currency, rf.PaymentMode, o.Status.Label())
	}
	_, err = svc.Refund(ctx, sup, returns.RefundRequest{OrderID: o.ID, Amount: o.Paid})
	fmt.Println(errors.Is(err, returns.ErrOverRefund))
	// Output:
	// approved, 29.75 still due
	// refund 10.00 RON to bank_transfer; order Partial Refund (13)
	// refund 19.75 RON to bank_transfer; order Partial Refund (13)
	// true
}
