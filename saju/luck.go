package saju

import "time"

// Gender is the gender of a chart's owner, which decides the direction of
// the luck pillars. [NoGender], the zero value, means that it is not known;
// a chart then has no luck pillars.
type Gender uint8

// The genders. The luck pillars run forward for a male born in a yang year
// and for a female born in a yin year (양남음녀 순행), backward otherwise.
const (
	NoGender Gender = iota
	Male
	Female
)

// String returns "male" or "female", as the API writes the gender, and the
// empty string for NoGender.
func (g Gender) String() string {
	switch g {
	case Male:
		return "male"
	case Female:
		return "female"
	}
	return ""
}

// Direction is the direction in which the luck pillars run through the
// sexagenary cycle from the month pillar.
type Direction uint8

// The two directions of the luck pillars.
const (
	Forward  Direction = iota // 순행 順行: toward the next 절
	Backward                  // 역행 逆行: toward the 절 that began the month
)

// String returns "forward" or "backward", as the API writes the direction.
func (d Direction) String() string {
	switch d {
	case Forward:
		return "forward"
	case Backward:
		return "backward"
	}
	return ""
}

// Luck is the ten luck pillars (대운 大運) of a chart and when they begin
// (SAJU-DERIVED.md §10).
type Luck struct {
	Direction Direction
	// StartAge is the 대운수: the distance to the 절 in units of three days
	// (one year), rounded half up, at least 1; always 1 to 10. It is the
	// conventional label of the first luck pillar, an age in years.
	StartAge int
	// Start is the instant the first luck pillar begins, in seconds since
	// 1970-01-01 UTC (see [Luck.StartAt]): the birth instant plus
	// ⌊D × 365.2425 / 3⌋, D being Distance in seconds.
	Start int64
	// Approximate is true when the birth hour is unknown and the noon
	// instant stood in for it.
	Approximate bool
	// Distance is D, the time from the birth instant to the next 절
	// (forward) or from the 절 that began the birth month (backward), in
	// whole seconds; 0 ≤ D < 31.5 days.
	Distance time.Duration
	// Pillars are the ten luck pillars, the first at Pillars[0].
	Pillars [10]LuckPillar
}

// LuckPillar is one of the ten luck pillars, with its ten gods and stage
// against the natal day stem.
type LuckPillar struct {
	// Index is k, 1 to 10.
	Index  int
	Pillar Pillar
	// StartAge is StartAge of the [Luck] plus 10(k − 1).
	StartAge int
	// Start is the instant the pillar begins, in seconds since 1970-01-01
	// UTC (see [LuckPillar.StartAt]): Start of the [Luck] plus
	// (k − 1) × 3652.425 days.
	Start int64
	// StemTenGod and BranchTenGod are the ten gods of the pillar's stem and
	// of its branch's main stem against the natal day stem ([Companion],
	// never [DayMaster], for a stem equal to it); Stage is the natal day
	// stem's twelve stage on the pillar's branch.
	StemTenGod, BranchTenGod TenGod
	Stage                    Stage
}

// StartAt returns the instant the first luck pillar begins, in UTC.
func (l *Luck) StartAt() time.Time { return time.Unix(l.Start, 0).UTC() }

// StartAt returns the instant the pillar begins, in UTC.
func (p *LuckPillar) StartAt() time.Time { return time.Unix(p.Start, 0).UTC() }

// Constants of SAJU-DERIVED.md §10; durations in seconds.
const (
	luckYearPerDay = 1217475       // ÷ 10⁴: 121.7475 = 365.2425 / 3, the seconds of start per second of D
	luckDecade     = 315569520     // 10 × 365.2425 days
	threeDays      = 3 * 86400     // one year of 대운수
	meanJieSpacing = 2629746       // 365.2425 days / 12, a guess for the table index
	halfThreeDays  = threeDays / 2 // rounds D / 3 days half up
)

// luck sets l to the luck pillars of c for a birth at the instant unix
// (seconds since 1970 UTC) and the gender g (Male or Female); it returns
// false, leaving l alone, if unix lies outside the 절 table.
func luck(l *Luck, c *Chart, unix int64, g Gender) bool {
	// The latest 절 at or before unix, jieTable[i] ≤ unix < jieTable[i+1].
	if unix < jieTable[0] || unix >= jieTable[len(jieTable)-1] {
		return false
	}
	i := min(int((unix-jieTable[0])/meanJieSpacing), len(jieTable)-2)
	for unix < jieTable[i] {
		i--
	}
	for unix >= jieTable[i+1] {
		i++
	}

	// 양남음녀 순행: forward for a yang year stem and a male, or a yin year
	// stem and a female; the year stem is the saju year's, from 입춘.
	yang := c.Year.Stem%2 == 0
	dir, step := Backward, -1
	var d int64
	if yang == (g == Male) {
		dir, step = Forward, 1
		d = jieTable[i+1] - unix // the first 절 strictly after the birth
	} else {
		d = unix - jieTable[i] // the 절 at or before it, which began the month
	}

	// 대운수 N = max(1, ⌊(D + 129 600) / 259 200⌋).
	n := int((d + halfThreeDays) / threeDays)
	n = max(n, 1)
	// start_at = t + ⌊D × 121.7475⌋ s, exactly in integers.
	start := unix + d*luckYearPerDay/10000

	l.Direction, l.StartAge, l.Start = dir, n, start
	l.Approximate, l.Distance = !c.HasHour, time.Duration(d)*time.Second
	// Pillar k is the month pillar's index ± k: step stem and branch by
	// one (the cycle's index steps with both), against the natal day stem's
	// rows of the tables.
	tenGods, stages := &tenGodTable[c.Day.Stem%10], &stageTable[c.Day.Stem%10]
	st, br := int(c.Month.Stem%10), int(c.Month.Branch%12)
	for k := range l.Pillars {
		st, br = (st+step+10)%10, (br+step+12)%12
		l.Pillars[k] = LuckPillar{
			Index:        k + 1,
			Pillar:       Pillar{Stem: Stem(st), Branch: Branch(br)},
			StartAge:     n + 10*k,
			Start:        start + int64(k)*luckDecade,
			StemTenGod:   tenGods[st],
			BranchTenGod: tenGods[mainStem[br]],
			Stage:        stages[br],
		}
	}
	return true
}
