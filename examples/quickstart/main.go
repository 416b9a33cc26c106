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
	"io"
	"os"

	"github.com/shopspring/decimal"

	"github.com/azuvio/omnisales/adapters/memstore"
	"github.com/azuvio/omnisales/adapters/pgstore"
	"github.com/azuvio/omnisales/oms"
)

var portal = oms.ChannelRef{Type: oms.ChannelPortal, ID: 2}

// docs stands in for the invoicing and warehouse modules.
type docs struct{ w io.Writer }

func (d docs) CreateInvoice(ctx context.Context, o oms.Order) error {
	fmt.Fprintf(d.w, "   ↳ invoice issued for %s: %s %s\n", o.Number, o.Totals.Total.StringFixed(2), o.Currency)
	return nil
}

func (d docs) CreateDeliveryNote(ctx context.Context, o oms.Order) error {
	fmt.Fprintf(d.w, "   ↳ delivery note created for %s (%d line(s))\n", o.Number, len(o.Lines))
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
	if err := run(ctx, os.Stdout, store); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

// run tells the story on store, writing to w. Any unexpected error (or a
// refusal that did not happen) ends it with an error.
func run(ctx context.Context, w io.Writer, store oms.Store) (err error) {
	defer func() {
		if r := recover(); r != nil {
			e, ok := r.(demoError)
			if !ok {
				panic(r)
			}
			err = e.error
		}
	}()
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
		Invoicer: docs{w}, DeliveryNotes: docs{w},
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
		fmt.Fprintf(w, "%-34s %-8s status %-22s approval %s\n", step, o.Number, o.Status.Label(), approval)
	}
	must := func(o oms.Order, err error) oms.Order {
		check(err)
		return o
	}
	// refused shows a refusal the story expects; none is a failure.
	refused := func(what string, err error) {
		if err == nil {
			check(errors.New(what + " was not refused"))
		}
		fmt.Fprintf(w, "   %s: refused — %v\n", what, err)
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

	fmt.Fprintln(w, "1. A B2B client places a large order in the portal")
	big := must(svc.Place(ctx, client, cart("SO-1001", 20)))
	show("placed by the client", big)
	fmt.Fprintf(w, "   total %s RON (subtotal %s, tax %s, delivery %s) — over the 10,000 threshold\n",
		big.Totals.Total.StringFixed(2), big.Totals.Subtotal.StringFixed(2), big.Totals.Tax.StringFixed(2), big.Totals.DeliveryFee.StringFixed(2))
	page := must2(svc.AwaitingApprovalList(ctx, operator, oms.Filter{}, oms.Page{}))
	fmt.Fprintf(w, "   awaiting-approval list: %d order(s)\n", len(page.Orders))
	_, err = svc.Confirm(ctx, operator, big.ID)
	refused("operator tries to confirm", err)

	fmt.Fprintln(w, "\n2. The sales manager approves; the operator confirms")
	show("approved", must(svc.Approve(ctx, manager, big.ID)))
	show("confirmed", must(svc.Confirm(ctx, operator, big.ID)))
	fmt.Fprintln(w, "   dispatching committed events:")
	if _, err := svc.Events().Drain(ctx); err != nil {
		return err
	}

	fmt.Fprintln(w, "\n3. Warehouse ships with an Innoship AWB; the courier delivers")
	show("shipped (AWB 5749162310001)", must(svc.Ship(ctx, operator, big.ID, oms.Shipment{Courier: "Sameday", AWB: "5749162310001"})))
	done := must(svc.Deliver(ctx, operator, big.ID))
	show("delivered", done)
	fmt.Fprintf(w, "   delivered quantities: %s ×%d, %s ×%d\n", done.Lines[0].SKU, done.Lines[0].Delivered, done.Lines[1].SKU, done.Lines[1].Delivered)

	fmt.Fprintln(w, "\n4. A second order: the stock check fails")
	second := must(svc.Place(ctx, client, cart("SO-1002", 1)))
	show("placed", second)
	show("stock check failed", must(svc.MarkStockUnavailable(ctx, operator, second.ID, "CHAIR-OAK out of stock")))
	_, err = svc.Confirm(ctx, oms.System("nightly-sync"), second.ID)
	refused("automation tries to confirm", err)
	back := must2(svc.BackOrders(ctx, operator, oms.Filter{}, oms.Page{}))
	for _, o := range back.Orders {
		fmt.Fprintf(w, "   back-order list: %s (%s)\n", o.Number, o.Status.Label())
	}

	fmt.Fprintln(w, "\n5. A third order is cancelled by the operator")
	third := must(svc.Place(ctx, client, cart("SO-1003", 2)))
	show("cancelled", must(svc.Cancel(ctx, operator, third.ID, "client called to cancel")))

	fmt.Fprintln(w, "\n6. Permissions")
	_, err = svc.Approve(ctx, operator, second.ID)
	refused("operator tries to approve", err)
	fmt.Fprintf(w, "   (errors.Is ErrForbidden: %v)\n", errors.Is(err, oms.ErrForbidden))
	_, err = svc.Confirm(ctx, client, third.ID)
	refused("client tries to confirm", err)

	fmt.Fprintln(w, "\nHistory of", big.Number)
	h, err := svc.History(ctx, operator, big.ID)
	if err != nil {
		return err
	}
	for _, e := range h {
		if e.Event == "" {
			e.Event = oms.EventName("(" + e.Reason + ")")
		}
		fmt.Fprintf(w, "   %-24s %-18s → %-18s by %s\n", e.Event, e.From.Label(), e.To.Label(), e.Actor)
	}
	if _, err := svc.Events().Drain(ctx); err != nil {
		return err
	}
	return nil
}

func must2(p oms.OrderPage, err error) oms.OrderPage {
	check(err)
	return p
}

// demoError carries an unexpected error out of run's happy path; run
// recovers it and returns it, so nothing panics past run.
type demoError struct{ error }

func check(err error) {
	if err != nil {
		panic(demoError{err})
	}
}
