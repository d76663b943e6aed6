package saju

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"testing"
	"time"
)

// tableMonths lists the months of lunarYears in order, with their first
// days and lengths.
func tableMonths() []lunarMonth {
	var out []lunarMonth
	for y := MinLunarYear; y <= MaxLunarYear; y++ {
		first, months, leap, long := lunarYear(y)
		num := 0
		for i := range months {
			m := lunarMonth{year: y, first: first, days: 29 + int(long>>i&1)}
			if leap != 0 && i == leap {
				m.month, m.leap = leap, true
			} else {
				num++
				m.month = num
			}
			out = append(out, m)
			first += m.days
		}
	}
	return out
}

// TestLunarMonthsReference checks lunarYears against every month of
// ../shared/saju/lunar_months.tsv (KASI's table to 2050, the KASI rules
// computed by lunar-javascript 1.7.7 after): the same months in the same
// order, each with the same first day and length.
func TestLunarMonthsReference(t *testing.T) {
	rows, lines := readTSV(t, "lunar_months.tsv")
	var months []lunarMonth
	for _, m := range tableMonths() {
		if m.first+m.days > minJDN && m.first <= maxJDN {
			months = append(months, m)
		}
	}
	if len(months) != len(rows) {
		t.Errorf("the table has %d months in range, lunar_months.tsv %d", len(months), len(rows))
	}
	bad := 0
	for i, r := range rows {
		where := "lunar_months.tsv:" + strconv.Itoa(lines[i]) + " (" + r["note"] + ")"
		first, err := time.Parse(time.DateOnly, r["first_day"])
		if err != nil {
			t.Fatalf("%s: %v", where, err)
		}
		want := lunarMonth{
			year: atoiT(t, r["lunar_year"]), month: atoiT(t, r["lunar_month"]), leap: r["is_leap_month"] == "true",
			first: julianDayNumber(first.Year(), int(first.Month()), first.Day()), days: atoiT(t, r["days"]),
		}
		if i >= len(months) || months[i] != want {
			var got lunarMonth
			if i < len(months) {
				got = months[i]
			}
			g := gregorianFromJDN(got.first)
			t.Errorf("%s: table has %d-%d leap=%v from %d-%02d-%02d, %d days; want %s-%s leap=%s from %s, %s days",
				where, got.year, got.month, got.leap, g.Year, g.Month, g.Day, got.days,
				r["lunar_year"], r["lunar_month"], r["is_leap_month"], r["first_day"], r["days"])
			if bad++; bad > 40 {
				t.Fatal("too many")
			}
		}
	}
	t.Logf("%d months compared", len(rows))
}

// atoiT parses a decimal integer of a reference file.
func atoiT(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// referenceMonths reads lunar_months.tsv into lunarMonths, with each row's
// note.
func referenceMonths(t *testing.T) (months []lunarMonth, notes []string) {
	rows, _ := readTSV(t, "lunar_months.tsv")
	for _, r := range rows {
		months = append(months, lunarMonth{
			year: atoiT(t, r["lunar_year"]), month: atoiT(t, r["lunar_month"]), leap: r["is_leap_month"] == "true",
			first: jdnOf(r["first_day"]), days: atoiT(t, r["days"]),
		})
		notes = append(notes, r["note"])
	}
	return months, notes
}

// TestLunarBeijingMeridian checks what lunarExceptions says of the other
// way SAJU.md offers for 1900–1911: computed on Beijing local time
// (116.4° E, UTC+7:45:36), the calendar gives the eight historic months of
// lunar_months.tsv but also begins 1906-04 a day early, which KASI does
// not; so the table keeps the UTC+9 computation and the eight exceptions.
func TestLunarBeijingMeridian(t *testing.T) {
	const beijing = 27936 // 116.4° × 240 s
	end := jdnOf("1912-01-01")
	offset := func(jdn int) int {
		if jdn < end {
			return beijing
		}
		return koreanMeridian
	}
	got := computeLunarMonths(jdnOf("1900-01-01"), end, offset, nil)
	ref, notes := referenceMonths(t)
	var differ []string
	historic := 0
	for i, m := range got {
		if i >= len(ref) {
			break
		}
		if m != ref[i] {
			g := gregorianFromJDN(m.first)
			differ = append(differ, fmt.Sprintf("%d-%02d from %d-%02d-%02d", m.year, m.month, g.Year, g.Month, g.Day))
		} else if notes[i] == "historic" {
			historic++
		}
	}
	// 1906-03 is a day shorter because 1906-04 begins a day early.
	if want := []string{"1906-03 from 1906-03-25", "1906-04 from 1906-04-23"}; historic != 8 || !slices.Equal(differ, want) {
		t.Errorf("on Beijing local time: %d of the 8 historic months, and %v differ from KASI (want %v)", historic, differ, want)
	}
	k := int(math.Round(float64(jdnOf("1906-04-24")-2451550) / 29.530588861))
	u := newMoonUnix(k)
	t.Logf("on Beijing local time all 8 historic months agree; 1906-04 does not: its new moon is at %s, %s at 116.4° E",
		time.Unix(int64(u), 0).In(time.FixedZone("KST", koreanMeridian)).Format("2006-01-02 15:04:05 KST"),
		time.Unix(int64(u), 0).In(time.FixedZone("", beijing)).Format("15:04:05"))
}
