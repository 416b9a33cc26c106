package memstore_test

import (
	"testing"

	"github.com/azuvio/omnisales/adapters/memstore"
	"github.com/azuvio/omnisales/channels"
	"github.com/azuvio/omnisales/channels/channelstest"
)

func TestChannelsStore(t *testing.T) {
	channelstest.StoreConformance(t, func(t *testing.T) channels.Store { return memstore.New() })
}
