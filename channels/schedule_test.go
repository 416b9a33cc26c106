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
	go func() { runErr <- e.eng.Serve(ctx) }()
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
		t.Fatalf("Serve returned %v", err)
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

func TestRunPass(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	e := newEnv(t, func(c *channels.Config) {
		c.Clock = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	})
	sh := testShop()
	sh.Schedule = channels.Schedule{Orders: 15 * time.Minute, Prices: time.Hour}
	if err := e.reg.SetShop(sh); err != nil {
		t.Fatal(err)
	}
	e.shop.Add(channelstest.NewOrder("1", "processing", "x@example.com", "A"),
		channelstest.NewOrder("2", "processing", "x@example.com", "NOPE"))
	jobs := func(runs []channels.Run, err error) []channels.Job {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		var out []channels.Job
		for _, r := range runs {
			out = append(out, r.Job)
		}
		return out
	}
	if got := jobs(e.eng.Run(e.ctx)); fmt.Sprint(got) != "[orders prices]" {
		t.Fatalf("first pass ran %v", got)
	}
	advance(time.Minute)
	if got := jobs(e.eng.Run(e.ctx)); len(got) != 0 {
		t.Fatalf("nothing due, ran %v", got)
	}
	// A RetryFailed run does not reset the pace.
	advance(10 * time.Minute)
	if runs, err := e.eng.RetryFailed(e.ctx, shopID); err != nil || len(runs) != 1 || runs[0].Job != channels.JobOrders {
		t.Fatalf("retry = %+v, %v", runs, err)
	}
	advance(5 * time.Minute)
	if got := jobs(e.eng.Run(e.ctx)); fmt.Sprint(got) != "[orders]" {
		t.Fatalf("after 16 minutes ran %v", got)
	}
	advance(45 * time.Minute)
	e.shop.Inject(channelstest.Fault{Op: channelstest.OpList, Times: 3})
	runs, err := e.eng.Run(e.ctx)
	if !errors.Is(err, channels.KindUnreachable) || len(runs) != 2 || runs[1].Job != channels.JobPrices || runs[1].Err != "" {
		t.Fatalf("a failing job stops the pass: %+v, %v", runs, err)
	}
	if len(e.orders()) != 1 {
		t.Fatal("orders")
	}
}

// Two engines (two processes) import the same shop at once: the core's
// external-id uniqueness keeps one order per id.
func TestTwoEnginesImportAtOnce(t *testing.T) {
	e := newEnv(t)
	for i := range 60 {
		e.shop.Add(channelstest.NewOrder(fmt.Sprint(i), "on-hold", "x@example.com", "A"))
	}
	other, err := channels.New(e.svc, e.reg, e.ms, channels.Config{Connect: e.shop.Connect, Catalogue: e.cat, Clients: e.clients,
		PageSize: 7, NoSubscribe: true})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var imported [2]int
	for i, eng := range []*channels.Engine{e.eng, other} {
		wg.Go(func() {
			r, err := eng.ImportOrders(e.ctx, shopID)
			if err != nil {
				t.Error(err)
			}
			imported[i] = r.Imported
		})
	}
	wg.Wait()
	got := e.orders()
	if len(got) != 60 || imported[0]+imported[1] != 60 {
		t.Fatalf("%d orders, imported %v", len(got), imported)
	}
	for id, o := range got {
		if o.Status != oms.OnHold || o.HeldFrom != oms.Processing {
			t.Fatalf("order %s: %s from %s", id, o.Status, o.HeldFrom)
		}
	}
}
