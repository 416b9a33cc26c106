// Package channelstest provides in-memory test doubles for the channels
// sync engine, as net/http/httptest does for HTTP: a scriptable fake shop
// (Shop) that implements channels.OrderSource, channels.OrderGetter,
// channels.StatusSink and channels.CatalogueSink with fault injection, an
// in-memory product Catalogue, a ClientDirectory (Clients) and a catalogue
// Feed.
//
// StoreConformance is the check any channels.Store implementation runs
// (adapters/memstore and adapters/pgstore do); DirectoryConformance and
// CatalogueConformance are the checks of a client directory and of a
// product table (memstore's and pgstore's Clients and Products run them).
//
// Start with NewShop, Add orders, pass Shop.Connector to the engine's
// Config.Connect, then script the shop's side (SetStatus, Inject faults)
// and inspect what the engine did (Pushes, Items, Calls).
package channelstest
