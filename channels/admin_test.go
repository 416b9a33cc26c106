package channels_test

import (
	"errors"
	"testing"

	"github.com/azuvio/omnisales/channels"
	"github.com/azuvio/omnisales/oms"
)

func TestAdminNeedsSettingsPermission(t *testing.T) {
	r := channels.NewRegistry()
	web := channels.Channel{ID: 7, Type: oms.ChannelWooCommerce, Name: "Web"}
	shop := channels.Shop{ID: "s", ChannelID: 7}
	for name, a := range map[string]channels.Admin{
		"operator":    r.As(oms.Staff("ion", oms.RoleOperator)),
		"sales":       r.As(oms.Staff("mihai", oms.RoleSalesManager)),
		"portal user": r.As(oms.Actor{ID: "c1", ClientID: "C1", Permissions: []oms.Permission{oms.PermSettings}}),
		"zero value":  {},
	} {
		var fe *oms.ForbiddenError
		if err := a.SetChannel(web); !errors.As(err, &fe) || fe.Permission != oms.PermSettings {
			t.Errorf("%s SetChannel: %v, want a *oms.ForbiddenError for %s", name, err, oms.PermSettings)
		}
		if err := a.SetShop(shop); !errors.Is(err, oms.ErrForbidden) {
			t.Errorf("%s SetShop: %v", name, err)
		}
		if err := a.RemoveChannel(7); !errors.Is(err, oms.ErrForbidden) {
			t.Errorf("%s RemoveChannel: %v", name, err)
		}
		if err := a.RemoveShop("s"); !errors.Is(err, oms.ErrForbidden) {
			t.Errorf("%s RemoveShop: %v", name, err)
		}
	}
	if len(r.Channels()) != 0 {
		t.Fatalf("refused changes configured %v", r.Channels())
	}

	admin := r.As(oms.Staff("dana", oms.RoleChannelAdmin))
	if err := admin.SetChannel(web); err != nil {
		t.Fatal(err)
	}
	if err := admin.SetShop(shop); err != nil {
		t.Fatal(err)
	}
	if err := admin.SetChannel(channels.Channel{ID: 0, Type: oms.ChannelPOS, Name: "x"}); !errors.Is(err, channels.ErrInvalid) {
		t.Errorf("invalid channel through Admin: %v", err)
	}
	if err := admin.RemoveShop("s"); err != nil {
		t.Fatal(err)
	}
	if err := admin.RemoveChannel(7); err != nil {
		t.Fatal(err)
	}
	if len(r.Channels()) != 0 || len(r.Shops(7)) != 0 {
		t.Fatalf("left after removal: %v %v", r.Channels(), r.Shops(7))
	}
}
