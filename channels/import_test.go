package channels_test

import (
	"testing"

	"github.com/shopspring/decimal"

	"github.com/azuvio/omnisales/channels"
	"github.com/azuvio/omnisales/channels/channelstest"
	"github.com/azuvio/omnisales/oms"
)

func TestImportNewOrders(t *testing.T) {
	e := newEnv(t)
	e.shop.Add(
		channelstest.NewOrder("101", "processing", "ana@example.com", "A", "B"),
		channelstest.NewOrder("102", "pending", "bob@example.com", "A"),
		channelstest.NewOrder("103", "on-hold", "ana@example.com", "B"),
		channelstest.NewOrder("104", "checkout-draft", "cy@example.com", "B"),
		channelstest.NewOrder("105", "completed", "cy@example.com", "B"),
	)
	r := e.importOK()
	if r.Imported != 5 || r.Failed != 0 || r.Done != 5 || r.Total != 5 {
		t.Fatalf("run = %+v", r)
	}
	got := e.orders()
	want := map[string]oms.Status{"101": oms.Processing, "102": oms.PendingPayment, "103": oms.OnHold, "104": oms.Draft, "105": oms.Draft}
	for id, s := range want {
		if got[id].Status != s {
			t.Errorf("order %s: status %s, want %s", id, got[id].Status, s)
		}
	}
	o := got["101"]
	if o.Client.ID == "" || o.Client.Email != "ana@example.com" || got["103"].Client.ID != o.Client.ID {
		t.Errorf("client = %+v / %+v", o.Client, got["103"].Client)
	}
	if e.clients.Created() != 3 {
		t.Errorf("clients created = %d, want 3", e.clients.Created())
	}
	if o.PaymentMethod != "cash" || o.Number != "#101" || len(o.Lines) != 2 || o.Lines[0].ProductID != "A" || o.Lines[0].ProductGroup != "fruit" {
		t.Errorf("order = %+v", o)
	}
	if !o.Totals.Total.Equal(decimal.RequireFromString("23.80")) {
		t.Errorf("total = %s, want 23.80", o.Totals.Total)
	}
	// Completed has no move from Draft: left as it is, with a note.
	notes := e.records(channels.RecordFilter{Key: "105"})
	if len(notes) != 1 || notes[0].Outcome != channels.OutcomeImported || notes[0].Message == "" {
		t.Errorf("records of 105 = %+v", notes)
	}
}
