package discount_test

import (
	"testing"

	"github.com/azuvio/omnisales/discount"
	"github.com/azuvio/omnisales/discount/discounttest"
)

// TestLedgerConformance holds the in-memory ledger to the suite the
// PostgreSQL one (adapters/pgstore) also runs.
func TestLedgerConformance(t *testing.T) {
	t.Parallel()
	discounttest.LedgerConformance(t, func(*testing.T) discounttest.Ledger { return new(discount.Ledger) })
}
