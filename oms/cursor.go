package oms

import (
	"encoding/base64"
	"strconv"
	"strings"
	"time"
)

// EncodeCursor builds the list cursor that follows the order (createdAt,
// id). Stores share it so that cursors are opaque but alike everywhere.
func EncodeCursor(createdAt time.Time, id string) string {
	raw := strconv.FormatInt(createdAt.UnixNano(), 10) + "|" + id
	return base64.RawURLEncoding.EncodeToString([]byte(raw))
}

// DecodeCursor parses a cursor made by EncodeCursor. A malformed cursor
// is a *ValidationError wrapping ErrInvalidOrder.
func DecodeCursor(c string) (time.Time, string, error) {
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return time.Time{}, "", &ValidationError{Field: "cursor", Reason: "malformed"}
	}
	ns, id, ok := strings.Cut(string(raw), "|")
	n, perr := strconv.ParseInt(ns, 10, 64)
	if !ok || perr != nil || id == "" {
		return time.Time{}, "", &ValidationError{Field: "cursor", Reason: "malformed"}
	}
	return time.Unix(0, n).UTC(), id, nil
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
