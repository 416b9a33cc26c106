package memstore

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/shopspring/decimal"

	"github.com/azuvio/omnisales/oms"
)

// record is a stored order with its history. The store keeps every order
// for the life of the process, so a record's size is what the heap grows
// by per order: the order is kept as stored (488 bytes, not oms.Order's
// 872) and the first history rows live in the record itself, so a typical
// order is one 768-byte object.
type record struct {
	o     stored
	hist  []histRow
	first [4]histRow
}

// stored holds the fields of oms.Order. The fields most orders leave empty
// (addresses, notes, a rejection reason, a tracking URL) hang off one pointer that the
// versions of an order share while they do not change, and the status
// codes are bytes. toOrder and set convert; TestStoredRoundTrip fills
// every field of oms.Order so that a field added there and not here fails.
type stored struct {
	id, number             string
	channel                oms.ChannelRef
	store, externalID, typ string
	client                 oms.Client
	lines                  []oms.Line
	currency               string
	totals                 oms.Totals
	paymentMethod, seller  string
	rare                   *rare
	approvalRule           string
	courier, awb           string
	paid, refunded         decimal.Decimal
	createdAt, updatedAt   time.Time
	deliveredAt            time.Time
	version                int64
	status, heldFrom       int8
	approval               int8
	approvalRequired       bool
}

// rare is the part of an order that most orders leave empty.
type rare struct {
	billing, shippingTo           oms.Address
	notes, rejectReason, trackURL string
}

// histRow is a history entry (64 bytes) without the order id (its
// record's); event is a code of the store's names.
type histRow struct {
	at            time.Time
	actor, reason string
	event         uint32
	from, to      int8
}

// toOrder returns the order. Its slices are the stored ones: callers that
// hand it out clone them (see Clone).
func (s *stored) toOrder() oms.Order {
	o := oms.Order{
		ID: s.id, Number: s.number, Channel: s.channel, Store: s.store, ExternalID: s.externalID, Type: s.typ,
		Client: s.client, Lines: s.lines, Currency: s.currency, Totals: s.totals, PaymentMethod: s.paymentMethod,
		Seller: s.seller, Status: oms.Status(s.status), HeldFrom: oms.Status(s.heldFrom),
		ApprovalRequired: s.approvalRequired, Approval: oms.Approval(s.approval), ApprovalRule: s.approvalRule,
		Shipment: oms.Shipment{Courier: s.courier, AWB: s.awb}, Paid: s.paid, Refunded: s.refunded,
		CreatedAt: s.createdAt, UpdatedAt: s.updatedAt, DeliveredAt: s.deliveredAt, Version: s.version,
	}
	if r := s.rare; r != nil {
		o.Billing, o.ShippingTo, o.Notes, o.RejectReason, o.Shipment.URL = r.billing, r.shippingTo, r.notes, r.rejectReason, r.trackURL
	}
	return o
}

// checkCodes refuses status and approval codes outside the stored contract
// (the PostgreSQL store's CHECK constraints refuse the same).
func checkCodes(o *oms.Order) error {
	switch {
	case !o.Status.Valid():
		return &oms.ValidationError{Field: "status", Reason: fmt.Sprintf("unknown status code %d", int(o.Status))}
	case !o.HeldFrom.Valid():
		return &oms.ValidationError{Field: "held_from", Reason: fmt.Sprintf("unknown status code %d", int(o.HeldFrom))}
	case o.Approval < oms.ApprovalRejected || o.Approval > oms.ApprovalApproved:
		return &oms.ValidationError{Field: "approval", Reason: fmt.Sprintf("unknown approval code %d", int(o.Approval))}
	}
	return nil
}

// set stores o (its codes checked by checkCodes). Slices and the rare part
// equal to the stored ones are kept, so a status change shares them with
// the previous version; others are copied, since the caller keeps o's.
// Client groups equal to *groups (the last list stored) share it: most
// orders of a shop carry one of a few lists. Stored slices are never
// written in place, so sharing is safe.
func (s *stored) set(o *oms.Order, groups *[]string) {
	lines, had, old := s.lines, s.client.Groups, s.rare
	*s = stored{
		id: o.ID, number: o.Number, channel: o.Channel, store: o.Store, externalID: o.ExternalID, typ: o.Type,
		client: o.Client, currency: o.Currency, totals: o.Totals, paymentMethod: o.PaymentMethod,
		seller: o.Seller, approvalRule: o.ApprovalRule, courier: o.Shipment.Courier, awb: o.Shipment.AWB, paid: o.Paid, refunded: o.Refunded,
		createdAt: o.CreatedAt, updatedAt: o.UpdatedAt, deliveredAt: o.DeliveredAt, version: o.Version,
		status: int8(o.Status), heldFrom: int8(o.HeldFrom), approval: int8(o.Approval), approvalRequired: o.ApprovalRequired,
	}
	if lines != nil && slices.Equal(lines, o.Lines) {
		s.lines = lines
	} else {
		s.lines = slices.Clone(o.Lines)
	}
	switch g := o.Client.Groups; {
	case len(g) == 0:
		s.client.Groups = g[:0:0] // nil stays nil, empty stays empty
	case slices.Equal(had, g):
		s.client.Groups = had
	case slices.Equal(*groups, g):
		s.client.Groups = *groups
	default:
		s.client.Groups = slices.Clone(g)
		*groups = s.client.Groups
	}
	switch {
	case o.Billing == oms.Address{} && o.ShippingTo == oms.Address{} && o.Notes == "" && o.RejectReason == "" && o.Shipment.URL == "":
	case old != nil && old.billing == o.Billing && old.shippingTo == o.ShippingTo && old.notes == o.Notes &&
		old.rejectReason == o.RejectReason && old.trackURL == o.Shipment.URL:
		s.rare = old
	default:
		s.rare = &rare{billing: o.Billing, shippingTo: o.ShippingTo, notes: o.Notes, rejectReason: o.RejectReason, trackURL: o.Shipment.URL}
	}
}

// names interns the few short strings that every event and history entry
// repeats (event types, lifecycle event names, channel types): a row keeps
// a 4-byte code instead of a 16-byte string header that the GC visits on
// every cycle for as long as the store lives. Codes are never reused;
// names written by a unit that rolls back stay, which costs nothing.
type names struct {
	list []string
	code map[string]uint32
}

// of returns the code of name, adding it on first use (under the write lock).
func (n *names) of(name string) uint32 {
	// The first names are the ones every order repeats: comparing them is
	// cheaper than hashing (equal strings share their bytes, and
	// different lengths differ at once).
	for i, s := range n.list[:min(len(n.list), 16)] {
		if s == name {
			return uint32(i)
		}
	}
	if c, ok := n.code[name]; ok {
		return c
	}
	if n.code == nil {
		n.code = map[string]uint32{}
	}
	c := uint32(len(n.list))
	n.list = append(n.list, name)
	n.code[name] = c
	return c
}

// newHistRow converts an entry; statuses outside the 17 codes are refused
// (as the PostgreSQL store's CHECK constraints refuse them).
func (n *names) newHistRow(e *oms.HistoryEntry) (histRow, error) {
	if !e.From.Valid() || !e.To.Valid() {
		return histRow{}, &oms.ValidationError{Field: "history", Reason: fmt.Sprintf("unknown status code in %d → %d", int(e.From), int(e.To))}
	}
	return histRow{at: e.At, actor: e.Actor, reason: e.Reason, event: n.of(string(e.Event)), from: int8(e.From), to: int8(e.To)}, nil
}

func (n *names) entry(h *histRow, orderID string) oms.HistoryEntry {
	return oms.HistoryEntry{OrderID: orderID, At: h.at, Actor: h.actor, From: oms.Status(h.from), To: oms.Status(h.to),
		Event: oms.EventName(n.list[h.event]), Reason: h.reason}
}

// outboxRow is an event as the outbox keeps it (112 bytes); its id is its
// position.
type outboxRow struct {
	orderID, actor, reason string
	at                     time.Time
	channelID              int64
	// leaseUntil is when the current claim expires, in Unix nanoseconds
	// of the store's clock; 0 if never claimed.
	leaseUntil              int64
	typ, event, channelType uint32
	attempts                int32
	from, to                int16
	acked                   bool
}

func (n *names) newOutboxRow(e *oms.Event) (outboxRow, error) {
	if e.From < math.MinInt16 || e.From > math.MaxInt16 || e.To < math.MinInt16 || e.To > math.MaxInt16 {
		return outboxRow{}, &oms.ValidationError{Field: "event", Reason: fmt.Sprintf("status code out of range in %d → %d", int(e.From), int(e.To))}
	}
	return outboxRow{orderID: e.OrderID, actor: e.Actor, reason: e.Reason, at: e.At, channelID: e.Channel.ID,
		typ: n.of(string(e.Type)), event: n.of(string(e.Event)), channelType: n.of(string(e.Channel.Type)),
		from: int16(e.From), to: int16(e.To)}, nil
}

func (n *names) event(r *outboxRow, id int64) oms.Event {
	return oms.Event{ID: id, Type: oms.EventType(n.list[r.typ]), OrderID: r.orderID, Event: oms.EventName(n.list[r.event]),
		From: oms.Status(r.from), To: oms.Status(r.to), Actor: r.actor, Reason: r.reason, At: r.at,
		Channel: oms.ChannelRef{Type: oms.ChannelType(n.list[r.channelType]), ID: r.channelID}, Attempts: int(r.attempts)}
}
