package channels_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/azuvio/omnisales/channels"
	"github.com/azuvio/omnisales/channels/channelstest"
	"github.com/azuvio/omnisales/oms"
)

// The scheduler runs two shops of one channel in parallel while orders
// arrive and operators work; run with -race.
func TestSchedulerRun(t *testing.T) {
	shops := map[string]*channelstest.Shop{"ro": channelstest.NewShop(), "bg": channelstest.NewShop()}
	e := newEnv(t, func(c *channels.Config) {
		c.Tick = time.Millisecond
		c.Connect = func(ctx context.Context, s channels.Shop) (channels.Connector, error) {
			return shops[s.ID].Connector(), nil
		}
	})
	for id := range shops {
		sh := testShop()
		sh.ID = id
		sh.Schedule = channels.Schedule{Orders: 3 * time.Millisecond, Stock: 5 * time.Millisecond}
		if err := e.reg.SetShop(sh); err != nil {
			t.Fatal(err)
		}
	}
	off := testShop()
	off.ID, off.Disabled, off.Schedule.Orders = "off", true, time.Millisecond
	if err := e.reg.SetShop(off); err != nil {
		t.Fatal(err)
	}
	e.feed.Set(channels.JobStock, items(5)...)

	ctx, cancel := context.WithCancel(context.Background())
	runErr := make(chan error, 1)
	go func() { runErr <- e.eng.Run(ctx) }()
	dispatched := make(chan struct{})
	go func() { _ = e.svc.Events().Run(ctx, time.Millisecond); close(dispatched) }()
	var wg sync.WaitGroup
	const n = 40
	wg.Go(func() {
		for i := range n {
			for _, s := range shops {
				s.Add(channelstest.NewOrder(fmt.Sprint(i), "processing", "x@example.com", "A"))
				if i%5 == 0 {
					s.SetStatus(fmt.Sprint(i/2), "on-hold")
				}
			}
			time.Sleep(time.Millisecond)
		}
	})
	wg.Go(func() { // an operator confirms what has arrived
		for range n {
			page, err := e.ms.List(ctx, oms.Filter{Statuses: []oms.Status{oms.Processing}}, oms.Page{Limit: 5})
			if err != nil {
				return
			}
			for _, o := range page.Orders {
				_, _ = e.svc.Confirm(ctx, e.op, o.ID)
			}
			time.Sleep(time.Millisecond)
		}
	})
	time.Sleep(60 * time.Millisecond)
	wg.Wait() // the producers end on their own
	time.Sleep(20 * time.Millisecond)
	cancel()
	if err := <-runErr; !errors.Is(err, context.Canceled) {
		t.Fatalf("Run returned %v", err)
	}
	<-dispatched
	for id, s := range shops {
		if _, err := e.eng.ImportOrders(e.ctx, id); err != nil {
			t.Fatal(err)
		}
		page, err := e.ms.List(e.ctx, oms.Filter{Store: id}, oms.Page{Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, o := range page.Orders {
			if seen[o.ExternalID] {
				t.Fatalf("shop %s: order %s twice", id, o.ExternalID)
			}
			seen[o.ExternalID] = true
		}
		if len(seen) != n {
			t.Fatalf("shop %s: %d orders, want %d", id, len(seen), n)
		}
		runs, _ := e.eng.Runs(e.ctx, channels.RunFilter{Shop: id, Job: channels.JobOrders})
		stock, _ := e.eng.Runs(e.ctx, channels.RunFilter{Shop: id, Job: channels.JobStock})
		if len(runs) < 3 || len(stock) < 2 {
			t.Fatalf("shop %s: %d order runs, %d stock runs", id, len(runs), len(stock))
		}
		if len(s.Items(channels.JobStock)) != 5 {
			t.Fatalf("shop %s: stock not pushed", id)
		}
	}
	if runs, _ := e.eng.Runs(e.ctx, channels.RunFilter{Shop: "off"}); len(runs) != 0 {
		t.Fatalf("disabled shop ran %d times", len(runs))
	}
}
