package oms

import (
	"context"
	"fmt"
	"slices"

	"github.com/shopspring/decimal"
)

// ChannelType is the kind of sales channel. Channel ids are data (configured
// per installation); the types are the fixed set below.
type ChannelType string

// Channel types.
const (
	ChannelPOS         ChannelType = "pos"
	ChannelPortal      ChannelType = "portal"
	ChannelWooCommerce ChannelType = "woocommerce"
	ChannelShopify     ChannelType = "shopify"
	ChannelManual      ChannelType = "manual"
	ChannelPreOrder    ChannelType = "pre_order"
	ChannelAPI         ChannelType = "api"
)

// Valid reports whether t is one of the known channel types.
func (t ChannelType) Valid() bool {
	switch t {
	case ChannelPOS, ChannelPortal, ChannelWooCommerce, ChannelShopify, ChannelManual, ChannelPreOrder, ChannelAPI:
		return true
	}
	return false
}

// ChannelRef identifies the channel an order came through.
type ChannelRef struct {
	Type ChannelType `json:"type"`
	ID   int64       `json:"id"`
}

// ChannelSettings are the per-channel behaviours the core honours.
type ChannelSettings struct {
	// AutoConfirm moves a new order straight to Confirmed when no approval
	// rule applies.
	AutoConfirm bool
	// AutoInvoice calls the Invoicer when the order is confirmed.
	AutoInvoice bool
	// AutoDeliveryNote calls the DeliveryNoteCreator when the order is confirmed.
	AutoDeliveryNote bool
	// DeliveryFee is the default delivery fee for orders that carry none.
	DeliveryFee decimal.Decimal
	// Currency is the channel's selling currency; an order in another
	// currency is refused with ErrCurrencyMismatch. "": any currency.
	Currency string
	// PaymentMethods lists the payment methods the channel accepts; an
	// order with another one is refused with a *ValidationError on
	// "payment_method". An order with no payment method (nothing to pay,
	// or chosen later) passes. nil: any method.
	PaymentMethods []string
	// ClientGroups and Clients say who may buy through the channel (the
	// guide's "client groups with access"): a client listed in Clients or
	// in one of ClientGroups. An order for anyone else is refused with a
	// *ValidationError on "client.groups" wrapping ErrForbidden. Both nil:
	// every client.
	ClientGroups []string
	Clients      []string
}

// admits checks an order's payment method and client against the
// channel's lists.
func (set *ChannelSettings) admits(n *NewOrder) error {
	if set.PaymentMethods != nil && n.PaymentMethod != "" && !slices.Contains(set.PaymentMethods, n.PaymentMethod) {
		return &ValidationError{Field: "payment_method", Reason: fmt.Sprintf("channel %s/%d does not accept %q", n.Channel.Type, n.Channel.ID, n.PaymentMethod)}
	}
	if (set.ClientGroups != nil || set.Clients != nil) && !slices.Contains(set.Clients, n.Client.ID) &&
		!slices.ContainsFunc(n.Client.Groups, func(g string) bool { return slices.Contains(set.ClientGroups, g) }) {
		return &ValidationError{Field: "client.groups", Kind: ErrForbidden,
			Reason: fmt.Sprintf("client %s is in no group with access to channel %s/%d", n.Client.ID, n.Channel.Type, n.Channel.ID)}
	}
	return nil
}

// ChannelPolicy gives the settings of a channel. It returns an error
// wrapping ErrUnknownChannel for a channel that is not configured. The
// channels package implements it.
type ChannelPolicy interface {
	// ChannelSettings returns ch's settings, or an error wrapping
	// ErrUnknownChannel when ch is not configured.
	ChannelSettings(ctx context.Context, ch ChannelRef) (ChannelSettings, error)
}

// ChannelPolicyFunc adapts a function to ChannelPolicy.
type ChannelPolicyFunc func(ctx context.Context, ch ChannelRef) (ChannelSettings, error)

// ChannelSettings calls f.
func (f ChannelPolicyFunc) ChannelSettings(ctx context.Context, ch ChannelRef) (ChannelSettings, error) {
	return f(ctx, ch)
}

// Invoicer issues an invoice for a confirmed order. It runs after commit,
// from the order's events, and may run more than once for one order
// (at-least-once delivery): make it idempotent on the order id.
type Invoicer interface {
	// CreateInvoice issues the invoice of o, which has just been confirmed.
	CreateInvoice(ctx context.Context, o Order) error
}

// DeliveryNoteCreator creates the warehouse delivery note for a confirmed
// order. Like Invoicer, it runs after commit and must be idempotent.
type DeliveryNoteCreator interface {
	// CreateDeliveryNote creates the delivery note of o, just confirmed.
	CreateDeliveryNote(ctx context.Context, o Order) error
}
