package pricing

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
)

var (
	t0  = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	dec = decimal.RequireFromString
)

func mustMemory(t testing.TB, lists ...PriceList) *Memory {
	t.Helper()
	m, err := NewMemory(lists...)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func entry(p ProductID, price string) Entry { return Entry{Product: p, Price: dec(price)} }

func TestResolveTiers(t *testing.T) {
	t.Parallel()
	std := PriceList{ID: "std", Tier: TierStandard, Currency: "RON", Entries: []Entry{entry("A", "100"), entry("B", "50"), entry("C", "10"), entry("D", "7")}}
	ch := PriceList{ID: "portal", Tier: TierChannel, Channel: 2, Currency: "RON", Entries: []Entry{entry("A", "95"), entry("B", "45"), entry("C", "9")}}
	vip := PriceList{ID: "vip", Tier: TierGroup, Group: "VIP", Currency: "RON", Entries: []Entry{entry("A", "90"), entry("B", "44")}}
	whs := PriceList{ID: "wholesale", Tier: TierGroup, Group: "WHS", Currency: "RON", Entries: []Entry{entry("A", "85"), entry("B", "46")}}
	cli := PriceList{ID: "acme", Tier: TierClient, Client: "acme", Currency: "RON", Entries: []Entry{entry("A", "99")}}
	src := mustMemory(t, std, ch, vip, whs, cli)

	cases := []struct {
		name     string
		req      Request
		wantUnit string
		wantTier Tier
		wantList string
	}{
		// The client price wins even though group prices are lower.
		{"client beats lower group", Request{Product: "A", Client: "acme", Groups: []GroupID{"VIP", "WHS"}, Channel: 2}, "99", TierClient, "acme"},
		// Several groups: the best group price for the client, whatever the order of groups.
		{"best of groups", Request{Product: "A", Client: "other", Groups: []GroupID{"VIP", "WHS"}, Channel: 2}, "85", TierGroup, "wholesale"},
		{"best of groups reversed", Request{Product: "B", Client: "other", Groups: []GroupID{"WHS", "VIP"}, Channel: 2}, "44", TierGroup, "vip"},
		{"channel", Request{Product: "C", Client: "acme", Groups: []GroupID{"VIP"}, Channel: 2}, "9", TierChannel, "portal"},
		{"other channel falls to standard", Request{Product: "C", Channel: 3}, "10", TierStandard, "std"},
		{"standard", Request{Product: "D", Client: "acme", Groups: []GroupID{"VIP"}, Channel: 2}, "7", TierStandard, "std"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.req.Currency, c.req.Quantity, c.req.At = "RON", 1, t0
			p, err := Resolve(context.Background(), src, c.req)
			if err != nil {
				t.Fatal(err)
			}
			if !p.Unit.Equal(dec(c.wantUnit)) || p.Tier != c.wantTier || p.Offer.List != c.wantList {
				t.Fatalf("got %s tier %v list %s, want %s tier %v list %s", p.Unit, p.Tier, p.Offer.List, c.wantUnit, c.wantTier, c.wantList)
			}
		})
	}
}

func TestResolveTrace(t *testing.T) {
	t.Parallel()
	src := mustMemory(t,
		PriceList{ID: "std", Tier: TierStandard, Currency: "RON", Entries: []Entry{entry("A", "100")}},
		PriceList{ID: "std-eur", Tier: TierStandard, Currency: "EUR", Entries: []Entry{entry("A", "20")}},
		PriceList{ID: "acme", Tier: TierClient, Client: "acme", Currency: "RON", Entries: []Entry{
			{Product: "A", Price: dec("80"), ValidUntil: t0.Add(-time.Second)},
			{Product: "A", Price: dec("81"), ValidFrom: t0.Add(time.Second)},
			{Product: "A", Price: dec("70"), MinQuantity: 10},
			{Product: "A", Price: dec("90"), ValidFrom: t0, ValidUntil: t0}, // both ends inclusive
			{Product: "A", Price: dec("92")},
		}},
	)
	p, err := Resolve(context.Background(), src, Request{Product: "A", Client: "acme", Currency: "RON", Quantity: 5, At: t0})
	if err != nil {
		t.Fatal(err)
	}
	if !p.Unit.Equal(dec("90")) || p.Tier != TierClient {
		t.Fatalf("unit %s tier %v, want 90 client", p.Unit, p.Tier)
	}
	got := map[string]Reason{}
	for _, ps := range p.Passed {
		got[ps.Offer.List+":"+ps.Offer.Price.String()] = ps.Reason
	}
	want := map[string]Reason{
		"acme:80":    ReasonExpired,
		"acme:81":    ReasonNotYetValid,
		"acme:70":    ReasonBelowMinimum,
		"acme:92":    ReasonHigherPrice,
		"std:100":    ReasonLowerTier,
		"std-eur:20": ReasonOtherCurrency,
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("trace (-want +got):\n%s", d)
	}

	// The quantity break applies from its minimum quantity.
	p, err = Resolve(context.Background(), src, Request{Product: "A", Client: "acme", Currency: "RON", Quantity: 10, At: t0})
	if err != nil {
		t.Fatal(err)
	}
	if !p.Unit.Equal(dec("70")) {
		t.Fatalf("quantity 10: unit %s, want 70", p.Unit)
	}
}

func TestResolveErrors(t *testing.T) {
	t.Parallel()
	src := mustMemory(t, PriceList{ID: "std", Tier: TierStandard, Currency: "EUR", Entries: []Entry{entry("A", "1")}})
	_, err := Resolve(context.Background(), src, Request{Product: "A", Currency: "RON", Quantity: 1, At: t0})
	var np *NoPriceError
	if !errors.As(err, &np) || !errors.Is(err, ErrNoPrice) {
		t.Fatalf("err = %v, want *NoPriceError", err)
	}
	if len(np.Passed) != 1 || np.Passed[0].Reason != ReasonOtherCurrency {
		t.Fatalf("passed = %+v", np.Passed)
	}
	_, err = Resolve(context.Background(), src, Request{Product: "Z", Currency: "RON", Quantity: 1, At: t0})
	if !errors.Is(err, ErrNoPrice) {
		t.Fatalf("unknown product: err = %v", err)
	}
	for _, req := range []Request{
		{Currency: "RON", Quantity: 1, At: t0},
		{Product: "A", Quantity: 1, At: t0},
		{Product: "A", Currency: "RON", At: t0},
		{Product: "A", Currency: "RON", Quantity: 1},
	} {
		var re *RequestError
		if _, err := Resolve(context.Background(), src, req); !errors.As(err, &re) || !errors.Is(err, ErrInvalidRequest) {
			t.Errorf("Resolve(%+v) err = %v, want *RequestError", req, err)
		}
	}
	boom := errors.New("boom")
	if _, err := Resolve(context.Background(), failing{boom}, Request{Product: "A", Currency: "RON", Quantity: 1, At: t0}); !errors.Is(err, boom) {
		t.Fatalf("source error not wrapped: %v", err)
	}
	_, err = ResolveCart(context.Background(), src, Cart{Currency: "EUR", At: t0, Lines: []Line{{Product: "A", Quantity: 1}, {Product: "Z", Quantity: 1}}})
	if !errors.As(err, &np) || np.Product != "Z" {
		t.Fatalf("cart err = %v, want *NoPriceError for Z", err)
	}
}

type failing struct{ err error }

func (f failing) Offers(context.Context, ProductID, ClientID, []GroupID, ChannelID) ([]Offer, error) {
	return nil, f.err
}

func TestListValidation(t *testing.T) {
	t.Parallel()
	bad := []PriceList{
		{Tier: TierStandard, Currency: "RON"},
		{ID: "x", Tier: TierStandard},
		{ID: "x", Tier: TierClient, Currency: "RON"},
		{ID: "x", Tier: TierGroup, Currency: "RON"},
		{ID: "x", Tier: TierChannel, Currency: "RON"},
		{ID: "x", Tier: 9, Currency: "RON"},
		{ID: "x", Tier: TierStandard, Currency: "RON", Entries: []Entry{{Price: dec("1")}}},
		{ID: "x", Tier: TierStandard, Currency: "RON", Entries: []Entry{{Product: "A", Price: dec("-1")}}},
		{ID: "x", Tier: TierStandard, Currency: "RON", Entries: []Entry{{Product: "A", MinQuantity: -1}}},
		{ID: "x", Tier: TierStandard, Currency: "RON", Entries: []Entry{{Product: "A", ValidFrom: t0, ValidUntil: t0.Add(-1)}}},
	}
	m := &Memory{}
	for i, l := range bad {
		var le *ListError
		if err := m.Put(l); !errors.As(err, &le) || !errors.Is(err, ErrInvalidList) {
			t.Errorf("case %d: err = %v, want *ListError", i, err)
		}
	}
	if offers, _ := m.Offers(context.Background(), "A", "", nil, 0); len(offers) != 0 {
		t.Fatalf("invalid lists were stored: %v", offers)
	}
}

func TestMemoryReplaceAndRemove(t *testing.T) {
	t.Parallel()
	m := mustMemory(t, PriceList{ID: "std", Tier: TierStandard, Currency: "RON", Entries: []Entry{entry("A", "1"), entry("B", "2")}})
	if err := m.Put(PriceList{ID: "std", Tier: TierStandard, Currency: "RON", Entries: []Entry{entry("A", "3")}}); err != nil {
		t.Fatal(err)
	}
	p, err := Resolve(context.Background(), m, Request{Product: "A", Currency: "RON", Quantity: 1, At: t0})
	if err != nil || !p.Unit.Equal(dec("3")) {
		t.Fatalf("after replace: %v %v", p.Unit, err)
	}
	if _, err := Resolve(context.Background(), m, Request{Product: "B", Currency: "RON", Quantity: 1, At: t0}); !errors.Is(err, ErrNoPrice) {
		t.Fatalf("B should be gone with the replaced list: %v", err)
	}
	if !m.Remove("std") || m.Remove("std") {
		t.Fatal("Remove reported wrongly")
	}
}

func TestResolveCartRounding(t *testing.T) {
	t.Parallel()
	src := mustMemory(t,
		PriceList{ID: "std", Tier: TierStandard, Currency: "RON", Entries: []Entry{entry("A", "0.125"), entry("B", "3.3333")}},
		PriceList{ID: "jp", Tier: TierStandard, Currency: "JPY", Entries: []Entry{entry("A", "10.5")}},
	)
	c, err := ResolveCart(context.Background(), src, Cart{Currency: "RON", At: t0, Lines: []Line{{"A", 1}, {"B", 3}}})
	if err != nil {
		t.Fatal(err)
	}
	// 0.125 → 0.13 (half away from zero, not to even); 9.9999 → 10.00.
	if !c.Lines[0].Total.Equal(dec("0.13")) || !c.Lines[1].Total.Equal(dec("10")) || !c.Subtotal.Equal(dec("10.13")) {
		t.Fatalf("totals %s %s subtotal %s", c.Lines[0].Total, c.Lines[1].Total, c.Subtotal)
	}
	c, err = ResolveCart(context.Background(), src, Cart{Currency: "JPY", At: t0, Lines: []Line{{"A", 1}}})
	if err != nil || !c.Subtotal.Equal(dec("11")) {
		t.Fatalf("JPY subtotal %s err %v", c.Subtotal, err)
	}
}

// TestMemoryConcurrent: readers and writers share a Memory (run with -race).
func TestMemoryConcurrent(t *testing.T) {
	t.Parallel()
	m := mustMemory(t, PriceList{ID: "std", Tier: TierStandard, Currency: "RON", Entries: []Entry{entry("A", "1")}})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 200 {
			price := decimal.NewFromInt(int64(1 + i%5))
			if err := m.Put(PriceList{ID: "std", Tier: TierStandard, Currency: "RON", Entries: []Entry{{Product: "A", Price: price}}}); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	for range 200 {
		p, err := Resolve(context.Background(), m, Request{Product: "A", Currency: "RON", Quantity: 1, At: t0})
		if err != nil || p.Unit.LessThan(decimal.NewFromInt(1)) || p.Unit.GreaterThan(decimal.NewFromInt(5)) {
			t.Fatalf("price %v err %v", p.Unit, err)
		}
	}
	<-done
}
