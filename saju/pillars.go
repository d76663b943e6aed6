package saju

// Options selects the conventions of a computation and carries the parts
// of a birth that only some schools use. Its zero value is the default
// school of palja, specified in SAJU.md and summarised in the package
// documentation: a Gregorian date, the clock hour on the hour, the day
// changing at midnight.
type Options struct {
	// Calendar is the calendar of the birth date: Solar (the zero value) or
	// Lunar, in which case Birth.Year, Month and Day are a Korean lunar date
	// (SAJU.md, "Lunar birth dates").
	Calendar Calendar
	// LeapMonth, with Lunar, puts the date in the year's leap month (윤달);
	// it must be false otherwise.
	LeapMonth bool
	// Minute is the minute of the birth hour, 0–59 (0 by default); it is
	// ignored when the hour is unknown.
	Minute int
	// Longitude, when not nil, is the birthplace's longitude in degrees
	// east, [MinLongitude] to [MaxLongitude]: with a known hour the day and
	// hour pillars then follow the local apparent solar time (진태양시)
	// there (SAJU.md, "True solar time"). Nil keeps the clock time.
	Longitude *float64
	// DayBoundary is the school of the hour 23:00–23:59: Midnight (the zero
	// value), Jasi or Split (SAJU.md, "The 23:00 schools").
	DayBoundary DayBoundary
}

// Chart is the four pillars of a birth and the data derived from them.
type Chart struct {
	Year, Month, Day, Hour Pillar
	// HasHour is false when the birth hour is unknown; Hour is then the zero
	// Pillar and means nothing.
	HasHour bool
	// Elements counts the elements of the eight characters (six without the
	// hour pillar), indexed by Element.
	Elements [5]int
	// Weakest is the element with the lowest count, ties going to the first
	// in the order wood, fire, earth, metal, water.
	Weakest Element
}

// dayMasterNames holds each day stem followed by its element in hangul.
var dayMasterNames = [10]string{"갑목", "을목", "병화", "정화", "무토", "기토", "경금", "신금", "임수", "계수"}

// DayMaster returns the day master (일간): the day stem followed by its
// element in hangul, such as "병화" or "계수".
func (c Chart) DayMaster() string {
	if c.Day.Stem > 9 {
		return ""
	}
	return dayMasterNames[c.Day.Stem]
}

// DayMasterElement returns the element of the day stem.
func (c Chart) DayMasterElement() Element { return c.Day.Stem.Element() }

// Compute returns the chart of b under the default conventions:
// Options{}.Compute(b).
func Compute(b Birth) (Chart, error) { return Options{}.Compute(b) }

// Compute returns the four pillars of b and the data derived from them,
// under the conventions o selects. It returns a *[FieldError] if b is not
// valid under o (see [Options.Validate]).
//
// It looks the solar terms, the lunar calendar and the equation of time up
// in precomputed tables and does not allocate.
func (o Options) Compute(b Birth) (Chart, error) {
	var t civilDay
	if err := o.resolve(&b, &t); err != nil {
		return Chart{}, err
	}
	var c Chart
	c.Year, c.Month = yearMonth(t.unix, t.year, t.month)
	c.Day = dayPillar(t.dayJDN)
	if t.hour >= 0 {
		c.Hour = hourPillar(dayPillar(t.stemJDN).Stem, t.hour)
		c.HasHour = true
	}
	c.count()
	return c, nil
}

// yearMonth returns the year and month pillars of the birth instant unix
// (SAJU.md, "Year" and "Month"). civilYear and civilMonth are the birth
// date's, used to find the 절 in the table.
func yearMonth(unix int64, civilYear, civilMonth int) (year, month Pillar) {
	jy, k := jieAt(unix, civilYear, civilMonth)
	// The saju year begins at 입춘 (k = 1); 소한 (k = 0) still belongs to
	// the previous year's twelfth month.
	sajuYear := jy
	if k == 0 {
		sajuYear--
	}
	year = PillarFromIndex(sajuYear - 4) // 1984 is 갑자
	// n counts the months of the saju year from 인월 (n = 0) to 축월 (11).
	n := (k + 11) % 12
	// The first month's stem follows the year stem: 갑·기 → 병인, 을·경 → 무인,
	// 병·신 → 경인, 정·임 → 임인, 무·계 → 갑인, i.e. 2·(stem mod 5) + 2.
	stem := (int(year.Stem)%5*2 + 2 + n) % 10
	branch := (k + 1) % 12 // 소한 → 축, 입춘 → 인, …, 대설 → 자
	month = Pillar{Stem: Stem(stem), Branch: Branch(branch)}
	return year, month
}

// dayPillar returns the pillar of the civil date whose Julian day number is
// jdn (SAJU.md, "Day"): index (JDN + 49) mod 60, so that 1900-01-01,
// JDN 2415021, is 갑술.
func dayPillar(jdn int) Pillar {
	return PillarFromIndex(jdn + 49)
}

// hourPillar returns the hour pillar of clock hour h (0–23) on a day whose
// stem is dayStem (SAJU.md, "Hour"). The branch is ((h + 1) / 2) mod 12, so
// 23:00 and 00:00 are both 자시; the stem follows the same civil day's stem:
// 갑·기 days start at 갑자, 을·경 at 병자, 병·신 at 무자, 정·임 at 경자, 무·계
// at 임자.
func hourPillar(dayStem Stem, h int) Pillar {
	branch := (h + 1) / 2 % 12
	stem := (int(dayStem)%5*2 + branch) % 10
	return Pillar{Stem: Stem(stem), Branch: Branch(branch)}
}

// count fills in c.Elements and c.Weakest from the pillars.
func (c *Chart) count() {
	c.Elements = [5]int{}
	ps := [4]Pillar{c.Year, c.Month, c.Day, c.Hour}
	n := 3
	if c.HasHour {
		n = 4
	}
	for _, p := range ps[:n] {
		c.Elements[p.Stem.Element()]++
		c.Elements[p.Branch.Element()]++
	}
	c.Weakest = Wood
	for e := Fire; e <= Water; e++ {
		if c.Elements[e] < c.Elements[c.Weakest] {
			c.Weakest = e
		}
	}
}
