package pgstore_test

import (
	"context"
	"errors"
	"fmt"
	"sort"
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
	directoryConformance(t, func(t *testing.T) directory { return newStore(t).Clients() })
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

// directory is a channels.ClientDirectory with the host program's side.
// directoryConformance is the same check as in adapters/memstore's tests
// (keep them in step).
type directory interface {
	channels.ClientDirectory
	Put(ctx context.Context, c oms.Client) error
	Get(ctx context.Context, id string) (oms.Client, error)
	List(ctx context.Context) ([]oms.Client, error)
}

// directoryConformance checks a client directory: FindOrCreate by email
// (trimmed, any case) finds or creates exactly one client, refuses
// unusable emails with ErrInvalidEmail, never takes a host's id; Put
// replaces by id and refuses an email another client holds with
// ErrDuplicateClient; Get and List copy out; a done context is refused;
// concurrent FindOrCreate calls for one email create one client. open
// returns an empty directory.
func directoryConformance(t *testing.T, open func(t *testing.T) directory) {
	t.Helper()
	ctx := context.Background()
	d := open(t)
	if l, err := d.List(ctx); len(l) != 0 || err != nil {
		t.Fatalf("List of an empty directory = %v, %v", l, err)
	}
	if _, err := d.Get(ctx, "C1"); !errors.Is(err, channels.ErrNotFound) {
		t.Fatalf("Get of a missing client: %v", err)
	}

	// The host's clients first: ids the directory must never take.
	host := []oms.Client{
		{ID: "C1", Email: "  Bob@Example.RO ", Groups: []string{"VIP", "Wholesale"}},
		{ID: "C2"}, {ID: "C3"}, // no email: allowed, several times
	}
	for _, c := range host {
		if err := d.Put(ctx, c); err != nil {
			t.Fatalf("Put %+v: %v", c, err)
		}
	}
	if got, err := d.Get(ctx, "C1"); err != nil || !cmp.Equal(got, oms.Client{ID: "C1", Email: "Bob@Example.RO", Groups: []string{"VIP", "Wholesale"}}) {
		t.Fatalf("Get C1 = %+v, %v (the email is kept trimmed)", got, err)
	}

	ana, err := d.FindOrCreate(ctx, channels.Customer{Email: "  Ana@Example.RO ", Name: "Ana"})
	if err != nil || ana.ID == "" || ana.Email != "ana@example.ro" || len(ana.Groups) != 0 {
		t.Fatalf("created %+v, %v", ana, err)
	}
	if ana.ID == "C1" || ana.ID == "C2" || ana.ID == "C3" {
		t.Fatalf("created client took the host's id %s", ana.ID)
	}
	for _, e := range []string{"ana@example.ro", "ANA@EXAMPLE.RO", "\tana@example.ro\n"} {
		if again, err := d.FindOrCreate(ctx, channels.Customer{Email: e}); err != nil || !cmp.Equal(again, ana) {
			t.Fatalf("FindOrCreate %q = %+v, %v; want %+v", e, again, err, ana)
		}
	}
	if bob, err := d.FindOrCreate(ctx, channels.Customer{Email: "bob@example.ro"}); err != nil || bob.ID != "C1" || !cmp.Equal(bob.Groups, []string{"VIP", "Wholesale"}) {
		t.Fatalf("the host's client by email = %+v, %v", bob, err)
	}
	for _, e := range []string{"", "   ", "no-at-sign", "@example.ro", "ana@", "a b@example.ro"} {
		if c, err := d.FindOrCreate(ctx, channels.Customer{Email: e}); !errors.Is(err, channels.ErrInvalidEmail) {
			t.Fatalf("FindOrCreate %q = %+v, %v; want ErrInvalidEmail", e, c, err)
		}
	}

	// Duplicate emails are refused, in any case; replacing by id is not.
	if err := d.Put(ctx, oms.Client{ID: "K9", Email: "ANA@example.ro"}); !errors.Is(err, channels.ErrDuplicateClient) {
		t.Fatalf("Put of a second client with ana's email: %v", err)
	}
	if err := d.Put(ctx, oms.Client{ID: "C2", Email: "bob@example.ro"}); !errors.Is(err, channels.ErrDuplicateClient) {
		t.Fatalf("Put of C2 with bob's email: %v", err)
	}
	if _, err := d.Get(ctx, "K9"); !errors.Is(err, channels.ErrNotFound) {
		t.Fatalf("a refused Put stored K9: %v", err)
	}
	if err := d.Put(ctx, oms.Client{ID: "C1", Email: "robert@example.ro", Groups: []string{"VIP"}}); err != nil {
		t.Fatalf("replacing C1: %v", err)
	}
	if err := d.Put(ctx, oms.Client{ID: "C2", Email: "Bob@example.ro"}); err != nil {
		t.Fatalf("bob's old email is free again: %v", err)
	}
	if c, err := d.FindOrCreate(ctx, channels.Customer{Email: "robert@example.ro"}); err != nil || c.ID != "C1" {
		t.Fatalf("C1 by its new email = %+v, %v", c, err)
	}
	if err := d.Put(ctx, oms.Client{Email: "x@example.ro"}); !errors.Is(err, channels.ErrInvalid) {
		t.Fatalf("Put without id: %v", err)
	}
	if err := d.Put(ctx, oms.Client{ID: "K8", Email: "not an email"}); !errors.Is(err, channels.ErrInvalidEmail) {
		t.Fatalf("Put with an unusable email: %v", err)
	}

	// List by id; values are copies.
	list, err := d.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, c := range list {
		ids = append(ids, c.ID)
	}
	want := []string{"C1", "C2", "C3", ana.ID}
	sort.Strings(want)
	if !cmp.Equal(ids, want) {
		t.Fatalf("List ids = %v, want %v", ids, want)
	}
	list[0].Groups[0] = "mutated"
	if c, _ := d.Get(ctx, "C1"); c.Groups[0] != "VIP" {
		t.Fatal("List shares the stored groups")
	}
	in := oms.Client{ID: "K4", Groups: []string{"Retail"}}
	_ = d.Put(ctx, in)
	in.Groups[0] = "mutated"
	if c, _ := d.Get(ctx, "K4"); c.Groups[0] != "Retail" {
		t.Fatal("Put keeps the caller's groups")
	}

	done, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := d.FindOrCreate(done, channels.Customer{Email: "late@example.ro"}); !errors.Is(err, context.Canceled) {
		t.Fatalf("FindOrCreate on a done context: %v", err)
	}
	if err := d.Put(done, oms.Client{ID: "K7"}); !errors.Is(err, context.Canceled) {
		t.Fatalf("Put on a done context: %v", err)
	}
	if c, err := d.FindOrCreate(ctx, channels.Customer{Email: "late@example.ro"}); err != nil || c.ID == ana.ID {
		t.Fatalf("late@ = %+v, %v", c, err)
	}
	if _, err := d.Get(ctx, "K7"); !errors.Is(err, channels.ErrNotFound) {
		t.Fatalf("Put on a done context stored K7: %v", err)
	}

	// Concurrent creation: one client per email; run with -race.
	t.Run("concurrent", func(t *testing.T) {
		d := open(t)
		const workers, emails = 8, 40
		got := make([][]oms.Client, workers)
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() {
				for i := range emails {
					e := fmt.Sprintf("buyer%d@example.ro", i)
					if w%2 == 1 {
						e = strings.ToUpper(e)
					}
					c, err := d.FindOrCreate(ctx, channels.Customer{Email: e})
					if err != nil {
						t.Errorf("worker %d: %v", w, err)
						return
					}
					got[w] = append(got[w], c)
				}
			})
		}
		wg.Wait()
		for w := 1; w < workers; w++ {
			if !cmp.Equal(got[w], got[0]) {
				t.Fatalf("worker %d saw other clients than worker 0:\n%v", w, cmp.Diff(got[0], got[w]))
			}
		}
		if l, _ := d.List(ctx); len(l) != emails {
			t.Fatalf("%d clients for %d emails", len(l), emails)
		}
	})
}
