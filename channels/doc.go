// Package channels configures sales channels and synchronises online
// shops (WooCommerce, Shopify) with the order core: the guide's "Sales
// channels", "WooCommerce synchronisation" and diary_sync.
//
// Start with a Registry: SetChannel for each channel (ids are data, not
// constants) and SetShop for each online store of a shop channel, with its
// Schedule, StatusMap (DefaultStatusMap plus plugin statuses) and
// PaymentMap. The Registry is the core's oms.ChannelPolicy: pass it as
// oms.Config.Channels. Changes made by people at run time go through
// Registry.As(actor), an Admin that needs oms.PermSettings; people read
// the sync diary through Engine.As(actor), an Audit that needs
// oms.PermReports.
//
// Then New builds the sync Engine on the oms.Service, the Registry and a
// Store (adapters/memstore implements it). The engine reaches each shop
// through a Connector made of three small interfaces defined here:
// OrderSource, StatusSink and CatalogueSink. The adapters implement them
// (adapters/woocommerce); channelstest has an in-memory fake with fault
// injection for tests.
//
// # Jobs
//
// Engine.Serve is the scheduler loop over every shop's five jobs (orders,
// stock, prices, descriptions, images), for a long-running worker. For
// cron users, Engine.Run is one pass: it runs the jobs that are due and
// returns. ImportOrders, PushCatalogue, RunJob and RetryFailed run one job
// now. ImportOrder takes a single order (a webhook) through the same path
// as the pull.
//
// A job runs once at a time per engine. Engines in several processes on
// one database need Config.Leases (adapters/pgstore's Store): every run of
// a job (scheduled, one-shot, RetryFailed) then holds the (shop, job)
// lease while it runs, and a job leased by another worker is skipped with
// an error wrapping ErrLeaseHeld, leaving nothing in the diary.
//
// Import is idempotent: the shop's order id is the core's external id, so
// importing a page twice or resuming after a crash never duplicates an
// order, and the resume cursor is stored only after the orders of its page
// are committed. An existing order takes the shop's new status only when
// the shop changed it since the last sync and the order lifecycle has a
// move to it (EventsTo): an order never regresses, and the engine's own
// pushes are recognised when they come back.
//
// The status push (HandleEvent) runs from the core's outbox events, so a
// crash loses no push, with retries; it pushes each event once under
// at-least-once delivery.
//
// # Diary
//
// Every run and every record that is not a plain "unchanged" goes to the
// diary (Runs, Records) with counts, timings and a typed Kind for
// failures; a *SyncError carries it for errors.Is/As. Failed records wait
// in Failed for RetryFailed. Summary is the morning check: per shop,
// imported versus errors over the last 24 hours and 7 days.
package channels
