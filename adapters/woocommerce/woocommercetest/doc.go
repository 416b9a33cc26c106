// Package woocommercetest is a fake WooCommerce site for tests, in the
// manner of net/http/httptest: an in-memory store served over loopback that
// behaves as WooCommerce REST API v3 documents it.
//
// Where to start:
//
//   - [NewServer] (in tests; closed at cleanup) or [New] + Close. Give
//     Server.URL, Server.ConsumerKey, Server.ConsumerSecret and
//     Server.HTTPClient (the site is HTTPS) to the client.
//   - Seed with [Server.AddOrder], [Server.GenerateOrders] (or [MakeOrders]
//     to edit orders before [Server.AddOrders]), [Server.AddProduct] and
//     [Server.AddCustomer]; change orders as a shop admin with
//     [Server.SetOrderStatus] and [Server.UpdateOrder].
//   - Inspect with [Server.Order], [Server.OrderStatus], [Server.PutCount]
//     ("was this status pushed exactly once?"), [Server.Puts],
//     [Server.Batches] and [Server.Requests].
//   - Inject faults with [Server.InjectFault] (deterministic: the next
//     matching requests) or [Server.SetFaultRates] (random with a seed):
//     hangs until the client gives up, 429 with Retry-After, 500/503, cut
//     JSON bodies, and state changes between page reads (Fault.Before).
//   - Webhooks: register one with [Server.AddWebhook] (it is pinged) and
//     the site delivers its own order changes to it, signed, as
//     WooCommerce does (order.created, order.updated, order.deleted on
//     the trash or a deletion, order.restored), counting failed
//     deliveries and disabling the webhook after too many in a row;
//     [Server.WaitWebhooks] waits for the queue, [Server.WebhookRecords]
//     lists the attempts. [Server.DeliverWebhook] and
//     [Server.PingWebhook] send one by hand (forged signatures,
//     redeliveries).
//
// What it serves, below [APIPath]: GET /orders (page, per_page ≤ 100, offset,
// status, after/before, modified_after/modified_before, dates_are_gmt,
// order, orderby, customer, product; X-WP-Total, X-WP-TotalPages and Link
// headers with first, prev, next and last), GET and PUT/POST/PATCH /orders/{id}, GET /products (sku),
// GET /products/{id}, POST /products/batch (≤ 100 items, per-item errors
// inside a 200), GET /customers (email, role). Anything else is 404
// rest_no_route. Error bodies are WooCommerce's {"code","message","data"}.
//
// Credentials are checked on every route (HTTP Basic or consumer_key and
// consumer_secret in the query). The fake serves HTTPS by default (give
// Server.HTTPClient to the client, it trusts the test certificate). Like
// a real site, over plain http (WithPlainHTTP) it ignores keys and wants
// OAuth 1.0a: HMAC-SHA1 or HMAC-SHA256 over the method, URL and query,
// signed with the consumer secret and "&", a timestamp within 15 minutes
// of its clock and a nonce not seen in that time, in the query or an
// "Authorization: OAuth" header; anything else is refused with 401.
// WithTLSProxy serves plain http that accepts keys, as a site behind a
// TLS-terminating proxy does.
//
// There are no package globals: servers are independent and tests using
// them may run in parallel.
package woocommercetest
