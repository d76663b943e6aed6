package profile

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/palja/palja/saju"
)

// hong is the birth of SAJU-DERIVED.md §11 as a stored profile.
func hong(tb testing.TB, gender *string) *Profile {
	tb.Helper()
	hour := 14
	p := &Profile{ID: "prf_abc123def456ghij", Name: "홍길동", BirthYear: 1990, BirthMonth: 5, BirthDay: 17, BirthHour: &hour, Gender: gender}
	if err := p.Recompute(); err != nil {
		tb.Fatal(err)
	}
	return p
}

// TestSajuWriterAllocations checks that computing the derived data on read
// and writing the Saju object allocate nothing beyond the answer's buffer.
func TestSajuWriterAllocations(t *testing.T) {
	male := genderMale
	p := hong(t, &male)
	buf := make([]byte, 0, sajuBodySize)
	n := testing.AllocsPerRun(100, func() {
		d, err := p.derived()
		if err != nil {
			t.Fatal(err)
		}
		buf = appendSaju(buf[:0], p, &d)
	})
	if n != 0 {
		t.Errorf("derived + appendSaju: %v allocations, want 0", n)
	}
	if len(buf) > sajuBodySize {
		t.Errorf("the §11 body is %d bytes, over the buffer of %d", len(buf), sajuBodySize)
	}
}

// TestDerivedFollowsGender checks that the derived data read from a profile
// follow its gender: no luck without one, forward for a male born in the
// yang year 경오, backward for a female.
func TestDerivedFollowsGender(t *testing.T) {
	male, female, other := genderMale, genderFemale, "other"
	for _, c := range []struct {
		name   string
		gender *string
		luck   bool
		dir    saju.Direction
	}{
		{"none", nil, false, 0},
		{"male", &male, true, saju.Forward},
		{"female", &female, true, saju.Backward},
		{"unknown value", &other, false, 0}, // never stored: Validate refuses it
	} {
		t.Run(c.name, func(t *testing.T) {
			d, err := hong(t, c.gender).derived()
			if err != nil {
				t.Fatal(err)
			}
			if d.HasLuck != c.luck || c.luck && d.Luck.Direction != c.dir {
				t.Errorf("luck %v %v, want %v %v", d.HasLuck, d.Luck.Direction, c.luck, c.dir)
			}
		})
	}
}

// TestDerivedDamagedChart checks that a stored chart that is not one (a
// damaged row) is an error, not a panic or a wrong answer.
func TestDerivedDamagedChart(t *testing.T) {
	p := hong(t, nil)
	p.Chart.Day = saju.Pillar{Stem: 1, Branch: 0}
	if _, err := p.derived(); err == nil {
		t.Error("no error for an invalid day pillar")
	}
}

// BenchmarkSajuRead compares the two sides of the choice in
// [Profile.derived], per read: computing the derived data from the stored
// chart (with the birth instant, for a gender) and writing the Saju
// object, against writing the pillars alone, as before.
func BenchmarkSajuRead(b *testing.B) {
	male := genderMale
	for _, c := range []struct {
		name   string
		gender *string
	}{{"gender", &male}, {"no-gender", nil}} {
		p := hong(b, c.gender)
		buf := make([]byte, 0, sajuBodySize)
		b.Run("derive/"+c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := p.derived(); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("instant/"+c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := p.sajuOptions().Instant(p.birth()); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("derive+write/"+c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				d, err := p.derived()
				if err != nil {
					b.Fatal(err)
				}
				buf = appendSaju(buf[:0], p, &d)
			}
			b.ReportMetric(float64(len(buf)), "B/body")
		})
	}
}

// TestNamesArePlain checks that every name the Saju writer copies with
// appendName (every name of package saju's tables) needs no escaping in
// JSON: appendName and appendString write the same bytes.
func TestNamesArePlain(t *testing.T) {
	var names []string
	for e := saju.Wood; e <= saju.Water; e++ {
		names = append(names, e.String(), e.Hangul(), e.Hanja())
	}
	for i := range 60 {
		p := saju.PillarFromIndex(i)
		names = append(names, p.Hangul(), p.Hanja(), p.Stem.Hangul(), p.Stem.Hanja(), p.Branch.Hangul(), p.Branch.Hanja(),
			p.Nayin().Hangul(), p.Nayin().Hanja(), p.Nayin().Element().String())
		c := saju.Chart{Day: p}
		names = append(names, c.DayMaster())
	}
	for g := saju.TenGod(0); g <= saju.DayMaster; g++ {
		names = append(names, g.Hangul())
	}
	for s := saju.Stage(0); s < 12; s++ {
		names = append(names, s.Hangul())
	}
	for s := saju.Sinsal(0); s < 12; s++ {
		names = append(names, s.Hangul())
	}
	for k := saju.StemCombine; k <= saju.GhostGate; k++ {
		names = append(names, k.Hangul())
	}
	for p := saju.YearPillar; p <= saju.HourPillar; p++ {
		names = append(names, p.String())
	}
	names = append(names, saju.Forward.String(), saju.Backward.String())
	for _, s := range names {
		if s == "" {
			t.Errorf("an empty name among %q", names)
			continue
		}
		if got, want := string(appendName(nil, s)), string(appendString(nil, s)); got != want {
			t.Errorf("appendName(%q) = %s, appendString %s", s, got, want)
		}
	}
}

// TestAppendUnixUTC checks the luck pillars' timestamps against appendTime
// over the range of start_at values (1900 to past 2200) and beyond.
func TestAppendUnixUTC(t *testing.T) {
	for _, unix := range []int64{-62135596800, -2208988800, -1, 0, 1, 850566626, 951782400, 4102444799, 7258118400, 253402300799, 253402300800, -62135596801} {
		if got, want := string(appendUnixUTC(nil, unix)), string(appendTime(nil, time.Unix(unix, 0))); got != want {
			t.Errorf("appendUnixUTC(%d) = %s, want %s", unix, got, want)
		}
	}
	for unix := int64(-2300000000); unix < 7300000000; unix += 7777777 {
		if got, want := string(appendUnixUTC(nil, unix)), string(appendTime(nil, time.Unix(unix, 0))); got != want {
			t.Fatalf("appendUnixUTC(%d) = %s, want %s", unix, got, want)
		}
	}
}

// FuzzAppendChart checks the Saju writer on any birth and gender: what
// [AppendChart] writes is valid JSON with every member of SAJU-DERIVED.md
// §11, no hour pillar without an hour, luck exactly when there is a
// gender, relations that name only known positions, and the whole answer
// fits the buffer that [respondSaju] allocates.
func FuzzAppendChart(f *testing.F) {
	f.Add(1990, 5, 17, 14, uint8(1))
	f.Add(1952, 10, 17, -1, uint8(0))
	f.Add(1900, 1, 1, 0, uint8(2))
	f.Add(2100, 12, 31, 23, uint8(1))
	f.Add(1988, 5, 8, 2, uint8(2)) // summer time
	f.Fuzz(func(t *testing.T, year, month, day, hour int, gender uint8) {
		b := saju.Birth{Year: year, Month: month, Day: day}
		if hour >= 0 {
			b.Hour = &hour
		}
		g := saju.Gender(gender % 3)
		c, d, err := saju.Options{}.ComputeDerived(b, g)
		if err != nil {
			return // out of range: saju's own tests
		}
		out := AppendChart(nil, c, &d)
		if len(out)+len(`{"profile_id":"prf_abc123def456ghijklmn",`) > sajuBodySize {
			t.Errorf("%d bytes, over the buffer of %d", len(out), sajuBodySize)
		}
		var s struct {
			Pillars map[string]*struct {
				Stem, Branch, Hangul, Hanja string
				HiddenStems                 []struct{ Stem string } `json:"hidden_stems"`
				Nayin                       *struct{ Name string }
			}
			VoidBranches []string `json:"void_branches"`
			Relations    []struct {
				Kind    string
				Pillars []string
			}
			Luck *struct {
				Pillars []struct{ Index int }
			}
		}
		if err := json.Unmarshal(out, &s); err != nil {
			t.Fatalf("not JSON: %v\n%s", err, out)
		}
		for _, pos := range []string{"year", "month", "day", "hour"} {
			p, ok := s.Pillars[pos]
			if !ok || (p == nil) != (pos == "hour" && b.Hour == nil) {
				t.Fatalf("pillar %s: %v", pos, p)
			}
			if p != nil && (p.Hangul != p.Stem+p.Branch || len(p.HiddenStems) < 2 || p.Nayin == nil || p.Nayin.Name == "") {
				t.Errorf("pillar %s incomplete: %s", pos, out)
			}
		}
		if len(s.VoidBranches) != 2 {
			t.Errorf("void_branches %v", s.VoidBranches)
		}
		for _, r := range s.Relations {
			for _, p := range r.Pillars {
				if p != "year" && p != "month" && p != "day" && (p != "hour" || b.Hour == nil) {
					t.Errorf("relation %s names %q", r.Kind, p)
				}
			}
		}
		if (s.Luck != nil) != (g != saju.NoGender) || s.Luck != nil && len(s.Luck.Pillars) != 10 {
			t.Errorf("luck %v for gender %v", s.Luck, g)
		}
	})
}
