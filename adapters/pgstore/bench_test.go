package pgstore_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/azuvio/omnisales/adapters/pgstore"
	"github.com/azuvio/omnisales/adapters/pgstore/pgtest"
	"github.com/azuvio/omnisales/oms"
)

// BenchmarkPGTransition measures one status change through oms.Service on
// pgstore: each op is a hold or a resume of an order owned by one client
// (goroutine), so ops never conflict. bench/transition.sql runs the same
// statements through pgbench; compare the tps metrics (see bench/README.md).
// Set OMS_PG_DSN to run against a server of your choice.
func BenchmarkPGTransition(b *testing.B) {
	for _, clients := range []int{1, 8} {
		b.Run(fmt.Sprintf("clients=%d", clients), func(b *testing.B) { benchTransition(b, clients) })
	}
}

func benchTransition(b *testing.B, clients int) {
	ctx := context.Background()
	s := open(b, pgtest.DSN(b), pgstore.Config{MaxConns: clients})
	svc, err := oms.NewService(s, oms.Config{})
	if err != nil {
		b.Fatal(err)
	}
	op := oms.Staff("bench", oms.RoleOperator)
	ids := make([]string, clients)
	for i := range ids {
		o, err := svc.Place(ctx, op, oms.NewOrder{Channel: oms.ChannelRef{Type: oms.ChannelManual, ID: 1}, Currency: "RON",
			Client:  oms.Client{ID: "C1", Groups: []string{"VIP"}},
			Lines:   []oms.Line{{ProductID: "P1", SKU: "S1", Quantity: 2, UnitPrice: decimal.RequireFromString("10.50"), TaxRate: decimal.NewFromInt(19)}},
			Billing: oms.Address{Name: "A", City: "Cluj"}, ShippingTo: oms.Address{Name: "A", City: "Cluj"}})
		if err != nil {
			b.Fatal(err)
		}
		ids[i] = o.ID
	}
	toggle := func(id string, held bool) error {
		var err error
		if held {
			_, err = svc.Resume(ctx, op, id)
		} else {
			_, err = svc.Hold(ctx, op, id, "bench")
		}
		return err
	}
	// Warm the statement caches of every connection.
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Go(func() {
			if err := toggle(id, false); err != nil {
				b.Errorf("client %d: %v", i, err)
			}
			if err := toggle(id, true); err != nil {
				b.Errorf("client %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	var next atomic.Int64
	b.ResetTimer()
	start := time.Now()
	for i, id := range ids {
		wg.Go(func() {
			held := false
			for next.Add(1) <= int64(b.N) {
				if err := toggle(id, held); err != nil {
					b.Errorf("client %d: %v", i, err)
					return
				}
				held = !held
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "tps")
}
