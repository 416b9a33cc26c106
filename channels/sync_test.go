package channels_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"pgregory.net/rapid"

	"github.com/azuvio/omnisales/channels"
	"github.com/azuvio/omnisales/channels/channelstest"
	"github.com/azuvio/omnisales/oms"
)

// A pulled "processing" never overwrites our Shipping.
func TestNoRegression(t *testing.T) {
	e := newEnv(t)
	e.shop.Add(channelstest.NewOrder("1", "processing", "x@example.com", "A"))
	e.importOK()
	id := e.order("1").ID
	if _, err := e.svc.Confirm(e.ctx, e.op, id); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Ship(e.ctx, e.op, id, oms.Shipment{Courier: "fan", AWB: "AWB1"}); err != nil {
		t.Fatal(err)
	}
	e.drain() // pushes "shipped" (the plugin status)
	for _, s := range []string{"processing", "pending", "on-hold", "checkout-draft"} {
		e.shop.SetStatus("1", s)
		r := e.importOK()
		if r.Updated != 0 || r.Failed != 0 {
			t.Fatalf("shop %q: run = %+v", s, r)
		}
		if o := e.order("1"); o.Status != oms.Shipping {
			t.Fatalf("shop %q moved our Shipping order to %s", s, o.Status)
		}
	}
	notes := e.records(channels.RecordFilter{Job: channels.JobOrders, Key: "1", Outcome: channels.OutcomeUnchanged})
	if len(notes) != 4 {
		t.Fatalf("notes = %+v", notes)
	}
	// A forward move the lifecycle allows is taken.
	e.shop.SetStatus("1", "completed")
	if r := e.importOK(); r.Updated != 1 {
		t.Fatalf("completed: %+v", r)
	}
	if o := e.order("1"); o.Status != oms.Delivered {
		t.Fatalf("status %s, want Delivered", o.Status)
	}
	// An old page (modified before our last sync) changes nothing.
	if err := e.ms.SetSyncCursor(e.ctx, shopID, channels.JobOrders, ""); err != nil {
		t.Fatal(err)
	}
	if r := e.importOK(); r.Updated != 0 {
		t.Fatalf("re-read: %+v", r)
	}
}

// Automation never takes an order out of Stock Unavailable.
func TestStockUnavailableStays(t *testing.T) {
	e := newEnv(t)
	e.shop.Add(channelstest.NewOrder("1", "processing", "x@example.com", "A"))
	e.importOK()
	if _, err := e.svc.MarkStockUnavailable(e.ctx, e.op, e.order("1").ID, "out of stock"); err != nil {
		t.Fatal(err)
	}
	e.shop.SetStatus("1", "cancelled")
	if r := e.importOK(); r.Updated != 0 || r.Failed != 0 {
		t.Fatalf("run = %+v", r)
	}
	if o := e.order("1"); o.Status != oms.StockUnavailable {
		t.Fatalf("status %s", o.Status)
	}
	recs := e.records(channels.RecordFilter{Key: "1", Outcome: channels.OutcomeUnchanged})
	if len(recs) != 1 {
		t.Fatalf("note = %+v", recs)
	}
}

// Model: random interleavings of shop changes (by the shop's operator),
// our changes (by our operator, pushed through the dispatcher) and pulls.
// Invariants after every pull:
//   - the engine changes an order only when the shop's operator changed
//     its status since the previous pull, and then only to the status the
//     shop shows (or not at all, when the lifecycle has no move);
//   - an order past shipping never goes back before shipping;
//   - every status change of the engine is a legal lifecycle move
//     (history replays).
func TestRapidNoRegressionNoEcho(t *testing.T) {
	preShipping := []oms.Status{oms.Draft, oms.Processing, oms.PendingPayment, oms.Paid, oms.Confirmed, oms.Ready, oms.StockUnavailable, oms.OnHold}
	shopStatuses := []string{"pending", "processing", "on-hold", "completed", "cancelled", "refunded", "failed", "shipped"}
	rapid.Check(t, func(rt *rapid.T) {
		e := newEnv(t)
		e.shop.HideModified(rapid.IntRange(0, 3).Draw(rt, "hideModified") > 0) // mostly: the harder case for echoes
		e.shop.Add(channelstest.NewOrder("1", rapid.SampledFrom([]string{"pending", "processing", "on-hold"}).Draw(rt, "first"), "x@example.com", "A"))
		e.importOK()
		id := e.order("1").ID
		shopChanged := false
		holdOrResume := func(rt *rapid.T) {
			if e.order("1").Status == oms.OnHold {
				_, _ = e.svc.Resume(e.ctx, e.op, id)
			} else {
				_, _ = e.svc.Hold(e.ctx, e.op, id, "")
			}
		}
		// Hold and resume are listed twice to weigh them: they make the
		// pushes that could echo back.
		rt.Repeat(map[string]func(*rapid.T){
			"holdOrResume":  holdOrResume,
			"holdOrResume2": holdOrResume,
			"shop": func(rt *rapid.T) {
				e.shop.SetStatus("1", rapid.SampledFrom(shopStatuses).Draw(rt, "shopStatus"))
				shopChanged = true
			},
			"ours": func(rt *rapid.T) {
				o := e.order("1")
				evs := o.Available()
				if len(evs) == 0 {
					rt.Skip("no move")
				}
				ev := rapid.SampledFrom(evs).Draw(rt, "event")
				c := oms.Change{Event: ev}
				if ev == oms.EvShip {
					c.Edit = func(o *oms.Order) error { o.Shipment.AWB = "AWB"; return nil }
				}
				manager := oms.Staff("boss", oms.RoleOperator, oms.RoleSalesManager, oms.RoleReturnsSupervisor)
				_, _ = e.svc.Apply(e.ctx, manager, id, c) // guards may refuse
			},
			"dispatch": func(rt *rapid.T) { e.drain() },
			"pull": func(rt *rapid.T) {
				before := e.order("1")
				hist, _ := e.ms.History(e.ctx, id)
				e.importOK()
				after := e.order("1")
				shopNow, _ := e.shop.Order("1")
				if after.Status != before.Status {
					if !shopChanged {
						rt.Fatalf("pull moved %s → %s without a shop change (shop shows %q)", before.Status, after.Status, shopNow.Status)
					}
					want, _ := testShop().Statuses.Inbound(shopNow.Status)
					viaProcessing := before.Status == oms.Draft && after.Status == oms.Processing
					if after.Status != want && !viaProcessing {
						rt.Fatalf("pull moved %s → %s, shop shows %q (%s)", before.Status, after.Status, shopNow.Status, want)
					}
					if !slices.Contains(preShipping, before.Status) && slices.Contains(preShipping, after.Status) {
						rt.Fatalf("regression %s → %s", before.Status, after.Status)
					}
				}
				h2, _ := e.ms.History(e.ctx, id)
				for _, h := range h2[len(hist):] {
					if h.Actor != "channels-sync" {
						rt.Fatalf("pull wrote history as %q", h.Actor)
					}
				}
				shopChanged = false
			},
			"": func(rt *rapid.T) {
				h, err := e.ms.History(e.ctx, id)
				if err != nil {
					rt.Fatal(err)
				}
				s, err := oms.Replay(h)
				if err != nil {
					rt.Fatal(err)
				}
				if o := e.order("1"); s != o.Status {
					rt.Fatalf("history replays to %s, order is %s", s, o.Status)
				}
			},
		})
	})
}

// Model: imports that crash at random points (a new engine each time, as
// after a restart), lost cursors and new shop orders never duplicate an
// order, and a final clean import has every order.
func TestRapidCrashResumeIdempotent(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		pageSize := rapid.IntRange(1, 7).Draw(rt, "pageSize")
		e := newEnv(t, func(c *channels.Config) { c.PageSize = pageSize })
		added := 0
		add := func(k int) {
			for range k {
				e.shop.Add(channelstest.NewOrder(fmt.Sprint(added), rapid.SampledFrom([]string{"processing", "pending", "on-hold", "cancelled"}).Draw(rt, "status"), "x@example.com", "A"))
				added++
			}
		}
		add(rapid.IntRange(1, 20).Draw(rt, "initial"))
		rt.Repeat(map[string]func(*rapid.T){
			"crashingImport": func(rt *rapid.T) {
				k := rapid.IntRange(1, 25).Draw(rt, "crashAfter")
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				e.restart(func(c *channels.Config) {
					c.Progress = func(p channels.Progress) {
						if p.Done == k {
							cancel()
						}
					}
				})
				if _, err := e.eng.ImportOrders(ctx, shopID); err != nil && !errors.Is(err, context.Canceled) {
					rt.Fatal(err)
				}
			},
			"import": func(rt *rapid.T) {
				e.restart()
				e.importOK()
			},
			"loseCursor": func(rt *rapid.T) {
				_ = e.ms.SetSyncCursor(e.ctx, shopID, channels.JobOrders, "")
			},
			"newOrders": func(rt *rapid.T) { add(rapid.IntRange(1, 5).Draw(rt, "more")) },
			"": func(rt *rapid.T) {
				if got := len(e.orders()); got > added { // orders() fails on a duplicate
					rt.Fatalf("%d orders from %d shop orders", got, added)
				}
			},
		})
		e.restart()
		e.importOK()
		if got := len(e.orders()); got != added {
			rt.Fatalf("%d orders after a clean import, want %d", got, added)
		}
	})
}
