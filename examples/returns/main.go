// Command returns walks a delivered B2B order through a partial return:
// the client asks from the portal inside the return window, a returns
// supervisor approves, the goods go back into stock, the client is
// refunded what they paid for them less the restocking fee, and the weekly
// reconciliation finds nothing amiss. Everything runs in memory.
//
//	go run ./examples/returns
package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/azuvio/omnisales/adapters/memstore"
	"github.com/azuvio/omnisales/oms"
	"github.com/azuvio/omnisales/returns"
	"github.com/shopspring/decimal"
)

func main() {
	if err := run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "returns example:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	bucharest := time.FixedZone("EET", 2*3600)
	now := time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)
	clock := func() time.Time { return now }

	store := memstore.New()
	orders, err := oms.NewService(store, oms.Config{Clock: clock})
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

	// 1. A B2B order: drills with a line discount, bits with an order
	//    discount share already in their Discount, 19% VAT, 20.00 delivery.
	fee := decimal.NewFromInt(20)
	o, err := orders.Place(ctx, operator, oms.NewOrder{
		Number: "SO-2026-0042", Channel: oms.ChannelRef{Type: oms.ChannelPortal, ID: 1}, Type: "b2b",
		Client: oms.Client{ID: "acme"}, Currency: "RON", DeliveryFee: &fee, PaymentMethod: "bank_transfer",
		Lines: []oms.Line{
			{ProductID: "DRILL-18V", Name: "Cordless drill 18V", ProductGroup: "makita", Quantity: 4,
				UnitPrice: decimal.NewFromInt(250), Discount: decimal.NewFromInt(100), TaxRate: decimal.NewFromInt(19)},
			{ProductID: "BITS-SET", Name: "Drill bit set", ProductGroup: "bosch", Quantity: 10,
				UnitPrice: decimal.RequireFromString("12.50"), Discount: decimal.RequireFromString("6.25"), TaxRate: decimal.NewFromInt(19)},
		},
	})
	if err != nil {
		return err
	}
	steps := []func() (oms.Order, error){
		func() (oms.Order, error) { return orders.RecordPayment(ctx, operator, o.ID, o.Totals.Total) },
		func() (oms.Order, error) { return orders.Confirm(ctx, operator, o.ID) },
		func() (oms.Order, error) {
			return orders.Ship(ctx, operator, o.ID, oms.Shipment{Courier: "fan", AWB: "AWB-2026-0077"})
		},
		func() (oms.Order, error) { return orders.Deliver(ctx, operator, o.ID) },
	}
	for _, step := range steps {
		if o, err = step(); err != nil {
			return err
		}
	}
	if err := store.EarnLoyalty(ctx, o.ID, 124); err != nil {
		return err
	}
	fmt.Printf("1. Order %s delivered on %s: total %s RON (delivery %s), paid %s by %s, 124 loyalty points earned\n",
		o.Number, o.DeliveredAt.In(bucharest).Format(time.DateOnly), money(o.Totals.Total), money(o.Totals.DeliveryFee),
		money(o.Paid), o.PaymentMethod)
	for i, l := range o.Lines {
		fmt.Printf("   line %d: %d × %s %s, discount %s, net %s + VAT %s\n", i, l.Quantity, l.ProductID,
			money(l.UnitPrice), money(l.Discount), money(l.Net(o.Currency)), money(l.Tax(o.Currency)))
	}
	p := svc.Policy()
	fmt.Printf("   Return policy shown in the portal (%d days): %q\n", p.WithinDays, p.Text)

	// 2. Twelve days later the client returns one drill and four bit sets.
	now = now.Add(12 * 24 * time.Hour)
	r, err := svc.Create(ctx, client, returns.Request{OrderID: o.ID, Reason: "ordered too many",
		Items: []returns.ItemRequest{{Line: 0, Quantity: 1}, {Line: 1, Quantity: 4}}})
	if err != nil {
		return err
	}
	o, _ = orders.Get(ctx, operator, o.ID)
	fmt.Printf("2. Day %d: %s asks for return %s (%s), order now %s\n",
		returns.DaysSince(o.DeliveredAt, now, bucharest), client.ID, r.ID, r.Type, o.Status.Label())
	for _, it := range r.Items {
		fmt.Printf("   %d × %s: gross %s − discount %s + VAT %s = paid %s (vendor %s)\n", it.Quantity, it.ProductID,
			money(it.Gross), money(it.Discount), money(it.Tax), money(it.Paid), it.Vendor)
	}
	fmt.Printf("   value %s − restocking fee %s = refund due %s\n", money(r.Value), money(r.Fee), money(r.RefundDue))

	// A second request while this one waits is refused.
	if _, err := svc.Create(ctx, client, returns.Request{OrderID: o.ID, Type: returns.TypeFull, Reason: "all of it"}); err != nil {
		fmt.Printf("   second request refused: %v\n", err)
	}
	// So is approval by someone without the returns approve permission.
	if _, err := svc.Approve(ctx, operator, r.ID, returns.ApproveOptions{}); err != nil {
		fmt.Printf("   approval by %s refused: %v\n", operator.ID, err)
	}

	// 3. The supervisor approves: restock, refund, loyalty, in one unit of work.
	before := stock(ctx, store, "DRILL-18V", "BITS-SET")
	now = now.Add(2 * time.Hour)
	a, err := svc.Approve(ctx, supervisor, r.ID, returns.ApproveOptions{Note: "goods unopened"})
	if err != nil {
		return err
	}
	after := stock(ctx, store, "DRILL-18V", "BITS-SET")
	o, _ = orders.Get(ctx, operator, o.ID)
	fmt.Printf("3. %s %s by %s: receipt note %s, %d loyalty points reversed\n", a.ID, a.Approval, a.DecidedBy, a.ReceiptID, a.LoyaltyPoints)
	fmt.Printf("   stock DRILL-18V %d → %d, BITS-SET %d → %d\n", before[0], after[0], before[1], after[1])
	refunds, err := svc.Refunds(ctx, supervisor, o.ID)
	if err != nil {
		return err
	}
	for _, rf := range refunds {
		fmt.Printf("   refund %s: %s %s to %s on %s (%s)\n", rf.ID, money(rf.Amount), rf.Currency, rf.PaymentMode,
			rf.RefundedOn.In(bucharest).Format(time.DateOnly), rf.Note)
	}
	fmt.Printf("   order %s: refunded %s of %s paid\n", o.Status.Label(), money(o.Refunded), money(o.Paid))

	// Approving again is harmless.
	if again, err := svc.Approve(ctx, supervisor, r.ID, returns.ApproveOptions{}); err == nil {
		fmt.Printf("   approved again: still %s refunded, stock DRILL-18V %d\n", money(again.Refunded), stock(ctx, store, "DRILL-18V")[0])
	}

	// 4. The weekly reconciliation: approved returns against re-entered stock.
	rep, err := svc.Reconcile(ctx, supervisor, svc.WeekOf(now))
	if err != nil {
		return err
	}
	fmt.Printf("4. Week of %s: %d approved return(s), %d mismatch(es)\n",
		rep.Period.From.Format(time.DateOnly), len(rep.Returns), len(rep.Mismatches))
	for _, rr := range rep.Returns {
		fmt.Printf("   %s (order %s): approved %d units, restocked %d\n", rr.ReturnID, o.Number, rr.Approved, rr.Restocked)
	}

	history, err := orders.History(ctx, operator, o.ID)
	if err != nil {
		return err
	}
	fmt.Println("5. Order history:")
	for _, h := range history {
		fmt.Println(strings.TrimRight(fmt.Sprintf("   %s  %-22s %s → %s  %s", h.At.In(bucharest).Format("2006-01-02 15:04"), h.Event, h.From, h.To, h.Reason), " "))
	}
	return nil
}

func money(d decimal.Decimal) string { return d.StringFixed(2) }

func stock(ctx context.Context, store *memstore.Store, products ...string) []int64 {
	out := make([]int64, len(products))
	_ = store.DoReturns(ctx, func(tx returns.Tx) error {
		for i, p := range products {
			n, err := tx.StockLevel(ctx, p)
			if err != nil {
				return err
			}
			out[i] = n
		}
		return nil
	})
	return out
}
