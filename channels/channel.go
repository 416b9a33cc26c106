package channels

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/shopspring/decimal"

	"github.com/azuvio/omnisales/oms"
)

// Channel is one configured sales channel. Its id is data chosen by the
// installation (the original system hard-coded ids and broke on fresh
// installs); only the Type is a fixed set.
type Channel struct {
	// ID is unique among channels and positive.
	ID   int64
	Type oms.ChannelType
	Name string
	// Settings are the channel's behaviours.
	Settings Settings
}

// Ref returns the reference orders carry.
func (c Channel) Ref() oms.ChannelRef { return oms.ChannelRef{Type: c.Type, ID: c.ID} }

// Settings are a channel's behaviours (the guide's "Configuration per
// channel"). The zero value is a channel with no automation, every payment
// mode allowed, standard prices, open to every client, no delivery fee.
type Settings struct {
	// AutoConfirm moves a new order straight to Confirmed when no approval
	// rule applies.
	AutoConfirm bool
	// AutoInvoice issues the invoice on confirmation (create_invoice).
	AutoInvoice bool
	// AutoDeliveryNote creates the delivery note on confirmation
	// (auto_create_goods_delivery).
	AutoDeliveryNote bool
	// PaymentModes are the payment modes the channel accepts; empty: all.
	// The core refuses an order with another payment method on any
	// channel; imports record it as a diary error first.
	PaymentModes []string
	// PriceList names the channel's price list for people (reports,
	// settings screens); prices themselves come from pricing, where the
	// channel's list is the pricing.PriceList whose Channel is this
	// channel's ID. "": standard prices.
	PriceList string
	// DeliveryFee is charged on orders that carry none.
	DeliveryFee decimal.Decimal
	// Currency is the channel's selling currency (ISO 4217); orders in
	// another currency are refused by the core with oms.ErrCurrencyMismatch.
	// "": any currency.
	Currency string
	// ClientGroups are the client groups with access; together with
	// Visibility.Clients they restrict who may use the channel. Both
	// empty: everyone.
	ClientGroups []string
	// Visibility restricts what the catalogue shows.
	Visibility Visibility
}

// AllowsPayment reports whether mode is accepted on the channel.
func (s Settings) AllowsPayment(mode string) bool {
	return len(s.PaymentModes) == 0 || slices.Contains(s.PaymentModes, mode)
}

// Visibility is catalogue visibility on a channel: per client group, per
// client and per department (the guide's customer_group, customer and
// omni_show_products_by_department). The zero value shows every product to
// everyone with access.
type Visibility struct {
	// Clients are client ids given access besides Settings.ClientGroups.
	Clients []string
	// GroupProducts restricts, per client group, the product groups its
	// members see. A client sees a product group when any of their groups
	// lists it; a client none of whose groups is a key sees everything.
	GroupProducts map[string][]string
	// ByDepartment shows a client only the products of their departments.
	ByDepartment bool
}

// Viewer is who looks at the catalogue.
type Viewer struct {
	ClientID    string
	Groups      []string
	Departments []string
}

// Allows reports whether the viewer may use the channel at all.
func (c Channel) Allows(v Viewer) bool {
	s := c.Settings
	if len(s.ClientGroups) == 0 && len(s.Visibility.Clients) == 0 {
		return true
	}
	if v.ClientID != "" && slices.Contains(s.Visibility.Clients, v.ClientID) {
		return true
	}
	for _, g := range v.Groups {
		if slices.Contains(s.ClientGroups, g) {
			return true
		}
	}
	return false
}

// Shows reports whether the viewer sees product p in the channel's
// catalogue: access, then the group's product groups, then the department.
func (c Channel) Shows(v Viewer, p Product) bool {
	if !c.Allows(v) {
		return false
	}
	vis := c.Settings.Visibility
	restricted, seen := false, false
	for _, g := range v.Groups {
		if pg, ok := vis.GroupProducts[g]; ok {
			restricted = true
			if slices.Contains(pg, p.Group) {
				seen = true
			}
		}
	}
	if restricted && !seen {
		return false
	}
	return !vis.ByDepartment || slices.Contains(v.Departments, p.Department)
}

// Schedule holds a shop's five job intervals (the guide's time2…time6). A
// zero interval leaves the job out of Engine.Run and Engine.Serve; RunJob
// still runs it.
type Schedule struct {
	Stock        time.Duration // time2
	Prices       time.Duration // time3
	Descriptions time.Duration // time4
	Images       time.Duration // time5
	Orders       time.Duration // time6
}

// Interval returns the interval of job j (0 for a job without one).
func (s Schedule) Interval(j Job) time.Duration {
	switch j {
	case JobStock:
		return s.Stock
	case JobPrices:
		return s.Prices
	case JobDescriptions:
		return s.Descriptions
	case JobImages:
		return s.Images
	case JobOrders:
		return s.Orders
	}
	return 0
}

// Shop is one online store of a channel: a channel may have several, each
// with its own credentials, schedule and mappings.
type Shop struct {
	// ID is unique among shops; orders record it in oms.Order.Store.
	ID        string
	ChannelID int64
	Name      string
	// URL is the store's address, for the connector.
	URL string
	// Credentials names where the connector finds the keys (a secret
	// manager path, an environment variable); never the keys themselves.
	Credentials string
	Schedule    Schedule
	// Statuses maps shop statuses to order statuses and back. The zero
	// value (both maps nil) is DefaultStatusMap.
	Statuses StatusMap
	// Payments maps the shop's payment methods to payment modes.
	Payments PaymentMap
	// Disabled shops are skipped by Engine.Run and Engine.Serve; RunJob
	// and status pushes still reach them.
	Disabled bool
}

// Registry holds the configured channels and shops and implements
// oms.ChannelPolicy. It is safe for concurrent use; values are copied in
// and out. Load it from your configuration at start-up.
type Registry struct {
	mu       sync.RWMutex
	channels map[int64]Channel
	shops    map[string]Shop
}

var _ oms.ChannelPolicy = (*Registry)(nil)

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{channels: map[int64]Channel{}, shops: map[string]Shop{}}
}

func cloneChannel(c Channel) Channel {
	s := &c.Settings
	s.PaymentModes = slices.Clone(s.PaymentModes)
	s.ClientGroups = slices.Clone(s.ClientGroups)
	s.Visibility.Clients = slices.Clone(s.Visibility.Clients)
	if s.Visibility.GroupProducts != nil {
		gp := make(map[string][]string, len(s.Visibility.GroupProducts))
		for k, v := range s.Visibility.GroupProducts {
			gp[k] = slices.Clone(v)
		}
		s.Visibility.GroupProducts = gp
	}
	return c
}

func cloneShop(s Shop) Shop {
	s.Statuses = s.Statuses.Clone()
	s.Payments = s.Payments.Clone()
	return s
}

func validateChannel(c Channel) error {
	switch {
	case c.ID <= 0:
		return &ConfigError{Field: "channel.id", Reason: fmt.Sprintf("must be positive, got %d", c.ID)}
	case !c.Type.Valid():
		return &ConfigError{Field: "channel.type", Reason: fmt.Sprintf("unknown type %q", c.Type), Kind: oms.ErrUnknownChannel}
	case strings.TrimSpace(c.Name) == "":
		return &ConfigError{Field: "channel.name", Reason: "empty"}
	case c.Settings.DeliveryFee.IsNegative():
		return &ConfigError{Field: "channel.settings.delivery_fee", Reason: "negative"}
	case c.Settings.Currency != "" && !oms.KnownCurrency(c.Settings.Currency):
		return &ConfigError{Field: "channel.settings.currency", Reason: fmt.Sprintf("%q is not an ISO 4217 code", c.Settings.Currency)}
	}
	return nil
}

// SetChannel adds or replaces a channel.
func (r *Registry) SetChannel(c Channel) error {
	if err := validateChannel(c); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if old, ok := r.channels[c.ID]; ok && old.Type != c.Type {
		for _, s := range r.shops {
			if s.ChannelID == c.ID {
				return &ConfigError{Field: "channel.type", Reason: "cannot change the type of a channel with shops"}
			}
		}
	}
	r.channels[c.ID] = cloneChannel(c)
	return nil
}

// SetShop adds or replaces a shop of an existing channel.
func (r *Registry) SetShop(s Shop) error {
	switch {
	case strings.TrimSpace(s.ID) == "":
		return &ConfigError{Field: "shop.id", Reason: "empty"}
	}
	for j, d := range map[Job]time.Duration{JobStock: s.Schedule.Stock, JobPrices: s.Schedule.Prices,
		JobDescriptions: s.Schedule.Descriptions, JobImages: s.Schedule.Images, JobOrders: s.Schedule.Orders} {
		if d < 0 {
			return &ConfigError{Field: "shop.schedule." + string(j), Reason: "negative interval"}
		}
	}
	if s.Statuses.In == nil && s.Statuses.Out == nil {
		s.Statuses = DefaultStatusMap()
	}
	if err := s.Statuses.validate(); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.channels[s.ChannelID]; !ok {
		return &ConfigError{Field: "shop.channel_id", Reason: fmt.Sprintf("channel %d is not configured", s.ChannelID), Kind: oms.ErrUnknownChannel}
	}
	r.shops[s.ID] = cloneShop(s)
	return nil
}

// RemoveChannel removes a channel without shops; a channel with shops is
// refused (remove its shops first).
func (r *Registry) RemoveChannel(id int64) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range r.shops {
		if s.ChannelID == id {
			return &ConfigError{Field: "channel", Reason: fmt.Sprintf("%d still has shop %q", id, s.ID)}
		}
	}
	delete(r.channels, id)
	return nil
}

// RemoveShop removes a shop; its sync records stay in the Store.
func (r *Registry) RemoveShop(id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.shops, id)
}

// Channel returns a channel by id, or an error wrapping ErrNotFound and
// oms.ErrUnknownChannel.
func (r *Registry) Channel(id int64) (Channel, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	c, ok := r.channels[id]
	if !ok {
		return Channel{}, &ConfigError{Field: "channel", Reason: fmt.Sprintf("%d is not configured", id), Kind: unknownChannel}
	}
	return cloneChannel(c), nil
}

// unknownChannel matches both ErrNotFound and oms.ErrUnknownChannel.
var unknownChannel = joinErr{ErrNotFound, oms.ErrUnknownChannel}

type joinErr []error

func (j joinErr) Error() string   { return j[0].Error() }
func (j joinErr) Unwrap() []error { return j }

// Channels returns every channel by id.
func (r *Registry) Channels() []Channel {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]Channel, 0, len(r.channels))
	for _, c := range r.channels {
		out = append(out, cloneChannel(c))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Shop returns a shop and its channel, or an error wrapping ErrNotFound.
func (r *Registry) Shop(id string) (Shop, Channel, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	s, ok := r.shops[id]
	if !ok {
		return Shop{}, Channel{}, &ConfigError{Field: "shop", Reason: fmt.Sprintf("%q is not configured", id), Kind: ErrNotFound}
	}
	c, ok := r.channels[s.ChannelID]
	if !ok {
		return Shop{}, Channel{}, &ConfigError{Field: "shop.channel_id", Reason: fmt.Sprintf("channel %d is not configured", s.ChannelID), Kind: unknownChannel}
	}
	return cloneShop(s), cloneChannel(c), nil
}

// Shops returns the shops of channel channelID (0: of every channel), by id.
func (r *Registry) Shops(channelID int64) []Shop {
	r.mu.RLock()
	defer r.mu.RUnlock()
	var out []Shop
	for _, s := range r.shops {
		if channelID == 0 || s.ChannelID == channelID {
			out = append(out, cloneShop(s))
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// ChannelSettings implements oms.ChannelPolicy: the settings of a
// configured channel whose id and type both match, else an error wrapping
// oms.ErrUnknownChannel.
func (r *Registry) ChannelSettings(ctx context.Context, ref oms.ChannelRef) (oms.ChannelSettings, error) {
	r.mu.RLock()
	c, ok := r.channels[ref.ID]
	r.mu.RUnlock()
	if !ok || c.Type != ref.Type {
		return oms.ChannelSettings{}, &ConfigError{Field: "channel", Reason: fmt.Sprintf("%s/%d is not configured", ref.Type, ref.ID), Kind: unknownChannel}
	}
	s := c.Settings
	set := oms.ChannelSettings{AutoConfirm: s.AutoConfirm, AutoInvoice: s.AutoInvoice,
		AutoDeliveryNote: s.AutoDeliveryNote, DeliveryFee: s.DeliveryFee, Currency: s.Currency}
	// Empty lists mean "all" here and nil means "all" in the core.
	if len(s.PaymentModes) > 0 {
		set.PaymentMethods = slices.Clone(s.PaymentModes)
	}
	if len(s.ClientGroups) > 0 || len(s.Visibility.Clients) > 0 {
		set.ClientGroups = append([]string{}, s.ClientGroups...)
		set.Clients = append([]string{}, s.Visibility.Clients...)
	}
	return set, nil
}
