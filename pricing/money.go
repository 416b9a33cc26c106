package pricing

import "strings"

// minorUnits lists the ISO 4217 currencies whose minor unit is not 2 decimals.
var minorUnits = map[string]int32{
	"BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
	"BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0,
	"KRW": 0, "PYG": 0, "RWF": 0, "UGX": 0, "VND": 0, "VUV": 0, "XAF": 0,
	"XOF": 0, "XPF": 0,
}

// MinorUnits returns the number of decimals of the currency's minor unit
// (2 for RON and EUR, 0 for JPY, 3 for KWD). Codes are compared upper-cased;
// an unknown code gets 2.
func MinorUnits(currency string) int32 {
	if n, ok := minorUnits[strings.ToUpper(currency)]; ok {
		return n
	}
	return 2
}
