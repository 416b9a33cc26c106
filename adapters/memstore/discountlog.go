package memstore

import (
	"context"
	"slices"

	"github.com/azuvio/omnisales/discount"
	"github.com/azuvio/omnisales/oms"
)

// This file extends Store and Tx with the applied discount log, written by
// oms.Service.Place in the order's unit of work.

var _ oms.DiscountLogTx = (*Tx)(nil)
var _ oms.DiscountLogReader = (*Store)(nil)

const discountLogTable = "discount log"

type discountLog struct{ rows []discount.LogRow }

// AppendDiscountLog implements oms.DiscountLogTx.
func (t *Tx) AppendDiscountLog(ctx context.Context, rows []discount.LogRow) error {
	l := t.s.table(discountLogTable, func() any { return new(discountLog) }).(*discountLog)
	n := len(l.rows)
	l.rows = append(l.rows, rows...)
	t.onRollback(func() {
		clear(l.rows[n:])
		l.rows = l.rows[:n]
	})
	return nil
}

// DiscountLog implements oms.DiscountLogReader.
func (s *Store) DiscountLog(ctx context.Context, f oms.DiscountLogFilter) ([]discount.LogRow, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	l, _ := s.table(discountLogTable, nil).(*discountLog)
	if l == nil {
		return nil, nil
	}
	var out []discount.LogRow
	for i := range l.rows {
		if f.Limit > 0 && len(out) == f.Limit {
			break
		}
		if f.Match(&l.rows[i]) {
			out = append(out, l.rows[i])
		}
	}
	return slices.Clip(out), nil
}
