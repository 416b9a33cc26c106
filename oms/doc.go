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
// only when ApprovalRequired is set.
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
