package returns

import "time"

// DaysSince counts calendar days from delivered to now in loc: 0 on the
// day of delivery, 1 the next day, whatever the hour. Counting dates, not
// 24-hour periods, is what a client reading "30 days" expects, and it is
// not fooled by daylight-saving changes. nil loc means UTC.
func DaysSince(delivered, now time.Time, loc *time.Location) int {
	if loc == nil {
		loc = time.UTC
	}
	d, n := delivered.In(loc), now.In(loc)
	a := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC)
	b := time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, time.UTC)
	return int(b.Sub(a) / (24 * time.Hour))
}

// within returns the window in days and whether one applies.
func (c *Config) within() (int, bool) {
	if c.ReturnWithinDays == nil {
		return DefaultWithinDays, true
	}
	return *c.ReturnWithinDays, *c.ReturnWithinDays > 0
}

// checkWindow refuses a request made more than the window's days after
// delivery. Day N of an N-day window is still inside.
func (c *Config) checkWindow(orderID string, delivered, now time.Time) error {
	limit, ok := c.within()
	if !ok {
		return nil
	}
	days := DaysSince(delivered, now, c.Location)
	if days > limit {
		return &WindowError{OrderID: orderID, DeliveredAt: delivered.In(c.loc()), RequestedAt: now.In(c.loc()),
			Days: days, Limit: limit, Over: days - limit}
	}
	return nil
}

func (c *Config) loc() *time.Location {
	if c.Location == nil {
		return time.UTC
	}
	return c.Location
}
