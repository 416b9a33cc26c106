package channels_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
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
	want := map[string]oms.Status{"101": oms.Processing, "102": oms.PendingPayment, "103": oms.OnHold, "104": oms.Draft, "105": oms.Processing}
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
	// A shop order is submitted first: a hold resumes to Processing.
	if got["103"].HeldFrom != oms.Processing {
		t.Errorf("103 held from %s", got["103"].HeldFrom)
	}
	// Completed has no move from Processing: left there, with a note.
	notes := e.records(channels.RecordFilter{Key: "105"})
	if len(notes) != 1 || notes[0].Outcome != channels.OutcomeImported || notes[0].Message == "" {
		t.Errorf("records of 105 = %+v", notes)
	}
}

func TestImportTwiceIsIdempotent(t *testing.T) {
	e := newEnv(t)
	for i := range 9 {
		e.shop.Add(channelstest.NewOrder(fmt.Sprint(200+i), "processing", fmt.Sprintf("c%d@example.com", i), "A"))
	}
	if r := e.importOK(); r.Imported != 9 {
		t.Fatalf("first run imported %d", r.Imported)
	}
	// Same cursor: nothing new.
	if r := e.importOK(); r.Imported != 0 || r.Done != 0 {
		t.Fatalf("second run = %+v", r)
	}
	// The cursor lost: every page is read again, nothing is duplicated.
	if err := e.ms.SetSyncCursor(e.ctx, shopID, channels.JobOrders, ""); err != nil {
		t.Fatal(err)
	}
	r := e.importOK()
	if r.Imported != 0 || r.Unchanged != 9 || r.Failed != 0 {
		t.Fatalf("re-read run = %+v", r)
	}
	if n := len(e.orders()); n != 9 {
		t.Fatalf("%d orders, want 9", n)
	}
	// A new engine with no sync state at all (state lost) still finds the
	// orders by external id.
	e2 := newEnv(t)
	e2.ms, e2.svc, e2.shop = e.ms, e.svc, e.shop
	e2.restart()
	if err := e.ms.SetSyncCursor(e.ctx, shopID, channels.JobOrders, ""); err != nil {
		t.Fatal(err)
	}
	if r := e2.importOK(); r.Imported != 0 {
		t.Fatalf("run without state imported %d", r.Imported)
	}
	if n := len(e.orders()); n != 9 {
		t.Fatalf("%d orders, want 9", n)
	}
}

// A crash after k orders of a page: the cursor was not stored, so the
// next run (a new engine, as after a restart) reads the page again and
// skips the orders already committed.
func TestCrashMidPageResumes(t *testing.T) {
	for _, k := range []int{1, 3, 4, 5, 9} {
		t.Run(fmt.Sprint("k=", k), func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			e := newEnv(t, func(c *channels.Config) {
				c.Progress = func(p channels.Progress) {
					if p.Done == k {
						cancel()
					}
				}
			})
			for i := range 10 {
				e.shop.Add(channelstest.NewOrder(fmt.Sprint(300+i), "processing", "x@example.com", "A"))
			}
			r, err := e.eng.ImportOrders(ctx, shopID)
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("crashed run: %v", err)
			}
			if r.Imported != k || r.Err == "" {
				t.Fatalf("crashed run = %+v", r)
			}
			cur, _ := e.ms.SyncCursor(e.ctx, shopID, channels.JobOrders)
			// PageSize 4: only the pages finished before the crash
			// are behind the cursor (the crash during the k-th order).
			whole := (k - 1) / 4
			page, _ := e.shop.ListOrders(e.ctx, "", 4*whole)
			if whole == 0 {
				page.Next = ""
			}
			if cur != page.Next {
				t.Fatalf("cursor after crash at %d = %q, want the end of page %d (%q)", k, cur, whole, page.Next)
			}
			e.restart(func(c *channels.Config) { c.Progress = nil })
			r = e.importOK()
			if r.Imported != 10-k || r.Failed != 0 {
				t.Fatalf("resumed run = %+v", r)
			}
			got := e.orders()
			if len(got) != 10 {
				t.Fatalf("%d orders, want 10", len(got))
			}
			for _, o := range got {
				if o.Status != oms.Processing {
					t.Errorf("order %s is %s", o.ExternalID, o.Status)
				}
			}
		})
	}
}

// Crash between placing the order and applying the shop's status: the
// next run finds the order and moves it on.
func TestCrashBeforeStatusConverges(t *testing.T) {
	e := newEnv(t)
	e.shop.Add(channelstest.NewOrder("400", "processing", "x@example.com", "A"))
	// The crashed run placed the order (Draft) and died.
	_, err := e.svc.Place(e.ctx, oms.System("channels-sync"), oms.NewOrder{Channel: oms.ChannelRef{Type: oms.ChannelWooCommerce, ID: 3},
		Store: shopID, ExternalID: "400", Client: oms.Client{ID: "C9"}, Currency: "RON",
		Lines: []oms.Line{{ProductID: "A", Quantity: 1, UnitPrice: decimal.NewFromInt(10)}}})
	if err != nil {
		t.Fatal(err)
	}
	r := e.importOK()
	if r.Updated != 1 || r.Imported != 0 {
		t.Fatalf("run = %+v", r)
	}
	if o := e.order("400"); o.Status != oms.Processing {
		t.Fatalf("status %s", o.Status)
	}
	if n := len(e.orders()); n != 1 {
		t.Fatalf("%d orders", n)
	}
}

func TestRecordErrorsDoNotStopTheRun(t *testing.T) {
	e := newEnv(t)
	e.clients.MarkDuplicate("dup@example.com")
	bad := channelstest.NewOrder("504", "processing", "ok4@example.com", "A")
	bad.PaymentMethod = "paypal"
	noSKU := channelstest.NewOrder("507", "processing", "ok7@example.com", "A")
	noSKU.Lines = append(noSKU.Lines, channels.ExternalLine{Name: "gift wrap", Quantity: 1, Subtotal: decimal.NewFromInt(1), Total: decimal.NewFromInt(1)})
	e.shop.Add(
		channelstest.NewOrder("501", "processing", "ok1@example.com", "A"),
		channelstest.NewOrder("502", "processing", "ok2@example.com", "A", "ZZZ"),
		channelstest.NewOrder("503", "processing", "not an email", "A"),
		bad,
		channelstest.NewOrder("505", "wc-backordered", "ok5@example.com", "A"),
		channelstest.NewOrder("506", "processing", "dup@example.com", "B"),
		noSKU,
		channelstest.NewOrder("508", "on-hold", "ok8@example.com", "B"),
	)
	r := e.importOK()
	if r.Imported != 2 || r.Failed != 6 || r.Done != 8 {
		t.Fatalf("run = %+v", r)
	}
	want := map[string]channels.Kind{"502": channels.KindSKUNotFound, "503": channels.KindClientNotCreated,
		"504": channels.KindPaymentNotMapped, "505": channels.KindStatusNotMapped, "506": channels.KindClientNotCreated,
		"507": channels.KindSKUNotFound}
	failed, err := e.eng.Failed(e.ctx, shopID)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]channels.Kind{}
	for _, f := range failed {
		got[f.Key] = f.Kind
		if f.Order == nil || f.Order.ID != f.Key || f.Job != channels.JobOrders {
			t.Errorf("failed record %+v lacks its order", f)
		}
	}
	if !maps.Equal(got, want) {
		t.Errorf("failed = %v, want %v", got, want)
	}
	orders := e.orders()
	if len(orders) != 2 || orders["501"].Status != oms.Processing || orders["508"].Status != oms.OnHold {
		t.Errorf("orders = %v", orders)
	}
	if _, ok := orders["505"]; ok {
		t.Error("an order with an unmapped status was imported")
	}
	recs := e.records(channels.RecordFilter{Kind: channels.KindSKUNotFound})
	if len(recs) != 2 || !strings.Contains(recs[0].Message+recs[1].Message, "ZZZ") {
		t.Errorf("SKU records = %+v", recs)
	}
	if len(e.records(channels.RecordFilter{RunID: r.ID, Outcome: channels.OutcomeFailed})) != 6 {
		t.Error("the run's failed records are not queryable by run id")
	}
}

func TestRetryFailed(t *testing.T) {
	e := newEnv(t)
	e.clients.MarkDuplicate("dup@example.com")
	bad := channelstest.NewOrder("604", "processing", "ok4@example.com", "A")
	bad.PaymentMethod = "paypal"
	e.shop.Add(
		channelstest.NewOrder("601", "processing", "ok1@example.com", "A"),
		channelstest.NewOrder("602", "processing", "ok2@example.com", "ZZZ"),
		channelstest.NewOrder("603", "processing", "dup@example.com", "A"),
		bad,
		channelstest.NewOrder("605", "shipped-partially", "ok5@example.com", "A"),
	)
	e.importOK()
	// Nothing fixed: still failed, attempts counted.
	runs, err := e.eng.RetryFailed(e.ctx, shopID)
	if err != nil || len(runs) != 1 || runs[0].Failed != 4 || !runs[0].Retry {
		t.Fatalf("retry = %+v, %v", runs, err)
	}
	failed, _ := e.eng.Failed(e.ctx, shopID)
	if len(failed) != 4 || failed[0].Attempts != 2 {
		t.Fatalf("failed = %+v", failed)
	}
	// The operator fixes the causes; the shop moves 605 on meanwhile.
	e.cat.Add(channels.Product{SKU: "ZZZ"})
	e.clients.Fix("dup@example.com")
	sh, _, _ := e.reg.Shop(shopID)
	sh.Payments["paypal"] = "card"
	sh.Statuses.Add("shipped-partially", oms.Processing)
	if err := e.reg.SetShop(sh); err != nil {
		t.Fatal(err)
	}
	e.shop.SetStatus("605", "on-hold")
	runs, err = e.eng.RetryFailed(e.ctx, shopID)
	if err != nil || len(runs) != 1 || runs[0].Imported != 4 || runs[0].Failed != 0 {
		t.Fatalf("retry = %+v, %v", runs, err)
	}
	if failed, _ := e.eng.Failed(e.ctx, shopID); len(failed) != 0 {
		t.Fatalf("still failed: %+v", failed)
	}
	got := e.orders()
	if len(got) != 5 || got["605"].Status != oms.OnHold || got["604"].PaymentMethod != "card" {
		t.Fatalf("orders = %+v", got)
	}
	// The next pull sees the same orders: nothing new.
	if r := e.importOK(); r.Imported != 0 || r.Failed != 0 {
		t.Fatalf("pull after retry = %+v", r)
	}
}

func TestPageFetchUnreachable(t *testing.T) {
	e := newEnv(t)
	for i := range 6 {
		e.shop.Add(channelstest.NewOrder(fmt.Sprint(700+i), "processing", "x@example.com", "A"))
	}
	// Two failures are absorbed by the retries (3 attempts).
	e.shop.Inject(channelstest.Fault{Op: channelstest.OpList, Times: 2})
	if r := e.importOK(); r.Imported != 6 {
		t.Fatalf("run = %+v", r)
	}
	e.shop.Add(channelstest.NewOrder("710", "processing", "x@example.com", "A"))
	e.shop.Inject(channelstest.Fault{Op: channelstest.OpList, Times: 3})
	r, err := e.eng.ImportOrders(e.ctx, shopID)
	var se *channels.SyncError
	if !errors.Is(err, channels.KindUnreachable) || !errors.As(err, &se) || se.Shop != shopID || se.Job != channels.JobOrders {
		t.Fatalf("err = %v", err)
	}
	if r.ErrKind != channels.KindUnreachable || r.Errors() != 1 {
		t.Fatalf("run = %+v", r)
	}
	recs := e.records(channels.RecordFilter{RunID: r.ID, Kind: channels.KindUnreachable})
	if len(recs) != 1 {
		t.Fatalf("diary = %+v", recs)
	}
	if r := e.importOK(); r.Imported != 1 {
		t.Fatalf("after the outage = %+v", r)
	}
}

func TestEventsTo(t *testing.T) {
	held := oms.Order{Status: oms.OnHold, HeldFrom: oms.Confirmed}
	if got := channels.EventsTo(held, oms.Confirmed); !slices.Equal(got, []oms.EventName{oms.EvResume}) {
		t.Errorf("on hold → confirmed: %v", got)
	}
	if got := channels.EventsTo(held, oms.Processing); len(got) != 0 {
		t.Errorf("on hold (from confirmed) → processing: %v", got)
	}
	if got := channels.EventsTo(oms.Order{Status: oms.Shipping}, oms.Processing); len(got) != 0 {
		t.Errorf("shipping → processing: %v", got)
	}
	if got := channels.EventsTo(oms.Order{Status: oms.Draft}, oms.Processing); !slices.Equal(got, []oms.EventName{oms.EvSubmit}) {
		t.Errorf("draft → processing: %v", got)
	}
}

// One order at a time (a webhook): the same path, no cursor.
func TestImportOrderSingle(t *testing.T) {
	e := newEnv(t)
	x := channelstest.NewOrder("900", "processing", "w@example.com", "A")
	e.shop.Add(x)
	x, _ = e.shop.Order("900")
	rec, err := e.eng.ImportOrder(e.ctx, shopID, x)
	if err != nil || rec.Outcome != channels.OutcomeImported || rec.OrderID == "" {
		t.Fatalf("rec = %+v, %v", rec, err)
	}
	// Delivered again (webhooks repeat), then pulled: still one order.
	if rec, _ := e.eng.ImportOrder(e.ctx, shopID, x); rec.Outcome != channels.OutcomeUnchanged {
		t.Fatalf("again: %+v", rec)
	}
	if r := e.importOK(); r.Imported != 0 || r.Unchanged != 1 {
		t.Fatalf("pull = %+v", r)
	}
	bad := channelstest.NewOrder("901", "processing", "w@example.com", "NOPE")
	if rec, err := e.eng.ImportOrder(e.ctx, shopID, bad); err != nil || rec.Kind != channels.KindSKUNotFound {
		t.Fatalf("bad: %+v, %v", rec, err)
	}
	sum, _ := e.eng.Summary(e.ctx, time.Now().Add(time.Minute))
	if sum[0].Day.Imported != 1 || sum[0].Day.Errors != 1 || sum[0].OpenFailures != 1 {
		t.Fatalf("summary = %+v", sum)
	}
	if len(e.orders()) != 1 {
		t.Fatal("duplicate")
	}
}

func TestPaymentModeNotAllowedOnChannel(t *testing.T) {
	e := newEnv(t)
	if err := e.reg.SetChannel(channels.Channel{ID: 3, Type: oms.ChannelWooCommerce, Name: "Web shop",
		Settings: channels.Settings{PaymentModes: []string{"bank transfer"}}}); err != nil {
		t.Fatal(err)
	}
	e.shop.Add(channelstest.NewOrder("1", "processing", "x@example.com", "A")) // cod → cash
	ok := channelstest.NewOrder("2", "processing", "x@example.com", "A")
	ok.PaymentMethod = "bacs"
	free := channelstest.NewOrder("3", "processing", "x@example.com", "A")
	free.PaymentMethod = ""
	e.shop.Add(ok, free)
	r := e.importOK()
	if r.Imported != 2 || r.Failed != 1 {
		t.Fatalf("run = %+v", r)
	}
	recs := e.records(channels.RecordFilter{Outcome: channels.OutcomeFailed})
	if len(recs) != 1 || recs[0].Key != "1" {
		t.Fatalf("records = %+v", recs)
	}
	err := recs[0].Err()
	var se *channels.SyncError
	if !errors.Is(err, channels.KindPaymentNotMapped) || !errors.As(err, &se) || se.Key != "1" || !strings.Contains(se.Error(), "not allowed") {
		t.Fatalf("err = %v", err)
	}
	if o := e.order("3"); o.PaymentMethod != "" {
		t.Fatalf("payment %q", o.PaymentMethod)
	}
}

func TestNewValidation(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		svc *oms.Service
		reg *channels.Registry
		st  channels.Store
		cfg channels.Config
	}{
		{nil, e.reg, e.ms, e.cfg},
		{e.svc, nil, e.ms, e.cfg},
		{e.svc, e.reg, nil, e.cfg},
		{e.svc, e.reg, e.ms, channels.Config{}},
		{e.svc, e.reg, e.ms, channels.Config{Connect: e.shop.Connect, PageSize: -1}},
	} {
		if _, err := channels.New(tc.svc, tc.reg, tc.st, tc.cfg); !errors.Is(err, channels.ErrInvalid) {
			t.Errorf("New(%+v) = %v", tc, err)
		}
	}
}

func TestImportAutoConfirmChannel(t *testing.T) {
	e := newEnv(t)
	if err := e.reg.SetChannel(channels.Channel{ID: 3, Type: oms.ChannelWooCommerce, Name: "Web shop",
		Settings: channels.Settings{AutoConfirm: true, DeliveryFee: decimal.NewFromInt(20)}}); err != nil {
		t.Fatal(err)
	}
	x := channelstest.NewOrder("2", "on-hold", "x@example.com", "A")
	x.ShippingFee = decimal.RequireFromString("7.50")
	e.shop.Add(channelstest.NewOrder("1", "processing", "x@example.com", "A"), x)
	if r := e.importOK(); r.Imported != 2 {
		t.Fatalf("run = %+v", r)
	}
	if o := e.order("1"); o.Status != oms.Confirmed || !o.Totals.DeliveryFee.IsZero() {
		t.Fatalf("1: %s, fee %s (the shop's fee, not the channel's)", o.Status, o.Totals.DeliveryFee)
	}
	if o := e.order("2"); o.Status != oms.OnHold || o.HeldFrom != oms.Confirmed || !o.Totals.DeliveryFee.Equal(decimal.RequireFromString("7.50")) {
		t.Fatalf("2: %s from %s, fee %s", o.Status, o.HeldFrom, o.Totals.DeliveryFee)
	}
	if recs := e.records(channels.RecordFilter{Key: "1"}); len(recs) != 1 || recs[0].Message != "" {
		t.Fatalf("records of 1 = %+v", recs)
	}
}

func TestUnreadableOrder(t *testing.T) {
	e := newEnv(t)
	e.shop.Add(channelstest.NewOrder("1", "processing", "x@example.com", "A"),
		channelstest.NewOrder("2", "processing", "x@example.com", "A"),
		channelstest.NewOrder("3", "processing", "x@example.com", "A"))
	e.shop.Corrupt("2", true)
	r := e.importOK()
	if r.Imported != 2 || r.Failed != 1 || r.Done != 3 {
		t.Fatalf("run = %+v", r)
	}
	f, _ := e.eng.Failed(e.ctx, shopID)
	if len(f) != 1 || f[0].Key != "2" || f[0].Kind != channels.KindInvalidOrder || f[0].Order != nil {
		t.Fatalf("failed = %+v", f)
	}
	// Still unreadable: the record fails again, the run goes on.
	runs, err := e.eng.RetryFailed(e.ctx, shopID)
	if err != nil || len(runs) != 1 || runs[0].Failed != 1 {
		t.Fatalf("retry while unreadable = %+v, %v", runs, err)
	}
	if f, _ := e.eng.Failed(e.ctx, shopID); len(f) != 1 || f[0].Attempts != 2 {
		t.Fatalf("failed = %+v", f)
	}
	e.shop.Corrupt("2", false)
	runs, err = e.eng.RetryFailed(e.ctx, shopID)
	if err != nil || runs[0].Imported != 1 {
		t.Fatalf("retry = %+v, %v", runs, err)
	}
	if len(e.orders()) != 3 {
		t.Fatal("orders")
	}
}

// Shop lines become order lines to the cent: discount from subtotal −
// total, tax rate from the tax amount when the shop gives none, unit price
// at full precision.
func TestImportLineMoney(t *testing.T) {
	e := newEnv(t)
	d := decimal.RequireFromString
	x := channelstest.NewOrder("1", "processing", "x@example.com")
	x.Lines = []channels.ExternalLine{
		{SKU: "A", Quantity: 3, Subtotal: d("30.00"), Total: d("25.00"), Tax: d("4.75")},
		{SKU: "B", Quantity: 3, Subtotal: d("10.00"), Total: d("10.00"), TaxRate: d("9")},
		{SKU: "A", Quantity: 2, UnitPrice: d("12.5")},
	}
	x.ShippingFee = d("10.00")
	bad := channelstest.NewOrder("2", "processing", "x@example.com")
	bad.Lines = []channels.ExternalLine{{SKU: "A", Quantity: 0, Subtotal: d("1")}}
	e.shop.Add(x, bad)
	r := e.importOK()
	if r.Imported != 1 || r.Failed != 1 {
		t.Fatalf("run = %+v", r)
	}
	o := e.order("1")
	type line struct{ Unit, Discount, Rate, Net, Tax string }
	var got []line
	for _, l := range o.Lines {
		got = append(got, line{l.UnitPrice.String(), l.Discount.StringFixed(2), l.TaxRate.String(), l.Net("RON").StringFixed(2), l.Tax("RON").StringFixed(2)})
	}
	want := []line{
		{"10", "5.00", "19", "25.00", "4.75"},
		{"3.33333333", "0.00", "9", "10.00", "0.90"},
		{"12.5", "0.00", "0", "25.00", "0.00"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("lines (-want +got):\n%s", diff)
	}
	if o.Totals.Total.StringFixed(2) != "75.65" { // 60 + 5.65 tax + 10 shipping
		t.Fatalf("total %s", o.Totals.Total)
	}
	if f, _ := e.eng.Failed(e.ctx, shopID); len(f) != 1 || f[0].Kind != channels.KindInvalidOrder {
		t.Fatalf("failed = %+v", f)
	}
}

// An order the shop deleted or trashed is skipped, with a diary record
// saying what became of ours; it is never a status-not-mapped error, never
// imported, and a failed import of it stops waiting for RetryFailed.
func TestImportRemovedOrder(t *testing.T) {
	var failures []error
	e := newEnv(t, func(c *channels.Config) {
		c.OnFailure = func(_ context.Context, err error) { failures = append(failures, err) }
	})
	e.shop.Add(channelstest.NewOrder("1", "processing", "x@example.com", "A"),
		channelstest.NewOrder("2", "processing", "x@example.com", "NOPE"))
	if r := e.importOK(); r.Imported != 1 || r.Failed != 1 {
		t.Fatalf("import: %+v", r)
	}
	failures = nil
	for _, tc := range []struct{ id, msg, orderID string }{
		{"1", "deleted in the shop: order " + e.order("1").ID + " left Processing", e.order("1").ID},
		{"2", "deleted in the shop before it was imported: not imported", ""},
		{"3", "deleted in the shop before it was imported: not imported", ""},
	} {
		rec, err := e.eng.ImportOrder(e.ctx, shopID, channels.ExternalOrder{ID: tc.id, Removed: true})
		if err != nil || rec.Outcome != channels.OutcomeSkipped || rec.Kind != "" || rec.OrderID != tc.orderID ||
			!strings.HasPrefix(rec.Message, tc.msg) {
			t.Fatalf("removed %s: %+v, %v", tc.id, rec, err)
		}
	}
	if o := e.order("1"); o.Status != oms.Processing {
		t.Fatalf("order 1 is %s after the shop deleted it", o.Status)
	}
	if got := e.orders(); len(got) != 1 {
		t.Fatalf("%d orders", len(got))
	}
	if failed, _ := e.eng.Failed(e.ctx, shopID); len(failed) != 0 || len(failures) != 0 {
		t.Fatalf("open failures %+v, notices %v", failed, failures)
	}
	if recs := e.records(channels.RecordFilter{Kind: channels.KindStatusNotMapped}); len(recs) != 0 {
		t.Fatalf("status-not-mapped records: %+v", recs)
	}
	// The pull sees a removed order the same way.
	x := channelstest.NewOrder("4", "trash", "x@example.com", "A")
	x.Removed = true
	e.shop.Add(x)
	if r := e.importOK(); r.Skipped != 1 || r.Failed != 0 || r.Imported != 0 {
		t.Fatalf("pull of a removed order: %+v", r)
	}
}

// Everything the buyer pays is imported: shipping with its tax and the
// shop's fees (a cash-on-delivery fee) go into the delivery fee, so the
// order's total is the shop's. A total that still differs beyond rounding
// is imported and flagged with KindTotalMismatch (both totals in the
// message), never a failure; the morning check counts it.
func TestImportFeesAndReconciledTotal(t *testing.T) {
	var failures []error
	e := newEnv(t, func(c *channels.Config) {
		c.OnFailure = func(_ context.Context, err error) { failures = append(failures, err) }
	})
	d := decimal.RequireFromString
	order := func(id, total string, fees ...channels.ExternalFee) channels.ExternalOrder {
		x := channelstest.NewOrder(id, "processing", "x@example.com")
		x.Lines = []channels.ExternalLine{{SKU: "A", Quantity: 2, Subtotal: d("20.00"), Total: d("20.00"), Tax: d("3.80")}}
		x.ShippingFee, x.ShippingTax = d("10.00"), d("1.90")
		x.Fees, x.Total = fees, d(total)
		return x
	}
	cod := channels.ExternalFee{Name: "Cash on delivery", Total: d("5.00"), Tax: d("0.95")}
	loyalty := channels.ExternalFee{Name: "Loyalty discount", Total: d("-20.00")}
	e.shop.Add(
		order("1", "41.65", cod),     // 20 + 3.80 tax + 10 + 1.90 shipping + 5 + 0.95 fee
		order("2", "44.65", cod),     // 3.00 more than the order says
		order("3", "41.66", cod),     // a cent of the shop's own rounding
		order("4", "15.70", loyalty), // a discount larger than the shipping: 8.20 cannot be placed
	)
	r := e.importOK()
	if r.Imported != 4 || r.Failed != 0 {
		t.Fatalf("run = %+v", r)
	}
	for id, want := range map[string]struct{ fee, total string }{
		"1": {"17.85", "41.65"}, "2": {"17.85", "41.65"}, "3": {"17.85", "41.65"}, "4": {"0.00", "23.80"},
	} {
		o := e.order(id)
		if got := o.Totals.DeliveryFee.StringFixed(2); got != want.fee || o.Totals.Total.StringFixed(2) != want.total {
			t.Errorf("order %s: delivery fee %s total %s, want %s and %s", id, got, o.Totals.Total.StringFixed(2), want.fee, want.total)
		}
		if o.Status != oms.Processing {
			t.Errorf("order %s is %s, want Processing (flagged orders are imported as the shop has them)", id, o.Status)
		}
	}
	flagged := e.records(channels.RecordFilter{Kind: channels.KindTotalMismatch})
	got := map[string]string{}
	for _, rec := range flagged {
		if rec.Outcome != channels.OutcomeImported || rec.OrderID == "" || rec.Err() != nil {
			t.Fatalf("flagged record %+v", rec)
		}
		got[rec.Key] = rec.Message
	}
	want := map[string]string{
		"2": "shop total 44.65 RON, imported order total 41.65 RON (difference -3.00)",
		"4": "shop total 15.70 RON, imported order total 23.80 RON (difference 8.10)",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("flagged records (-want +got):\n%s", diff)
	}
	if f, _ := e.eng.Failed(e.ctx, shopID); len(f) != 0 || len(failures) != 0 {
		t.Fatalf("a flag is no failure: open %+v, notified %v", f, failures)
	}
	// A webhook import (one order, no run) is reconciled the same way.
	x := order("5", "50.00", cod)
	rec, err := e.eng.ImportOrder(e.ctx, shopID, x)
	if err != nil || rec.Outcome != channels.OutcomeImported || rec.Kind != channels.KindTotalMismatch ||
		!strings.Contains(rec.Message, "shop total 50.00 RON") {
		t.Fatalf("webhook import: %+v, %v", rec, err)
	}
	sum, err := e.eng.Summary(e.ctx, time.Now().Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if w := sum[0].Week; w.Imported != 5 || w.Flagged != 3 || w.Errors != 0 || w.ByKind[channels.KindTotalMismatch] != 3 {
		t.Fatalf("morning check: %+v", w)
	}
}

// The diary has one record per order a run reads, whatever happened to it:
// orders left unchanged too, each with a message saying why, so the
// records of a run add up to its Done and its counts.
func TestImportDiaryRecordsEveryOrder(t *testing.T) {
	e := newEnv(t)
	e.shop.Add(
		channelstest.NewOrder("1", "processing", "x@example.com", "A"),
		channelstest.NewOrder("2", "processing", "x@example.com", "A"),
		channelstest.NewOrder("3", "on-hold", "x@example.com", "B"),
		channelstest.NewOrder("4", "processing", "x@example.com", "NOPE"),
	)
	check := func(r channels.Run, want map[string]channels.Outcome, why map[string]string) {
		t.Helper()
		recs := e.records(channels.RecordFilter{RunID: r.ID})
		got := map[string]channels.Outcome{}
		counts := map[channels.Outcome]int{}
		for _, rec := range recs {
			got[rec.Key] = rec.Outcome
			counts[rec.Outcome]++
			if rec.Outcome == channels.OutcomeUnchanged && !strings.HasPrefix(rec.Message, why[rec.Key]) {
				t.Errorf("run %d, order %s: unchanged with message %q, want %q…", r.ID, rec.Key, rec.Message, why[rec.Key])
			}
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("run %d records (-want +got):\n%s", r.ID, diff)
		}
		if len(recs) != r.Done || counts[channels.OutcomeUnchanged] != r.Unchanged || counts[channels.OutcomeImported] != r.Imported ||
			counts[channels.OutcomeUpdated] != r.Updated || counts[channels.OutcomeFailed] != r.Failed {
			t.Fatalf("run %+v does not add up to its %d records %v", r, len(recs), counts)
		}
	}
	r := e.importOK()
	check(r, map[string]channels.Outcome{"1": channels.OutcomeImported, "2": channels.OutcomeImported,
		"3": channels.OutcomeImported, "4": channels.OutcomeFailed}, nil)

	// Order 1 changed in the shop but not its status; 2 was set to the
	// status it had; 3 moved.
	e.shop.Touch("1")
	e.shop.SetStatus("2", "processing")
	e.shop.SetStatus("3", "processing")
	r = e.importOK()
	check(r, map[string]channels.Outcome{"1": channels.OutcomeUnchanged, "2": channels.OutcomeUnchanged, "3": channels.OutcomeUpdated},
		map[string]string{"1": `shop status still "processing"`, "2": `shop status still "processing"`})

	// The cursor lost: every order is read again and recorded again.
	if err := e.ms.SetSyncCursor(e.ctx, shopID, channels.JobOrders, ""); err != nil {
		t.Fatal(err)
	}
	r = e.importOK()
	seen := "no change since the last sync"
	check(r, map[string]channels.Outcome{"1": channels.OutcomeUnchanged, "2": channels.OutcomeUnchanged,
		"3": channels.OutcomeUnchanged, "4": channels.OutcomeFailed}, map[string]string{"1": seen, "2": seen, "3": seen})

	// A webhook delivering an order we have, unchanged, is recorded too.
	x, _ := e.shop.Order("1")
	rec, err := e.eng.ImportOrder(e.ctx, shopID, x)
	if err != nil || rec.Outcome != channels.OutcomeUnchanged || !strings.HasPrefix(rec.Message, seen) {
		t.Fatalf("webhook: %+v, %v", rec, err)
	}
	if recs := e.records(channels.RecordFilter{Key: "1", Outcome: channels.OutcomeUnchanged}); len(recs) != 3 || recs[0].RunID != 0 {
		t.Fatalf("order 1's unchanged records: %+v", recs)
	}
}

// An order that failed and imports in a later run (the shop fixed it)
// loses its failed record there, without RetryFailed; orders that never
// failed cost no delete (the run reads the failed records once).
func TestLaterRunClearsFailedRecord(t *testing.T) {
	e := newEnv(t)
	e.shop.Add(channelstest.NewOrder("1", "processing", "a@example.com", "NEW"),
		channelstest.NewOrder("2", "processing", "b@example.com", "A"))
	if r := e.importOK(); r.Imported != 1 || r.Failed != 1 {
		t.Fatalf("first run = %+v", r)
	}
	if f, _ := e.eng.Failed(e.ctx, shopID); len(f) != 1 || f[0].Key != "1" {
		t.Fatalf("failed = %+v", f)
	}
	e.cat.Add(channels.Product{SKU: "NEW", Name: "New"})
	e.shop.Touch("1")
	if r := e.importOK(); r.Imported != 1 || r.Failed != 0 {
		t.Fatalf("second run = %+v", r)
	}
	if f, _ := e.eng.Failed(e.ctx, shopID); len(f) != 0 {
		t.Fatalf("failed record kept after the order imported: %+v", f)
	}
}
