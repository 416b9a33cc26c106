package currency

import "testing"

func TestTable(t *testing.T) {
	cases := map[string]int32{"EUR": 2, "RON": 2, "JPY": 0, "KRW": 0, "BHD": 3, "KWD": 3, "CLF": 4, "UYW": 4, "HUF": 2, "XPF": 0}
	for code, want := range cases {
		if !Known(code) {
			t.Errorf("Known(%s) = false", code)
		}
		if got := MinorUnits(code); got != want {
			t.Errorf("MinorUnits(%s) = %d, want %d", code, got, want)
		}
	}
	for _, code := range []string{"", "ABC", "eur", "EURO", "XXX", "XAU"} {
		if Known(code) {
			t.Errorf("Known(%q) = true", code)
		}
	}
	for code, n := range minor {
		if len(code) != 3 || n < 0 || n > 4 {
			t.Errorf("bad entry %q: %d", code, n)
		}
		for _, r := range code {
			if r < 'A' || r > 'Z' {
				t.Errorf("bad code %q", code)
			}
		}
	}
}

func TestProblem(t *testing.T) {
	for code, want := range map[string]string{" ron ": "", "JPY": "", "": "empty", "  ": "empty", "XYZ": `"XYZ" is not an ISO 4217 code`} {
		if got := Problem(code); got != want {
			t.Errorf("Problem(%q) = %q, want %q", code, got, want)
		}
	}
	if Norm(" eur\t") != "EUR" {
		t.Error("Norm does not trim and upper-case")
	}
}
