package discount

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
)

// TestLedgerRace: many carts race for the last uses of a voucher; exactly
// the remaining budget is granted, in total and per client.
func TestLedgerRace(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	l := &Ledger{}
	const limit = 10
	for i := range limit - 1 {
		if err := l.Redeem(ctx, Redemption{Rule: 1, Client: ClientID(rune('a' + i)), TotalLimit: limit}); err != nil {
			t.Fatal(err)
		}
	}
	var granted, refused atomic.Int64
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range 64 {
		wg.Go(func() {
			<-start
			err := l.Redeem(ctx, Redemption{Rule: 1, Client: "racer", Order: string(rune('A' + i)), TotalLimit: limit})
			var ve *VoucherError
			switch {
			case err == nil:
				granted.Add(1)
			case errors.As(err, &ve) && ve.Reason == RefusedUsageExhausted:
				refused.Add(1)
			default:
				t.Errorf("unexpected error %v", err)
			}
		})
	}
	close(start)
	wg.Wait()
	if granted.Load() != 1 || refused.Load() != 63 {
		t.Fatalf("granted %d refused %d, want 1 and 63", granted.Load(), refused.Load())
	}
	if total, _, _ := l.Usage(ctx, 1, "racer"); total != limit {
		t.Fatalf("total usage %d, want %d", total, limit)
	}

	// Per client: 3 uses each for 8 clients racing with 5 attempts each.
	var perClient [8]atomic.Int64
	for c := range 8 {
		for a := range 5 {
			wg.Go(func() {
				if l.Redeem(ctx, Redemption{Rule: 2, Client: ClientID(rune('a' + c)), PerClientLimit: 3, Order: string(rune('A'+c)) + string(rune('0'+a))}) == nil {
					perClient[c].Add(1)
				}
			})
		}
	}
	wg.Wait()
	for c := range perClient {
		if perClient[c].Load() != 3 {
			t.Fatalf("client %d got %d uses, want 3", c, perClient[c].Load())
		}
	}
}

func TestLedgerIdempotentAndRelease(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	l := &Ledger{}
	r := Redemption{Rule: 1, Client: "C1", Order: "SO-1", TotalLimit: 1}
	for range 3 {
		if err := l.Redeem(ctx, r); err != nil {
			t.Fatalf("retried redeem of the same order: %v", err)
		}
	}
	if total, mine, _ := l.Usage(ctx, 1, "C1"); total != 1 || mine != 1 {
		t.Fatalf("usage %d/%d after retries, want 1/1", total, mine)
	}
	if err := l.Redeem(ctx, Redemption{Rule: 1, Client: "C2", Order: "SO-2", TotalLimit: 1}); !errors.Is(err, ErrVoucherRefused) {
		t.Fatalf("over the limit: %v", err)
	}
	if err := l.Release(ctx, r); err != nil {
		t.Fatal(err)
	}
	if err := l.Release(ctx, r); !errors.Is(err, ErrNotRedeemed) {
		t.Fatalf("double release: %v", err)
	}
	if err := l.Redeem(ctx, Redemption{Rule: 1, Client: "C2", Order: "SO-2", TotalLimit: 1}); err != nil {
		t.Fatalf("after release: %v", err)
	}
	if err := l.Release(ctx, Redemption{Rule: 3, Client: "C9"}); !errors.Is(err, ErrNotRedeemed) {
		t.Fatalf("release of nothing: %v", err)
	}
}
