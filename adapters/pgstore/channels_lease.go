package pgstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/azuvio/omnisales/channels"
)

// channels.Engine runs one job of a shop at a time with an in-process
// mutex; channels.Store has nothing that spans processes. These methods
// are the cross-process claim: a lease on (shop, job) with an expiry on
// the database clock, so a worker that dies loses its claim when the
// lease ends, whatever the workers' clocks say. The Store is a
// channels.Leaser: pass it as channels.Config.Leases and the engine runs
// every job under WithSyncLease.

var _ channels.Leaser = (*Store)(nil)

// leaseSentinel is a sentinel error that is also channels' own, so that
// errors.Is(err, channels.ErrLeaseHeld) holds for the engine.
type leaseSentinel struct {
	msg string
	is  error
}

func (e *leaseSentinel) Error() string { return e.msg }

// Is matches the channels sentinel.
func (e *leaseSentinel) Is(target error) bool { return target == e.is }

// ErrSyncLeaseHeld is returned (inside a *SyncLeaseError) when another
// holder has a live lease on the shop's job. errors.Is(err,
// channels.ErrLeaseHeld) holds too.
var ErrSyncLeaseHeld error = &leaseSentinel{"pgstore: sync job leased by another worker", channels.ErrLeaseHeld}

// ErrSyncLeaseLost ends WithSyncLease's job when the lease could not be
// renewed (taken over after it expired, or the database unreachable).
// errors.Is(err, channels.ErrLeaseLost) holds too.
var ErrSyncLeaseLost error = &leaseSentinel{"pgstore: sync job lease lost", channels.ErrLeaseLost}

// SyncLeaseError says who holds the lease a caller could not get.
// errors.As target: *SyncLeaseError; errors.Is ErrSyncLeaseHeld.
type SyncLeaseError struct {
	Shop   string
	Job    channels.Job
	Holder string
	Until  time.Time
}

func (e *SyncLeaseError) Error() string {
	return fmt.Sprintf("pgstore: sync job %s/%s leased by %q until %s", e.Shop, e.Job, e.Holder, e.Until.Format(time.RFC3339Nano))
}

// Unwrap returns ErrSyncLeaseHeld.
func (e *SyncLeaseError) Unwrap() error { return ErrSyncLeaseHeld }

// AcquireSyncLease claims shop's job for holder for ttl (on the database
// clock) and returns when the lease ends. It succeeds when no one holds
// the job, the lease expired, or holder already holds it: acquiring again
// renews. Otherwise it returns a *SyncLeaseError (errors.Is
// ErrSyncLeaseHeld). holder must be unique per worker (host, pid and a
// random part, say); two workers sharing a name share the lease. Claims
// serialise on the lease row (INSERT … ON CONFLICT DO UPDATE … WHERE the
// lease is free), so of two racing workers exactly one wins.
func (s *Store) AcquireSyncLease(ctx context.Context, shop string, job channels.Job, holder string, ttl time.Duration) (time.Time, error) {
	if holder == "" || ttl <= 0 {
		return time.Time{}, fmt.Errorf("pgstore: sync lease needs a holder and a positive ttl (got %q, %v): %w", holder, ttl, channels.ErrInvalid)
	}
	var until time.Time
	var held *SyncLeaseError
	err := s.withConn(ctx, func(c *pgx.Conn) error {
		// A lease released or expired between the claim and the read of
		// its holder: claim again (a few times at most).
		for range 3 {
			err := c.QueryRow(ctx, `INSERT INTO sync_leases AS l (shop, job, holder, lease_until, acquired_at)
				VALUES ($1, $2, $3, now() + $4 * interval '1 microsecond', now())
				ON CONFLICT (shop, job) DO UPDATE SET holder = EXCLUDED.holder, lease_until = EXCLUDED.lease_until,
					acquired_at = CASE WHEN l.holder = EXCLUDED.holder AND l.lease_until > now()
						THEN l.acquired_at ELSE EXCLUDED.acquired_at END
				WHERE l.holder = EXCLUDED.holder OR l.lease_until <= now()
				RETURNING lease_until`, shop, string(job), holder, ttl.Microseconds()).Scan(&until)
			if !errors.Is(err, pgx.ErrNoRows) {
				return err
			}
			held = &SyncLeaseError{Shop: shop, Job: job}
			err = c.QueryRow(ctx, "SELECT holder, lease_until FROM sync_leases WHERE shop = $1 AND job = $2 AND lease_until > now()",
				shop, string(job)).Scan(&held.Holder, &held.Until)
			if !errors.Is(err, pgx.ErrNoRows) {
				return err
			}
		}
		return nil
	})
	switch {
	case err != nil:
		return time.Time{}, fmt.Errorf("pgstore: acquire sync lease %s/%s: %w", shop, job, err)
	case until.IsZero():
		held.Until = held.Until.UTC()
		return time.Time{}, held
	}
	return until.UTC(), nil
}

// ReleaseSyncLease ends holder's lease on shop's job, so another worker
// may take it at once; releasing a lease not held is not an error.
func (s *Store) ReleaseSyncLease(ctx context.Context, shop string, job channels.Job, holder string) error {
	err := s.withConn(ctx, func(c *pgx.Conn) error {
		_, err := c.Exec(ctx, "DELETE FROM sync_leases WHERE shop = $1 AND job = $2 AND holder = $3", shop, string(job), holder)
		return err
	})
	if err != nil {
		return fmt.Errorf("pgstore: release sync lease %s/%s: %w", shop, job, err)
	}
	return nil
}

// WithSyncLease runs fn while holder holds the lease on shop's job: it
// acquires the lease (or returns the *SyncLeaseError of the holder),
// renews it every ttl/3 while fn runs, and releases it when fn returns.
// If a renewal fails, fn's context is canceled with cause
// ErrSyncLeaseLost and the error returned wraps it. A process that dies
// stops renewing, and its lease passes to another worker after ttl.
//
// It implements channels.Leaser: with the Store as channels.Config.Leases,
// the engine runs each job (scheduled, one-shot and RetryFailed) through
// it, so a job runs in one process at a time.
func (s *Store) WithSyncLease(ctx context.Context, shop string, job channels.Job, holder string, ttl time.Duration,
	fn func(ctx context.Context) error) error {
	if _, err := s.AcquireSyncLease(ctx, shop, job, holder, ttl); err != nil {
		return err
	}
	jctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	stop := make(chan struct{})
	renewed := make(chan struct{})
	go func() {
		defer close(renewed)
		t := time.NewTicker(max(ttl/3, time.Millisecond))
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-jctx.Done():
				return
			case <-t.C:
			}
			if _, err := s.AcquireSyncLease(jctx, shop, job, holder, ttl); err != nil && jctx.Err() == nil {
				cancel(fmt.Errorf("%w: %w", ErrSyncLeaseLost, err))
				return
			}
		}
	}()
	err := fn(jctx)
	close(stop)
	<-renewed
	lost := context.Cause(jctx)
	if !errors.Is(lost, ErrSyncLeaseLost) {
		lost = nil
	}
	// Release even when ctx ended, so the next worker need not wait for
	// the expiry; a lease taken over is not ours to release.
	rerr := s.ReleaseSyncLease(context.WithoutCancel(ctx), shop, job, holder)
	if lost != nil {
		rerr = nil
	}
	return errors.Join(lost, err, rerr)
}
