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

// TestPropertyReturnsModel drives one delivered order through random
// requests, decisions and refunds and checks after every step: refunds
// never exceed what was paid and add up to Order.Refunded; no line gets
// back more than was delivered, counting pending requests; the stock
// re-entered equals the approved quantities; each return's fee is at most
// its value and refund due + fee = value (+ the delivery fee on a full
// return); and a refused step writes nothing.
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
			cfg.Fee = returns.PercentFee(decimal.NewFromInt(rapid.Int64Range(0, returns.MaxFeePercent).Draw(rt, "pct")))
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
		if err := f.store.EarnLoyalty(ctx, o.ID, rapid.Int64Range(0, 500).Draw(rt, "points")); err != nil {
			rt.Fatal(err)
		}
		pending := func() []returns.Return {
			rs, err := f.svc.List(ctx, staff, returns.Filter{OrderID: o.ID, Approvals: []returns.Approval{returns.Pending}})
			if err != nil {
				rt.Fatal(err)
			}
			return rs
		}
		// refused checks that a failed step wrote nothing and failed for a
		// documented reason.
		refused := func(before snapshot, err error, kinds ...error) {
			for _, k := range kinds {
				if errors.Is(err, k) {
					if a, b := before.fingerprint(), f.snap(rt, o.ID).fingerprint(); a != b {
						rt.Fatalf("refused step (%v) wrote: %s → %s", err, a, b)
					}
					return
				}
			}
			rt.Fatalf("unexpected error %v", err)
		}
		rt.Repeat(map[string]func(*rapid.T){
			"create": func(t *rapid.T) {
				var items []returns.ItemRequest
				for i, l := range lines {
					if rapid.Bool().Draw(t, "take") {
						items = append(items, returns.ItemRequest{Line: i, Quantity: rapid.Int64Range(1, l.Quantity+1).Draw(t, "q")})
					}
				}
				req := returns.Request{OrderID: o.ID, Items: items, Reason: "r"}
				if len(items) == 0 {
					req.Type = returns.TypeFull
				}
				f.clock.Advance(time.Duration(rapid.IntRange(0, 48).Draw(t, "hours")) * time.Hour)
				before := f.snap(t, o.ID)
				if _, err := f.svc.Create(ctx, client, req); err != nil {
					refused(before, err, returns.ErrOverReturn, returns.ErrReturnPending, returns.ErrNotReturnable, returns.ErrWindowExceeded)
				}
			},
			"approve": func(t *rapid.T) {
				p := pending()
				if len(p) == 0 {
					t.Skip("nothing pending")
				}
				before := f.snap(t, o.ID)
				if _, err := f.svc.Approve(ctx, supervisor, p[0].ID, returns.ApproveOptions{DeferRefund: rapid.Bool().Draw(t, "defer")}); err != nil {
					refused(before, err, returns.ErrOverRefund)
				}
			},
			"reject": func(t *rapid.T) {
				p := pending()
				if len(p) == 0 {
					t.Skip("nothing pending")
				}
				if _, err := f.svc.Reject(ctx, supervisor, p[0].ID, "no"); err != nil {
					t.Fatal(err)
				}
			},
			"refund": func(t *rapid.T) {
				before := f.snap(t, o.ID)
				amt := decimal.New(rapid.Int64Range(1, 100000).Draw(t, "cents"), -2)
				if _, err := f.svc.Refund(ctx, supervisor, returns.RefundRequest{OrderID: o.ID, Amount: amt}); err != nil {
					refused(before, err, returns.ErrOverRefund, oms.ErrInvalidTransition)
				}
			},
			"": func(t *rapid.T) {
				s := f.snap(t, o.ID)
				sum := decimal.Zero
				for _, r := range s.Refunds {
					sum = sum.Add(r.Amount)
				}
				if !sum.Equal(s.Order.Refunded) || s.Order.Refunded.GreaterThan(s.Order.Paid) {
					t.Fatalf("refunds %s, order refunded %s, paid %s", sum, s.Order.Refunded, s.Order.Paid)
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
					if r.Refunded.GreaterThan(r.RefundDue) {
						t.Fatalf("return %s refunded %s of %s due", r.ID, r.Refunded, r.RefundDue)
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
				for i, l := range s.Order.Lines {
					if l.Returned != approved[i] || claimed[i] > l.Delivered {
						t.Fatalf("line %d: returned %d, approved %d, claimed %d, delivered %d", i, l.Returned, approved[i], claimed[i], l.Delivered)
					}
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
