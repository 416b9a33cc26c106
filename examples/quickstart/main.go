// Command quickstart runs the guide's B2B portal flow on the in-memory
// store, with no set-up: an order over the approval threshold waits for a
// sales manager, is confirmed (invoice and delivery note run after commit),
// shipped with an AWB and delivered; a second order hits Stock Unavailable
// and shows in the back-order list; a third is cancelled; a forbidden
// action is refused.
//
//	go run ./examples/quickstart
//
// With -dsn (or OMS_PG_DSN) it runs on PostgreSQL instead, through
// adapters/pgstore, after applying the schema migrations:
//
//	go run ./examples/quickstart -dsn postgres://user@localhost/omnisales
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/shopspring/decimal"

	"github.com/azuvio/omnisales/adapters/memstore"
	"github.com/azuvio/omnisales/adapters/pgstore"
	"github.com/azuvio/omnisales/oms"
)

var portal = oms.ChannelRef{Type: oms.ChannelPortal, ID: 2}

// docs stands in for the invoicing and warehouse modules.
type docs struct{}

func (docs) CreateInvoice(ctx context.Context, o oms.Order) error {
	fmt.Printf("   ↳ invoice issued for %s: %s %s\n", o.Number, o.Totals.Total.StringFixed(2), o.Currency)
	return nil
}

func (docs) CreateDeliveryNote(ctx context.Context, o oms.Order) error {
	fmt.Printf("   ↳ delivery note created for %s (%d line(s))\n", o.Number, len(o.Lines))
	return nil
}

func main() {
	dsn := flag.String("dsn", os.Getenv("OMS_PG_DSN"), "PostgreSQL connection string; empty runs on the in-memory store")
	flag.Parse()
	ctx := context.Background()
	var store oms.Store = memstore.New()
	if *dsn != "" {
		pg, err := pgstore.Open(ctx, *dsn, pgstore.Config{})
		if err != nil {
			fmt.Fprintln(os.Stderr, "quickstart:", err)
			os.Exit(1)
		}
		defer pg.Close()
		if err := pg.Migrate(ctx); err != nil {
			fmt.Fprintln(os.Stderr, "quickstart: migrate:", err)
			os.Exit(1)
		}
		store = pg
		fmt.Println("store: PostgreSQL")
	}
	if err := run(ctx, store); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, store oms.Store) error {
	channels := oms.ChannelPolicyFunc(func(ctx context.Context, ch oms.ChannelRef) (oms.ChannelSettings, error) {
		if ch != portal {
			return oms.ChannelSettings{}, oms.ErrUnknownChannel
		}
		return oms.ChannelSettings{AutoInvoice: true, AutoDeliveryNote: true, DeliveryFee: decimal.NewFromInt(25)}, nil
	})
	svc, err := oms.NewService(store, oms.Config{
		Channels: channels,
		ApprovalRules: []oms.ApprovalRule{{
			Name: "B2B portal orders over 10,000", ChannelType: oms.ChannelPortal, Threshold: decimal.NewFromInt(10000),
		}},
		Invoicer: docs{}, DeliveryNotes: docs{},
	})
	if err != nil {
		return err
	}
	client := oms.PortalClient("C-1042")
	operator := oms.Staff("ana (operator)", oms.RoleOperator)
	manager := oms.Staff("mihai (sales manager)", oms.RoleSalesManager)
	show := func(step string, o oms.Order) {
		approval := "not required"
		if o.ApprovalRequired {
			approval = fmt.Sprintf("%s (%d)", o.Approval, o.Approval)
		}
		fmt.Printf("%-34s %-8s status %-22s approval %s\n", step, o.Number, o.Status.Label(), approval)
	}
	must := func(o oms.Order, err error) oms.Order {
		if err != nil {
			panic(err) // the happy path of a demo: any error is a bug in it
		}
		return o
	}
	cart := func(number string, qty int64) oms.NewOrder {
		return oms.NewOrder{
			Number: number, Channel: portal, Type: "b2b", Currency: "RON",
			Client: oms.Client{ID: "C-1042", Groups: []string{"Wholesale"}, Email: "buyer@example.ro"},
			Lines: []oms.Line{
				{ProductID: "P-100", SKU: "CHAIR-OAK", Name: "Oak chair", Quantity: qty, UnitPrice: decimal.RequireFromString("450.00"), TaxRate: decimal.NewFromInt(19)},
				{ProductID: "P-200", SKU: "TABLE-OAK", Name: "Oak table", Quantity: 2, UnitPrice: decimal.RequireFromString("1890.50"), TaxRate: decimal.NewFromInt(19)},
			},
		}
	}

	fmt.Println("1. A B2B client places a large order in the portal")
	big := must(svc.Place(ctx, client, cart("SO-1001", 20)))
	show("placed by the client", big)
	fmt.Printf("   total %s RON (subtotal %s, tax %s, delivery %s) — over the 10,000 threshold\n",
		big.Totals.Total.StringFixed(2), big.Totals.Subtotal.StringFixed(2), big.Totals.Tax.StringFixed(2), big.Totals.DeliveryFee.StringFixed(2))
	page := must2(svc.AwaitingApprovalList(ctx, operator, oms.Filter{}, oms.Page{}))
	fmt.Printf("   awaiting-approval list: %d order(s)\n", len(page.Orders))
	if _, err := svc.Confirm(ctx, operator, big.ID); err != nil {
		fmt.Printf("   operator tries to confirm: refused — %v\n", err)
	}

	fmt.Println("\n2. The sales manager approves; the operator confirms")
	show("approved", must(svc.Approve(ctx, manager, big.ID)))
	show("confirmed", must(svc.Confirm(ctx, operator, big.ID)))
	fmt.Println("   dispatching committed events:")
	if _, err := svc.Events().Drain(ctx); err != nil {
		return err
	}

	fmt.Println("\n3. Warehouse ships with an Innoship AWB; the courier delivers")
	show("shipped (AWB 5749162310001)", must(svc.Ship(ctx, operator, big.ID, oms.Shipment{Courier: "Sameday", AWB: "5749162310001"})))
	done := must(svc.Deliver(ctx, operator, big.ID))
	show("delivered", done)
	fmt.Printf("   delivered quantities: %s ×%d, %s ×%d\n", done.Lines[0].SKU, done.Lines[0].Delivered, done.Lines[1].SKU, done.Lines[1].Delivered)

	fmt.Println("\n4. A second order: the stock check fails")
	second := must(svc.Place(ctx, client, cart("SO-1002", 1)))
	show("placed", second)
	show("stock check failed", must(svc.MarkStockUnavailable(ctx, operator, second.ID, "CHAIR-OAK out of stock")))
	if _, err := svc.Confirm(ctx, oms.System("nightly-sync"), second.ID); err != nil {
		fmt.Printf("   automation tries to confirm: refused — %v\n", err)
	}
	back := must2(svc.BackOrders(ctx, operator, oms.Filter{}, oms.Page{}))
	for _, o := range back.Orders {
		fmt.Printf("   back-order list: %s (%s)\n", o.Number, o.Status.Label())
	}

	fmt.Println("\n5. A third order is cancelled by the operator")
	third := must(svc.Place(ctx, client, cart("SO-1003", 2)))
	show("cancelled", must(svc.Cancel(ctx, operator, third.ID, "client called to cancel")))

	fmt.Println("\n6. Permissions")
	_, err = svc.Approve(ctx, operator, second.ID)
	fmt.Printf("   operator tries to approve: %v (errors.Is ErrForbidden: %v)\n", err, errors.Is(err, oms.ErrForbidden))
	_, err = svc.Confirm(ctx, client, third.ID)
	fmt.Printf("   client tries to confirm: %v\n", err)

	fmt.Println("\nHistory of", big.Number)
	h, err := svc.History(ctx, operator, big.ID)
	if err != nil {
		return err
	}
	for _, e := range h {
		if e.Event == "" {
			e.Event = oms.EventName("(" + e.Reason + ")")
		}
		fmt.Printf("   %-24s %-18s → %-18s by %s\n", e.Event, e.From.Label(), e.To.Label(), e.Actor)
	}
	if _, err := svc.Events().Drain(ctx); err != nil {
		return err
	}
	return nil
}

func must2(p oms.OrderPage, err error) oms.OrderPage {
	if err != nil {
		panic(err)
	}
	return p
}
