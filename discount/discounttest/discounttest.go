package discounttest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/azuvio/omnisales/discount"
)

// Ledger is what LedgerConformance checks: the methods of
// *discount.Ledger. Usage reports the uses of a rule in total and by one
// client; Redeem takes a use within the redemption's limits (refusing
// with a *discount.VoucherError, RefusedUsageExhausted, and recording
// nothing) and is idempotent per (rule, order); Release gives a use back,
// by order when the redemption has one, else one of the client's uses
// recorded without an order, and wraps discount.ErrNotRedeemed when there
// is none.
type Ledger interface {
	discount.UsageCounter
	Redeem(ctx context.Context, r discount.Redemption) error
	Release(ctx context.Context, r discount.Redemption) error
}

// LedgerConformance runs the ledger tests as parallel subtests of t, each
// on a fresh, empty ledger from newLedger: counting in total and per
// client, both limits (refusals record nothing), idempotent redemption
// by order, both kinds of Release, unknown rules, races for the last
// uses, and calls on a canceled context (which may fail, but then must
// record nothing).
func LedgerConformance(t *testing.T, newLedger func(t *testing.T) Ledger) {
	t.Helper()
	for _, tc := range []struct {
		name string
		fn   func(t *testing.T, l Ledger)
	}{
		{"Counts", testCounts},
		{"TotalLimit", testTotalLimit},
		{"PerClientLimit", testPerClientLimit},
		{"IdempotentOrder", testIdempotentOrder},
		{"ReleaseByOrder", testReleaseByOrder},
		{"ReleaseWithoutOrder", testReleaseWithoutOrder},
		{"UnknownRule", testUnknownRule},
		{"RaceTotalLimit", testRaceTotalLimit},
		{"RacePerClientLimit", testRacePerClientLimit},
		{"RaceSameOrder", testRaceSameOrder},
		{"RaceRedeemRelease", testRaceRedeemRelease},
		{"CanceledContext", testCanceledContext},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, newLedger(t))
		})
	}
}

var bg = context.Background()

// wantUsage fails t unless the ledger reports total and mine for rule and
// client.
func wantUsage(t *testing.T, l Ledger, rule discount.RuleID, client discount.ClientID, total, mine int64) {
	t.Helper()
	gt, gm, err := l.Usage(bg, rule, client)
	if err != nil {
		t.Fatalf("Usage(%d, %q): %v", rule, client, err)
	}
	if gt != total || gm != mine {
		t.Fatalf("Usage(%d, %q) = %d, %d; want %d, %d", rule, client, gt, gm, total, mine)
	}
}

// redeem fails t unless r is redeemed.
func redeem(t *testing.T, l Ledger, r discount.Redemption) {
	t.Helper()
	if err := l.Redeem(bg, r); err != nil {
		t.Fatalf("Redeem(%+v): %v", r, err)
	}
}

// wantRefused fails t unless err is a *discount.VoucherError for rule with
// reason.
func wantRefused(t *testing.T, err error, rule discount.RuleID, reason discount.Refusal) {
	t.Helper()
	var ve *discount.VoucherError
	if !errors.As(err, &ve) || ve.Reason != reason || !errors.Is(err, discount.ErrVoucherRefused) {
		t.Fatalf("got %v, want a *discount.VoucherError %q", err, reason)
	}
	if reason != discount.RefusedUnknown && ve.Rule != rule {
		t.Fatalf("refusal names rule %d, want %d", ve.Rule, rule)
	}
}

// wantNotRedeemed fails t unless releasing r fails with
// discount.ErrNotRedeemed.
func wantNotRedeemed(t *testing.T, l Ledger, r discount.Redemption) {
	t.Helper()
	if err := l.Release(bg, r); !errors.Is(err, discount.ErrNotRedeemed) {
		t.Fatalf("Release(%+v) = %v, want discount.ErrNotRedeemed", r, err)
	}
}

func testCounts(t *testing.T, l Ledger) {
	wantUsage(t, l, 1, "a", 0, 0)
	redeem(t, l, discount.Redemption{Rule: 1, Code: "V1", Client: "a"})
	redeem(t, l, discount.Redemption{Rule: 1, Code: "V1", Client: "a"})
	redeem(t, l, discount.Redemption{Rule: 1, Code: "V1", Client: "b", Order: "SO-1"})
	redeem(t, l, discount.Redemption{Rule: 2, Code: "V2", Client: "a", Order: "SO-1"})
	wantUsage(t, l, 1, "a", 3, 2)
	wantUsage(t, l, 1, "b", 3, 1)
	wantUsage(t, l, 1, "c", 3, 0)
	wantUsage(t, l, 2, "a", 1, 1)
	wantUsage(t, l, 2, "b", 1, 0)
	wantUsage(t, l, 3, "a", 0, 0)
	// Client ids are compared exactly.
	wantUsage(t, l, 1, "A", 3, 0)
	wantUsage(t, l, 1, "", 3, 0)
}

func testTotalLimit(t *testing.T, l Ledger) {
	r := discount.Redemption{Rule: 5, Code: "FIVE", TotalLimit: 2}
	for _, c := range []discount.ClientID{"a", "b"} {
		r.Client = c
		redeem(t, l, r)
	}
	r.Client, r.Order = "c", "SO-3"
	wantRefused(t, l.Redeem(bg, r), 5, discount.RefusedUsageExhausted)
	wantUsage(t, l, 5, "c", 2, 0)
	// The refused order was not recorded.
	wantNotRedeemed(t, l, r)
	// Another rule has its own budget; no limit means none.
	redeem(t, l, discount.Redemption{Rule: 6, Client: "c", Order: "SO-3", TotalLimit: 1})
	for range 5 {
		redeem(t, l, discount.Redemption{Rule: 7, Client: "c"})
	}
	wantUsage(t, l, 7, "c", 5, 5)
	// A use given back can be taken again, once.
	if err := l.Release(bg, discount.Redemption{Rule: 5, Client: "a"}); err != nil {
		t.Fatal(err)
	}
	redeem(t, l, r)
	wantRefused(t, l.Redeem(bg, discount.Redemption{Rule: 5, Client: "d", TotalLimit: 2}), 5, discount.RefusedUsageExhausted)
	wantUsage(t, l, 5, "c", 2, 1)
	// A limit lowered below the uses refuses too.
	wantRefused(t, l.Redeem(bg, discount.Redemption{Rule: 5, Client: "e", TotalLimit: 1}), 5, discount.RefusedUsageExhausted)
	wantUsage(t, l, 5, "e", 2, 0)
}

func testPerClientLimit(t *testing.T, l Ledger) {
	r := discount.Redemption{Rule: 8, Code: "EIGHT", Client: "a", PerClientLimit: 2}
	redeem(t, l, r)
	r.Order = "SO-2"
	redeem(t, l, r)
	r.Order = "SO-3"
	wantRefused(t, l.Redeem(bg, r), 8, discount.RefusedUsageExhausted)
	wantNotRedeemed(t, l, r)
	r.Order = ""
	wantRefused(t, l.Redeem(bg, r), 8, discount.RefusedUsageExhausted)
	wantUsage(t, l, 8, "a", 2, 2)
	// Other clients have their own allowance, within the total limit.
	redeem(t, l, discount.Redemption{Rule: 8, Client: "b", PerClientLimit: 2, TotalLimit: 4})
	redeem(t, l, discount.Redemption{Rule: 8, Client: "b", PerClientLimit: 2, TotalLimit: 4})
	wantRefused(t, l.Redeem(bg, discount.Redemption{Rule: 8, Client: "c", PerClientLimit: 2, TotalLimit: 4}),
		8, discount.RefusedUsageExhausted)
	wantUsage(t, l, 8, "b", 4, 2)
	wantUsage(t, l, 8, "c", 4, 0)
}

func testIdempotentOrder(t *testing.T, l Ledger) {
	r := discount.Redemption{Rule: 1, Code: "ONCE", Client: "a", Order: "SO-1", TotalLimit: 1, PerClientLimit: 1}
	for range 3 {
		redeem(t, l, r) // the retries find the order recorded, though the limits are used up
	}
	wantUsage(t, l, 1, "a", 1, 1)
	// The order is the key: another client naming it counts nothing.
	redeem(t, l, discount.Redemption{Rule: 1, Client: "b", Order: "SO-1", TotalLimit: 1})
	wantUsage(t, l, 1, "b", 1, 0)
	// A new order is refused; the same order on another rule counts there.
	wantRefused(t, l.Redeem(bg, discount.Redemption{Rule: 1, Client: "b", Order: "SO-2", TotalLimit: 1}), 1, discount.RefusedUsageExhausted)
	redeem(t, l, discount.Redemption{Rule: 2, Client: "a", Order: "SO-1", TotalLimit: 1})
	wantUsage(t, l, 2, "a", 1, 1)
	wantUsage(t, l, 1, "a", 1, 1)
	// Order ids are compared exactly.
	redeem(t, l, discount.Redemption{Rule: 3, Client: "a", Order: "so-1"})
	redeem(t, l, discount.Redemption{Rule: 3, Client: "a", Order: "SO-1"})
	wantUsage(t, l, 3, "a", 2, 2)
}

func testReleaseByOrder(t *testing.T, l Ledger) {
	r := discount.Redemption{Rule: 4, Client: "a", Order: "SO-1", TotalLimit: 1}
	redeem(t, l, r)
	redeem(t, l, discount.Redemption{Rule: 4, Client: "a"}) // no limit: order-less use
	wantUsage(t, l, 4, "a", 2, 2)
	// The client is the one recorded, not the one in the release.
	if err := l.Release(bg, discount.Redemption{Rule: 4, Client: "someone else", Order: "SO-1"}); err != nil {
		t.Fatalf("release by order: %v", err)
	}
	wantUsage(t, l, 4, "a", 1, 1)
	wantUsage(t, l, 4, "someone else", 1, 0)
	wantNotRedeemed(t, l, r) // released twice
	wantUsage(t, l, 4, "a", 1, 1)
	wantNotRedeemed(t, l, discount.Redemption{Rule: 4, Client: "a", Order: "SO-9"})
	wantNotRedeemed(t, l, discount.Redemption{Rule: 5, Client: "a", Order: "SO-1"})
	// A released order can redeem again, and counts again.
	redeem(t, l, discount.Redemption{Rule: 4, Client: "b", Order: "SO-1"})
	wantUsage(t, l, 4, "b", 2, 1)
}

func testReleaseWithoutOrder(t *testing.T, l Ledger) {
	redeem(t, l, discount.Redemption{Rule: 9, Client: "a", Order: "SO-1"})
	// A use recorded with an order is released only by its order.
	wantNotRedeemed(t, l, discount.Redemption{Rule: 9, Client: "a"})
	wantUsage(t, l, 9, "a", 1, 1)
	redeem(t, l, discount.Redemption{Rule: 9, Client: "a"})
	redeem(t, l, discount.Redemption{Rule: 9, Client: "b"})
	wantUsage(t, l, 9, "a", 3, 2)
	if err := l.Release(bg, discount.Redemption{Rule: 9, Client: "a"}); err != nil {
		t.Fatalf("release without order: %v", err)
	}
	wantUsage(t, l, 9, "a", 2, 1)
	wantNotRedeemed(t, l, discount.Redemption{Rule: 9, Client: "a"}) // released twice
	wantNotRedeemed(t, l, discount.Redemption{Rule: 9, Client: "c"})
	wantNotRedeemed(t, l, discount.Redemption{Rule: 10, Client: "b"})
	wantUsage(t, l, 9, "a", 2, 1)
	wantUsage(t, l, 9, "b", 2, 1)
	if err := l.Release(bg, discount.Redemption{Rule: 9, Order: "SO-1"}); err != nil {
		t.Fatalf("release by order: %v", err)
	}
	wantUsage(t, l, 9, "a", 1, 0)
}

func testUnknownRule(t *testing.T, l Ledger) {
	for _, rule := range []discount.RuleID{0, -1} {
		err := l.Redeem(bg, discount.Redemption{Rule: rule, Code: "NOPE", Client: "a", Order: "SO-1"})
		wantRefused(t, err, rule, discount.RefusedUnknown)
		var ve *discount.VoucherError
		if errors.As(err, &ve) && ve.Code != "NOPE" {
			t.Fatalf("refusal carries code %q, want NOPE", ve.Code)
		}
		wantUsage(t, l, rule, "a", 0, 0)
	}
	wantNotRedeemed(t, l, discount.Redemption{Rule: 0, Client: "a", Order: "SO-1"})
}

// race runs n redemptions at once (made by mk) and returns how many
// succeeded; any error but RefusedUsageExhausted fails t.
func race(t *testing.T, l Ledger, n int, mk func(i int) discount.Redemption) int64 {
	t.Helper()
	var granted atomic.Int64
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			err := l.Redeem(bg, mk(i))
			var ve *discount.VoucherError
			switch {
			case err == nil:
				granted.Add(1)
			case errors.As(err, &ve) && ve.Reason == discount.RefusedUsageExhausted:
			default:
				t.Errorf("redemption %d: %v", i, err)
			}
		})
	}
	close(start)
	wg.Wait()
	return granted.Load()
}

func testRaceTotalLimit(t *testing.T, l Ledger) {
	clients := []discount.ClientID{"a", "b", "c", "d", "e"}
	got := race(t, l, 50, func(i int) discount.Redemption {
		return discount.Redemption{Rule: 11, Client: clients[i%len(clients)], Order: fmt.Sprintf("SO-%d", i), TotalLimit: 10}
	})
	if got != 10 {
		t.Fatalf("%d of 50 redemptions granted, want 10", got)
	}
	var sum int64
	for _, c := range clients {
		total, mine, err := l.Usage(bg, 11, c)
		if err != nil || total != 10 {
			t.Fatalf("Usage(11, %q) = %d, %d, %v; want total 10", c, total, mine, err)
		}
		sum += mine
	}
	if sum != 10 {
		t.Fatalf("client uses add up to %d, want 10", sum)
	}
}

func testRacePerClientLimit(t *testing.T, l Ledger) {
	got := race(t, l, 50, func(i int) discount.Redemption {
		return discount.Redemption{Rule: 12, Client: "a", Order: fmt.Sprintf("SO-%d", i), PerClientLimit: 10}
	})
	if got != 10 {
		t.Fatalf("%d of 50 redemptions granted, want 10", got)
	}
	wantUsage(t, l, 12, "a", 10, 10)
}

func testRaceSameOrder(t *testing.T, l Ledger) {
	got := race(t, l, 20, func(int) discount.Redemption {
		return discount.Redemption{Rule: 13, Client: "a", Order: "SO-1", TotalLimit: 5}
	})
	if got != 20 {
		t.Fatalf("%d of 20 retries of one order succeeded, want all", got)
	}
	wantUsage(t, l, 13, "a", 1, 1)
}

// testRaceRedeemRelease redeems and releases at once, with and without
// orders, by several clients; every use is given back, so the counts end
// at zero (and an implementation that deadlocks fails).
func testRaceRedeemRelease(t *testing.T, l Ledger) {
	var wg sync.WaitGroup
	for c := range 8 {
		client := discount.ClientID(fmt.Sprintf("c%d", c))
		wg.Go(func() {
			for i := range 5 {
				withOrder := discount.Redemption{Rule: 14, Client: client, Order: fmt.Sprintf("%s-%d", client, i), TotalLimit: 100, PerClientLimit: 3}
				without := discount.Redemption{Rule: 14, Client: client, TotalLimit: 100, PerClientLimit: 3}
				for _, r := range []discount.Redemption{withOrder, without} {
					if err := l.Redeem(bg, r); err != nil {
						t.Errorf("redeem %+v: %v", r, err)
						return
					}
				}
				for _, r := range []discount.Redemption{without, withOrder} {
					if err := l.Release(bg, r); err != nil {
						t.Errorf("release %+v: %v", r, err)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	wantUsage(t, l, 14, "c0", 0, 0)
}

// testCanceledContext: a ledger may ignore the context, but a call that
// fails must change nothing.
func testCanceledContext(t *testing.T, l Ledger) {
	ctx, cancel := context.WithCancel(bg)
	cancel()
	kept := discount.Redemption{Rule: 15, Client: "a", Order: "SO-1"}
	redeem(t, l, kept)

	r := discount.Redemption{Rule: 15, Client: "a", Order: "SO-2"}
	if err := l.Redeem(ctx, r); err != nil {
		wantUsage(t, l, 15, "a", 1, 1)
		wantNotRedeemed(t, l, r)
	} else {
		wantUsage(t, l, 15, "a", 2, 2)
		if err := l.Release(bg, r); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Release(ctx, kept); err != nil {
		wantUsage(t, l, 15, "a", 1, 1)
		if err := l.Release(bg, kept); err != nil {
			t.Fatalf("release after a failed one: %v", err)
		}
	}
	wantUsage(t, l, 15, "a", 0, 0)
	if total, mine, err := l.Usage(ctx, 15, "a"); err == nil && (total != 0 || mine != 0) {
		t.Fatalf("Usage on a canceled context = %d, %d, want 0, 0 or an error", total, mine)
	}
}
