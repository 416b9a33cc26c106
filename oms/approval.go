package oms

import (
	"strconv"

	"github.com/shopspring/decimal"
)

// Approval is the stored approve_status of an order: 0 pending, 1 approved,
// -1 rejected. An order that needed no approval has Order.ApprovalRequired
// false; its Approval value is then meaningless and it never appears in the
// awaiting-approval list.
type Approval int

// Approval values, as stored.
const (
	ApprovalPending  Approval = 0
	ApprovalApproved Approval = 1
	ApprovalRejected Approval = -1
)

// String returns "pending", "approved" or "rejected".
func (a Approval) String() string {
	switch a {
	case ApprovalPending:
		return "pending"
	case ApprovalApproved:
		return "approved"
	case ApprovalRejected:
		return "rejected"
	}
	return "Approval(" + strconv.Itoa(int(a)) + ")"
}

// Valid reports whether a is one of the three stored values.
func (a Approval) Valid() bool { return a >= -1 && a <= 1 }

// ApprovalRule says which orders need a manager's approval before they can
// be confirmed (the guide's omni_order_approval_rules). A rule applies when
// the channel and order type match and the order total is strictly greater
// than Threshold.
type ApprovalRule struct {
	// Name identifies the rule in history and events.
	Name string
	// ChannelType restricts the rule to one channel type; "" matches all.
	ChannelType ChannelType
	// ChannelID restricts the rule to one channel; 0 matches all.
	ChannelID int64
	// OrderType restricts the rule to one order type; "" matches all.
	OrderType string
	// Threshold: orders whose total exceeds it need approval. The zero
	// value means every matching order needs approval.
	Threshold decimal.Decimal
}

func (r ApprovalRule) applies(o *Order) bool {
	if r.ChannelType != "" && r.ChannelType != o.Channel.Type {
		return false
	}
	if r.ChannelID != 0 && r.ChannelID != o.Channel.ID {
		return false
	}
	if r.OrderType != "" && r.OrderType != o.Type {
		return false
	}
	return o.Totals.Total.GreaterThan(r.Threshold)
}

// matchApproval returns the first rule that applies to o.
func matchApproval(rules []ApprovalRule, o *Order) (ApprovalRule, bool) {
	for _, r := range rules {
		if r.applies(o) {
			return r, true
		}
	}
	return ApprovalRule{}, false
}
