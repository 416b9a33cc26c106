package oms

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Status is an order's lifecycle status. The numeric codes are a stored
// contract shared with the original system: they never change.
type Status int

// The 17 statuses with their stored codes.
const (
	Draft            Status = 0
	Processing       Status = 1
	PendingPayment   Status = 2
	Confirmed        Status = 3
	Shipping         Status = 4
	Delivered        Status = 5
	Refund           Status = 6
	Return           Status = 7
	Cancelled        Status = 8
	OnHold           Status = 9
	Failed           Status = 10
	ReturnPending    Status = 11
	PartialReturn    Status = 12
	PartialRefund    Status = 13
	Paid             Status = 14
	Ready            Status = 15
	StockUnavailable Status = 16
)

// NumStatuses is the number of defined statuses (codes 0 … NumStatuses-1).
const NumStatuses = 17

var statusNames = [NumStatuses]string{
	"Draft", "Processing", "Pending Payment", "Confirmed", "Shipping", "Delivered",
	"Refund", "Return", "Cancelled", "On Hold", "Failed", "Return Pending",
	"Partial Return", "Partial Refund", "Paid", "Ready", "Stock Unavailable",
}

// Statuses returns all statuses in code order.
func Statuses() []Status {
	out := make([]Status, NumStatuses)
	for i := range out {
		out[i] = Status(i)
	}
	return out
}

// Valid reports whether s is one of the 17 defined codes.
func (s Status) Valid() bool { return s >= 0 && s < NumStatuses }

// Code returns the stored numeric code.
func (s Status) Code() int { return int(s) }

// String returns the status name, e.g. "Stock Unavailable", or
// "Status(42)" for an undefined code.
func (s Status) String() string {
	if !s.Valid() {
		return "Status(" + strconv.Itoa(int(s)) + ")"
	}
	return statusNames[s]
}

// Label returns the name with its code, e.g. "Confirmed (3)", the form
// operators know from the original system.
func (s Status) Label() string { return fmt.Sprintf("%s (%d)", s, int(s)) }

// ParseStatus accepts a code ("3"), a name in any case and with spaces,
// hyphens or underscores ("Confirmed", "stock_unavailable", "on-hold").
// Anything else is an *UnknownStatusError wrapping ErrUnknownStatus.
func ParseStatus(v string) (Status, error) {
	t := strings.TrimSpace(v)
	if n, err := strconv.Atoi(t); err == nil {
		return StatusFromCode(n)
	}
	key := normStatus(t)
	for i, name := range statusNames {
		if normStatus(name) == key {
			return Status(i), nil
		}
	}
	return 0, &UnknownStatusError{Value: v}
}

// StatusFromCode converts a stored code, refusing unknown ones.
func StatusFromCode(code int) (Status, error) {
	s := Status(code)
	if !s.Valid() {
		return 0, &UnknownStatusError{Value: strconv.Itoa(code)}
	}
	return s, nil
}

func normStatus(s string) string {
	r := strings.NewReplacer(" ", "", "_", "", "-", "")
	return strings.ToLower(r.Replace(s))
}

// MarshalJSON writes the status as {"code":3,"name":"Confirmed"}, readable
// by a person and unambiguous for a program.
func (s Status) MarshalJSON() ([]byte, error) {
	if !s.Valid() {
		return nil, &UnknownStatusError{Value: strconv.Itoa(int(s))}
	}
	return []byte(`{"code":` + strconv.Itoa(int(s)) + `,"name":` + strconv.Quote(s.String()) + `}`), nil
}

// UnmarshalJSON accepts the object form written by MarshalJSON, a bare code
// (3) or a name ("Confirmed"). When the object carries both, they must agree.
func (s *Status) UnmarshalJSON(b []byte) error {
	var obj struct {
		Code *int   `json:"code"`
		Name string `json:"name"`
	}
	switch {
	case len(b) > 0 && b[0] == '{':
		if err := json.Unmarshal(b, &obj); err != nil {
			return err
		}
		var parsed Status
		var err error
		switch {
		case obj.Code != nil:
			parsed, err = StatusFromCode(*obj.Code)
			if err == nil && obj.Name != "" {
				if byName, nerr := ParseStatus(obj.Name); nerr != nil || byName != parsed {
					return &UnknownStatusError{Value: string(b)}
				}
			}
		case obj.Name != "":
			parsed, err = ParseStatus(obj.Name)
		default:
			err = &UnknownStatusError{Value: string(b)}
		}
		if err != nil {
			return err
		}
		*s = parsed
		return nil
	case len(b) > 0 && b[0] == '"':
		var name string
		if err := json.Unmarshal(b, &name); err != nil {
			return err
		}
		parsed, err := ParseStatus(name)
		if err != nil {
			return err
		}
		*s = parsed
		return nil
	default:
		var code int
		if err := json.Unmarshal(b, &code); err != nil {
			return &UnknownStatusError{Value: string(b)}
		}
		parsed, err := StatusFromCode(code)
		if err != nil {
			return err
		}
		*s = parsed
		return nil
	}
}
