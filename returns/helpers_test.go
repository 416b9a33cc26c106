package returns_test

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/azuvio/omnisales/adapters/memstore"
	"github.com/azuvio/omnisales/oms"
	"github.com/azuvio/omnisales/returns"
	"github.com/shopspring/decimal"
)

// clock is a settable clock shared by the order core and returns.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

var (
	t0         = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	staff      = oms.Staff("op", oms.RoleOperator, oms.RoleSalesManager, oms.RoleReturnsSupervisor, []oms.Permission{oms.PermDiscounts}) // places orders with hand-given discounts
	supervisor = oms.Staff("sup", oms.RoleReturnsSupervisor)
	operator   = oms.Staff("opr", oms.RoleOperator)
	client     = oms.PortalClient("c1")
)

type fixture struct {
	store  *memstore.Store
	orders *oms.Service
	svc    *returns.Service
	clock  *clock
}

func newFixture(t tb, cfg returns.Config) *fixture {
	t.Helper()
	c := &clock{t: t0}
	st := memstore.New()
	orders, err := oms.NewService(st, oms.Config{Clock: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Clock = c.Now
	svc, err := returns.NewService(orders, st, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{store: st, orders: orders, svc: svc, clock: c}
}

func d(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func line(id string, qty int64, price, discount, tax string) oms.Line {
	return oms.Line{ProductID: id, SKU: "SKU-" + id, Name: "Product " + id, Quantity: qty,
		UnitPrice: d(price), Discount: d(discount), TaxRate: d(tax)}
}

// place places an order for client c1 and pays it in full when pay is set.
func (f *fixture) place(t tb, deliveryFee string, pay bool, lines ...oms.Line) oms.Order {
	t.Helper()
	ctx := context.Background()
	fee := d(deliveryFee)
	o, err := f.orders.Place(ctx, staff, oms.NewOrder{
		Channel: oms.ChannelRef{Type: oms.ChannelPortal, ID: 1}, Type: "b2b",
		Client: oms.Client{ID: "c1"}, Lines: lines, Currency: "RON", DeliveryFee: &fee,
		PaymentMethod: "bank_transfer",
	})
	if err != nil {
		t.Fatal(err)
	}
	if pay && o.Totals.Total.IsPositive() {
		if o, err = f.orders.RecordPayment(ctx, staff, o.ID, o.Totals.Total); err != nil {
			t.Fatal(err)
		}
	}
	return o
}

// delivered places, (optionally) pays, confirms, ships and delivers an
// order at the fixture's current time.
func (f *fixture) delivered(t tb, deliveryFee string, pay bool, lines ...oms.Line) oms.Order {
	t.Helper()
	ctx := context.Background()
	o := f.place(t, deliveryFee, pay, lines...)
	var err error
	if o, err = f.orders.Confirm(ctx, staff, o.ID); err != nil {
		t.Fatal(err)
	}
	if o, err = f.orders.Ship(ctx, staff, o.ID, oms.Shipment{Courier: "x", AWB: "AWB1"}); err != nil {
		t.Fatal(err)
	}
	if o, err = f.orders.Deliver(ctx, staff, o.ID); err != nil {
		t.Fatal(err)
	}
	return o
}

func (f *fixture) order(t tb, id string) oms.Order {
	t.Helper()
	o, err := f.store.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func (f *fixture) stock(t tb, product string) int64 {
	t.Helper()
	var n int64
	err := f.store.DoReturns(context.Background(), func(tx returns.Tx) error {
		var err error
		n, err = tx.StockLevel(context.Background(), product)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func (f *fixture) refunds(t tb, orderID string) []returns.Refund {
	t.Helper()
	rs, err := f.svc.Refunds(context.Background(), staff, orderID)
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

// snapshot captures everything a refused call must leave unchanged.
type snapshot struct {
	Order     oms.Order
	History   int
	Returns   []returns.Return
	Refunds   []returns.Refund
	Stock     []returns.StockEntry
	Reversals []returns.LoyaltyReversal
}

func (f *fixture) snap(t tb, orderID string) snapshot {
	t.Helper()
	ctx := context.Background()
	var s snapshot
	err := f.store.DoReturns(ctx, func(tx returns.Tx) error {
		var err error
		if s.Order, err = tx.Get(ctx, orderID); err != nil {
			return err
		}
		if s.Returns, err = tx.Returns(ctx, returns.Filter{OrderID: orderID}); err != nil {
			return err
		}
		if s.Refunds, err = tx.Refunds(ctx, orderID); err != nil {
			return err
		}
		if s.Stock, err = tx.StockEntries(ctx, returns.StockFilter{}); err != nil {
			return err
		}
		s.Reversals, err = tx.LoyaltyReversals(ctx, orderID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	h, err := f.store.History(ctx, orderID)
	if err != nil {
		t.Fatal(err)
	}
	s.History = len(h)
	return s
}

// tb is what the helpers need from *testing.T and *rapid.T.
type tb interface {
	Helper()
	Fatal(args ...any)
	Fatalf(format string, args ...any)
}

// fingerprint summarises a snapshot cheaply: every write the service can
// make changes the order's version, the history, a record count or a
// return's version. The rapid model compares these instead of whole
// snapshots, which is much faster under -race.
func (s snapshot) fingerprint() string {
	var versions int64
	for _, r := range s.Returns {
		versions += r.Version
	}
	return fmt.Sprintf("order v%d history %d returns %d/v%d refunds %d stock %d reversals %d",
		s.Order.Version, s.History, len(s.Returns), versions, len(s.Refunds), len(s.Stock), len(s.Reversals))
}
