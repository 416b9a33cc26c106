package oms

import (
	"github.com/shopspring/decimal"

	"github.com/azuvio/omnisales/internal/currency"
)

// MinorUnits returns the number of decimal places of an ISO 4217 currency
// as the ISO list gives them (0 for JPY, KRW, XOF…, 3 for BHD, KWD, TND…,
// 4 for CLF and UYW, 2 for most). Orders accept only codes in that list
// (KnownCurrency); for any other string it returns 2.
func MinorUnits(code string) int32 { return currency.MinorUnits(code) }

// KnownCurrency reports whether code is an active ISO 4217 code; an order
// in any other currency is refused.
func KnownCurrency(code string) bool { return currency.Known(code) }

// RoundMoney rounds an amount to the currency's minor unit, half away from
// zero (decimal.Round). This is the one rounding mode of the package: it is
// applied once per line and once per order-level amount, never in between.
func RoundMoney(d decimal.Decimal, currency string) decimal.Decimal {
	return d.Round(MinorUnits(currency))
}
