package returns

import (
	"strings"

	"github.com/azuvio/omnisales/oms"
)

// Event types this package writes to the order's outbox, next to the
// core's order.status_changed. Subscribe to them on the oms.Service's
// dispatcher. The event's Reason starts with "return <id>"; EventReturnID
// extracts the id.
const (
	// EventReturnRequested: a client or an operator asked for a return.
	EventReturnRequested oms.EventType = "return.requested"
	// EventReturnApproved: a return was approved, the goods restocked.
	// The guide sends the confirmation email and opens a "Process refund"
	// task on it.
	EventReturnApproved oms.EventType = "return.approved"
	// EventReturnRejected: a return was rejected; Reason carries why.
	EventReturnRejected oms.EventType = "return.rejected"
	// EventReturnRefunded: money was refunded on the order.
	EventReturnRefunded oms.EventType = "return.refunded"
)

// reasonFor builds the event reason: "return <id>" or "return <id>: text".
func reasonFor(id, text string) string {
	if id == "" {
		id = "-"
	}
	if text == "" {
		return "return " + id
	}
	return "return " + id + ": " + text
}

// EventReturnID returns the return id an event of this package carries in
// its Reason, and false for events without one (a refund not tied to a
// return has none).
func EventReturnID(e oms.Event) (string, bool) {
	rest, ok := strings.CutPrefix(e.Reason, "return ")
	if !ok {
		return "", false
	}
	id, _, _ := strings.Cut(rest, ":")
	if id == "" || id == "-" {
		return "", false
	}
	return id, true
}
