package discount

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
	"pgregory.net/rapid"
)

var (
	baseDay   = Date{2026, time.March, 10}
	decEqual  = cmp.Comparer(func(a, b decimal.Decimal) bool { return a.Equal(b) })
	bucharest = mustLoad("Europe/Bucharest")
)

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		return time.FixedZone(name, 2*3600)
	}
	return loc
}

func subset[T any](t *rapid.T, label string, all []T) []T {
	var out []T
	for _, x := range all {
		if rapid.IntRange(0, 3).Draw(t, label) == 0 {
			out = append(out, x)
		}
	}
	return out
}

var (
	products = []ProductID{"P1", "P2", "P3", "P4", "P5", "P6"}
	pgroups  = []ProductGroupID{"G1", "G2", "G3"}
	clients  = []ClientID{"C1", "C2", "C3"}
	cgroups  = []GroupID{"VIP", "WHS"}
)

// genDate returns an open end or a day within from..to days of baseDay.
func genDate(t *rapid.T, label string, from, to int) Date {
	if rapid.IntRange(0, 3).Draw(t, label+"open") == 0 {
		return Date{}
	}
	return baseDay.AddDays(rapid.IntRange(from, to).Draw(t, label))
}

func genRule(t *rapid.T, id int) Rule {
	r := Rule{ID: RuleID(id), Name: fmt.Sprintf("rule %d", id)}
	// Windows mostly around baseDay, where the carts are.
	r.Start, r.End = genDate(t, "start", -6, 2), genDate(t, "end", -2, 6)
	if !r.Start.IsZero() && !r.End.IsZero() && r.End.key() < r.Start.key() {
		r.Start, r.End = r.End, r.Start
	}
	r.Kind = Kind(rapid.IntRange(0, 1).Draw(t, "kind"))
	if r.Kind == Percent {
		switch rapid.IntRange(0, 5).Draw(t, "pshape") {
		case 0: // the edges and awkward fractions
			r.Value = decimal.RequireFromString(rapid.SampledFrom([]string{"0", "100", "12.5", "33.333", "50", "0.01"}).Draw(t, "pedge"))
		default:
			r.Value = decimal.New(rapid.Int64Range(0, 1000).Draw(t, "permille"), -1)
		}
		r.Currency = rapid.SampledFrom([]string{"", "", "RON", "eur", "JPY"}).Draw(t, "pcur")
	} else {
		// Whole minor units mostly, sometimes finer than the minor unit or
		// larger than any price.
		r.Value = decimal.New(rapid.Int64Range(0, 20000).Draw(t, "cents"), -int32(rapid.SampledFrom([]int{2, 2, 2, 0, 3}).Draw(t, "fscale")))
		r.Currency = rapid.SampledFrom([]string{"RON", "RON", "ron", "EUR", "JPY", "KWD"}).Draw(t, "fcur")
	}
	if rapid.IntRange(0, 2).Draw(t, "hasmin") == 0 {
		r.MinOrderValue = decimal.New(rapid.Int64Range(0, 100000).Draw(t, "min"), -2)
		if r.Currency == "" {
			r.Currency = "RON"
		}
	}
	if rapid.IntRange(0, 3).Draw(t, "isvoucher") == 0 {
		r.Voucher = fmt.Sprintf("CODE%d", id)
		r.TotalLimit = rapid.Int64Range(0, 3).Draw(t, "limit")
		r.PerClientLimit = rapid.Int64Range(0, 2).Draw(t, "perclient")
	}
	r.Channel = ChannelID(rapid.SampledFrom([]int{0, 0, 0, 1, 2}).Draw(t, "channel"))
	r.Store = StoreID(rapid.SampledFrom([]string{"", "", "", "S1"}).Draw(t, "store"))
	if rapid.Bool().Draw(t, "clientscoped") {
		r.Clients = subset(t, "clients", clients)
		r.ClientGroups = subset(t, "cgroups", cgroups)
	}
	if rapid.IntRange(0, 3).Draw(t, "productscoped") != 0 {
		r.Products = subset(t, "products", products)
		r.ProductGroups = subset(t, "pgroups", pgroups)
	}
	return r
}

func genRules(t *rapid.T) []Rule {
	n := rapid.IntRange(0, 14).Draw(t, "nrules")
	rules := make([]Rule, n)
	for i := range rules {
		rules[i] = genRule(t, i+1)
	}
	return rules
}

func genCart(t *rapid.T, rules []Rule) Cart {
	c := Cart{
		Client:   rapid.SampledFrom(clients).Draw(t, "client"),
		Groups:   subset(t, "groups", cgroups),
		Channel:  ChannelID(rapid.IntRange(1, 2).Draw(t, "cchannel")),
		Store:    StoreID(rapid.SampledFrom([]string{"", "S1", "S2"}).Draw(t, "cstore")),
		Currency: rapid.SampledFrom([]string{"RON", "RON", "RON", "RON", "ron", "EUR", "JPY", "KWD"}).Draw(t, "ccur"),
		// Around midnight in Bucharest, so that the time zone matters;
		// mostly within three days of the rules' base day.
		At: time.Date(2026, time.March, 10, 21, 30, 0, 0, time.UTC).
			Add(time.Duration(rapid.IntRange(-3*24, 3*24).Draw(t, "hours")) * time.Hour),
	}
	if rapid.IntRange(0, 3).Draw(t, "faraway") == 0 {
		c.At = c.At.Add(time.Duration(rapid.IntRange(-4*24, 4*24).Draw(t, "morehours")) * time.Hour)
	}
	var codes []string
	for _, r := range rules {
		if r.Voucher != "" {
			codes = append(codes, r.Voucher, " "+strings.ToLower(r.Voucher)+" ")
		}
	}
	if len(codes) == 0 || rapid.Bool().Draw(t, "nocode") {
		codes = []string{"", "", "NOPE", "  "}
	}
	c.Voucher = rapid.SampledFrom(codes).Draw(t, "voucher")
	n := rapid.IntRange(1, 6).Draw(t, "nlines")
	for range n {
		l := Line{
			Product:       rapid.SampledFrom(products).Draw(t, "product"),
			ProductGroups: subset(t, "lgroups", pgroups),
			Quantity:      rapid.Int64Range(1, 5).Draw(t, "qty"),
			// Prices finer than the minor unit (up to 4 decimals) and free
			// lines too.
			UnitPrice: decimal.New(rapid.Int64Range(0, 200000).Draw(t, "price"), -int32(rapid.IntRange(0, 4).Draw(t, "scale"))),
		}
		if rapid.IntRange(0, 9).Draw(t, "bigqty") == 0 {
			l.Quantity = rapid.Int64Range(6, 1000).Draw(t, "qty")
		}
		if rapid.IntRange(0, 9).Draw(t, "free") == 0 {
			l.UnitPrice = decimal.Zero
		}
		c.Lines = append(c.Lines, l)
	}
	return c
}

func genConfig(t *rapid.T) Config {
	return Config{
		Location: rapid.SampledFrom([]*time.Location{nil, bucharest}).Draw(t, "loc"),
		Policy:   Policy(rapid.IntRange(0, 1).Draw(t, "policy")),
	}
}

// applyBoth discounts the cart with the engine and with the reference and
// fails t unless they give the same result (or the same cart error).
func applyBoth(t *rapid.T, cfg Config, rules []Rule, cart Cart) (Result, *Engine) {
	e, err := NewEngine(cfg, rules)
	if err != nil {
		t.Fatalf("NewEngine: %v", err)
	}
	got, gerr := e.Apply(context.Background(), cart)
	want, werr := newReference(cfg, rules).Apply(context.Background(), cart)
	var gce, wce *CartError
	switch {
	case gerr == nil && werr == nil:
	case errors.As(gerr, &gce) && errors.As(werr, &wce) && gce.Line == wce.Line && gce.Field == wce.Field:
		return got, e
	default:
		t.Fatalf("engine error %v, reference error %v", gerr, werr)
	}
	if d := cmp.Diff(want, got, decEqual); d != "" {
		t.Fatalf("engine and reference disagree (-reference +engine):\n%s", d)
	}
	return got, e
}

// TestEngineAgreesWithReference: the indexed engine and the independent
// reference give the same lines, log rows, totals, redemption and refusal
// on random rule sets (vouchers with total and per-client limits, order-level
// fixed amounts, every scope) and carts, under both policies, with some
// voucher uses already counted. Each case tries several carts on one rule
// set, and each policy runs as two subtests, so every run checks about
// 400 rule sets and 1,400 carts at the default -rapid.checks.
func TestEngineAgreesWithReference(t *testing.T) {
	t.Parallel()
	for _, policy := range []Policy{BestPerLine, StackAll} {
		for round := range 2 {
			t.Run(fmt.Sprintf("policy=%d/%d", policy, round), func(t *testing.T) {
				t.Parallel()
				rapid.Check(t, func(t *rapid.T) {
					rules := genRules(t)
					cfg := genConfig(t)
					cfg.Policy = policy
					ledger := genUsage(t, rules)
					if rapid.IntRange(0, 3).Draw(t, "withusage") != 0 {
						cfg.Usage = ledger
					}
					for range rapid.IntRange(1, 6).Draw(t, "carts") {
						cart := genCart(t, rules)
						res, _ := applyBoth(t, cfg, rules, cart)
						if res.Lines != nil {
							checkInvariants(t, cfg, rules, cart, res)
						}
					}
				})
			})
		}
	}
}

// genUsage returns a ledger where some vouchers already have uses, some up
// to their limits.
func genUsage(t *rapid.T, rules []Rule) *Ledger {
	ledger := &Ledger{}
	for _, r := range rules {
		if r.Voucher == "" {
			continue
		}
		for range rapid.IntRange(0, 3).Draw(t, "uses") {
			_ = ledger.Redeem(context.Background(), Redemption{Rule: r.ID, Client: rapid.SampledFrom(clients).Draw(t, "user"),
				TotalLimit: r.TotalLimit, PerClientLimit: r.PerClientLimit})
		}
	}
	return ledger
}

// TestPropertiesInvariants checks what must hold of every result.
func TestPropertiesInvariants(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		rules := genRules(t)
		cfg := genConfig(t)
		cart := genCart(t, rules)
		ledger := &Ledger{}
		if rapid.Bool().Draw(t, "usage") {
			// Some vouchers already used, some up to their limit.
			for _, r := range rules {
				for range rapid.IntRange(0, 2).Draw(t, "uses") {
					_ = ledger.Redeem(context.Background(), Redemption{Rule: r.ID, Client: rapid.SampledFrom(clients).Draw(t, "user"),
						TotalLimit: r.TotalLimit, PerClientLimit: r.PerClientLimit})
				}
			}
			cfg.Usage = ledger
		}
		res, _ := applyBoth(t, cfg, rules, cart)
		checkInvariants(t, cfg, rules, cart, res)
		if res.Redemption != nil && cfg.Usage != nil {
			total, _, _ := ledger.Usage(context.Background(), res.Redemption.Rule, cart.Client)
			if res.Redemption.TotalLimit > 0 && total >= res.Redemption.TotalLimit {
				t.Fatalf("voucher %d applied with %d of %d uses gone", res.Redemption.Rule, total, res.Redemption.TotalLimit)
			}
			if err := ledger.Redeem(context.Background(), *res.Redemption); err != nil {
				t.Fatalf("redeeming an accepted voucher: %v", err)
			}
		}
		if res.VoucherRefused != nil && res.VoucherRefused.Reason == RefusedUsageExhausted && cfg.Usage == nil {
			t.Fatalf("usage exhausted without a usage counter")
		}
	})
}

func checkInvariants(t *rapid.T, cfg Config, rules []Rule, cart Cart, res Result) {
	zero := decimal.Zero
	byID := map[RuleID]Rule{}
	for _, r := range rules {
		byID[r.ID] = r
	}
	loc := cfg.Location
	if loc == nil {
		loc = time.UTC
	}
	y, m, d := cart.At.In(loc).Date()
	today := Date{y, m, d}
	var subtotal, discount, logSum decimal.Decimal
	for i, l := range res.Lines {
		if l.TotalAfter.GreaterThan(l.Total) || l.UnitPriceAfter.GreaterThan(l.UnitPrice) {
			t.Fatalf("line %d: price after exceeds original: %+v", i, l)
		}
		if l.TotalAfter.LessThan(zero) || l.UnitPriceAfter.LessThan(zero) {
			t.Fatalf("line %d below zero: %+v", i, l)
		}
		var sum decimal.Decimal
		for _, a := range l.Applied {
			sum = sum.Add(a.Saved)
		}
		if !sum.Equal(l.Discount) || !l.Total.Sub(l.Discount).Equal(l.TotalAfter) {
			t.Fatalf("line %d: discount %s, applied sum %s, total %s, after %s", i, l.Discount, sum, l.Total, l.TotalAfter)
		}
		subtotal = subtotal.Add(l.Total)
		discount = discount.Add(l.Discount)
	}
	if !subtotal.Equal(res.Subtotal) || !discount.Equal(res.Discount) || !res.Subtotal.Sub(res.Discount).Equal(res.Total) || res.Total.LessThan(zero) {
		t.Fatalf("totals: subtotal %s (lines %s) discount %s (lines %s) total %s", res.Subtotal, subtotal, res.Discount, discount, res.Total)
	}
	vouchers := 0
	for _, row := range res.Log {
		if !row.OriginalTotal.Sub(row.TotalAfter).Equal(row.Saved) || !row.Saved.IsPositive() {
			t.Fatalf("log row: saved %s != %s − %s", row.Saved, row.OriginalTotal, row.TotalAfter)
		}
		if row.PriceAfter.GreaterThan(row.OriginalPrice) || row.PriceAfter.LessThan(zero) {
			t.Fatalf("log row: unit price after %s, original %s", row.PriceAfter, row.OriginalPrice)
		}
		logSum = logSum.Add(row.Saved)
		// No rule applies outside its window, minimum, scopes or voucher.
		r, ok := byID[row.Rule]
		if !ok {
			t.Fatalf("log row for unknown rule %d", row.Rule)
		}
		if !refMatchesCart(&r, &cart, today, res.Subtotal) {
			t.Fatalf("rule %d applied outside its window, minimum, channel, store, currency or clients", r.ID)
		}
		found := false
		for _, l := range cart.Lines {
			found = found || (l.Product == row.Product && refMatchesLine(&r, &l))
		}
		if !found {
			t.Fatalf("rule %d applied to product %s outside its scope", r.ID, row.Product)
		}
		if r.Voucher != "" {
			vouchers++
			if normCode(r.Voucher) != normCode(cart.Voucher) || row.Voucher != normCode(r.Voucher) {
				t.Fatalf("voucher rule %d applied with code %q", r.ID, cart.Voucher)
			}
		} else if row.Voucher != "" {
			t.Fatalf("automatic rule %d logged with code %q", r.ID, row.Voucher)
		}
	}
	if !logSum.Equal(res.Discount) {
		t.Fatalf("log rows add up to %s, cart discount is %s", logSum, res.Discount)
	}
	if cfg.Policy == BestPerLine {
		checkBestPerLine(t, rules, cart, today, res)
	}
	if (vouchers > 0) != (res.Redemption != nil) || (res.Redemption != nil) != (res.Voucher != "") {
		t.Fatalf("%d voucher rows, redemption %+v, voucher %q: a redemption must come with what the voucher saved", vouchers, res.Redemption, res.Voucher)
	}
	if res.VoucherRefused != nil && vouchers > 0 {
		t.Fatalf("voucher both refused and applied")
	}
}

// checkBestPerLine restates the default policy: on each line the automatic
// rule applied saves at least as much as any other matching automatic rule
// would, and among equal savings it has the later start, then the lower id.
func checkBestPerLine(t *rapid.T, rules []Rule, cart Cart, today Date, res Result) {
	exp := MinorUnits(cart.Currency)
	base := make([]decimal.Decimal, len(cart.Lines))
	for i, l := range cart.Lines {
		base[i] = l.UnitPrice.Mul(decimal.NewFromInt(l.Quantity)).Round(exp)
	}
	for i, l := range res.Lines {
		var got decimal.Decimal
		var gotRule *Rule
		autos := 0
		for _, a := range l.Applied {
			if a.Voucher == "" {
				autos++
				r := rules[slices.IndexFunc(rules, func(r Rule) bool { return r.ID == a.Rule })]
				got, gotRule = a.Saved, &r
			}
		}
		if autos > 1 {
			t.Fatalf("line %d: %d automatic rules under BestPerLine", i, autos)
		}
		for _, r := range rules {
			if r.Voucher != "" || !refMatchesCart(&r, &cart, today, res.Subtotal) || !refMatchesLine(&r, &cart.Lines[i]) {
				continue
			}
			var s decimal.Decimal
			q := decimal.NewFromInt(cart.Lines[i].Quantity)
			switch {
			case r.Kind == Percent && r.Value.Equal(decimal.NewFromInt(100)):
				s = base[i]
			case r.Kind == Percent: // per unit at full precision, rounded once on the line
				s = decimal.Min(base[i], cart.Lines[i].UnitPrice.Mul(r.Value).Mul(q).DivRound(decimal.NewFromInt(100), exp))
			case len(r.Products) > 0 || len(r.ProductGroups) > 0: // per unit, capped at the unit price
				if r.Value.IsPositive() && r.Value.GreaterThanOrEqual(cart.Lines[i].UnitPrice) {
					s = base[i]
				} else {
					s = decimal.Min(base[i], r.Value.Mul(q).Round(exp))
				}
			default: // order-level fixed: this line's share over every line
				w := make([]decimal.Decimal, len(base))
				copy(w, base)
				s = Allocate(r.Value, w, exp)[i]
			}
			if s.GreaterThan(got) {
				t.Fatalf("line %d: rule %d would save %s, applied saves %s", i, r.ID, s, got)
			}
			if s.Equal(got) && s.IsPositive() && gotRule != nil && gotRule.ID != r.ID {
				later := !r.Start.IsZero() && (gotRule.Start.IsZero() || gotRule.Start.key() < r.Start.key())
				same := r.Start.key() == gotRule.Start.key() || (r.Start.IsZero() && gotRule.Start.IsZero())
				if later || (same && r.ID < gotRule.ID) {
					t.Fatalf("line %d: tie between %d and applied %d broken wrongly", i, r.ID, gotRule.ID)
				}
			}
		}
	}
}

// TestPropertiesShuffle: the order of the rule list never changes the result.
func TestPropertiesShuffle(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		rules := genRules(t)
		cfg := genConfig(t)
		cart := genCart(t, rules)
		e1, err := NewEngine(cfg, rules)
		if err != nil {
			t.Fatal(err)
		}
		e2, err := NewEngine(cfg, rapid.Permutation(rules).Draw(t, "shuffled"))
		if err != nil {
			t.Fatal(err)
		}
		r1, err1 := e1.Apply(context.Background(), cart)
		r2, err2 := e2.Apply(context.Background(), cart)
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		if d := cmp.Diff(r1, r2, decEqual); d != "" {
			t.Fatalf("shuffling rules changed the result:\n%s", d)
		}
	})
}

// TestPropertiesAllocate: parts add up to the capped amount exactly, none
// exceeds its weight, and each is within one minor unit of its exact share.
func TestPropertiesAllocate(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		exp := int32(rapid.IntRange(0, 3).Draw(t, "exp"))
		n := rapid.IntRange(0, 8).Draw(t, "n")
		w := make([]decimal.Decimal, n)
		var total decimal.Decimal
		for i := range w {
			w[i] = decimal.New(rapid.Int64Range(0, 1_000_000).Draw(t, "w"), -exp)
			total = total.Add(w[i])
		}
		amount := decimal.New(rapid.Int64Range(0, 2_000_000).Draw(t, "amount"), -exp-1)
		parts := Allocate(amount, w, exp)
		want := decimal.Min(amount.Round(exp), total)
		var sum decimal.Decimal
		unit := decimal.New(1, -exp)
		for i, p := range parts {
			sum = sum.Add(p)
			if p.IsNegative() || p.GreaterThan(w[i]) || !p.Round(exp).Equal(p) {
				t.Fatalf("part %d = %s, weight %s", i, p, w[i])
			}
			if total.IsPositive() {
				exact := want.Mul(w[i]).DivRound(total, 12)
				if p.Sub(exact).Abs().GreaterThanOrEqual(unit) {
					t.Fatalf("part %d = %s, exact share %s", i, p, exact)
				}
			}
		}
		if !sum.Equal(want) && total.IsPositive() {
			t.Fatalf("parts add up to %s, want %s", sum, want)
		}
		if !total.IsPositive() && !sum.IsZero() {
			t.Fatalf("zero weights got %s", sum)
		}
	})
}
