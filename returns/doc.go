// Package returns handles return requests, their approval, the goods'
// way back into stock, refunds and loyalty reversals, on top of the order
// core (package oms).
//
// Start with [NewService]: it takes the *oms.Service that changes orders,
// a [Store] (adapters/memstore implements it on the same store as the
// orders; returns/returnstest checks any implementation) and a [Config],
// the shop's return policy. Then:
//
//   - [Service.Create] records a request from a portal client (on their own
//     order) or an operator, and moves the order to Return Pending (11);
//     [Service.Quote] checks and prices the same request without writing.
//   - [Service.Approve] moves the order to Return (7) or Partial Return
//     (12), writes a receipt note and restocks, reverses loyalty points,
//     and refunds, moving the order to Refund (6) once it is settled or
//     to Partial Refund (13);
//     [Service.Reject] sends the order back to the status it had.
//   - [Service.Refund] refunds later or in parts; [Service.Reconcile] is
//     the weekly check of approved returns against re-entered stock.
//
// Approval refunds at once by default, so the order passes through Return
// or Partial Return to Refund or Partial Refund in one unit of work (both
// steps are in its history); with [ApproveOptions].DeferRefund it stays in
// Return or Partial Return until [Service.Refund].
//
// Every change of a request commits in one unit of work with the order
// change, its history and its events ([EventReturnRequested] and the
// others), so a refused or failed call writes nothing.
//
// Concurrent calls on one order are settled by the store's optimistic
// versions: of two units that read the same order, the second to write it
// fails with oms.ErrConflict. Every call that writes also checks that the
// order the core changes is still at the version the call read and
// checked (a store such as PostgreSQL under read committed lets a later
// read in the unit see another unit's commit), and a decision reads the
// return again after its order; a mismatch is oms.ErrConflict too. The
// service then runs the whole unit again, reading afresh ([Attempts] units
// in all), so the loser of a race sees the winner's result (a pending
// request, an approved or rejected return, a larger refunded amount) and
// is refused or becomes a no-op accordingly. When every attempt lost, the
// call returns an error wrapping oms.ErrConflict and has written nothing;
// calling again is safe. adapters/pgstore runs these races on a real
// database.
//
// # Rules
//
// A request is accepted only for an order in Delivered, Partial Return or
// Partial Refund with delivered units (the core's request_return moves),
// and only while no other request of the order is pending
// ([ErrReturnPending]): the core remembers one status to go back to on
// rejection, so requests are decided one at a time. An order in Refund
// (settled, see below) or Return takes no further request. With
// a window in force, an order without a delivery time (DeliveredAt) is
// refused too, since the window cannot be checked.
//
// The window ([Config].ReturnWithinDays, 30 by default) counts calendar
// days in the shop's time zone ([Config].Location) from the order's
// DeliveredAt to the request: the delivery day is day 0, and day 30 of a
// 30-day window is still inside. A later request is a [*WindowError]
// saying by how many days it is late.
//
// A line never gets back more than was delivered on it: the units
// approved (the line's Returned fact) plus those pending plus those
// requested stay within Delivered. Two racing requests cannot both pass:
// each one updates the order in its unit of work, and the store lets only
// one of them commit.
//
// # Money
//
// What the client paid for returned units is their share of the line, in
// three parts: the gross (quantity × unit price, rounded), the line's
// discount (oms.Line.Discount, which already holds the line's cent-exact
// share of any order-level discount, allocated by value) and the line's
// tax. Each part is shared out by [Prorate]: the first k of n units carry
// part × k / n rounded half away from zero, and a return gets the
// difference of two such cumulative shares, so any sequence of returns of
// a whole line adds up to the line's net and tax to the cent. Tax is
// therefore refunded as charged, not recomputed on the returned net.
//
// The restocking fee ([Fee]: a percentage of the returned value or a fixed
// amount) is charged on the value paid for the returned items, tax
// included. A percentage is 0–10 ([MaxFeePercent], the guide's
// omni_fee_for_return_order of 0–10% of value) and a fixed amount is not
// negative; [NewService] refuses any other [Config].Fee or VendorFees entry
// with a [*ValidationError]. Items of a vendor listed in [Config].VendorFees pay that
// vendor's fee on their value; all other items together pay the general
// [Config].Fee once. A fee never exceeds the value it is charged on, so
// refund + fee = value and the refund is never negative. The refund due is
// value − fee, plus the order's delivery fee when
// [Config].RefundDeliveryFeeOnFullReturn is set and the return brings back
// the last delivered unit (the restocking fee does not apply to it).
//
// Refunds go to the order's payment method. The sum of an order's refunds
// never exceeds oms.Order.Paid, nor a return's refunds its RefundDue
// ([*OverRefundError], nothing written).
//
// # Refund or Partial Refund
//
// A refund moves the order to Refund (6) when the order is settled after
// it, and to Partial Refund (13) otherwise. An order is settled when
// either
//
//   - everything paid has been refunded (refunds = oms.Order.Paid), or
//   - every delivered unit is back under approved returns (each line's
//     Returned equals its Delivered), every approved return of the order
//     has been refunded its RefundDue in full, and what the shop still
//     holds (Paid − refunds) is no more than what it may keep: the
//     restocking fees of those returns plus the delivery fee when no
//     return refunded it.
//
// So a fully returned order ends in Refund even though a restocking fee or
// the non-refundable delivery fee was kept, which is what an operator
// expects of a finished return; it stays in Partial Refund while any
// return's refund is still outstanding (DeferRefund, refunds in parts),
// while some delivered unit is not back, or while the shop holds more than
// it may keep (an overpayment, or units paid for but never delivered), so
// that money can still be refunded. Refund is final: no further refund or
// request is accepted. A return whose RefundDue is zero refunds nothing and
// leaves the order in Return (7).
//
// Loyalty points ([Config].RefundLoyaltyPoints) are reversed on approval
// only, by value: once the lines have r units back, earned × value of
// those units / value of the order's goods (rounded half away from zero)
// is taken back in all, less what earlier returns took.
package returns
