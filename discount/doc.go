// Package discount applies trade discounts and vouchers to a priced cart and
// writes the applied-discount log.
//
// Start with [NewEngine], which validates and indexes a set of [Rule] values,
// then call [Engine.Apply] with a [Cart] whose lines carry their tier prices
// (from package pricing). The [Result] has the discounted lines, the cart
// totals, the log rows and, when a voucher applied, a [Redemption] that the
// caller commits with [Ledger.Redeem] before it places the order (see
// "Checkout with a voucher" below for the order of the steps).
//
// The package is pure: no I/O, no knowledge of orders.
//
// # Matching
//
// A rule applies to a cart line only when every dimension matches:
//
//   - Client: the rule lists no clients and no client groups, or it lists the
//     cart's client, or it lists one of the cart's client groups.
//   - Product: the rule lists no products and no product groups (an
//     order-level rule, which matches every line), or it lists the line's
//     product, or one of the line's product groups.
//   - Channel: the rule's channel is 0 (all channels) or the cart's channel.
//   - Store: the rule's store is empty (all stores) or the cart's store.
//   - Currency: the rule has no currency (a percentage without minimum) or
//     the cart's currency (compared case-insensitively).
//   - Time: the cart's day, read in the shop's time zone
//     ([Config.Location], UTC by default), is within [Start, End], both days
//     inclusive; a zero Start or End leaves that side open.
//   - Minimum order value: the cart subtotal after tier pricing and before any
//     discount (the sum of the rounded line totals) is at least the rule's
//     MinOrderValue.
//   - Voucher: a rule without a code is automatic; a rule with a code applies
//     only when the cart carries that code, compared trimmed and
//     case-insensitively.
//
// # Amounts and rounding
//
// A line's total is its unit price × quantity rounded half-up (half away
// from zero) to the currency's minor unit ([MinorUnits]: the repository's
// ISO 4217 table, the one package oms rounds orders with; a rule or cart in
// a code outside ISO 4217 is refused with a [*RuleError] or [*CartError]).
// Each rule's saving on a line is computed from the unit price at full
// precision and rounded the same way, once per rule and line:
//
//   - Percent: unit price × value / 100 per unit, × quantity, then rounded
//     (0.333 × 3 at 12.5 % saves 0.124875 → 0.12, not 12.5 % of the
//     rounded line total 1.00).
//   - Fixed on a product-scoped rule: value per unit, capped at the unit
//     price, × quantity, then rounded.
//   - Fixed on an order-level rule: taken once per cart, spread over the
//     matching lines in proportion to their totals with [Allocate] (largest
//     remainder), so the parts add up exactly to the amount; never more than
//     the lines' totals.
//
// A rule applied after another on the same line (a voucher after a trade
// discount, or [StackAll]) works on the exact unit price the earlier rules
// left: a percentage is taken from it, a per-unit amount is capped at it,
// and the line's share of an order-level amount comes off it. No saving
// exceeds the total left on the line, and a rule that leaves nothing of the
// exact price (100 %, or a per-unit amount at least the unit price left)
// takes the whole total left, so such a line is exactly zero; no line and
// no total is ever below zero.
//
// The minimum order value is compared with the cart subtotal: the sum of
// the line totals, each rounded as above, after tier pricing and before any
// discount (the subtotal the client sees).
//
// # Stacking
//
// The default policy, [BestPerLine], gives each line the single automatic
// rule that saves the most on it; ties go to the later Start (an open Start
// counts as the earliest), then to the lower id. For an order-level fixed rule the saving compared is the line's
// share of the amount spread over all the lines it matches; a line that takes
// another rule gives up its share, which is not moved to other lines. Then
// at most one voucher (the cart carries one code) applies on the prices after
// the automatic discounts. [StackAll], an opt-in, applies every matching
// automatic rule in turn on the running price (later Start first, then lower
// id) before the voucher. Under both policies the result does not depend on
// the order in which rules were given.
//
// # Vouchers and usage limits
//
// A code that cannot apply is reported in [Result.VoucherRefused] as a
// [*VoucherError] with a [Refusal] reason (unknown code, not yet valid,
// expired, other channel, other store, other currency, client not eligible,
// no eligible product, below minimum with the missing amount, usage
// exhausted, nothing to discount); the cart is then discounted without it.
// Nothing to discount means the voucher would save nothing on the cart
// (every line it covers is already free, or it is worth nothing): it is
// refused rather than applied for nothing, so it logs no rows, returns no
// [Redemption] and does not use up a limited voucher, and the portal can
// tell the client why.
//
// A voucher may have a total and a per-client limit. [Engine.Apply] checks
// them against [Config.Usage] if set, but it only reads the counts, without
// a lock: two carts can both be accepted for the last use. Only
// [Ledger.Redeem] counts a use, atomically, so of those two carts only one
// redeems. [Ledger] is in memory; adapters/pgstore has one on PostgreSQL
// for several processes, and package discounttest holds the suite every
// ledger passes.
//
// # Checkout with a voucher
//
// So that no order ever carries a discount whose voucher use was not
// counted, redeem before the order is placed, and give the use back when
// placing fails:
//
//  1. res := engine.Apply(ctx, cart).
//  2. If res.Redemption is set, give it the checkout's reference: the order
//     id with [Result.SetOrder] when the caller chooses it, or else a
//     reference unique to this checkout (the order number it will be
//     placed with, a cart id) in res.Redemption.Order. With oms, whose
//     Place assigns the id, use the latter and leave the log rows' Order
//     empty: Place names them. The reference makes Redeem idempotent and
//     Release exact.
//  3. ledger.Redeem(ctx, *res.Redemption). When it is refused with
//     RefusedUsageExhausted (another cart took the last use since step 1),
//     do not place this result: Apply the cart again (with [Config.Usage]
//     set, it now comes back discounted without the voucher and says why
//     in VoucherRefused) and show that to the client. On any other error
//     do not place either; Redeem may be retried with the same reference.
//  4. Place the order with res.Lines and res.Log. If placing fails,
//     ledger.Release(ctx, *res.Redemption) gives the use back.
//  5. When an order is cancelled, Release its redemption.
//
// A process that stops between steps 3 and 4 leaves a use counted under a
// reference that names no order; reconcile such uses with Release by that
// reference. The ledger enforces the limits the Redemption carries, which
// Apply copied from the rule: pass the Redemption as Apply returned it,
// changing only Order.
//
// # The applied-discount log
//
// [Result.Log] holds one [LogRow] per rule that saved something on a line.
// Pass it as oms.NewOrder.DiscountLog: oms.Service.Place writes it with the
// order, in one unit of work, so the stored log is exactly what orders got.
// [Summarize] turns the rows of a period into the campaign report (lines,
// orders, clients, units, revenue and savings per rule and currency).
//
// # Engines
//
// [Engine] indexes rules by product, product group, client, client group and
// voucher code, and keeps order-level rules for everyone in a bucket of their
// own, so Apply looks only at rules that could touch the cart. The tests keep
// an independent linear reference, written from this doc with its own
// matching, amounts, rounding and allocation (exact fractions), that checks
// every rule against every line, and assert on random rule sets and carts
// that both give the same lines, log rows, totals and refusals.
package discount
