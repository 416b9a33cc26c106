package memstore

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"

	"github.com/azuvio/omnisales/oms"
)

// fill sets every field reachable from v to a value derived from *n, so
// that two fills with different starting n differ in every field. It fails
// on a kind it does not know, so a new kind of field in oms.Order is
// noticed here rather than silently left zero.
func fill(t *testing.T, v reflect.Value, n *int) {
	t.Helper()
	*n++
	switch x := v.Addr().Interface().(type) {
	case *decimal.Decimal:
		*x = decimal.New(int64(*n), -2)
		return
	case *time.Time:
		*x = time.Date(2026, 1, 1, 0, 0, *n, *n, time.UTC)
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(fmt.Sprintf("s%d", *n))
	case reflect.Int, reflect.Int64, reflect.Int32:
		v.SetInt(int64(*n))
	case reflect.Bool:
		v.SetBool(*n%2 == 0)
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 2, 2))
		for i := range 2 {
			fill(t, v.Index(i), n)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if !v.Type().Field(i).IsExported() {
				t.Fatalf("%s.%s: unexported field of a type fill does not know", v.Type(), v.Type().Field(i).Name)
			}
			fill(t, v.Field(i), n)
		}
	default:
		t.Fatalf("fill: unhandled kind %s (%s)", v.Kind(), v.Type())
	}
}

// filled returns an order with every field set from seed and valid codes.
func filled(t *testing.T, seed int) oms.Order {
	var o oms.Order
	n := seed
	fill(t, reflect.ValueOf(&o).Elem(), &n)
	o.Status, o.HeldFrom = oms.Status(seed%17), oms.Status((seed+5)%17)
	o.Approval = oms.Approval(seed%3 - 1)
	return o
}

var decimalEqual = cmp.Comparer(func(a, b decimal.Decimal) bool { return a.Equal(b) })

// TestStoredRoundTrip stores orders whose every field is set and reads
// them back: a field of oms.Order that stored does not keep fails here.
func TestStoredRoundTrip(t *testing.T) {
	ctx := context.Background()
	s := New()
	o := filled(t, 1000)
	if err := s.Do(ctx, func(tx oms.Tx) error { return tx.Insert(ctx, &o) }); err != nil {
		t.Fatal(err)
	}
	got, err := s.Get(ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(o, got, decimalEqual); d != "" {
		t.Fatalf("after insert (-put +got):\n%s", d)
	}

	// Every field but the fixed ones changes.
	u := filled(t, 5000)
	u.ID, u.Channel, u.Store, u.ExternalID, u.CreatedAt, u.Version = o.ID, o.Channel, o.Store, o.ExternalID, o.CreatedAt, o.Version
	if err := s.Do(ctx, func(tx oms.Tx) error { return tx.Update(ctx, &u) }); err != nil {
		t.Fatal(err)
	}
	if got, err = s.Get(ctx, o.ID); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(u, got, decimalEqual); d != "" {
		t.Fatalf("after update (-put +got):\n%s", d)
	}

	// The rare part is shared while it does not change, dropped when empty.
	r := s.orders[o.ID]
	before := r.o.rare
	u.Seller = "someone else"
	if err := s.Do(ctx, func(tx oms.Tx) error { return tx.Update(ctx, &u) }); err != nil {
		t.Fatal(err)
	}
	if r.o.rare != before {
		t.Error("an update that kept the addresses copied them")
	}
	u.Billing, u.ShippingTo, u.Notes, u.RejectReason, u.Shipment.URL = oms.Address{}, oms.Address{}, "", "", ""
	if err := s.Do(ctx, func(tx oms.Tx) error { return tx.Update(ctx, &u) }); err != nil {
		t.Fatal(err)
	}
	if r.o.rare != nil {
		t.Error("an order without addresses, notes, rejection or tracking URL keeps a rare part")
	}
	if got, _ := s.Get(ctx, o.ID); got.Seller != "someone else" || got.Billing != (oms.Address{}) {
		t.Errorf("after clearing: seller %q billing %+v", got.Seller, got.Billing)
	}
}

// TestHistoryAndEventRoundTrip does the same for history entries and
// outbox events.
func TestHistoryAndEventRoundTrip(t *testing.T) {
	ctx := context.Background()
	s := New()
	o := filled(t, 1)
	var h oms.HistoryEntry
	var e oms.Event
	n := 300
	fill(t, reflect.ValueOf(&h).Elem(), &n)
	fill(t, reflect.ValueOf(&e).Elem(), &n)
	h.OrderID, h.From, h.To = o.ID, oms.Shipping, oms.Delivered
	e.From, e.To, e.Attempts = oms.Confirmed, oms.Shipping, 0
	err := s.Do(ctx, func(tx oms.Tx) error {
		if err := tx.Insert(ctx, &o); err != nil {
			return err
		}
		if err := tx.AppendHistory(ctx, h); err != nil {
			return err
		}
		return tx.AppendEvent(ctx, &e)
	})
	if err != nil {
		t.Fatal(err)
	}
	hist, err := s.History(ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]oms.HistoryEntry{h}, hist); d != "" {
		t.Errorf("history (-appended +read):\n%s", d)
	}
	evs, err := s.ClaimEvents(ctx, "w", 10, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	e.Attempts = 1
	if d := cmp.Diff([]oms.Event{e}, evs); d != "" {
		t.Errorf("events (-appended +claimed):\n%s", d)
	}
}

// TestCodesOutsideTheContract: the store refuses what the PostgreSQL
// store's CHECK constraints refuse, and keeps nothing of the unit.
func TestCodesOutsideTheContract(t *testing.T) {
	ctx := context.Background()
	for name, mod := range map[string]func(o *oms.Order){
		"status":    func(o *oms.Order) { o.Status = 17 },
		"held from": func(o *oms.Order) { o.HeldFrom = -1 },
		"approval":  func(o *oms.Order) { o.Approval = 2 },
	} {
		s := New()
		o := filled(t, 3)
		mod(&o)
		err := s.Do(ctx, func(tx oms.Tx) error { return tx.Insert(ctx, &o) })
		var ve *oms.ValidationError
		if !errors.As(err, &ve) {
			t.Errorf("%s: insert error %v, want a *oms.ValidationError", name, err)
		}
		if _, err := s.Get(ctx, o.ID); !errors.Is(err, oms.ErrNotFound) {
			t.Errorf("%s: refused order stored (%v)", name, err)
		}
	}
	s := New()
	o := filled(t, 3)
	if err := s.Do(ctx, func(tx oms.Tx) error { return tx.Insert(ctx, &o) }); err != nil {
		t.Fatal(err)
	}
	bad := o
	bad.Status = 99
	if err := s.Do(ctx, func(tx oms.Tx) error { return tx.Update(ctx, &bad) }); !errors.Is(err, oms.ErrInvalidOrder) {
		t.Errorf("update to status 99: %v, want ErrInvalidOrder", err)
	}
	err := s.Do(ctx, func(tx oms.Tx) error {
		return tx.AppendHistory(ctx, oms.HistoryEntry{OrderID: o.ID, From: oms.Draft, To: 40})
	})
	if !errors.Is(err, oms.ErrInvalidOrder) {
		t.Errorf("history to status 40: %v, want ErrInvalidOrder", err)
	}
	if h, _ := s.History(ctx, o.ID); len(h) != 0 {
		t.Errorf("refused history kept: %+v", h)
	}
}

// TestRolledBackInsertReusesItsRecord: the slot of an insert that rolled
// back is reused, and the order stored there shows nothing of the other.
func TestRolledBackInsertReusesItsRecord(t *testing.T) {
	ctx := context.Background()
	s := New()
	boom := errors.New("boom")
	a := filled(t, 10)
	err := s.Do(ctx, func(tx oms.Tx) error {
		if err := tx.Insert(ctx, &a); err != nil {
			return err
		}
		if err := tx.AppendHistory(ctx, oms.HistoryEntry{OrderID: a.ID, From: oms.Draft, To: oms.Draft, Reason: "gone"}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Do: %v", err)
	}
	if len(s.free) != 1 {
		t.Fatalf("free records after a rolled-back insert: %d, want 1", len(s.free))
	}
	slot := s.free[0]
	b := filled(t, 20)
	if err := s.Do(ctx, func(tx oms.Tx) error { return tx.Insert(ctx, &b) }); err != nil {
		t.Fatal(err)
	}
	if s.orders[b.ID] != slot {
		t.Error("the freed record was not reused")
	}
	if h, _ := s.History(ctx, b.ID); len(h) != 0 {
		t.Errorf("reused record carries history: %+v", h)
	}
	if got, _ := s.Get(ctx, b.ID); !cmp.Equal(got, b, decimalEqual) {
		t.Errorf("reused record: %s", cmp.Diff(b, got, decimalEqual))
	}
}

// TestGroupsShared: orders with the same client groups share one stored
// list, which neither a caller's later change of its own slice nor a read
// copy can reach.
func TestGroupsShared(t *testing.T) {
	ctx := context.Background()
	s := New()
	in := []string{"Wholesale", "North"}
	a, b := filled(t, 1), filled(t, 2)
	a.Client.Groups, b.Client.Groups = in, slices.Clone(in)
	for _, o := range []*oms.Order{&a, &b} {
		if err := s.Do(ctx, func(tx oms.Tx) error { return tx.Insert(ctx, o) }); err != nil {
			t.Fatal(err)
		}
	}
	ga, gb := s.orders[a.ID].o.client.Groups, s.orders[b.ID].o.client.Groups
	if &ga[0] != &gb[0] {
		t.Error("equal group lists are stored twice")
	}
	if &ga[0] == &in[0] {
		t.Fatal("the store keeps the caller's slice")
	}
	in[0] = "changed by the caller"
	got, _ := s.Get(ctx, b.ID)
	got.Client.Groups[1] = "changed by a reader"
	for _, id := range []string{a.ID, b.ID} {
		if o, _ := s.Get(ctx, id); !slices.Equal(o.Client.Groups, []string{"Wholesale", "North"}) {
			t.Errorf("order %s groups %q", id, o.Client.Groups)
		}
	}
	empty := filled(t, 3)
	empty.Client.Groups = []string{}
	if err := s.Do(ctx, func(tx oms.Tx) error { return tx.Insert(ctx, &empty) }); err != nil {
		t.Fatal(err)
	}
	if o, _ := s.Get(ctx, empty.ID); o.Client.Groups == nil {
		t.Error("an empty group list came back nil")
	}
}
