package saju

import (
	"errors"
	"time"
)

// Errors of [Derive]. Neither says anything of the birth.
var (
	// ErrInvalidChart is returned for a chart with a pillar that is not one
	// of the sixty of the cycle (see [Pillar.Valid]).
	ErrInvalidChart = errors.New("saju: chart has an invalid pillar")
	// ErrInstantRange is returned when the birth instant lies outside the
	// solar-term table (1899–2101), so that the luck pillars cannot be
	// found. Every birth that [Birth.Validate] accepts lies inside it.
	ErrInstantRange = errors.New("saju: birth instant outside the solar-term table")
)

// PillarInfo is the derived data of one pillar of a chart (SAJU-DERIVED.md
// §2–§8): its ten gods, hidden stems, twelve stage, 납음, 신살 and void
// flag. Ten gods and stages are read against the day stem.
type PillarInfo struct {
	Pillar Pillar
	// StemTenGod is the ten god of the pillar's stem: [DayMaster] for the
	// day pillar, [Companion] for another pillar with the day's stem.
	StemTenGod TenGod
	// BranchTenGod is the ten god of the branch's main stem (정기), for
	// every pillar including the day pillar.
	BranchTenGod TenGod
	// Stage is the day stem's twelve stage on the pillar's branch.
	Stage Stage
	// Nayin is the 납음 of the pillar.
	Nayin Nayin
	// Sinsal is the 신살 of the pillar's branch against the year branch.
	Sinsal Sinsal
	// Void is true when the pillar's branch is one of the chart's void
	// branches (공망); never for the day pillar.
	Void bool

	nHidden uint8
	hidden  [3]HiddenStem
}

// StemElement returns the element of the pillar's stem.
func (p *PillarInfo) StemElement() Element { return p.Pillar.Stem.Element() }

// BranchElement returns the element of the pillar's branch.
func (p *PillarInfo) BranchElement() Element { return p.Pillar.Branch.Element() }

// HiddenStems returns the stems hidden in the pillar's branch (지장간), two
// or three, in the order 여기, 중기, 정기, with their ten gods against the
// day stem (see [Branch.HiddenStems]). The slice shares p's memory.
func (p *PillarInfo) HiddenStems() []HiddenStem { return p.hidden[:p.nHidden] }

// Derived is the data that palja derives from a chart (SAJU-DERIVED.md):
// for each pillar its [PillarInfo], for the chart its void branches, the
// relations among its pillars and, when the gender is known, its luck
// pillars. It is a value of fixed size: computing it allocates nothing.
type Derived struct {
	// Pillars holds the year, month, day and hour pillars in that order,
	// indexed by [Position]; Pillars[HourPillar] is the zero value, and
	// means nothing, when HasHour is false.
	Pillars [4]PillarInfo
	HasHour bool
	// VoidBranches are the two void branches (공망) of the day pillar's
	// decade, in the order of SAJU-DERIVED.md §8.
	VoidBranches [2]Branch
	// HasLuck is false when the gender is not known; Luck is then the zero
	// value.
	HasLuck bool
	Luck    Luck

	nRelations uint8
	relations  [maxRelations]Relation
}

// Relations returns the relations among the natal pillars, in the order of
// SAJU-DERIVED.md §9: by kind in the order of [RelationKind], then by the
// positions compared as lists. Without the hour, the hour pillar takes part
// in none. The slice shares d's memory.
func (d *Derived) Relations() []Relation { return d.relations[:d.nRelations] }

// Derive returns the derived data of the chart c (SAJU-DERIVED.md), for a
// birth at instant (the birth instant of [Options.Instant]: noon when the
// hour is unknown) by a person of gender g. The instant and the gender
// matter only for the luck pillars, which are omitted when g is
// [NoGender] (or any value other than [Male] and [Female]). The luck pillars run from c's month pillar and are timed by
// the same 절 table that gave it; instant is taken to the whole second.
//
// It returns [ErrInvalidChart] if a pillar of c is invalid and
// [ErrInstantRange] if g is known and the instant lies outside the table.
// It does not allocate.
func Derive(c Chart, instant time.Time, g Gender) (Derived, error) {
	var d Derived
	if err := derive(&d, &c, instant.Unix(), g); err != nil {
		return Derived{}, err
	}
	return d, nil
}

// ComputeDerived returns the chart of b and its derived data for a person
// of gender g: o.Compute(b), then [Derive] at o.Instant(b), in one call.
// It returns the errors of [Options.Compute]; it does not allocate.
func (o Options) ComputeDerived(b Birth, g Gender) (Chart, Derived, error) {
	c, err := o.Compute(b)
	if err != nil {
		return Chart{}, Derived{}, err
	}
	var unix int64
	if g == Male || g == Female {
		t, err := o.Instant(b)
		if err != nil {
			return Chart{}, Derived{}, err
		}
		unix = t.Unix()
	}
	var d Derived
	if err := derive(&d, &c, unix, g); err != nil {
		return Chart{}, Derived{}, err
	}
	return c, d, nil
}

// derive fills d with the derived data of c; see [Derive].
func derive(d *Derived, c *Chart, unix int64, g Gender) error {
	ps := [4]Pillar{c.Year, c.Month, c.Day, c.Hour}
	n := 3
	if c.HasHour {
		n = 4
	}
	for _, p := range ps[:n] {
		if !p.Valid() {
			return ErrInvalidChart
		}
	}
	day, year := c.Day.Stem, c.Year.Branch
	d.HasHour = c.HasHour
	d.VoidBranches = c.Day.VoidBranches()
	for i, p := range ps[:n] {
		info := &d.Pillars[i]
		*info = PillarInfo{
			Pillar:       p,
			StemTenGod:   day.TenGod(p.Stem),
			BranchTenGod: day.BranchTenGod(p.Branch),
			Stage:        day.Stage(p.Branch),
			Nayin:        p.Nayin(),
			Sinsal:       year.Sinsal(p.Branch),
			Void:         p.Branch == d.VoidBranches[0] || p.Branch == d.VoidBranches[1],
		}
		hs, k := p.Branch.HiddenStems(day)
		info.hidden, info.nHidden = hs, uint8(k)
	}
	d.Pillars[DayPillar].StemTenGod = DayMaster
	d.nRelations = uint8(relations(&ps, n, &d.relations))
	if g == Male || g == Female {
		if !luck(&d.Luck, c, unix, g) {
			return ErrInstantRange
		}
		d.HasLuck = true
	}
	return nil
}

// At returns the pillar of c at position p; the zero Pillar for the hour
// when c has none, or for a position out of range.
func (c Chart) At(p Position) Pillar {
	switch p {
	case YearPillar:
		return c.Year
	case MonthPillar:
		return c.Month
	case DayPillar:
		return c.Day
	case HourPillar:
		if c.HasHour {
			return c.Hour
		}
	}
	return Pillar{}
}
