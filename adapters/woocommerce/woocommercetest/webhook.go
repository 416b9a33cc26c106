package woocommercetest

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Delivery is one webhook delivery for DeliverWebhook.
type Delivery struct {
	// Topic, e.g. "order.created", "order.updated", "order.deleted".
	// Empty: "order.updated".
	Topic string
	// OrderID is the order whose current JSON is sent (order.deleted sends
	// only {"id":N}). Ignored when Body is set.
	OrderID int64
	// Body, when set, is sent as is.
	Body []byte
	// Secret signs the body: X-WC-Webhook-Signature is
	// base64(HMAC-SHA256(body, Secret)).
	Secret string
	// BadSignature signs with a wrong secret; Unsigned sends no signature.
	BadSignature, Unsigned bool
	// DeliveryID is X-WC-Webhook-Delivery-ID. Empty: a fresh one (reuse
	// one to simulate a redelivery).
	DeliveryID string
	// WebhookID is X-WC-Webhook-ID. Zero: 1.
	WebhookID int64
}

// DeliverWebhook POSTs a webhook delivery to target as WooCommerce does and
// returns the HTTP status answered. It returns an error for an unknown
// order or if the request fails.
func (s *Server) DeliverWebhook(ctx context.Context, target string, d Delivery) (int, error) {
	if d.Topic == "" {
		d.Topic = "order.updated"
	}
	if d.WebhookID == 0 {
		d.WebhookID = 1
	}
	body := d.Body
	if body == nil {
		resource, event, _ := strings.Cut(d.Topic, ".")
		switch {
		case resource == "order" && event == "deleted":
			body = []byte(`{"id":` + strconv.FormatInt(d.OrderID, 10) + `}`)
		default:
			raw, ok := s.OrderJSON(d.OrderID)
			if !ok {
				return 0, fmt.Errorf("woocommercetest: no order %d to deliver", d.OrderID)
			}
			body = raw
		}
	}
	s.mu.Lock()
	if d.DeliveryID == "" {
		s.nextDelivery++
		d.DeliveryID = strconv.FormatInt(s.nextDelivery, 10)
	}
	s.mu.Unlock()

	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	resource, event, _ := strings.Cut(d.Topic, ".")
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "WooCommerce/9.4.0 Hookshot (WordPress/6.7)")
	req.Header.Set("X-WC-Webhook-Source", s.URL+"/")
	req.Header.Set("X-WC-Webhook-Topic", d.Topic)
	req.Header.Set("X-WC-Webhook-Resource", resource)
	req.Header.Set("X-WC-Webhook-Event", event)
	req.Header.Set("X-WC-Webhook-ID", strconv.FormatInt(d.WebhookID, 10))
	req.Header.Set("X-WC-Webhook-Delivery-ID", d.DeliveryID)
	if !d.Unsigned {
		secret := d.Secret
		if d.BadSignature {
			secret += "-wrong"
		}
		req.Header.Set("X-WC-Webhook-Signature", signature(body, secret))
	}
	return s.send(req)
}

// PingWebhook POSTs the creation ping WooCommerce sends when a webhook is
// saved: form data webhook_id=N, no signature. It returns the status answered.
func (s *Server) PingWebhook(ctx context.Context, target string, webhookID int64) (int, error) {
	body := "webhook_id=" + strconv.FormatInt(webhookID, 10)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, strings.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", "WooCommerce/9.4.0 Hookshot (WordPress/6.7)")
	return s.send(req)
}

func (s *Server) send(req *http.Request) (int, error) {
	resp, err := s.hookc.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, nil
}

// signature is WooCommerce's webhook signature, written here apart from the
// client's so each checks the other.
func signature(body []byte, secret string) string {
	h := hmac.New(sha256.New, []byte(secret))
	h.Write(body)
	return base64.StdEncoding.EncodeToString(h.Sum(nil))
}

// Webhook topics the site fires on its own order changes.
const (
	TopicOrderCreated  = "order.created"  // an order is added
	TopicOrderUpdated  = "order.updated"  // an order changes (status, edits, a PUT)
	TopicOrderDeleted  = "order.deleted"  // moved to the trash or deleted: body {"id":N}
	TopicOrderRestored = "order.restored" // taken out of the trash
)

// Webhook statuses.
const (
	WebhookActive   = "active"
	WebhookPaused   = "paused"
	WebhookDisabled = "disabled"
)

// MaxDeliveryFailures is WooCommerce's woocommerce_max_webhook_delivery_failures
// default: a webhook that already counts more consecutive failed
// deliveries than this is disabled by its next failure.
const MaxDeliveryFailures = 5

// Webhook is a webhook registered on the site with AddWebhook. The site
// delivers its own order changes to it, as WooCommerce does, one POST per
// change in the order they happened, after the change (asynchronously,
// like WooCommerce's Action Scheduler), signed with Secret, with the
// X-WC-Webhook-* headers. The body is the order as the change left it
// ({"id":N} for order.deleted): WooCommerce reads it when its queue runs,
// usually moments later; the fake keeps each change's own.
//
// A delivery succeeds with a 2xx, 301 or 302 answer. Every other answer,
// and a transport error, is a failed delivery: FailureCount counts them in
// a row (a success resets it), and a failure arriving when FailureCount
// is already above MaxDeliveryFailures disables the webhook, as
// WooCommerce's WC_Webhook::failed_delivery does: with the default, the
// seventh failure in a row. A disabled or paused webhook gets nothing.
type Webhook struct {
	ID   int64
	Name string
	// Status is WebhookActive (the default), WebhookPaused or
	// WebhookDisabled.
	Status string
	// Topic is one of the Topic* constants.
	Topic string
	// DeliveryURL receives the deliveries.
	DeliveryURL string
	// Secret signs the deliveries. Empty: the site's consumer secret, as
	// WooCommerce defaults it.
	Secret string
	// Retries is the fake's own: how many more times a failed delivery is
	// sent (with the same Delivery-ID) before the site gives up on it;
	// each failed attempt counts as a failed delivery. Zero: none, as in
	// WooCommerce, which never sends a delivery twice.
	Retries int
	// FailureCount is the number of failed deliveries in a row (read-only).
	FailureCount int
}

// WebhookRecord is one delivery attempt the site made.
type WebhookRecord struct {
	WebhookID  int64
	DeliveryID string
	Topic      string
	OrderID    int64
	// Attempt is 1 for the first sending, 2 for the first retry…
	Attempt int
	// Status is the HTTP status answered; 0 when the request failed (Err).
	Status int
	Err    string
	// OK tells whether the delivery counted as a success.
	OK bool
}

// hookEvent is a queued delivery.
type hookEvent struct {
	webhookID  int64
	topic      string
	orderID    int64
	deliveryID string
	body       []byte // never modified: orderRec.raw is replaced, not changed
}

var orderTopics = []string{TopicOrderCreated, TopicOrderUpdated, TopicOrderDeleted, TopicOrderRestored}

// AddWebhook registers a webhook and returns the stored copy (id, status
// and secret filled in). Like WooCommerce saving an active webhook, it
// first sends the creation ping to DeliveryURL (form data webhook_id=N,
// unsigned) and returns an error when the ping fails or is not answered
// with a 2xx; the webhook is kept either way. It returns an error and
// stores nothing for a topic other than the order topics, a status it does
// not know or an empty DeliveryURL.
func (s *Server) AddWebhook(ctx context.Context, w Webhook) (Webhook, error) {
	switch {
	case !slices.Contains(orderTopics, w.Topic):
		return Webhook{}, fmt.Errorf("woocommercetest: webhook topic %q: want one of %v", w.Topic, orderTopics)
	case w.Status != "" && w.Status != WebhookActive && w.Status != WebhookPaused && w.Status != WebhookDisabled:
		return Webhook{}, fmt.Errorf("woocommercetest: webhook status %q", w.Status)
	case w.DeliveryURL == "":
		return Webhook{}, fmt.Errorf("woocommercetest: webhook without a delivery URL")
	}
	if w.Status == "" {
		w.Status = WebhookActive
	}
	if w.Secret == "" {
		w.Secret = s.ConsumerSecret
	}
	w.FailureCount = 0
	s.mu.Lock()
	s.lastHookID++
	w.ID = s.lastHookID
	if w.Name == "" {
		w.Name = "Webhook " + strconv.FormatInt(w.ID, 10)
	}
	c := w
	s.hooks = append(s.hooks, &c)
	s.hookOnce.Do(s.startDeliveries)
	s.mu.Unlock()
	if w.Status != WebhookActive {
		return w, nil
	}
	code, err := s.PingWebhook(ctx, w.DeliveryURL, w.ID)
	if err != nil {
		return w, fmt.Errorf("woocommercetest: ping of webhook %d: %w", w.ID, err)
	}
	if code < 200 || code > 299 {
		return w, fmt.Errorf("woocommercetest: ping of webhook %d: delivery URL answered %d", w.ID, code)
	}
	return w, nil
}

// Webhook returns a copy of a registered webhook.
func (s *Server) Webhook(id int64) (Webhook, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, h := range s.hooks {
		if h.ID == id {
			return *h, true
		}
	}
	return Webhook{}, false
}

// SetWebhookStatus changes a webhook's status as the shop's admin would;
// making it active again resets its FailureCount. It reports false for an
// unknown id or status.
func (s *Server) SetWebhookStatus(id int64, status string) bool {
	if status != WebhookActive && status != WebhookPaused && status != WebhookDisabled {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, h := range s.hooks {
		if h.ID == id {
			h.Status = status
			if status == WebhookActive {
				h.FailureCount = 0
			}
			return true
		}
	}
	return false
}

// WebhookRecords returns a copy of the log of delivery attempts, oldest
// first.
func (s *Server) WebhookRecords() []WebhookRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]WebhookRecord(nil), s.hookLog...)
}

// WaitWebhooks waits until every delivery queued so far has been made
// (retries included), or ctx ends.
func (s *Server) WaitWebhooks(ctx context.Context) error {
	t := time.NewTicker(time.Millisecond)
	defer t.Stop()
	for {
		s.mu.Lock()
		idle := len(s.hookQueue) == 0 && !s.hookBusy
		s.mu.Unlock()
		if idle {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-s.quit:
			return errors.New("woocommercetest: server closed")
		case <-t.C:
		}
	}
}

// emit queues a delivery of an order change to every active webhook of
// the topic. Called locked.
func (s *Server) emit(topic string, orderID int64) {
	var body []byte
	for _, h := range s.hooks {
		if h.Status != WebhookActive || h.Topic != topic {
			continue
		}
		if body == nil {
			if rec, ok := s.orders[orderID]; ok && topic != TopicOrderDeleted {
				body = rec.raw
			} else {
				body = []byte(`{"id":` + strconv.FormatInt(orderID, 10) + `}`)
			}
		}
		s.nextDelivery++
		s.hookQueue = append(s.hookQueue, hookEvent{webhookID: h.ID, topic: topic, orderID: orderID,
			deliveryID: strconv.FormatInt(s.nextDelivery, 10), body: body})
	}
	if len(s.hookQueue) > 0 {
		select {
		case s.hookWake <- struct{}{}:
		default:
		}
	}
}

// emitStatus queues the webhook topic of a status change: leaving for
// the trash is a deletion, coming back from it a restoration. Called
// locked.
func (s *Server) emitStatus(orderID int64, before, after string) {
	switch {
	case after == "trash" && before != "trash":
		s.emit(TopicOrderDeleted, orderID)
	case before == "trash" && after != "trash":
		s.emit(TopicOrderRestored, orderID)
	default:
		s.emit(TopicOrderUpdated, orderID)
	}
}

// startDeliveries starts the delivery goroutine. Called locked, once.
func (s *Server) startDeliveries() {
	s.hookWake = make(chan struct{}, 1)
	ctx, cancel := context.WithCancel(context.Background())
	s.hookDone = make(chan struct{})
	go func() {
		<-s.quit
		cancel()
	}()
	go func() {
		defer close(s.hookDone)
		for {
			s.mu.Lock()
			if len(s.hookQueue) == 0 {
				s.hookBusy = false
				s.mu.Unlock()
				select {
				case <-s.hookWake:
					continue
				case <-s.quit:
					return
				}
			}
			ev := s.hookQueue[0]
			s.hookQueue = s.hookQueue[1:]
			s.hookBusy = true
			s.mu.Unlock()
			s.deliver(ctx, ev)
		}
	}()
}

// deliver sends one queued change, with the webhook's retries, and keeps
// its failure count.
func (s *Server) deliver(ctx context.Context, ev hookEvent) {
	for attempt := 1; ; attempt++ {
		s.mu.Lock()
		var h *Webhook
		for _, x := range s.hooks {
			if x.ID == ev.webhookID {
				h = x
			}
		}
		if h == nil || h.Status != WebhookActive {
			s.mu.Unlock()
			return
		}
		hook := *h
		s.mu.Unlock()
		code, err := s.post(ctx, hook, ev, ev.body)
		ok := err == nil && (code >= 200 && code < 300 || code == http.StatusMovedPermanently || code == http.StatusFound)
		rec := WebhookRecord{WebhookID: hook.ID, DeliveryID: ev.deliveryID, Topic: ev.topic, OrderID: ev.orderID,
			Attempt: attempt, Status: code, OK: ok}
		if err != nil {
			rec.Err = err.Error()
		}
		s.mu.Lock()
		s.hookLog = append(s.hookLog, rec)
		switch {
		case ok:
			h.FailureCount = 0
		case h.FailureCount > MaxDeliveryFailures:
			h.Status = WebhookDisabled
		default:
			h.FailureCount++
		}
		again := !ok && attempt <= hook.Retries && h.Status == WebhookActive
		s.mu.Unlock()
		if !again || ctx.Err() != nil {
			return
		}
		t := time.NewTimer(time.Duration(attempt) * 5 * time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// post sends one delivery as WooCommerce does.
func (s *Server) post(ctx context.Context, h Webhook, ev hookEvent, body []byte) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.DeliveryURL, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	resource, event, _ := strings.Cut(ev.topic, ".")
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "WooCommerce/9.4.0 Hookshot (WordPress/6.7)")
	req.Header.Set("X-WC-Webhook-Source", s.URL+"/")
	req.Header.Set("X-WC-Webhook-Topic", ev.topic)
	req.Header.Set("X-WC-Webhook-Resource", resource)
	req.Header.Set("X-WC-Webhook-Event", event)
	req.Header.Set("X-WC-Webhook-ID", strconv.FormatInt(h.ID, 10))
	req.Header.Set("X-WC-Webhook-Delivery-ID", ev.deliveryID)
	req.Header.Set("X-WC-Webhook-Signature", signature(body, h.Secret))
	return s.send(req)
}
