package channels

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/azuvio/omnisales/oms"
)

// HandleEvent is the status push, an oms.Handler for
// oms.EventStatusChanged (New subscribes it unless Config.NoSubscribe).
// For an order imported from a shop it pushes the mapped status of the
// event's new status through the shop's StatusSink, with retries.
//
// It skips changes made by the engine itself (they came from the shop),
// events already pushed (delivery is at least once: each event id is
// pushed once), events older than one already pushed for the same order
// (a redelivered old event never overwrites a newer status), and statuses
// without a shop status (noted in the diary).
// A push still failing transiently after the retries is recorded and
// returned, so the dispatcher delivers the event again; a refusal is
// recorded as a failed record for RetryFailed and not retried.
func (e *Engine) HandleEvent(ctx context.Context, ev oms.Event) error {
	if ev.Type != oms.EventStatusChanged || ev.From == ev.To || ev.Actor == e.actor.ID {
		return nil
	}
	if !e.hasShops(ev.Channel) {
		return nil
	}
	o, err := e.svc.Store().Get(ctx, ev.OrderID)
	if errors.Is(err, oms.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("channels: status push: read order: %w", err)
	}
	if o.Store == "" || o.ExternalID == "" {
		return nil // an order of the channel that did not come from a shop
	}
	shop, _, err := e.reg.Shop(o.Store)
	if err != nil {
		e.log.LogAttrs(ctx, slog.LevelWarn, "status push: shop not configured", slog.String("shop", o.Store), slog.String("order", o.ID))
		return nil
	}
	_, err = e.pushStatus(ctx, shop, o, ev.ID, ev.To)
	return err
}

func (e *Engine) hasShops(ref oms.ChannelRef) bool {
	e.reg.mu.RLock()
	defer e.reg.mu.RUnlock()
	c, ok := e.reg.channels[ref.ID]
	if !ok || c.Type != ref.Type {
		return false
	}
	for _, s := range e.reg.shops {
		if s.ChannelID == ref.ID {
			return true
		}
	}
	return false
}

// pushStatus pushes o's status for event eventID (0 for a retry, which
// pushes the current status). want is the status the event moved to.
func (e *Engine) pushStatus(ctx context.Context, shop Shop, o oms.Order, eventID int64, want oms.Status) (Record, error) {
	start := time.Now()
	lk := e.orderLock(shop.ID, o.ExternalID)
	lk.Lock()
	defer lk.Unlock()
	if eventID != 0 {
		done, err := e.store.SyncEventPushed(ctx, eventID)
		if err != nil {
			return Record{}, fmt.Errorf("channels: status push: %w", err)
		}
		if done {
			return Record{Outcome: OutcomeUnchanged, Key: o.ID, Message: "already pushed"}, nil
		}
	}
	st, known, err := e.store.SyncState(ctx, shop.ID, o.ExternalID)
	if err != nil {
		return Record{}, fmt.Errorf("channels: status push: read sync state: %w", err)
	}
	if !known {
		st = OrderState{Shop: shop.ID, ExternalID: o.ExternalID, OrderID: o.ID}
	}
	if eventID == 0 {
		// A retry pushes the order's current status.
		if o, err = e.svc.Store().Get(ctx, o.ID); err != nil {
			return Record{}, fmt.Errorf("channels: status push: read order: %w", err)
		}
		want = o.Status
	}
	rec := Record{Shop: shop.ID, Job: JobStatus, Key: o.ID, OrderID: o.ID}
	var perr error // returned so that the dispatcher delivers again
	switch slug, mapped := shop.Statuses.Outbound(want); {
	case eventID != 0 && eventID < st.PushedEvent:
		rec.Outcome, rec.Message = OutcomeSkipped, fmt.Sprintf("superseded: a later change (event %d) was pushed", st.PushedEvent)
	case !mapped:
		rec.Outcome, rec.Kind = OutcomeSkipped, KindStatusNotMapped
		rec.Message = fmt.Sprintf("%s has no shop status: not pushed", want)
	default:
		rec, perr = e.pushOne(ctx, shop, o, want, slug, eventID, st, rec)
	}
	rec.At, rec.Duration = e.now(), time.Since(start)
	if err := e.store.AddSyncRecords(ctx, []Record{rec}); err != nil {
		return Record{}, fmt.Errorf("channels: status push: write diary: %w", err)
	}
	if rec.Outcome == OutcomeFailed {
		f := FailedRecord{Shop: shop.ID, Job: JobStatus, Key: o.ID, Kind: rec.Kind, Message: rec.Message, Attempts: 1,
			FirstAt: rec.At, LastAt: rec.At}
		if err := e.store.PutSyncFailure(ctx, f); err != nil {
			return Record{}, fmt.Errorf("channels: status push: record failure: %w", err)
		}
		if f := e.cfg.OnFailure; f != nil {
			f(ctx, rec.Err()) // pushOne logged it
		}
	} else if err := e.store.DeleteSyncFailure(ctx, shop.ID, JobStatus, o.ID); err != nil {
		return Record{}, fmt.Errorf("channels: status push: clear failure: %w", err)
	}
	if perr != nil {
		return rec, perr
	}
	if eventID != 0 {
		if err := e.store.MarkSyncEventPushed(ctx, eventID); err != nil {
			return Record{}, fmt.Errorf("channels: status push: %w", err)
		}
	}
	return rec, nil
}

// pushOne sends slug to the shop and records it in the order's sync state.
// The error is set for a transient failure that the event should retry.
func (e *Engine) pushOne(ctx context.Context, shop Shop, o oms.Order, want oms.Status, slug string, eventID int64, st OrderState, rec Record) (Record, error) {
	conn, err := e.connector(ctx, shop)
	if err == nil && conn.Status == nil {
		err = &SyncError{Kind: KindInternal, Shop: shop.ID, Job: JobStatus, Err: ErrNoConnector}
	}
	var res PushResult
	if err == nil {
		err = e.retry(ctx, func() error {
			var err error
			res, err = conn.Status.PushStatus(ctx, o.ExternalID, slug)
			return err
		})
	}
	if err != nil {
		rec.Outcome, rec.Kind, rec.Message = OutcomeFailed, kindOf(err), fmt.Sprintf("push %q for %s: %v", slug, o.ExternalID, err)
		e.log.LogAttrs(ctx, slog.LevelWarn, "status push failed", slog.String("shop", shop.ID), slog.String("order", o.ID),
			slog.String("status", slug), slog.String("kind", string(rec.Kind)), slog.String("error", err.Error()))
		if rec.Kind == KindUnreachable || ctx.Err() != nil {
			return rec, &SyncError{Kind: rec.Kind, Shop: shop.ID, Job: JobStatus, Key: o.ID, Err: err}
		}
		return rec, nil
	}
	rec.Outcome, rec.Message = OutcomePushed, fmt.Sprintf("%s → %q", want, slug)
	st.PushedAt, st.SyncedAt = e.now(), e.now()
	if eventID > st.PushedEvent {
		st.PushedEvent = eventID
	}
	if res.Modified.IsZero() {
		st.Pushed = slug // recognised when the shop shows it back
	} else {
		st.Pushed, st.ShopStatus = "", slug
		if res.Modified.After(st.ShopModified) {
			st.ShopModified = res.Modified.UTC()
		}
	}
	if err := e.store.PutSyncState(ctx, st); err != nil {
		return rec, fmt.Errorf("channels: status push: write sync state: %w", err)
	}
	e.log.LogAttrs(ctx, slog.LevelInfo, "status pushed", slog.String("shop", shop.ID), slog.String("order", o.ID),
		slog.String("external_id", o.ExternalID), slog.String("status", slug))
	return rec, nil
}
