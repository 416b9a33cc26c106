// Package woocommerce is a client for the WooCommerce REST API v3
// (/wp-json/wc/v3) and a handler for its webhooks. The client speaks
// WooCommerce's types; [Shop] adapts it to the sync engine of package
// channels (orders in, statuses and catalogue out).
//
// Where to start:
//
//   - [NewClient] with a site URL, the REST consumer key and secret, and a
//     [Config] (its zero value is ready). The client is safe for concurrent use.
//   - [OrdersService.List] reads one page of orders; [OrdersService.Walk] and
//     [OrdersService.ListAll] read every page (use ModifiedAfter for
//     incremental pulls). [OrdersService.UpdateStatus] pushes a status.
//   - [ProductsService.GetBySKU] and [ProductsService.Batch], which splits
//     catalogue pushes into requests of at most 100 items and reports
//     per-product failures in [BatchResult].
//   - [NewWebhookHandler] verifies, deduplicates and decodes order webhooks;
//     [ImportSink] feeds them into the sync engine's import path. Refused
//     deliveries (a bad or missing signature above all) are always counted
//     in [WebhookHandler.Stats], with the latest one described; wire
//     WebhookOptions.OnRejected or a Logger to alert on them.
//   - [NewShop] turns a client into a channels.Connector for
//     channels.Engine: incremental order pulls, status pushes, catalogue
//     batches.
//   - Errors: API answers are [*Error] (errors.As); kinds such as
//     [ErrNotFound], [ErrUnauthorized], [ErrRateLimited] and [ErrUnreachable]
//     work with errors.Is.
//
// Requests go through go-retryablehttp: 429, 5xx, timeouts and connection
// errors are retried with bounded backoff that honours Retry-After, waits
// end with the context, and writes are retried only when repeating them is
// harmless. A Retry-After longer than Config.RetryWaitMax ends the call at
// once with an *Error that carries it (a channels.RetryHinter), and the
// sync engine waits that long before its own next attempt. Credentials are added to each request at the last moment, so
// they never show in error text, logs or the *http.Response kept in errors.
// They go only over HTTPS: a plain http site URL is refused with a
// *ConfigError, since the keys would travel in the clear and WooCommerce
// ignores them there. Config.OAuth1 reaches such a site as WooCommerce
// wants it, with requests signed by OAuth 1.0a (HMAC-SHA256, a fresh nonce
// and timestamp at every attempt): the secret never travels, the data
// does, in the clear. Config.AllowInsecureHTTP is for tests behind a
// TLS-terminating proxy.
//
// Decoding follows the real payloads: amounts are strings (and
// line_items[].price a JSON number) read into exact decimals, SKUs may be
// null, and times are taken from the zoneless *_gmt fields as UTC.
//
// The package woocommercetest holds a fake WooCommerce server for tests.
package woocommerce
