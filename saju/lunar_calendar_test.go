package saju

import (
	"math"
	"sort"
	"time"
)

// The Korean lunar calendar computed from the astronomy of this package,
// by the rules of SAJU.md ("Lunar birth dates"): a month begins on the
// civil date, on the meridian of UTC+9, of a new moon; the month holding
// the winter solstice (동지) is the 11th; when 13 months lie between two 11th
// months, the first of them holding no 중기 (the twelve odd-numbered solar
// terms) is the leap month and takes the number of the month before it.
// This code generates lunar_table.go; requests only read the table.

// lunarMonth is one month of the computed calendar.
type lunarMonth struct {
	year, month int  // the lunar year and month number
	leap        bool // a leap month (윤달), after the regular month of that number
	first       int  // the Julian day number of its first day
	days        int  // 29 or 30
}

// koreanMeridian is the offset of the civil dates on which the calendar is
// computed: UTC+9, in seconds.
const koreanMeridian = 9 * 3600

// civilJDN returns the Julian day number of the civil date, at UTC+offset
// seconds, of the instant unix (seconds of UT since 1970).
func civilJDN(unix float64, offset int) int {
	return int(math.Floor((unix+float64(offset))/secondsPerDay)) + unixEpochJDN
}

// computeLunarMonths returns the months of the calendar whose first day
// lies in [fromJDN, toJDN), their dates taken on the meridian of UTC+offset
// (offset(first) seconds for a month being placed, so that a historic
// period can be computed on another meridian).
func computeLunarMonths(fromJDN, toJDN int, offset func(jdn int) int, exceptions []lunarException) []lunarMonth {
	// The new moons from two lunations before fromJDN to well after toJDN,
	// with their civil dates: the first days of the months.
	k0 := int(math.Floor(float64(fromJDN-2451550)/29.530588861)) - 14
	k1 := int(math.Ceil(float64(toJDN-2451550)/29.530588861)) + 14
	var starts []int
	for k := k0; k <= k1; k++ {
		u := newMoonUnix(k)
		starts = append(starts, civilJDN(u, offset(civilJDN(u, koreanMeridian))))
	}
	for _, x := range exceptions {
		i := sort.SearchInts(starts, x.computed())
		if i == len(starts) || starts[i] != x.computed() {
			panic("lunar exception " + x.Computed + " is not a computed first day")
		}
		starts[i] = x.first()
	}
	// The 중기 by civil date: solar term i of a Gregorian year, i odd
	// (대한 300°, 우수 330°, …, 동지 270°).
	y0 := gregorianFromJDN(starts[0]).Year - 1
	y1 := gregorianFromJDN(starts[len(starts)-1]).Year + 1
	var zhongqi []int // sorted
	var dongji []int  // the winter solstices, sorted
	for y := y0; y <= y1; y++ {
		for i := 1; i < 24; i += 2 {
			u := solarTermUnix(y, i)
			d := civilJDN(u, offset(civilJDN(u, koreanMeridian)))
			zhongqi = append(zhongqi, d)
			if i == 23 {
				dongji = append(dongji, d)
			}
		}
	}
	// holds reports whether month j (starts[j] to starts[j+1]) holds a day
	// of the sorted list days.
	holds := func(days []int, j int) bool {
		i := sort.SearchInts(days, starts[j])
		return i < len(days) && days[i] < starts[j+1]
	}
	// The 11th months: those holding a 동지.
	var elevenths []int
	for j := 0; j+1 < len(starts); j++ {
		if holds(dongji, j) {
			elevenths = append(elevenths, j)
		}
	}
	var out []lunarMonth
	for n := 0; n+1 < len(elevenths); n++ {
		a, b := elevenths[n], elevenths[n+1]
		leapAt := -1
		if b-a == 13 {
			for j := a + 1; j < b; j++ {
				if !holds(zhongqi, j) {
					leapAt = j
					break
				}
			}
		}
		// Number the months from the 11th month a up to b: the 11th and 12th
		// months (and a leap month among them) belong to the lunar year of
		// the Gregorian year in which month a begins, in November or
		// December; from the 1st month on, to the next one.
		num := 11
		ly := gregorianFromJDN(starts[a]).Year
		for j := a; j < b; j++ {
			leap := j == leapAt
			if j > a && !leap {
				num++
				if num == 13 {
					num = 1
					ly++
				}
			}
			if starts[j] >= fromJDN && starts[j] < toJDN {
				out = append(out, lunarMonth{ly, num, leap, starts[j], starts[j+1] - starts[j]})
			}
		}
	}
	return out
}

// The span of the generated table: lunar years 1899 to 2100, whose months
// begin from 1899-02 to 2100-12-31.
var (
	lunarTableFrom = julianDayNumber(1898, 11, 1) // before lunar 1899-01-01
	lunarTableTo   = julianDayNumber(2102, 3, 1)  // after lunar 2101-01-01
)

// computedLunarYears groups the computed calendar by lunar year, from
// MinLunarYear to MaxLunarYear.
func computedLunarYears(months []lunarMonth) map[int][]lunarMonth {
	years := make(map[int][]lunarMonth)
	for _, m := range months {
		if m.year >= MinLunarYear && m.year <= MaxLunarYear {
			years[m.year] = append(years[m.year], m)
		}
	}
	return years
}

// lunarOffset is the meridian of the computation: UTC+9 throughout.
func lunarOffset(int) int { return koreanMeridian }

// lunarException is a month whose first day the reference calendar,
// lunar_months.tsv, puts one day away from the computation.
type lunarException struct {
	Computed, First string // the computed first day and the reference's
	Why             string
}

func (x lunarException) computed() int { return jdnOf(x.Computed) }
func (x lunarException) first() int    { return jdnOf(x.First) }

// jdnOf returns the Julian day number of a date written yyyy-mm-dd.
func jdnOf(date string) int {
	t, err := time.Parse(time.DateOnly, date)
	if err != nil {
		panic(err)
	}
	return julianDayNumber(t.Year(), int(t.Month()), t.Day())
}

// historic is why the first eight exceptions are.
const historic = "SAJU.md, \"Lunar birth dates\": in 1900–1911 Korea used the Qing calendar, and KASI's table begins these months a day before a UTC+9 computation says"

// lunarExceptions lists the nine months that the rules computed on UTC+9
// place one day away from the reference calendar. SAJU.md allows the
// eight historic months of 1900–1911 as such a table; computing those years
// on Beijing local time instead would also move 1906-04 (its new moon falls
// at 01:06 KST, 23:52 at 116.4° E), which KASI begins on the UTC+9 day (see
// TestLunarBeijingMeridian). The ninth is a month after 2050 whose new moon
// falls within seconds of Korean midnight, where new-moon theories and ΔT
// models disagree: SAJU.md lets the reference table say how palja reads
// it.
var lunarExceptions = []lunarException{
	{"1903-10-21", "1903-10-20", historic}, // 1903-09
	{"1904-01-18", "1904-01-17", historic}, // 1903-12
	{"1904-11-08", "1904-11-07", historic}, // 1904-10
	{"1905-05-05", "1905-05-04", historic}, // 1905-04
	{"1907-07-11", "1907-07-10", historic}, // 1907-06
	{"1908-05-01", "1908-04-30", historic}, // 1908-04
	{"1909-09-15", "1909-09-14", historic}, // 1909-08
	{"1911-12-21", "1911-12-20", historic}, // 1911-11
	// 2096-12: Meeus ch. 49 with the Espenak–Meeus ΔT puts the new moon at
	// 2097-01-13 23:59:55 KST, 5 s before midnight (the ch. 47 conjunction
	// of TestNewMoons at 23:59:48); the reference calendar (lunar-javascript
	// 1.7.7's new moons) after it, on 2097-01-14.
	{"2097-01-13", "2097-01-14", "SAJU.md, \"Lunar birth dates\": a computed month after 2050 flagged uncertain-start; lunar_months.tsv says how palja reads it"},
}
