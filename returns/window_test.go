package returns

import (
	"errors"
	"testing"
	"time"
	_ "time/tzdata" // the tests need real zones wherever they run
)

func TestWindowEdges(t *testing.T) {
	t.Parallel()
	bucharest, err := time.LoadLocation("Europe/Bucharest")
	if err != nil {
		t.Fatal(err)
	}
	newYork, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	utc := func(s string) time.Time {
		v, err := time.Parse("2006-01-02 15:04", s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		name       string
		days       *int
		loc        *time.Location
		delivered  string // UTC
		requested  string // UTC
		wantDays   int
		wantOverBy int // 0 = accepted
	}{
		{"day 0, same minute", nil, nil, "2026-03-02 10:00", "2026-03-02 10:00", 0, 0},
		{"day 0, late evening", nil, nil, "2026-03-02 00:01", "2026-03-02 23:59", 0, 0},
		{"day 1 just after midnight", nil, nil, "2026-03-02 23:59", "2026-03-03 00:00", 1, 0},
		{"day 30, last minute", nil, nil, "2026-03-02 10:00", "2026-04-01 23:59", 30, 0},
		{"day 31, first minute", nil, nil, "2026-03-02 10:00", "2026-04-02 00:00", 31, 1},
		{"day 40", nil, nil, "2026-03-02 10:00", "2026-04-11 09:00", 40, 10},
		{"14-day window, day 14", Days(14), nil, "2026-03-02 10:00", "2026-03-16 22:00", 14, 0},
		{"14-day window, day 15", Days(14), nil, "2026-03-02 10:00", "2026-03-17 01:00", 15, 1},
		{"no window", Days(0), nil, "2026-03-02 10:00", "2027-03-02 10:00", 365, 0},
		// 21:30 UTC on 2 March is 23:30 in Bucharest (UTC+2); 21:30 UTC on
		// 1 April is 00:30 on 2 April there (UTC+3 after the DST change):
		// 30 days in UTC, 31 in the shop's zone.
		{"shop zone pushes past midnight", nil, bucharest, "2026-03-02 21:30", "2026-04-01 21:30", 31, 1},
		{"same instants in UTC", nil, nil, "2026-03-02 21:30", "2026-04-01 21:30", 30, 0},
		// 23:00 UTC on 1 March is already 2 March in Bucharest; 20:00 UTC
		// on 1 April is still 1 April: 31 days in UTC, 30 in the shop.
		{"shop zone keeps it inside", nil, bucharest, "2026-03-01 23:00", "2026-04-01 20:00", 30, 0},
		{"same instants in UTC refused", nil, nil, "2026-03-01 23:00", "2026-04-01 20:00", 31, 1},
		// 03:00 UTC on 2 March is still 1 March in New York (UTC−5).
		{"west of UTC", nil, newYork, "2026-03-02 03:00", "2026-03-31 23:00", 30, 0},
		{"west of UTC, one more day", nil, newYork, "2026-03-02 03:00", "2026-04-01 04:30", 31, 1},
		{"request before delivery (clock skew)", nil, nil, "2026-03-02 10:00", "2026-03-01 10:00", -1, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := Config{ReturnWithinDays: tc.days, Location: tc.loc}
			del, req := utc(tc.delivered), utc(tc.requested)
			if got := DaysSince(del, req, tc.loc); got != tc.wantDays {
				t.Errorf("DaysSince = %d, want %d", got, tc.wantDays)
			}
			err := cfg.checkWindow("o1", del, req)
			if tc.wantOverBy == 0 {
				if err != nil {
					t.Errorf("refused: %v", err)
				}
				return
			}
			var we *WindowError
			if !errors.Is(err, ErrWindowExceeded) || !errors.As(err, &we) {
				t.Fatalf("err = %v, want a *WindowError", err)
			}
			if we.Over != tc.wantOverBy || we.Days != tc.wantDays {
				t.Errorf("over %d days %d, want %d and %d (%v)", we.Over, we.Days, tc.wantOverBy, tc.wantDays, err)
			}
		})
	}
}

func TestWindowErrorText(t *testing.T) {
	t.Parallel()
	err := (&Config{}).checkWindow("o1", time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC), time.Date(2026, 4, 2, 9, 0, 0, 0, time.UTC))
	want := "returns: order o1: return window of 30 days exceeded by 1 day (delivered 2026-03-02, requested 2026-04-02)"
	if err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
}
