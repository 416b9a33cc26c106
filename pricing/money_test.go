package pricing

import (
	"context"
	"errors"
	"testing"

	"github.com/azuvio/omnisales/internal/currency"
)

// TestMinorUnitsISO: the minor units are those of the repository's ISO 4217
// table (internal/currency), which oms rounds with, for every code and in
// any letter case.
func TestMinorUnitsISO(t *testing.T) {
	t.Parallel()
	for _, code := range []string{"RON", "EUR", "JPY", "KWD", "CLF", "UYI", "UYW", "BHD", "XOF"} {
		want := currency.MinorUnits(code)
		if got := MinorUnits(code); got != want {
			t.Errorf("MinorUnits(%s) = %d, want %d", code, got, want)
		}
		if got := MinorUnits(" " + string(code[0]+'a'-'A') + code[1:] + " "); got != want {
			t.Errorf("MinorUnits(%q, lower case) = %d, want %d", code, got, want)
		}
	}
}

// TestUnknownCurrency: a code outside ISO 4217 is a typed error wherever
// pricing takes one, never priced with a guessed minor unit.
func TestUnknownCurrency(t *testing.T) {
	t.Parallel()
	var le *ListError
	if err := (PriceList{ID: "x", Tier: TierStandard, Currency: "XYZ"}).Validate(); !errors.As(err, &le) || le.Field != "Currency" || !errors.Is(err, ErrInvalidList) {
		t.Fatalf("list in XYZ: err = %v, want a *ListError on Currency", err)
	}
	src := mustMemory(t, PriceList{ID: "std", Tier: TierStandard, Currency: "ron", Entries: []Entry{entry("A", "1")}})
	var re *RequestError
	_, err := Resolve(context.Background(), src, Request{Product: "A", Currency: "XYZ", Quantity: 1, At: t0})
	if !errors.As(err, &re) || re.Field != "Currency" || !errors.Is(err, ErrInvalidRequest) {
		t.Fatalf("Resolve in XYZ: err = %v, want a *RequestError on Currency", err)
	}
	_, err = ResolveCart(context.Background(), src, Cart{Currency: "XYZ", At: t0, Lines: []Line{{Product: "A", Quantity: 1}}})
	if !errors.As(err, &re) || re.Field != "Currency" || re.Line != -1 {
		t.Fatalf("ResolveCart in XYZ: err = %v, want a *RequestError on Currency", err)
	}
	// Codes are still matched in any letter case.
	if _, err := ResolveCart(context.Background(), src, Cart{Currency: "RON", At: t0, Lines: []Line{{Product: "A", Quantity: 1}}}); err != nil {
		t.Fatalf("RON cart on a ron list: %v", err)
	}
}

// TestResolveCartFourDecimals: a CLF cart (4 decimals in ISO 4217) rounds
// its line totals to 4 decimals, as oms does.
func TestResolveCartFourDecimals(t *testing.T) {
	t.Parallel()
	src := mustMemory(t, PriceList{ID: "std", Tier: TierStandard, Currency: "CLF", Entries: []Entry{entry("A", "0.12345")}})
	c, err := ResolveCart(context.Background(), src, Cart{Currency: "CLF", At: t0, Lines: []Line{{Product: "A", Quantity: 3}}})
	if err != nil {
		t.Fatal(err)
	}
	// 0.37035 → 0.3704 (half-up at 4 decimals), not 0.37.
	if want := dec("0.3704"); !c.Lines[0].Total.Equal(want) || !c.Subtotal.Equal(want) {
		t.Fatalf("total %s, subtotal %s, want %s", c.Lines[0].Total, c.Subtotal, want)
	}
}
