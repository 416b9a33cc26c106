package pgstore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
	"pgregory.net/rapid"

	"github.com/azuvio/omnisales/oms"
	"github.com/azuvio/omnisales/oms/storetest"
)

// exactMoney compares amounts by value and scale (digits after the point):
// the store must keep 1.50 as 1.50, also when an update changes only the
// scale. Zero is the exception: pgx decodes a numeric zero without its
// scale (0.00 → 0).
var exactMoney = cmp.Comparer(func(a, b decimal.Decimal) bool {
	scale := func(d decimal.Decimal) int32 { return max(0, -d.Exponent()) }
	return a.Equal(b) && (scale(a) == scale(b) || a.IsZero())
})

var sameInstant = cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })

func genMoney(t *rapid.T, label string) decimal.Decimal {
	return decimal.New(rapid.Int64Range(0, 1e9).Draw(t, label), int32(rapid.IntRange(-4, 0).Draw(t, label+" exp")))
}

func genText(t *rapid.T, label string) string {
	return rapid.StringMatching(`[a-zA-Z0-9 ăîș"'{}\\]{0,6}`).Draw(t, label)
}

// mutate changes a random subset of the order's changeable facts.
func mutate(t *rapid.T, o *oms.Order) {
	maybe := func(label string, f func()) {
		if rapid.Bool().Draw(t, label) {
			f()
		}
	}
	maybe("number", func() { o.Number = genText(t, "number") })
	maybe("type", func() { o.Type = genText(t, "type") })
	maybe("client", func() { o.Client.ID = genText(t, "client id") })
	maybe("groups", func() {
		o.Client.Groups = rapid.SliceOfN(rapid.StringMatching(`[A-Z]{1,4}`), 0, 3).Draw(t, "groups")
		if len(o.Client.Groups) == 0 {
			o.Client.Groups = nil // the store returns no groups as nil
		}
	})
	maybe("email", func() { o.Client.Email = genText(t, "email") })
	maybe("currency", func() { o.Currency = rapid.StringMatching(`[A-Z]{3}`).Draw(t, "currency") })
	maybe("subtotal", func() { o.Totals.Subtotal = genMoney(t, "subtotal") })
	maybe("discount", func() { o.Totals.Discount = genMoney(t, "discount") })
	maybe("tax", func() { o.Totals.Tax = genMoney(t, "tax") })
	maybe("fee", func() { o.Totals.DeliveryFee = genMoney(t, "fee") })
	maybe("total", func() { o.Totals.Total = genMoney(t, "total") })
	maybe("rescale total", func() { o.Totals.Total = o.Totals.Total.Truncate(0).Add(decimal.New(0, -2)) })
	maybe("payment method", func() { o.PaymentMethod = genText(t, "payment method") })
	maybe("billing", func() { o.Billing.City, o.Billing.Name = genText(t, "billing city"), genText(t, "billing name") })
	maybe("shipping", func() { o.ShippingTo.Line1 = genText(t, "shipping line1") })
	maybe("seller", func() { o.Seller = genText(t, "seller") })
	maybe("notes", func() { o.Notes = genText(t, "notes") })
	maybe("status", func() { o.Status = oms.Status(rapid.IntRange(0, oms.NumStatuses-1).Draw(t, "status")) })
	maybe("held from", func() { o.HeldFrom = oms.Status(rapid.IntRange(0, oms.NumStatuses-1).Draw(t, "held from")) })
	maybe("approval", func() {
		o.ApprovalRequired = rapid.Bool().Draw(t, "approval required")
		o.Approval = oms.Approval(rapid.IntRange(-1, 1).Draw(t, "approval"))
		o.ApprovalRule, o.RejectReason = genText(t, "rule"), genText(t, "reject reason")
	})
	maybe("shipment", func() {
		o.Shipment = oms.Shipment{Courier: genText(t, "courier"), AWB: genText(t, "awb"), URL: genText(t, "url")}
	})
	maybe("paid", func() { o.Paid = genMoney(t, "paid") })
	maybe("refunded", func() { o.Refunded = genMoney(t, "refunded") })
	maybe("updated", func() {
		o.UpdatedAt = o.UpdatedAt.Add(time.Duration(rapid.Int64Range(1, 1e9).Draw(t, "updated µs")) * time.Microsecond)
	})
	maybe("delivered", func() {
		if rapid.Bool().Draw(t, "clear delivered") {
			o.DeliveredAt = time.Time{}
		} else {
			o.DeliveredAt = o.CreatedAt.Add(time.Duration(rapid.Int64Range(1, 1e9).Draw(t, "delivered µs")) * time.Microsecond)
		}
	})
	maybe("lines", func() {
		n := rapid.IntRange(1, 4).Draw(t, "line count")
		lines := make([]oms.Line, n)
		for i := range lines {
			if i < len(o.Lines) && rapid.Bool().Draw(t, "keep line") {
				lines[i] = o.Lines[i]
			} else {
				lines[i] = oms.Line{ProductID: genText(t, "product") + "P", Quantity: rapid.Int64Range(1, 100).Draw(t, "qty"),
					UnitPrice: genMoney(t, "price"), Discount: genMoney(t, "line discount"), TaxRate: genMoney(t, "rate")}
			}
			lines[i].Shipped = rapid.Int64Range(0, 3).Draw(t, "shipped")
		}
		o.Lines = lines
	})
}

// TestUpdateWritesWhatChanged: after any change to an order read in the
// unit (so Update sends only changed columns and lines), the stored order
// equals the caller's, field by field, money by value and scale. A second
// change in the same unit and an update of an order the unit did not read
// (all columns) are checked the same way.
func TestUpdateWritesWhatChanged(t *testing.T) {
	t.Parallel()
	s, _ := storeAndDSN(t)
	ctx := context.Background()
	n := 0
	rapid.Check(t, func(rt *rapid.T) {
		n++
		o := storetest.Order(n)
		o.ID = fmt.Sprintf("upd-%06d", n)
		insert(t, s, &o)
		var want oms.Order
		err := s.Do(ctx, func(tx oms.Tx) error {
			got, err := tx.Get(ctx, o.ID)
			if err != nil {
				return err
			}
			mutate(rt, &got)
			if err := tx.Update(ctx, &got); err != nil {
				return err
			}
			if rapid.Bool().Draw(rt, "second change in the unit") {
				mutate(rt, &got)
				if err := tx.Update(ctx, &got); err != nil {
					return err
				}
			}
			want = got
			return nil
		})
		if err != nil {
			rt.Fatal(err)
		}
		if rapid.Bool().Draw(rt, "update without reading") {
			mutate(rt, &want)
			if err := s.Do(ctx, func(tx oms.Tx) error { return tx.Update(ctx, &want) }); err != nil {
				rt.Fatal(err)
			}
		}
		got, err := s.Get(ctx, o.ID)
		if err != nil {
			rt.Fatal(err)
		}
		if d := cmp.Diff(want, got, exactMoney, sameInstant); d != "" {
			rt.Fatalf("stored order differs (-want +got):\n%s", d)
		}
	})
}
