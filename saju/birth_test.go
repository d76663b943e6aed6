package saju

import (
	"errors"
	"testing"
	"time"
)

func hour(h int) *int { return &h }

func TestFieldError(t *testing.T) {
	for _, c := range []struct {
		name  string
		birth Birth
		field string // "" for no error
		msg   string
	}{
		{"first day", Birth{1900, 1, 1, hour(0)}, "", ""},
		{"last day", Birth{2100, 12, 31, hour(23)}, "", ""},
		{"unknown hour", Birth{1990, 5, 15, nil}, "", ""},
		{"leap day", Birth{2000, 2, 29, nil}, "", ""},
		{"year too early", Birth{1899, 12, 31, nil}, "year", "saju: year must be between 1900 and 2100"},
		{"year too late", Birth{2101, 1, 1, nil}, "year", "saju: year must be between 1900 and 2100"},
		{"year zero", Birth{}, "year", "saju: year must be between 1900 and 2100"},
		{"month zero", Birth{1990, 0, 1, nil}, "month", "saju: month must be between 1 and 12"},
		{"month 13", Birth{1990, 13, 1, nil}, "month", "saju: month must be between 1 and 12"},
		{"day zero", Birth{1990, 5, 0, nil}, "day", "saju: day must be between 1 and 31"},
		{"day 32", Birth{1990, 5, 32, nil}, "day", "saju: day must be between 1 and 31"},
		{"april 31", Birth{1990, 4, 31, nil}, "day", "saju: day must be between 1 and 30 in that month"},
		{"february 29 of 1900", Birth{1900, 2, 29, nil}, "day", "saju: day must be between 1 and 28 in that month"},
		{"february 30 of 2000", Birth{2000, 2, 30, nil}, "day", "saju: day must be between 1 and 29 in that month"},
		{"hour -1", Birth{1990, 5, 15, hour(-1)}, "hour", "saju: hour must be between 0 and 23"},
		{"hour 24", Birth{1990, 5, 15, hour(24)}, "hour", "saju: hour must be between 0 and 23"},
		{"year before day", Birth{3000, 2, 30, hour(99)}, "year", "saju: year must be between 1900 and 2100"},
	} {
		t.Run(c.name, func(t *testing.T) {
			chart, err := Compute(c.birth)
			_, ierr := Options{}.Instant(c.birth)
			if c.field == "" {
				if err != nil || ierr != nil || c.birth.Validate() != nil {
					t.Fatalf("unexpected error %v / %v", err, ierr)
				}
				return
			}
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v (%T), want a *FieldError", err, err)
			}
			if fe.Field != c.field || err.Error() != c.msg {
				t.Errorf("got field %q, %q; want %q, %q", fe.Field, err.Error(), c.field, c.msg)
			}
			if chart != (Chart{}) {
				t.Errorf("chart %+v returned with an error", chart)
			}
			if !errors.As(ierr, &fe) || fe.Field != c.field {
				t.Errorf("Instant: %v", ierr)
			}
		})
	}
}

// TestInstant checks the wall-clock rules of SAJU.md at each kind of
// transition of Asia/Seoul (tz database): the earlier instant for a wall
// time that occurred twice, the offset before the skip for one that never
// occurred.
func TestInstant(t *testing.T) {
	for _, c := range []struct {
		name  string
		birth Birth
		want  string
	}{
		{"local mean time", Birth{1900, 1, 1, hour(0)}, "1899-12-31T15:32:08Z"},
		{"unknown hour is noon", Birth{1990, 5, 15, nil}, "1990-05-15T03:00:00Z"},
		{"LMT to +8:30, skipped 00:00", Birth{1908, 4, 1, hour(0)}, "1908-03-31T15:32:08Z"},
		{"+8:30", Birth{1910, 6, 1, hour(12)}, "1910-06-01T03:30:00Z"},
		{"+8:30 to +9, skipped 00:00", Birth{1912, 1, 1, hour(0)}, "1911-12-31T15:30:00Z"},
		{"summer time begins, skipped 00:00", Birth{1948, 6, 1, hour(0)}, "1948-05-31T15:00:00Z"},
		{"summer time", Birth{1948, 7, 1, hour(12)}, "1948-07-01T02:00:00Z"},
		{"summer time ends, 23:00 twice", Birth{1948, 9, 12, hour(23)}, "1948-09-12T13:00:00Z"},
		{"+9 to +8:30", Birth{1954, 3, 21, hour(0)}, "1954-03-20T15:30:00Z"},
		{"1987 summer time begins, skipped 02:00", Birth{1987, 5, 10, hour(2)}, "1987-05-09T17:00:00Z"},
		{"1987 summer time ends, 02:00 twice", Birth{1987, 10, 11, hour(2)}, "1987-10-10T16:00:00Z"},
		{"1987 after the repeat", Birth{1987, 10, 11, hour(3)}, "1987-10-10T18:00:00Z"},
		{"last hour", Birth{2100, 12, 31, hour(23)}, "2100-12-31T14:00:00Z"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := Options{}.Instant(c.birth)
			if err != nil {
				t.Fatal(err)
			}
			if s := got.Format(time.RFC3339); s != c.want {
				t.Errorf("got %s, want %s", s, c.want)
			}
		})
	}
}
