package saju

import (
	"errors"
	"math"
	"slices"
	"strconv"
	"testing"
	"time"
)

// chartColumns returns c in the columns of the reference files.
func chartColumns(c Chart) map[string]string {
	hour := "-"
	if c.HasHour {
		hour = c.Hour.Hangul()
	}
	return map[string]string{
		"year_pillar": c.Year.Hangul(), "month_pillar": c.Month.Hangul(), "day_pillar": c.Day.Hangul(), "hour_pillar": hour,
		"wood": strconv.Itoa(c.Elements[Wood]), "fire": strconv.Itoa(c.Elements[Fire]), "earth": strconv.Itoa(c.Elements[Earth]),
		"metal": strconv.Itoa(c.Elements[Metal]), "water": strconv.Itoa(c.Elements[Water]),
		"weakest_element": c.Weakest.String(), "day_master": c.DayMaster(), "day_master_element": c.DayMasterElement().String(),
	}
}

// rowHour returns the hour column of a reference row, nil for "-".
func rowHour(t *testing.T, s string) *int {
	t.Helper()
	if s == "-" {
		return nil
	}
	h := atoiT(t, s)
	return &h
}

// TestLunarReference checks every row of ../shared/saju/lunar.tsv: the
// Gregorian date of each lunar birth, its instant, its pillars and derived
// data, and the way back from the Gregorian date to the lunar one.
func TestLunarReference(t *testing.T) {
	rows, lines := readTSV(t, "lunar.tsv")
	for i, r := range rows {
		where := "lunar.tsv:" + strconv.Itoa(lines[i]) + " (" + r["note"] + ")"
		leap := r["is_leap_month"] == "true"
		o := Options{Calendar: Lunar, LeapMonth: leap}
		b := Birth{Year: atoiT(t, r["lunar_year"]), Month: atoiT(t, r["lunar_month"]), Day: atoiT(t, r["lunar_day"]), Hour: rowHour(t, r["hour"])}
		y, m, d, err := o.SolarDate(b)
		if err != nil {
			t.Errorf("%s: %v", where, err)
			continue
		}
		if want := [3]int{atoiT(t, r["year"]), atoiT(t, r["month"]), atoiT(t, r["day"])}; [3]int{y, m, d} != want {
			t.Errorf("%s: solar date %d-%02d-%02d, want %v", where, y, m, d, want)
		}
		ly, lm, ld, _ := LunarDate{b.Year, b.Month, b.Day, leap}.Solar()
		if [3]int{ly, lm, ld} != [3]int{y, m, d} {
			t.Errorf("%s: LunarDate.Solar gives %d-%d-%d", where, ly, lm, ld)
		}
		back, err := ToLunar(y, m, d)
		if err != nil || back != (LunarDate{b.Year, b.Month, b.Day, leap}) {
			t.Errorf("%s: ToLunar gives %+v, %v", where, back, err)
		}
		in, err := o.Instant(b)
		if err != nil || in.Format(time.RFC3339) != r["birth_utc"] {
			t.Errorf("%s: instant %s, %v; want %s", where, in.Format(time.RFC3339), err, r["birth_utc"])
		}
		c, err := o.Compute(b)
		if err != nil {
			t.Fatalf("%s: %v", where, err)
		}
		// The same chart as the Gregorian birth's (SAJU.md: everything
		// else applies unchanged).
		if g, _ := Compute(Birth{Year: y, Month: m, Day: d, Hour: b.Hour}); g != c {
			t.Errorf("%s: chart %+v, the solar date's %+v", where, c, g)
		}
		for col, got := range chartColumns(c) {
			if got != r[col] {
				t.Errorf("%s: %s = %s, want %s", where, col, got, r[col])
			}
		}
	}
	t.Logf("%d lunar births agree", len(rows))
}

// TestLunarInvalid checks that every input of
// ../shared/saju/lunar_invalid.tsv is refused with a *FieldError naming
// the field its reason points at (SAJU.md, "Lunar birth dates"): one of the
// three date fields for a date outside the range.
func TestLunarInvalid(t *testing.T) {
	rows, lines := readTSV(t, "lunar_invalid.tsv")
	fields := map[string][]string{
		"day-30-in-29-day-month":      {"day"},
		"day-30-in-29-day-leap-month": {"day"},
		"day-out-of-range":            {"day"},
		"no-leap-month-in-year":       {"is_leap_month"},
		"leap-flag-on-other-month":    {"is_leap_month"},
		"month-out-of-range":          {"month"},
		"before-range":                {"year", "month", "day"},
		"after-range":                 {"year", "month", "day"},
	}
	for i, r := range rows {
		where := "lunar_invalid.tsv:" + strconv.Itoa(lines[i]) + " (" + r["reason"] + ")"
		want, ok := fields[r["reason"]]
		if !ok {
			t.Fatalf("%s: unknown reason", where)
		}
		d := LunarDate{atoiT(t, r["lunar_year"]), atoiT(t, r["lunar_month"]), atoiT(t, r["lunar_day"]), r["is_leap_month"] == "true"}
		_, _, _, err := d.Solar()
		o := Options{Calendar: Lunar, LeapMonth: d.Leap}
		b := Birth{Year: d.Year, Month: d.Month, Day: d.Day, Hour: hour(12)}
		_, cerr := o.Compute(b)
		for _, err := range []error{err, cerr, o.Validate(b)} {
			var fe *FieldError
			if !errors.As(err, &fe) || !slices.Contains(want, fe.Field) {
				t.Errorf("%s: error %v, want a *FieldError for %v", where, err, want)
			}
		}
	}
	t.Logf("%d invalid lunar dates refused", len(rows))
}

// TestSchoolsReference checks every row of ../shared/saju/schools.tsv
// under the three schools: the year and month pillars (the same in all),
// the day and hour pillars of each.
func TestSchoolsReference(t *testing.T) {
	rows, lines := readTSV(t, "schools.tsv")
	for i, r := range rows {
		where := "schools.tsv:" + strconv.Itoa(lines[i]) + " (" + r["note"] + ")"
		b := Birth{Year: atoiT(t, r["year"]), Month: atoiT(t, r["month"]), Day: atoiT(t, r["day"]), Hour: rowHour(t, r["hour"])}
		for _, s := range []DayBoundary{Midnight, Jasi, Split} {
			c, err := Options{DayBoundary: s}.Compute(b)
			if err != nil {
				t.Fatalf("%s: %v", where, err)
			}
			cols := chartColumns(c)
			for col, want := range map[string]string{
				"year_pillar": r["year_pillar"], "month_pillar": r["month_pillar"],
				"day_pillar": r[s.String()+"_day"], "hour_pillar": r[s.String()+"_hour"],
			} {
				if cols[col] != want {
					t.Errorf("%s: %s: %s = %s, want %s", where, s, col, cols[col], want)
				}
			}
		}
	}
	t.Logf("%d births agree under the three schools", len(rows))
}

// TestSolarTimeReference checks every row of ../shared/saju/solartime.tsv:
// the birth instant exactly, the apparent solar time within 5 s (the file
// truncates it to the second, and its equation of time comes from
// astronomia 4.2.0, Meeus (28.1) with the full VSOP87), and the four
// pillars exactly. Run with -v to see the worst differences.
func TestSolarTimeReference(t *testing.T) {
	rows, lines := readTSV(t, "solartime.tsv")
	var worstLAT, worstE float64
	var worstLATAt, worstEAt string
	for i, r := range rows {
		where := "solartime.tsv:" + strconv.Itoa(lines[i]) + " (" + r["note"] + ")"
		lon, err := strconv.ParseFloat(r["longitude"], 64)
		if err != nil {
			t.Fatal(err)
		}
		o := Options{Minute: atoiT(t, r["minute"]), Longitude: &lon}
		b := Birth{Year: atoiT(t, r["year"]), Month: atoiT(t, r["month"]), Day: atoiT(t, r["day"]), Hour: rowHour(t, r["hour"])}
		in, err := o.Instant(b)
		if err != nil || in.Format(time.RFC3339) != r["birth_utc"] {
			t.Errorf("%s: instant %s, %v; want %s", where, in.Format(time.RFC3339), err, r["birth_utc"])
		}
		lat, ok, err := o.ApparentSolarTime(b)
		if err != nil || !ok {
			t.Fatalf("%s: %v, %v", where, ok, err)
		}
		want, err := time.Parse("2006-01-02T15:04:05", r["apparent_solar_time"])
		if err != nil {
			t.Fatal(err)
		}
		// The file truncates to the second: compare with the middle of it.
		d := lat.Sub(want).Seconds() - 0.5
		if math.Abs(d) > math.Abs(worstLAT) {
			worstLAT, worstLATAt = d, where
		}
		if math.Abs(d) > 5 {
			t.Errorf("%s: apparent solar time %s, want %s", where, lat.Format("2006-01-02T15:04:05.0"), r["apparent_solar_time"])
		}
		wantE, err := strconv.ParseFloat(r["eot_seconds"], 64)
		if err != nil {
			t.Fatal(err)
		}
		if dE := equationOfTime(float64(in.Unix())) - wantE; math.Abs(dE) > math.Abs(worstE) {
			worstE, worstEAt = dE, where
		}
		c, err := o.Compute(b)
		if err != nil {
			t.Fatalf("%s: %v", where, err)
		}
		cols := chartColumns(c)
		for _, col := range []string{"year_pillar", "month_pillar", "day_pillar", "hour_pillar"} {
			if cols[col] != r[col] {
				t.Errorf("%s: %s = %s, want %s", where, col, cols[col], r[col])
			}
		}
	}
	t.Logf("%d rows agree; worst apparent solar time difference %+.1f s (%s), worst equation of time difference %+.2f s (%s)",
		len(rows), worstLAT, worstLATAt, worstE, worstEAt)
}
