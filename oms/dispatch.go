package oms

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Handler receives a committed event. Delivery is at least once: a handler
// may see an event again after a crash or a failure, so it must be
// idempotent. Returning an error leaves the event for a later retry.
type Handler func(ctx context.Context, e Event) error

// DispatcherConfig configures a Dispatcher; zero values are usable.
type DispatcherConfig struct {
	// Worker names the claimant; "" means "dispatcher".
	Worker string
	// Lease is how long claimed events stay with this worker; 0 means 30s.
	Lease time.Duration
	// Batch is how many events one claim takes; 0 means 100.
	Batch int
	// Clock returns the current time; nil means time.Now.
	Clock func() time.Time
	// OnError, when set, hears of every failed pass of Run (a handler
	// failure is a *DispatchError; anything else is the store's). nil:
	// failures are only retried.
	OnError func(error)
}

// Dispatcher delivers outbox events to subscribers after commit. Several
// dispatchers (processes) may share a store: the store's claim gives each
// event to one of them at a time.
type Dispatcher struct {
	store Store
	cfg   DispatcherConfig

	mu   sync.RWMutex
	subs map[EventType][]Handler
	all  []Handler
}

// NewDispatcher returns a dispatcher on store.
func NewDispatcher(store Store, cfg DispatcherConfig) *Dispatcher {
	if cfg.Worker == "" {
		cfg.Worker = "dispatcher"
	}
	if cfg.Lease <= 0 {
		cfg.Lease = 30 * time.Second
	}
	if cfg.Batch <= 0 {
		cfg.Batch = 100
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	return &Dispatcher{store: store, cfg: cfg, subs: map[EventType][]Handler{}}
}

// Subscribe registers h for events of type t; t == "" subscribes to all.
func (d *Dispatcher) Subscribe(t EventType, h Handler) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if t == "" {
		d.all = append(d.all, h)
		return
	}
	d.subs[t] = append(d.subs[t], h)
}

// DispatchError reports the handlers that failed in one pass. errors.As
// target: *DispatchError.
type DispatchError struct {
	Failed map[int64]error // event id → the first handler error
}

func (e *DispatchError) Error() string {
	return fmt.Sprintf("oms: %d event(s) failed dispatch and will be retried", len(e.Failed))
}

// Unwrap returns the handler errors.
func (e *DispatchError) Unwrap() []error {
	out := make([]error, 0, len(e.Failed))
	for _, err := range e.Failed {
		out = append(out, err)
	}
	return out
}

// DispatchOnce claims one batch, runs the subscribers of each event in
// order, and acknowledges the events whose handlers all succeeded. It
// returns how many events it acknowledged.
func (d *Dispatcher) DispatchOnce(ctx context.Context) (int, error) {
	evs, err := d.store.ClaimEvents(ctx, d.cfg.Worker, d.cfg.Batch, d.cfg.Lease)
	if err != nil {
		return 0, fmt.Errorf("oms: claim events: %w", err)
	}
	d.mu.RLock()
	defer d.mu.RUnlock()
	var acked []int64
	var failed map[int64]error
	for _, e := range evs {
		var herr error
		for _, h := range append(d.subs[e.Type][:len(d.subs[e.Type]):len(d.subs[e.Type])], d.all...) {
			if herr = h(ctx, e); herr != nil {
				break
			}
		}
		if herr != nil {
			if failed == nil {
				failed = map[int64]error{}
			}
			failed[e.ID] = herr
			continue
		}
		acked = append(acked, e.ID)
	}
	if len(acked) > 0 {
		if err := d.store.AckEvents(ctx, acked...); err != nil {
			return 0, fmt.Errorf("oms: ack events: %w", err)
		}
	}
	if failed != nil {
		return len(acked), &DispatchError{Failed: failed}
	}
	return len(acked), nil
}

// Drain dispatches until no claimable event is left or a pass fails. It
// suits tests, examples and cron-style workers.
func (d *Dispatcher) Drain(ctx context.Context) (int, error) {
	total := 0
	for {
		n, err := d.DispatchOnce(ctx)
		total += n
		if err != nil || n == 0 {
			return total, err
		}
	}
}

// Run dispatches every interval until ctx ends. Handler failures are
// retried after the lease expires; Run returns ctx's error.
func (d *Dispatcher) Run(ctx context.Context, interval time.Duration) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		// A failed handler's event returns after its lease; a store
		// failure is retried on the next tick.
		if _, err := d.Drain(ctx); err != nil && ctx.Err() == nil && d.cfg.OnError != nil {
			d.cfg.OnError(err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}
