package pricing

import (
	"github.com/azuvio/omnisales/internal/currency"
)

// MinorUnits returns the number of decimals of the currency's minor unit as
// the ISO 4217 table of the repository gives them, the one package oms
// rounds with (2 for RON and EUR, 0 for JPY, 3 for KWD, 4 for CLF). Codes are
// compared trimmed and upper-cased. A code outside ISO 4217 gets 2; price
// lists, requests and carts in such a code are refused ([KnownCurrency]).
func MinorUnits(code string) int32 { return currency.MinorUnits(normCurrency(code)) }

// KnownCurrency reports whether code (trimmed, any letter case) is an
// active ISO 4217 code.
func KnownCurrency(code string) bool { return currency.Known(normCurrency(code)) }

func normCurrency(code string) string { return currency.Norm(code) }

// checkCurrency returns why code cannot be a currency, or "".
func checkCurrency(code string) string { return currency.Problem(code) }
