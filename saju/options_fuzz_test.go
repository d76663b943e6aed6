package saju

import (
	"bufio"
	"errors"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// referenceLunarMonth is a month of lunar_months.tsv: its first day (Julian
// day number) and length.
type referenceLunarMonth struct{ first, days int }

// loadLunarMonths reads ../shared/saju/lunar_months.tsv into a map keyed by
// lunar year, month and leap flag.
func loadLunarMonths(tb testing.TB) map[[3]int]referenceLunarMonth {
	tb.Helper()
	f, err := os.Open(sharedFile("lunar_months.tsv"))
	if err != nil {
		tb.Fatalf("reference vectors: %v", err)
	}
	defer f.Close()
	out := map[[3]int]referenceLunarMonth{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		c := strings.Split(sc.Text(), "\t")
		if len(c) < 5 || strings.HasPrefix(c[0], "#") || c[0] == "lunar_year" {
			continue
		}
		y, err1 := strconv.Atoi(c[0])
		m, err2 := strconv.Atoi(c[1])
		n, err3 := strconv.Atoi(c[4])
		first, err4 := time.Parse(time.DateOnly, c[3])
		if err1 != nil || err2 != nil || err3 != nil || err4 != nil {
			tb.Fatalf("lunar_months.tsv: bad line %q", sc.Text())
		}
		leap := 0
		if c[2] == "true" {
			leap = 1
		}
		out[[3]int{y, m, leap}] = referenceLunarMonth{julianDayNumber(first.Year(), int(first.Month()), first.Day()), n}
	}
	if err := sc.Err(); err != nil || len(out) != 2487 {
		tb.Fatalf("lunar_months.tsv: %d months, %v", len(out), err)
	}
	return out
}

// FuzzOptions checks that no birth and no options panic, that an error is
// returned exactly for what SAJU.md calls invalid, naming the field (the
// lunar calendar taken from lunar_months.tsv, not from the table under
// test), and that a valid lunar birth has the chart of its Gregorian date.
func FuzzOptions(f *testing.F) {
	months := loadLunarMonths(f)
	f.Add(1990, 5, 15, 10, true, true, false, 30, 126.978, true, uint8(0))
	f.Add(1899, 12, 1, 0, true, true, false, 0, 0.0, false, uint8(1))
	f.Add(2100, 12, 1, 23, true, true, false, 59, 131.9, true, uint8(2))
	f.Add(2100, 12, 2, 23, true, true, false, 59, 131.9, true, uint8(2))
	f.Add(2023, 2, 30, 23, true, true, true, 0, 124.0, true, uint8(1))
	f.Add(1987, 10, 11, 2, true, false, false, 30, 135.0, true, uint8(0))
	f.Add(-1<<63, 1<<62, -5, 1<<40, true, true, true, -1, math.Inf(-1), true, uint8(200))
	f.Fuzz(func(t *testing.T, y, m, d, h int, known, lunar, leap bool, minute int, lon float64, hasLon bool, school uint8) {
		o := Options{LeapMonth: leap, Minute: minute, DayBoundary: DayBoundary(school)}
		if lunar {
			o.Calendar = Lunar
		}
		if hasLon {
			o.Longitude = &lon
		}
		b := Birth{Year: y, Month: m, Day: d}
		if known {
			b.Hour = &h
		}
		c, err := o.Compute(b)

		// The fields at fault, worked out independently, in the order of
		// [Options.resolve].
		var fields []string
		var jdn int
		switch {
		case !lunar:
			switch {
			case y < 1900 || y > 2100:
				fields = []string{"year"}
			case m < 1 || m > 12:
				fields = []string{"month"}
			case d < 1 || time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC).Day() != d:
				fields = []string{"day"}
			case leap:
				fields = []string{"is_leap_month"}
			case known && (h < 0 || h > 23):
				fields = []string{"hour"}
			}
			if fields == nil {
				jdn = julianDayNumber(y, m, d)
			}
		default:
			l := 0
			if leap {
				l = 1
			}
			month, ok := months[[3]int{y, m, l}]
			_, regular := months[[3]int{y, m, 0}]
			switch {
			case y < 1899 || y > 2100:
				fields = []string{"year"}
			case m < 1 || m > 12:
				fields = []string{"month"}
			case d < 1 || d > 30:
				fields = []string{"day"}
			case leap && !ok && (regular || y > 1899):
				fields = []string{"is_leap_month"}
			case ok && d > month.days:
				fields = []string{"day"}
			case !ok || month.first+d-1 < minJDN || month.first+d-1 > maxJDN:
				fields = []string{"year", "month", "day", "is_leap_month"}
			case known && (h < 0 || h > 23):
				fields = []string{"hour"}
			default:
				jdn = month.first + d - 1
			}
		}
		if fields == nil {
			switch {
			case minute < 0 || minute > 59:
				fields = []string{"minute"}
			case hasLon && !(lon >= 120 && lon <= 150):
				fields = []string{"longitude"}
			case school > 2:
				fields = []string{"day_boundary"}
			}
		}
		if fields != nil {
			var fe *FieldError
			if !errors.As(err, &fe) || !slices.Contains(fields, fe.Field) {
				t.Fatalf("%+v %+v: error %v, want one for %v", b, o, err, fields)
			}
			return
		}
		if err != nil {
			t.Fatalf("%+v %+v: %v", b, o, err)
		}
		if c.HasHour != known || !c.Year.Valid() || !c.Month.Valid() || !c.Day.Valid() || (known && !c.Hour.Valid()) {
			t.Fatalf("%+v %+v: chart %+v", b, o, c)
		}
		if lunar {
			g := gregorianFromJDN(jdn)
			o.Calendar, o.LeapMonth = Solar, false
			if sc, err := o.Compute(Birth{Year: g.Year, Month: g.Month, Day: g.Day, Hour: b.Hour}); err != nil || sc != c {
				t.Fatalf("%+v: chart %+v, its solar date's %+v (%v)", b, c, sc, err)
			}
		}
	})
}
