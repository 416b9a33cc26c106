// Package memstore is the in-memory implementation of the omnisales store
// contracts: the default for examples, tests and single-process programs.
//
// Start with New; pass the result to oms.NewService. The store copies
// orders in and out, is safe for concurrent use, and passes
// oms/storetest. A unit of work (Do) holds the store's lock for its whole
// duration and undoes its writes when it fails, so it is atomic and
// isolated; nothing survives the process.
package memstore
