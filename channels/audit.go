package channels

import (
	"context"
	"time"

	"github.com/azuvio/omnisales/oms"
)

// Audit reads the sync diary on behalf of a person: each read needs
// oms.PermReports (the guide's "Reports → OmniSales"; the Channel Sync
// Audit is one of its reports), and a refusal is an *oms.ForbiddenError.
// Use it behind a reporting screen; the Engine's own Runs, Records,
// Failed and Summary serve the program itself. The zero value refuses
// everything.
type Audit struct {
	e     *Engine
	actor oms.Actor
}

// As returns the diary as actor may read it.
func (e *Engine) As(actor oms.Actor) Audit { return Audit{e: e, actor: actor} }

func (a Audit) allowed() error {
	if a.e == nil || a.actor.ClientID != "" || !a.actor.Can(oms.PermReports) {
		return &oms.ForbiddenError{Actor: a.actor.ID, Permission: oms.PermReports, Action: "read the sync diary"}
	}
	return nil
}

// Runs is Engine.Runs for an actor with oms.PermReports.
func (a Audit) Runs(ctx context.Context, f RunFilter) ([]Run, error) {
	if err := a.allowed(); err != nil {
		return nil, err
	}
	return a.e.Runs(ctx, f)
}

// Records is Engine.Records for an actor with oms.PermReports.
func (a Audit) Records(ctx context.Context, f RecordFilter) ([]Record, error) {
	if err := a.allowed(); err != nil {
		return nil, err
	}
	return a.e.Records(ctx, f)
}

// Failed is Engine.Failed for an actor with oms.PermReports.
func (a Audit) Failed(ctx context.Context, shop string) ([]FailedRecord, error) {
	if err := a.allowed(); err != nil {
		return nil, err
	}
	return a.e.Failed(ctx, shop)
}

// Summary is Engine.Summary for an actor with oms.PermReports.
func (a Audit) Summary(ctx context.Context, now time.Time) ([]ShopSummary, error) {
	if err := a.allowed(); err != nil {
		return nil, err
	}
	return a.e.Summary(ctx, now)
}
