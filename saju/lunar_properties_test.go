package saju

import (
	"testing"
	"time"
)

// TestLunarProperties checks, over the whole table: every month has 29 or
// 30 days and follows the one before without a gap; every lunar year has
// 12 months, or 13 with exactly one leap month, and begins (설날) between
// 21 January and 20 February; every Gregorian day from 1900-01-01 to
// 2100-12-31 is exactly one valid lunar date, and each lunar date
// round-trips through its Gregorian date.
func TestLunarProperties(t *testing.T) {
	months := tableMonths()
	perYear := map[int]int{}
	leaps := map[int]int{}
	for i, m := range months {
		if m.days != 29 && m.days != 30 {
			t.Errorf("%d-%d leap=%v has %d days", m.year, m.month, m.leap, m.days)
		}
		if i > 0 && months[i-1].first+months[i-1].days != m.first {
			t.Errorf("%d-%d does not follow the month before", m.year, m.month)
		}
		perYear[m.year]++
		if m.leap {
			leaps[m.year]++
		}
	}
	for y := MinLunarYear; y <= MaxLunarYear; y++ {
		if n := perYear[y]; !(n == 12 && leaps[y] == 0 || n == 13 && leaps[y] == 1) {
			t.Errorf("lunar year %d: %d months, %d leap", y, n, leaps[y])
		}
		first, _, _, _ := lunarYear(y)
		if g := gregorianFromJDN(first); g.Year != y || !(g.Month == 1 && g.Day >= 21 || g.Month == 2 && g.Day <= 20) {
			t.Errorf("lunar year %d begins on %v", y, g)
		}
	}

	// Every valid lunar date, by enumerating the table, lands on a distinct
	// Gregorian day; together they cover every day of the range.
	seen := make(map[int]LunarDate, maxJDN-minJDN+1)
	for _, m := range months {
		for day := 1; day <= 30; day++ {
			d := LunarDate{m.year, m.month, day, m.leap}
			y, mo, dd, err := d.Solar()
			if day > m.days {
				if err == nil {
					t.Errorf("%+v: no error for day %d of a %d-day month", d, day, m.days)
				}
				continue
			}
			jdn := m.first + day - 1
			if jdn < minJDN || jdn > maxJDN {
				if err == nil {
					t.Errorf("%+v: no error outside the range", d)
				}
				continue
			}
			if err != nil || julianDayNumber(y, mo, dd) != jdn {
				t.Fatalf("%+v: %d-%d-%d, %v; want JDN %d", d, y, mo, dd, err, jdn)
			}
			if prev, dup := seen[jdn]; dup {
				t.Errorf("%d-%d-%d is both %+v and %+v", y, mo, dd, prev, d)
			}
			seen[jdn] = d
		}
	}
	days := 0
	for day := time.Date(MinYear, 1, 1, 0, 0, 0, 0, time.UTC); day.Year() <= MaxYear; day = day.AddDate(0, 0, 1) {
		days++
		y, m, d := day.Year(), int(day.Month()), day.Day()
		jdn := julianDayNumber(y, m, d)
		if g := gregorianFromJDN(jdn); g != (civil{y, m, d}) {
			t.Fatalf("gregorianFromJDN(%d) = %v, want %s", jdn, g, day.Format(time.DateOnly))
		}
		l, err := ToLunar(y, m, d)
		if err != nil {
			t.Fatalf("%s: %v", day.Format(time.DateOnly), err)
		}
		if want, ok := seen[jdn]; !ok || want != l {
			t.Fatalf("%s: ToLunar gives %+v, the table %+v", day.Format(time.DateOnly), l, want)
		}
		sy, sm, sd, err := Options{Calendar: Lunar, LeapMonth: l.Leap}.SolarDate(Birth{Year: l.Year, Month: l.Month, Day: l.Day})
		if err != nil || [3]int{sy, sm, sd} != [3]int{y, m, d} {
			t.Fatalf("%s: %+v goes back to %d-%d-%d, %v", day.Format(time.DateOnly), l, sy, sm, sd, err)
		}
	}
	if days != len(seen) || days != 73414 {
		t.Errorf("%d days, %d lunar dates", days, len(seen))
	}
}

// TestSchoolProperties checks the schools on two hours of every day from
// 1900 to 2100: at 23:00, jasi has the next day's day pillar and the hour
// stem of the next day's 00:00, split keeps the day pillar with that stem,
// midnight keeps both; the year and month pillars and the hour branch never
// depend on the school; at 22:00 nothing does.
func TestSchoolProperties(t *testing.T) {
	for day := time.Date(MinYear, 1, 1, 0, 0, 0, 0, time.UTC); day.Year() <= MaxYear; day = day.AddDate(0, 0, 1) {
		for _, h := range []int{22, 23} {
			b := Birth{Year: day.Year(), Month: int(day.Month()), Day: day.Day(), Hour: hour(h)}
			mid, err1 := Options{}.Compute(b)
			jasi, err2 := Options{DayBoundary: Jasi}.Compute(b)
			split, err3 := Options{DayBoundary: Split}.Compute(b)
			if err1 != nil || err2 != nil || err3 != nil {
				t.Fatal(err1, err2, err3)
			}
			for _, c := range []Chart{jasi, split} {
				if c.Year != mid.Year || c.Month != mid.Month || c.Hour.Branch != mid.Hour.Branch {
					t.Fatalf("%v: %+v against %+v", b, c, mid)
				}
			}
			if h == 22 {
				if jasi != mid || split != mid {
					t.Fatalf("%v: the schools differ at 22:00", b)
				}
				continue
			}
			next := dayPillar(julianDayNumber(b.Year, b.Month, b.Day) + 1)
			stem := hourPillar(next.Stem, 0)
			if jasi.Day != next || jasi.Hour != stem || split.Day != mid.Day || split.Hour != stem ||
				mid.Hour != hourPillar(mid.Day.Stem, 23) {
				t.Fatalf("%v: midnight %s %s, jasi %s %s, split %s %s", b, mid.Day, mid.Hour, jasi.Day, jasi.Hour, split.Day, split.Hour)
			}
		}
	}
}

// TestSolarTimeProperties checks true solar time on every day from 1900 to
// 2100 at 06:30 and 18:30: the apparent solar time is UT plus the
// longitude's 4 minutes a degree plus an equation of time within ±16¾
// minutes; the day and hour pillars follow its date and hour; the year and
// month pillars are the clock time's; and without a longitude, or without
// an hour, the longitude changes nothing.
func TestSolarTimeProperties(t *testing.T) {
	lon := 126.978
	for day := time.Date(MinYear, 1, 1, 0, 0, 0, 0, time.UTC); day.Year() <= MaxYear; day = day.AddDate(0, 0, 1) {
		for _, h := range []int{6, 18} {
			b := Birth{Year: day.Year(), Month: int(day.Month()), Day: day.Day(), Hour: hour(h)}
			o := Options{Minute: 30, Longitude: &lon}
			lat, ok, err := o.ApparentSolarTime(b)
			if err != nil || !ok {
				t.Fatal(err)
			}
			in, _ := o.Instant(b)
			if e := lat.Sub(in) - time.Duration(lon*240*float64(time.Second)); e.Abs() > 16*time.Minute+45*time.Second {
				t.Fatalf("%v: equation of time %v", b, e)
			}
			c, _ := o.Compute(b)
			clock, _ := Options{Minute: 30}.Compute(b)
			if c.Year != clock.Year || c.Month != clock.Month {
				t.Fatalf("%v: year or month moved with the longitude", b)
			}
			if want := dayPillar(julianDayNumber(lat.Year(), int(lat.Month()), lat.Day())); c.Day != want || c.Hour != hourPillar(want.Stem, lat.Hour()) {
				t.Fatalf("%v: %s %s at apparent %s", b, c.Day, c.Hour, lat)
			}
			b.Hour = nil
			if u, _ := o.Compute(b); u != func() Chart { c, _ := Compute(b); return c }() {
				t.Fatalf("%v: the longitude acted without an hour", b)
			}
			if _, ok, _ := o.ApparentSolarTime(b); ok {
				t.Fatalf("%v: an apparent solar time without an hour", b)
			}
		}
	}
}
