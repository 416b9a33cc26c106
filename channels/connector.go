package channels

import (
	"context"
	"time"

	"github.com/shopspring/decimal"

	"github.com/azuvio/omnisales/oms"
)

// Job names one of a shop's sync jobs. The first five are the guide's
// schedules; JobStatus is the push of order statuses from core events.
type Job string

// Jobs.
const (
	JobStock        Job = "stock"        // time2, CRM → shop
	JobPrices       Job = "prices"       // time3, CRM → shop
	JobDescriptions Job = "descriptions" // time4, CRM → shop
	JobImages       Job = "images"       // time5, CRM → shop
	JobOrders       Job = "orders"       // time6, shop → CRM (new orders and statuses)
	JobStatus       Job = "status"       // CRM → shop, on every status change
)

// ScheduledJobs returns the five jobs of a shop's Schedule, in the order
// the scheduler (Engine.Run, Engine.Serve) runs them when several are due.
func ScheduledJobs() []Job { return []Job{JobOrders, JobStock, JobPrices, JobDescriptions, JobImages} }

// ExternalOrder is a shop's order in channel-neutral form. Amounts are in
// Currency; times are UTC.
type ExternalOrder struct {
	// ID is the shop's order id: the idempotency key of the import.
	ID string
	// Number is the order number shown to the buyer; "": ID.
	Number string
	// Status is the shop's status slug ("processing", "on-hold", "shipped").
	Status   string
	Created  time.Time
	Modified time.Time
	Currency string
	Lines    []ExternalLine
	// Subtotal, Discount and Tax are the shop's order totals (Tax with the
	// shipping and fee taxes), kept for reference; the core recomputes its
	// own from the lines.
	Subtotal decimal.Decimal
	Discount decimal.Decimal
	Tax      decimal.Decimal
	// Total is what the buyer pays in the shop. The import reconciles it
	// with the total of the order it builds and flags a difference beyond
	// rounding (KindTotalMismatch, see ImportOrders). Zero means the
	// source does not report a total: nothing is reconciled.
	Total decimal.Decimal
	// ShippingFee is the shipping charged, before tax, and ShippingTax its
	// tax. With the Fees they make the order's delivery fee (the channel's
	// default fee is not added to shop orders).
	ShippingFee   decimal.Decimal
	ShippingTax   decimal.Decimal
	Fees          []ExternalFee
	PaymentMethod string
	Customer      Customer
	Billing       oms.Address
	Shipping      oms.Address
	Note          string
	// Removed says the shop deleted the order or moved it to its trash (a
	// WooCommerce order.deleted webhook, status "trash"); only ID need be
	// set. The engine imports nothing and changes nothing for it: an
	// order we already have stays as it is, since a deletion in the shop
	// is often housekeeping and the order may be invoiced or shipped
	// already; the diary records it as skipped (no error kind) for an
	// operator to cancel by hand if the sale is off, and a failed import
	// of it stops waiting for RetryFailed.
	Removed bool
}

// ExternalLine is one product line of a shop order.
type ExternalLine struct {
	// SKU finds the product in the Catalogue; "" is KindSKUNotFound.
	SKU      string
	Name     string
	Quantity int64
	// Subtotal is the line before discount (all units) and Total after
	// it; the difference is the line's discount. When Subtotal is zero,
	// UnitPrice × Quantity is used.
	Subtotal  decimal.Decimal
	Total     decimal.Decimal
	UnitPrice decimal.Decimal
	// Tax is the line's tax amount. TaxRate is a percentage (19 for 19%);
	// zero derives it from Tax / Total.
	Tax     decimal.Decimal
	TaxRate decimal.Decimal
}

// ExternalFee is an order-level charge of a shop order that is neither a
// product nor shipping: a cash-on-delivery fee, a packaging or payment
// surcharge (WooCommerce fee_lines). A negative fee is a discount.
type ExternalFee struct {
	Name string
	// Total is the fee before tax and Tax its tax.
	Total decimal.Decimal
	Tax   decimal.Decimal
}

// Customer is the buyer as the shop knows them.
type Customer struct {
	// ExternalID is the shop's customer id; "" for a guest checkout.
	ExternalID string
	Email      string
	Name       string
	Company    string
	Phone      string
}

// OrderPage is one page of changed orders.
type OrderPage struct {
	Orders []ExternalOrder
	// Next is the cursor that resumes after this page. Listing from it
	// must return every order changed after the ones in this page;
	// repeating some is harmless (the import is idempotent). "" keeps the
	// cursor the page was listed from.
	Next string
	// More is true while further pages follow.
	More bool
	// Total is how many orders the whole listing holds, for progress; 0
	// when unknown.
	Total int
	// Unreadable are the page's orders the source could not decode: each
	// becomes a failed record (KindInvalidOrder) and the others import.
	Unreadable []UnreadableOrder
}

// UnreadableOrder is an order of a page that could not be decoded.
type UnreadableOrder struct {
	// ID is the shop's order id when it could be read, else "".
	ID  string
	Err error
}

// OrderSource lists a shop's orders changed since a cursor. The cursor is
// opaque to the engine: "" means from the beginning. Outcomes: a page
// (possibly empty) and nil; an error wrapping KindUnreachable (or a
// timeout) that the engine retries; any other error, which ends the run.
//
// Orders listed twice are harmless, orders skipped are not. For an API
// that filters on a modification time and pages by position (WooCommerce:
// modified_after, exclusive and to the second), a safe cursor holds the
// filter time and the position reached, moves the filter time forward
// only to before the walk began, and guards the position against orders
// that leave the listing during the walk (a WooCommerce order moved to
// the trash): every later order moves up a place, and the one that slides
// over a page boundary must not be lost (adapters/woocommerce re-reads
// from the last order it passed, by id).
type OrderSource interface {
	ListOrders(ctx context.Context, cursor string, limit int) (OrderPage, error)
}

// OrderGetter is an optional upgrade of OrderSource: RetryFailed uses it to
// re-read a failed order before importing it again, instead of the copy
// kept in the failed record. It returns an error wrapping ErrNotFound for
// an order the shop no longer has.
type OrderGetter interface {
	GetOrder(ctx context.Context, externalID string) (ExternalOrder, error)
}

// PushResult is what a shop reports after a status push.
type PushResult struct {
	// Modified is the order's modification time in the shop after the
	// push; zero when unknown. The engine records it so the push does not
	// come back as a shop change.
	Modified time.Time
}

// StatusSink sets an order's status in the shop. Pushing the status the
// order already has must succeed. Outcomes: nil; an error wrapping
// KindUnreachable (or a timeout) that the engine retries; any other error,
// a refusal (KindRejected).
type StatusSink interface {
	PushStatus(ctx context.Context, externalID, status string) (PushResult, error)
}

// CatalogueItem is one product's data for a catalogue push; a job uses the
// fields of its kind (JobPrices: prices; JobStock: Stock; JobDescriptions:
// Name and the descriptions; JobImages: Images).
type CatalogueItem struct {
	SKU string
	// RegularPrice and SalePrice; a null SalePrice clears the sale.
	RegularPrice     decimal.Decimal
	SalePrice        decimal.NullDecimal
	Stock            int64
	Name             string
	Description      string
	ShortDescription string
	Images           []Image
}

// Image is a product image by URL.
type Image struct {
	URL string
	Alt string
}

// ItemResult is the shop's answer for one item of a batch: Err is nil when
// it was applied.
type ItemResult struct {
	SKU string
	Err error
}

// CatalogueSink pushes catalogue data in batches of at most the engine's
// BatchSize. It returns one result per item (in any order, matched by SKU);
// an item missing from the results counts as failed. A returned error
// fails the whole batch: wrap transport failures with KindUnreachable.
type CatalogueSink interface {
	PushCatalogue(ctx context.Context, job Job, items []CatalogueItem) ([]ItemResult, error)
}

// Connector is what the engine uses to reach one shop. Any part may be nil
// when the shop does not support it; the jobs that need it then fail with
// ErrNoConnector. An adapter type usually implements all three.
type Connector struct {
	Orders    OrderSource
	Status    StatusSink
	Catalogue CatalogueSink
}

// ConnectFunc returns the connector of a shop, typically by reading
// shop.Credentials and building an API client. The engine calls it once
// per shop and keeps the result until ForgetConnector.
type ConnectFunc func(ctx context.Context, shop Shop) (Connector, error)

// Product is what the Catalogue knows of a SKU.
type Product struct {
	ID         string
	SKU        string
	Name       string
	Group      string
	Department string
}

// Catalogue finds products by SKU for the import. It returns an error
// wrapping ErrNotFound for an unknown SKU (KindSKUNotFound); any other
// error is KindInternal and the order is retried by RetryFailed.
type Catalogue interface {
	ProductBySKU(ctx context.Context, sku string) (Product, error)
}

// CatalogueBatch is an optional upgrade of a Catalogue that finds several
// SKUs in one call (one round trip for a database). The import looks up
// an order's lines through it when the Catalogue has it, so an order costs
// the same whatever its number of lines. SKUs it does not know are absent
// from the map; an error is KindInternal, as for ProductBySKU.
type CatalogueBatch interface {
	ProductsBySKU(ctx context.Context, skus []string) (map[string]Product, error)
}

// ClientDirectory finds the client of an imported order by email and
// creates one when none exists. It returns an error wrapping
// ErrInvalidEmail or ErrDuplicateClient when it cannot; any error is a
// KindClientNotCreated diary error and the order is not imported. The
// engine checks the email's syntax before calling it.
type ClientDirectory interface {
	FindOrCreate(ctx context.Context, c Customer) (oms.Client, error)
}

// CatalogueFeed gives the items a catalogue job pushes to a shop. since is
// the start of the job's last run for that shop that reached the shop
// (zero the first time), so a feed may return only what changed.
type CatalogueFeed interface {
	CatalogueItems(ctx context.Context, shop Shop, job Job, since time.Time) ([]CatalogueItem, error)
}
