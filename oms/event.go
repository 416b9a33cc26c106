package oms

import "time"

// EventType classifies what an event tells subscribers.
type EventType string

// Event types written to the outbox. Every committed change writes
// EventStatusChanged when the status moved, plus the specific types below.
const (
	EventPlaced            EventType = "order.placed"
	EventStatusChanged     EventType = "order.status_changed"
	EventApprovalRequested EventType = "order.approval_requested"
	EventApproved          EventType = "order.approved"
	EventRejected          EventType = "order.rejected"
	EventPaymentRecorded   EventType = "order.payment_recorded"
	EventShipmentRecorded  EventType = "order.shipment_recorded"
	// EventDeliveryNoteCreated: an operator had the delivery note made
	// (Service.CreateDeliveryNote); automatic ones follow confirmation.
	EventDeliveryNoteCreated EventType = "order.delivery_note_created"
	EventUpdated             EventType = "order.updated"
)

// Event is one outbox record: written in the same unit of work as the
// change it reports and dispatched after commit, at least once.
type Event struct {
	// ID is assigned by the store when the event is appended.
	ID      int64     `json:"id"`
	Type    EventType `json:"type"`
	OrderID string    `json:"order_id"`
	// Event is the lifecycle event that caused it, if any.
	Event  EventName `json:"event,omitempty"`
	From   Status    `json:"from"`
	To     Status    `json:"to"`
	Actor  string    `json:"actor"`
	Reason string    `json:"reason,omitempty"`
	At     time.Time `json:"at"`
	// Channel lets subscribers route without reading the order.
	Channel ChannelRef `json:"channel"`
	// Attempts counts how many times the event was claimed.
	Attempts int `json:"attempts"`
}

// HistoryEntry is one line of an order's history: who changed what, when
// and why. Replaying the entries of an order yields its status.
type HistoryEntry struct {
	OrderID string    `json:"order_id"`
	At      time.Time `json:"at"`
	Actor   string    `json:"actor"`
	From    Status    `json:"from"`
	To      Status    `json:"to"`
	// Event is the lifecycle event; "place" for creation and "" for a
	// change of facts that kept the status.
	Event  EventName `json:"event"`
	Reason string    `json:"reason,omitempty"`
}

// EvPlace is the history event of an order's creation.
const EvPlace EventName = "place"

// Replay recomputes the status from history, checking every step against the
// lifecycle table. It returns an error wrapping ErrInvalidTransition at the
// first step the table does not allow.
func Replay(h []HistoryEntry) (Status, error) {
	if len(h) == 0 {
		return 0, &TransitionError{Guard: "history", Detail: "empty history"}
	}
	var cur Status
	var held []Status // statuses remembered by Back rows
	for i, e := range h {
		if i == 0 {
			if e.Event != EvPlace {
				return 0, &TransitionError{OrderID: e.OrderID, Event: e.Event, Guard: "history", Detail: "first entry is not place"}
			}
			cur = e.To
			continue
		}
		if e.From != cur {
			return 0, &TransitionError{OrderID: e.OrderID, From: cur, Event: e.Event, Guard: "history",
				Detail: "entry starts from " + e.From.String()}
		}
		if e.Event == "" {
			if e.To != cur {
				return 0, &TransitionError{OrderID: e.OrderID, From: cur, Guard: "history", Detail: "fact change moved the status"}
			}
			continue
		}
		back := Status(-1)
		if len(held) > 0 {
			back = held[len(held)-1]
		}
		to, ok := lifecycle.step(cur, e.Event, back)
		if !ok || to != e.To {
			return 0, &TransitionError{OrderID: e.OrderID, From: cur, Event: e.Event, Guard: "history",
				Detail: "table leads to " + to.String() + ", history says " + e.To.String()}
		}
		if e.Event == EvResume || e.Event == EvRejectReturn {
			held = held[:len(held)-1]
		}
		if e.To == OnHold || e.To == ReturnPending {
			held = append(held, cur)
		}
		cur = to
	}
	return cur, nil
}
