package channels_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/azuvio/omnisales/channels"
	"github.com/azuvio/omnisales/channels/channelstest"
)

// memLeases is an in-memory channels.Leaser shared by the engines of one
// test, standing for a database both processes use.
type memLeases struct {
	mu     sync.Mutex
	holder map[string]string
}

type heldError struct{ holder string }

func (e *heldError) Error() string { return "leased by " + e.holder }
func (e *heldError) Unwrap() error { return channels.ErrLeaseHeld }

func (l *memLeases) WithSyncLease(ctx context.Context, shop string, job channels.Job, holder string, ttl time.Duration,
	fn func(ctx context.Context) error) error {
	k := shop + "/" + string(job)
	l.mu.Lock()
	if l.holder == nil {
		l.holder = map[string]string{}
	}
	if h, ok := l.holder[k]; ok && h != holder {
		l.mu.Unlock()
		return &heldError{h}
	}
	l.holder[k] = holder
	l.mu.Unlock()
	defer func() {
		l.mu.Lock()
		delete(l.holder, k)
		l.mu.Unlock()
	}()
	return fn(ctx)
}

// hold takes a lease as another worker would, until the returned func.
func (l *memLeases) hold(shop string, job channels.Job, holder string) func() {
	started, release, done := make(chan struct{}), make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		_ = l.WithSyncLease(context.Background(), shop, job, holder, time.Minute, func(context.Context) error {
			close(started)
			<-release
			return nil
		})
	}()
	<-started
	return func() { close(release); <-done }
}

// slowSource counts the listings in flight, to catch two runs at once.
type slowSource struct {
	channels.OrderSource
	inFlight, most atomic.Int32
	delay          time.Duration
}

func (s *slowSource) ListOrders(ctx context.Context, cursor string, limit int) (channels.OrderPage, error) {
	n := s.inFlight.Add(1)
	defer s.inFlight.Add(-1)
	for {
		m := s.most.Load()
		if n <= m || s.most.CompareAndSwap(m, n) {
			break
		}
	}
	time.Sleep(s.delay)
	return s.OrderSource.ListOrders(ctx, cursor, limit)
}

// With Config.Leases, a job another worker runs is not started: the error
// wraps ErrLeaseHeld, the diary has no run, and the scheduler skips it.
func TestLeaseHeldSkipsJob(t *testing.T) {
	leases := &memLeases{}
	e := newEnv(t, func(c *channels.Config) { c.Leases, c.LeaseHolder = leases, "me" })
	sh := testShop()
	sh.Schedule = channels.Schedule{Orders: time.Minute, Stock: time.Minute}
	if err := e.reg.SetShop(sh); err != nil {
		t.Fatal(err)
	}
	e.shop.Add(channelstest.NewOrder("1", "processing", "x@example.com", "A"),
		channelstest.NewOrder("2", "processing", "x@example.com", "NOPE"))

	release := leases.hold(shopID, channels.JobOrders, "other")
	var failures int
	e.restart(func(c *channels.Config) {
		c.OnFailure = func(context.Context, error) { failures++ }
	})
	run, err := e.eng.ImportOrders(e.ctx, shopID)
	var he *heldError
	if !errors.Is(err, channels.ErrLeaseHeld) || !errors.As(err, &he) || he.holder != "other" || run.ID != 0 {
		t.Fatalf("import under another's lease: %+v, %v", run, err)
	}
	if _, err := e.eng.RunJob(e.ctx, shopID, channels.JobOrders); !errors.Is(err, channels.ErrLeaseHeld) {
		t.Fatalf("RunJob: %v", err)
	}
	// The one-shot pass runs the free job and skips the leased one.
	runs, err := e.eng.Run(e.ctx)
	if err != nil || len(runs) != 1 || runs[0].Job != channels.JobStock {
		t.Fatalf("pass with orders leased elsewhere: %+v, %v", runs, err)
	}
	if diary, _ := e.eng.Runs(e.ctx, channels.RunFilter{Job: channels.JobOrders}); len(diary) != 0 {
		t.Fatalf("a skipped job is in the diary: %+v", diary)
	}
	if recs := e.records(channels.RecordFilter{}); len(recs) != 0 || failures != 0 {
		t.Fatalf("a skipped job left records %+v and %d failure notices", recs, failures)
	}
	release()

	// Free again: the job runs, and its failure waits for RetryFailed.
	if r := e.importOK(); r.Imported != 1 || r.Failed != 1 {
		t.Fatalf("import: %+v", r)
	}
	release = leases.hold(shopID, channels.JobOrders, "other")
	if runs, err := e.eng.RetryFailed(e.ctx, shopID); !errors.Is(err, channels.ErrLeaseHeld) || len(runs) != 0 {
		t.Fatalf("retry under another's lease: %+v, %v", runs, err)
	}
	release()
	if runs, err := e.eng.RetryFailed(e.ctx, shopID); err != nil || len(runs) != 1 || runs[0].Failed != 1 {
		t.Fatalf("retry: %+v, %v", runs, err)
	}
}

// Two engines (two processes) sharing leases never run one shop's job at
// once, whichever entry point starts it; without leases they would.
func TestLeaseTwoEnginesNeverOverlap(t *testing.T) {
	for _, withLeases := range []bool{false, true} {
		t.Run(fmt.Sprintf("leases=%v", withLeases), func(t *testing.T) {
			leases := &memLeases{}
			e := newEnv(t)
			for i := range 20 {
				e.shop.Add(channelstest.NewOrder(fmt.Sprint(i), "processing", "x@example.com", "A"))
			}
			src := &slowSource{OrderSource: e.shop, delay: 2 * time.Millisecond}
			conn := func(ctx context.Context, s channels.Shop) (channels.Connector, error) {
				c := e.shop.Connector()
				c.Orders = src
				return c, nil
			}
			engines := make([]*channels.Engine, 2)
			for i := range engines {
				cfg := channels.Config{Connect: conn, Catalogue: e.cat, Clients: e.clients, PageSize: 3, NoSubscribe: true}
				if withLeases {
					cfg.Leases, cfg.LeaseHolder = leases, fmt.Sprint("worker-", i)
				}
				var err error
				if engines[i], err = channels.New(e.svc, e.reg, e.ms, cfg); err != nil {
					t.Fatal(err)
				}
			}
			var ok, held atomic.Int32
			var wg sync.WaitGroup
			for i := range 8 {
				eng := engines[i%2]
				wg.Go(func() {
					var err error
					if i%4 < 2 {
						_, err = eng.ImportOrders(e.ctx, shopID)
					} else {
						_, err = eng.RunJob(e.ctx, shopID, channels.JobOrders)
					}
					switch {
					case err == nil:
						ok.Add(1)
					case errors.Is(err, channels.ErrLeaseHeld):
						held.Add(1)
					default:
						t.Error(err)
					}
				})
			}
			wg.Wait()
			most := src.most.Load()
			if !withLeases {
				if most < 2 {
					t.Skip("the runs did not overlap without leases on this machine")
				}
				return
			}
			if most != 1 {
				t.Fatalf("%d listings of one shop in flight at once", most)
			}
			runs, _ := e.eng.Runs(e.ctx, channels.RunFilter{Shop: shopID})
			if int(ok.Load()) != len(runs) || ok.Load()+held.Load() != 8 || ok.Load() == 0 {
				t.Fatalf("%d runs completed, %d skipped, diary has %d runs", ok.Load(), held.Load(), len(runs))
			}
			for _, r := range runs {
				if r.Err != "" {
					t.Fatalf("run ended early: %+v", r)
				}
			}
			if len(e.orders()) != 20 {
				t.Fatal("orders")
			}
		})
	}
}
