package saju

import (
	"errors"
	"testing"
	"time"
)

// FuzzCompute checks that no input panics, that an error is returned
// exactly for births outside the calendar or the range 1900–2100, naming
// the right field, and that valid births give a consistent chart.
func FuzzCompute(f *testing.F) {
	f.Add(1990, 5, 15, 10, true)
	f.Add(1900, 1, 1, 0, true)
	f.Add(2100, 12, 31, 23, false)
	f.Add(2000, 2, 29, 12, true)
	f.Add(1900, 2, 29, 12, true)
	f.Add(1987, 10, 11, 2, true)
	f.Add(-1<<63, 1<<62, -5, 1<<40, true)
	f.Fuzz(func(t *testing.T, y, m, d, h int, known bool) {
		b := Birth{Year: y, Month: m, Day: d}
		if known {
			b.Hour = &h
		}
		c, err := Compute(b)

		// What SAJU.md and API.md call valid, worked out independently with
		// the time package's calendar.
		field := ""
		switch {
		case y < 1900 || y > 2100:
			field = "year"
		case m < 1 || m > 12:
			field = "month"
		case d < 1 || time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC).Day() != d:
			field = "day"
		case known && (h < 0 || h > 23):
			field = "hour"
		}
		if field != "" {
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != field {
				t.Fatalf("%+v: error %v, want one for %s", b, err, field)
			}
			return
		}
		if err != nil {
			t.Fatalf("%+v: %v", b, err)
		}
		if c.HasHour != known {
			t.Fatalf("%+v: HasHour %v", b, c.HasHour)
		}
		n := 0
		for _, k := range c.Elements {
			n += k
		}
		if want := map[bool]int{true: 8, false: 6}[known]; n != want {
			t.Fatalf("%+v: %d characters counted, want %d", b, n, want)
		}
		if !c.Year.Valid() || !c.Month.Valid() || !c.Day.Valid() || (known && !c.Hour.Valid()) {
			t.Fatalf("%+v: invalid pillar in %+v", b, c)
		}
	})
}
