package saju

import (
	"math"
	"strconv"
	"time"
)

// Calendar is the calendar in which a birth date is written.
type Calendar uint8

// The calendars of [Options.Calendar].
const (
	// Solar is the Gregorian calendar (양력), the default.
	Solar Calendar = iota
	// Lunar is the Korean lunar calendar (음력) of KASI; see [LunarDate].
	Lunar
)

var calendarNames = [...]string{"solar", "lunar"}

// String returns "solar" or "lunar", the names that [ParseCalendar] reads;
// the empty string for a value out of range.
func (c Calendar) String() string {
	if int(c) >= len(calendarNames) {
		return ""
	}
	return calendarNames[c]
}

// ParseCalendar returns the calendar named s, "solar" or "lunar". Any other
// string is a *[FieldError] for "calendar".
func ParseCalendar(s string) (Calendar, error) {
	for i, n := range calendarNames {
		if s == n {
			return Calendar(i), nil
		}
	}
	return 0, &FieldError{Field: "calendar", Message: `must be "solar" or "lunar"`}
}

// DayBoundary is a school of reading the hour 23:00–23:59 (SAJU.md, "The
// 23:00 schools"). The hour branch is 자 in every school, and only that hour
// differs between them.
type DayBoundary uint8

// The schools of [Options.DayBoundary].
const (
	// Midnight is the default: the day changes at midnight, and 23:xx has
	// the day pillar of its date and its hour stem from that day.
	Midnight DayBoundary = iota
	// Jasi is 야자시 as the start of the day: the day turns at 23:00, so
	// 23:xx has the next day's day pillar and hour stem.
	Jasi
	// Split is 야자시/조자시: 23:xx is the night 자시 of its date, keeping
	// that date's day pillar, with the next day's hour stem.
	Split
)

var dayBoundaryNames = [...]string{"midnight", "jasi", "split"}

// String returns "midnight", "jasi" or "split", the names that
// [ParseDayBoundary] reads; the empty string for a value out of range.
func (d DayBoundary) String() string {
	if int(d) >= len(dayBoundaryNames) {
		return ""
	}
	return dayBoundaryNames[d]
}

// ParseDayBoundary returns the school named s: "midnight", "jasi" or
// "split". Any other string is a *[FieldError] for "day_boundary".
func ParseDayBoundary(s string) (DayBoundary, error) {
	for i, n := range dayBoundaryNames {
		if s == n {
			return DayBoundary(i), nil
		}
	}
	return 0, &FieldError{Field: "day_boundary", Message: `must be "midnight", "jasi" or "split"`}
}

// The range of [Options.Longitude], in degrees east: the meridians of the
// clocks Korea has kept, UTC+8 to UTC+10, and a margin beyond the
// peninsula's 124°–132° E on both sides.
const (
	MinLongitude = 120.0
	MaxLongitude = 150.0
)

// civilDay is a validated birth under some Options: the Gregorian civil
// date, the birth instant, and the days and hour that the day and hour
// pillars follow.
type civilDay struct {
	year, month, day int
	unix             int64 // the birth instant, seconds since 1970 UTC
	// dayJDN is the Julian day number of the day pillar's day, stemJDN that
	// of the day whose stem the hour stem follows; hour is the hour that
	// gives the hour branch, −1 when it is unknown.
	dayJDN, stemJDN, hour int
	// solar is the local apparent solar time as seconds since 1970-01-01
	// 00:00 of its own clock, when Options.Longitude applies.
	solar    float64
	hasSolar bool
}

// Validate reports whether o.Compute(b) has a chart: nil, or the
// *[FieldError] that [Options.Compute] would return.
func (o Options) Validate(b Birth) error {
	var c civilDay
	return o.resolve(&b, &c)
}

// SolarDate returns the Gregorian civil date of b: b's own date when
// o.Calendar is Solar, that of the lunar date b.Year-b.Month-b.Day (in the
// leap month if o.LeapMonth) when it is Lunar. The error is the one of
// [Options.Validate].
func (o Options) SolarDate(b Birth) (year, month, day int, err error) {
	var c civilDay
	if err := o.resolve(&b, &c); err != nil {
		return 0, 0, 0, err
	}
	return c.year, c.month, c.day, nil
}

// ApparentSolarTime returns the local apparent solar time (진태양시) at
// o.Longitude of the birth instant of b, which the day and hour pillars
// follow when o.Longitude is set and the hour is known; ok is false
// otherwise. The time is returned in UTC, its clock reading being the
// apparent solar time: it is a reading, not an instant.
func (o Options) ApparentSolarTime(b Birth) (t time.Time, ok bool, err error) {
	var c civilDay
	if err := o.resolve(&b, &c); err != nil || !c.hasSolar {
		return time.Time{}, false, err
	}
	whole := math.Floor(c.solar)
	return time.Unix(int64(whole), int64((c.solar-whole)*1e9)).UTC(), true, nil
}

// resolve validates b under o and works out into c its civil date, birth
// instant, and the days and hour of its day and hour pillars (SAJU.md:
// "Input", "Lunar birth dates", "The 23:00 schools", "True solar time");
// the pointers spare a chart the copies of these values. The error
// is a *FieldError naming the first field found wrong, in the order
// calendar, year, month, day, is_leap_month, hour, minute, longitude,
// day_boundary, or the error of loading the zone.
func (o *Options) resolve(b *Birth, c *civilDay) error {
	switch o.Calendar {
	case Solar:
		if err := (Birth{Year: b.Year, Month: b.Month, Day: b.Day}).Validate(); err != nil {
			return err
		}
		if o.LeapMonth {
			return &FieldError{Field: "is_leap_month", Message: "must be false for a solar date"}
		}
		c.year, c.month, c.day = b.Year, b.Month, b.Day
	case Lunar:
		jdn, fe := LunarDate{Year: b.Year, Month: b.Month, Day: b.Day, Leap: o.LeapMonth}.jdn()
		if fe != nil {
			return fe
		}
		g := gregorianFromJDN(jdn)
		c.year, c.month, c.day = g.Year, g.Month, g.Day
	default:
		return &FieldError{Field: "calendar", Message: `must be "solar" or "lunar"`}
	}
	// The date is valid: only the hour can be wrong.
	if err := (Birth{Year: c.year, Month: c.month, Day: c.day, Hour: b.Hour}).Validate(); err != nil {
		return err
	}
	if o.Minute < 0 || o.Minute > 59 {
		return &FieldError{Field: "minute", Message: "must be between 0 and 59"}
	}
	if lon := o.Longitude; lon != nil && !(*lon >= MinLongitude && *lon <= MaxLongitude) {
		return &FieldError{Field: "longitude", Message: "must be between " + strconv.FormatFloat(MinLongitude, 'g', -1, 64) + " and " + strconv.FormatFloat(MaxLongitude, 'g', -1, 64) + " degrees east"}
	}
	if o.DayBoundary > Split {
		return &FieldError{Field: "day_boundary", Message: `must be "midnight", "jasi" or "split"`}
	}
	loc, err := seoul()
	if err != nil {
		return err
	}

	// SAJU.md: the instant is taken at noon when the hour is unknown, and
	// an unknown hour ignores the minute and the longitude.
	hour, minute := 12, 0
	if b.Hour != nil {
		hour, minute = *b.Hour, o.Minute
	}
	c.unix = wallClock(c.year, c.month, c.day, hour, minute, loc).Unix()
	c.dayJDN = julianDayNumber(c.year, c.month, c.day)
	c.hour = -1
	if b.Hour == nil {
		c.stemJDN = c.dayJDN
		return nil
	}
	c.hour = hour
	if o.Longitude != nil {
		// SAJU.md, "True solar time": LAT = UT + longitude × 4 min/° + E.
		c.solar = float64(c.unix) + *o.Longitude*240 + equationOfTime(float64(c.unix))
		c.hasSolar = true
		days := math.Floor(c.solar / secondsPerDay)
		c.dayJDN = int(days) + unixEpochJDN
		c.hour = int((c.solar - days*secondsPerDay) / 3600)
	}
	c.stemJDN = c.dayJDN
	if c.hour == 23 {
		switch o.DayBoundary {
		case Jasi:
			c.dayJDN++
			c.stemJDN++
		case Split:
			c.stemJDN++
		}
	}
	return nil
}
