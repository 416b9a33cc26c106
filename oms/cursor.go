package oms

import (
	"encoding/base64"
	"strconv"
	"strings"
	"time"
)

// EncodeCursor builds the list cursor that follows the order (createdAt,
// id). Stores share it so that cursors are opaque but alike everywhere.
//
// The instant is written as Unix seconds and nanoseconds, not as Unix
// nanoseconds, which cannot hold dates before 1678 or after 2262 (an
// imported order keeps the shop's date, whatever it is).
func EncodeCursor(createdAt time.Time, id string) string {
	raw := strconv.FormatInt(createdAt.Unix(), 10) + "." + strconv.Itoa(createdAt.Nanosecond()) + "|" + id
	return base64.RawURLEncoding.EncodeToString([]byte(raw))
}

// DecodeCursor parses a cursor made by EncodeCursor. A malformed cursor
// is a *ValidationError wrapping ErrInvalidOrder.
func DecodeCursor(c string) (time.Time, string, error) {
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return time.Time{}, "", &ValidationError{Field: "cursor", Reason: "malformed"}
	}
	at, id, ok := strings.Cut(string(raw), "|")
	if !ok || id == "" {
		return time.Time{}, "", &ValidationError{Field: "cursor", Reason: "malformed"}
	}
	sec, nsec, dot := strings.Cut(at, ".")
	s, err1 := strconv.ParseInt(sec, 10, 64)
	var n int64
	var err2 error
	if dot {
		n, err2 = strconv.ParseInt(nsec, 10, 64)
		if err2 == nil && (n < 0 || n > 999_999_999) {
			err2 = strconv.ErrRange
		}
	} else {
		// A cursor written before seconds and nanoseconds: Unix nanoseconds.
		s, n = 0, s
	}
	if err1 != nil || err2 != nil {
		return time.Time{}, "", &ValidationError{Field: "cursor", Reason: "malformed"}
	}
	return time.Unix(s, n).UTC(), id, nil
}

// After reports whether an order with (createdAt, id) comes after the
// cursor position (cAt, cID) in list order.
func After(createdAt time.Time, id string, cAt time.Time, cID string) bool {
	if !createdAt.Equal(cAt) {
		return createdAt.After(cAt)
	}
	return id > cID
}

// PageLimit applies the documented defaults: 0 → 100, capped at 1000.
func PageLimit(n int) int {
	switch {
	case n <= 0:
		return 100
	case n > 1000:
		return 1000
	}
	return n
}
