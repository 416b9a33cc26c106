package discount

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
)

var dec = decimal.RequireFromString

func mustEngine(t *testing.T, cfg Config, rules ...Rule) *Engine {
	t.Helper()
	e, err := NewEngine(cfg, rules)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func mustApply(t *testing.T, e *Engine, c Cart) Result {
	t.Helper()
	r, err := e.Apply(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

var at = time.Date(2026, time.March, 10, 12, 0, 0, 0, time.UTC)

func cart(lines ...Line) Cart {
	return Cart{Client: "C1", Groups: []GroupID{"VIP"}, Channel: 1, Currency: "RON", At: at, Lines: lines}
}

func line(p ProductID, qty int64, price string, groups ...ProductGroupID) Line {
	return Line{Product: p, Quantity: qty, UnitPrice: dec(price), ProductGroups: groups}
}

func TestRuleValidation(t *testing.T) {
	t.Parallel()
	ok := Rule{ID: 1, Name: "ok", Kind: Percent, Value: dec("10")}
	cases := map[string]func(*Rule){
		"zero id":          func(r *Rule) { r.ID = 0 },
		"empty name":       func(r *Rule) { r.Name = "  " },
		"percent above":    func(r *Rule) { r.Value = dec("100.01") },
		"percent negative": func(r *Rule) { r.Value = dec("-1") },
		"fixed negative":   func(r *Rule) { r.Kind, r.Value, r.Currency = Fixed, dec("-0.01"), "RON" },
		"fixed no cur":     func(r *Rule) { r.Kind, r.Value = Fixed, dec("5") },
		"min negative":     func(r *Rule) { r.MinOrderValue, r.Currency = dec("-1"), "RON" },
		"min no currency":  func(r *Rule) { r.MinOrderValue = dec("100") },
		"end before start": func(r *Rule) { r.Start, r.End = Date{2026, 3, 10}, Date{2026, 3, 9} },
		"bad date":         func(r *Rule) { r.End = Date{2026, 2, 30} },
		"unknown kind":     func(r *Rule) { r.Kind = 7 },
		"negative limit":   func(r *Rule) { r.Voucher, r.TotalLimit = "X", -1 },
		"limit no voucher": func(r *Rule) { r.PerClientLimit = 1 },
		"blank voucher":    func(r *Rule) { r.Voucher = "   " },
		"tab voucher":      func(r *Rule) { r.Voucher = "\t\n" },
	}
	for name, mutate := range cases {
		r := ok
		mutate(&r)
		_, err := NewEngine(Config{}, []Rule{r})
		var re *RuleError
		if !errors.As(err, &re) || !errors.Is(err, ErrInvalidRule) {
			t.Errorf("%s: err = %v, want *RuleError", name, err)
		}
	}
	for _, r := range []Rule{ok, {ID: 2, Name: "edge", Kind: Percent, Value: dec("100"), Start: Date{2026, 3, 10}, End: Date{2026, 3, 10}}} {
		if err := r.Validate(); err != nil {
			t.Errorf("valid rule %d: %v", r.ID, err)
		}
	}
	if _, err := NewEngine(Config{}, []Rule{ok, ok}); !errors.Is(err, ErrInvalidRule) {
		t.Errorf("duplicate id: %v", err)
	}
	v1 := Rule{ID: 1, Name: "a", Kind: Percent, Value: dec("1"), Voucher: "Spring"}
	v2 := Rule{ID: 2, Name: "b", Kind: Percent, Value: dec("1"), Voucher: " SPRING "}
	if _, err := NewEngine(Config{}, []Rule{v1, v2}); !errors.Is(err, ErrInvalidRule) {
		t.Errorf("duplicate code: %v", err)
	}
}

func TestCartValidation(t *testing.T) {
	t.Parallel()
	e := mustEngine(t, Config{})
	bad := []Cart{
		{Currency: "RON", At: at},
		{At: at, Lines: []Line{line("A", 1, "1")}},
		{Currency: "RON", Lines: []Line{line("A", 1, "1")}},
		{Currency: "RON", At: at, Lines: []Line{line("A", 0, "1")}},
		{Currency: "RON", At: at, Lines: []Line{line("", 1, "1")}},
		{Currency: "RON", At: at, Lines: []Line{line("A", 1, "-1")}},
	}
	for i, c := range bad {
		var ce *CartError
		if _, err := e.Apply(context.Background(), c); !errors.As(err, &ce) || !errors.Is(err, ErrInvalidCart) {
			t.Errorf("cart %d: err = %v, want *CartError", i, err)
		}
	}
}

func TestAmounts(t *testing.T) {
	t.Parallel()
	e := mustEngine(t, Config{},
		Rule{ID: 1, Name: "12.5% on A", Kind: Percent, Value: dec("12.5"), Products: []ProductID{"A"}},
		Rule{ID: 2, Name: "3 off per unit of B", Kind: Fixed, Value: dec("3"), Currency: "RON", Products: []ProductID{"B"}},
		Rule{ID: 3, Name: "50 off per unit of C", Kind: Fixed, Value: dec("50"), Currency: "RON", Products: []ProductID{"C"}},
	)
	r := mustApply(t, e, cart(line("A", 3, "0.99"), line("B", 2, "10"), line("C", 2, "20")))
	// A: 2.97 × 12.5% = 0.37125 → 0.37 (rounded once on the line, not 3 × 0.12).
	// B: 3 × 2 = 6. C: capped at the unit price: 40.
	want := []string{"0.37", "6", "40"}
	for i, w := range want {
		if !r.Lines[i].Discount.Equal(dec(w)) {
			t.Errorf("line %d discount %s, want %s", i, r.Lines[i].Discount, w)
		}
	}
	if !r.Lines[2].TotalAfter.IsZero() || !r.Lines[2].UnitPriceAfter.IsZero() {
		t.Errorf("line C should be free: %+v", r.Lines[2])
	}
	if !r.Total.Equal(dec("16.60")) || !r.Discount.Equal(dec("46.37")) {
		t.Errorf("total %s discount %s", r.Total, r.Discount)
	}

	// Half-up at the minor unit: 0.125 → 0.13, where banker's rounding gives 0.12.
	e = mustEngine(t, Config{}, Rule{ID: 1, Name: "half", Kind: Percent, Value: dec("50")})
	r = mustApply(t, e, cart(line("A", 1, "0.25")))
	if !r.Lines[0].Discount.Equal(dec("0.13")) {
		t.Errorf("half-up: got %s, want 0.13", r.Lines[0].Discount)
	}
}

func TestOrderLevelFixedAllocation(t *testing.T) {
	t.Parallel()
	e := mustEngine(t, Config{}, Rule{ID: 1, Name: "10 off", Kind: Fixed, Value: dec("10"), Currency: "RON"})
	r := mustApply(t, e, cart(line("A", 1, "10"), line("B", 1, "10"), line("C", 1, "10")))
	got := []string{r.Lines[0].Discount.String(), r.Lines[1].Discount.String(), r.Lines[2].Discount.String()}
	// 3.333… each; the leftover cent goes to the first of the equal remainders.
	if d := cmp.Diff([]string{"3.34", "3.33", "3.33"}, got); d != "" {
		t.Errorf("allocation (-want +got):\n%s", d)
	}
	if !r.Discount.Equal(dec("10")) {
		t.Errorf("discount %s, want exactly 10", r.Discount)
	}
	// Never more than the cart.
	r = mustApply(t, e, cart(line("A", 1, "4")))
	if !r.Total.IsZero() || !r.Discount.Equal(dec("4")) {
		t.Errorf("capped: total %s discount %s", r.Total, r.Discount)
	}
}

func TestBestPerLineAndTies(t *testing.T) {
	t.Parallel()
	rules := []Rule{
		{ID: 5, Name: "10% all", Kind: Percent, Value: dec("10"), Start: Date{2026, 3, 1}},
		{ID: 4, Name: "20% A", Kind: Percent, Value: dec("20"), Products: []ProductID{"A"}, Start: Date{2026, 3, 1}},
		{ID: 3, Name: "20% A newer", Kind: Percent, Value: dec("20"), Products: []ProductID{"A"}, Start: Date{2026, 3, 5}},
		{ID: 2, Name: "5 off B per unit", Kind: Fixed, Value: dec("5"), Currency: "RON", ProductGroups: []ProductGroupID{"tools"}, Start: Date{2026, 3, 5}},
		{ID: 1, Name: "5 off B per unit too", Kind: Fixed, Value: dec("5"), Currency: "RON", Products: []ProductID{"B"}, Start: Date{2026, 3, 5}},
	}
	e := mustEngine(t, Config{}, rules...)
	r := mustApply(t, e, cart(line("A", 1, "100"), line("B", 1, "30", "tools"), line("C", 1, "100")))
	got := []RuleID{r.Lines[0].Applied[0].Rule, r.Lines[1].Applied[0].Rule, r.Lines[2].Applied[0].Rule}
	// A: 20% twice, the later start (3) wins. B: 5 vs 10% of 30 = 3; two
	// equal fixed rules with the same start: the lower id (1). C: 10%.
	if d := cmp.Diff([]RuleID{3, 1, 5}, got); d != "" {
		t.Errorf("chosen rules (-want +got):\n%s", d)
	}
	for i, l := range r.Lines {
		if len(l.Applied) != 1 {
			t.Errorf("line %d has %d rules under BestPerLine", i, len(l.Applied))
		}
	}

	// StackAll applies every matching rule, later start first.
	e = mustEngine(t, Config{Policy: StackAll}, rules...)
	r = mustApply(t, e, cart(line("A", 1, "100")))
	// 100 → 20% (rule 3) = 80 → 20% (rule 4) = 64 → 10% (rule 5) = 57.60.
	if !r.Total.Equal(dec("57.60")) || len(r.Log) != 3 || r.Log[0].Rule != 3 || r.Log[2].Rule != 5 {
		t.Errorf("stack all: total %s, log %+v", r.Total, r.Log)
	}
	if !r.Log[1].OriginalTotal.Equal(r.Log[0].TotalAfter) {
		t.Errorf("log rows are not chained: %+v", r.Log)
	}
}

func TestMatchingDimensions(t *testing.T) {
	t.Parallel()
	pct := func(id RuleID, mutate func(*Rule)) Rule {
		r := Rule{ID: id, Name: "r", Kind: Percent, Value: dec("10")}
		mutate(&r)
		return r
	}
	base := cart(line("A", 1, "100", "tools"))
	base.Store = "S1"
	cases := []struct {
		name  string
		rule  Rule
		apply bool
	}{
		{"no scopes", pct(1, func(*Rule) {}), true},
		{"client listed", pct(1, func(r *Rule) { r.Clients = []ClientID{"C1"} }), true},
		{"group listed", pct(1, func(r *Rule) { r.Clients, r.ClientGroups = []ClientID{"C9"}, []GroupID{"VIP"} }), true},
		{"other client", pct(1, func(r *Rule) { r.Clients, r.ClientGroups = []ClientID{"C9"}, []GroupID{"WHS"} }), false},
		{"product listed", pct(1, func(r *Rule) { r.Products = []ProductID{"A"} }), true},
		{"product group listed", pct(1, func(r *Rule) { r.Products, r.ProductGroups = []ProductID{"Z"}, []ProductGroupID{"tools"} }), true},
		{"other product", pct(1, func(r *Rule) { r.Products, r.ProductGroups = []ProductID{"Z"}, []ProductGroupID{"toys"} }), false},
		{"channel 0", pct(1, func(r *Rule) { r.Channel = 0 }), true},
		{"same channel", pct(1, func(r *Rule) { r.Channel = 1 }), true},
		{"other channel", pct(1, func(r *Rule) { r.Channel = 2 }), false},
		{"same store", pct(1, func(r *Rule) { r.Store = "S1" }), true},
		{"other store", pct(1, func(r *Rule) { r.Store = "S2" }), false},
		{"other currency", pct(1, func(r *Rule) { r.Currency = "EUR" }), false},
		{"ends today", pct(1, func(r *Rule) { r.End = Date{2026, 3, 10} }), true},
		{"starts today", pct(1, func(r *Rule) { r.Start = Date{2026, 3, 10} }), true},
		{"ended yesterday", pct(1, func(r *Rule) { r.End = Date{2026, 3, 9} }), false},
		{"starts tomorrow", pct(1, func(r *Rule) { r.Start = Date{2026, 3, 11} }), false},
		{"minimum reached", pct(1, func(r *Rule) { r.MinOrderValue, r.Currency = dec("100"), "ron" }), true},
		{"below minimum", pct(1, func(r *Rule) { r.MinOrderValue, r.Currency = dec("100.01"), "RON" }), false},
		{"voucher not carried", pct(1, func(r *Rule) { r.Voucher = "X" }), false},
	}
	for _, c := range cases {
		e := mustEngine(t, Config{}, c.rule)
		r := mustApply(t, e, base)
		if got := r.Discount.IsPositive(); got != c.apply {
			t.Errorf("%s: applied = %v, want %v", c.name, got, c.apply)
		}
	}
}

func TestTimeZone(t *testing.T) {
	t.Parallel()
	loc, err := time.LoadLocation("Europe/Bucharest")
	if err != nil {
		t.Skip("no tzdata:", err)
	}
	rule := Rule{ID: 1, Name: "March", Kind: Percent, Value: dec("10"), Start: Date{2026, 3, 1}, End: Date{2026, 3, 31}}
	c := cart(line("A", 1, "100"))
	// 22:30 UTC on 31 March is 01:30 on 1 April in Bucharest (UTC+3 in summer time).
	c.At = time.Date(2026, 3, 31, 22, 30, 0, 0, time.UTC)
	if r := mustApply(t, mustEngine(t, Config{}, rule), c); !r.Discount.IsPositive() {
		t.Error("UTC shop: rule should still apply on 31 March")
	}
	if r := mustApply(t, mustEngine(t, Config{Location: loc}, rule), c); r.Discount.IsPositive() {
		t.Error("Bucharest shop: rule should have ended")
	}
	// 22:30 UTC on 28 February is 00:30 on 1 March in Bucharest.
	c.At = time.Date(2026, 2, 28, 22, 30, 0, 0, time.UTC)
	if r := mustApply(t, mustEngine(t, Config{Location: loc}, rule), c); !r.Discount.IsPositive() {
		t.Error("Bucharest shop: rule should have started")
	}
}

func TestVoucherRefusals(t *testing.T) {
	t.Parallel()
	v := Rule{ID: 9, Name: "spring", Kind: Percent, Value: dec("15"), Voucher: "Promo2026",
		Start: Date{2026, 3, 1}, End: Date{2026, 3, 31}, Channel: 1, Store: "S1",
		ClientGroups: []GroupID{"VIP"}, ProductGroups: []ProductGroupID{"tools"},
		MinOrderValue: dec("500"), Currency: "RON", TotalLimit: 1}
	ledger := &Ledger{}
	e := mustEngine(t, Config{Usage: ledger}, v)
	ok := cart(line("A", 5, "100", "tools"))
	ok.Store, ok.Voucher = "S1", "  promo2026 "
	r := mustApply(t, e, ok)
	if r.VoucherRefused != nil || r.Voucher != "PROMO2026" || !r.Discount.Equal(dec("75")) || r.Redemption == nil {
		t.Fatalf("voucher should apply: %+v refused %v", r, r.VoucherRefused)
	}
	cases := []struct {
		name   string
		mutate func(*Cart)
		want   Refusal
	}{
		{"unknown", func(c *Cart) { c.Voucher = "NOPE" }, RefusedUnknown},
		{"not yet valid", func(c *Cart) { c.At = time.Date(2026, 2, 28, 12, 0, 0, 0, time.UTC) }, RefusedNotYetValid},
		{"expired", func(c *Cart) { c.At = time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC) }, RefusedExpired},
		{"other channel", func(c *Cart) { c.Channel = 2 }, RefusedOtherChannel},
		{"other store", func(c *Cart) { c.Store = "S2" }, RefusedOtherStore},
		{"other currency", func(c *Cart) { c.Currency = "EUR" }, RefusedOtherCurrency},
		{"client", func(c *Cart) { c.Groups = []GroupID{"WHS"} }, RefusedClientNotEligible},
		{"product", func(c *Cart) { c.Lines[0].ProductGroups = nil }, RefusedNoEligibleProduct},
		{"minimum", func(c *Cart) { c.Lines[0].Quantity = 4; c.Lines[0].UnitPrice = dec("99.99") }, RefusedBelowMinimum},
	}
	for _, c := range cases {
		cc := ok
		cc.Lines = []Line{ok.Lines[0]}
		c.mutate(&cc)
		r := mustApply(t, e, cc)
		if r.VoucherRefused == nil || r.VoucherRefused.Reason != c.want {
			t.Errorf("%s: refused = %v, want %v", c.name, r.VoucherRefused, c.want)
			continue
		}
		if !errors.Is(r.VoucherRefused, ErrVoucherRefused) || r.Redemption != nil || r.Discount.IsPositive() {
			t.Errorf("%s: refused voucher still counted: %+v", c.name, r)
		}
		if c.want == RefusedBelowMinimum && !r.VoucherRefused.Missing.Equal(dec("100.04")) {
			t.Errorf("missing %s, want 100.04", r.VoucherRefused.Missing)
		}
	}
	// Usage: once redeemed, the single use is gone.
	r.SetOrder("SO-1")
	if err := ledger.Redeem(context.Background(), *r.Redemption); err != nil {
		t.Fatal(err)
	}
	r2 := mustApply(t, e, ok)
	if r2.VoucherRefused == nil || r2.VoucherRefused.Reason != RefusedUsageExhausted {
		t.Fatalf("after redemption: refused = %v", r2.VoucherRefused)
	}
	var ve *VoucherError
	err := ledger.Redeem(context.Background(), Redemption{Rule: 9, Code: "PROMO2026", Client: "C2", Order: "SO-2", TotalLimit: 1})
	if !errors.As(err, &ve) || ve.Reason != RefusedUsageExhausted {
		t.Fatalf("second redemption: %v", err)
	}
}

func TestVoucherOnDiscountedPrices(t *testing.T) {
	t.Parallel()
	e := mustEngine(t, Config{},
		Rule{ID: 1, Name: "trade 20%", Kind: Percent, Value: dec("20")},
		Rule{ID: 2, Name: "voucher 100 off", Kind: Fixed, Value: dec("100"), Currency: "RON", Voucher: "BIG"},
	)
	c := cart(line("A", 1, "50"), line("B", 1, "30"))
	c.Voucher = "big"
	r := mustApply(t, e, c)
	// 80 − 20% = 64; the 100 voucher is capped at what is left: the cart is free, never negative.
	if !r.Total.IsZero() || !r.Discount.Equal(dec("80")) {
		t.Fatalf("total %s discount %s", r.Total, r.Discount)
	}
	if len(r.Log) != 4 {
		t.Fatalf("log rows %d, want 4 (two rules on two lines)", len(r.Log))
	}
	r.SetOrder("SO-7")
	for _, row := range r.Log {
		if row.Order != "SO-7" || row.Client != "C1" || row.Channel != 1 || !row.At.Equal(at) {
			t.Fatalf("log row %+v", row)
		}
	}
	if r.Log[1].Voucher != "BIG" || !r.Log[1].OriginalTotal.Equal(dec("40")) || !r.Log[1].TotalAfter.IsZero() {
		t.Fatalf("voucher row %+v", r.Log[1])
	}
	if r.Redemption.Order != "SO-7" {
		t.Fatalf("redemption order %q", r.Redemption.Order)
	}
}

func TestExpiringWithin(t *testing.T) {
	t.Parallel()
	e := mustEngine(t, Config{},
		Rule{ID: 1, Name: "a", Kind: Percent, Value: dec("1"), End: Date{2026, 3, 17}},
		Rule{ID: 2, Name: "b", Kind: Percent, Value: dec("1"), End: Date{2026, 3, 10}},
		Rule{ID: 3, Name: "c", Kind: Percent, Value: dec("1"), End: Date{2026, 3, 18}},
		Rule{ID: 4, Name: "d", Kind: Percent, Value: dec("1"), End: Date{2026, 3, 9}},
		Rule{ID: 5, Name: "open", Kind: Percent, Value: dec("1")},
	)
	var got []RuleID
	for _, r := range e.ExpiringWithin(at, 7) {
		got = append(got, r.ID)
	}
	if d := cmp.Diff([]RuleID{2, 1}, got); d != "" {
		t.Fatalf("expiring (-want +got):\n%s", d)
	}
}

func TestSalePrices(t *testing.T) {
	t.Parallel()
	e := mustEngine(t, Config{},
		Rule{ID: 1, Name: "10% tools", Kind: Percent, Value: dec("10"), ProductGroups: []ProductGroupID{"tools"}, End: Date{2026, 3, 31}},
		Rule{ID: 2, Name: "15 off A", Kind: Fixed, Value: dec("15"), Currency: "RON", Products: []ProductID{"A"}, Channel: 3},
		Rule{ID: 3, Name: "VIP only", Kind: Percent, Value: dec("50"), Products: []ProductID{"B"}, ClientGroups: []GroupID{"VIP"}},
		Rule{ID: 4, Name: "voucher", Kind: Percent, Value: dec("50"), Products: []ProductID{"B"}, Voucher: "X"},
		Rule{ID: 5, Name: "big carts", Kind: Percent, Value: dec("50"), Products: []ProductID{"B"}, MinOrderValue: dec("1000"), Currency: "RON"},
		Rule{ID: 6, Name: "order level", Kind: Percent, Value: dec("50")},
	)
	items := []CatalogItem{
		{Product: "A", Groups: []ProductGroupID{"tools"}, Price: dec("99.99")},
		{Product: "B", Price: dec("20")},
	}
	got, err := e.SalePrices(3, "", "RON", at, items)
	if err != nil {
		t.Fatal(err)
	}
	want := []SalePrice{{Product: "A", Regular: dec("99.99"), Sale: dec("84.99"), Rules: []RuleID{2}}}
	if d := cmp.Diff(want, got, decEqual); d != "" {
		t.Fatalf("channel 3 (-want +got):\n%s", d)
	}
	got, err = e.SalePrices(1, "", "RON", at, items)
	if err != nil {
		t.Fatal(err)
	}
	want = []SalePrice{{Product: "A", Regular: dec("99.99"), Sale: dec("89.99"), Rules: []RuleID{1}, To: Date{2026, 3, 31}}}
	if d := cmp.Diff(want, got, decEqual); d != "" {
		t.Fatalf("channel 1 (-want +got):\n%s", d)
	}
}

func TestMisc(t *testing.T) {
	t.Parallel()
	r := Rule{ID: 1, Name: "a", Kind: Percent, Value: dec("10"), Products: []ProductID{"A"}}
	e := mustEngine(t, Config{}, r)
	got, ok := e.Rule(1)
	if !ok || got.Name != "a" {
		t.Fatalf("Rule(1) = %+v, %v", got, ok)
	}
	got.Products[0] = "Z" // a copy: the engine is not changed
	if again, _ := e.Rule(1); again.Products[0] != "A" {
		t.Fatal("Rule returned shared state")
	}
	if _, ok := e.Rule(2); ok {
		t.Fatal("Rule(2) found")
	}
	var re *RuleError
	if _, err := NewEngine(Config{Policy: 9}, nil); !errors.As(err, &re) || !errors.Is(err, ErrInvalidRule) || re.Field != "Config.Policy" {
		t.Fatalf("unknown policy: err = %v, want a *RuleError on Config.Policy", err)
	} else if want := "discount: config: Policy unknown policy 9"; err.Error() != want {
		t.Fatalf("unknown policy: %q, want %q", err.Error(), want)
	}
	if MinorUnits("jpy") != 0 || MinorUnits("KWD") != 3 || MinorUnits("RON") != 2 || MinorUnits("XYZ") != 2 {
		t.Fatal("MinorUnits")
	}
	for _, err := range []error{
		&RuleError{Rule: 3, Field: "Name", Reason: "empty"},
		&CartError{Line: 2, Field: "Quantity", Reason: "0 is below 1"},
		&CartError{Line: -1, Field: "Currency", Reason: "empty"},
		&VoucherError{Code: "X", Reason: RefusedBelowMinimum, Missing: dec("10"), Currency: "RON"},
	} {
		if err.Error() == "" {
			t.Fatalf("%T has no message", err)
		}
	}
	if Fixed.String() != "fixed" || Percent.String() != "percent" || Refusal(99).String() == "" {
		t.Fatal("String")
	}
}

type failingUsage struct{ err error }

func (f failingUsage) Usage(context.Context, RuleID, ClientID) (int64, int64, error) {
	return 0, 0, f.err
}

func TestUsageErrorAborts(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	e := mustEngine(t, Config{Usage: failingUsage{boom}},
		Rule{ID: 1, Name: "v", Kind: Percent, Value: dec("10"), Voucher: "V", TotalLimit: 5})
	c := cart(line("A", 1, "10"))
	c.Voucher = "v"
	if _, err := e.Apply(context.Background(), c); !errors.Is(err, boom) {
		t.Fatalf("err = %v, want the usage error wrapped", err)
	}
}

func TestSalePricesStackAll(t *testing.T) {
	t.Parallel()
	e := mustEngine(t, Config{Policy: StackAll},
		Rule{ID: 1, Name: "10%", Kind: Percent, Value: dec("10"), Products: []ProductID{"A"}, Start: Date{2026, 3, 1}, End: Date{2026, 3, 20}},
		Rule{ID: 2, Name: "5 off", Kind: Fixed, Value: dec("5"), Currency: "RON", Products: []ProductID{"A"}, Start: Date{2026, 3, 5}, End: Date{2026, 3, 31}},
	)
	got, err := e.SalePrices(1, "", "RON", at, []CatalogItem{{Product: "A", Price: dec("100")}, {Product: "B", Price: dec("100")}})
	if err != nil {
		t.Fatal(err)
	}
	// Later start first: 100 − 5 = 95, then 10% = 85.50.
	want := []SalePrice{{Product: "A", Regular: dec("100"), Sale: dec("85.50"), Rules: []RuleID{2, 1},
		From: Date{2026, 3, 5}, To: Date{2026, 3, 20}}}
	if d := cmp.Diff(want, got, decEqual); d != "" {
		t.Fatalf("(-want +got):\n%s", d)
	}
}

// TestConcurrentApply: one engine serves many goroutines (run with -race).
func TestConcurrentApply(t *testing.T) {
	t.Parallel()
	rules, c := benchSetup(500)
	e := mustEngine(t, Config{}, rules...)
	want := mustApply(t, e, c)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 20 {
				got, err := e.Apply(context.Background(), c)
				if err != nil {
					t.Error(err)
					return
				}
				if d := cmp.Diff(want, got, decEqual); d != "" {
					t.Errorf("concurrent result differs:\n%s", d)
					return
				}
			}
		})
	}
	wg.Wait()
}

// TestAmountsPerUnitPrecision: a percentage is unit price × p / 100 per
// unit at full precision, times the quantity, rounded once per line; rules
// after the first work on the exact discounted unit price, and a rule that
// takes all of what is left makes the line exactly free.
func TestAmountsPerUnitPrecision(t *testing.T) {
	t.Parallel()
	pct := Rule{ID: 1, Name: "12.5%", Kind: Percent, Value: dec("12.5"), Products: []ProductID{"A"}}
	e := mustEngine(t, Config{}, pct)
	r := mustApply(t, e, cart(line("A", 3, "0.333")))
	// 0.333 × 12.5% = 0.041625 per unit, × 3 = 0.124875 → 0.12; the line
	// total 1.00 (0.999 rounded) × 12.5% would give 0.13.
	if !r.Lines[0].Total.Equal(dec("1.00")) || !r.Lines[0].Discount.Equal(dec("0.12")) {
		t.Fatalf("total %s discount %s, want 1.00 and 0.12", r.Lines[0].Total, r.Lines[0].Discount)
	}

	// A voucher on the discounted price: 0.333 − 12.5% = 0.291375 per unit
	// (0.874125 the line); 100% of it is the whole line total left, 0.88.
	e = mustEngine(t, Config{}, pct,
		Rule{ID: 2, Name: "free", Kind: Percent, Value: dec("100"), Voucher: "FREE"},
		Rule{ID: 3, Name: "0.2914 off", Kind: Fixed, Value: dec("0.2914"), Currency: "RON", Products: []ProductID{"A"}, Voucher: "UNIT"},
		Rule{ID: 4, Name: "0.29 off", Kind: Fixed, Value: dec("0.29"), Currency: "RON", Products: []ProductID{"A"}, Voucher: "LESS"},
	)
	for _, c := range []struct {
		code, saved, after string
	}{
		{"FREE", "0.88", "0"},
		// Per unit 0.2914 is more than the unit price left (0.291375):
		// capped at the unit price, the line is free.
		{"UNIT", "0.88", "0"},
		// 0.29 × 3 = 0.87 of the 0.874125 left: 0.01 stays.
		{"LESS", "0.87", "0.01"},
	} {
		cc := cart(line("A", 3, "0.333"))
		cc.Voucher = c.code
		r = mustApply(t, e, cc)
		if len(r.Log) != 2 || !r.Log[0].Saved.Equal(dec("0.12")) || !r.Log[1].Saved.Equal(dec(c.saved)) || !r.Total.Equal(dec(c.after)) {
			t.Errorf("%s: log %+v, total %s; want 0.12 then %s, total %s", c.code, r.Log, r.Total, c.saved, c.after)
		}
	}

	// Sale prices are per unit from the price as given, not as rounded.
	e = mustEngine(t, Config{}, Rule{ID: 1, Name: "12.5%", Kind: Percent, Value: dec("12.5"), Products: []ProductID{"A"}})
	sales, err := e.SalePrices(1, "", "RON", at, []CatalogItem{{Product: "A", Price: dec("0.995")}})
	if err != nil {
		t.Fatal(err)
	}
	// 0.995 × 12.5% = 0.124375 → 0.12 off the shown 1.00 (0.995 rounded);
	// from 1.00 it would be 0.125 → 0.13.
	if len(sales) != 1 || !sales[0].Sale.Equal(dec("0.88")) {
		t.Fatalf("sale prices %+v, want 0.88", sales)
	}
}

// TestVoucherNothingToDiscount: a voucher that would save nothing (every
// line it covers is already free) is refused with a reason, logs nothing and
// returns no Redemption, so a limited voucher is not used up for nothing.
func TestVoucherNothingToDiscount(t *testing.T) {
	t.Parallel()
	ledger := &Ledger{}
	e := mustEngine(t, Config{Usage: ledger},
		Rule{ID: 1, Name: "A free", Kind: Percent, Value: dec("100"), Products: []ProductID{"A"}},
		Rule{ID: 2, Name: "10% on A", Kind: Percent, Value: dec("10"), Products: []ProductID{"A"}, Voucher: "TENA", TotalLimit: 1},
		Rule{ID: 3, Name: "5 off", Kind: Fixed, Value: dec("5"), Currency: "RON", Voucher: "FIVE", TotalLimit: 1},
		Rule{ID: 4, Name: "nothing", Kind: Percent, Value: dec("0"), Voucher: "ZERO"},
	)
	for _, c := range []struct {
		code  string
		lines []Line
	}{
		{"TENA", []Line{line("A", 2, "10"), line("B", 1, "10")}}, // A is free already, B is not covered
		{"FIVE", []Line{line("A", 1, "10"), line("C", 3, "0")}},  // free or priced at zero
		{"ZERO", []Line{line("B", 1, "10")}},                     // a voucher worth nothing
	} {
		cc := cart(c.lines...)
		cc.Voucher = c.code
		r := mustApply(t, e, cc)
		if r.VoucherRefused == nil || r.VoucherRefused.Reason != RefusedNothingToDiscount || r.VoucherRefused.Code != c.code {
			t.Errorf("%s: refused = %v, want %q", c.code, r.VoucherRefused, RefusedNothingToDiscount)
			continue
		}
		if !errors.Is(r.VoucherRefused, ErrVoucherRefused) || r.Redemption != nil || r.Voucher != "" {
			t.Errorf("%s: result still carries the voucher: %+v", c.code, r)
		}
		for _, row := range r.Log {
			if row.Voucher != "" {
				t.Errorf("%s: voucher logged: %+v", c.code, row)
			}
		}
	}
	if RefusedNothingToDiscount.String() != "nothing to discount" {
		t.Errorf("reason text %q", RefusedNothingToDiscount.String())
	}
	// With something to discount the voucher applies as usual.
	cc := cart(line("A", 1, "10"), line("B", 1, "10"))
	cc.Voucher = "five"
	if r := mustApply(t, e, cc); r.VoucherRefused != nil || r.Redemption == nil || !r.Discount.Equal(dec("15")) {
		t.Fatalf("FIVE on B: refused %v, discount %s", r.VoucherRefused, r.Discount)
	}
}
