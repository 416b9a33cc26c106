package returns_test

import (
	"context"
	"strings"
	"testing"

	"github.com/azuvio/omnisales/oms"
	"github.com/azuvio/omnisales/returns"
	"github.com/google/go-cmp/cmp"
)

func TestEventsCarryTheReturn(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, returns.Config{})
	o := f.delivered(t, "0", true, line("A", 2, "50", "0", "19"))
	type seen struct {
		Type     oms.EventType
		ReturnID string
		Reason   string
	}
	var got []seen
	f.orders.Events().Subscribe("", func(_ context.Context, e oms.Event) error {
		if !strings.HasPrefix(string(e.Type), "return.") {
			return nil
		}
		id, _ := returns.EventReturnID(e)
		got = append(got, seen{e.Type, id, e.Reason})
		return nil
	})
	r1, err := f.svc.Create(ctx, client, returns.Request{OrderID: o.ID, Type: returns.TypeFull, Reason: "broken: both"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Reject(ctx, supervisor, r1.ID, "not broken"); err != nil {
		t.Fatal(err)
	}
	again, err := f.svc.Reject(ctx, supervisor, r1.ID, "twice")
	if err != nil || again.DecisionNote != "not broken" {
		t.Errorf("second rejection: %+v %v", again, err)
	}
	r2, err := f.svc.Create(ctx, client, returns.Request{OrderID: o.ID, Items: []returns.ItemRequest{{Line: 0, Quantity: 1}}, Reason: "late"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Approve(ctx, supervisor, r2.ID, returns.ApproveOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Refund(ctx, supervisor, returns.RefundRequest{OrderID: o.ID, Amount: d("1"), Note: "sorry"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.orders.Events().Drain(ctx); err != nil {
		t.Fatal(err)
	}
	want := []seen{
		{returns.EventReturnRequested, r1.ID, "return " + r1.ID + ": broken: both"},
		{returns.EventReturnRejected, r1.ID, "return " + r1.ID + ": not broken"},
		{returns.EventReturnRequested, r2.ID, "return " + r2.ID + ": late"},
		{returns.EventReturnApproved, r2.ID, "return " + r2.ID},
		{returns.EventReturnRefunded, r2.ID, "return " + r2.ID + ": refund 59.50 RON"},
		{returns.EventReturnRefunded, "", "return -: refund 1.00 RON"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}
