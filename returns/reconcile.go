package returns

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/azuvio/omnisales/oms"
)

// Period is the half-open time range [From, To).
type Period struct{ From, To time.Time }

// WeekOf returns the week (Monday 00:00 to the next Monday 00:00 in the
// shop's time zone) that contains t.
func (s *Service) WeekOf(t time.Time) Period {
	l := t.In(s.cfg.Location)
	back := (int(l.Weekday()) + 6) % 7 // days since Monday
	from := time.Date(l.Year(), l.Month(), l.Day()-back, 0, 0, 0, 0, s.cfg.Location)
	return Period{From: from, To: time.Date(from.Year(), from.Month(), from.Day()+7, 0, 0, 0, 0, s.cfg.Location)}
}

// MismatchKind classifies a reconciliation finding.
type MismatchKind string

// Mismatch kinds.
const (
	// MissingReceipt: an approved return has no receipt note.
	MissingReceipt MismatchKind = "missing_receipt"
	// ReceiptDiffers: the receipt note's quantity of a product differs
	// from the approved quantity.
	ReceiptDiffers MismatchKind = "receipt_differs"
	// StockDiffers: the stock re-entered for the return differs from the
	// approved quantity.
	StockDiffers MismatchKind = "stock_differs"
	// StockWithoutReturn: stock re-entered in the period for a return that
	// is not approved (or does not exist).
	StockWithoutReturn MismatchKind = "stock_without_return"
)

// Mismatch is one difference between approved returns and re-entered
// stock.
type Mismatch struct {
	Kind      MismatchKind
	ReturnID  string
	ReceiptID string
	ProductID string
	// Approved, OnReceipt and Restocked are the quantities of ProductID
	// the return approved, its receipt note lists and the stock entries
	// added.
	Approved, OnReceipt, Restocked int64
}

// String describes the mismatch for a report.
func (m Mismatch) String() string {
	return fmt.Sprintf("%s: return %s receipt %s product %s: approved %d, on receipt %d, restocked %d",
		m.Kind, m.ReturnID, m.ReceiptID, m.ProductID, m.Approved, m.OnReceipt, m.Restocked)
}

// ReconciledReturn is one approved return of the period with its totals.
type ReconciledReturn struct {
	ReturnID  string
	OrderID   string
	ReceiptID string
	DecidedAt time.Time
	// Approved units, and units re-entered in stock for the return.
	Approved, Restocked int64
}

// Reconciliation is the weekly check of the guide: approved returns
// against re-entered stock.
type Reconciliation struct {
	Period  Period
	Returns []ReconciledReturn
	// Mismatches is empty when every approved return's receipt note and
	// stock entries match it and no stock came back for anything else.
	Mismatches []Mismatch
}

// Reconcile compares the returns approved in p with their receipt notes
// and the stock re-entered for them, and lists stock re-entered in p for
// returns that are not approved. Staff need oms.PermReturnsView.
func (s *Service) Reconcile(ctx context.Context, actor oms.Actor, p Period) (Reconciliation, error) {
	if actor.ClientID != "" || !actor.Can(oms.PermReturnsView) {
		return Reconciliation{}, forbid(actor, oms.PermReturnsView, "reconcile returns")
	}
	rep := Reconciliation{Period: p}
	err := s.store.DoReturns(ctx, func(tx Tx) error {
		rep.Returns, rep.Mismatches = nil, nil
		recs, err := tx.Returns(ctx, Filter{Approvals: []Approval{Approved}, DecidedFrom: p.From, DecidedTo: p.To})
		if err != nil {
			return err
		}
		slices.SortStableFunc(recs, func(a, b Return) int {
			if c := a.DecidedAt.Compare(b.DecidedAt); c != 0 {
				return c
			}
			return cmp.Compare(a.ID, b.ID)
		})
		for _, r := range recs {
			approved := map[string]int64{}
			for _, it := range r.Items {
				approved[it.ProductID] += it.Quantity
			}
			onReceipt := map[string]int64{}
			hasReceipt := false
			if r.ReceiptID != "" {
				rc, err := tx.GetReceipt(ctx, r.ReceiptID)
				switch {
				case errors.Is(err, ErrNotFound):
				case err != nil:
					return err
				default:
					hasReceipt = true
					for _, l := range rc.Lines {
						onReceipt[l.ProductID] += l.Quantity
					}
				}
			}
			entries, err := tx.StockEntries(ctx, StockFilter{ReturnID: r.ID})
			if err != nil {
				return err
			}
			restocked := map[string]int64{}
			var total int64
			for _, e := range entries {
				restocked[e.ProductID] += e.Quantity
				total += e.Quantity
			}
			rep.Returns = append(rep.Returns, ReconciledReturn{ReturnID: r.ID, OrderID: r.OrderID, ReceiptID: r.ReceiptID,
				DecidedAt: r.DecidedAt, Approved: r.Quantity(), Restocked: total})
			if !hasReceipt {
				rep.Mismatches = append(rep.Mismatches, Mismatch{Kind: MissingReceipt, ReturnID: r.ID, ReceiptID: r.ReceiptID,
					Approved: r.Quantity(), Restocked: total})
			}
			for _, pid := range productKeys(approved, onReceipt, restocked) {
				m := Mismatch{ReturnID: r.ID, ReceiptID: r.ReceiptID, ProductID: pid,
					Approved: approved[pid], OnReceipt: onReceipt[pid], Restocked: restocked[pid]}
				if hasReceipt && m.OnReceipt != m.Approved {
					m.Kind = ReceiptDiffers
					rep.Mismatches = append(rep.Mismatches, m)
				}
				if m.Restocked != m.Approved {
					m.Kind = StockDiffers
					rep.Mismatches = append(rep.Mismatches, m)
				}
			}
		}
		stray, err := tx.StockEntries(ctx, StockFilter{FromReturns: true, From: p.From, To: p.To})
		if err != nil {
			return err
		}
		known := map[string]bool{}
		for _, e := range stray {
			ok, seen := known[e.ReturnID]
			if !seen {
				r, err := tx.GetReturn(ctx, e.ReturnID)
				if err != nil && !errors.Is(err, ErrNotFound) {
					return err
				}
				ok = err == nil && r.Approval == Approved
				known[e.ReturnID] = ok
			}
			if !ok {
				rep.Mismatches = append(rep.Mismatches, Mismatch{Kind: StockWithoutReturn, ReturnID: e.ReturnID,
					ReceiptID: e.ReceiptID, ProductID: e.ProductID, Restocked: e.Quantity})
			}
		}
		return nil
	})
	if err != nil {
		return Reconciliation{}, fmt.Errorf("returns: reconcile: %w", err)
	}
	return rep, nil
}

func productKeys(ms ...map[string]int64) []string {
	var out []string
	for _, m := range ms {
		for k := range m {
			if !slices.Contains(out, k) {
				out = append(out, k)
			}
		}
	}
	slices.Sort(out)
	return out
}
