package channels

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// RunJob runs one job of a shop once, due or not: ImportOrders for
// JobOrders, PushCatalogue for the catalogue jobs.
func (e *Engine) RunJob(ctx context.Context, shopID string, j Job) (Run, error) {
	switch j {
	case JobOrders:
		return e.ImportOrders(ctx, shopID)
	case JobStock, JobPrices, JobDescriptions, JobImages:
		return e.PushCatalogue(ctx, shopID, j)
	}
	return Run{}, &ConfigError{Field: "job", Reason: fmt.Sprintf("%q is not a scheduled job", j)}
}

// Run is the one-shot scheduler pass, for cron users: it runs, once and
// in turn, every job of every enabled shop whose Schedule interval has
// elapsed since the start of its last scheduled run in the diary (a job
// never run is due), and returns their diary runs. Call it from cron as
// often as the shortest interval; Serve is the same as a loop. The error
// joins the errors of the runs that ended early; a failing job does not
// keep the others from running. A job that another worker runs now
// (Config.Leases) is skipped: no run, no error.
func (e *Engine) Run(ctx context.Context) ([]Run, error) {
	var out []Run
	var errs []error
	for _, sh := range e.reg.Shops(0) {
		if sh.Disabled {
			continue
		}
		for _, j := range ScheduledJobs() {
			iv := sh.Schedule.Interval(j)
			if iv <= 0 {
				continue
			}
			last, err := e.lastScheduledStart(ctx, sh.ID, j)
			if err != nil {
				return out, err
			}
			if !last.IsZero() && e.now().Before(last.Add(iv)) {
				continue
			}
			r, err := e.RunJob(ctx, sh.ID, j)
			if errors.Is(err, ErrLeaseHeld) && ctx.Err() == nil {
				continue // another worker runs it now
			}
			out = append(out, r)
			if err != nil {
				if ctx.Err() != nil {
					return out, ctx.Err()
				}
				errs = append(errs, err)
			}
		}
	}
	return out, errors.Join(errs...)
}

// lastScheduledStart is the start of the job's latest run that was not a
// RetryFailed run; zero when none.
func (e *Engine) lastScheduledStart(ctx context.Context, shop string, j Job) (time.Time, error) {
	runs, err := e.store.SyncRuns(ctx, RunFilter{Shop: shop, Job: j, Limit: 20})
	if err != nil {
		return time.Time{}, fmt.Errorf("channels: read diary: %w", err)
	}
	for _, r := range runs {
		if !r.Retry {
			return r.Started, nil
		}
	}
	return time.Time{}, nil
}

// Serve is the scheduler loop of a long-running worker (as
// http.Server.Serve is for requests): every Tick it runs, for each enabled
// shop of the registry, the jobs whose Schedule interval has elapsed since
// their last run (read from the diary at start, so a restart keeps the
// pace). Shops run in parallel, one job at a time per shop. A failing job
// is in the diary and the log, and never stops the loop; a job that
// another worker runs now (Config.Leases) is skipped until it is due
// again. Serve returns ctx's error when ctx ends, after the jobs in flight
// have stopped.
//
// Serve does not dispatch core events: run svc.Events() too for status
// pushes.
func (e *Engine) Serve(ctx context.Context) error {
	next := map[string]time.Time{}
	busy := map[string]bool{}
	done := make(chan string)
	var wg sync.WaitGroup
	defer wg.Wait()
	tick := time.NewTicker(e.cfg.Tick)
	defer tick.Stop()
	for {
		now := e.now()
		for _, sh := range e.reg.Shops(0) {
			if sh.Disabled || busy[sh.ID] {
				continue
			}
			var due []Job
			for _, j := range ScheduledJobs() {
				iv := sh.Schedule.Interval(j)
				if iv <= 0 {
					continue
				}
				k := sh.ID + "/" + string(j)
				t, ok := next[k]
				if !ok {
					t = now
					if last, err := e.lastScheduledStart(ctx, sh.ID, j); err == nil && !last.IsZero() {
						t = last.Add(iv)
					}
				}
				if now.Before(t) {
					next[k] = t
					continue
				}
				due = append(due, j)
				next[k] = now.Add(iv)
			}
			if len(due) == 0 {
				continue
			}
			busy[sh.ID] = true
			wg.Add(1)
			go func(shop string, due []Job) {
				defer wg.Done()
				for _, j := range due {
					if ctx.Err() != nil {
						break
					}
					if _, err := e.RunJob(ctx, shop, j); err != nil && ctx.Err() == nil && !errors.Is(err, ErrLeaseHeld) {
						e.log.LogAttrs(ctx, slog.LevelWarn, "scheduled job failed", slog.String("shop", shop),
							slog.String("job", string(j)), slog.String("error", err.Error()))
					}
				}
				select {
				case done <- shop:
				case <-ctx.Done():
				}
			}(sh.ID, due)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case id := <-done:
			busy[id] = false
		case <-tick.C:
		}
	}
}
