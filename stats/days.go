package stats

import (
	"time"
	_ "time/tzdata" // the zone rules travel with the binary
)

// Zone is where days are counted: a report sent at 00:30 in Paris belongs
// to that Paris day, whatever zone the servers keep.
var Zone = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		panic("embedded zone data lacks Europe/Paris: " + err.Error())
	}
	return loc
}()

// DayOf is the day (YYYY-MM-DD, in Zone) that instant t belongs to.
func DayOf(t time.Time) string { return t.In(Zone).Format(time.DateOnly) }

// DayStart is the first instant of the day of t, in Zone.
func DayStart(t time.Time) time.Time {
	l := t.In(Zone)
	return time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, Zone)
}
