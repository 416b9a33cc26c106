package memstore_test

import (
	"testing"

	"github.com/azuvio/omnisales/adapters/memstore"
	"github.com/azuvio/omnisales/channels/channelstest"
)

func TestClientsConformance(t *testing.T) {
	channelstest.DirectoryConformance(t, func(t *testing.T) channelstest.Directory { return memstore.NewClients() })
}
