package channelstest

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/azuvio/omnisales/channels"
	"github.com/azuvio/omnisales/oms"
)

// Directory is a channels.ClientDirectory with the host program's side
// (Put, Get, List), as memstore.Clients and pgstore.Clients have it.
type Directory interface {
	channels.ClientDirectory
	Put(ctx context.Context, c oms.Client) error
	Get(ctx context.Context, id string) (oms.Client, error)
	List(ctx context.Context) ([]oms.Client, error)
}

// DirectoryConformance checks a client directory: FindOrCreate by email
// (trimmed, any case) finds or creates exactly one client, refuses
// unusable emails with ErrInvalidEmail, never takes a host's id; Put
// replaces by id and refuses an email another client holds with
// ErrDuplicateClient; Get and List copy out; a done context is refused;
// concurrent FindOrCreate calls for one email create one client. open
// returns an empty directory.
func DirectoryConformance(t *testing.T, open func(t *testing.T) Directory) {
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

// ProductTable is a channels.Catalogue and channels.ProductLister with
// Put, as memstore.Products and pgstore.Products have it.
type ProductTable interface {
	channels.Catalogue
	channels.ProductLister
	Put(ctx context.Context, p channels.Product) error
}

// CatalogueConformance checks a product table: ProductBySKU finds the
// exact SKU or returns ErrNotFound; Put replaces by SKU, defaults the id
// to the SKU, refuses a bad SKU with ErrInvalid and moves Modified only on
// a change; ListProducts lists by SKU; a done context is refused; it is
// safe for concurrent use. open returns an empty table.
func CatalogueConformance(t *testing.T, open func(t *testing.T) ProductTable) {
	t.Helper()
	ctx := context.Background()
	tb := open(t)
	if _, err := tb.ProductBySKU(ctx, "A"); !errors.Is(err, channels.ErrNotFound) {
		t.Fatalf("unknown SKU: %v", err)
	}
	if l, err := tb.ListProducts(ctx); len(l) != 0 || err != nil {
		t.Fatalf("empty list = %v, %v", l, err)
	}
	apple := channels.Product{ID: "P1", SKU: "A-1", Name: "Apple", Group: "fruit", Department: "fresh"}
	for _, p := range []channels.Product{apple, {SKU: "B-2", Name: "Bread"}, {ID: "P0", SKU: "0-0"}} {
		if err := tb.Put(ctx, p); err != nil {
			t.Fatalf("Put %+v: %v", p, err)
		}
	}
	if got, err := tb.ProductBySKU(ctx, "A-1"); err != nil || !cmp.Equal(got, apple) {
		t.Fatalf("A-1 = %+v, %v", got, err)
	}
	// A table that looks several SKUs up at once (channels.CatalogueBatch)
	// finds the same products and leaves unknown SKUs out.
	if b, ok := tb.(channels.CatalogueBatch); ok {
		got, err := b.ProductsBySKU(ctx, []string{"A-1", "nope", "0-0"})
		want := map[string]channels.Product{"A-1": apple, "0-0": {ID: "P0", SKU: "0-0"}}
		if err != nil || !cmp.Equal(got, want) {
			t.Fatalf("ProductsBySKU = %+v, %v; want %+v", got, err, want)
		}
		if got, err := b.ProductsBySKU(ctx, nil); err != nil || len(got) != 0 {
			t.Fatalf("ProductsBySKU of none = %+v, %v", got, err)
		}
	}
	if got, err := tb.ProductBySKU(ctx, "B-2"); err != nil || got.ID != "B-2" {
		t.Fatalf("an empty id is the SKU: %+v, %v", got, err)
	}
	for _, sku := range []string{"a-1", " A-1", "A"} {
		if _, err := tb.ProductBySKU(ctx, sku); !errors.Is(err, channels.ErrNotFound) {
			t.Fatalf("SKU %q is not A-1: %v", sku, err)
		}
	}
	for _, sku := range []string{"", " ", " X", "X\t"} {
		if err := tb.Put(ctx, channels.Product{SKU: sku}); !errors.Is(err, channels.ErrInvalid) {
			t.Fatalf("Put SKU %q: %v", sku, err)
		}
	}

	l, err := tb.ListProducts(ctx)
	if err != nil || len(l) != 3 || l[0].SKU != "0-0" || l[1].SKU != "A-1" || l[2].SKU != "B-2" {
		t.Fatalf("list = %+v, %v", l, err)
	}
	if !cmp.Equal(l[1].Product, apple) || l[1].Modified.IsZero() {
		t.Fatalf("listed apple %+v", l[1])
	}
	first := l[1].Modified
	if err := tb.Put(ctx, apple); err != nil {
		t.Fatal(err)
	}
	if l, _ := tb.ListProducts(ctx); !l[1].Modified.Equal(first) {
		t.Fatalf("an unchanged Put moved Modified from %v to %v", first, l[1].Modified)
	}
	apple.Name = "Green apple"
	if err := tb.Put(ctx, apple); err != nil {
		t.Fatal(err)
	}
	if got, _ := tb.ProductBySKU(ctx, "A-1"); got.Name != "Green apple" {
		t.Fatalf("replaced %+v", got)
	}
	if l, _ := tb.ListProducts(ctx); l[1].Modified.Before(first) {
		t.Fatalf("a change moved Modified back from %v to %v", first, l[1].Modified)
	}

	done, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := tb.ProductBySKU(done, "A-1"); !errors.Is(err, context.Canceled) {
		t.Fatalf("ProductBySKU on a done context: %v", err)
	}
	if err := tb.Put(done, channels.Product{SKU: "LATE"}); !errors.Is(err, context.Canceled) {
		t.Fatalf("Put on a done context: %v", err)
	}
	if _, err := tb.ProductBySKU(ctx, "LATE"); !errors.Is(err, channels.ErrNotFound) {
		t.Fatalf("Put on a done context stored LATE: %v", err)
	}

	t.Run("concurrent", func(t *testing.T) {
		tb := open(t)
		var wg sync.WaitGroup
		for w := range 4 {
			wg.Go(func() {
				for i := range 50 {
					sku := fmt.Sprint("S", i)
					if err := tb.Put(ctx, channels.Product{SKU: sku, Name: fmt.Sprint(w)}); err != nil {
						t.Error(err)
						return
					}
					if _, err := tb.ProductBySKU(ctx, sku); err != nil {
						t.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
		if l, _ := tb.ListProducts(ctx); len(l) != 50 {
			t.Fatalf("%d products", len(l))
		}
	})
}
