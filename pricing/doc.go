// Package pricing resolves the unit price of a product for a B2B client from
// four tiers, and prices whole carts.
//
// Start with [Resolve] for one product or [ResolveCart] for a cart; both read
// price lists through the small [Source] interface, and [Memory] is the
// in-memory implementation.
//
// # The four tiers
//
// The unit price comes from the first tier that has a usable entry:
//
//  1. [TierClient]: a price list that belongs to the client;
//  2. [TierGroup]: a price list of one of the client's groups;
//  3. [TierChannel]: the price list of the sales channel;
//  4. [TierStandard]: the standard catalogue price.
//
// An entry is usable when its list is in the requested currency, the time is
// inside its validity window (both ends inclusive; a zero end is open) and the
// quantity reaches its minimum quantity (quantity breaks). Inside the winning
// tier the lowest usable price wins. In particular a client who belongs to
// several groups gets the best (lowest) of all its group prices, never the
// price of whichever group happens to come first. Ties go to the entry with the
// larger minimum quantity, then to the lower list id.
//
// Every [Price] carries a trace: the tier and entry that won and every other
// candidate with the reason it was passed over ([Reason]). A product without a
// usable entry in any tier is a [*NoPriceError] (errors.Is [ErrNoPrice]).
//
// # Money
//
// Prices are [decimal.Decimal] values in the currency of their list; a list
// never mixes currencies because the currency belongs to the list, not to the
// entry. Unit prices are returned as written in the list. A cart line total is
// unit price × quantity rounded once, half away from zero (half-up for the
// non-negative amounts used here), to the currency's minor unit
// ([MinorUnits]), from the repository's ISO 4217 table, the one package oms
// rounds orders with. A currency code outside ISO 4217 is refused: a
// [*ListError] for a price list, a [*RequestError] for a request or cart.
//
// The package is pure: it does no I/O of its own and knows nothing of orders.
package pricing
