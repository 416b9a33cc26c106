package channels_test

import (
	"context"
	"testing"
	"time"

	"github.com/azuvio/omnisales/adapters/memstore"
	"github.com/azuvio/omnisales/channels"
	"github.com/azuvio/omnisales/channels/channelstest"
	"github.com/azuvio/omnisales/oms"
)

const shopID = "ro"

// env is one engine on a memstore with a fake shop.
type env struct {
	t       testing.TB
	ctx     context.Context
	ms      *memstore.Store
	svc     *oms.Service
	reg     *channels.Registry
	shop    *channelstest.Shop
	cat     *channelstest.Catalogue
	clients *channelstest.Clients
	feed    *channelstest.Feed
	cfg     channels.Config
	eng     *channels.Engine
	op      oms.Actor
}

func testShop() channels.Shop {
	st := channels.DefaultStatusMap()
	st.Add("shipped", oms.Shipping)
	return channels.Shop{ID: shopID, ChannelID: 3, Name: "Romania", URL: "https://shop.example", Credentials: "env:WC_RO",
		Statuses: st, Payments: channels.PaymentMap{"cod": "cash", "bacs": "bank transfer"}}
}

func newEnv(t testing.TB, mods ...func(*channels.Config)) *env {
	t.Helper()
	e := &env{t: t, ctx: context.Background(), ms: memstore.New(), reg: channels.NewRegistry(), shop: channelstest.NewShop(),
		cat:     channelstest.NewCatalogue(channels.Product{SKU: "A", Name: "Apple", Group: "fruit"}, channels.Product{SKU: "B", Name: "Bread", Group: "bakery"}),
		clients: channelstest.NewClients(), feed: channelstest.NewFeed(), op: oms.Staff("ana", oms.RoleOperator)}
	if err := e.reg.SetChannel(channels.Channel{ID: 3, Type: oms.ChannelWooCommerce, Name: "Web shop"}); err != nil {
		t.Fatal(err)
	}
	if err := e.reg.SetShop(testShop()); err != nil {
		t.Fatal(err)
	}
	var err error
	e.svc, err = oms.NewService(e.ms, oms.Config{Channels: e.reg})
	if err != nil {
		t.Fatal(err)
	}
	e.cfg = channels.Config{Connect: e.shop.Connect, Catalogue: e.cat, Clients: e.clients, Feed: e.feed,
		RetryWait: time.Microsecond, PageSize: 4}
	for _, m := range mods {
		m(&e.cfg)
	}
	e.eng, err = channels.New(e.svc, e.reg, e.ms, e.cfg)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// restart builds a new engine on the same stores, as after a crash.
func (e *env) restart(mods ...func(*channels.Config)) {
	e.t.Helper()
	cfg := e.cfg
	cfg.NoSubscribe = true // the first engine's subscription stays on the dispatcher
	for _, m := range mods {
		m(&cfg)
	}
	eng, err := channels.New(e.svc, e.reg, e.ms, cfg)
	if err != nil {
		e.t.Fatal(err)
	}
	e.eng = eng
}

func (e *env) importOK() channels.Run {
	e.t.Helper()
	r, err := e.eng.ImportOrders(e.ctx, shopID)
	if err != nil {
		e.t.Fatalf("import: %v", err)
	}
	return r
}

// orders returns the shop's orders in the core, by external id; it fails
// the test on a duplicate.
func (e *env) orders() map[string]oms.Order {
	e.t.Helper()
	out := map[string]oms.Order{}
	p := oms.Page{Limit: 1000}
	for {
		page, err := e.ms.List(e.ctx, oms.Filter{Store: shopID}, p)
		if err != nil {
			e.t.Fatal(err)
		}
		for _, o := range page.Orders {
			if _, dup := out[o.ExternalID]; dup {
				e.t.Fatalf("external id %s imported twice", o.ExternalID)
			}
			out[o.ExternalID] = o
		}
		if page.Next == "" {
			return out
		}
		p.Cursor = page.Next
	}
}

func (e *env) order(ext string) oms.Order {
	e.t.Helper()
	o, err := e.ms.GetByExternal(e.ctx, oms.ExternalKey{Channel: oms.ChannelRef{Type: oms.ChannelWooCommerce, ID: 3}, Store: shopID, ExternalID: ext})
	if err != nil {
		e.t.Fatalf("order %s: %v", ext, err)
	}
	return o
}

func (e *env) drain() {
	e.t.Helper()
	if _, err := e.svc.Events().Drain(e.ctx); err != nil {
		e.t.Fatalf("drain: %v", err)
	}
}

func (e *env) records(f channels.RecordFilter) []channels.Record {
	e.t.Helper()
	recs, err := e.eng.Records(e.ctx, f)
	if err != nil {
		e.t.Fatal(err)
	}
	return recs
}

func memstoreNew() *memstore.Store { return memstore.New() }
