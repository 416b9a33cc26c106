package woocommerce

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Webhook refusal kinds, counted in WebhookStats and passed to
// WebhookOptions.OnRejected.
var (
	// ErrBadSignature: X-WC-Webhook-Signature does not match the body (401).
	ErrBadSignature = errors.New("woocommerce: webhook signature mismatch")
	// ErrMissingSignature: a delivery without signature that is not the
	// creation ping (401).
	ErrMissingSignature = errors.New("woocommerce: webhook signature missing")
	// ErrPayloadTooLarge: the body exceeds WebhookOptions.MaxBodyBytes (413).
	ErrPayloadTooLarge = errors.New("woocommerce: webhook body too large")
	// ErrBadPayload: a signed order delivery whose body is not an order (400).
	ErrBadPayload = errors.New("woocommerce: webhook body is not an order")
)

// Sign returns base64(HMAC-SHA256(body, secret)), the value WooCommerce puts
// in X-WC-Webhook-Signature.
func Sign(body []byte, secret string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// WebhookDelivery describes one webhook delivery, from its headers.
type WebhookDelivery struct {
	// ID is X-WC-Webhook-Delivery-ID, the deduplication key.
	ID string
	// WebhookID is X-WC-Webhook-ID.
	WebhookID int64
	// Topic is X-WC-Webhook-Topic, e.g. "order.updated".
	Topic string
	// Resource and Event split the topic: "order", "updated".
	Resource, Event string
	// Source is X-WC-Webhook-Source, the site URL.
	Source string
}

// WebhookOptions tunes NewWebhookHandler. The zero value is ready to use.
type WebhookOptions struct {
	// MaxBodyBytes bounds a delivery body. Zero: 4 MiB.
	MaxBodyBytes int64
	// Remember is how many delivery ids are kept to drop duplicates (oldest
	// forgotten first). Zero: 10000.
	Remember int
	// OnRejected is called for every refused delivery (bad or missing
	// signature, oversize or undecodable body), to record it elsewhere
	// (the handler's Stats count them anyway). Nil: not called.
	// err wraps one of ErrBadSignature, ErrMissingSignature,
	// ErrPayloadTooLarge, ErrBadPayload.
	OnRejected func(ctx context.Context, d WebhookDelivery, err error)
	// OnOther receives signed deliveries of topics other than order.* (raw
	// body); its error makes the answer 500. Nil: they are acknowledged
	// and dropped.
	OnOther func(ctx context.Context, d WebhookDelivery, body []byte) error
	// Logger receives one record per refused or failed delivery. Nil: none.
	Logger *slog.Logger
}

// WebhookStats counts what a webhook handler did since it was made. Every
// refused delivery is counted whatever the options, so a forged or
// misconfigured sender shows without an OnRejected callback or a Logger.
type WebhookStats struct {
	// Delivered counts deliveries the sink took (answered 200).
	Delivered int64
	// Duplicates counts redeliveries acknowledged without the sink.
	Duplicates int64
	// Pings counts creation pings.
	Pings int64
	// BadSignature, MissingSignature, TooLarge and BadPayload count
	// refusals by reason (ErrBadSignature, ErrMissingSignature,
	// ErrPayloadTooLarge, ErrBadPayload).
	BadSignature, MissingSignature, TooLarge, BadPayload int64
	// SinkErrors counts deliveries answered 500 because the sink failed.
	SinkErrors int64
	// LastRefusal is the latest refused delivery; zero At when none.
	LastRefusal WebhookRefusal
}

// Refused is the number of refused deliveries, all reasons together.
func (s WebhookStats) Refused() int64 {
	return s.BadSignature + s.MissingSignature + s.TooLarge + s.BadPayload
}

// WebhookRefusal describes one refused delivery.
type WebhookRefusal struct {
	At       time.Time
	Delivery WebhookDelivery
	// RemoteAddr is the sender's address as the server saw it.
	RemoteAddr string
	// Status is the HTTP status answered.
	Status int
	// Err wraps the reason: ErrBadSignature, ErrMissingSignature,
	// ErrPayloadTooLarge or ErrBadPayload.
	Err error
}

// WebhookHandler is the http.Handler NewWebhookHandler returns; Stats
// reports what it did.
type WebhookHandler struct {
	secret []byte
	sink   func(ctx context.Context, o Order, d WebhookDelivery) error
	opts   WebhookOptions
	seen   *dedup

	delivered, duplicates, pings, sinkErrors atomic.Int64
	badSig, missingSig, tooLarge, badPayload atomic.Int64
	mu                                       sync.Mutex
	last                                     WebhookRefusal
}

// Stats returns the handler's counters. It is safe to call at any time.
func (h *WebhookHandler) Stats() WebhookStats {
	h.mu.Lock()
	last := h.last
	h.mu.Unlock()
	return WebhookStats{Delivered: h.delivered.Load(), Duplicates: h.duplicates.Load(), Pings: h.pings.Load(),
		BadSignature: h.badSig.Load(), MissingSignature: h.missingSig.Load(), TooLarge: h.tooLarge.Load(),
		BadPayload: h.badPayload.Load(), SinkErrors: h.sinkErrors.Load(), LastRefusal: last}
}

// NewWebhookHandler returns an http.Handler for WooCommerce webhooks signed
// with secret. For each POST it:
//
//   - answers the creation ping (form webhook_id=N, unsigned) with 200;
//   - refuses a missing or wrong X-WC-Webhook-Signature with 401 (compared
//     in constant time over the raw body), counts it in Stats (with the
//     latest refusal), and reports it to OnRejected and the Logger when
//     set;
//   - acknowledges a delivery id it already processed with 200, without
//     calling sink again (a duplicate still in progress gets 409);
//   - decodes order.* topics and calls sink; a body without a positive
//     order id is refused with 400 (ErrBadPayload). order.deleted carries
//     only the id: the sink gets an Order with ID alone and d.Event
//     "deleted", and must not read it as an order without status
//     (ImportSink records it as a deletion). A sink error answers 500 and
//     the delivery id is not remembered, so a redelivery is processed.
//
// The handler is safe for concurrent use.
func NewWebhookHandler(secret string, sink func(ctx context.Context, o Order, d WebhookDelivery) error, opts WebhookOptions) *WebhookHandler {
	h := &WebhookHandler{secret: []byte(secret), sink: sink, opts: opts}
	if h.opts.MaxBodyBytes <= 0 {
		h.opts.MaxBodyBytes = 4 << 20
	}
	if h.opts.Remember <= 0 {
		h.opts.Remember = 10000
	}
	h.seen = newDedup(h.opts.Remember)
	return h
}

// ServeHTTP implements http.Handler.
func (h *WebhookHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	ctx := r.Context()
	d := WebhookDelivery{
		ID:     r.Header.Get("X-WC-Webhook-Delivery-ID"),
		Topic:  r.Header.Get("X-WC-Webhook-Topic"),
		Source: r.Header.Get("X-WC-Webhook-Source"),
	}
	d.WebhookID, _ = strconv.ParseInt(r.Header.Get("X-WC-Webhook-ID"), 10, 64)
	d.Resource, d.Event = r.Header.Get("X-WC-Webhook-Resource"), r.Header.Get("X-WC-Webhook-Event")
	if d.Resource == "" || d.Event == "" {
		if res, ev, ok := strings.Cut(d.Topic, "."); ok {
			d.Resource, d.Event = res, ev
		}
	}

	body, err := io.ReadAll(io.LimitReader(r.Body, h.opts.MaxBodyBytes+1))
	if err != nil {
		http.Error(w, "cannot read body", http.StatusBadRequest)
		return
	}
	if int64(len(body)) > h.opts.MaxBodyBytes {
		h.reject(ctx, w, r, d, http.StatusRequestEntityTooLarge, fmt.Errorf("%w: more than %d bytes", ErrPayloadTooLarge, h.opts.MaxBodyBytes))
		return
	}

	sig := r.Header.Get("X-WC-Webhook-Signature")
	if sig == "" {
		if isPing(r, body) {
			h.pings.Add(1)
			w.WriteHeader(http.StatusOK)
			return
		}
		h.reject(ctx, w, r, d, http.StatusUnauthorized, ErrMissingSignature)
		return
	}
	if !h.valid(body, sig) {
		h.reject(ctx, w, r, d, http.StatusUnauthorized, ErrBadSignature)
		return
	}

	if d.ID != "" {
		switch h.seen.begin(d.ID) {
		case dedupDone:
			h.duplicates.Add(1)
			w.WriteHeader(http.StatusOK)
			return
		case dedupBusy:
			http.Error(w, "delivery in progress", http.StatusConflict)
			return
		}
	}
	if err := h.handle(ctx, d, body); err != nil {
		if d.ID != "" {
			h.seen.abort(d.ID)
		}
		if errors.Is(err, ErrBadPayload) {
			h.reject(ctx, w, r, d, http.StatusBadRequest, err)
			return
		}
		h.sinkErrors.Add(1)
		if h.opts.Logger != nil {
			h.opts.Logger.ErrorContext(ctx, "woocommerce webhook: sink failed", "delivery", d.ID, "topic", d.Topic, "error", err)
		}
		http.Error(w, "delivery not processed", http.StatusInternalServerError)
		return
	}
	if d.ID != "" {
		h.seen.finish(d.ID)
	}
	h.delivered.Add(1)
	w.WriteHeader(http.StatusOK)
}

func (h *WebhookHandler) handle(ctx context.Context, d WebhookDelivery, body []byte) error {
	if d.Resource != "order" {
		if h.opts.OnOther != nil {
			return h.opts.OnOther(ctx, d, body)
		}
		return nil
	}
	o, err := DecodeOrder(body)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrBadPayload, err)
	}
	if o.ID <= 0 {
		return fmt.Errorf("%w: no order id", ErrBadPayload)
	}
	if h.sink == nil {
		return nil
	}
	return h.sink(ctx, o, d)
}

func (h *WebhookHandler) valid(body []byte, sig string) bool {
	got, err := base64.StdEncoding.DecodeString(strings.TrimSpace(sig))
	if err != nil {
		return false
	}
	m := hmac.New(sha256.New, h.secret)
	m.Write(body)
	return hmac.Equal(got, m.Sum(nil))
}

func (h *WebhookHandler) reject(ctx context.Context, w http.ResponseWriter, r *http.Request, d WebhookDelivery, status int, err error) {
	switch {
	case errors.Is(err, ErrBadSignature):
		h.badSig.Add(1)
	case errors.Is(err, ErrMissingSignature):
		h.missingSig.Add(1)
	case errors.Is(err, ErrPayloadTooLarge):
		h.tooLarge.Add(1)
	default:
		h.badPayload.Add(1)
	}
	h.mu.Lock()
	h.last = WebhookRefusal{At: time.Now(), Delivery: d, RemoteAddr: r.RemoteAddr, Status: status, Err: err}
	h.mu.Unlock()
	if h.opts.OnRejected != nil {
		h.opts.OnRejected(ctx, d, err)
	}
	if h.opts.Logger != nil {
		h.opts.Logger.WarnContext(ctx, "woocommerce webhook: refused", "delivery", d.ID, "topic", d.Topic, "status", status, "error", err)
	}
	http.Error(w, http.StatusText(status), status)
}

// isPing recognises WooCommerce's creation ping: form data webhook_id=N.
func isPing(r *http.Request, body []byte) bool {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct != "application/x-www-form-urlencoded" {
		return false
	}
	v, err := url.ParseQuery(string(body))
	if err != nil {
		return false
	}
	id, err := strconv.ParseInt(v.Get("webhook_id"), 10, 64)
	return err == nil && id > 0
}

// dedup remembers the last n delivery ids in FIFO order.
type dedup struct {
	mu    sync.Mutex
	state map[string]uint8
	ring  []string
	next  int
}

const (
	dedupNew uint8 = iota
	dedupBusy
	dedupDone
)

func newDedup(n int) *dedup {
	return &dedup{state: make(map[string]uint8, n), ring: make([]string, n)}
}

// begin marks id busy and returns dedupNew, or returns its current state.
func (d *dedup) begin(id string) uint8 {
	d.mu.Lock()
	defer d.mu.Unlock()
	if s, ok := d.state[id]; ok {
		return s
	}
	d.state[id] = dedupBusy
	return dedupNew
}

// finish records id as done, forgetting the oldest id if full.
func (d *dedup) finish(id string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if old := d.ring[d.next]; old != "" {
		delete(d.state, old)
	}
	d.ring[d.next] = id
	d.next = (d.next + 1) % len(d.ring)
	d.state[id] = dedupDone
}

// abort forgets a busy id so a redelivery is processed.
func (d *dedup) abort(id string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.state[id] == dedupBusy {
		delete(d.state, id)
	}
}
