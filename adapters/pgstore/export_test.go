package pgstore

import (
	"context"

	"github.com/azuvio/omnisales/oms"
)

// Test hooks into a unit of work.

// TxPID returns the backend process id of tx's connection.
func TxPID(tx oms.Tx) uint32 { return tx.(*Tx).c.PgConn().PID() }

// TxExec runs sql inside tx, as the store's own statements run.
func TxExec(ctx context.Context, tx oms.Tx, sql string, args ...any) error {
	return tx.(*Tx).roundTrip(ctx, stmt{what: "test statement", sql: sql, args: args})
}

// ListQuery exposes the list statement builder to the EXPLAIN test.
var ListQuery = listQuery

// DiscountLogQuery exposes the discount log statement builder to the
// EXPLAIN test.
var DiscountLogQuery = discountLogQuery

// MapErr exposes the PostgreSQL error mapping.
var MapErr = mapErr
