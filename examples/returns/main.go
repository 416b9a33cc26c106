// Command returns walks a delivered B2B order through a partial return:
// the client asks from the portal inside the return window, a returns
// supervisor approves, the goods go back into stock, the client is
// refunded what they paid for them less the restocking fee, loyalty
// points are reversed, and the weekly reconciliation finds nothing amiss.
// On the way it shows the refusals the rules demand: a second request
// while one waits, an approval without the permission, another client's
// request, more units than are left, a refund above what was paid and a
// request after the window. It runs on a fixed clock, so the story is the
// same at every run.
//
//	go run ./examples/returns
//
// By default everything runs in memory. With -dsn (or OMS_PG_DSN) it runs
// on PostgreSQL through adapters/pgstore, after applying the schema
// migrations:
//
//	go run ./examples/returns -dsn postgres://user@localhost/omnisales
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/azuvio/omnisales/adapters/memstore"
	"github.com/azuvio/omnisales/adapters/pgstore"
	"github.com/azuvio/omnisales/oms"
	"github.com/azuvio/omnisales/returns"
	"github.com/shopspring/decimal"
)

func main() {
	dsn := flag.String("dsn", os.Getenv("OMS_PG_DSN"), "PostgreSQL connection string; empty runs on the in-memory store")
	flag.Parse()
	ctx := context.Background()
	var store Store = memstore.New()
	if *dsn != "" {
		pg, err := pgstore.Open(ctx, *dsn, pgstore.Config{})
		if err != nil {
			fmt.Fprintln(os.Stderr, "returns example:", err)
			os.Exit(1)
		}
		defer pg.Close()
		if err := pg.Migrate(ctx); err != nil {
			fmt.Fprintln(os.Stderr, "returns example:", err)
			os.Exit(1)
		}
		store = pg
	}
	// In memory the order id is fixed, so the story reads the same every
	// time; a database keeps orders between runs, so it gets a fresh id.
	var newID func() string
	if *dsn == "" {
		newID = func() string { return "ORD-0042" }
	}
	if err := run(ctx, os.Stdout, store, newID); err != nil {
		fmt.Fprintln(os.Stderr, "returns example:", err)
		os.Exit(1)
	}
}

// Store is what the example needs of a store: orders, return records, and
// a way to credit the loyalty points an order earned. memstore and pgstore
// both provide it.
type Store interface {
	oms.Store
	returns.Store
	EarnLoyalty(ctx context.Context, orderID string, points int64) error
}

// run tells the story, writing to w. Any unexpected error, and any refusal
// the story expects that does not happen, ends it with an error.
func run(ctx context.Context, w io.Writer, store Store, newID func() string) (err error) {
	defer recoverDemo(&err)
	bucharest := time.FixedZone("EET", 2*3600)
	now := time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)
	clock := func() time.Time { return now }

	orders, err := oms.NewService(store, oms.Config{Clock: clock, NewID: newID})
	if err != nil {
		return err
	}
	svc, err := returns.NewService(orders, store, returns.Config{
		ReturnWithinDays:    returns.Days(30),
		Location:            bucharest,
		Fee:                 returns.PercentFee(decimal.NewFromInt(10)),
		VendorFees:          map[string]returns.Fee{"makita": returns.PercentFee(decimal.NewFromInt(5))},
		RefundLoyaltyPoints: true,
		PolicyText:          "Unused goods within 30 days of delivery; 10% restocking fee (Makita 5%).",
		Clock:               clock,
	})
	if err != nil {
		return err
	}
	operator := oms.Staff("ana", oms.RoleOperator, []oms.Permission{oms.PermDiscounts}) // she grants the trade discounts by hand
	supervisor := oms.Staff("dan", oms.RoleReturnsSupervisor)
	client := oms.PortalClient("acme")

	must := func(o oms.Order, err error) oms.Order {
		check(err)
		return o
	}
	var id string // the order's, once placed
	order := func() oms.Order { return must(orders.Get(ctx, operator, id)) }
	stock := func() string {
		n, err := stockLevels(ctx, store, "DRILL-18V", "BITS-SET")
		check(err)
		return fmt.Sprintf("DRILL-18V %d, BITS-SET %d", n[0], n[1])
	}
	orders.Events().Subscribe(returns.EventReturnApproved, func(ctx context.Context, e oms.Event) error {
		id, _ := returns.EventReturnID(e)
		fmt.Fprintf(w, "   ↳ %s %s: confirmation email to the client, task \"Process refund\"\n", e.Type, id)
		return nil
	})
	orders.Events().Subscribe(returns.EventReturnRefunded, func(ctx context.Context, e oms.Event) error {
		fmt.Fprintf(w, "   ↳ %s: %s\n", e.Type, e.Reason)
		return nil
	})

	// 1. A B2B order: drills with a line discount, bits with an order
	//    discount share already in their Discount, 19% VAT, 20.00 delivery.
	fee := decimal.NewFromInt(20)
	o := must(orders.Place(ctx, operator, oms.NewOrder{
		Number: "SO-2026-0042", Channel: oms.ChannelRef{Type: oms.ChannelPortal, ID: 1}, Type: "b2b",
		Client: oms.Client{ID: "acme"}, Currency: "RON", DeliveryFee: &fee, PaymentMethod: "bank_transfer",
		Lines: []oms.Line{
			{ProductID: "DRILL-18V", Name: "Cordless drill 18V", ProductGroup: "makita", Quantity: 4,
				UnitPrice: decimal.NewFromInt(250), Discount: decimal.NewFromInt(100), TaxRate: decimal.NewFromInt(19)},
			{ProductID: "BITS-SET", Name: "Drill bit set", ProductGroup: "bosch", Quantity: 10,
				UnitPrice: decimal.RequireFromString("12.50"), Discount: decimal.RequireFromString("6.25"), TaxRate: decimal.NewFromInt(19)},
		},
	}))
	id = o.ID
	must(orders.RecordPayment(ctx, operator, o.ID, o.Totals.Total))
	must(orders.Confirm(ctx, operator, o.ID))
	must(orders.Ship(ctx, operator, o.ID, oms.Shipment{Courier: "fan", AWB: "AWB-2026-0077"}))
	o = must(orders.Deliver(ctx, operator, o.ID))
	check(store.EarnLoyalty(ctx, o.ID, 124))
	fmt.Fprintf(w, "1. Order %s (%s) %s on %s: total %s RON (delivery %s), paid %s by %s, 124 loyalty points earned\n",
		o.Number, o.ID, o.Status.Label(), o.DeliveredAt.In(bucharest).Format(time.DateOnly), money(o.Totals.Total),
		money(o.Totals.DeliveryFee), money(o.Paid), o.PaymentMethod)
	for i, l := range o.Lines {
		fmt.Fprintf(w, "   line %d: %d × %s %s, discount %s, net %s + VAT %s, delivered %d\n", i, l.Quantity, l.ProductID,
			money(l.UnitPrice), money(l.Discount), money(l.Net(o.Currency)), money(l.Tax(o.Currency)), l.Delivered)
	}
	p := svc.Policy()
	fmt.Fprintf(w, "   return policy shown in the portal (%d days): %q\n", p.WithinDays, p.Text)
	fmt.Fprintf(w, "   stock: %s\n", stock())

	// 2. Twelve days later the client returns one drill and four bit sets.
	now = now.Add(12 * 24 * time.Hour)
	r, err := svc.Create(ctx, client, returns.Request{OrderID: o.ID, Reason: "ordered too many",
		Items: []returns.ItemRequest{{Line: 0, Quantity: 1}, {Line: 1, Quantity: 4}}})
	check(err)
	fmt.Fprintf(w, "2. Day %d: %s asks for return %s (%s, approval %s (%d)); order %s\n",
		returns.DaysSince(o.DeliveredAt, now, bucharest), client.ID, r.ID, r.Type, r.Approval, r.Approval, order().Status.Label())
	for _, it := range r.Items {
		fmt.Fprintf(w, "   %d × %s: gross %s − discount %s + VAT %s = paid %s (vendor %s)\n", it.Quantity, it.ProductID,
			money(it.Gross), money(it.Discount), money(it.Tax), money(it.Paid), it.Vendor)
	}
	fmt.Fprintf(w, "   value %s − restocking fee %s = refund due %s\n", money(r.Value), money(r.Fee), money(r.RefundDue))
	_, err = svc.Create(ctx, client, returns.Request{OrderID: o.ID, Type: returns.TypeFull, Reason: "all of it"})
	refused(w, "a second request while this one waits", err, returns.ErrReturnPending)
	_, err = svc.Create(ctx, oms.PortalClient("bolt"), returns.Request{OrderID: o.ID, Type: returns.TypeFull, Reason: "not mine"})
	refused(w, "a request by another client", err, oms.ErrForbidden)
	_, err = svc.Approve(ctx, operator, r.ID, returns.ApproveOptions{})
	refused(w, "approval by the operator", err, oms.ErrForbidden)

	// 3. The supervisor approves: restock, loyalty and refund in one unit of work.
	now = now.Add(2 * time.Hour)
	a, err := svc.Approve(ctx, supervisor, r.ID, returns.ApproveOptions{Note: "goods unopened"})
	check(err)
	o = order()
	fmt.Fprintf(w, "3. %s %s (%d) by %s: receipt note %s, %d loyalty points reversed; order %s\n",
		a.ID, a.Approval, a.Approval, a.DecidedBy, a.ReceiptID, a.LoyaltyPoints, o.Status.Label())
	fmt.Fprintf(w, "   stock: %s\n", stock())
	refunds, err := svc.Refunds(ctx, supervisor, o.ID)
	check(err)
	for _, rf := range refunds {
		fmt.Fprintf(w, "   refund %s: %s %s to %s on %s (%s)\n", rf.ID, money(rf.Amount), rf.Currency, rf.PaymentMode,
			rf.RefundedOn.In(bucharest).Format(time.DateOnly), rf.Note)
	}
	fmt.Fprintf(w, "   refunded %s of %s paid\n", money(o.Refunded), money(o.Paid))
	fmt.Fprintln(w, "   dispatching committed events:")
	_, err = orders.Events().Drain(ctx)
	check(err)
	again, err := svc.Approve(ctx, supervisor, r.ID, returns.ApproveOptions{})
	check(err)
	fmt.Fprintf(w, "   approved again: a no-op, still %s refunded on %s, stock %s\n", money(again.Refunded), again.ReceiptID, stock())
	_, err = svc.Refund(ctx, supervisor, returns.RefundRequest{OrderID: o.ID, Amount: o.Paid.Sub(o.Refunded).Add(decimal.New(1, -2))})
	refused(w, "a refund a cent above what is left of the payment", err, returns.ErrOverRefund)

	// 4. Two days later the client asks for more drills than are left.
	now = now.Add(2 * 24 * time.Hour)
	fmt.Fprintf(w, "4. Day %d: %s asks for 4 more drills\n", returns.DaysSince(o.DeliveredAt, now, bucharest), client.ID)
	_, err = svc.Create(ctx, client, returns.Request{OrderID: o.ID, Reason: "more", Items: []returns.ItemRequest{{Line: 0, Quantity: 4}}})
	refused(w, "4 drills of the 3 left to return", err, returns.ErrOverReturn)

	// 5. The weekly reconciliation: approved returns against re-entered stock.
	rep, err := svc.Reconcile(ctx, supervisor, svc.WeekOf(a.DecidedAt))
	check(err)
	fmt.Fprintf(w, "5. Week of %s: %d approved return(s), %d mismatch(es)\n",
		rep.Period.From.Format(time.DateOnly), len(rep.Returns), len(rep.Mismatches))
	for _, rr := range rep.Returns {
		fmt.Fprintf(w, "   %s (order %s): approved %d units, restocked %d\n", rr.ReturnID, o.Number, rr.Approved, rr.Restocked)
	}

	// 6. A month after delivery the window has closed.
	now = o.DeliveredAt.Add(33 * 24 * time.Hour)
	fmt.Fprintf(w, "6. Day %d: %s asks to return a bit set\n", returns.DaysSince(o.DeliveredAt, now, bucharest), client.ID)
	_, err = svc.Create(ctx, client, returns.Request{OrderID: o.ID, Reason: "late", Items: []returns.ItemRequest{{Line: 1, Quantity: 1}}})
	refused(w, "a request after the 30-day window", err, returns.ErrWindowExceeded)

	history, err := orders.History(ctx, operator, o.ID)
	check(err)
	fmt.Fprintln(w, "7. Order history:")
	for _, h := range history {
		fmt.Fprintln(w, strings.TrimRight(fmt.Sprintf("   %s  %-22s %-20s → %-20s %s", h.At.In(bucharest).Format("2006-01-02 15:04"),
			h.Event, h.From.Label(), h.To.Label(), h.Reason), " "))
	}
	fmt.Fprintf(w, "   now %s\n", order().Status.Label())
	return nil
}

func money(d decimal.Decimal) string { return d.StringFixed(2) }

// stockLevels reads the stock levels of products in one unit of work.
func stockLevels(ctx context.Context, store returns.Store, products ...string) ([]int64, error) {
	out := make([]int64, len(products))
	err := store.DoReturns(ctx, func(tx returns.Tx) error {
		for i, p := range products {
			n, err := tx.StockLevel(ctx, p)
			if err != nil {
				return err
			}
			out[i] = n
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("stock levels: %w", err)
	}
	return out, nil
}

// refused shows a refusal the story expects, of the kind given; no
// refusal, or one of another kind, ends the story with an error.
func refused(w io.Writer, what string, err, kind error) {
	switch {
	case err == nil:
		check(errors.New(what + " was not refused"))
	case !errors.Is(err, kind):
		check(fmt.Errorf("%s: refused for the wrong reason: %w", what, err))
	}
	fmt.Fprintf(w, "   %s: refused — %v\n", what, err)
}

// demoError carries an unexpected error out of run's happy path; run
// recovers it and returns it, so nothing panics past run.
type demoError struct{ error }

// recoverDemo, deferred, turns a demoError panic into *err.
func recoverDemo(err *error) {
	if r := recover(); r != nil {
		e, ok := r.(demoError)
		if !ok {
			panic(r)
		}
		*err = e.error
	}
}

func check(err error) {
	if err != nil {
		panic(demoError{err})
	}
}
