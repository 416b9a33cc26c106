package channels

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/azuvio/omnisales/oms"
)

// Config configures an Engine. Every field but Connect has a usable zero
// value.
type Config struct {
	// Connect returns a shop's connector. Required.
	Connect ConnectFunc
	// Catalogue finds products by SKU; nil fails every imported line with
	// KindSKUNotFound.
	Catalogue Catalogue
	// Clients finds or creates the buyers of imported orders; nil fails
	// every new order with KindClientNotCreated.
	Clients ClientDirectory
	// Feed gives the items of the catalogue jobs; nil: those jobs push
	// nothing.
	Feed CatalogueFeed
	// Actor names the engine in order history; "": "channels-sync". The
	// engine acts as oms.System(Actor): automated, so it never moves an
	// order out of Stock Unavailable. Status changes made by this actor
	// are not pushed back to the shop, so every engine sharing a store
	// must use the same Actor.
	Actor string
	// OrderType is the oms.Order.Type of imported orders ("": none), for
	// approval rules.
	OrderType string
	// PageSize is the number of orders asked per page; 0: 100.
	PageSize int
	// BatchSize is the number of catalogue items per push; 0: 100 (the
	// WooCommerce batch limit).
	BatchSize int
	// Attempts is how many times a transient failure (page fetch, push) is
	// tried; 0: 3.
	Attempts int
	// RetryWait is the first wait between attempts, doubled each time;
	// 0: 500ms. A failure that carries the shop's Retry-After (a
	// RetryHinter) waits at least that long; waits end early when the
	// context ends, and a wait that would outlast the context's deadline
	// is not started.
	RetryWait time.Duration
	// RetryAfterMax is the longest Retry-After the engine waits for within
	// a run: a shop asking for a longer pause ends the run (or the push)
	// as unreachable at once, and the next run tries again. 0: 5 minutes.
	RetryAfterMax time.Duration
	// Tick is how often Serve looks for due jobs; 0: 1s.
	Tick time.Duration
	// Leases, when set, makes every run of a job (scheduled, one-shot or
	// RetryFailed) hold the lease on its (shop, job) while it runs, so
	// that engines in several processes sharing one database never run
	// the same job of a shop at once; a job leased by another worker is
	// skipped (ErrLeaseHeld). adapters/pgstore's Store is one. Nil: a job
	// is exclusive within this engine only, enough for a single process
	// (and for memstore). Single-order paths (ImportOrder, the status
	// push) take no lease: they lock the order, and the core's external
	// id keeps an order unique.
	Leases Leaser
	// LeaseHolder names this engine to Leases and must differ between
	// processes; "": host name, process id and a random part.
	LeaseHolder string
	// LeaseTTL is how long a lease lasts unless renewed (Leases renews it
	// while the job runs): a process that dies keeps its jobs that long
	// at most. 0: one minute.
	LeaseTTL time.Duration
	// Progress, when set, is called after every record of a run (from the
	// goroutine running it).
	Progress func(Progress)
	// OnFailure, when set, is called once for every failed record the
	// diary gets (in runs, webhook imports through ImportOrder, status
	// pushes) and for every run that a failure ended early (the guide's
	// "WooCommerce sync error → notify the Channel Administrator"), from
	// the goroutine that recorded it. The error is a *SyncError.
	OnFailure func(ctx context.Context, err error)
	// Logger receives structured records of runs and failures; nil
	// discards them.
	Logger *slog.Logger
	// Clock returns the current time; nil: time.Now.
	Clock func() time.Time
	// NoSubscribe leaves the status push off the service's dispatcher;
	// call HandleEvent from your own dispatcher instead.
	NoSubscribe bool
}

// Progress reports a run in flight.
type Progress struct {
	Shop string
	Job  Job
	// Done of Total records (Total 0 when the source does not say).
	Done, Total int
	// Errors so far.
	Errors  int
	Elapsed time.Duration
}

// Engine synchronises shops with the order core: it imports orders,
// pushes statuses and catalogue data, and keeps the sync diary. It is safe
// for concurrent use. Create it with New.
type Engine struct {
	svc   *oms.Service
	reg   *Registry
	store Store
	cfg   Config
	actor oms.Actor
	log   *slog.Logger

	mu    sync.Mutex
	conns map[string]Connector
	jobs  map[string]*sync.Mutex // shop + "/" + job: one run at a time

	seed  maphash.Seed
	locks [64]sync.Mutex // per order (shop, external id), striped
}

// New returns an engine on the order service svc, the registry of
// channels and shops, and the engine's store. Unless cfg.NoSubscribe, it
// subscribes the status push (HandleEvent) to svc.Events() for
// oms.EventStatusChanged: run that dispatcher for pushes to happen.
func New(svc *oms.Service, reg *Registry, store Store, cfg Config) (*Engine, error) {
	switch {
	case svc == nil:
		return nil, &ConfigError{Field: "service", Reason: "nil"}
	case reg == nil:
		return nil, &ConfigError{Field: "registry", Reason: "nil"}
	case store == nil:
		return nil, &ConfigError{Field: "store", Reason: "nil"}
	case cfg.Connect == nil:
		return nil, &ConfigError{Field: "config.connect", Reason: "nil"}
	case cfg.PageSize < 0 || cfg.BatchSize < 0 || cfg.Attempts < 0 || cfg.RetryWait < 0 || cfg.Tick < 0 || cfg.LeaseTTL < 0 || cfg.RetryAfterMax < 0:
		return nil, &ConfigError{Field: "config", Reason: "negative size, attempts or duration"}
	}
	if cfg.Actor == "" {
		cfg.Actor = "channels-sync"
	}
	if cfg.PageSize == 0 {
		cfg.PageSize = 100
	}
	if cfg.BatchSize == 0 {
		cfg.BatchSize = 100
	}
	if cfg.Attempts == 0 {
		cfg.Attempts = 3
	}
	if cfg.RetryWait == 0 {
		cfg.RetryWait = 500 * time.Millisecond
	}
	if cfg.Tick == 0 {
		cfg.Tick = time.Second
	}
	if cfg.RetryAfterMax == 0 {
		cfg.RetryAfterMax = 5 * time.Minute
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.LeaseHolder == "" {
		cfg.LeaseHolder = defaultHolder()
	}
	if cfg.LeaseTTL == 0 {
		cfg.LeaseTTL = time.Minute
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	e := &Engine{svc: svc, reg: reg, store: store, cfg: cfg, actor: oms.System(cfg.Actor), log: log,
		conns: map[string]Connector{}, jobs: map[string]*sync.Mutex{}, seed: maphash.MakeSeed()}
	if !cfg.NoSubscribe {
		svc.Events().Subscribe(oms.EventStatusChanged, e.HandleEvent)
	}
	return e, nil
}

// Registry returns the engine's registry.
func (e *Engine) Registry() *Registry { return e.reg }

func (e *Engine) now() time.Time { return e.cfg.Clock().UTC() }

// connector returns the shop's connector, connecting on first use.
func (e *Engine) connector(ctx context.Context, shop Shop) (Connector, error) {
	e.mu.Lock()
	c, ok := e.conns[shop.ID]
	e.mu.Unlock()
	if ok {
		return c, nil
	}
	c, err := e.cfg.Connect(ctx, shop)
	if err != nil {
		return Connector{}, &SyncError{Kind: kindOf(err), Shop: shop.ID, Detail: "connect", Err: err}
	}
	e.mu.Lock()
	e.conns[shop.ID] = c
	e.mu.Unlock()
	return c, nil
}

// ForgetConnector drops the cached connector of a shop (after its
// credentials or URL changed); the next job connects again.
func (e *Engine) ForgetConnector(shop string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.conns, shop)
}

func (e *Engine) jobLock(shop string, j Job) *sync.Mutex {
	e.mu.Lock()
	defer e.mu.Unlock()
	k := shop + "/" + string(j)
	m, ok := e.jobs[k]
	if !ok {
		m = new(sync.Mutex)
		e.jobs[k] = m
	}
	return m
}

// orderLock serialises the import and the push of one order.
func (e *Engine) orderLock(shop, ext string) *sync.Mutex {
	return &e.locks[maphash.String(e.seed, shop+"\x00"+ext)%uint64(len(e.locks))]
}

// retry calls f up to Attempts times while it fails transiently, waiting
// RetryWait, doubled, between attempts, or longer when the failure carries
// the shop's Retry-After. It gives up at once when the shop asks for more
// than RetryAfterMax or the wait would outlast ctx's deadline; a wait ends
// with ctx.
func (e *Engine) retry(ctx context.Context, f func() error) error {
	wait := e.cfg.RetryWait
	var err error
	for i := 0; i < e.cfg.Attempts; i++ {
		if err = f(); err == nil || !Transient(err) || ctx.Err() != nil {
			return err
		}
		if i == e.cfg.Attempts-1 {
			break
		}
		d := wait
		if hint, ok := RetryAfter(err); ok {
			if hint > e.cfg.RetryAfterMax {
				return err
			}
			d = max(d, hint)
		}
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < d {
			return err
		}
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
		wait *= 2
	}
	return err
}

// runner accumulates one run: counts, records, progress.
type runner struct {
	e     *Engine
	run   Run
	start time.Time
	recs  []Record
}

func (e *Engine) startRun(ctx context.Context, shop string, j Job, retry bool) (*runner, error) {
	r := &runner{e: e, start: time.Now(), run: Run{Shop: shop, Job: j, Started: e.now(), Retry: retry}}
	if err := e.store.PutSyncRun(ctx, &r.run); err != nil {
		return nil, fmt.Errorf("channels: start %s run on %s: %w", j, shop, err)
	}
	e.log.LogAttrs(ctx, slog.LevelInfo, "sync run started", slog.String("shop", shop), slog.String("job", string(j)),
		slog.Int64("run", r.run.ID), slog.Bool("retry", retry))
	return r, nil
}

// note counts one record's outcome and queues its diary record.
func (r *runner) note(rec Record) {
	rec.RunID, rec.Shop, rec.Job = r.run.ID, r.run.Shop, r.run.Job
	if rec.At.IsZero() {
		rec.At = r.e.now()
	}
	r.count(rec)
	if rec.Outcome != OutcomeUnchanged || rec.Message != "" {
		r.recs = append(r.recs, rec)
	}
}

// count counts one record's outcome, reports progress, and logs and
// notifies a failure.
func (r *runner) count(rec Record) {
	r.tally(rec)
	if rec.Outcome == OutcomeFailed {
		r.e.recordFailed(context.Background(), rec)
	}
}

// tally counts one record's outcome and reports progress.
func (r *runner) tally(rec Record) {
	switch rec.Outcome {
	case OutcomeImported:
		r.run.Imported++
	case OutcomeUpdated:
		r.run.Updated++
	case OutcomeUnchanged:
		r.run.Unchanged++
	case OutcomePushed:
		r.run.Pushed++
	case OutcomeSkipped:
		r.run.Skipped++
	case OutcomeFailed:
		r.run.Failed++
	}
	if rec.Key != "" {
		r.run.Done++
	}
	if p := r.e.cfg.Progress; p != nil && rec.Key != "" {
		p(Progress{Shop: r.run.Shop, Job: r.run.Job, Done: r.run.Done, Total: r.run.Total, Errors: r.run.Failed, Elapsed: time.Since(r.start)})
	}
}

// recordFailed logs a failed record and notifies Config.OnFailure; every
// path that writes a failed record to the diary calls it once.
func (e *Engine) recordFailed(ctx context.Context, rec Record) {
	e.log.LogAttrs(ctx, slog.LevelWarn, "sync record failed", slog.String("shop", rec.Shop),
		slog.String("job", string(rec.Job)), slog.String("key", rec.Key), slog.String("kind", string(rec.Kind)),
		slog.String("error", rec.Message))
	if f := e.cfg.OnFailure; f != nil {
		f(ctx, rec.Err())
	}
}

// progress logs where the run is, once per page or batch.
func (r *runner) progress(ctx context.Context) {
	r.e.log.LogAttrs(ctx, slog.LevelDebug, "sync progress", slog.String("shop", r.run.Shop), slog.String("job", string(r.run.Job)),
		slog.Int64("run", r.run.ID), slog.Int("done", r.run.Done), slog.Int("total", r.run.Total), slog.Int("failed", r.run.Failed))
}

// flush writes the queued records.
func (r *runner) flush(ctx context.Context) error {
	if len(r.recs) == 0 {
		return nil
	}
	if err := r.e.store.AddSyncRecords(ctx, r.recs); err != nil {
		return fmt.Errorf("channels: write diary: %w", err)
	}
	r.recs = r.recs[:0]
	return nil
}

// finish records the run's end; runErr, when set, ended it early.
func (r *runner) finish(ctx context.Context, runErr error) (Run, error) {
	// The diary must be written even when ctx ended the run.
	wctx := context.WithoutCancel(ctx)
	if runErr != nil {
		var se *SyncError
		kind := KindInternal
		if errors.As(runErr, &se) {
			kind = se.Kind
		} else if errors.Is(runErr, context.Canceled) || errors.Is(runErr, context.DeadlineExceeded) {
			kind = ""
		}
		r.run.Err, r.run.ErrKind = runErr.Error(), kind
		if kind == "" && context.Cause(ctx) != nil {
			// Say why the context ended (a lease lost, a shutdown cause).
			r.run.Err = context.Cause(ctx).Error()
		}
		if kind != "" {
			rec := Record{RunID: r.run.ID, Shop: r.run.Shop, Job: r.run.Job, Outcome: OutcomeFailed,
				Kind: kind, Message: runErr.Error(), At: r.e.now(), Duration: time.Since(r.start)}
			r.recs = append(r.recs, rec)
			if f := r.e.cfg.OnFailure; f != nil {
				f(wctx, rec.Err())
			}
		}
	}
	ferr := r.flush(wctx)
	r.run.Finished = r.e.now()
	if err := r.e.store.PutSyncRun(wctx, &r.run); err != nil && ferr == nil {
		ferr = fmt.Errorf("channels: finish run: %w", err)
	}
	lvl := slog.LevelInfo
	if runErr != nil {
		lvl = slog.LevelError
	}
	r.e.log.LogAttrs(ctx, lvl, "sync run finished", slog.String("shop", r.run.Shop), slog.String("job", string(r.run.Job)),
		slog.Int64("run", r.run.ID), slog.Int("done", r.run.Done), slog.Int("total", r.run.Total),
		slog.Int("imported", r.run.Imported), slog.Int("updated", r.run.Updated), slog.Int("pushed", r.run.Pushed),
		slog.Int("failed", r.run.Failed), slog.Duration("took", time.Since(r.start)), slog.String("error", r.run.Err))
	if runErr != nil {
		return r.run, runErr
	}
	return r.run, ferr
}
