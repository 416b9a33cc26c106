// Package pgstore is the PostgreSQL (15+) implementation of oms.Store (and
// of returns.Store and channels.Store), for running one or many omnisales
// processes on one database.
//
// Start here:
//
//	s, err := pgstore.Open(ctx, "postgres://user@host/db", pgstore.Config{})
//	…
//	defer s.Close()
//	if err := s.Migrate(ctx); err != nil { … } // safe at every start
//	svc, err := oms.NewService(s, oms.Config{})
//
// TestQuickstart runs exactly this against a real database. Open builds
// a github.com/jackc/pgx/v5/pgxpool pool that Close closes; a program that
// already has a pgxpool.Pool (or wants TLS, tracers or other pool
// settings) passes it to New instead and keeps ownership of it:
//
//	pool, err := pgxpool.New(ctx, dsn)
//	…
//	defer pool.Close()
//	s := pgstore.New(pool)
//
// Connections come from the pool per call or unit of work: pgxpool waits
// for a free one until the context ends, pings one that sat idle for over
// a second, and discards one returned broken or inside a transaction.
//
// What it guarantees beyond the oms.Store contract:
//
//   - Units of work (Store.Do) are real transactions: an error, a panic, a
//     canceled context or a dropped connection keeps nothing.
//   - Optimistic versions are checked inside the UPDATE (WHERE id AND
//     version), so they hold across processes. The UPDATE is deferred to
//     the unit's next statement or its COMMIT; a refused one fails inside
//     SQL (migration 0006), which aborts the transaction, and its error
//     (oms.ErrConflict, oms.ErrNotFound or *oms.ValidationError) is
//     returned from there and by Do.
//   - A partial unique index on (channel_type, channel_id, store,
//     external_id) makes a racing duplicate import a no-op that returns
//     oms.ErrDuplicate.
//   - Money is numeric and travels in binary (coefficient and exponent),
//     never through float or text; statuses and approval are stored as
//     their smallint codes.
//   - Outbox events are claimed with FOR UPDATE SKIP LOCKED and a lease on
//     the database clock: two workers never hold one event, and a dead
//     worker's events return after the lease.
//   - Lists use keyset pagination on (created_at, id) with the oms cursor,
//     served by indexes per filter (see TestExplain for the plans). SQL is
//     always parameterised.
//
// A Store is also a returns.Store (return requests, refunds, receipt
// notes, stock movements and levels, loyalty points; migration 0002):
// returns.Service writes them in the same transaction as the order's
// status change (Store.DoReturns).
//
// A Store is also a channels.Store (cursors, sync state, failed records,
// the diary, pushed events; migration 0003), so one Store serves both
// oms.Service and channels.New. Pass the Store as channels.Config.Leases
// too: every job run (scheduled, one-shot, retries of failed records) then
// takes a (shop, job) lease on the database clock (Store.WithSyncLease)
// that a dead worker loses after its ttl, so two processes never run one
// shop's job at once. Store.Clients and Store.Products are the reference
// channels.ClientDirectory and channels.Catalogue on the database
// (migration 0007): an email belongs to one client, and two processes
// importing the same buyer create one.
//
// Store.Ledger is discount.Ledger on the database (voucher usage;
// migration 0004): pass it as the discount engine's Usage and commit
// redemptions with its Redeem, and a voucher's total and per-client limits
// hold across processes. Redeem takes a use with conditional upserts whose
// row locks decide the last use, and is idempotent per (rule, order).
//
// A Store also keeps the applied discount log (oms.DiscountLogTx and
// oms.DiscountLogReader; migration 0005): oms.Service.Place writes an
// order's rows in its transaction, all in one INSERT, and
// Store.DiscountLog (behind oms.Service.DiscountLog) reads them in written
// order with every oms.DiscountLogFilter, each served by an index (see
// TestExplainDiscountLog).
//
// Round trips: BEGIN travels with the first statement; a read of an order
// in a unit, and an Insert, draw an outbox id (nextval in the SELECT or
// the RETURNING clause) for the event that usually follows; and writes
// with no result the caller needs (updates, history, events with a drawn
// id) travel with the next statement or the COMMIT. An Update of an order
// read in the unit sends only the columns that changed. A status change
// through oms.Service costs 2 round trips (BEGIN+read, then
// UPDATE+history+event+COMMIT) against 6 for the same statements sent one
// by one; placing or importing an order costs 2 whatever its number of
// lines and discount log rows (BEGIN+insert of order and lines as one
// statement, history+log+event+COMMIT), plus one per extra event.
// TestRoundTrips pins these numbers.
//
// The schema lives in migrations/*.sql, embedded in the binary and applied
// by Migrate under an advisory lock. Tests get a database from the pgtest
// subpackage; bench/ holds the pgbench script that BenchmarkPGTransition
// is compared with.
package pgstore
