// Command workflow wires the guide's seven workflow-automation triggers to
// the order core's events, on the in-memory store:
//
//	go run ./examples/workflow
//
//	New B2B portal order          → push notification to the OMS operator
//	Order > 5,000                 → manager approval task
//	Status → Confirmed            → delivery note + warehouse notification
//	Status → Delivered            → review email to the client
//	Status → 16 Stock Unavailable → "Urgent procurement" task
//	Return approved               → confirmation email + "Process refund" task
//	WooCommerce sync error        → Channel Administrator notification
//
// Subscribers run after commit, from the outbox, at least once: a real
// handler makes its action idempotent (a task keyed by order and event id).
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/shopspring/decimal"

	"github.com/azuvio/omnisales/adapters/memstore"
	"github.com/azuvio/omnisales/channels"
	"github.com/azuvio/omnisales/channels/channelstest"
	"github.com/azuvio/omnisales/oms"
	"github.com/azuvio/omnisales/returns"
)

var (
	portal = oms.ChannelRef{Type: oms.ChannelPortal, ID: 2}
	woo    = oms.ChannelRef{Type: oms.ChannelWooCommerce, ID: 3}
)

func main() {
	if err := run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "workflow:", err)
		os.Exit(1)
	}
}

// notify stands in for push notifications, emails and tasks.
func notify(format string, args ...any) { fmt.Printf("   ⚑ "+format+"\n", args...) }

func run(ctx context.Context) error {
	reg := channels.NewRegistry()
	if err := reg.SetChannel(channels.Channel{ID: portal.ID, Type: oms.ChannelPortal, Name: "B2B portal",
		Settings: channels.Settings{AutoDeliveryNote: true}}); err != nil {
		return err
	}
	if err := reg.SetChannel(channels.Channel{ID: woo.ID, Type: oms.ChannelWooCommerce, Name: "Web shop"}); err != nil {
		return err
	}
	if err := reg.SetShop(channels.Shop{ID: "ro", ChannelID: woo.ID, Payments: channels.PaymentMap{"cod": "cash"}}); err != nil {
		return err
	}
	store := memstore.New()
	warehouse := deliveryNotes{}
	orders, err := oms.NewService(store, oms.Config{
		Channels:      reg,
		ApprovalRules: []oms.ApprovalRule{{Name: "orders over 5,000", Threshold: decimal.NewFromInt(5000)}},
		DeliveryNotes: warehouse,
	})
	if err != nil {
		return err
	}
	rets, err := returns.NewService(orders, store, returns.Config{})
	if err != nil {
		return err
	}
	ev := orders.Events()

	// 1. New B2B portal order → push notification to the OMS operator.
	ev.Subscribe(oms.EventPlaced, func(ctx context.Context, e oms.Event) error {
		if e.Channel.Type == oms.ChannelPortal {
			notify("push to OMS operator: new portal order %s", short(e.OrderID))
		}
		return nil
	})
	// 2. Order > 5,000 → manager approval task.
	ev.Subscribe(oms.EventApprovalRequested, func(ctx context.Context, e oms.Event) error {
		notify("task for the sales manager: approve order %s (%s)", short(e.OrderID), e.Reason)
		return nil
	})
	ev.Subscribe(oms.EventStatusChanged, func(ctx context.Context, e oms.Event) error {
		switch e.To {
		case oms.Confirmed: // 3. (the delivery note itself comes from the channel's AutoDeliveryNote)
			notify("warehouse: order %s confirmed, start picking", short(e.OrderID))
		case oms.Delivered: // 4.
			notify("email to the client: how was order %s? leave a review", short(e.OrderID))
		case oms.StockUnavailable: // 5.
			notify(`task for Acquisitions: "Urgent procurement" for order %s (%s)`, short(e.OrderID), e.Reason)
		}
		return nil
	})
	// 6. Return approved → confirmation email + "Process refund" task.
	ev.Subscribe(returns.EventReturnApproved, func(ctx context.Context, e oms.Event) error {
		id, _ := returns.EventReturnID(e)
		notify("email to the client: return %s approved", id)
		notify(`task for Finance: "Process refund" for return %s`, id)
		return nil
	})

	// 7. WooCommerce sync error → Channel Administrator notification.
	shop := channelstest.NewShop()
	shop.Add(channelstest.NewOrder("9001", "processing", "buyer@example.ro", "UNKNOWN-SKU"))
	engine, err := channels.New(orders, reg, store, channels.Config{
		Connect: shop.Connect, Catalogue: channelstest.NewCatalogue(), Clients: channelstest.NewClients(),
		OnFailure: func(ctx context.Context, err error) {
			notify("Channel Administrator: %v", err)
		},
	})
	if err != nil {
		return err
	}

	operator := oms.Staff("ana", oms.RoleOperator)
	manager := oms.Staff("mihai", oms.RoleSalesManager)
	supervisor := oms.Staff("dan", oms.RoleReturnsSupervisor)
	step := func(title string, f func() error) error {
		fmt.Println(title)
		if err := f(); err != nil {
			return err
		}
		_, err := ev.Drain(ctx) // a worker would run ev.Run(ctx, time.Second)
		return err
	}
	line := func(unit string, qty int64) []oms.Line {
		return []oms.Line{{ProductID: "DESK", SKU: "DESK-OAK", Quantity: qty, UnitPrice: decimal.RequireFromString(unit), TaxRate: decimal.NewFromInt(19)}}
	}
	var big, small oms.Order
	if err := step("A B2B client places an order of 7,140 RON in the portal", func() (err error) {
		big, err = orders.Place(ctx, oms.PortalClient("C7"), oms.NewOrder{Channel: portal, Currency: "RON",
			Client: oms.Client{ID: "C7"}, Lines: line("1500", 4), PaymentMethod: "bank transfer"})
		return err
	}); err != nil {
		return err
	}
	if err := step("The manager approves; the operator confirms", func() error {
		if _, err := orders.Approve(ctx, manager, big.ID); err != nil {
			return err
		}
		_, err := orders.Confirm(ctx, operator, big.ID)
		return err
	}); err != nil {
		return err
	}
	if err := step("Shipped and delivered", func() error {
		if _, err := orders.Ship(ctx, operator, big.ID, oms.Shipment{Courier: "Sameday", AWB: "AWB-77"}); err != nil {
			return err
		}
		if _, err := orders.RecordPayment(ctx, operator, big.ID, big.Totals.Total); err != nil {
			return err
		}
		_, err := orders.Deliver(ctx, operator, big.ID)
		return err
	}); err != nil {
		return err
	}
	if err := step("A small portal order fails its stock check", func() (err error) {
		small, err = orders.Place(ctx, oms.PortalClient("C8"), oms.NewOrder{Channel: portal, Currency: "RON",
			Client: oms.Client{ID: "C8"}, Lines: line("300", 1)})
		if err != nil {
			return err
		}
		_, err = orders.MarkStockUnavailable(ctx, operator, small.ID, "DESK-OAK out of stock")
		return err
	}); err != nil {
		return err
	}
	if err := step("The client returns one desk; the returns supervisor approves", func() error {
		r, err := rets.Create(ctx, oms.PortalClient("C7"), returns.Request{OrderID: big.ID, Reason: "damaged in transit",
			Items: []returns.ItemRequest{{Line: 0, Quantity: 1}}})
		if err != nil {
			return err
		}
		_, err = rets.Approve(ctx, supervisor, r.ID, returns.ApproveOptions{})
		return err
	}); err != nil {
		return err
	}
	return step("The nightly WooCommerce import meets an unknown SKU", func() error {
		_, err := engine.ImportOrders(ctx, "ro")
		return err
	})
}

type deliveryNotes struct{}

func (deliveryNotes) CreateDeliveryNote(ctx context.Context, o oms.Order) error {
	notify("delivery note created for order %s", short(o.ID))
	return nil
}

// short keeps the end of an order id, enough to tell orders apart here.
func short(id string) string {
	if len(id) > 6 {
		return "…" + id[len(id)-6:]
	}
	return id
}
