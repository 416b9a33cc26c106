// Package storetest is the conformance suite for oms.Store
// implementations, in the spirit of testing/fstest: any store, ours or a
// user's, runs it from its own tests:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) oms.Store { return mystore.New() })
//	}
//
// newStore must return an empty store for each call.
//
// Optional parts (the discount log, DiscountLogTx) have their own cases,
// which a store that lacks the part skips with a reason.
package storetest
