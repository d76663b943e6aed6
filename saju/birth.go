package saju

import (
	"strconv"
	"sync"
	"time"
	_ "time/tzdata" // Asia/Seoul from the tz database embedded in the binary
)

// The valid range of birth years.
const (
	MinYear = 1900
	MaxYear = 2100
)

// Birth is a birth date and hour as written in Korea: a Gregorian civil date
// and a clock hour on the wall clock of Asia/Seoul, with its history
// (local mean time before 1908-04-01, +8:30 in 1908–1911 and 1954–1961,
// summer time in 1948–1951, 1955–1960 and 1987–1988). With
// [Options.Calendar] set to [Lunar], Year, Month and Day are a Korean lunar
// date instead; the minute, the birthplace and the 23:00 school are
// [Options] too.
type Birth struct {
	Year, Month, Day int
	// Hour is the clock hour 0–23, or nil when it is unknown: the chart then
	// has no hour pillar, and the year and month are taken at 12:00.
	Hour *int
}

// Validate reports whether b is a birth palja can compute: a year from
// [MinYear] to [MaxYear], a real date of the Gregorian calendar (29 February
// only in leap years) and an hour from 0 to 23 or none. The error is a
// *[FieldError] naming the first field found wrong, in the order year,
// month, day, hour.
func (b Birth) Validate() error {
	if b.Year < MinYear || b.Year > MaxYear {
		return &FieldError{Field: "year", Message: "must be between " + strconv.Itoa(MinYear) + " and " + strconv.Itoa(MaxYear)}
	}
	if b.Month < 1 || b.Month > 12 {
		return &FieldError{Field: "month", Message: "must be between 1 and 12"}
	}
	if b.Day < 1 || b.Day > 31 {
		return &FieldError{Field: "day", Message: "must be between 1 and 31"}
	}
	if n := daysInMonth(b.Year, b.Month); b.Day > n {
		return &FieldError{Field: "day", Message: "must be between 1 and " + strconv.Itoa(n) + " in that month"}
	}
	if b.Hour != nil && (*b.Hour < 0 || *b.Hour > 23) {
		return &FieldError{Field: "hour", Message: "must be between 0 and 23"}
	}
	return nil
}

// seoul loads the zone Asia/Seoul once. time.LoadLocation reads the host's
// tz database if it has one and otherwise the copy that the time/tzdata
// import embeds in the binary, so the zone is there on every host.
var seoul = sync.OnceValues(func() (*time.Location, error) {
	return time.LoadLocation("Asia/Seoul")
})

// Instant returns the birth instant of b (SAJU.md, "Input"): the wall clock
// HH:MM (o.Minute, 0 by default) of the birth date in Asia/Seoul, or 12:00
// when the hour is unknown, as a time in UTC; a lunar date (o.Calendar) is
// first converted to its Gregorian date. A wall time that occurs twice,
// when summer time ended, is the earlier instant; a wall time that never
// occurred, skipped when summer time began or the zone moved forward, is
// read with the offset in force just before the skip.
func (o Options) Instant(b Birth) (time.Time, error) {
	var c civilDay
	if err := o.resolve(&b, &c); err != nil {
		return time.Time{}, err
	}
	return time.Unix(c.unix, 0).UTC(), nil
}

// wallClock returns the instant at which the clocks of loc showed
// y-m-d h:mi, choosing as [Options.Instant] describes.
func wallClock(y, m, d, h, mi int, loc *time.Location) time.Time {
	t := time.Date(y, time.Month(m), d, h, mi, 0, 0, loc)
	// time.Date leaves the choice for an ambiguous or skipped wall time
	// unspecified. In practice, for a zone east of Greenwich, it reads a
	// skipped time with the offset before the skip, as wanted, but an
	// ambiguous one as the later instant. So look at the zone period that
	// contains t: if the clocks were set back when it began, by δ, the wall
	// times of its first δ also occurred in the period before, δ earlier.
	start, _ := t.ZoneBounds()
	if start.IsZero() {
		return t
	}
	_, off := t.Zone()
	_, before := start.Add(-time.Second).Zone()
	if back := before - off; back > 0 {
		if earlier := t.Add(-time.Duration(back) * time.Second); earlier.Before(start) {
			return earlier
		}
	}
	return t
}
