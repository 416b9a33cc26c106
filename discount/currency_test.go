package discount

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/azuvio/omnisales/internal/currency"
)

// TestMinorUnitsISO: the minor units are those of the repository's ISO 4217
// table (internal/currency), which oms rounds with, in any letter case.
func TestMinorUnitsISO(t *testing.T) {
	t.Parallel()
	for _, code := range []string{"RON", "EUR", "JPY", "KWD", "CLF", "UYI", "UYW", "BHD", "XOF"} {
		want := currency.MinorUnits(code)
		if got := MinorUnits(code); got != want {
			t.Errorf("MinorUnits(%s) = %d, want %d", code, got, want)
		}
		if got := MinorUnits(" " + strings.ToLower(code) + " "); got != want {
			t.Errorf("MinorUnits(%q, lower case) = %d, want %d", code, got, want)
		}
	}
}

// TestUnknownCurrency: a code outside ISO 4217 is a typed error on a rule,
// a cart and a sale-price request, never discounted with a guessed minor
// unit.
func TestUnknownCurrency(t *testing.T) {
	t.Parallel()
	var re *RuleError
	_, err := NewEngine(Config{}, []Rule{{ID: 1, Name: "x", Kind: Fixed, Value: dec("1"), Currency: "XYZ"}})
	if !errors.As(err, &re) || re.Field != "Currency" {
		t.Fatalf("rule in XYZ: err = %v, want a *RuleError on Currency", err)
	}
	e := mustEngine(t, Config{}, Rule{ID: 1, Name: "10%", Kind: Percent, Value: dec("10")})
	c := cart(line("A", 1, "10"))
	c.Currency = "XYZ"
	var ce *CartError
	if _, err := e.Apply(context.Background(), c); !errors.As(err, &ce) || ce.Field != "Currency" || ce.Line != -1 {
		t.Fatalf("cart in XYZ: err = %v, want a *CartError on Currency", err)
	}
	if _, err := e.SalePrices(0, "", "XYZ", at, []CatalogItem{{Product: "A", Price: dec("10")}}); !errors.As(err, &ce) || ce.Field != "Currency" {
		t.Fatalf("sale prices in XYZ: err = %v, want a *CartError on Currency", err)
	}
	c.Currency = "ron"
	if _, err := e.Apply(context.Background(), c); err != nil {
		t.Fatalf("cart in ron: %v", err)
	}
}

// TestFourDecimalCurrency: a CLF cart (4 decimals in ISO 4217) is
// rounded to 4 decimals, as oms rounds the order.
func TestFourDecimalCurrency(t *testing.T) {
	t.Parallel()
	e := mustEngine(t, Config{}, Rule{ID: 1, Name: "10%", Kind: Percent, Value: dec("10")})
	c := cart(line("A", 3, "0.12345"))
	c.Currency = "CLF"
	r := mustApply(t, e, c)
	// 0.37035 → 0.3704; 10% of it per unit: 0.037035 → 0.0370.
	if !r.Subtotal.Equal(dec("0.3704")) || !r.Discount.Equal(dec("0.037")) {
		t.Fatalf("subtotal %s discount %s, want 0.3704 and 0.0370", r.Subtotal, r.Discount)
	}
}
