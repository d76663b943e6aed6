package saju

import (
	"math/bits"
	"strconv"
)

//go:generate go test -run TestLunarTableGenerated -update

// The Korean lunar calendar (음력) of 1899–2100 by KASI's rules: a month
// begins on the civil date (UTC+9) of a new moon, the month holding the
// winter solstice is the 11th, and in a year of 13 months the first month
// without a 중기 is the leap month (SAJU.md, "Lunar birth dates").
// lunarYears (lunar_table.go) holds the calendar so computed, with the nine
// months of lunarExceptions (lunar_calendar_test.go; see the package
// documentation); converting a date only reads it.

// The lunar years of the table. Lunar 1899-12-01 is 1900-01-01 and lunar
// 2100-12-01 is 2100-12-31, the first and last valid birth dates.
const (
	MinLunarYear = MinYear - 1
	MaxLunarYear = MaxYear
)

// LunarDate is a date of the Korean lunar calendar. Leap is true for a date
// of the year's leap month (윤달), which follows the regular month of the
// same number.
type LunarDate struct {
	Year, Month, Day int
	Leap             bool
}

// The layout of an entry of lunarYears, one per lunar year: bit i (0–12) is
// set when the year's month i, counted from 0 in calendar order with the
// leap month in its place, has 30 days rather than 29; bits 13–16 hold the
// number of the month that the leap month follows, 0 for a year without
// one; bits 17–22 hold the day of the Gregorian year on which the 1st
// month begins, counted from 0 for 1 January.
const (
	lunarLeapShift  = 13
	lunarStartShift = 17
)

// lunarYear returns the first day (Julian day number) of lunar year y of
// the table, its number of months, the month its leap month follows (0 for
// none) and the bit set of its 30-day months.
func lunarYear(y int) (first, months, leap int, long uint32) {
	e := lunarYears[y-lunarFirstYear]
	leap = int(e >> lunarLeapShift & 0xf)
	months = 12
	if leap != 0 {
		months = 13
	}
	first = julianDayNumber(y, 1, 1) + int(e>>lunarStartShift&0x3f)
	return first, months, leap, e & (1<<13 - 1)
}

// Solar returns the Gregorian civil date of d. It returns a *[FieldError]
// if d is not a date of the calendar or lies outside 1900-01-01 to
// 2100-12-31: Field is "year", "month" or "day" for a value out of range or
// a 30th in a month of 29 days, "is_leap_month" for Leap in a month that is
// not the year's leap month.
func (d LunarDate) Solar() (year, month, day int, err error) {
	jdn, fe := d.jdn()
	if fe != nil {
		return 0, 0, 0, fe
	}
	c := gregorianFromJDN(jdn)
	return c.Year, c.Month, c.Day, nil
}

// jdn returns the Julian day number of d, or the error that
// [LunarDate.Solar] describes.
func (d LunarDate) jdn() (int, *FieldError) {
	switch {
	case d.Year < MinLunarYear || d.Year > MaxLunarYear:
		return 0, &FieldError{Field: "year", Message: "must be between " + strconv.Itoa(MinLunarYear) + " and " + strconv.Itoa(MaxLunarYear) + " in the lunar calendar"}
	case d.Month < 1 || d.Month > 12:
		return 0, &FieldError{Field: "month", Message: "must be between 1 and 12"}
	case d.Day < 1 || d.Day > 30:
		return 0, &FieldError{Field: "day", Message: "must be between 1 and 30 in the lunar calendar"}
	}
	first, _, leap, long := lunarYear(d.Year)
	if d.Leap && leap == 0 {
		return 0, &FieldError{Field: "is_leap_month", Message: "must be false: that lunar year has no leap month"}
	}
	if d.Leap && leap != d.Month {
		return 0, &FieldError{Field: "is_leap_month", Message: "must be false: that lunar year's leap month follows another month"}
	}
	// i is the month's place in the year, counted from 0.
	i := d.Month - 1
	if leap != 0 && (d.Month > leap || d.Leap) {
		i++
	}
	days := 29 + int(long>>i&1)
	if d.Day > days {
		return 0, &FieldError{Field: "day", Message: "must be between 1 and 29 in that lunar month"}
	}
	jdn := first + 29*i + bits.OnesCount32(long&(1<<i-1)) + d.Day - 1
	if jdn < minJDN {
		return 0, &FieldError{Field: "month", Message: "must be 12 or later in lunar " + strconv.Itoa(MinLunarYear) + ": the range begins on lunar " + strconv.Itoa(MinLunarYear) + "-12-01, 1900-01-01"}
	}
	if jdn > maxJDN {
		return 0, &FieldError{Field: "day", Message: "must be 1 in lunar " + strconv.Itoa(MaxLunarYear) + "-12: the range ends on lunar " + strconv.Itoa(MaxLunarYear) + "-12-01, 2100-12-31"}
	}
	return jdn, nil
}

// The first and last valid birth dates as Julian day numbers: 1900-01-01
// and 2100-12-31.
const (
	minJDN = 2415021
	maxJDN = 2488434
	// unixEpochJDN is the Julian day number of 1970-01-01.
	unixEpochJDN = 2440588
)

// ToLunar returns the Korean lunar date of the Gregorian civil date
// year-month-day, which must lie from 1900-01-01 to 2100-12-31; otherwise
// the error is the *[FieldError] that [Birth.Validate] returns.
func ToLunar(year, month, day int) (LunarDate, error) {
	if err := (Birth{Year: year, Month: month, Day: day}).Validate(); err != nil {
		return LunarDate{}, err
	}
	return lunarFromJDN(julianDayNumber(year, month, day)), nil
}

// lunarFromJDN returns the lunar date of the Julian day number jdn, which
// must lie within the table.
func lunarFromJDN(jdn int) LunarDate {
	y := gregorianFromJDN(jdn).Year
	first, months, leap, long := lunarYear(y)
	if jdn < first {
		y--
		first, months, leap, long = lunarYear(y)
	}
	n := jdn - first // days since the year's first day
	i := 0
	for ; i < months-1; i++ {
		days := 29 + int(long>>i&1)
		if n < days {
			break
		}
		n -= days
	}
	d := LunarDate{Year: y, Month: i + 1, Day: n + 1}
	if leap != 0 && i >= leap {
		d.Month = i
		d.Leap = i == leap
	}
	return d
}

// civil is a Gregorian civil date.
type civil struct{ Year, Month, Day int }

// gregorianFromJDN returns the Gregorian civil date of the Julian day number
// jdn, by Meeus, Astronomical Algorithms, 2nd ed., ch. 7 p. 63, in integers
// (exact for the positive day numbers met here): with Z = jdn,
// α = INT((Z − 1867216.25)/36524.25), A = Z + 1 + α − INT(α/4),
// B = A + 1524, C = INT((B − 122.1)/365.25), D = INT(365.25 C),
// E = INT((B − D)/30.6001); the day is B − D − INT(30.6001 E), the month
// E − 1 or E − 13, the year C − 4716 or C − 4715.
func gregorianFromJDN(jdn int) civil {
	alpha := (4*jdn - 7468865) / 146097
	a := jdn + 1 + alpha - alpha/4
	b := a + 1524
	c := (100*b - 12210) / 36525
	d := 36525 * c / 100
	e := 10000 * (b - d) / 306001
	day := b - d - 306001*e/10000
	month := e - 1
	if e >= 14 {
		month = e - 13
	}
	year := c - 4716
	if month <= 2 {
		year = c - 4715
	}
	return civil{year, month, day}
}
