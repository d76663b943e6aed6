package saju

import (
	"strconv"
	"testing"
	"time"
)

// TestPillarsReference checks every row of ../shared/saju/pillars.tsv: the
// birth instant, the four pillars, the element counts, the weakest element
// and the day master. The rows come from manseryeok 2.0.0's term table and
// tzdata 2025b (see the file's header); none is skipped.
func TestPillarsReference(t *testing.T) {
	rows, lines := readTSV(t, "pillars.tsv")
	atoi := func(s string) int {
		t.Helper()
		n, err := strconv.Atoi(s)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	for i, r := range rows {
		b := Birth{Year: atoi(r["year"]), Month: atoi(r["month"]), Day: atoi(r["day"])}
		if r["hour"] != "-" {
			h := atoi(r["hour"])
			b.Hour = &h
		}
		where := "pillars.tsv:" + strconv.Itoa(lines[i]) + " (" + r["note"] + ")"

		instant, err := Options{}.Instant(b)
		if err != nil {
			t.Fatalf("%s: %v", where, err)
		}
		wantInstant, err := time.Parse(time.RFC3339, r["birth_utc"])
		if err != nil {
			t.Fatalf("%s: %v", where, err)
		}
		if !instant.Equal(wantInstant) {
			t.Errorf("%s: birth instant %s, want %s", where, instant.Format(time.RFC3339), r["birth_utc"])
		}

		c, err := Compute(b)
		if err != nil {
			t.Fatalf("%s: %v", where, err)
		}
		hour := "-"
		if c.HasHour {
			hour = c.Hour.Hangul()
		}
		got := []string{
			c.Year.Hangul(), c.Month.Hangul(), c.Day.Hangul(), hour,
			strconv.Itoa(c.Elements[Wood]), strconv.Itoa(c.Elements[Fire]), strconv.Itoa(c.Elements[Earth]),
			strconv.Itoa(c.Elements[Metal]), strconv.Itoa(c.Elements[Water]),
			c.Weakest.String(), c.DayMaster(), c.DayMasterElement().String(),
		}
		cols := []string{
			"year_pillar", "month_pillar", "day_pillar", "hour_pillar",
			"wood", "fire", "earth", "metal", "water",
			"weakest_element", "day_master", "day_master_element",
		}
		for j, col := range cols {
			if got[j] != r[col] {
				t.Errorf("%s: %s = %s, want %s", where, col, got[j], r[col])
			}
		}
	}
	t.Logf("%d rows agree", len(rows))
}
