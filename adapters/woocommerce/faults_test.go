package woocommerce_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/azuvio/omnisales/adapters/woocommerce"
	"github.com/azuvio/omnisales/adapters/woocommerce/woocommercetest"
)

// Under the fault mix (20% 5xx, 5% timeouts, 1% malformed) a walk
// still returns every order exactly once, and every status push lands once.
func TestWalkAndPushUnderRandomFaults(t *testing.T) {
	t.Parallel()
	srv := woocommercetest.NewServer(t)
	seeded := srv.GenerateOrders(600, woocommercetest.Generator{Seed: 11})
	cfg := fastConfig()
	cfg.RetryMax = 10
	cfg.Timeout = 100 * time.Millisecond
	cl := newClient(t, srv, cfg)
	srv.SetFaultRates(&woocommercetest.FaultRates{Seed: 5, ServerError: 0.20, Timeout: 0.05, Malformed: 0.01, RetryAfter: "0"})
	ctx := context.Background()

	all, err := cl.Orders.ListAll(ctx, &woocommerce.ListOrdersOptions{PerPage: 100, Order: woocommerce.Asc, OrderBy: woocommerce.OrderByID})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != len(seeded) {
		t.Fatalf("%d orders, want %d", len(all), len(seeded))
	}
	for i, o := range all {
		if o.ID != seeded[i].ID {
			t.Fatalf("order %d: id %d, want %d", i, o.ID, seeded[i].ID)
		}
	}
	// Pushes: 5xx and 429 strike before the write, so each status lands
	// once. (A per-attempt timeout on a write that did land makes the
	// idempotent PUT land twice; a busy machine can exceed a short timeout
	// without any fault, so pushes use a generous one and no hang faults.)
	pcfg := fastConfig()
	pcfg.RetryMax = 10
	pushCl := newClient(t, srv, pcfg)
	srv.SetFaultRates(&woocommercetest.FaultRates{Seed: 6, ServerError: 0.20, RateLimit: 0.05, RetryAfter: "0", Method: http.MethodPut})
	for _, o := range seeded[:40] {
		if _, _, err := pushCl.Orders.UpdateStatus(ctx, o.ID, "completed"); err != nil {
			t.Fatalf("push %d: %v", o.ID, err)
		}
	}
	faulted := map[string]int{}
	for _, r := range srv.Requests() {
		if r.Fault != 0 {
			faulted[r.Method]++
		}
	}
	if faulted[http.MethodGet] == 0 || faulted[http.MethodPut] == 0 {
		t.Fatalf("faults injected %v: the test proves nothing", faulted)
	}
	for _, o := range seeded[:40] {
		if srv.PutCount(o.ID) != 1 || srv.OrderStatus(o.ID) != "completed" {
			t.Fatalf("order %d: %d pushes, status %s", o.ID, srv.PutCount(o.ID), srv.OrderStatus(o.ID))
		}
	}
}

func TestCustomersGetByEmail(t *testing.T) {
	t.Parallel()
	srv := woocommercetest.NewServer(t)
	srv.AddCustomer(woocommercetest.Customer{Email: "ana@example.ro", FirstName: "Ana", Role: "customer",
		Billing: woocommercetest.Address{City: "Cluj"}, DateCreatedGMT: "2024-01-02T03:04:05"})
	srv.AddCustomer(woocommercetest.Customer{Email: "shop@example.ro", Role: "shop_manager"})
	cl := quickClient(t, srv)
	ctx := context.Background()
	c, _, err := cl.Customers.GetByEmail(ctx, " ANA@example.ro ")
	if err != nil || c.FirstName != "Ana" || c.Billing.City != "Cluj" || !c.DateCreated.Equal(time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)) {
		t.Fatalf("%+v %v", c, err)
	}
	// role=all finds non-customers too.
	if m, _, err := cl.Customers.GetByEmail(ctx, "shop@example.ro"); err != nil || m.Role != "shop_manager" {
		t.Fatalf("%+v %v", m, err)
	}
	if _, _, err := cl.Customers.GetByEmail(ctx, "not-an-email"); !errors.Is(err, woocommerce.ErrInvalidOptions) {
		t.Fatalf("bad email: %v", err)
	}
	if n := srv.RequestCount(http.MethodGet, "/customers"); n != 2 {
		t.Fatalf("%d requests", n)
	}
}
