package oms

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/looplab/fsm"
)

// EventName names a lifecycle event: what an operator, a client, a courier
// or a sync does to an order.
type EventName string

// Lifecycle events.
const (
	EvSubmit               EventName = "submit"                 // Draft → Processing
	EvVerify               EventName = "verify"                 // Stock Unavailable → Processing, by an operator
	EvRequestPayment       EventName = "request_payment"        // → Pending Payment
	EvRecordPayment        EventName = "record_payment"         // → Paid (when paid in full)
	EvConfirm              EventName = "confirm"                // → Confirmed
	EvMarkReady            EventName = "mark_ready"             // Confirmed → Ready
	EvShip                 EventName = "ship"                   // Confirmed/Ready → Shipping
	EvDeliver              EventName = "deliver"                // Shipping → Delivered
	EvHold                 EventName = "hold"                   // → On Hold, remembering the status left
	EvResume               EventName = "resume"                 // On Hold → the status it left
	EvCancel               EventName = "cancel"                 // → Cancelled, only before Shipping
	EvFail                 EventName = "fail"                   // → Failed
	EvMarkStockUnavailable EventName = "mark_stock_unavailable" // → Stock Unavailable
	EvRequestReturn        EventName = "request_return"         // Delivered/Partial Return → Return Pending
	EvApproveReturn        EventName = "approve_return"         // Return Pending → Return (full)
	EvApprovePartialReturn EventName = "approve_partial_return" // Return Pending → Partial Return
	EvRejectReturn         EventName = "reject_return"          // Return Pending → the status it left
	EvRefund               EventName = "refund"                 // → Refund (everything paid is refunded, or every delivered unit is back)
	EvPartialRefund        EventName = "partial_refund"         // → Partial Refund
)

// Transition is one row of the lifecycle table: Event moves an order from
// any of From to To. A row with Back set returns to the status remembered
// when the order entered From (On Hold, Return Pending); To is then unused.
type Transition struct {
	Event EventName
	From  []Status
	To    Status
	Back  bool
}

// preShipping are the statuses an order may be cancelled or held from.
var preShipping = []Status{Draft, Processing, PendingPayment, Paid, Confirmed, Ready, StockUnavailable}

// table is the lifecycle, declared once. Guards that depend on the order
// (approval, AWB, payment) live in the service; the table says only which
// moves exist.
var table = []Transition{
	{Event: EvSubmit, From: []Status{Draft}, To: Processing},
	{Event: EvVerify, From: []Status{StockUnavailable}, To: Processing},
	{Event: EvRequestPayment, From: []Status{Draft, Processing}, To: PendingPayment},
	{Event: EvRecordPayment, From: []Status{Draft, Processing, PendingPayment}, To: Paid},
	{Event: EvConfirm, From: []Status{Draft, Processing, Paid, StockUnavailable}, To: Confirmed},
	{Event: EvMarkReady, From: []Status{Confirmed}, To: Ready},
	{Event: EvShip, From: []Status{Confirmed, Ready}, To: Shipping},
	{Event: EvDeliver, From: []Status{Shipping}, To: Delivered},
	{Event: EvHold, From: preShipping, To: OnHold},
	{Event: EvResume, From: []Status{OnHold}, Back: true},
	{Event: EvCancel, From: append(slices.Clone(preShipping), OnHold), To: Cancelled},
	{Event: EvFail, From: []Status{Draft, Processing, PendingPayment}, To: Failed},
	{Event: EvMarkStockUnavailable, From: []Status{Draft, Processing, Paid, Confirmed}, To: StockUnavailable},
	{Event: EvRequestReturn, From: []Status{Delivered, PartialReturn, PartialRefund}, To: ReturnPending},
	{Event: EvApproveReturn, From: []Status{ReturnPending}, To: Return},
	{Event: EvApprovePartialReturn, From: []Status{ReturnPending}, To: PartialReturn},
	{Event: EvRejectReturn, From: []Status{ReturnPending}, Back: true},
	{Event: EvRefund, From: []Status{Delivered, Return, PartialReturn, PartialRefund}, To: Refund},
	{Event: EvPartialRefund, From: []Status{Delivered, Return, PartialReturn, PartialRefund}, To: PartialRefund},
}

// Table returns a copy of the lifecycle table, for a UI that shows what an
// order may do next or for documentation.
func Table() []Transition {
	out := make([]Transition, len(table))
	for i, t := range table {
		t.From = slices.Clone(t.From)
		out[i] = t
	}
	return out
}

// Events returns every event name in table order.
func Events() []EventName {
	out := make([]EventName, len(table))
	for i, t := range table {
		out[i] = t.Event
	}
	return out
}

// noDest marks "no such move" in the compiled table.
const noDest Status = -1

// backDest marks a move that returns to a remembered status.
const backDest Status = -2

// machine is the lifecycle compiled once from table through looplab/fsm:
// the fsm validates the table and computes every destination at start-up,
// so a transition at run time is an array lookup instead of an FSM built per
// call (NewFSM costs microseconds and kilobytes; see go-style.md).
type machine struct {
	events map[EventName]int
	next   [][NumStatuses]Status // [event index][from] → to, noDest or backDest
}

var lifecycle = mustCompile(table)

func mustCompile(t []Transition) *machine {
	m, err := compile(t)
	if err != nil {
		// The table is a package constant: an error here is a programming
		// error caught by the first test run, never a user's input.
		panic("oms: invalid lifecycle table: " + err.Error())
	}
	return m
}

// backState is the fsm's stand-in destination for Back rows.
const backState = "(back)"

func fsmEvents(t []Transition) fsm.Events {
	evs := make(fsm.Events, 0, len(t))
	for _, tr := range t {
		src := make([]string, len(tr.From))
		for i, s := range tr.From {
			src[i] = s.String()
		}
		dst := tr.To.String()
		if tr.Back {
			dst = backState
		}
		evs = append(evs, fsm.EventDesc{Name: string(tr.Event), Src: src, Dst: dst})
	}
	return evs
}

// compile checks the table (known states, unique events, every status
// reachable from Draft) and derives the lookup array by firing each event
// from each status on one FSM.
func compile(t []Transition) (*machine, error) {
	m := &machine{events: make(map[EventName]int, len(t)), next: make([][NumStatuses]Status, len(t))}
	for i, tr := range t {
		if _, dup := m.events[tr.Event]; dup {
			return nil, fmt.Errorf("event %q declared twice", tr.Event)
		}
		m.events[tr.Event] = i
		if len(tr.From) == 0 {
			return nil, fmt.Errorf("event %q has no source", tr.Event)
		}
		for _, s := range append(slices.Clone(tr.From), tr.To) {
			if !s.Valid() {
				return nil, fmt.Errorf("event %q names unknown status %d", tr.Event, s)
			}
		}
		for s := range m.next[i] {
			m.next[i][s] = noDest
		}
	}
	f := fsm.NewFSM(Draft.String(), fsmEvents(t), nil)
	ctx := context.Background()
	for _, from := range Statuses() {
		for i, tr := range t {
			f.SetState(from.String())
			err := f.Event(ctx, string(tr.Event))
			var inv fsm.InvalidEventError
			switch {
			case errors.As(err, &inv):
				continue
			case err != nil && !errors.As(err, &fsm.NoTransitionError{}):
				return nil, fmt.Errorf("fsm: %s from %s: %w", tr.Event, from, err)
			}
			got := f.Current()
			if got == backState {
				m.next[i][from] = backDest
				continue
			}
			to, perr := ParseStatus(got)
			if perr != nil {
				return nil, fmt.Errorf("fsm: %s from %s reached %q", tr.Event, from, got)
			}
			m.next[i][from] = to
		}
	}
	// Every status must be reachable from Draft; Back rows reach what their
	// source was entered from, which is already counted.
	seen := map[Status]bool{Draft: true}
	queue := []Status{Draft}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		for i := range t {
			to := m.next[i][s]
			if to >= 0 && !seen[to] {
				seen[to] = true
				queue = append(queue, to)
			}
		}
	}
	for _, s := range Statuses() {
		if !seen[s] {
			return nil, fmt.Errorf("status %s is unreachable from Draft", s)
		}
	}
	return m, nil
}

// step returns the destination of ev from from. back is the remembered
// status for Back rows. ok is false when the table has no such move.
func (m *machine) step(from Status, ev EventName, back Status) (Status, bool) {
	i, known := m.events[ev]
	if !known || !from.Valid() {
		return 0, false
	}
	to := m.next[i][from]
	switch to {
	case noDest:
		return 0, false
	case backDest:
		return back, back.Valid()
	}
	return to, true
}

// Next returns the status that ev leads to from from, per the table alone
// (no guards). For resume and reject_return, which return to a remembered
// status, it reports that status as from's remembered value is unknown here:
// use Order.Available for a real order.
func Next(from Status, ev EventName) (Status, bool) {
	return lifecycle.step(from, ev, from)
}

// AvailableEvents returns, sorted, the events the table allows from s;
// none for a code outside the 17.
func AvailableEvents(s Status) []EventName {
	if !s.Valid() {
		return nil
	}
	var out []EventName
	for i, tr := range table {
		if lifecycle.next[i][s] != noDest {
			out = append(out, tr.Event)
		}
	}
	slices.Sort(out)
	return out
}

// knownEvent reports whether ev is in the table.
func knownEvent(ev EventName) bool {
	_, ok := lifecycle.events[ev]
	return ok
}
