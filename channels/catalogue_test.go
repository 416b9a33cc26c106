package channels_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/azuvio/omnisales/channels"
	"github.com/azuvio/omnisales/channels/channelstest"
)

func items(n int) []channels.CatalogueItem {
	out := make([]channels.CatalogueItem, n)
	for i := range out {
		out[i] = channels.CatalogueItem{SKU: fmt.Sprintf("S%03d", i), RegularPrice: decimal.NewFromInt(int64(10 + i)), Stock: int64(i)}
	}
	return out
}

func TestPushCatalogueBatches(t *testing.T) {
	e := newEnv(t)
	e.feed.Set(channels.JobPrices, items(250)...)
	e.shop.RejectItem("S007", errors.New("product_invalid_sku"))
	r, err := e.eng.PushCatalogue(e.ctx, shopID, channels.JobPrices)
	if err != nil {
		t.Fatal(err)
	}
	if r.Total != 250 || r.Pushed != 249 || r.Failed != 1 || r.Done != 250 {
		t.Fatalf("run = %+v", r)
	}
	if n := e.shop.Calls(channelstest.OpCatalogue); n != 3 {
		t.Fatalf("batches = %d, want 3 of at most 100", n)
	}
	got := e.shop.Items(channels.JobPrices)
	if len(got) != 249 || !got["S200"].RegularPrice.Equal(decimal.NewFromInt(210)) {
		t.Fatalf("shop has %d items", len(got))
	}
	f, _ := e.eng.Failed(e.ctx, shopID)
	if len(f) != 1 || f[0].Key != "S007" || f[0].Kind != channels.KindRejected || f[0].Item == nil {
		t.Fatalf("failed = %+v", f)
	}
	e.shop.RejectItem("S007", nil)
	runs, err := e.eng.RetryFailed(e.ctx, shopID)
	if err != nil || len(runs) != 1 || runs[0].Pushed != 1 {
		t.Fatalf("retry = %+v, %v", runs, err)
	}
	if _, ok := e.shop.Items(channels.JobPrices)["S007"]; !ok {
		t.Fatal("S007 not pushed by the retry")
	}
	// The feed is asked for changes since the last completed run.
	if s := e.feed.Sinces(); len(s) != 1 || !s[0].IsZero() {
		t.Fatalf("sinces = %v", s)
	}
	if _, err := e.eng.RunJob(e.ctx, shopID, channels.JobPrices); err != nil {
		t.Fatal(err)
	}
	if s := e.feed.Sinces(); len(s) != 2 || !s[1].Equal(r.Started) {
		t.Fatalf("sinces = %v, want the first run's start %v", s, r.Started)
	}
}

func TestPushCatalogueUnreachable(t *testing.T) {
	e := newEnv(t)
	e.feed.Set(channels.JobStock, items(150)...)
	e.shop.Inject(channelstest.Fault{Op: channelstest.OpCatalogue, After: 1, Times: 3})
	r, err := e.eng.PushCatalogue(e.ctx, shopID, channels.JobStock)
	if !errors.Is(err, channels.KindUnreachable) || r.Pushed != 100 || r.ErrKind != channels.KindUnreachable {
		t.Fatalf("run = %+v, %v", r, err)
	}
	// The next run is not told to skip what the failed run did not push.
	r2, err := e.eng.PushCatalogue(e.ctx, shopID, channels.JobStock)
	if err != nil || r2.Pushed != 150 {
		t.Fatalf("second run = %+v, %v", r2, err)
	}
	if s := e.feed.Sinces(); !s[1].IsZero() {
		t.Fatalf("since after a failed run = %v", s[1])
	}
	if _, err := e.eng.PushCatalogue(e.ctx, shopID, channels.JobOrders); !errors.Is(err, channels.ErrInvalid) {
		t.Fatalf("orders as a catalogue job: %v", err)
	}
}

func TestConnectorWithoutParts(t *testing.T) {
	e := newEnv(t, func(c *channels.Config) {
		c.Connect = func(ctx context.Context, s channels.Shop) (channels.Connector, error) {
			return channels.Connector{}, nil
		}
	})
	r, err := e.eng.ImportOrders(e.ctx, shopID)
	if !errors.Is(err, channels.ErrNoConnector) || r.Err == "" {
		t.Fatalf("import without an order source: %+v, %v", r, err)
	}
	if _, err := e.eng.ImportOrders(e.ctx, "nowhere"); !errors.Is(err, channels.ErrNotFound) {
		t.Fatalf("unknown shop: %v", err)
	}
}

func TestConnectErrorsAndForget(t *testing.T) {
	calls := 0
	var shop *channelstest.Shop
	e := newEnv(t, func(c *channels.Config) {
		c.Connect = func(ctx context.Context, s channels.Shop) (channels.Connector, error) {
			calls++
			if calls == 1 {
				return channels.Connector{}, channelstest.ErrUnreachable
			}
			return shop.Connector(), nil
		}
	})
	shop = e.shop
	r, err := e.eng.ImportOrders(e.ctx, shopID)
	if !errors.Is(err, channels.KindUnreachable) || r.ErrKind != channels.KindUnreachable {
		t.Fatalf("connect failure: %+v, %v", r, err)
	}
	e.importOK() // a failed connect is not cached
	e.importOK()
	if calls != 2 {
		t.Fatalf("connect calls = %d, want 2 (cached after success)", calls)
	}
	e.eng.ForgetConnector(shopID)
	e.importOK()
	if calls != 3 {
		t.Fatalf("connect calls = %d after ForgetConnector", calls)
	}
	if e.eng.Registry() != e.reg {
		t.Fatal("Registry")
	}
}
