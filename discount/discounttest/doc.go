// Package discounttest checks implementations of a voucher usage ledger,
// as testing/fstest checks file systems: LedgerConformance runs the same
// tests on any implementation of Ledger, so the in-memory
// discount.Ledger and a database-backed one (adapters/pgstore) are held
// to one set of semantics.
package discounttest
