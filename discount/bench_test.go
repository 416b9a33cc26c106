package discount

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/shopspring/decimal"
)

// benchSetup returns n rules over n/5 products, five per product (a
// percentage and a per-unit amount on the product, a percentage on the
// product's own group, a percentage for the VIP group and an amount above a
// minimum order value), and a 20-line cart of those products. Every line has
// exactly five candidate rules whatever n is, so the benchmarks compare the
// cost of finding them among many rules.
func benchSetup(n int) ([]Rule, Cart) {
	nprod := n / 5
	rules := make([]Rule, 0, n)
	for p := range nprod {
		prod := ProductID(fmt.Sprintf("P%05d", p))
		grp := ProductGroupID(fmt.Sprintf("G%05d", p))
		id := RuleID(p*5 + 1)
		rules = append(rules,
			Rule{ID: id, Name: "pct", Kind: Percent, Value: decimal.New(int64(5+p%20), 0), Products: []ProductID{prod},
				Start: Date{2026, 1, 1}, End: Date{2026, 12, 31}},
			Rule{ID: id + 1, Name: "fixed", Kind: Fixed, Value: decimal.New(int64(100+p%300), -2), Currency: "RON", Products: []ProductID{prod}},
			Rule{ID: id + 2, Name: "group", Kind: Percent, Value: decimal.New(125, -1), ProductGroups: []ProductGroupID{grp},
				Start: Date{2026, 2, 1}},
			Rule{ID: id + 3, Name: "vip", Kind: Percent, Value: decimal.New(int64(8+p%10), 0), Products: []ProductID{prod},
				ClientGroups: []GroupID{"VIP"}, Channel: 2},
			Rule{ID: id + 4, Name: "big order", Kind: Fixed, Value: decimal.New(5, 0), Currency: "RON", Products: []ProductID{prod},
				MinOrderValue: decimal.New(500, 0)},
		)
	}
	cart := Cart{Client: "acme", Groups: []GroupID{"VIP", "WHS"}, Channel: 2, Currency: "RON",
		At: time.Date(2026, 6, 15, 10, 0, 0, 0, time.UTC)}
	for i := range 20 {
		p := (i * 7919) % nprod
		cart.Lines = append(cart.Lines, Line{
			Product:       ProductID(fmt.Sprintf("P%05d", p)),
			ProductGroups: []ProductGroupID{ProductGroupID(fmt.Sprintf("G%05d", p)), "all-products"},
			Quantity:      int64(1 + i%4),
			UnitPrice:     decimal.New(int64(1999+i*250), -2),
		})
	}
	return rules, cart
}

func BenchmarkApply(b *testing.B) {
	ctx := context.Background()
	for _, n := range []int{10, 10000} {
		rules, cart := benchSetup(n)
		e, err := NewEngine(Config{}, rules)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("rules=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := e.Apply(ctx, cart); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	// The reference: every rule checked against every line, no index.
	rules, cart := benchSetup(10000)
	ref := newReference(Config{}, rules)
	b.Run("linear/rules=10000", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := ref.Apply(ctx, cart); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestBenchSetup keeps the benchmark honest: every line has exactly five
// candidate rules at both sizes, and the engine and the reference agree.
func TestBenchSetup(t *testing.T) {
	t.Parallel()
	for _, n := range []int{10, 10000} {
		rules, cart := benchSetup(n)
		if len(rules) != n {
			t.Fatalf("%d rules, want %d", len(rules), n)
		}
		ref := newReference(Config{Policy: StackAll}, rules)
		res, err := ref.Apply(context.Background(), cart)
		if err != nil {
			t.Fatal(err)
		}
		for i, l := range res.Lines {
			if len(l.Applied) != 5 {
				t.Fatalf("n=%d line %d: %d rules apply, want 5", n, i, len(l.Applied))
			}
		}
		e, err := NewEngine(Config{}, rules)
		if err != nil {
			t.Fatal(err)
		}
		ref.cfg.Policy = BestPerLine
		got, err1 := e.Apply(context.Background(), cart)
		want, err2 := ref.Apply(context.Background(), cart)
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		if d := cmp.Diff(want, got, decEqual); d != "" || !got.Discount.IsPositive() {
			t.Fatalf("n=%d: engine and reference disagree:\n%s", n, d)
		}
	}
}
