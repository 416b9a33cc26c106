package oms_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/azuvio/omnisales/oms"
)

func TestStatusCodesAreTheStoredContract(t *testing.T) {
	want := map[oms.Status]int{
		oms.Draft: 0, oms.Processing: 1, oms.PendingPayment: 2, oms.Confirmed: 3, oms.Shipping: 4, oms.Delivered: 5,
		oms.Refund: 6, oms.Return: 7, oms.Cancelled: 8, oms.OnHold: 9, oms.Failed: 10, oms.ReturnPending: 11,
		oms.PartialReturn: 12, oms.PartialRefund: 13, oms.Paid: 14, oms.Ready: 15, oms.StockUnavailable: 16,
	}
	if len(want) != oms.NumStatuses {
		t.Fatalf("%d statuses listed, NumStatuses = %d", len(want), oms.NumStatuses)
	}
	for s, code := range want {
		if s.Code() != code {
			t.Errorf("%s has code %d, want %d", s, s.Code(), code)
		}
	}
	if oms.StockUnavailable.String() != "Stock Unavailable" || oms.OnHold.Label() != "On Hold (9)" {
		t.Errorf("names: %q %q", oms.StockUnavailable, oms.OnHold.Label())
	}
}

func TestParseStatus(t *testing.T) {
	cases := map[string]oms.Status{
		"3": oms.Confirmed, " 16 ": oms.StockUnavailable, "Confirmed": oms.Confirmed, "stock_unavailable": oms.StockUnavailable,
		"on-hold": oms.OnHold, "PENDING PAYMENT": oms.PendingPayment, "0": oms.Draft,
	}
	for in, want := range cases {
		got, err := oms.ParseStatus(in)
		if err != nil || got != want {
			t.Errorf("ParseStatus(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"17", "-1", "shipped", "", "3.0"} {
		_, err := oms.ParseStatus(bad)
		var ue *oms.UnknownStatusError
		if !errors.Is(err, oms.ErrUnknownStatus) || !errors.As(err, &ue) || ue.Value != bad {
			t.Errorf("ParseStatus(%q) error = %v, want *UnknownStatusError", bad, err)
		}
	}
}

func TestStatusJSONRoundTrip(t *testing.T) {
	for _, s := range oms.Statuses() {
		b, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		var back oms.Status
		if err := json.Unmarshal(b, &back); err != nil || back != s {
			t.Errorf("%s: %s round-trips to %v, %v", s, b, back, err)
		}
	}
	b, _ := json.Marshal(oms.Confirmed)
	if string(b) != `{"code":3,"name":"Confirmed"}` {
		t.Errorf("JSON = %s", b)
	}
	for in, want := range map[string]oms.Status{`5`: oms.Delivered, `"Ready"`: oms.Ready, `{"name":"paid"}`: oms.Paid} {
		var s oms.Status
		if err := json.Unmarshal([]byte(in), &s); err != nil || s != want {
			t.Errorf("Unmarshal(%s) = %v, %v", in, s, err)
		}
	}
	for _, bad := range []string{`17`, `"nope"`, `{"code":3,"name":"Draft"}`, `{}`, `true`} {
		var s oms.Status
		if err := json.Unmarshal([]byte(bad), &s); err == nil {
			t.Errorf("Unmarshal(%s) accepted", bad)
		}
	}
	if _, err := json.Marshal(oms.Status(42)); err == nil {
		t.Error("marshalling an unknown status succeeded")
	}
}
