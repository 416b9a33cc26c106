package discount

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
	"pgregory.net/rapid"
)

func TestSummarize(t *testing.T) {
	d := decimal.RequireFromString
	row := func(rule RuleID, cur, order string, client ClientID, qty int64, before, after string) LogRow {
		b, a := d(before), d(after)
		return LogRow{Rule: rule, RuleName: "r" + string(rune('0'+rule)), Currency: cur, Order: order, Client: client,
			Quantity: qty, OriginalTotal: b, TotalAfter: a, Saved: b.Sub(a)}
	}
	rows := []LogRow{
		row(2, "RON", "o1", "C1", 2, "100.00", "90.00"),
		row(1, "RON", "o1", "C1", 1, "50.00", "45.00"),
		row(2, "RON", "o2", "C2", 3, "30.00", "27.00"),
		row(2, "EUR", "o3", "C1", 1, "10.00", "9.50"),
		row(2, "RON", "o2", "C2", 1, "10.00", "9.00"),
		row(2, "RON", "", "C3", 1, "10.00", "9.00"), // a cart not (yet) an order
	}
	got := Summarize(rows)
	want := []Campaign{
		{Rule: 1, Name: "r1", Currency: "RON", Lines: 1, Orders: 1, Clients: 1, Quantity: 1, Revenue: d("45"), Saved: d("5")},
		{Rule: 2, Name: "r2", Currency: "EUR", Lines: 1, Orders: 1, Clients: 1, Quantity: 1, Revenue: d("9.5"), Saved: d("0.5")},
		{Rule: 2, Name: "r2", Currency: "RON", Lines: 4, Orders: 2, Clients: 3, Quantity: 7, Revenue: d("135"), Saved: d("15")},
	}
	if diff := cmp.Diff(want, got, cmp.Comparer(func(a, b decimal.Decimal) bool { return a.Equal(b) })); diff != "" {
		t.Fatalf("Summarize (-want +got):\n%s", diff)
	}
	if got := Summarize(nil); len(got) != 0 {
		t.Fatalf("Summarize(nil) = %v", got)
	}
}

// TestSummarizeAddsUp: every row lands in exactly one campaign, so lines,
// units, revenue and savings add up to the log's, per currency.
func TestSummarizeAddsUp(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var rows []LogRow
		for range rapid.IntRange(0, 40).Draw(t, "rows") {
			before := decimal.New(rapid.Int64Range(0, 100_000).Draw(t, "before"), -2)
			saved := decimal.New(rapid.Int64Range(0, 100_000).Draw(t, "saved"), -2)
			if saved.GreaterThan(before) {
				saved = before
			}
			rows = append(rows, LogRow{Rule: RuleID(rapid.IntRange(1, 4).Draw(t, "rule")),
				Currency: rapid.SampledFrom([]string{"RON", "EUR"}).Draw(t, "currency"),
				Order:    rapid.SampledFrom([]string{"", "o1", "o2", "o3"}).Draw(t, "order"),
				Client:   ClientID(rapid.SampledFrom([]string{"C1", "C2"}).Draw(t, "client")),
				Quantity: rapid.Int64Range(1, 10).Draw(t, "qty"), OriginalTotal: before, TotalAfter: before.Sub(saved), Saved: saved})
		}
		type sums struct {
			lines         int
			qty           int64
			revenue, save decimal.Decimal
		}
		want, got := map[string]sums{}, map[string]sums{}
		for _, r := range rows {
			s := want[r.Currency]
			s.lines, s.qty, s.revenue, s.save = s.lines+1, s.qty+r.Quantity, s.revenue.Add(r.TotalAfter), s.save.Add(r.Saved)
			want[r.Currency] = s
		}
		camps := Summarize(rows)
		for i, c := range camps {
			if i > 0 && (camps[i-1].Rule > c.Rule || camps[i-1].Rule == c.Rule && camps[i-1].Currency >= c.Currency) {
				t.Fatalf("campaigns out of order at %d: %+v", i, camps)
			}
			if c.Orders > c.Lines || c.Clients > c.Lines || c.Clients < 1 {
				t.Fatalf("counts out of range: %+v", c)
			}
			s := got[c.Currency]
			s.lines, s.qty, s.revenue, s.save = s.lines+c.Lines, s.qty+c.Quantity, s.revenue.Add(c.Revenue), s.save.Add(c.Saved)
			got[c.Currency] = s
		}
		if diff := cmp.Diff(want, got, cmp.AllowUnexported(sums{}), cmp.Comparer(func(a, b decimal.Decimal) bool { return a.Equal(b) })); diff != "" {
			t.Fatalf("sums differ (-rows +campaigns):\n%s", diff)
		}
	})
}
