package channels_test

import (
	"fmt"
	"testing"

	"github.com/azuvio/omnisales/channels"
	"github.com/azuvio/omnisales/channels/channelstest"
)

// BenchmarkEngineImport measures the engine alone (fake shop in memory,
// memstore): one run importing n new orders of two lines, 100 per page.
func BenchmarkEngineImport(b *testing.B) {
	for _, n := range []int{1000} {
		b.Run(fmt.Sprint("orders=", n), func(b *testing.B) {
			orders := make([]channels.ExternalOrder, n)
			for i := range orders {
				orders[i] = channelstest.NewOrder(fmt.Sprint(i), "processing", fmt.Sprintf("c%d@example.com", i%50), "A", "B")
			}
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				e := newEnv(b, func(c *channels.Config) { c.PageSize = 100 })
				e.shop.Add(orders...)
				b.StartTimer()
				r, err := e.eng.ImportOrders(e.ctx, shopID)
				if err != nil || r.Imported != n {
					b.Fatalf("run = %+v, %v", r, err)
				}
			}
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "orders/s")
		})
	}
}
