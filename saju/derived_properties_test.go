package saju

import (
	"errors"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"
)

// relationKey is a relation with its positions as a set, for comparing
// relations regardless of order.
type relationKey struct {
	kind       RelationKind
	positions  uint8 // bit p for position p
	element    Element
	hasElement bool
}

// relationSet returns the relations of the first n pillars of ps, with
// each position p renamed to perm[p], sorted.
func relationSet(ps [4]Pillar, n int, perm [4]Position) []relationKey {
	var out [maxRelations]Relation
	m := relations(&ps, n, &out)
	keys := make([]relationKey, 0, m)
	for i := range m {
		r := &out[i]
		k := relationKey{kind: r.Kind, element: r.Element, hasElement: r.HasElement}
		for _, p := range r.Pillars() {
			k.positions |= 1 << perm[p]
		}
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b relationKey) int {
		if a.kind != b.kind {
			return int(a.kind) - int(b.kind)
		}
		return int(a.positions) - int(b.positions)
	})
	return keys
}

// permutations returns the 24 orderings of the four positions.
func permutations() [][4]Position {
	var out [][4]Position
	var rec func(p [4]Position, k int)
	rec = func(p [4]Position, k int) {
		if k == 4 {
			out = append(out, p)
			return
		}
		for i := k; i < 4; i++ {
			p[k], p[i] = p[i], p[k]
			rec(p, k+1)
			p[k], p[i] = p[i], p[k]
		}
	}
	rec([4]Position{0, 1, 2, 3}, 0)
	return out
}

// TestRelationsSymmetric checks that every relation is symmetric in its
// members: putting the same pillars at other positions gives the same
// relations between the same pillars. It also checks the order and the
// uniqueness of SAJU-DERIVED.md §9 rule 7, and that no relation joins a
// position with itself.
func TestRelationsSymmetric(t *testing.T) {
	for x := range 12 {
		for y := range 12 {
			if branchPairs[x][y] != branchPairs[y][x] || x < 10 && y < 10 && stemPairs[x][y] != stemPairs[y][x] {
				t.Fatalf("pair tables not symmetric at %d %d", x, y)
			}
		}
	}
	rng := rand.New(rand.NewPCG(17, 9))
	perms := permutations()
	identity := [4]Position{0, 1, 2, 3}
	for range 20000 {
		var ps [4]Pillar
		for i := range ps {
			ps[i] = PillarFromIndex(rng.IntN(60))
		}
		n := 3 + rng.IntN(2)
		want := relationSet(ps, n, identity)
		var out [maxRelations]Relation
		m := relations(&ps, n, &out)
		for i := range m {
			r := &out[i]
			pos := r.Pillars()
			if len(pos) != 2+map[bool]int{true: 1}[r.Kind.Triple()] || !slices.IsSorted(pos) || int(pos[len(pos)-1]) >= n {
				t.Fatalf("%v: relation %v joins %v", ps[:n], r.Kind, pos)
			}
			for j := 1; j < len(pos); j++ {
				if pos[j] == pos[j-1] {
					t.Fatalf("%v: relation %v joins a pillar with itself", ps[:n], r.Kind)
				}
			}
			if i > 0 {
				q := &out[i-1]
				if q.Kind > r.Kind || q.Kind == r.Kind && slices.Compare(q.Pillars(), r.Pillars()) >= 0 {
					t.Fatalf("%v: relations %v %v then %v %v: out of order or repeated", ps[:n], q.Kind, q.Pillars(), r.Kind, r.Pillars())
				}
			}
		}
		for _, perm := range perms {
			if n == 3 && perm[3] != 3 {
				continue // the hour position stays empty
			}
			// The pillar at position p moves to perm[p].
			var moved [4]Pillar
			for p := range 4 {
				moved[perm[p]] = ps[p]
			}
			// Rename the moved chart's positions back: inverse of perm.
			var inv [4]Position
			for p := range 4 {
				inv[perm[p]] = Position(p)
			}
			if got := relationSet(moved, n, inv); !slices.Equal(got, want) {
				t.Fatalf("%v: relations %v; moved by %v: %v", ps[:n], want, perm, got)
			}
		}
	}
}

// TestDerivedProperties checks, for births over the whole range with and
// without hour and both genders: the ten luck pillars step by one through
// the cycle from the month pillar; 대운수 is 1 to 10 and the rounding of
// D / 3 days; the start ages and instants step by 10 years; a pillar's 십신
// against its own stem is 비견 (the day pillar's is 일간); the 정기 is the
// last hidden stem and gives the branch's 십신; the day branch is never
// void; the year branch's 신살 is 지살, 장성살 or 화개살.
func TestDerivedProperties(t *testing.T) {
	for s := range Stem(10) {
		if s.TenGod(s) != Companion {
			t.Errorf("%s against itself is %s", s.Hangul(), s.TenGod(s))
		}
		for b := range Branch(12) {
			hs, n := b.HiddenStems(s)
			if hs[n-1].Stem != b.MainStem() || hs[n-1].TenGod != s.BranchTenGod(b) {
				t.Errorf("%s: last hidden stem %s, 정기 %s", b.Hangul(), hs[n-1].Stem.Hangul(), b.MainStem().Hangul())
			}
		}
	}
	n := 0
	for d := time.Date(MinYear, 1, 1, 0, 0, 0, 0, time.UTC); d.Year() <= MaxYear; d = d.AddDate(0, 0, 5) {
		n++
		b := Birth{Year: d.Year(), Month: int(d.Month()), Day: d.Day()}
		if n%4 != 0 {
			b.Hour = hour(n % 24)
		}
		for _, g := range []Gender{Male, Female} {
			c, dv, err := Options{}.ComputeDerived(b, g)
			if err != nil {
				t.Fatalf("%+v: %v", b, err)
			}
			checkDerived(t, b, c, &dv, g)
		}
	}
	// The last days of the range reach the 소한 of 2101, the first the
	// 대설 of 1899.
	for _, b := range []Birth{{Year: 1900, Month: 1, Day: 1, Hour: hour(0)}, {Year: 2100, Month: 12, Day: 31, Hour: hour(23)}, {Year: 2100, Month: 12, Day: 31}} {
		for _, g := range []Gender{Male, Female} {
			c, dv, err := Options{}.ComputeDerived(b, g)
			if err != nil {
				t.Fatalf("%+v: %v", b, err)
			}
			checkDerived(t, b, c, &dv, g)
		}
	}
}

// checkDerived checks the properties of TestDerivedProperties for one birth.
func checkDerived(t *testing.T, b Birth, c Chart, d *Derived, g Gender) {
	t.Helper()
	np := 3
	if c.HasHour {
		np = 4
	}
	if d.HasHour != c.HasHour {
		t.Fatalf("%+v: HasHour %v", b, d.HasHour)
	}
	for pos := range Position(np) {
		info := &d.Pillars[pos]
		if info.Pillar != c.At(pos) {
			t.Fatalf("%+v: %v pillar %v, chart %v", b, pos, info.Pillar, c.At(pos))
		}
		switch {
		case pos == DayPillar && info.StemTenGod != DayMaster:
			t.Errorf("%+v: day pillar's stem is %v, want 일간", b, info.StemTenGod)
		case pos != DayPillar && info.Pillar.Stem == c.Day.Stem && info.StemTenGod != Companion:
			t.Errorf("%+v: %v stem equals the day stem but is %v", b, pos, info.StemTenGod)
		}
		hs := info.HiddenStems()
		last := hs[len(hs)-1]
		if last.Stem != info.Pillar.Branch.MainStem() || last.TenGod != info.BranchTenGod {
			t.Errorf("%+v: %v: 정기 %v (%v) is not the last hidden stem %v (%v)", b, pos, info.Pillar.Branch.MainStem(), info.BranchTenGod, last.Stem, last.TenGod)
		}
		if pos == DayPillar && info.Void {
			t.Errorf("%+v: the day branch is void", b)
		}
	}
	if s := d.Pillars[YearPillar].Sinsal; s != Jisal && s != Jangseongsal && s != Hwagaesal {
		t.Errorf("%+v: year branch carries %v", b, s)
	}
	if !d.HasLuck {
		t.Fatalf("%+v: no luck pillars for gender %d", b, g)
	}
	l := &d.Luck
	yang := c.Year.Stem%2 == 0
	if (l.Direction == Forward) != (yang == (g == Male)) {
		t.Errorf("%+v: direction %v for year stem %s, gender %d", b, l.Direction, c.Year.Stem.Hangul(), g)
	}
	step := 1
	if l.Direction == Backward {
		step = -1
	}
	if l.StartAge < 1 || l.StartAge > 10 {
		t.Errorf("%+v: 대운수 %d", b, l.StartAge)
	}
	days := l.Distance.Hours() / 24
	if l.Distance < 0 || days >= 31.5 || l.Distance%time.Second != 0 {
		t.Errorf("%+v: D = %v", b, l.Distance)
	}
	if want := max(1, int(days/3+0.5)); l.StartAge != want {
		t.Errorf("%+v: 대운수 %d for D = %.4f days, want %d", b, l.StartAge, days, want)
	}
	if l.Approximate == c.HasHour {
		t.Errorf("%+v: approximate %v", b, l.Approximate)
	}
	in, _ := Options{}.Instant(b)
	if got, want := l.StartAt().Sub(in).Seconds(), l.Distance.Seconds()*365.2425/3; got > want || got < want-1 || l.StartAt().Location() != time.UTC {
		t.Errorf("%+v: start %v after the birth, D × 121.7475 = %v", b, got, want)
	}
	// The 절 reached is the one that began the birth month (backward) or
	// the next month's (forward), a 절 of the table.
	target := in.Unix() + int64(step)*int64(l.Distance/time.Second)
	k := slices.Index(jieTable[:], target)
	if k < 0 || Branch((k%12+1)%12) != (c.Month.Branch+Branch(max(step, 0)))%12 {
		t.Errorf("%+v: D reaches %v, not the 절 of the month %v", b, time.Unix(target, 0).UTC(), c.Month)
	}
	prev := c.Month
	for k, p := range l.Pillars {
		if p.Index != k+1 || p.StartAge != l.StartAge+10*k {
			t.Errorf("%+v: luck pillar %d: index %d, age %d", b, k+1, p.Index, p.StartAge)
		}
		if got := (p.Pillar.Index() - prev.Index() + 60) % 60; got != (step+60)%60 {
			t.Errorf("%+v: luck pillar %d is %v after %v", b, k+1, p.Pillar, prev)
		}
		if want := l.StartAt().Add(time.Duration(k) * 315569520 * time.Second); !p.StartAt().Equal(want) {
			t.Errorf("%+v: luck pillar %d starts %v, want %v", b, k+1, p.StartAt(), want)
		}
		if p.StemTenGod != c.Day.Stem.TenGod(p.Pillar.Stem) || p.BranchTenGod != c.Day.Stem.BranchTenGod(p.Pillar.Branch) || p.Stage != c.Day.Stem.Stage(p.Pillar.Branch) {
			t.Errorf("%+v: luck pillar %d: %v %v %v", b, k+1, p.StemTenGod, p.BranchTenGod, p.Stage)
		}
		prev = p.Pillar
	}
}

// TestDeriveEdges checks the luck pillars at a 절 instant (SAJU-DERIVED.md
// §10: backward D = 0, 대운수 1, start at the birth; forward D the whole
// month), without gender and the errors.
func TestDeriveEdges(t *testing.T) {
	h := 10
	c, err := Compute(Birth{Year: 1990, Month: 5, Day: 15, Hour: &h})
	if err != nil {
		t.Fatal(err)
	}
	// 1990's 입하 (k = 4): the birth at that second belongs to 사월.
	i := (1990-jieFirstYear)*12 + 4
	at := time.Unix(jieTable[i], 0)
	back := Female // 경오 year: yang, so a male runs forward
	d, err := Derive(c, at, Male)
	if err != nil {
		t.Fatal(err)
	}
	if d.Luck.Direction != Forward || d.Luck.Distance != time.Duration(jieTable[i+1]-jieTable[i])*time.Second {
		t.Errorf("forward at a 절: %v, D %v", d.Luck.Direction, d.Luck.Distance)
	}
	d, err = Derive(c, at, back)
	if err != nil {
		t.Fatal(err)
	}
	if d.Luck.Direction != Backward || d.Luck.Distance != 0 || d.Luck.StartAge != 1 || !d.Luck.StartAt().Equal(at) {
		t.Errorf("backward at a 절: %v, D %v, 대운수 %d, start %v", d.Luck.Direction, d.Luck.Distance, d.Luck.StartAge, d.Luck.StartAt())
	}
	// A second before, backward reaches the previous 절.
	d, _ = Derive(c, at.Add(-time.Second), back)
	if d.Luck.Distance != time.Duration(jieTable[i]-1-jieTable[i-1])*time.Second {
		t.Errorf("backward a second before a 절: D %v", d.Luck.Distance)
	}

	d, err = Derive(c, time.Time{}, NoGender)
	if err != nil || d.HasLuck || d.Luck != (Luck{}) {
		t.Errorf("no gender: %v, HasLuck %v", err, d.HasLuck)
	}
	if _, err := Derive(c, time.Time{}, Male); !errors.Is(err, ErrInstantRange) {
		t.Errorf("instant out of range: %v", err)
	}
	if _, err := Derive(c, time.Unix(jieTable[len(jieTable)-1], 0), Male); !errors.Is(err, ErrInstantRange) {
		t.Errorf("instant at the last 절: %v", err)
	}
	bad := c
	bad.Month.Stem++
	if _, err := Derive(bad, at, NoGender); !errors.Is(err, ErrInvalidChart) {
		t.Errorf("invalid pillar: %v", err)
	}
	// Without the hour, the hour pillar is ignored, valid or not.
	c.HasHour, c.Hour = false, Pillar{Stem: 200, Branch: 99}
	if d, err := Derive(c, at, NoGender); err != nil || d.HasHour || d.Pillars[HourPillar] != (PillarInfo{}) {
		t.Errorf("no hour: %v, %+v", err, d.Pillars[HourPillar])
	}
}

// TestDeriveAllocs checks that the derived data is a value without
// pointers, so that it costs no allocation and no garbage, and that
// computing a chart with it allocates nothing.
func TestDeriveAllocs(t *testing.T) {
	var walk func(typ reflect.Type) bool
	walk = func(typ reflect.Type) bool {
		switch typ.Kind() {
		case reflect.Struct:
			for i := range typ.NumField() {
				if !walk(typ.Field(i).Type) {
					t.Errorf("%s.%s holds a pointer", typ, typ.Field(i).Name)
					return false
				}
			}
			return true
		case reflect.Array:
			return walk(typ.Elem())
		case reflect.Bool, reflect.Int, reflect.Int64, reflect.Uint8, reflect.Uint16:
			return true
		}
		return false
	}
	walk(reflect.TypeFor[Derived]())
	h := 14
	b := Birth{Year: 1990, Month: 5, Day: 17, Hour: &h}
	if n := testing.AllocsPerRun(100, func() {
		if _, _, err := (Options{}).ComputeDerived(b, Female); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Errorf("ComputeDerived allocates %v times", n)
	}
	t.Logf("Derived is %d bytes", reflect.TypeFor[Derived]().Size())
}
