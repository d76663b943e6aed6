package saju

import (
	"errors"
	"math"
	"testing"
)

func float(f float64) *float64 { return &f }

// TestOptionsFieldError checks the *FieldError of each new option and of
// lunar dates, with its message, in Compute, Instant, Validate, SolarDate
// and ApparentSolarTime alike.
func TestOptionsFieldError(t *testing.T) {
	b := Birth{Year: 1990, Month: 5, Day: 15, Hour: hour(10)}
	for _, c := range []struct {
		name  string
		o     Options
		b     Birth
		field string // "" for no error
		msg   string
	}{
		{"default", Options{}, b, "", ""},
		{"every option", Options{Calendar: Lunar, LeapMonth: true, Minute: 59, Longitude: float(126.978), DayBoundary: Split}, b, "", ""},
		{"leap flag on a solar date", Options{LeapMonth: true}, b, "is_leap_month", "saju: is_leap_month must be false for a solar date"},
		{"leap flag before the hour", Options{LeapMonth: true}, Birth{Year: 1990, Month: 5, Day: 15, Hour: hour(99)}, "is_leap_month", "saju: is_leap_month must be false for a solar date"},
		{"calendar out of range", Options{Calendar: 2}, b, "calendar", `saju: calendar must be "solar" or "lunar"`},
		{"minute -1", Options{Minute: -1}, b, "minute", "saju: minute must be between 0 and 59"},
		{"minute 60", Options{Minute: 60}, b, "minute", "saju: minute must be between 0 and 59"},
		{"minute 60 without an hour", Options{Minute: 60}, Birth{Year: 1990, Month: 5, Day: 15}, "minute", "saju: minute must be between 0 and 59"},
		{"longitude too far west", Options{Longitude: float(119.99)}, b, "longitude", "saju: longitude must be between 120 and 150 degrees east"},
		{"longitude too far east", Options{Longitude: float(150.01)}, b, "longitude", "saju: longitude must be between 120 and 150 degrees east"},
		{"longitude NaN", Options{Longitude: float(math.NaN())}, b, "longitude", "saju: longitude must be between 120 and 150 degrees east"},
		{"longitude +Inf", Options{Longitude: float(math.Inf(1))}, b, "longitude", "saju: longitude must be between 120 and 150 degrees east"},
		{"longitude at the limits", Options{Longitude: float(120)}, b, "", ""},
		{"school out of range", Options{DayBoundary: 3}, b, "day_boundary", `saju: day_boundary must be "midnight", "jasi" or "split"`},
		{"lunar year too early", Options{Calendar: Lunar}, Birth{Year: 1898, Month: 12, Day: 1}, "year", "saju: year must be between 1899 and 2100 in the lunar calendar"},
		{"lunar first day", Options{Calendar: Lunar}, Birth{Year: 1899, Month: 12, Day: 1}, "", ""},
		{"lunar before the range", Options{Calendar: Lunar}, Birth{Year: 1899, Month: 11, Day: 29}, "month", "saju: month must be 12 or later in lunar 1899: the range begins on lunar 1899-12-01, 1900-01-01"},
		{"lunar last day", Options{Calendar: Lunar}, Birth{Year: 2100, Month: 12, Day: 1, Hour: hour(23)}, "", ""},
		{"lunar after the range", Options{Calendar: Lunar}, Birth{Year: 2100, Month: 12, Day: 2}, "day", "saju: day must be 1 in lunar 2100-12: the range ends on lunar 2100-12-01, 2100-12-31"},
		{"lunar month 13", Options{Calendar: Lunar}, Birth{Year: 2000, Month: 13, Day: 1}, "month", "saju: month must be between 1 and 12"},
		{"lunar day 31", Options{Calendar: Lunar}, Birth{Year: 2000, Month: 1, Day: 31}, "day", "saju: day must be between 1 and 30 in the lunar calendar"},
		{"lunar 30th of a 29-day month", Options{Calendar: Lunar}, Birth{Year: 2024, Month: 1, Day: 30}, "day", "saju: day must be between 1 and 29 in that lunar month"},
		{"lunar 30th of a solar 30-day month", Options{Calendar: Lunar}, Birth{Year: 2024, Month: 2, Day: 30}, "", ""},
		{"lunar 2/30 is not a solar date", Options{}, Birth{Year: 2024, Month: 2, Day: 30}, "day", "saju: day must be between 1 and 29 in that month"},
		{"no leap month that year", Options{Calendar: Lunar, LeapMonth: true}, Birth{Year: 2024, Month: 6, Day: 1}, "is_leap_month", "saju: is_leap_month must be false: that lunar year has no leap month"},
		{"another leap month", Options{Calendar: Lunar, LeapMonth: true}, Birth{Year: 2023, Month: 3, Day: 1}, "is_leap_month", "saju: is_leap_month must be false: that lunar year's leap month follows another month"},
		{"the leap month", Options{Calendar: Lunar, LeapMonth: true}, Birth{Year: 2023, Month: 2, Day: 29}, "", ""},
		{"lunar hour 24", Options{Calendar: Lunar}, Birth{Year: 2023, Month: 2, Day: 29, Hour: hour(24)}, "hour", "saju: hour must be between 0 and 23"},
	} {
		t.Run(c.name, func(t *testing.T) {
			chart, err := c.o.Compute(c.b)
			_, ierr := c.o.Instant(c.b)
			_, _, _, serr := c.o.SolarDate(c.b)
			_, _, aerr := c.o.ApparentSolarTime(c.b)
			errs := []error{err, ierr, serr, aerr, c.o.Validate(c.b)}
			if c.field == "" {
				for _, e := range errs {
					if e != nil {
						t.Fatalf("unexpected error %v", e)
					}
				}
				return
			}
			if chart != (Chart{}) {
				t.Errorf("chart %+v returned with an error", chart)
			}
			for _, e := range errs {
				var fe *FieldError
				if !errors.As(e, &fe) || fe.Field != c.field || e.Error() != c.msg {
					t.Errorf("error %v, want %q for %s", e, c.msg, c.field)
				}
			}
		})
	}
}

// TestOptionNames checks the names of the calendars and schools both ways.
func TestOptionNames(t *testing.T) {
	for _, c := range []Calendar{Solar, Lunar} {
		if got, err := ParseCalendar(c.String()); err != nil || got != c {
			t.Errorf("%v: %v, %v", c, got, err)
		}
	}
	for _, d := range []DayBoundary{Midnight, Jasi, Split} {
		if got, err := ParseDayBoundary(d.String()); err != nil || got != d {
			t.Errorf("%v: %v, %v", d, got, err)
		}
	}
	if Calendar(2).String() != "" || DayBoundary(3).String() != "" {
		t.Error("a name for a value out of range")
	}
	var fe *FieldError
	if _, err := ParseCalendar("Lunar"); !errors.As(err, &fe) || fe.Field != "calendar" {
		t.Errorf("ParseCalendar: %v", err)
	}
	if _, err := ParseDayBoundary("yajasi"); !errors.As(err, &fe) || fe.Field != "day_boundary" {
		t.Errorf("ParseDayBoundary: %v", err)
	}
}

// TestMinute checks that the minute moves the instant and, in the hour of
// a 절, the month pillar: 입춘 1984 is at 1984-02-05 00:19 KST (see
// ExampleCompute_unknownHour), so 00:18 is still 축월 of 계해 and 00:19
// is 인월 of 갑자.
func TestMinute(t *testing.T) {
	b := Birth{Year: 1984, Month: 2, Day: 5, Hour: hour(0)}
	before, _ := Options{Minute: 18}.Compute(b)
	after, _ := Options{Minute: 20}.Compute(b)
	if before.Year.Hangul() != "계해" || before.Month.Hangul() != "을축" || after.Year.Hangul() != "갑자" || after.Month.Hangul() != "병인" {
		t.Errorf("00:18 %s %s, 00:20 %s %s", before.Year, before.Month, after.Year, after.Month)
	}
	in, _ := Options{Minute: 45}.Instant(Birth{Year: 1990, Month: 5, Day: 15, Hour: hour(10)})
	if got := in.Format("2006-01-02T15:04:05Z07:00"); got != "1990-05-15T01:45:00Z" {
		t.Errorf("10:45 KST is %s", got)
	}
	// Without an hour the minute is ignored: noon.
	in, _ = Options{Minute: 45}.Instant(Birth{Year: 1990, Month: 5, Day: 15})
	if got := in.Format("2006-01-02T15:04:05Z07:00"); got != "1990-05-15T03:00:00Z" {
		t.Errorf("unknown hour is %s", got)
	}
}
