package channels

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"
)

// Kind classifies a sync failure: the error kinds the guide lists for
// diary_sync, plus the few the engine adds. A Kind is itself an error, so
// errors.Is(err, channels.KindSKUNotFound) tests a failure's kind.
type Kind string

// The guide's error kinds, and the engine's own.
const (
	// KindSKUNotFound: a line's SKU is empty or unknown to the Catalogue;
	// the order is not imported (the guide's "Order not duplicated").
	KindSKUNotFound Kind = "product SKU not found"
	// KindClientNotCreated: the buyer's email is invalid, or the
	// ClientDirectory refused it (duplicate, invalid).
	KindClientNotCreated Kind = "client not created"
	// KindPaymentNotMapped: the shop's payment method has no payment mode
	// in the shop's mapping, or the mode is not allowed on the channel.
	KindPaymentNotMapped Kind = "payment method not mapped"
	// KindUnreachable: API timeout or store unreachable. Connectors wrap
	// transport failures with it so the engine retries them.
	KindUnreachable Kind = "API timeout or store unreachable"
	// KindStatusNotMapped: a shop status without an order status (import),
	// never imported as a silent Draft.
	KindStatusNotMapped Kind = "status not mapped"
	// KindRejected: the shop refused a write (a push of a status, a price,
	// stock…), or a catalogue item came back with an error.
	KindRejected Kind = "rejected by the store"
	// KindInvalidOrder: the order core refused the imported order (bad
	// currency, no lines, negative amounts…).
	KindInvalidOrder Kind = "order refused by the core"
	// KindInternal: our own side failed (storage, catalogue or directory
	// errors other than "not found").
	KindInternal Kind = "internal error"
)

// Error makes a Kind usable as an errors.Is target. It is the kind's text
// alone, as the diary shows it; a *SyncError's message says where.
func (k Kind) Error() string { return string(k) }

// Kinds returns every failure kind, in a stable order (for reports).
func Kinds() []Kind {
	return []Kind{KindSKUNotFound, KindClientNotCreated, KindPaymentNotMapped, KindUnreachable,
		KindStatusNotMapped, KindRejected, KindInvalidOrder, KindInternal}
}

// RecordKinds returns every kind a diary record may carry: the failure
// kinds, then the flags of records that are not failures
// (KindTotalMismatch). A store that keeps the diary accepts exactly these.
func RecordKinds() []Kind { return append(Kinds(), KindTotalMismatch) }

// Sentinel errors for configuration and lookups.
var (
	// ErrNotFound: no channel, shop, product or record with that id. A
	// Catalogue returns it (wrapped) for an unknown SKU.
	ErrNotFound = errors.New("channels: not found")
	// ErrInvalid: a malformed channel, shop, mapping or request. The detail
	// is a *ConfigError.
	ErrInvalid = errors.New("channels: invalid configuration")
	// ErrInvalidEmail: a ClientDirectory refuses an email it cannot use.
	ErrInvalidEmail = errors.New("channels: invalid email")
	// ErrDuplicateClient: a ClientDirectory finds several clients with one
	// email and cannot choose.
	ErrDuplicateClient = errors.New("channels: duplicate client email")
	// ErrNoConnector: the shop's Connector lacks the part a job needs
	// (OrderSource, StatusSink or CatalogueSink).
	ErrNoConnector = errors.New("channels: connector does not support this job")
)

// ConfigError names the offending field of a channel, shop or mapping.
// errors.As target: *ConfigError. It wraps ErrInvalid, or oms.ErrUnknownChannel
// / ErrNotFound when Kind says so.
type ConfigError struct {
	Field  string
	Reason string
	Kind   error
}

// Error says which field is invalid and why: "channels: invalid
// shop.statuses.in: empty shop status".
func (e *ConfigError) Error() string {
	return fmt.Sprintf("channels: invalid %s: %s", e.Field, e.Reason)
}

// Unwrap returns ErrInvalid and the specific kind, if any.
func (e *ConfigError) Unwrap() []error {
	if e.Kind != nil {
		return []error{e.Kind, ErrInvalid}
	}
	return []error{ErrInvalid}
}

// SyncError is one failed record or run: which shop, which job, which
// record (external id, SKU or order id) and why. errors.As target:
// *SyncError. errors.Is matches its Kind and the underlying error.
type SyncError struct {
	Kind Kind
	Shop string
	Job  Job
	// Key is the record: the external order id, a SKU, or "" for the run.
	Key string
	// Detail says what happened, for the diary and the operator.
	Detail string
	Err    error
}

// Error names the shop, job and record, then the kind, the detail and the
// cause: "channels: ro/orders 1002: product SKU not found: not in the
// catalogue: CAKE". The kind alone is the text of Kind.Error.
func (e *SyncError) Error() string {
	msg := "channels: " + e.Shop + "/" + string(e.Job)
	if e.Key != "" {
		msg += " " + e.Key
	}
	msg += ": " + string(e.Kind)
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns the kind and the cause.
func (e *SyncError) Unwrap() []error {
	if e.Err != nil {
		return []error{e.Kind, e.Err}
	}
	return []error{e.Kind}
}

// Transient reports whether err is worth retrying: the connector marked it
// KindUnreachable, or it is a timeout (context.DeadlineExceeded of a
// request, a net.Error timeout), or it says it is temporary.
func Transient(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, KindUnreachable) || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	var tmp interface{ Temporary() bool }
	return errors.As(err, &tmp) && tmp.Temporary()
}

// RetryHinter is implemented by connector errors that carry how long the
// shop asked to wait before the next attempt: an HTTP 429 or 503 with
// Retry-After (adapters/woocommerce's *Error is one). The engine finds it
// with errors.As, so a connector may wrap it (with KindUnreachable, say).
type RetryHinter interface {
	// RetryAfterHint returns the wait asked for; zero or less: none.
	RetryAfterHint() time.Duration
}

// RetryAfter returns the wait the shop asked for before the next attempt,
// when err or an error it wraps is a RetryHinter with a positive hint.
func RetryAfter(err error) (time.Duration, bool) {
	var h RetryHinter
	if err == nil || !errors.As(err, &h) {
		return 0, false
	}
	d := h.RetryAfterHint()
	return d, d > 0
}

// kindOf classifies an error from a connector.
func kindOf(err error) Kind {
	var se *SyncError
	if errors.As(err, &se) {
		return se.Kind
	}
	if Transient(err) {
		return KindUnreachable
	}
	return KindRejected
}
