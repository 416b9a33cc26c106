package channels

import (
	"fmt"
	"maps"
	"strings"

	"github.com/azuvio/omnisales/oms"
)

// StatusMap maps a shop's order statuses to order statuses (import) and
// back (push). Shop statuses are slugs compared without case and
// surrounding space. Start from DefaultStatusMap and Add plugin statuses.
type StatusMap struct {
	// In maps a shop status to the order status it means. A status missing
	// here is a KindStatusNotMapped diary error on import, never a Draft.
	In map[string]oms.Status
	// Out maps an order status to the shop status pushed. A change to a
	// status missing here is not pushed (the diary notes it as skipped):
	// the shop keeps its last status.
	Out map[oms.Status]string
}

// DefaultStatusMap returns the WooCommerce defaults, both ways:
// pending↔Pending Payment, processing↔Processing, on-hold↔On Hold,
// completed↔Delivered, cancelled↔Cancelled, refunded↔Refund,
// failed↔Failed, checkout-draft↔Draft.
func DefaultStatusMap() StatusMap {
	m := StatusMap{}
	for _, p := range []struct {
		shop string
		s    oms.Status
	}{
		{"pending", oms.PendingPayment}, {"processing", oms.Processing}, {"on-hold", oms.OnHold},
		{"completed", oms.Delivered}, {"cancelled", oms.Cancelled}, {"refunded", oms.Refund},
		{"failed", oms.Failed}, {"checkout-draft", oms.Draft},
	} {
		m.Add(p.shop, p.s)
	}
	return m
}

func normSlug(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// Add maps shop status shop to s both ways (for a plugin status such as
// "shipped" → Shipping). It replaces earlier entries for either side.
func (m *StatusMap) Add(shop string, s oms.Status) {
	if m.In == nil {
		m.In = map[string]oms.Status{}
	}
	if m.Out == nil {
		m.Out = map[oms.Status]string{}
	}
	m.In[normSlug(shop)] = s
	m.Out[s] = normSlug(shop)
}

// Inbound returns the order status a shop status means.
func (m StatusMap) Inbound(shop string) (oms.Status, bool) {
	if s, ok := m.In[shop]; ok {
		return s, true
	}
	s, ok := m.In[normSlug(shop)]
	return s, ok
}

// Outbound returns the shop status to push for an order status.
func (m StatusMap) Outbound(s oms.Status) (string, bool) {
	v, ok := m.Out[s]
	return v, ok && v != ""
}

// Clone returns a deep copy.
func (m StatusMap) Clone() StatusMap {
	return StatusMap{In: maps.Clone(m.In), Out: maps.Clone(m.Out)}
}

func (m StatusMap) validate() error {
	for k, s := range m.In {
		if normSlug(k) == "" {
			return &ConfigError{Field: "shop.statuses.in", Reason: "empty shop status"}
		}
		if !s.Valid() {
			return &ConfigError{Field: "shop.statuses.in[" + k + "]", Reason: fmt.Sprintf("unknown order status %d", int(s)), Kind: oms.ErrUnknownStatus}
		}
	}
	for s, v := range m.Out {
		if !s.Valid() {
			return &ConfigError{Field: "shop.statuses.out", Reason: fmt.Sprintf("unknown order status %d", int(s)), Kind: oms.ErrUnknownStatus}
		}
		if normSlug(v) == "" {
			return &ConfigError{Field: "shop.statuses.out[" + s.String() + "]", Reason: "empty shop status"}
		}
	}
	return nil
}

// PaymentMap maps a shop's payment method ids ("bacs", "cod", "stripe")
// to payment modes. A method missing here is a KindPaymentNotMapped diary
// error; an order without a payment method imports with no payment mode.
type PaymentMap map[string]string

// Mode returns the payment mode of a shop payment method.
func (m PaymentMap) Mode(method string) (string, bool) {
	if v, ok := m[method]; ok {
		return v, true
	}
	v, ok := m[normSlug(method)]
	return v, ok
}

// Method returns a shop payment method for a payment mode (the smallest
// when several map to it), for a connector that writes orders to the shop.
func (m PaymentMap) Method(mode string) (string, bool) {
	best, ok := "", false
	for k, v := range m {
		if v == mode && (!ok || k < best) {
			best, ok = k, true
		}
	}
	return best, ok
}

// Clone returns a copy.
func (m PaymentMap) Clone() PaymentMap { return maps.Clone(m) }
