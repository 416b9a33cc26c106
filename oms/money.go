package oms

import "github.com/shopspring/decimal"

// MinorUnits returns the number of decimal places of an ISO 4217 currency:
// 0 for JPY, KRW and similar, 3 for BHD, KWD, OMR, JOD, TND, 2 otherwise.
func MinorUnits(currency string) int32 {
	switch currency {
	case "JPY", "KRW", "CLP", "ISK", "VND", "XAF", "XOF":
		return 0
	case "BHD", "KWD", "OMR", "JOD", "TND", "IQD", "LYD":
		return 3
	}
	return 2
}

// RoundMoney rounds an amount to the currency's minor unit, half away from
// zero (decimal.Round). This is the one rounding mode of the package: it is
// applied once per line and once per order-level amount, never in between.
func RoundMoney(d decimal.Decimal, currency string) decimal.Decimal {
	return d.Round(MinorUnits(currency))
}
