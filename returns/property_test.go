package returns_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"sync"
	"testing"
	"time"

	"github.com/azuvio/omnisales/oms"
	"github.com/azuvio/omnisales/returns"
	"github.com/shopspring/decimal"
	"pgregory.net/rapid"
)

// TestPropertyReturnsModel drives one order, delivered in full or in
// part, through random requests (by the client or by staff, of every
// type, manual ones included), decisions, refunds tied to returns and paid
// in parts, and refunds on the order alone, and checks after every step:
//   - refunds never exceed what was paid and add up to Order.Refunded;
//     those of a return add up to its Refunded, never above its RefundDue;
//   - no line gets back more than was delivered, counting the pending
//     request, and at most one request is pending;
//   - the stock re-entered equals the approved quantities;
//   - each return's fee is at most its value and refund due + fee = value
//     (+ the delivery fee on a full return);
//   - loyalty reversals belong to approved returns only (a rejection or a
//     pending request reverses nothing), one per return with its
//     LoyaltyPoints, never more in all than the order earned, and all of
//     it once every ordered unit is back;
//   - a refused step failed for a documented reason and wrote nothing.
func TestPropertyReturnsModel(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(rt *rapid.T) {
		ctx := context.Background()
		cfg := returns.Config{
			RefundDeliveryFeeOnFullReturn: rapid.Bool().Draw(rt, "deliveryRefund"),
			RefundLoyaltyPoints:           rapid.Bool().Draw(rt, "loyalty"),
		}
		switch rapid.IntRange(0, 2).Draw(rt, "feeKind") {
		case 1:
			cfg.Fee = returns.PercentFee(decimal.New(rapid.Int64Range(0, returns.MaxFeePercent*100).Draw(rt, "pct"), -2))
		case 2:
			cfg.Fee = returns.FixedFee(decimal.New(rapid.Int64Range(0, 5000).Draw(rt, "fixed"), -2))
		}
		if rapid.Bool().Draw(rt, "vendorFee") {
			cfg.VendorFees = map[string]returns.Fee{"v0": returns.FixedFee(decimal.New(rapid.Int64Range(0, 2000).Draw(rt, "vfixed"), -2))}
		}
		f := newFixture(rt, cfg)
		n := rapid.IntRange(1, 3).Draw(rt, "lines")
		var lines []oms.Line
		for i := range n {
			l := line(fmt.Sprintf("P%d", i), rapid.Int64Range(1, 6).Draw(rt, "qty"),
				decimal.New(rapid.Int64Range(1, 20000).Draw(rt, "price"), -2).String(), "0",
				rapid.SampledFrom([]string{"0", "9", "19"}).Draw(rt, "tax"))
			gross := l.UnitPrice.Mul(decimal.NewFromInt(l.Quantity))
			l.Discount = decimal.New(rapid.Int64Range(0, gross.Shift(2).IntPart()).Draw(rt, "disc"), -2)
			l.ProductGroup = fmt.Sprintf("v%d", i%2)
			lines = append(lines, l)
		}
		pay := rapid.Bool().Draw(rt, "pay")
		o := f.delivered(rt, decimal.New(rapid.Int64Range(0, 3000).Draw(rt, "delivery"), -2).String(), pay, lines...)
		// The warehouse may have delivered less than was ordered.
		if rapid.Bool().Draw(rt, "partialDelivery") {
			err := f.store.Do(ctx, func(tx oms.Tx) error {
				cur, err := tx.Get(ctx, o.ID)
				if err != nil {
					return err
				}
				for i := range cur.Lines {
					cur.Lines[i].Delivered = rapid.Int64Range(0, cur.Lines[i].Quantity).Draw(rt, "delivered")
				}
				return tx.Update(ctx, &cur)
			})
			if err != nil {
				rt.Fatal(err)
			}
		}
		earned := rapid.Int64Range(0, 500).Draw(rt, "points")
		if err := f.store.EarnLoyalty(ctx, o.ID, earned); err != nil {
			rt.Fatal(err)
		}
		list := func(approvals ...returns.Approval) []returns.Return {
			rs, err := f.svc.List(ctx, staff, returns.Filter{OrderID: o.ID, Approvals: approvals})
			if err != nil {
				rt.Fatal(err)
			}
			return rs
		}
		// refused checks that a failed step wrote nothing and failed for a
		// documented reason.
		refused := func(t *rapid.T, before snapshot, err error, kinds ...error) {
			for _, k := range kinds {
				if errors.Is(err, k) {
					if a, b := before.fingerprint(), f.snap(t, o.ID).fingerprint(); a != b {
						t.Fatalf("refused step (%v) wrote: %s → %s", err, a, b)
					}
					return
				}
			}
			t.Fatalf("unexpected error %v", err)
		}
		rt.Repeat(map[string]func(*rapid.T){
			"create": func(t *rapid.T) {
				var items []returns.ItemRequest
				for i, l := range lines {
					if rapid.Bool().Draw(t, "take") {
						items = append(items, returns.ItemRequest{Line: i, Quantity: rapid.Int64Range(1, l.Quantity+1).Draw(t, "q")})
					}
				}
				typ := rapid.SampledFrom([]returns.Type{"", returns.TypePartial, returns.TypeFull, returns.TypeManual}).Draw(t, "type")
				if len(items) == 0 && typ != returns.TypeFull {
					t.Skip("no items")
				}
				byStaff := rapid.Bool().Draw(t, "byStaff")
				actor := client
				if byStaff {
					actor = operator
				}
				req := returns.Request{OrderID: o.ID, Type: typ, Items: items, Reason: "r"}
				f.clock.Advance(time.Duration(rapid.IntRange(0, 48).Draw(t, "hours")) * time.Hour)
				before := f.snap(t, o.ID)
				r, err := f.svc.Create(ctx, actor, req)
				switch {
				case typ == returns.TypeManual && !byStaff:
					// Manual returns are recorded by staff only.
					if !errors.Is(err, returns.ErrInvalid) {
						t.Fatalf("manual return from the portal: %v", err)
					}
					refused(t, before, err, returns.ErrInvalid)
				case err != nil:
					kinds := []error{returns.ErrOverReturn, returns.ErrReturnPending, returns.ErrNotReturnable, returns.ErrWindowExceeded}
					if typ == returns.TypePartial || typ == returns.TypeFull {
						// A partial request that covers everything left, or
						// a full one that does not.
						kinds = append(kinds, returns.ErrInvalid)
					}
					refused(t, before, err, kinds...)
				case r.ViaPortal == byStaff || (typ != "" && r.Type != typ):
					t.Fatalf("created %+v for type %q by staff %v", r, typ, byStaff)
				}
			},
			"approve": func(t *rapid.T) {
				p := list(returns.Pending)
				if len(p) == 0 {
					t.Skip("nothing pending")
				}
				before := f.snap(t, o.ID)
				if _, err := f.svc.Approve(ctx, supervisor, p[0].ID, returns.ApproveOptions{DeferRefund: rapid.Bool().Draw(t, "defer")}); err != nil {
					refused(t, before, err, returns.ErrOverRefund)
				}
			},
			"reject": func(t *rapid.T) {
				p := list(returns.Pending)
				if len(p) == 0 {
					t.Skip("nothing pending")
				}
				if _, err := f.svc.Reject(ctx, supervisor, p[0].ID, "no"); err != nil {
					t.Fatal(err)
				}
			},
			"refundReturn": func(t *rapid.T) {
				var due []returns.Return
				for _, r := range list(returns.Approved) {
					if r.Outstanding().IsPositive() {
						due = append(due, r)
					}
				}
				if len(due) == 0 {
					t.Skip("nothing due on a return")
				}
				r := rapid.SampledFrom(due).Draw(t, "return")
				// A part of what is due, all of it (zero), or a cent more.
				amt := decimal.Zero
				switch rapid.IntRange(0, 2).Draw(t, "how") {
				case 0:
					amt = decimal.New(rapid.Int64Range(1, r.Outstanding().Shift(2).IntPart()).Draw(t, "part"), -2)
				case 2:
					amt = r.Outstanding().Add(decimal.New(1, -2))
				}
				before := f.snap(t, o.ID)
				_, err := f.svc.Refund(ctx, supervisor, returns.RefundRequest{OrderID: o.ID, ReturnID: r.ID, Amount: amt})
				if err != nil {
					refused(t, before, err, returns.ErrOverRefund, oms.ErrInvalidTransition)
					return
				}
				if got, _ := f.svc.Get(ctx, staff, r.ID); !got.Refunded.GreaterThan(r.Refunded) {
					t.Fatalf("refund on %s left its refunded at %s", r.ID, got.Refunded)
				}
			},
			"refund": func(t *rapid.T) {
				before := f.snap(t, o.ID)
				amt := decimal.New(rapid.Int64Range(1, 100000).Draw(t, "cents"), -2)
				if _, err := f.svc.Refund(ctx, supervisor, returns.RefundRequest{OrderID: o.ID, Amount: amt}); err != nil {
					refused(t, before, err, returns.ErrOverRefund, oms.ErrInvalidTransition)
				}
			},
			"": func(t *rapid.T) {
				s := f.snap(t, o.ID)
				sum := decimal.Zero
				byReturn := map[string]decimal.Decimal{}
				for _, r := range s.Refunds {
					sum = sum.Add(r.Amount)
					if r.ReturnID != "" {
						byReturn[r.ReturnID] = byReturn[r.ReturnID].Add(r.Amount)
					}
				}
				if !sum.Equal(s.Order.Refunded) || s.Order.Refunded.GreaterThan(s.Order.Paid) {
					t.Fatalf("refunds %s, order refunded %s, paid %s", sum, s.Order.Refunded, s.Order.Paid)
				}
				reversed := map[string]int64{}
				var points int64
				for _, lr := range s.Reversals {
					if _, dup := reversed[lr.ReturnID]; dup {
						t.Fatalf("return %s reversed loyalty twice", lr.ReturnID)
					}
					reversed[lr.ReturnID] = lr.Points
					points += lr.Points
				}
				if points > earned || (points > 0 && !cfg.RefundLoyaltyPoints) {
					t.Fatalf("%d points reversed of %d earned (reversal on: %v)", points, earned, cfg.RefundLoyaltyPoints)
				}
				claimed := make([]int64, n)
				approved := make([]int64, n)
				restocked := map[string]int64{}
				wantStock := map[string]int64{}
				npending := 0
				for _, r := range s.Returns {
					if r.Fee.GreaterThan(r.Value) || !r.RefundDue.Add(r.Fee).Equal(r.Value.Add(r.DeliveryFee)) || r.RefundDue.IsNegative() {
						t.Fatalf("return %s: value %s fee %s delivery %s due %s", r.ID, r.Value, r.Fee, r.DeliveryFee, r.RefundDue)
					}
					if r.Refunded.GreaterThan(r.RefundDue) || !r.Refunded.Equal(byReturn[r.ID]) {
						t.Fatalf("return %s refunded %s of %s due; its refunds add up to %s", r.ID, r.Refunded, r.RefundDue, byReturn[r.ID])
					}
					if r.Approval != returns.Approved && (reversed[r.ID] != 0 || r.LoyaltyPoints != 0) {
						t.Fatalf("%s return %s reversed %d points (record %d)", r.Approval, r.ID, reversed[r.ID], r.LoyaltyPoints)
					}
					if r.Approval == returns.Approved && reversed[r.ID] != r.LoyaltyPoints {
						t.Fatalf("return %s: reversal of %d points, record says %d", r.ID, reversed[r.ID], r.LoyaltyPoints)
					}
					if r.Approval == returns.Rejected {
						continue
					}
					if r.Approval == returns.Pending {
						npending++
					}
					for _, it := range r.Items {
						claimed[it.Line] += it.Quantity
						if r.Approval == returns.Approved {
							approved[it.Line] += it.Quantity
							wantStock[it.ProductID] += it.Quantity
						}
					}
				}
				for _, e := range s.Stock {
					restocked[e.ProductID] += e.Quantity
				}
				if !maps.Equal(restocked, wantStock) {
					t.Fatalf("restocked %v, approved %v", restocked, wantStock)
				}
				allBack := true
				for i, l := range s.Order.Lines {
					if l.Returned != approved[i] || claimed[i] > l.Delivered {
						t.Fatalf("line %d: returned %d, approved %d, claimed %d, delivered %d", i, l.Returned, approved[i], claimed[i], l.Delivered)
					}
					allBack = allBack && l.Returned == l.Quantity
				}
				if cfg.RefundLoyaltyPoints && allBack && points != earned {
					t.Fatalf("everything ordered is back but %d of %d points were reversed", points, earned)
				}
				if npending > 1 || (npending == 1) != (s.Order.Status == oms.ReturnPending) {
					t.Fatalf("%d pending, order %s", npending, s.Order.Status.Label())
				}
			},
		})
	})
}

// TestRacingRequestsNeverOverReturn has goroutines ask for and approve one
// unit at a time on the same order; run it with -race.
func TestRacingRequestsNeverOverReturn(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, returns.Config{})
	o := f.delivered(t, "0", true, line("A", 7, "10", "0", "19"), line("B", 3, "5", "0", "9"))
	var wg sync.WaitGroup
	var mu sync.Mutex
	created := 0
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 20 {
				r, err := f.svc.Create(ctx, client, returns.Request{OrderID: o.ID,
					Items: []returns.ItemRequest{{Line: (g + i) % 2, Quantity: 1}}, Reason: "race"})
				switch {
				case errors.Is(err, returns.ErrReturnPending), errors.Is(err, returns.ErrOverReturn), errors.Is(err, returns.ErrNotReturnable):
					continue
				case err != nil:
					t.Error(err)
					return
				}
				mu.Lock()
				created++
				mu.Unlock()
				if _, err := f.svc.Approve(ctx, supervisor, r.ID, returns.ApproveOptions{}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	got := f.order(t, o.ID)
	if got.Lines[0].Returned > 7 || got.Lines[1].Returned > 3 {
		t.Fatalf("over-returned: %d of 7, %d of 3", got.Lines[0].Returned, got.Lines[1].Returned)
	}
	if a, b := f.stock(t, "A"), f.stock(t, "B"); a != got.Lines[0].Returned || b != got.Lines[1].Returned {
		t.Errorf("stock A %d B %d, returned %d %d", a, b, got.Lines[0].Returned, got.Lines[1].Returned)
	}
	if int64(created) != got.Lines[0].Returned+got.Lines[1].Returned {
		t.Errorf("%d requests created, %d units returned", created, got.Lines[0].Returned+got.Lines[1].Returned)
	}
	t.Logf("%d requests went through; order ends %s", created, got.Status.Label())
}
