package channels

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// PushCatalogue runs one catalogue job (JobStock, JobPrices,
// JobDescriptions or JobImages) on a shop once: it takes the items from
// Config.Feed and pushes them in batches of BatchSize. An item the shop
// refuses is a failed record (KindRejected) for RetryFailed; a batch that
// cannot reach the shop after the retries ends the run (KindUnreachable),
// and the next run pushes the same items again because its feed's since
// stays at the last run that reached the shop. With Config.Leases, a job
// another worker runs now is not started (ErrLeaseHeld).
func (e *Engine) PushCatalogue(ctx context.Context, shopID string, job Job) (Run, error) {
	if !slices.Contains([]Job{JobStock, JobPrices, JobDescriptions, JobImages}, job) {
		return Run{}, &ConfigError{Field: "job", Reason: fmt.Sprintf("%q is not a catalogue job", job)}
	}
	shop, _, err := e.reg.Shop(shopID)
	if err != nil {
		return Run{}, err
	}
	return e.exclusive(ctx, shopID, job, func(ctx context.Context) (Run, error) {
		return e.pushCatalogue(ctx, shop, job)
	})
}

func (e *Engine) pushCatalogue(ctx context.Context, shop Shop, job Job) (Run, error) {
	shopID := shop.ID
	since, err := e.lastGoodStart(ctx, shopID, job)
	if err != nil {
		return Run{}, err
	}
	r, err := e.startRun(ctx, shopID, job, false)
	if err != nil {
		return Run{}, err
	}
	conn, err := e.connector(ctx, shop)
	if err != nil {
		return r.finish(ctx, err)
	}
	if conn.Catalogue == nil {
		return r.finish(ctx, &SyncError{Kind: KindInternal, Shop: shopID, Job: job, Err: ErrNoConnector})
	}
	if e.cfg.Feed == nil {
		return r.finish(ctx, nil)
	}
	items, err := e.cfg.Feed.CatalogueItems(ctx, shop, job, since)
	if err != nil {
		return r.finish(ctx, &SyncError{Kind: KindInternal, Shop: shopID, Job: job, Detail: "catalogue feed", Err: err})
	}
	r.run.Total = len(items)
	return r.finish(ctx, e.pushItems(ctx, r, shop, conn.Catalogue, job, items, 1))
}

// lastGoodStart is the start of the job's latest run that completed.
func (e *Engine) lastGoodStart(ctx context.Context, shop string, job Job) (t0 time.Time, err error) {
	runs, err := e.store.SyncRuns(ctx, RunFilter{Shop: shop, Job: job, Limit: 100})
	if err != nil {
		return t0, fmt.Errorf("channels: read diary: %w", err)
	}
	for _, r := range runs {
		if r.Err == "" && !r.Finished.IsZero() && !r.Retry {
			return r.Started, nil
		}
	}
	return t0, nil
}

// pushItems pushes items in batches and records each item's outcome. Its
// error ends the run.
func (e *Engine) pushItems(ctx context.Context, r *runner, shop Shop, sink CatalogueSink, job Job, items []CatalogueItem, attempt int) error {
	for start := 0; start < len(items); start += e.cfg.BatchSize {
		batch := items[start:min(start+e.cfg.BatchSize, len(items))]
		t0 := time.Now()
		var res []ItemResult
		err := e.retry(ctx, func() error {
			var err error
			res, err = sink.PushCatalogue(ctx, job, batch)
			return err
		})
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return &SyncError{Kind: kindOf(err), Shop: shop.ID, Job: job,
				Detail: fmt.Sprintf("batch of %d items from %s", len(batch), batch[0].SKU), Err: err}
		}
		took := time.Since(t0)
		bySKU := make(map[string]error, len(res))
		seen := make(map[string]bool, len(res))
		for _, ir := range res {
			bySKU[ir.SKU], seen[ir.SKU] = ir.Err, true
		}
		for _, it := range batch {
			rec := Record{Key: it.SKU, Outcome: OutcomePushed, Duration: took}
			ierr, ok := bySKU[it.SKU], seen[it.SKU]
			switch {
			case !ok:
				rec.Outcome, rec.Kind, rec.Message = OutcomeFailed, KindRejected, "the shop returned no result for this item"
			case ierr != nil:
				rec.Outcome, rec.Kind, rec.Message = OutcomeFailed, kindOf(ierr), ierr.Error()
			}
			if rec.Outcome == OutcomeFailed {
				now, itc := e.now(), it
				itc.Images = slices.Clone(it.Images)
				f := FailedRecord{Shop: shop.ID, Job: job, Key: it.SKU, Item: &itc, Kind: rec.Kind, Message: rec.Message,
					Attempts: attempt, FirstAt: now, LastAt: now}
				if err := e.store.PutSyncFailure(ctx, f); err != nil {
					return fmt.Errorf("channels: record failure: %w", err)
				}
			} else if err := e.store.DeleteSyncFailure(ctx, shop.ID, job, it.SKU); err != nil {
				return fmt.Errorf("channels: clear failure: %w", err)
			}
			r.note(rec)
		}
		if err := r.flush(ctx); err != nil {
			return err
		}
		r.progress(ctx)
	}
	return nil
}
