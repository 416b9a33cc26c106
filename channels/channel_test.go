package channels_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"

	"github.com/azuvio/omnisales/channels"
	"github.com/azuvio/omnisales/oms"
)

func TestRegistryValidation(t *testing.T) {
	r := channels.NewRegistry()
	for _, c := range []channels.Channel{
		{ID: 0, Type: oms.ChannelPOS, Name: "x"},
		{ID: 1, Type: "kiosk", Name: "x"},
		{ID: 1, Type: oms.ChannelPOS, Name: " "},
		{ID: 1, Type: oms.ChannelPOS, Name: "x", Settings: channels.Settings{DeliveryFee: decimal.NewFromInt(-1)}},
	} {
		var ce *channels.ConfigError
		if err := r.SetChannel(c); !errors.Is(err, channels.ErrInvalid) || !errors.As(err, &ce) {
			t.Errorf("SetChannel(%+v) = %v", c, err)
		}
	}
	if err := r.SetShop(channels.Shop{ID: "s", ChannelID: 9}); !errors.Is(err, oms.ErrUnknownChannel) {
		t.Errorf("shop of a missing channel: %v", err)
	}
	if err := r.SetChannel(channels.Channel{ID: 7, Type: oms.ChannelWooCommerce, Name: "Web"}); err != nil {
		t.Fatal(err)
	}
	bad := channels.Shop{ID: "s", ChannelID: 7, Statuses: channels.StatusMap{In: map[string]oms.Status{"x": 99}}}
	if err := r.SetShop(bad); !errors.Is(err, oms.ErrUnknownStatus) {
		t.Errorf("bad status map: %v", err)
	}
	if err := r.SetShop(channels.Shop{ID: "s", ChannelID: 7, Schedule: channels.Schedule{Orders: -1}}); !errors.Is(err, channels.ErrInvalid) {
		t.Errorf("negative interval: %v", err)
	}
	if err := r.SetShop(channels.Shop{ID: "s", ChannelID: 7}); err != nil {
		t.Fatal(err)
	}
	if err := r.SetChannel(channels.Channel{ID: 7, Type: oms.ChannelShopify, Name: "Web"}); !errors.Is(err, channels.ErrInvalid) {
		t.Errorf("type change under shops: %v", err)
	}
}

func TestRegistryPolicy(t *testing.T) {
	r := channels.NewRegistry()
	fee := decimal.RequireFromString("15.50")
	// Ids are data: 42 is as good as the original system's 3.
	if err := r.SetChannel(channels.Channel{ID: 42, Type: oms.ChannelPortal, Name: "B2B",
		Settings: channels.Settings{AutoConfirm: true, AutoInvoice: true, AutoDeliveryNote: true, DeliveryFee: fee}}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	got, err := r.ChannelSettings(ctx, oms.ChannelRef{Type: oms.ChannelPortal, ID: 42})
	if err != nil || !got.AutoConfirm || !got.AutoInvoice || !got.AutoDeliveryNote || !got.DeliveryFee.Equal(fee) {
		t.Fatalf("settings = %+v, %v", got, err)
	}
	for _, ref := range []oms.ChannelRef{{Type: oms.ChannelPortal, ID: 2}, {Type: oms.ChannelPOS, ID: 42}} {
		if _, err := r.ChannelSettings(ctx, ref); !errors.Is(err, oms.ErrUnknownChannel) {
			t.Errorf("%+v: %v", ref, err)
		}
	}
	// The core uses the registry: auto-confirm and the channel's fee.
	svc, _ := oms.NewService(memstoreNew(), oms.Config{Channels: r})
	o, err := svc.Place(ctx, oms.Staff("ana", oms.RoleOperator), oms.NewOrder{Channel: oms.ChannelRef{Type: oms.ChannelPortal, ID: 42},
		Client: oms.Client{ID: "C1"}, Currency: "RON", Lines: []oms.Line{{ProductID: "P", Quantity: 1, UnitPrice: decimal.NewFromInt(100)}}})
	if err != nil || o.Status != oms.Confirmed || !o.Totals.DeliveryFee.Equal(fee) {
		t.Fatalf("placed %+v, %v", o, err)
	}
	_, err = svc.Place(ctx, oms.Staff("ana", oms.RoleOperator), oms.NewOrder{Channel: oms.ChannelRef{Type: oms.ChannelPortal, ID: 2},
		Client: oms.Client{ID: "C1"}, Currency: "RON", Lines: []oms.Line{{ProductID: "P", Quantity: 1, UnitPrice: decimal.NewFromInt(100)}}})
	if !errors.Is(err, oms.ErrUnknownChannel) {
		t.Fatalf("unknown channel placed: %v", err)
	}
	// Copies out: editing a returned channel does not change the registry.
	c, _ := r.Channel(42)
	c.Settings.PaymentModes = append(c.Settings.PaymentModes, "x")
	if c2, _ := r.Channel(42); len(c2.Settings.PaymentModes) != 0 {
		t.Fatal("registry shares slices with callers")
	}
}

func TestVisibility(t *testing.T) {
	c := channels.Channel{ID: 2, Type: oms.ChannelPortal, Name: "Portal", Settings: channels.Settings{
		ClientGroups: []string{"wholesale", "vip"},
		Visibility: channels.Visibility{Clients: []string{"C7"}, ByDepartment: true,
			GroupProducts: map[string][]string{"wholesale": {"bulk"}}},
	}}
	bulk := channels.Product{Group: "bulk", Department: "food"}
	retail := channels.Product{Group: "retail", Department: "food"}
	tools := channels.Product{Group: "retail", Department: "tools"}
	for _, tc := range []struct {
		name    string
		v       channels.Viewer
		allowed bool
		sees    []bool // bulk, retail, tools
	}{
		{"outsider", channels.Viewer{ClientID: "C1", Groups: []string{"retail"}, Departments: []string{"food"}}, false, []bool{false, false, false}},
		{"named client", channels.Viewer{ClientID: "C7", Departments: []string{"food"}}, true, []bool{true, true, false}},
		{"wholesale", channels.Viewer{ClientID: "C2", Groups: []string{"wholesale"}, Departments: []string{"food", "tools"}}, true, []bool{true, false, false}},
		{"vip", channels.Viewer{ClientID: "C3", Groups: []string{"vip"}, Departments: []string{"tools"}}, true, []bool{false, false, true}},
		{"wholesale and vip", channels.Viewer{ClientID: "C4", Groups: []string{"vip", "wholesale"}, Departments: []string{"food"}}, true, []bool{true, false, false}},
	} {
		if got := c.Allows(tc.v); got != tc.allowed {
			t.Errorf("%s: allowed %v", tc.name, got)
		}
		got := []bool{c.Shows(tc.v, bulk), c.Shows(tc.v, retail), c.Shows(tc.v, tools)}
		if diff := cmp.Diff(tc.sees, got); diff != "" {
			t.Errorf("%s sees (-want +got):\n%s", tc.name, diff)
		}
	}
	open := channels.Channel{ID: 1, Type: oms.ChannelPOS, Name: "POS"}
	if !open.Allows(channels.Viewer{}) || !open.Shows(channels.Viewer{}, tools) {
		t.Error("the zero settings restrict")
	}
	s := channels.Settings{PaymentModes: []string{"cash"}}
	if !s.AllowsPayment("cash") || s.AllowsPayment("card") || !(channels.Settings{}).AllowsPayment("card") {
		t.Error("AllowsPayment")
	}
}

func TestStatusMap(t *testing.T) {
	m := channels.DefaultStatusMap()
	pairs := map[string]oms.Status{"pending": oms.PendingPayment, "processing": oms.Processing, "on-hold": oms.OnHold,
		"completed": oms.Delivered, "cancelled": oms.Cancelled, "refunded": oms.Refund, "failed": oms.Failed, "checkout-draft": oms.Draft}
	for shop, s := range pairs {
		if got, ok := m.Inbound(shop); !ok || got != s {
			t.Errorf("in %q = %v %v", shop, got, ok)
		}
		if got, ok := m.Outbound(s); !ok || got != shop {
			t.Errorf("out %s = %q %v", s, got, ok)
		}
	}
	if len(m.In) != 8 || len(m.Out) != 8 {
		t.Errorf("defaults have %d/%d entries", len(m.In), len(m.Out))
	}
	if _, ok := m.Inbound("shipped"); ok {
		t.Error("shipped mapped by default")
	}
	if _, ok := m.Outbound(oms.Confirmed); ok {
		t.Error("Confirmed pushed by default")
	}
	m2 := m.Clone()
	m2.Add(" Shipped ", oms.Shipping)
	if s, ok := m2.Inbound("SHIPPED"); !ok || s != oms.Shipping {
		t.Error("plugin status in")
	}
	if v, _ := m2.Outbound(oms.Shipping); v != "shipped" {
		t.Errorf("plugin status out %q", v)
	}
	if _, ok := m.Inbound("shipped"); ok {
		t.Error("Clone shares maps")
	}
	p := channels.PaymentMap{"bacs": "bank transfer"}
	if v, ok := p.Mode("BACS"); !ok || v != "bank transfer" {
		t.Error("payment map")
	}
	if _, ok := p.Mode("stripe"); ok {
		t.Error("unmapped payment found")
	}
	p["wire"] = "bank transfer"
	if v, ok := p.Method("bank transfer"); !ok || v != "bacs" {
		t.Errorf("method = %q", v)
	}
	if _, ok := p.Method("cash"); ok {
		t.Error("method of an unmapped mode")
	}
}

func TestKindsAndErrors(t *testing.T) {
	err := &channels.SyncError{Kind: channels.KindUnreachable, Shop: "ro", Job: channels.JobOrders, Key: "7", Err: context.DeadlineExceeded}
	if !errors.Is(err, channels.KindUnreachable) || !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, channels.KindRejected) {
		t.Fatal("SyncError matching")
	}
	if got := err.Error(); got != "channels: ro/orders 7: API timeout or store unreachable: context deadline exceeded" {
		t.Errorf("message %q", got)
	}
	if !channels.Transient(err) || !channels.Transient(context.DeadlineExceeded) || channels.Transient(errors.New("400")) || channels.Transient(nil) {
		t.Error("Transient")
	}
	if len(channels.Kinds()) != 8 || channels.Kind("").Error() != "" {
		t.Error("Kinds")
	}
}

func TestRegistryRemoveAndDefaults(t *testing.T) {
	r := channels.NewRegistry()
	_ = r.SetChannel(channels.Channel{ID: 3, Type: oms.ChannelWooCommerce, Name: "Web"})
	if err := r.SetShop(channels.Shop{ID: "a", ChannelID: 3}); err != nil {
		t.Fatal(err)
	}
	_ = r.SetShop(channels.Shop{ID: "b", ChannelID: 3})
	sh, ch, err := r.Shop("a")
	if err != nil || ch.ID != 3 {
		t.Fatal(err)
	}
	if s, ok := sh.Statuses.Inbound("processing"); !ok || s != oms.Processing {
		t.Fatal("a shop without a status map does not get the defaults")
	}
	if got := r.Shops(3); len(got) != 2 || got[0].ID != "a" {
		t.Fatalf("shops = %+v", got)
	}
	if err := r.RemoveChannel(3); !errors.Is(err, channels.ErrInvalid) {
		t.Fatalf("remove a channel with shops: %v", err)
	}
	r.RemoveShop("a")
	r.RemoveShop("b")
	if err := r.RemoveChannel(3); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Channel(3); !errors.Is(err, channels.ErrNotFound) || !errors.Is(err, oms.ErrUnknownChannel) {
		t.Fatalf("removed channel: %v", err)
	}
	if len(r.Channels()) != 0 {
		t.Fatal("channels left")
	}
}
