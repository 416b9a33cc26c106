package channels_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/azuvio/omnisales/channels"
	"github.com/azuvio/omnisales/channels/channelstest"
)

// busyError is a 429 with Retry-After, as a connector reports it.
type busyError struct{ after time.Duration }

func (e *busyError) Error() string                 { return "429 too many requests" }
func (e *busyError) Unwrap() error                 { return channels.KindUnreachable }
func (e *busyError) RetryAfterHint() time.Duration { return e.after }

// busySource fails its first listings with a Retry-After and records when
// each listing came.
type busySource struct {
	channels.OrderSource
	mu    sync.Mutex
	fails int
	after time.Duration
	at    []time.Time
}

func (s *busySource) ListOrders(ctx context.Context, cursor string, limit int) (channels.OrderPage, error) {
	s.mu.Lock()
	s.at = append(s.at, time.Now())
	fail := len(s.at) <= s.fails
	s.mu.Unlock()
	if fail {
		return channels.OrderPage{}, &busyError{s.after}
	}
	return s.OrderSource.ListOrders(ctx, cursor, limit)
}

func (s *busySource) calls() []time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Time(nil), s.at...)
}

// The engine never retries sooner than the shop's Retry-After, whatever its
// own backoff; it gives up at once when the wait is longer than it may wait
// (RetryAfterMax, or the context's deadline).
func TestRetryHonoursRetryAfter(t *testing.T) {
	if d, ok := channels.RetryAfter(&busyError{time.Second}); !ok || d != time.Second {
		t.Fatalf("RetryAfter = %v, %v", d, ok)
	}
	if _, ok := channels.RetryAfter(errors.New("plain")); ok {
		t.Fatal("a plain error has a hint")
	}
	setup := func(after time.Duration, fails int) (*env, *busySource) {
		src := &busySource{after: after, fails: fails}
		e := newEnv(t, func(c *channels.Config) {
			c.RetryWait, c.Attempts, c.RetryAfterMax = time.Microsecond, 3, time.Second
			c.Connect = func(ctx context.Context, s channels.Shop) (channels.Connector, error) {
				conn := channelstest.NewShop().Connector()
				conn.Orders = src
				return conn, nil
			}
		})
		src.OrderSource = e.shop
		e.shop.Add(channelstest.NewOrder("1", "processing", "x@example.com", "A"))
		return e, src
	}

	e, src := setup(150*time.Millisecond, 2)
	if r := e.importOK(); r.Imported != 1 {
		t.Fatalf("import: %+v", r)
	}
	at := src.calls()
	if len(at) != 3 {
		t.Fatalf("%d listings, want 3", len(at))
	}
	for i := 1; i < len(at); i++ {
		if gap := at[i].Sub(at[i-1]); gap < 150*time.Millisecond {
			t.Fatalf("attempt %d came %v after the one before, the shop asked for 150ms", i+1, gap)
		}
	}

	// Longer than RetryAfterMax: one attempt, the run ends unreachable.
	e, src = setup(2*time.Second, 5)
	start := time.Now()
	r, err := e.eng.ImportOrders(e.ctx, shopID)
	if !errors.Is(err, channels.KindUnreachable) || r.ErrKind != channels.KindUnreachable || len(src.calls()) != 1 || time.Since(start) > time.Second {
		t.Fatalf("a 2s Retry-After over a 1s maximum: %+v, %v after %d calls", r, err, len(src.calls()))
	}

	// Longer than the context has left: no wait that cannot end well.
	e, src = setup(500*time.Millisecond, 5)
	ctx, cancel := context.WithTimeout(e.ctx, 200*time.Millisecond)
	defer cancel()
	start = time.Now()
	if _, err := e.eng.ImportOrders(ctx, shopID); !errors.Is(err, channels.KindUnreachable) || len(src.calls()) != 1 || time.Since(start) > 150*time.Millisecond {
		t.Fatalf("a 500ms Retry-After with 200ms left: %v after %d calls in %v", err, len(src.calls()), time.Since(start))
	}
}
