package channels

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/azuvio/omnisales/oms"
)

// RetryFailed re-processes a shop's failed records, the guide's manual
// retry after the cause is fixed (a product created, a mapping added, the
// store back online): failed orders are imported again (re-read from the
// shop when its OrderSource is also an OrderGetter, else from the copy
// kept; an unreadable order needs an OrderGetter), failed status pushes push the order's current status, failed
// catalogue items are pushed again. It returns one diary run per job that
// had failures (marked Retry). Records that fail again stay failed. With
// Config.Leases, a job another worker runs now is left out and the error
// wraps ErrLeaseHeld; the other jobs are retried.
func (e *Engine) RetryFailed(ctx context.Context, shopID string) ([]Run, error) {
	shop, ch, err := e.reg.Shop(shopID)
	if err != nil {
		return nil, err
	}
	all, err := e.store.SyncFailures(ctx, shopID)
	if err != nil {
		return nil, fmt.Errorf("channels: read failed records: %w", err)
	}
	var jobs []Job
	for _, f := range all {
		if !slices.Contains(jobs, f.Job) {
			jobs = append(jobs, f.Job)
		}
	}
	var runs []Run
	var held []error
	for _, j := range jobs {
		skip := false
		run, err := e.exclusive(ctx, shopID, j, func(ctx context.Context) (Run, error) {
			// Read the job's failures again under the lease: another worker
			// may have retried them meanwhile, and an item retried from a
			// stale copy would undo a newer push.
			all, err := e.store.SyncFailures(ctx, shopID)
			if err != nil {
				return Run{}, fmt.Errorf("channels: read failed records: %w", err)
			}
			recs := slices.DeleteFunc(all, func(f FailedRecord) bool { return f.Job != j })
			if skip = len(recs) == 0; skip {
				return Run{}, nil
			}
			return e.retryJob(ctx, shop, ch, j, recs)
		})
		if errors.Is(err, ErrLeaseHeld) {
			held = append(held, err) // the job runs elsewhere now: retry the others
			continue
		}
		if skip && err == nil {
			continue
		}
		runs = append(runs, run)
		if err != nil {
			return runs, err
		}
	}
	return runs, errors.Join(held...)
}

func (e *Engine) retryJob(ctx context.Context, shop Shop, ch Channel, j Job, recs []FailedRecord) (Run, error) {
	r, err := e.startRun(ctx, shop.ID, j, true)
	if err != nil {
		return Run{}, err
	}
	r.run.Total = len(recs)
	conn, err := e.connector(ctx, shop)
	if err != nil {
		return r.finish(ctx, err)
	}
	switch j {
	case JobOrders:
		getter, _ := conn.Orders.(OrderGetter)
		for _, f := range recs {
			if err := ctx.Err(); err != nil {
				return r.finish(ctx, err)
			}
			var x ExternalOrder
			switch {
			case getter == nil && f.Order == nil:
				r.note(Record{Key: f.Key, Outcome: OutcomeFailed, Kind: f.Kind,
					Message: "cannot retry: the order was unreadable and the source cannot re-read one order (OrderGetter)"})
				continue
			case f.Order != nil:
				x = *f.Order
			}
			if getter != nil {
				var fresh ExternalOrder
				gerr := e.retry(ctx, func() error {
					var err error
					fresh, err = getter.GetOrder(ctx, f.Key)
					return err
				})
				switch {
				case errors.Is(gerr, ErrNotFound):
					if err := e.store.DeleteSyncFailure(ctx, shop.ID, j, f.Key); err != nil {
						return r.finish(ctx, err)
					}
					r.note(Record{Key: f.Key, Outcome: OutcomeSkipped, Message: "the shop no longer has this order"})
					continue
				case gerr != nil && ctx.Err() != nil:
					return r.finish(ctx, ctx.Err())
				case Transient(gerr):
					// The shop is away: the other records would fail the same way.
					return r.finish(ctx, &SyncError{Kind: KindUnreachable, Shop: shop.ID, Job: j, Key: f.Key, Detail: "re-read order", Err: gerr})
				case gerr != nil:
					f.Attempts++
					f.LastAt, f.Message = e.now(), fmt.Sprintf("re-read: %v", gerr)
					if err := e.store.PutSyncFailure(ctx, f); err != nil {
						return r.finish(ctx, err)
					}
					r.note(Record{Key: f.Key, Outcome: OutcomeFailed, Kind: f.Kind, Message: f.Message})
					continue
				}
				x = fresh
			}
			if err := e.importOne(ctx, r, shop, ch, x, f.Attempts+1, true); err != nil {
				return r.finish(ctx, err)
			}
		}
	case JobStatus:
		for _, f := range recs {
			if err := ctx.Err(); err != nil {
				return r.finish(ctx, err)
			}
			o, err := e.svc.Store().Get(ctx, f.Key)
			if errors.Is(err, oms.ErrNotFound) {
				if err := e.store.DeleteSyncFailure(ctx, shop.ID, j, f.Key); err != nil {
					return r.finish(ctx, err)
				}
				continue
			}
			if err != nil {
				return r.finish(ctx, err)
			}
			rec, err := e.pushStatus(ctx, shop, o, 0, o.Status)
			if err != nil && !Transient(err) {
				return r.finish(ctx, err)
			}
			// pushStatus wrote its own diary record (RunID 0) and
			// notified its failure; the run only counts it.
			rec.Shop, rec.Job = shop.ID, j
			r.tally(rec)
		}
	default: // catalogue jobs
		if conn.Catalogue == nil {
			return r.finish(ctx, &SyncError{Kind: KindInternal, Shop: shop.ID, Job: j, Err: ErrNoConnector})
		}
		items := make([]CatalogueItem, 0, len(recs))
		attempts := 1
		for _, f := range recs {
			if f.Item != nil {
				items = append(items, *f.Item)
				attempts = max(attempts, f.Attempts+1)
			}
		}
		return r.finish(ctx, e.pushItems(ctx, r, shop, conn.Catalogue, j, items, attempts))
	}
	return r.finish(ctx, r.flush(ctx))
}
