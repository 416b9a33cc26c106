package discount

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"

	"pgregory.net/rapid"
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

// TestLedgerModel runs random redeems and releases against a plain model of
// the counts; limits are never exceeded and the ledger agrees with the model.
func TestLedgerModel(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		ctx := context.Background()
		l := &Ledger{}
		const totalLimit, perClient = 5, 2
		type key struct {
			rule   RuleID
			client ClientID
		}
		total := map[RuleID]int64{}
		mine := map[key]int64{}
		orders := map[string]key{} // order → who redeemed it
		anon := map[key]int64{}    // uses without an order
		rules := rapid.SampledFrom([]RuleID{1, 2})
		clients := rapid.SampledFrom([]ClientID{"a", "b", "c"})
		orderIDs := rapid.SampledFrom([]string{"", "o1", "o2", "o3", "o4", "o5", "o6"})
		oid := func(r RuleID, o string) string { return string(rune('0'+r)) + o }
		t.Repeat(map[string]func(*rapid.T){
			"redeem": func(t *rapid.T) {
				r, c, o := rules.Draw(t, "rule"), clients.Draw(t, "client"), orderIDs.Draw(t, "order")
				err := l.Redeem(ctx, Redemption{Rule: r, Client: c, Order: o, TotalLimit: totalLimit, PerClientLimit: perClient})
				if _, done := orders[oid(r, o)]; o != "" && done {
					if err != nil {
						t.Fatalf("retry of order %s: %v", o, err)
					}
					return
				}
				full := total[r] >= totalLimit || mine[key{r, c}] >= perClient
				if full != (err != nil) {
					t.Fatalf("redeem rule %d client %s: err %v, model full %v", r, c, err, full)
				}
				if err == nil {
					total[r]++
					mine[key{r, c}]++
					if o != "" {
						orders[oid(r, o)] = key{r, c}
					} else {
						anon[key{r, c}]++
					}
				}
			},
			"release": func(t *rapid.T) {
				r, c, o := rules.Draw(t, "rule"), clients.Draw(t, "client"), orderIDs.Draw(t, "order")
				err := l.Release(ctx, Redemption{Rule: r, Client: c, Order: o})
				k := key{r, c}
				if o != "" {
					who, ok := orders[oid(r, o)]
					if ok != (err == nil) {
						t.Fatalf("release order %s: err %v, model has it %v", o, err, ok)
					}
					if ok {
						delete(orders, oid(r, o))
						k = who
					} else {
						return
					}
				} else if (anon[k] > 0) != (err == nil) {
					t.Fatalf("release rule %d client %s: err %v, model count %d", r, c, err, anon[k])
				} else if err != nil {
					return
				} else {
					anon[k]--
				}
				total[k.rule]--
				mine[k]--
			},
			"": func(t *rapid.T) {
				for _, r := range []RuleID{1, 2} {
					for _, c := range []ClientID{"a", "b", "c"} {
						gt, gm, _ := l.Usage(ctx, r, c)
						if gt != total[r] || gm != mine[key{r, c}] || gt > totalLimit || gm > perClient {
							t.Fatalf("usage rule %d client %s: ledger %d/%d, model %d/%d", r, c, gt, gm, total[r], mine[key{r, c}])
						}
					}
				}
			},
		})
	})
}
