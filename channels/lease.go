package channels

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"time"
)

// Leaser grants a worker the exclusive run of one job of one shop across
// processes (engines sharing one database). adapters/pgstore's Store
// implements it; pass it as Config.Leases.
//
// WithSyncLease runs fn while holder holds the lease on (shop, job),
// renewing it as fn runs, and releases it when fn returns. Outcomes:
//
//   - the lease was free, expired or already holder's: fn runs, and its
//     error is returned;
//   - another holder has a live lease: fn does not run, and the error
//     wraps ErrLeaseHeld;
//   - the lease is lost while fn runs (not renewed in time, taken over):
//     fn's context ends, with a cause wrapping ErrLeaseLost, and the
//     returned error wraps ErrLeaseLost too;
//   - the lease cannot be read or written: fn does not run, and the error
//     says why.
//
// holder names the worker: two workers with one name share the lease. ttl
// bounds how long a worker that dies keeps the job.
type Leaser interface {
	WithSyncLease(ctx context.Context, shop string, job Job, holder string, ttl time.Duration, fn func(ctx context.Context) error) error
}

// Lease errors; a Leaser's errors wrap them (errors.Is), with the detail
// (who holds the lease, until when) in the Leaser's own error type.
var (
	// ErrLeaseHeld: another worker runs the shop's job now; this run did
	// not start and left nothing in the diary. The engine's scheduler
	// (Run, Serve) skips such a job; RunJob, ImportOrders, PushCatalogue
	// and RetryFailed return the error.
	ErrLeaseHeld = errors.New("channels: sync job leased by another worker")
	// ErrLeaseLost: the lease ended while the job ran; the run was stopped
	// and its diary entry says so.
	ErrLeaseLost = errors.New("channels: sync job lease lost")
)

// defaultHolder names this process for leases: host, pid and a random
// part, so that two engines never share a name by accident.
func defaultHolder() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "host"
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	return host + "/" + strconv.Itoa(os.Getpid()) + "/" + hex.EncodeToString(b[:])
}

// exclusive runs f as the only run of the shop's job: under the engine's
// own lock and, with Config.Leases, under the cross-process lease. When
// another worker holds the lease, f does not run and the error wraps
// ErrLeaseHeld.
func (e *Engine) exclusive(ctx context.Context, shop string, j Job, f func(ctx context.Context) (Run, error)) (Run, error) {
	lk := e.jobLock(shop, j)
	lk.Lock()
	defer lk.Unlock()
	if e.cfg.Leases == nil {
		return f(ctx)
	}
	var (
		run  Run
		ferr error
		ran  bool
	)
	err := e.cfg.Leases.WithSyncLease(ctx, shop, j, e.cfg.LeaseHolder, e.cfg.LeaseTTL, func(ctx context.Context) error {
		ran = true
		run, ferr = f(ctx)
		return ferr
	})
	switch {
	case !ran && errors.Is(err, ErrLeaseHeld):
		e.log.LogAttrs(ctx, slog.LevelInfo, "sync job skipped: leased by another worker", slog.String("shop", shop),
			slog.String("job", string(j)), slog.String("detail", err.Error()))
		return Run{}, fmt.Errorf("channels: %s job of %s not run: %w", j, shop, err)
	case !ran && err != nil:
		return Run{}, fmt.Errorf("channels: lease for the %s job of %s: %w", j, shop, err)
	case ferr != nil:
		if err == nil {
			err = ferr
		}
		return run, err // ferr, joined with the loss of the lease if any
	case errors.Is(err, ErrLeaseLost):
		return run, err
	case err != nil:
		// The run completed; only the release failed, and the lease
		// expires on its own.
		e.log.LogAttrs(ctx, slog.LevelWarn, "sync lease not released", slog.String("shop", shop),
			slog.String("job", string(j)), slog.String("error", err.Error()))
	}
	return run, nil
}
