// This file extends Store and Tx with the records of package returns.
// They live in one extension table under the store's lock, and every write
// registers its undo, so a return, its refund, receipt note, stock and
// loyalty entries commit or vanish together with the order change.

package memstore

import (
	"context"
	"fmt"
	"slices"

	"github.com/azuvio/omnisales/oms"
	"github.com/azuvio/omnisales/returns"
)

// Store implements returns.Store, and the Tx it hands out returns.Tx.
var (
	_ returns.Store = (*Store)(nil)
	_ returns.Tx    = (*Tx)(nil)
)

const returnsTable = "returns"

type returnsState struct {
	returns   map[string]*returns.Return
	order     []string // return ids in insertion order
	refunds   []returns.Refund
	receipts  map[string]returns.Receipt
	stock     []returns.StockEntry
	levels    map[string]int64
	earned    map[string]int64
	reversals []returns.LoyaltyReversal
	// Sequences for ids; decremented again on rollback like the outbox's.
	nReturn, nRefund, nReceipt, nStock, nLoyalty int64
}

// returnsState returns the table; s.mu must be held for writing.
func (s *Store) returnsState() *returnsState {
	return s.table(returnsTable, func() any {
		return &returnsState{returns: map[string]*returns.Return{}, receipts: map[string]returns.Receipt{},
			levels: map[string]int64{}, earned: map[string]int64{}}
	}).(*returnsState)
}

// DoReturns implements returns.Store: the same unit of work as Do, seen
// through returns.Tx.
func (s *Store) DoReturns(ctx context.Context, fn func(tx returns.Tx) error) error {
	return s.do(ctx, func(t *Tx) error { return fn(t) })
}

// EarnLoyalty records that an order earned points, as the loyalty program
// would; returns reverse them. It adds to what the order earned before.
func (s *Store) EarnLoyalty(ctx context.Context, orderID string, points int64) error {
	return s.do(ctx, func(t *Tx) error {
		st := s.returnsState()
		prev, had := st.earned[orderID]
		st.earned[orderID] = prev + points
		t.onRollback(func() {
			if had {
				st.earned[orderID] = prev
			} else {
				delete(st.earned, orderID)
			}
		})
		return nil
	})
}

func missing(kind, id string) error {
	return fmt.Errorf("memstore: %s %s: %w", kind, id, returns.ErrNotFound)
}

// GetReturn implements returns.Records.
func (t *Tx) GetReturn(ctx context.Context, id string) (returns.Return, error) {
	r, ok := t.s.returnsState().returns[id]
	if !ok {
		return returns.Return{}, missing("return", id)
	}
	return r.Clone(), nil
}

// InsertReturn implements returns.Records.
func (t *Tx) InsertReturn(ctx context.Context, r *returns.Return) error {
	st := t.s.returnsState()
	assigned := false
	if r.ID == "" {
		st.nReturn++
		r.ID, assigned = fmt.Sprintf("RET-%06d", st.nReturn), true
	}
	if _, dup := st.returns[r.ID]; dup {
		if assigned {
			st.nReturn--
			r.ID = ""
		}
		return fmt.Errorf("memstore: return id %s: %w", r.ID, oms.ErrDuplicate)
	}
	r.Version = 1
	c := r.Clone()
	st.returns[r.ID] = &c
	st.order = append(st.order, r.ID)
	t.onRollback(func() {
		delete(st.returns, r.ID)
		st.order = st.order[:len(st.order)-1]
		if assigned {
			st.nReturn--
			r.ID = ""
		}
		r.Version = 0
	})
	return nil
}

// UpdateReturn implements returns.Records.
func (t *Tx) UpdateReturn(ctx context.Context, r *returns.Return) error {
	st := t.s.returnsState()
	cur, ok := st.returns[r.ID]
	if !ok {
		return missing("return", r.ID)
	}
	if cur.Version != r.Version {
		return fmt.Errorf("memstore: return %s at version %d, update from %d: %w", r.ID, cur.Version, r.Version, oms.ErrConflict)
	}
	r.Version++
	c := r.Clone()
	st.returns[r.ID] = &c
	t.onRollback(func() { st.returns[r.ID] = cur; r.Version-- })
	return nil
}

// Returns implements returns.Records.
func (t *Tx) Returns(ctx context.Context, f returns.Filter) ([]returns.Return, error) {
	st := t.s.returnsState()
	var out []returns.Return
	for _, id := range st.order {
		if r := st.returns[id]; f.Match(r) {
			out = append(out, r.Clone())
		}
	}
	// Insertion order is request order, ids breaking ties: the contract's
	// (RequestedAt, ID) unless a caller inserts out of time order.
	slices.SortStableFunc(out, func(a, b returns.Return) int { return a.RequestedAt.Compare(b.RequestedAt) })
	return out, nil
}

// AddRefund implements returns.RefundLedger.
func (t *Tx) AddRefund(ctx context.Context, r *returns.Refund) error {
	st := t.s.returnsState()
	st.nRefund++
	r.ID = fmt.Sprintf("RF-%06d", st.nRefund)
	st.refunds = append(st.refunds, *r)
	t.onRollback(func() { st.refunds = st.refunds[:len(st.refunds)-1]; st.nRefund--; r.ID = "" })
	return nil
}

// Refunds implements returns.RefundLedger.
func (t *Tx) Refunds(ctx context.Context, orderID string) ([]returns.Refund, error) {
	var out []returns.Refund
	for _, r := range t.s.returnsState().refunds {
		if r.OrderID == orderID {
			out = append(out, r)
		}
	}
	return out, nil
}

// AddReceipt implements returns.Inventory.
func (t *Tx) AddReceipt(ctx context.Context, r *returns.Receipt) error {
	st := t.s.returnsState()
	st.nReceipt++
	r.ID = fmt.Sprintf("RCPT-%06d", st.nReceipt)
	st.receipts[r.ID] = r.Clone()
	t.onRollback(func() { delete(st.receipts, r.ID); st.nReceipt--; r.ID = "" })
	return nil
}

// GetReceipt implements returns.Inventory.
func (t *Tx) GetReceipt(ctx context.Context, id string) (returns.Receipt, error) {
	r, ok := t.s.returnsState().receipts[id]
	if !ok {
		return returns.Receipt{}, missing("receipt", id)
	}
	return r.Clone(), nil
}

// Restock implements returns.Inventory.
func (t *Tx) Restock(ctx context.Context, e *returns.StockEntry) error {
	st := t.s.returnsState()
	st.nStock++
	e.ID = fmt.Sprintf("STK-%06d", st.nStock)
	st.stock = append(st.stock, *e)
	prev, had := st.levels[e.ProductID]
	st.levels[e.ProductID] = prev + e.Quantity
	t.onRollback(func() {
		st.stock = st.stock[:len(st.stock)-1]
		st.nStock--
		if had {
			st.levels[e.ProductID] = prev
		} else {
			delete(st.levels, e.ProductID)
		}
		e.ID = ""
	})
	return nil
}

// StockLevel implements returns.Inventory.
func (t *Tx) StockLevel(ctx context.Context, productID string) (int64, error) {
	return t.s.returnsState().levels[productID], nil
}

// StockEntries implements returns.Inventory.
func (t *Tx) StockEntries(ctx context.Context, f returns.StockFilter) ([]returns.StockEntry, error) {
	var out []returns.StockEntry
	for _, e := range t.s.returnsState().stock {
		if f.Match(&e) {
			out = append(out, e)
		}
	}
	return out, nil
}

// LoyaltyEarned implements returns.Loyalty.
func (t *Tx) LoyaltyEarned(ctx context.Context, orderID string) (int64, error) {
	return t.s.returnsState().earned[orderID], nil
}

// LoyaltyReversals implements returns.Loyalty.
func (t *Tx) LoyaltyReversals(ctx context.Context, orderID string) ([]returns.LoyaltyReversal, error) {
	var out []returns.LoyaltyReversal
	for _, r := range t.s.returnsState().reversals {
		if r.OrderID == orderID {
			out = append(out, r)
		}
	}
	return out, nil
}

// AddLoyaltyReversal implements returns.Loyalty.
func (t *Tx) AddLoyaltyReversal(ctx context.Context, r *returns.LoyaltyReversal) error {
	st := t.s.returnsState()
	st.nLoyalty++
	r.ID = fmt.Sprintf("LR-%06d", st.nLoyalty)
	st.reversals = append(st.reversals, *r)
	t.onRollback(func() { st.reversals = st.reversals[:len(st.reversals)-1]; st.nLoyalty--; r.ID = "" })
	return nil
}
