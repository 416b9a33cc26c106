package oms_test

import (
	"testing"

	"github.com/azuvio/omnisales/adapters/memstore"
	"github.com/azuvio/omnisales/oms"
)

// BenchmarkTransition is one status change through the service on
// memstore: hold and resume alternate on one order.
func BenchmarkTransition(b *testing.B) {
	svc, err := oms.NewService(memstore.New(), oms.Config{})
	if err != nil {
		b.Fatal(err)
	}
	o, err := svc.Place(ctx, operator, cart(oms.ChannelRef{Type: oms.ChannelManual, ID: 4}, "10", 2))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		ev := oms.EvHold
		if i%2 == 1 {
			ev = oms.EvResume
		}
		if _, err := svc.Fire(ctx, operator, o.ID, ev, ""); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLifecycle is place → confirm → ship → deliver for one order.
func BenchmarkLifecycle(b *testing.B) {
	svc, err := oms.NewService(memstore.New(), oms.Config{})
	if err != nil {
		b.Fatal(err)
	}
	n := cart(oms.ChannelRef{Type: oms.ChannelManual, ID: 4}, "10", 2)
	sh := oms.Shipment{Courier: "Sameday", AWB: "5749162310001"}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		o, err := svc.Place(ctx, operator, n)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := svc.Confirm(ctx, operator, o.ID); err != nil {
			b.Fatal(err)
		}
		if _, err := svc.Ship(ctx, operator, o.ID, sh); err != nil {
			b.Fatal(err)
		}
		if _, err := svc.Deliver(ctx, operator, o.ID); err != nil {
			b.Fatal(err)
		}
	}
}
