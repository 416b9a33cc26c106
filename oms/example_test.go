package oms_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/azuvio/omnisales/adapters/memstore"
	"github.com/azuvio/omnisales/discount"
	"github.com/azuvio/omnisales/oms"
)

// A portal order over the threshold waits for a manager before it can be
// confirmed.
func ExampleService_Approve() {
	ctx := context.Background()
	svc, _ := oms.NewService(memstore.New(), oms.Config{
		ApprovalRules: []oms.ApprovalRule{{Name: "portal > 10,000", ChannelType: oms.ChannelPortal, Threshold: decimal.NewFromInt(10000)}},
	})
	operator := oms.Staff("ana", oms.RoleOperator)
	manager := oms.Staff("mihai", oms.RoleSalesManager)
	o, _ := svc.Place(ctx, operator, oms.NewOrder{
		Channel: oms.ChannelRef{Type: oms.ChannelPortal, ID: 2}, Currency: "RON", Client: oms.Client{ID: "C1"},
		Lines: []oms.Line{{ProductID: "P1", Quantity: 30, UnitPrice: decimal.NewFromInt(500)}},
	})
	fmt.Println(o.Status.Label(), "awaiting approval:", o.AwaitingApproval())
	_, err := svc.Confirm(ctx, operator, o.ID)
	fmt.Println("confirm refused:", err != nil)
	svc.Approve(ctx, manager, o.ID)
	o, _ = svc.Confirm(ctx, operator, o.ID)
	fmt.Println(o.Status.Label(), o.Approval)
	// Output:
	// Draft (0) awaiting approval: true
	// confirm refused: true
	// Confirmed (3) approved
}

// A UI shows what an order may do next from the exported table.
func ExampleAvailableEvents() {
	fmt.Println(oms.AvailableEvents(oms.Shipping))
	fmt.Println(oms.AvailableEvents(oms.StockUnavailable))
	// Output:
	// [deliver]
	// [cancel confirm hold verify]
}

// A checkout: the discount engine prices the cart's discounts, Place writes
// the order with the applied-discount log, and the log feeds the campaign
// report.
func ExampleService_DiscountLog() {
	ctx := context.Background()
	d := decimal.RequireFromString
	engine, _ := discount.NewEngine(discount.Config{}, []discount.Rule{
		{ID: 7, Name: "Seating -10%", Kind: discount.Percent, Value: d("10"), ProductGroups: []discount.ProductGroupID{"seating"}},
	})
	res, err := engine.Apply(ctx, discount.Cart{Client: "C1", Channel: 2, Currency: "RON", At: time.Now(), Lines: []discount.Line{
		{Product: "chair", ProductGroups: []discount.ProductGroupID{"seating"}, Quantity: 4, UnitPrice: d("210")},
		{Product: "desk", Quantity: 1, UnitPrice: d("900")}}})
	if err != nil {
		fmt.Println(err)
		return
	}

	svc, _ := oms.NewService(memstore.New(), oms.Config{})
	n := oms.NewOrder{Channel: oms.ChannelRef{Type: oms.ChannelPortal, ID: 2}, Currency: "RON", Client: oms.Client{ID: "C1"},
		DiscountLog: res.Log}
	for _, l := range res.Lines {
		n.Lines = append(n.Lines, oms.Line{ProductID: string(l.Product), Quantity: l.Quantity, UnitPrice: l.UnitPrice, Discount: l.Discount})
	}
	o, err := svc.Place(ctx, oms.Staff("ana", oms.RoleOperator), n)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("order total %s after a discount of %s\n", o.Totals.Total.StringFixed(2), o.Totals.Discount.StringFixed(2))

	rows, _ := svc.DiscountLog(ctx, oms.Staff("mihai", oms.RoleSalesManager), oms.DiscountLogFilter{Rule: 7})
	for _, c := range discount.Summarize(rows) {
		fmt.Printf("%s: %d order(s), %d units, revenue %s, saved %s %s\n", c.Name, c.Orders, c.Quantity,
			c.Revenue.StringFixed(2), c.Saved.StringFixed(2), c.Currency)
	}
	// Output:
	// order total 1656.00 after a discount of 84.00
	// Seating -10%: 1 order(s), 4 units, revenue 756.00, saved 84.00 RON
}

// The whole happy path on the in-memory store: place, confirm, ship with an
// AWB, deliver; every step is one unit of work with history and events.
func ExampleService_Place() {
	ctx := context.Background()
	svc, err := oms.NewService(memstore.New(), oms.Config{})
	if err != nil {
		panic(err)
	}
	operator := oms.Staff("ana", oms.RoleOperator)
	o, err := svc.Place(ctx, operator, oms.NewOrder{
		Channel: oms.ChannelRef{Type: oms.ChannelManual, ID: 1}, Currency: "RON", Client: oms.Client{ID: "C1"},
		Lines: []oms.Line{{ProductID: "P1", Quantity: 3, UnitPrice: decimal.RequireFromString("19.99"), TaxRate: decimal.NewFromInt(19)}},
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(o.Status.Label(), "total", o.Totals.Total.StringFixed(2), o.Currency)
	o, _ = svc.Confirm(ctx, operator, o.ID)
	_, err = svc.Ship(ctx, operator, o.ID, oms.Shipment{})
	fmt.Println("ship without an AWB refused:", errors.Is(err, oms.ErrInvalidTransition))
	o, _ = svc.Ship(ctx, operator, o.ID, oms.Shipment{Courier: "Cargus", AWB: "AWB-1"})
	o, _ = svc.Deliver(ctx, operator, o.ID)
	fmt.Println(o.Status.Label(), "delivered", o.Lines[0].Delivered, "of", o.Lines[0].Quantity)
	h, _ := svc.History(ctx, operator, o.ID)
	for _, e := range h {
		fmt.Println(e.Event, e.From, "→", e.To)
	}
	// Output:
	// Draft (0) total 71.36 RON
	// ship without an AWB refused: true
	// Delivered (5) delivered 3 of 3
	// place Draft → Draft
	// confirm Draft → Confirmed
	// ship Confirmed → Shipping
	// deliver Shipping → Delivered
}
