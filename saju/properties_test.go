package saju

import (
	"testing"
	"time"
)

// sample is the chart of one birth hour, in instant order.
type sample struct {
	birth Birth
	unix  int64
	chart Chart
}

// everyDay computes the charts of every date from 1900-01-01 to 2100-12-31
// at the given hours, in order.
func everyDay(t *testing.T, hours ...int) []sample {
	t.Helper()
	var out []sample
	for d := time.Date(MinYear, 1, 1, 0, 0, 0, 0, time.UTC); d.Year() <= MaxYear; d = d.AddDate(0, 0, 1) {
		for _, h := range hours {
			b := Birth{Year: d.Year(), Month: int(d.Month()), Day: d.Day(), Hour: hour(h)}
			c, err := Compute(b)
			if err != nil {
				t.Fatalf("%v: %v", b, err)
			}
			in, err := Options{}.Instant(b)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, sample{b, in.Unix(), c})
		}
	}
	return out
}

// TestProperties checks, for three hours of every day from 1900 to 2100:
// the day pillar advances by one each day and repeats every 60 days; the
// year pillar changes exactly when a 입춘 has passed, by one; the month
// pillar changes exactly when a 절 has passed, by one, and is always one of
// the sixty (stem and branch of equal parity); the hour branch follows the
// clock and the elements add up.
func TestProperties(t *testing.T) {
	samples := everyDay(t, 0, 12, 23)
	if len(samples) != 3*73414 {
		t.Fatalf("%d samples", len(samples))
	}
	// Walk the 절 table alongside instead of searching it for each pair.
	next := 0
	yearChanges, monthChanges := 0, 0
	for i, s := range samples {
		c := s.chart
		for _, p := range []Pillar{c.Year, c.Month, c.Day, c.Hour} {
			if !p.Valid() {
				t.Fatalf("%v: invalid pillar %d/%d", s.birth, p.Stem, p.Branch)
			}
		}
		sum := 0
		for _, n := range c.Elements {
			sum += n
		}
		if sum != 8 {
			t.Fatalf("%v: elements %v", s.birth, c.Elements)
		}
		for e := Wood; e <= Water; e++ {
			if n, w := c.Elements[e], c.Elements[c.Weakest]; n < w || (e < c.Weakest && n == w) {
				t.Fatalf("%v: elements %v, weakest %v", s.birth, c.Elements, c.Weakest)
			}
		}
		if h := *s.birth.Hour; int(c.Hour.Branch) != (h+1)/2%12 {
			t.Fatalf("%v: hour branch %s", s.birth, c.Hour.Branch.Hangul())
		}
		if i == 0 {
			continue
		}
		prev := samples[i-1]
		if s.unix < prev.unix {
			t.Fatalf("%v: instant before the previous hour's", s.birth)
		}
		for next < len(jieTable) && jieTable[next] <= prev.unix {
			next++
		}
		jie, ipchun := 0, 0
		for j := next; j < len(jieTable) && jieTable[j] <= s.unix; j++ {
			jie++
			if j%12 == 1 {
				ipchun++
			}
		}
		dy := (c.Year.Index() - prev.chart.Year.Index() + 60) % 60
		dm := (c.Month.Index() - prev.chart.Month.Index() + 60) % 60
		if dy != ipchun || dm != jie {
			t.Fatalf("%v: year pillar %s→%s, month pillar %s→%s after %d 입춘 and %d 절",
				s.birth, prev.chart.Year, c.Year, prev.chart.Month, c.Month, ipchun, jie)
		}
		yearChanges += dy
		monthChanges += dm
		dd := (c.Day.Index() - prev.chart.Day.Index() + 60) % 60
		if sameDay := prev.birth.Day == s.birth.Day; (sameDay && dd != 0) || (!sameDay && dd != 1) {
			t.Fatalf("%v: day pillar %s after %s", s.birth, c.Day, prev.chart.Day)
		}
		if i >= 3*60 && samples[i-3*60].chart.Day != c.Day {
			t.Fatalf("%v: day pillar does not repeat after 60 days", s.birth)
		}
	}
	// From 1900-01-01 to 2100-12-31: the 입춘 of 1900 to 2100, and every 절
	// from 소한 1900 to 대설 2100.
	if yearChanges != 201 || monthChanges != 201*12 {
		t.Errorf("%d year changes, %d month changes", yearChanges, monthChanges)
	}
	// The first day is 갑술 (SAJU.md).
	if d := samples[0].chart.Day.Hangul(); d != "갑술" {
		t.Errorf("1900-01-01 is %s", d)
	}
}
