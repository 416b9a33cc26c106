// Package oms is the order core: orders, their 17 status codes, approvals,
// history, events for workflow automation, permissions, and the Store
// contract that every store implements.
//
// Start with NewService on a store (adapters/memstore for tests and
// examples, adapters/pgstore for production). Every change goes through the
// Service with the acting user (an Actor): Place, Confirm, Ship, Deliver,
// Hold/Resume, Cancel, RecordPayment, Approve/Reject, or Apply for a
// custom Change. Each change is one unit of work that writes the order,
// one history entry and its events together.
//
// A custom Change cannot get around the guards: its Permission only adds
// to what its event needs, its Edit may not touch the fields the core
// keeps (status, approval, held-from, shipment, currency, channel, …) and
// must leave a valid order (Order.Check; totals follow edited lines), and
// its Emit may not carry the core's own order.* events. A portal client
// may only submit or cancel their own order; returns are requested through
// the returns package.
//
// # Lifecycle
//
// The statuses and their stored codes (Status) never change. The moves
// between them are one declarative table (Table), compiled once through
// looplab/fsm at start-up: the fsm validates the table and computes every
// destination, so a transition at run time is an array lookup. Guards that
// depend on the order run in the service and refuse with a
// *TransitionError wrapping ErrInvalidTransition:
//
//   - confirm needs the approval to be given when a rule required one;
//   - ship needs a shipment reference (AWB) and Confirmed or Ready;
//   - deliver only from Shipping; cancel only before Shipping;
//   - an order in Stock Unavailable is moved on only by a person, never
//     by automation (Actor.Automated);
//   - a payment on a Cancelled, Failed, Return or Refund order is recorded
//     as a fact and never changes the status;
//   - On Hold and Return Pending remember the status they left
//     (Order.HeldFrom); resume and reject_return go back there.
//
// # Approval
//
// ApprovalRule per channel and order type with a threshold. An order that
// matched none has ApprovalRequired false and never shows as awaiting
// approval; Approval (0 pending, 1 approved, -1 rejected) is meaningful
// only when ApprovalRequired is set. The rules run when the order is placed
// and again whenever an edit changes its lines: an order that grows over a
// threshold waits for approval, and one approved for a smaller total waits
// again. Approve and Reject need PermApprove (System does not hold it:
// approving is a manager's decision) and apply only while the order can
// still be confirmed.
//
// # Edits and discounts
//
// The lines' commercial fields (products, quantities, prices, discounts,
// tax rates) change only before the order is confirmed or paid (Draft,
// Processing, Pending Payment, Stock Unavailable, or On Hold from one of
// them); later an edit is refused with ErrLinesFrozen, since an invoice or
// a payment rests on them. Facts (fulfilment, payments, addresses, notes)
// may change in any status. A line discount that the discount log
// (NewOrder.DiscountLog) does not account for is a discount given by hand:
// it needs PermDiscounts, or the library's automation (imports keep the
// shop's discounts); a portal client never gives one.
//
// # Channels
//
// A ChannelPolicy (the channels package's Registry) gives each channel's
// auto-confirm, auto documents, delivery fee, currency, accepted payment
// methods and client access; Place enforces all of them. Invoicing and
// delivery notes run once per order, on its first confirmation.
//
// # Money
//
// decimal.Decimal with the currency's minor units (MinorUnits). One
// rounding mode: half away from zero (decimal.Round), once per line for the
// line value and tax; totals are sums of rounded line amounts, so
// Total = Subtotal − Discount + Tax + DeliveryFee to the cent.
//
// # Events
//
// Events are written to an outbox in the same unit of work as the change
// and delivered after commit, at least once, by a Dispatcher
// (Service.Events): subscribe by EventType, then Drain or Run it.
// Auto-invoice and auto delivery note run from these events, never inside
// the status write.
//
// # Stores
//
// Store and Tx are the storage contract; oms/storetest is the conformance
// suite any implementation runs.
package oms
