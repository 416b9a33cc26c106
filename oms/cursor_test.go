package oms_test

import (
	"encoding/base64"
	"errors"
	"testing"
	"time"

	"github.com/azuvio/omnisales/oms"
)

// TestCursorRoundTrip: a cursor keeps any creation instant to the
// nanosecond, also outside the years that Unix nanoseconds can hold.
func TestCursorRoundTrip(t *testing.T) {
	for _, at := range []time.Time{
		{},
		time.Date(1, 1, 1, 0, 0, 0, 1, time.UTC),
		time.Date(1600, 2, 29, 12, 0, 0, 999_999_999, time.UTC),
		time.Date(1969, 12, 31, 23, 59, 59, 500, time.UTC),
		time.Date(2026, 12, 4, 10, 0, 0, 123_456_000, time.UTC),
		time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 999_999_999, time.UTC),
	} {
		gotAt, gotID, err := oms.DecodeCursor(oms.EncodeCursor(at, "ord-1|x"))
		if err != nil || !gotAt.Equal(at) || gotID != "ord-1|x" {
			t.Errorf("%v: decoded %v %q %v", at, gotAt, gotID, err)
		}
	}
	// A cursor of the earlier form (Unix nanoseconds) still decodes.
	old := base64.RawURLEncoding.EncodeToString([]byte("1764842400123456789|ord-9"))
	at, id, err := oms.DecodeCursor(old)
	if err != nil || !at.Equal(time.Unix(0, 1764842400123456789)) || id != "ord-9" {
		t.Errorf("earlier cursor: %v %q %v", at, id, err)
	}
	for _, bad := range []string{"!!", enc("12|"), enc("x.1|a"), enc("1.x|a"), enc("1.1000000000|a"), enc("1.-1|a"), enc("no bar")} {
		if _, _, err := oms.DecodeCursor(bad); !errors.Is(err, oms.ErrInvalidOrder) {
			t.Errorf("cursor %q: %v, want ErrInvalidOrder", bad, err)
		}
	}
}

func enc(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
