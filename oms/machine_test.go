package oms_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/azuvio/omnisales/adapters/memstore"
	"github.com/azuvio/omnisales/oms"
)

// TestLifecycleProperties drives random operator actions over random orders
// and checks after every step that no order reached an illegal state.
func TestLifecycleProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		store := memstore.New()
		svc, err := oms.NewService(store, oms.Config{
			Channels:      channelSettings,
			ApprovalRules: []oms.ApprovalRule{{Name: "big", ChannelType: oms.ChannelPortal, Threshold: dec("1000")}},
		})
		if err != nil {
			t.Fatal(err)
		}
		boss := oms.Staff("boss", oms.RoleOperator, oms.RoleSalesManager, oms.RoleReturnsSupervisor)
		var ids []string
		prev := map[string]oms.Order{}
		everShipped := map[string]bool{}

		pick := func(t *rapid.T) string {
			if len(ids) == 0 {
				t.Skip("no orders yet")
			}
			return rapid.SampledFrom(ids).Draw(t, "order")
		}
		check := func(t *rapid.T, o oms.Order, err error) {
			if err != nil && !errors.Is(err, oms.ErrInvalidTransition) && !errors.Is(err, oms.ErrForbidden) && !errors.Is(err, oms.ErrInvalidOrder) {
				t.Fatalf("unexpected error kind: %v", err)
			}
		}
		t.Repeat(map[string]func(*rapid.T){
			"place": func(t *rapid.T) {
				ch := rapid.SampledFrom([]oms.ChannelRef{portal, pos, {Type: oms.ChannelManual, ID: 4}}).Draw(t, "channel")
				unit := rapid.SampledFrom([]string{"1", "99.99", "600", "2000"}).Draw(t, "unit")
				o, err := svc.Place(ctx, boss, cart(ch, unit, rapid.Int64Range(1, 3).Draw(t, "qty")))
				if err != nil {
					t.Fatal(err)
				}
				ids = append(ids, o.ID)
			},
			"event": func(t *rapid.T) {
				id := pick(t)
				ev := rapid.SampledFrom(oms.Events()).Draw(t, "event")
				actor := boss
				if rapid.Bool().Draw(t, "automated") {
					actor = oms.System("sync")
				}
				o, err := svc.Fire(ctx, actor, id, ev, "")
				check(t, o, err)
			},
			"ship": func(t *rapid.T) {
				id := pick(t)
				awb := rapid.SampledFrom([]string{"", "AWB-1"}).Draw(t, "awb")
				o, err := svc.Ship(ctx, boss, id, oms.Shipment{AWB: awb})
				check(t, o, err)
			},
			"approve": func(t *rapid.T) {
				id := pick(t)
				var err error
				if rapid.Bool().Draw(t, "approve") {
					_, err = svc.Approve(ctx, boss, id)
				} else {
					_, err = svc.Reject(ctx, boss, id, "no")
				}
				check(t, oms.Order{}, err)
			},
			"pay": func(t *rapid.T) {
				id := pick(t)
				amt := rapid.SampledFrom([]string{"1", "50", "5000"}).Draw(t, "amount")
				o, err := svc.RecordPayment(ctx, boss, id, dec(amt))
				check(t, o, err)
			},
			"edit": func(t *rapid.T) {
				// Arbitrary edits, legal or not, through Apply: none may
				// break an invariant below (the guards rest on the fields
				// the core keeps).
				id := pick(t)
				edits := map[string]func(o *oms.Order){
					"approve":   func(o *oms.Order) { o.Approval = oms.ApprovalApproved },
					"no rule":   func(o *oms.Order) { o.ApprovalRequired = false },
					"held":      func(o *oms.Order) { o.HeldFrom = oms.Delivered },
					"awb":       func(o *oms.Order) { o.Shipment.AWB = "" },
					"qty":       func(o *oms.Order) { o.Lines[0].Quantity = rapid.Int64Range(-2, 5).Draw(t, "qty") },
					"delivered": func(o *oms.Order) { o.Lines[0].Delivered = rapid.Int64Range(0, 4).Draw(t, "delivered") },
					"refunded":  func(o *oms.Order) { o.Refunded = dec(rapid.SampledFrom([]string{"0", "1", "1e6"}).Draw(t, "refunded")) },
					"currency":  func(o *oms.Order) { o.Currency = "EUR" },
					"notes":     func(o *oms.Order) { o.Notes = "n" },
				}
				names := make([]string, 0, len(edits))
				for k := range edits {
					names = append(names, k)
				}
				slices.Sort(names)
				edit := edits[rapid.SampledFrom(names).Draw(t, "edit")]
				ev := rapid.SampledFrom(append([]oms.EventName{""}, oms.Events()...)).Draw(t, "event")
				actor := rapid.SampledFrom([]oms.Actor{boss, oms.PortalClient("C1")}).Draw(t, "actor")
				o, err := svc.Apply(ctx, actor, id, oms.Change{Event: ev, Edit: func(o *oms.Order) error { edit(o); return nil }})
				check(t, o, err)
			},
			"": func(t *rapid.T) {
				for _, id := range ids {
					o, err := store.Get(ctx, id)
					if err != nil {
						t.Fatal(err)
					}
					if !o.Status.Valid() {
						t.Fatalf("%s: status %d outside the 17", id, o.Status)
					}
					if err := o.Check(); err != nil {
						t.Fatalf("%s: stored order breaks an invariant: %v", id, err)
					}
					if want := oms.ComputeTotals(o.Lines, o.Currency, o.Totals.DeliveryFee); !cmp.Equal(want, o.Totals) {
						t.Fatalf("%s: totals %+v do not follow the lines (%+v)", id, o.Totals, want)
					}
					p, seen := prev[id]
					if seen && p.Status == oms.Cancelled && o.Status != oms.Cancelled {
						t.Fatalf("%s left Cancelled for %s", id, o.Status)
					}
					if o.Status == oms.Shipping {
						everShipped[id] = true
					}
					if o.Status == oms.Delivered && !everShipped[id] && !(seen && p.Status == oms.Delivered) {
						t.Fatalf("%s Delivered without Shipping", id)
					}
					if o.Status == oms.Confirmed && o.ApprovalRequired && o.Approval != oms.ApprovalApproved {
						t.Fatalf("%s Confirmed with approval %s", id, o.Approval)
					}
					if o.Channel.Type == oms.ChannelPortal && o.Totals.Total.GreaterThan(dec("1000")) && !o.ApprovalRequired {
						t.Fatalf("%s: total %s is over the rule's threshold but needs no approval", id, o.Totals.Total)
					}
					if o.Status == oms.Shipping && o.Shipment.AWB == "" {
						t.Fatalf("%s Shipping without an AWB", id)
					}
					if seen && p.Status == oms.StockUnavailable && o.Status != oms.StockUnavailable {
						h, _ := store.History(ctx, id)
						if last := h[len(h)-1]; last.Actor == "sync" {
							t.Fatalf("%s left Stock Unavailable by automation", id)
						}
					}
					h, err := store.History(ctx, id)
					if err != nil {
						t.Fatal(err)
					}
					replayed, err := oms.Replay(h)
					if err != nil || replayed != o.Status {
						t.Fatalf("%s: history replays to %v (%v), status is %s", id, replayed, err, o.Status)
					}
					if int64(len(h)) != o.Version {
						t.Fatalf("%s: %d history entries for version %d", id, len(h), o.Version)
					}
					prev[id] = o
				}
			},
		})
	})
}

func TestReplayRejectsForgedHistory(t *testing.T) {
	h := []oms.HistoryEntry{
		{Event: oms.EvPlace, To: oms.Draft},
		{Event: oms.EvDeliver, From: oms.Draft, To: oms.Delivered},
	}
	if _, err := oms.Replay(h); !errors.Is(err, oms.ErrInvalidTransition) {
		t.Fatalf("Replay accepted Draft → Delivered: %v", err)
	}
	h = []oms.HistoryEntry{
		{Event: oms.EvPlace, To: oms.Draft},
		{Event: oms.EvHold, From: oms.Draft, To: oms.OnHold},
		{Event: oms.EvResume, From: oms.OnHold, To: oms.Draft},
	}
	if s, err := oms.Replay(h); err != nil || s != oms.Draft {
		t.Fatalf("hold/resume replay: %v %v", s, err)
	}
	h[2].To = oms.Confirmed
	if _, err := oms.Replay(h); err == nil {
		t.Fatal("resume to a status never left was accepted")
	}
}
