package returns_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/azuvio/omnisales/oms"
	"github.com/azuvio/omnisales/returns"
	"github.com/google/go-cmp/cmp"
)

func TestPartialReturnApproveRestockRefund(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, returns.Config{Fee: returns.PercentFee(d("10"))})
	// A: 4 × 100.00, discount 40.00, 19% tax → net 360.00, tax 68.40.
	// B: 3 × 10.00, no discount, 9% tax → net 30.00, tax 2.70.
	o := f.delivered(t, "15", true, line("A", 4, "100", "40", "19"), line("B", 3, "10", "0", "9"))
	if !o.Totals.Total.Equal(d("476.10")) {
		t.Fatalf("total %s", o.Totals.Total)
	}
	var seen []oms.EventType
	f.orders.Events().Subscribe("", func(_ context.Context, e oms.Event) error {
		seen = append(seen, e.Type)
		return nil
	})

	f.clock.Advance(5 * 24 * time.Hour)
	r, err := f.svc.Create(ctx, client, returns.Request{OrderID: o.ID, Items: []returns.ItemRequest{{Line: 0, Quantity: 1}}, Reason: "damaged"})
	if err != nil {
		t.Fatal(err)
	}
	// One of four units of A: 100.00 − 10.00 + 17.10 = 107.10; fee 10.71.
	if r.Type != returns.TypePartial || r.Approval != returns.Pending || !r.ViaPortal {
		t.Errorf("request: type %s approval %s portal %v", r.Type, r.Approval, r.ViaPortal)
	}
	for name, got := range map[string]string{"value": r.Value.String(), "fee": r.Fee.String(), "due": r.RefundDue.String(),
		"tax": r.Items[0].Tax.String(), "discount": r.Items[0].Discount.String()} {
		want := map[string]string{"value": "107.1", "fee": "10.71", "due": "96.39", "tax": "17.1", "discount": "10"}[name]
		if got != want {
			t.Errorf("%s = %s, want %s", name, got, want)
		}
	}
	if s := f.order(t, o.ID).Status; s != oms.ReturnPending {
		t.Fatalf("order status %s after request, want Return Pending", s.Label())
	}

	a, err := f.svc.Approve(ctx, supervisor, r.ID, returns.ApproveOptions{Note: "ok"})
	if err != nil {
		t.Fatal(err)
	}
	if a.Approval != returns.Approved || a.ReceiptID == "" || !a.Refunded.Equal(d("96.39")) {
		t.Errorf("approved: %+v", a)
	}
	got := f.order(t, o.ID)
	if got.Status != oms.PartialRefund || got.Lines[0].Returned != 1 || !got.Refunded.Equal(d("96.39")) {
		t.Errorf("order after approval: status %s returned %d refunded %s", got.Status.Label(), got.Lines[0].Returned, got.Refunded)
	}
	h, _ := f.store.History(ctx, o.ID)
	var path []oms.Status
	for _, e := range h[len(h)-3:] {
		path = append(path, e.To)
	}
	if !slices.Equal(path, []oms.Status{oms.ReturnPending, oms.PartialReturn, oms.PartialRefund}) {
		t.Errorf("status path %v", path)
	}
	if n := f.stock(t, "A"); n != 1 {
		t.Errorf("stock of A = %d, want 1", n)
	}
	rf := f.refunds(t, o.ID)
	if len(rf) != 1 || rf[0].PaymentMode != "bank_transfer" || rf[0].ReturnID != r.ID || !rf[0].RefundedOn.Equal(f.clock.Now()) {
		t.Errorf("refunds %+v", rf)
	}

	if _, err := f.orders.Events().Drain(ctx); err != nil {
		t.Fatal(err)
	}
	for _, want := range []oms.EventType{returns.EventReturnRequested, returns.EventReturnApproved, returns.EventReturnRefunded} {
		if !slices.Contains(seen, want) {
			t.Errorf("event %s not dispatched; saw %v", want, seen)
		}
	}
}

func TestFullReturnRefundsEverythingPaid(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, returns.Config{RefundDeliveryFeeOnFullReturn: true})
	o := f.delivered(t, "15", true, line("A", 3, "33.33", "0.01", "19"), line("B", 7, "1.99", "1.00", "9"))
	// Three returns of A (1, 1, 1) and one of B (7): every part adds up.
	for _, it := range [][]returns.ItemRequest{{{Line: 0, Quantity: 1}}, {{Line: 0, Quantity: 1}}, {{Line: 0, Quantity: 1}, {Line: 1, Quantity: 7}}} {
		r, err := f.svc.Create(ctx, staff, returns.Request{OrderID: o.ID, Items: it, Reason: "r"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Approve(ctx, staff, r.ID, returns.ApproveOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	got := f.order(t, o.ID)
	if got.Status != oms.Refund || !got.Refunded.Equal(o.Totals.Total) {
		t.Errorf("status %s refunded %s, want Refund and %s", got.Status.Label(), got.Refunded, o.Totals.Total)
	}
	last, _ := f.svc.List(ctx, staff, returns.Filter{OrderID: o.ID})
	if !last[2].Full || !last[2].DeliveryFee.Equal(d("15")) || last[2].Type != returns.TypeFull {
		t.Errorf("last return: full %v delivery %s type %s", last[2].Full, last[2].DeliveryFee, last[2].Type)
	}
	// Nothing is left: another request is refused.
	_, err := f.svc.Create(ctx, staff, returns.Request{OrderID: o.ID, Type: returns.TypeFull, Reason: "again"})
	if !errors.Is(err, returns.ErrNotReturnable) {
		t.Errorf("request after full refund: %v", err)
	}
}

func TestRefusalsWriteNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, returns.Config{})
	o := f.delivered(t, "0", true, line("A", 2, "50", "0", "19"))
	other := oms.PortalClient("c2")
	req := returns.Request{OrderID: o.ID, Items: []returns.ItemRequest{{Line: 0, Quantity: 1}}, Reason: "r"}

	check := func(name string, before snapshot, err error, target error) {
		t.Helper()
		if !errors.Is(err, target) {
			t.Errorf("%s: err = %v, want %v", name, err, target)
		}
		if diff := cmp.Diff(before, f.snap(t, o.ID)); diff != "" {
			t.Errorf("%s changed state (-before +after):\n%s", name, diff)
		}
	}

	before := f.snap(t, o.ID)
	_, err := f.svc.Create(ctx, other, req)
	check("other client", before, err, oms.ErrForbidden)
	var fe *oms.ForbiddenError
	if !errors.As(err, &fe) || fe.Permission != oms.PermReturnsView {
		t.Errorf("forbidden detail: %v", err)
	}
	_, err = f.svc.Create(ctx, oms.Staff("nobody"), req)
	check("no permission", before, err, oms.ErrForbidden)
	_, err = f.svc.Create(ctx, client, returns.Request{OrderID: o.ID, Items: []returns.ItemRequest{{Line: 0, Quantity: 3}}, Reason: "r"})
	check("over-return", before, err, returns.ErrOverReturn)
	var oe *returns.OverReturnError
	if !errors.As(err, &oe) || oe.Requested != 3 || oe.Delivered != 2 {
		t.Errorf("over-return detail: %v", err)
	}
	_, err = f.svc.Create(ctx, client, returns.Request{OrderID: o.ID, Type: returns.TypeManual, Items: req.Items, Reason: "r"})
	check("manual from portal", before, err, returns.ErrInvalid)
	_, err = f.svc.Create(ctx, client, returns.Request{OrderID: o.ID, Items: req.Items})
	check("no reason", before, err, returns.ErrInvalid)
	_, err = f.svc.Create(ctx, client, returns.Request{OrderID: o.ID, Type: returns.TypeFull, Items: req.Items, Reason: "r"})
	check("full that is not", before, err, returns.ErrInvalid)
	_, err = f.svc.Create(ctx, client, returns.Request{OrderID: o.ID, Items: []returns.ItemRequest{{Line: 1, Quantity: 1}}, Reason: "r"})
	check("no such line", before, err, returns.ErrInvalid)
	_, err = f.svc.Create(ctx, client, returns.Request{OrderID: "nope", Items: req.Items, Reason: "r"})
	if !errors.Is(err, oms.ErrNotFound) {
		t.Errorf("unknown order: %v", err)
	}

	r, err := f.svc.Create(ctx, client, req)
	if err != nil {
		t.Fatal(err)
	}
	before = f.snap(t, o.ID)
	_, err = f.svc.Create(ctx, client, req)
	check("second pending", before, err, returns.ErrReturnPending)
	var se *returns.OrderStateError
	if !errors.As(err, &se) || se.Pending != r.ID {
		t.Errorf("pending detail: %v", err)
	}
	_, err = f.svc.Approve(ctx, operator, r.ID, returns.ApproveOptions{})
	check("approve without permission", before, err, oms.ErrForbidden)
	_, err = f.svc.Approve(ctx, client, r.ID, returns.ApproveOptions{})
	check("client approves", before, err, oms.ErrForbidden)
	_, err = f.svc.Reject(ctx, operator, r.ID, "no")
	check("reject without permission", before, err, oms.ErrForbidden)
	_, err = f.svc.Refund(ctx, supervisor, returns.RefundRequest{OrderID: o.ID, ReturnID: r.ID})
	check("refund on pending return", before, err, returns.ErrInvalid)

	if _, err := f.svc.Approve(ctx, supervisor, r.ID, returns.ApproveOptions{}); err != nil {
		t.Fatal(err)
	}
	before = f.snap(t, o.ID)
	_, err = f.svc.Reject(ctx, supervisor, r.ID, "changed my mind")
	check("reject approved", before, err, returns.ErrAlreadyDecided)
	_, err = f.svc.Refund(ctx, supervisor, returns.RefundRequest{OrderID: o.ID, Amount: d("0.01")})
	if err != nil {
		t.Fatalf("small goodwill refund: %v", err)
	}
	before = f.snap(t, o.ID)
	paid, refunded := before.Order.Paid, before.Order.Refunded
	_, err = f.svc.Refund(ctx, supervisor, returns.RefundRequest{OrderID: o.ID, Amount: paid.Sub(refunded).Add(d("0.01"))})
	check("over-refund", before, err, returns.ErrOverRefund)
	var ore *returns.OverRefundError
	if !errors.As(err, &ore) || !ore.Limit.Equal(paid.Sub(refunded)) {
		t.Errorf("over-refund detail: %v", err)
	}
	_, err = f.svc.Refund(ctx, supervisor, returns.RefundRequest{OrderID: o.ID, ReturnID: r.ID, Amount: d("0.01")})
	check("refund above return's due", before, err, returns.ErrOverRefund)
	_, err = f.svc.Refund(ctx, supervisor, returns.RefundRequest{OrderID: o.ID, Amount: d("0.001")})
	check("sub-cent refund", before, err, returns.ErrInvalid)
}

func TestNotReturnable(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, returns.Config{})
	o := f.place(t, "0", true, line("A", 2, "50", "0", "19"))
	o, err := f.orders.Confirm(ctx, staff, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.Create(ctx, client, returns.Request{OrderID: o.ID, Type: returns.TypeFull, Reason: "r"})
	var se *returns.OrderStateError
	if !errors.Is(err, returns.ErrNotReturnable) || !errors.As(err, &se) || se.Status != oms.Confirmed {
		t.Errorf("confirmed order: %v", err)
	}
}

func TestRejectGoesBackAndChangesNothingElse(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, returns.Config{RefundLoyaltyPoints: true})
	o := f.delivered(t, "0", true, line("A", 2, "50", "0", "19"))
	if err := f.store.EarnLoyalty(ctx, o.ID, 100); err != nil {
		t.Fatal(err)
	}
	r, err := f.svc.Create(ctx, client, returns.Request{OrderID: o.ID, Type: returns.TypeFull, Reason: "r"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Reject(ctx, supervisor, r.ID, ""); !errors.Is(err, returns.ErrInvalid) {
		t.Errorf("reject without reason: %v", err)
	}
	rj, err := f.svc.Reject(ctx, supervisor, r.ID, "used")
	if err != nil {
		t.Fatal(err)
	}
	if rj.Approval != returns.Rejected || rj.DecisionNote != "used" {
		t.Errorf("rejected: %+v", rj)
	}
	s := f.snap(t, o.ID)
	if s.Order.Status != oms.Delivered || len(s.Reversals) != 0 || len(s.Stock) != 0 || len(s.Refunds) != 0 || s.Order.Lines[0].Returned != 0 {
		t.Errorf("after rejection: status %s, reversals %v, stock %v, refunds %v", s.Order.Status.Label(), s.Reversals, s.Stock, s.Refunds)
	}
	if _, err := f.svc.Approve(ctx, supervisor, r.ID, returns.ApproveOptions{}); !errors.Is(err, returns.ErrAlreadyDecided) {
		t.Errorf("approve rejected: %v", err)
	}
	// Rejected units may be asked for again.
	if _, err := f.svc.Create(ctx, client, returns.Request{OrderID: o.ID, Type: returns.TypeFull, Reason: "r2"}); err != nil {
		t.Errorf("new request after rejection: %v", err)
	}
}

func TestApproveTwiceNeverRestocksOrRefundsTwice(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, returns.Config{})
	o := f.delivered(t, "0", true, line("A", 5, "20", "0", "0"))
	r, err := f.svc.Create(ctx, staff, returns.Request{OrderID: o.ID, Items: []returns.ItemRequest{{Line: 0, Quantity: 2}}, Reason: "r"})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 8)
	for range 8 {
		go func() {
			_, err := f.svc.Approve(ctx, supervisor, r.ID, returns.ApproveOptions{})
			done <- err
		}()
	}
	for range 8 {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
	if n := f.stock(t, "A"); n != 2 {
		t.Errorf("stock %d, want 2", n)
	}
	if rf := f.refunds(t, o.ID); len(rf) != 1 || !rf[0].Amount.Equal(d("40")) {
		t.Errorf("refunds %+v", rf)
	}
}

func TestDeferredRefundOnUnpaidOrder(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, returns.Config{})
	o := f.delivered(t, "0", false, line("A", 5, "20", "0", "0"))
	r, err := f.svc.Create(ctx, staff, returns.Request{OrderID: o.ID, Items: []returns.ItemRequest{{Line: 0, Quantity: 2}}, Reason: "r"})
	if err != nil {
		t.Fatal(err)
	}
	before := f.snap(t, o.ID)
	_, err = f.svc.Approve(ctx, supervisor, r.ID, returns.ApproveOptions{})
	if !errors.Is(err, returns.ErrOverRefund) {
		t.Fatalf("approve with refund on unpaid order: %v", err)
	}
	if diff := cmp.Diff(before, f.snap(t, o.ID)); diff != "" {
		t.Errorf("refused approval wrote (-before +after):\n%s", diff)
	}
	a, err := f.svc.Approve(ctx, supervisor, r.ID, returns.ApproveOptions{DeferRefund: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := f.order(t, o.ID); got.Status != oms.PartialReturn || !a.Refunded.IsZero() || !a.Outstanding().Equal(d("40")) {
		t.Errorf("deferred: status %s refunded %s outstanding %s", got.Status.Label(), a.Refunded, a.Outstanding())
	}
	if _, err := f.orders.RecordPayment(ctx, staff, o.ID, d("100")); err != nil {
		t.Fatal(err)
	}
	for _, amt := range []string{"15", "0"} { // a part, then the rest
		if _, err := f.svc.Refund(ctx, supervisor, returns.RefundRequest{OrderID: o.ID, ReturnID: r.ID, Amount: d(amt)}); err != nil {
			t.Fatal(err)
		}
	}
	got, _ := f.svc.Get(ctx, staff, r.ID)
	if !got.Refunded.Equal(d("40")) || f.order(t, o.ID).Status != oms.PartialRefund {
		t.Errorf("after refunds: return refunded %s, order %s", got.Refunded, f.order(t, o.ID).Status.Label())
	}
	if _, err := f.svc.Refund(ctx, supervisor, returns.RefundRequest{OrderID: o.ID, ReturnID: r.ID}); !errors.Is(err, returns.ErrInvalid) {
		t.Errorf("refund with nothing due: %v", err)
	}
}

func TestLoyaltyReversedByValueOnApprovalOnly(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, returns.Config{RefundLoyaltyPoints: true})
	// A is worth 3/4 of the goods, B 1/4.
	o := f.delivered(t, "10", true, line("A", 3, "100", "0", "0"), line("B", 1, "100", "0", "0"))
	if err := f.store.EarnLoyalty(ctx, o.ID, 101); err != nil {
		t.Fatal(err)
	}
	r, _ := f.svc.Create(ctx, staff, returns.Request{OrderID: o.ID, Items: []returns.ItemRequest{{Line: 1, Quantity: 1}}, Reason: "r"})
	a, err := f.svc.Approve(ctx, supervisor, r.ID, returns.ApproveOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if a.LoyaltyPoints != 25 { // 101 × 100/400 = 25.25
		t.Errorf("first reversal %d, want 25", a.LoyaltyPoints)
	}
	r, _ = f.svc.Create(ctx, staff, returns.Request{OrderID: o.ID, Type: returns.TypeFull, Reason: "r"})
	if a, err = f.svc.Approve(ctx, supervisor, r.ID, returns.ApproveOptions{}); err != nil {
		t.Fatal(err)
	}
	if a.LoyaltyPoints != 76 {
		t.Errorf("second reversal %d, want the remaining 76", a.LoyaltyPoints)
	}
}

func TestPortalClientSeesOnlyOwnReturns(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, returns.Config{})
	o := f.delivered(t, "0", true, line("A", 2, "50", "0", "19"))
	r, err := f.svc.Create(ctx, client, returns.Request{OrderID: o.ID, Type: returns.TypeFull, Reason: "r"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Get(ctx, client, r.ID); err != nil {
		t.Errorf("own return: %v", err)
	}
	if _, err := f.svc.Get(ctx, oms.PortalClient("c2"), r.ID); !errors.Is(err, returns.ErrNotFound) {
		t.Errorf("another client's return: %v", err)
	}
	if l, err := f.svc.List(ctx, oms.PortalClient("c2"), returns.Filter{}); err != nil || len(l) != 0 {
		t.Errorf("another client's list: %v %v", l, err)
	}
	if _, err := f.svc.Refunds(ctx, oms.PortalClient("c2"), o.ID); !errors.Is(err, oms.ErrNotFound) {
		t.Errorf("another client's refunds: %v", err)
	}
}

func TestQuoteWritesNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, returns.Config{Fee: returns.FixedFee(d("5"))})
	o := f.delivered(t, "0", true, line("A", 2, "50", "0", "19"))
	before := f.snap(t, o.ID)
	q, err := f.svc.Quote(ctx, client, returns.Request{OrderID: o.ID, Items: []returns.ItemRequest{{Line: 0, Quantity: 1}}, Reason: "r"})
	if err != nil {
		t.Fatal(err)
	}
	if !q.RefundDue.Equal(d("54.5")) || q.ID != "" {
		t.Errorf("quote %+v", q)
	}
	if diff := cmp.Diff(before, f.snap(t, o.ID)); diff != "" {
		t.Errorf("quote wrote (-before +after):\n%s", diff)
	}
}

func TestPolicy(t *testing.T) {
	t.Parallel()
	f := newFixture(t, returns.Config{PolicyText: "30 days, unused", ReturnWithinDays: returns.Days(0)})
	if p := f.svc.Policy(); p.Text != "30 days, unused" || p.WithinDays != 0 {
		t.Errorf("policy %+v", p)
	}
	if p := newFixture(t, returns.Config{}).svc.Policy(); p.WithinDays != 30 {
		t.Errorf("default window %d", p.WithinDays)
	}
	for _, cfg := range []returns.Config{
		{ReturnWithinDays: returns.Days(-1)},
		{Fee: returns.PercentFee(d("101"))},
		{VendorFees: map[string]returns.Fee{"v": returns.FixedFee(d("-1"))}},
	} {
		if _, err := returns.NewService(f.orders, f.store, cfg); !errors.Is(err, returns.ErrInvalid) {
			t.Errorf("config %+v: %v", cfg, err)
		}
	}
}

func TestCreateEnforcesWindowInShopZone(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	zone := time.FixedZone("shop", 2*3600)
	tests := []struct {
		name  string
		cfg   returns.Config
		after time.Duration // from delivery at t0 = 10:00 UTC (12:00 in the shop)
		over  int
	}{
		{"day 0", returns.Config{Location: zone}, time.Hour, 0},
		{"day 30, 23:59 in the shop", returns.Config{Location: zone}, 30*24*time.Hour + 11*time.Hour + 59*time.Minute, 0},
		{"day 31, 00:00 in the shop", returns.Config{Location: zone}, 30*24*time.Hour + 12*time.Hour, 1},
		{"same instant counted in UTC is day 30", returns.Config{}, 30*24*time.Hour + 12*time.Hour, 0},
		{"7-day window, day 9", returns.Config{ReturnWithinDays: returns.Days(7)}, 9 * 24 * time.Hour, 2},
		{"no window, a year later", returns.Config{ReturnWithinDays: returns.Days(0)}, 365 * 24 * time.Hour, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, tc.cfg)
			o := f.delivered(t, "0", true, line("A", 1, "10", "0", "0"))
			f.clock.Advance(tc.after)
			before := f.snap(t, o.ID)
			_, err := f.svc.Create(ctx, client, returns.Request{OrderID: o.ID, Type: returns.TypeFull, Reason: "r"})
			if tc.over == 0 {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var we *returns.WindowError
			if !errors.As(err, &we) || we.Over != tc.over {
				t.Fatalf("err = %v, want over by %d", err, tc.over)
			}
			if diff := cmp.Diff(before, f.snap(t, o.ID)); diff != "" {
				t.Errorf("refused request wrote:\n%s", diff)
			}
		})
	}
}

// NewService refuses nil arguments with the package's typed error, as it
// does an invalid configuration.
func TestNewServiceNilArguments(t *testing.T) {
	t.Parallel()
	f := newFixture(t, returns.Config{})
	for _, tc := range []struct {
		name   string
		orders *oms.Service
		store  returns.Store
		field  string
	}{
		{"nil order service", nil, f.store, "orders"},
		{"nil store", f.orders, nil, "store"},
		{"both nil", nil, nil, "orders"},
	} {
		svc, err := returns.NewService(tc.orders, tc.store, returns.Config{})
		var ve *returns.ValidationError
		if svc != nil || !errors.As(err, &ve) || ve.Field != tc.field || !errors.Is(err, returns.ErrInvalid) {
			t.Errorf("%s: NewService = %v, %v; want a *ValidationError on %s", tc.name, svc, err, tc.field)
		}
	}
}

// The restocking fee percentage is the guide's omni_fee_for_return_order,
// 0–10% of value, globally and per vendor; a fixed fee only has to be
// non-negative. Anything else is a *ValidationError naming the setting.
func TestFeeLimits(t *testing.T) {
	t.Parallel()
	f := newFixture(t, returns.Config{})
	tests := []struct {
		name  string
		cfg   returns.Config
		field string // "" = accepted
	}{
		{"no fee", returns.Config{}, ""},
		{"0%", returns.Config{Fee: returns.PercentFee(d("0"))}, ""},
		{"9.99%", returns.Config{Fee: returns.PercentFee(d("9.99"))}, ""},
		{"10%", returns.Config{Fee: returns.PercentFee(d("10"))}, ""},
		{"10.01%", returns.Config{Fee: returns.PercentFee(d("10.01"))}, "config.fee"},
		{"11%", returns.Config{Fee: returns.PercentFee(d("11"))}, "config.fee"},
		{"100%", returns.Config{Fee: returns.PercentFee(d("100"))}, "config.fee"},
		{"-1%", returns.Config{Fee: returns.PercentFee(d("-1"))}, "config.fee"},
		{"vendor 10%", returns.Config{VendorFees: map[string]returns.Fee{"acme": returns.PercentFee(d("10"))}}, ""},
		{"vendor 12%", returns.Config{VendorFees: map[string]returns.Fee{"acme": returns.PercentFee(d("12"))}}, "config.vendor_fees[acme]"},
		{"fixed 0", returns.Config{Fee: returns.FixedFee(d("0"))}, ""},
		{"fixed 500, above 10% of most orders", returns.Config{Fee: returns.FixedFee(d("500"))}, ""},
		{"fixed -0.01", returns.Config{Fee: returns.FixedFee(d("-0.01"))}, "config.fee"},
		{"unknown kind", returns.Config{Fee: returns.Fee{Kind: 9, Value: d("1")}}, "config.fee"},
	}
	for _, tc := range tests {
		_, err := returns.NewService(f.orders, f.store, tc.cfg)
		if tc.field == "" {
			if err != nil {
				t.Errorf("%s: refused: %v", tc.name, err)
			}
			continue
		}
		var ve *returns.ValidationError
		if !errors.As(err, &ve) || ve.Field != tc.field || !errors.Is(err, returns.ErrInvalid) {
			t.Errorf("%s: NewService = %v, want a *ValidationError on %s", tc.name, err, tc.field)
		}
	}
}

// A refund moves the order to Refund (6) once the order is settled: all
// paid is back, or every delivered unit is back under approved returns
// that are refunded in full and the shop keeps no more than their
// restocking fees and the delivery fee. Otherwise Partial Refund (13).
func TestRefundOrPartialRefund(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	// A: 2 × 50.00 at 19% = 119.00 paid; B: 1 × 20.00 at 0% = 20.00.
	lines := func() []oms.Line { return []oms.Line{line("A", 2, "50", "0", "19"), line("B", 1, "20", "0", "0")} }
	type want struct {
		status   oms.Status
		refunded string
	}
	create := func(t *testing.T, f *fixture, o oms.Order, items ...returns.ItemRequest) returns.Return {
		t.Helper()
		req := returns.Request{OrderID: o.ID, Items: items, Reason: "r"}
		if len(items) == 0 {
			req.Type = returns.TypeFull
		}
		r, err := f.svc.Create(ctx, staff, req)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	approve := func(t *testing.T, f *fixture, r returns.Return, deferRefund bool) {
		t.Helper()
		if _, err := f.svc.Approve(ctx, supervisor, r.ID, returns.ApproveOptions{DeferRefund: deferRefund}); err != nil {
			t.Fatal(err)
		}
	}
	refund := func(t *testing.T, f *fixture, o oms.Order, returnID, amount string) {
		t.Helper()
		if _, err := f.svc.Refund(ctx, supervisor, returns.RefundRequest{OrderID: o.ID, ReturnID: returnID, Amount: d(amount)}); err != nil {
			t.Fatal(err)
		}
	}
	check := func(t *testing.T, f *fixture, o oms.Order, step string, w want) {
		t.Helper()
		got := f.order(t, o.ID)
		if got.Status != w.status || !got.Refunded.Equal(d(w.refunded)) {
			t.Errorf("%s: order %s, refunded %s; want %s, refunded %s", step, got.Status.Label(), got.Refunded, w.status.Label(), w.refunded)
		}
	}
	tests := []struct {
		name string
		cfg  returns.Config
		run  func(t *testing.T, f *fixture, o oms.Order)
	}{
		{"full return, 10% fee and delivery fee kept", returns.Config{Fee: returns.PercentFee(d("10"))},
			func(t *testing.T, f *fixture, o oms.Order) {
				approve(t, f, create(t, f, o), false)
				// 139.00 − 13.90 fee; 154.00 paid, 15.00 delivery kept.
				check(t, f, o, "approved", want{oms.Refund, "125.10"})
			}},
		{"full return, delivery fee refunded, fixed fee kept", returns.Config{Fee: returns.FixedFee(d("5")), RefundDeliveryFeeOnFullReturn: true},
			func(t *testing.T, f *fixture, o oms.Order) {
				approve(t, f, create(t, f, o), false)
				check(t, f, o, "approved", want{oms.Refund, "149.00"})
			}},
		{"full return in two parts", returns.Config{},
			func(t *testing.T, f *fixture, o oms.Order) {
				approve(t, f, create(t, f, o, returns.ItemRequest{Line: 0, Quantity: 2}), false)
				check(t, f, o, "first part", want{oms.PartialRefund, "119.00"})
				approve(t, f, create(t, f, o), false)
				check(t, f, o, "the rest", want{oms.Refund, "139.00"})
			}},
		{"partial return", returns.Config{Fee: returns.PercentFee(d("10"))},
			func(t *testing.T, f *fixture, o oms.Order) {
				approve(t, f, create(t, f, o, returns.ItemRequest{Line: 0, Quantity: 1}, returns.ItemRequest{Line: 1, Quantity: 1}), false)
				check(t, f, o, "approved", want{oms.PartialRefund, "71.55"}) // 59.50 + 20.00 − 7.95
			}},
		{"full return refunded later in parts", returns.Config{},
			func(t *testing.T, f *fixture, o oms.Order) {
				r := create(t, f, o)
				approve(t, f, r, true)
				check(t, f, o, "approved, refund deferred", want{oms.Return, "0"})
				refund(t, f, o, r.ID, "100")
				check(t, f, o, "first part", want{oms.PartialRefund, "100.00"})
				refund(t, f, o, r.ID, "0") // what is still due
				check(t, f, o, "second part", want{oms.Refund, "139.00"})
			}},
		{"full return of an overpaid order: the excess is still owed", returns.Config{},
			func(t *testing.T, f *fixture, o oms.Order) {
				if _, err := f.orders.RecordPayment(ctx, staff, o.ID, d("6")); err != nil {
					t.Fatal(err)
				}
				approve(t, f, create(t, f, o), false)
				check(t, f, o, "approved", want{oms.PartialRefund, "139.00"})
				refund(t, f, o, "", "6")
				check(t, f, o, "excess refunded", want{oms.Refund, "145.00"})
			}},
		{"every delivered unit back, one unit never delivered", returns.Config{},
			func(t *testing.T, f *fixture, o oms.Order) {
				// The warehouse delivered only one unit of A.
				err := f.store.Do(ctx, func(tx oms.Tx) error {
					o, err := tx.Get(ctx, o.ID)
					if err != nil {
						return err
					}
					o.Lines[0].Delivered = 1
					return tx.Update(ctx, &o)
				})
				if err != nil {
					t.Fatal(err)
				}
				approve(t, f, create(t, f, o), false)
				check(t, f, o, "approved", want{oms.PartialRefund, "79.50"}) // 59.50 + 20.00
				refund(t, f, o, "", "59.50")                                 // the undelivered unit
				check(t, f, o, "undelivered unit refunded", want{oms.Refund, "139.00"})
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, tc.cfg)
			o := f.delivered(t, "15", true, lines()...)
			if !o.Paid.Equal(d("154")) {
				t.Fatalf("paid %s, want 154.00", o.Paid)
			}
			tc.run(t, f, o)
			// A settled order takes no further refund or request.
			if got := f.order(t, o.ID); got.Status == oms.Refund {
				if _, err := f.svc.Refund(ctx, supervisor, returns.RefundRequest{OrderID: o.ID, Amount: d("0.01")}); !errors.Is(err, oms.ErrInvalidTransition) {
					t.Errorf("refund after Refund: %v", err)
				}
			}
		})
	}
}
