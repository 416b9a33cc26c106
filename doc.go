// Package omnisales is an order management system for Go programs: orders
// and their lifecycle, B2B pricing, trade discounts, returns and multi-channel
// sync, as a library.
//
// Where to start:
//
//   - [github.com/azuvio/omnisales/oms]: orders, the 17 status codes, approvals,
//     events, permissions and the Store contract. Start with oms.NewService.
//   - [github.com/azuvio/omnisales/pricing]: the four-tier unit price with a trace.
//   - [github.com/azuvio/omnisales/discount]: trade discounts, vouchers and the discount log.
//   - [github.com/azuvio/omnisales/returns]: return requests, restocking fees and refunds.
//   - [github.com/azuvio/omnisales/channels]: sales channels, the sync engine and its diary.
//   - [github.com/azuvio/omnisales/adapters/memstore]: the in-memory store.
//   - [github.com/azuvio/omnisales/adapters/pgstore]: the PostgreSQL store.
//   - [github.com/azuvio/omnisales/adapters/woocommerce]: the WooCommerce REST client,
//     with a fake server in woocommercetest.
//
// Runnable programs, each also run by the tests:
//
//   - examples/quickstart: the guide's B2B flow (go run ./examples/quickstart;
//     -dsn runs it on PostgreSQL);
//   - examples/workflow: the guide's seven workflow-automation triggers;
//   - examples/returns: a partial return with restock and refund;
//   - examples/woocommerce-sync: an import from a fake WooCommerce site.
package omnisales
