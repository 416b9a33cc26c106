package woocommercetest

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
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
