package pgstore_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/azuvio/omnisales/adapters/pgstore"
	"github.com/azuvio/omnisales/channels"
	"github.com/azuvio/omnisales/channels/channelstest"
	"github.com/azuvio/omnisales/oms"
)

func TestClientsConformance(t *testing.T) {
	t.Parallel()
	channelstest.DirectoryConformance(t, func(t *testing.T) channelstest.Directory { return newStore(t).Clients() })
}

// Two stores (two processes) on one database create the clients of the
// same emails at once, each from several goroutines: every email ends with
// exactly one client, and every caller got that client.
func TestClientsTwoStoresRaceFindOrCreate(t *testing.T) {
	t.Parallel()
	s1, dsn := storeAndDSN(t)
	s2 := open(t, dsn, pgstore.Config{})
	ctx := context.Background()
	dirs := []*pgstore.Clients{s1.Clients(), s2.Clients()}
	const perStore, emails = 4, 30
	got := make([][]oms.Client, len(dirs)*perStore)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for w := range got {
		d := dirs[w%len(dirs)]
		wg.Go(func() {
			<-start
			for i := range emails {
				e := fmt.Sprintf("Race%d@Example.RO", i)
				if w%3 == 0 {
					e = " " + strings.ToLower(e)
				}
				c, err := d.FindOrCreate(ctx, channels.Customer{Email: e})
				if err != nil {
					t.Errorf("worker %d, %s: %v", w, e, err)
					return
				}
				got[w] = append(got[w], c)
			}
		})
	}
	close(start)
	wg.Wait()
	if t.Failed() {
		return
	}
	for w := 1; w < len(got); w++ {
		if !cmp.Equal(got[w], got[0]) {
			t.Fatalf("worker %d saw other clients than worker 0:\n%s", w, cmp.Diff(got[0], got[w]))
		}
	}
	c := raw(t, dsn)
	if n := count(t, c, "SELECT count(*) FROM clients"); n != emails {
		t.Fatalf("%d clients for %d emails", n, emails)
	}
	if n := count(t, c, "SELECT count(DISTINCT lower(email)) FROM clients"); n != emails {
		t.Fatalf("%d distinct emails for %d clients", n, emails)
	}
}

// The engine's import on PostgreSQL with the reference directory and
// product table: two engines on two Stores (two processes) import one
// shop's orders at once; every order is imported once, each buyer's email
// has one client, every order carries it and its lines the catalogue's
// product ids, and an unknown SKU is a diary error.
func TestClientsAndProductsServeTheEngine(t *testing.T) {
	t.Parallel()
	s1, dsn := storeAndDSN(t)
	s2 := open(t, dsn, pgstore.Config{})
	ctx := context.Background()
	reg := channels.NewRegistry()
	if err := reg.SetChannel(channels.Channel{ID: 3, Type: oms.ChannelWooCommerce, Name: "Web shop"}); err != nil {
		t.Fatal(err)
	}
	if err := reg.SetShop(channels.Shop{ID: "ro", ChannelID: 3, Name: "Romania", Payments: channels.PaymentMap{"cod": "cash"}}); err != nil {
		t.Fatal(err)
	}
	for _, p := range []channels.Product{{ID: "P-A", SKU: "A", Name: "Apple"}, {ID: "P-B", SKU: "B", Name: "Bread"}} {
		if err := s1.Products().Put(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	shop := channelstest.NewShop()
	const orders, buyers = 24, 5
	for i := 1; i <= orders; i++ {
		sku := "A"
		if i == orders {
			sku = "Z" // not in the catalogue
		}
		email := fmt.Sprintf("Buyer%d@example.com", i%buyers)
		shop.Add(channelstest.NewOrder(strconv.Itoa(i), "processing", email, sku, "B"))
	}
	engines := make([]*channels.Engine, 2)
	for i, s := range []*pgstore.Store{s1, s2} {
		svc, err := oms.NewService(s, oms.Config{Channels: reg})
		if err != nil {
			t.Fatal(err)
		}
		engines[i], err = channels.New(svc, reg, s, channels.Config{Connect: shop.Connect, Catalogue: s.Products(),
			Clients: s.Clients(), RetryWait: time.Microsecond, PageSize: 4, NoSubscribe: true})
		if err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	for _, e := range engines {
		wg.Go(func() {
			if _, err := e.ImportOrders(ctx, "ro"); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	page, err := s1.List(ctx, oms.Filter{Store: "ro"}, oms.Page{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Orders) != orders-1 {
		t.Fatalf("%d orders imported, want %d", len(page.Orders), orders-1)
	}
	clients, err := s2.Clients().List(ctx)
	if err != nil || len(clients) != buyers {
		t.Fatalf("clients %+v, %v; want %d", clients, err, buyers)
	}
	byEmail := map[string]string{}
	for _, c := range clients {
		byEmail[c.Email] = c.ID
	}
	for _, o := range page.Orders {
		n, _ := strconv.Atoi(o.ExternalID)
		email := fmt.Sprintf("buyer%d@example.com", n%buyers)
		if o.Client.ID != byEmail[email] || o.Client.ID == "" {
			t.Fatalf("order %s has client %+v; %s is %q", o.ExternalID, o.Client, email, byEmail[email])
		}
		if len(o.Lines) != 2 || o.Lines[0].ProductID != "P-A" || o.Lines[1].ProductID != "P-B" {
			t.Fatalf("order %s lines %+v", o.ExternalID, o.Lines)
		}
	}
	failed, err := engines[0].Failed(ctx, "ro")
	if err != nil || len(failed) != 1 || failed[0].Kind != channels.KindSKUNotFound || failed[0].Key != strconv.Itoa(orders) {
		t.Fatalf("failed records %+v, %v", failed, err)
	}
}
