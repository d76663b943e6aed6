package saju

import (
	"errors"
	"testing"
	"time"
)

// FuzzComputeDerived checks that no birth panics, that every valid birth
// gets its derived data with the properties of TestDerivedProperties, and
// that an invalid one gets the error of Compute.
func FuzzComputeDerived(f *testing.F) {
	f.Add(1990, 5, 17, 14, true, uint8(1))
	f.Add(1900, 1, 1, 0, true, uint8(2))
	f.Add(1900, 1, 1, 0, false, uint8(1))
	f.Add(2100, 12, 31, 23, true, uint8(1))
	f.Add(2100, 12, 31, 23, false, uint8(2))
	f.Add(1988, 5, 8, 2, true, uint8(0))
	f.Add(1954, 3, 21, 0, true, uint8(2))
	f.Add(2000, 2, 30, 12, true, uint8(7))
	f.Fuzz(func(t *testing.T, y, m, d, h int, known bool, gender uint8) {
		b := Birth{Year: y, Month: m, Day: d}
		if known {
			b.Hour = &h
		}
		g := Gender(gender % 3)
		c, dv, err := Options{}.ComputeDerived(b, g)
		if verr := b.Validate(); verr != nil {
			var fe *FieldError
			if !errors.As(err, &fe) || err.Error() != verr.Error() {
				t.Fatalf("%+v: error %v, want %v", b, err, verr)
			}
			return
		}
		if err != nil {
			t.Fatalf("%+v: %v", b, err)
		}
		if g == NoGender {
			if dv.HasLuck {
				t.Fatalf("%+v: luck without gender", b)
			}
			return
		}
		checkDerived(t, b, c, &dv, g)
	})
}

// FuzzDerive checks that Derive never panics, whatever the chart and the
// instant, and returns an error exactly for an invalid pillar or, with a
// gender, an instant outside the 절 table.
func FuzzDerive(f *testing.F) {
	f.Add(uint8(6), uint8(6), uint8(7), uint8(5), uint8(8), uint8(6), uint8(3), uint8(7), true, int64(643006800), uint8(1))
	f.Add(uint8(0), uint8(0), uint8(0), uint8(0), uint8(0), uint8(0), uint8(0), uint8(0), false, int64(0), uint8(0))
	f.Add(uint8(200), uint8(0), uint8(0), uint8(0), uint8(0), uint8(0), uint8(0), uint8(0), false, int64(-1<<63), uint8(2))
	f.Add(uint8(1), uint8(1), uint8(1), uint8(1), uint8(1), uint8(1), uint8(11), uint8(13), false, int64(1<<63-1), uint8(1))
	f.Fuzz(func(t *testing.T, ys, yb, ms, mb, ds, db, hs, hb uint8, known bool, unix int64, gender uint8) {
		c := Chart{
			Year:    Pillar{Stem(ys), Branch(yb)},
			Month:   Pillar{Stem(ms), Branch(mb)},
			Day:     Pillar{Stem(ds), Branch(db)},
			Hour:    Pillar{Stem(hs), Branch(hb)},
			HasHour: known,
		}
		g := Gender(gender % 3)
		d, err := Derive(c, time.Unix(unix, 0), g)
		valid := c.Year.Valid() && c.Month.Valid() && c.Day.Valid() && (!known || c.Hour.Valid())
		inTable := unix >= jieTable[0] && unix < jieTable[len(jieTable)-1]
		switch {
		case !valid:
			if !errors.Is(err, ErrInvalidChart) {
				t.Fatalf("%+v: %v, want ErrInvalidChart", c, err)
			}
		case g != NoGender && !inTable:
			if !errors.Is(err, ErrInstantRange) {
				t.Fatalf("%+v at %d: %v, want ErrInstantRange", c, unix, err)
			}
		case err != nil:
			t.Fatalf("%+v at %d: %v", c, unix, err)
		case d.HasLuck != (g != NoGender):
			t.Fatalf("%+v: HasLuck %v for gender %d", c, d.HasLuck, g)
		case d.HasLuck && (d.Luck.StartAge < 1 || d.Luck.StartAge > 10):
			t.Fatalf("%+v at %d: 대운수 %d", c, unix, d.Luck.StartAge)
		}
	})
}
