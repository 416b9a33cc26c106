package channels_test

import (
	"context"
	"errors"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/azuvio/omnisales/channels"
	"github.com/azuvio/omnisales/oms"
)

// The core honours the channel's payment modes and client access through
// the registry, on every channel and not only on imports.
func TestRegistryPaymentModesAndAccess(t *testing.T) {
	r := channels.NewRegistry()
	if err := r.SetChannel(channels.Channel{ID: 9, Type: oms.ChannelPortal, Name: "B2B", Settings: channels.Settings{
		PaymentModes: []string{"op"}, ClientGroups: []string{"Wholesale"},
		Visibility: channels.Visibility{Clients: []string{"VIP"}}}}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	svc, err := oms.NewService(memstoreNew(), oms.Config{Channels: r})
	if err != nil {
		t.Fatal(err)
	}
	place := func(client oms.Client, method string) error {
		_, err := svc.Place(ctx, oms.Staff("ana", oms.RoleOperator), oms.NewOrder{Channel: oms.ChannelRef{Type: oms.ChannelPortal, ID: 9},
			Client: client, Currency: "RON", PaymentMethod: method,
			Lines: []oms.Line{{ProductID: "P", Quantity: 1, UnitPrice: decimal.NewFromInt(100)}}})
		return err
	}
	var ve *oms.ValidationError
	if err := place(oms.Client{ID: "C1", Groups: []string{"Wholesale"}}, "cash"); !errors.As(err, &ve) || ve.Field != "payment_method" {
		t.Errorf("payment mode the channel does not accept: %v", err)
	}
	if err := place(oms.Client{ID: "C2", Groups: []string{"Retail"}}, "op"); !errors.Is(err, oms.ErrForbidden) {
		t.Errorf("client group without access: %v", err)
	}
	for _, c := range []oms.Client{{ID: "C1", Groups: []string{"Wholesale"}}, {ID: "VIP"}} {
		if err := place(c, "op"); err != nil {
			t.Errorf("%s: %v", c.ID, err)
		}
	}
}
