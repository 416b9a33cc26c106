package oms_test

import (
	"context"
	"fmt"

	"github.com/shopspring/decimal"

	"github.com/azuvio/omnisales/adapters/memstore"
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
