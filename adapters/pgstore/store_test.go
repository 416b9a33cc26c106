package pgstore_test

import (
	"testing"

	"github.com/azuvio/omnisales/oms"
	"github.com/azuvio/omnisales/oms/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) oms.Store { return newStore(t) })
}
