// Package memstore is the in-memory implementation of the omnisales store
// contracts: the default for examples, tests and single-process programs.
//
// Start with New; pass the result to oms.NewService. The store copies
// orders in and out, is safe for concurrent use, and passes
// oms/storetest. A unit of work (Do) holds the store's lock for its whole
// duration and undoes its writes when it fails, so it is atomic and
// isolated; nothing survives the process.
//
// Memory: an order costs about 1.7 KB while it lives with a typical
// history and its outbox events (a 768-byte record, allocated in slabs so
// that the GC scans records in order; the addresses, notes and tracking
// URL only when the order has them). Status and approval codes outside
// the stored contract are refused with a *oms.ValidationError, as
// adapters/pgstore's CHECK constraints refuse them.
//
// A Store is also a returns.Store: pass the same value to
// returns.NewService. DoReturns is the same unit of work as Do, seen
// through returns.Tx, so a return request, its receipt note, stock
// movements, refund and loyalty reversal commit or vanish together with
// the order change they cause; it passes returns/returnstest. Because a
// unit holds the store's lock, two units never interleave and
// returns.Service never meets a version conflict here: races that need
// its retry on oms.ErrConflict are tested on adapters/pgstore.
//
// EarnLoyalty, beyond the returns.Store contract, records the points an
// order earned (standing in for the loyalty program), so that returns can
// reverse them.
//
// A Store is also a channels.Store (sync cursors, state, failed records
// and the diary) and keeps the applied discount log that oms.Service.Place
// writes. NewClients and NewProducts are the reference
// channels.ClientDirectory and channels.Catalogue in memory, for the sync
// engine's client auto-creation and SKU lookup.
package memstore
