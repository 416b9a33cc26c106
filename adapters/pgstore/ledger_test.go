package pgstore_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/azuvio/omnisales/adapters/pgstore"
	"github.com/azuvio/omnisales/adapters/pgstore/pgtest"
	"github.com/azuvio/omnisales/discount"
	"github.com/azuvio/omnisales/discount/discounttest"
)

func TestLedgerConformance(t *testing.T) {
	t.Parallel()
	discounttest.LedgerConformance(t, func(t *testing.T) discounttest.Ledger { return newStore(t).Ledger() })
}

// Two Stores (two pools, as two processes would have) race for the last
// uses of one voucher: the budget holds across them.
func TestLedgerTwoStores(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dsn := pgtest.DSN(t)
	ledgers := []*pgstore.Ledger{open(t, dsn, pgstore.Config{}).Ledger(), open(t, dsn, pgstore.Config{}).Ledger()}
	const limit, tries = 7, 40
	var granted atomic.Int64
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range tries {
		wg.Go(func() {
			<-start
			err := ledgers[i%2].Redeem(ctx, discount.Redemption{Rule: 1, Code: "LAST7", Client: discount.ClientID(fmt.Sprintf("c%d", i%5)),
				Order: fmt.Sprintf("SO-%d", i), TotalLimit: limit})
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
	if granted.Load() != limit {
		t.Fatalf("%d of %d redemptions granted across two stores, want %d", granted.Load(), tries, limit)
	}
	for i, l := range ledgers {
		if total, _, err := l.Usage(ctx, 1, "c0"); err != nil || total != limit {
			t.Fatalf("store %d: usage %d, %v; want %d", i, total, err, limit)
		}
	}
}

// On a canceled context every call fails with the context's error and
// records nothing (the shared suite allows a ledger to ignore it).
func TestLedgerCanceledContext(t *testing.T) {
	t.Parallel()
	l := newStore(t).Ledger()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := discount.Redemption{Rule: 1, Client: "a", Order: "SO-1"}
	if err := l.Redeem(ctx, r); !errors.Is(err, context.Canceled) {
		t.Fatalf("Redeem on a canceled context: %v", err)
	}
	if _, _, err := l.Usage(ctx, 1, "a"); !errors.Is(err, context.Canceled) {
		t.Fatalf("Usage on a canceled context: %v", err)
	}
	if err := l.Redeem(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	if err := l.Release(ctx, r); !errors.Is(err, context.Canceled) {
		t.Fatalf("Release on a canceled context: %v", err)
	}
	if total, mine, err := l.Usage(context.Background(), 1, "a"); err != nil || total != 1 || mine != 1 {
		t.Fatalf("usage %d, %d, %v after failed calls; want 1, 1", total, mine, err)
	}
}
