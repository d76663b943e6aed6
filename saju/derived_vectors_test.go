package saju

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"
)

// startAtTolerance is the tolerance of SAJU-DERIVED.md §12 for luck start
// instants: the reference table's 절 are rounded to the minute and an
// engine's may differ from them by 90 s, and 90 s of D is 121.7475 × 90 s
// of start.
const startAtTolerance = 10959 * time.Second

// The JSON shape of SAJU-DERIVED.md §11, written by the test from a Chart
// and its Derived data, field for field in the document's order.
type (
	sajuJSON struct {
		Pillars      pillarsJSON    `json:"pillars"`
		VoidBranches []string       `json:"void_branches"`
		Relations    []relationJSON `json:"relations"`
		Luck         *luckJSON      `json:"luck"`
	}
	pillarsJSON struct {
		Year  *pillarJSON `json:"year"`
		Month *pillarJSON `json:"month"`
		Day   *pillarJSON `json:"day"`
		Hour  *pillarJSON `json:"hour"`
	}
	pillarJSON struct {
		Stem          string       `json:"stem"`
		Branch        string       `json:"branch"`
		Hangul        string       `json:"hangul"`
		Hanja         string       `json:"hanja"`
		StemElement   string       `json:"stem_element"`
		BranchElement string       `json:"branch_element"`
		StemTenGod    string       `json:"stem_ten_god"`
		BranchTenGod  string       `json:"branch_ten_god"`
		HiddenStems   []hiddenJSON `json:"hidden_stems"`
		TwelveStage   string       `json:"twelve_stage"`
		Nayin         nayinJSON    `json:"nayin"`
		Sinsal        string       `json:"sinsal"`
		Void          bool         `json:"void"`
	}
	hiddenJSON struct {
		Stem   string `json:"stem"`
		Hanja  string `json:"hanja"`
		Days   int    `json:"days"`
		TenGod string `json:"ten_god"`
	}
	nayinJSON struct {
		Name    string `json:"name"`
		Hanja   string `json:"hanja"`
		Element string `json:"element"`
	}
	relationJSON struct {
		Kind    string   `json:"kind"`
		Pillars []string `json:"pillars"`
		Element *string  `json:"element"`
	}
	luckJSON struct {
		Direction   string           `json:"direction"`
		StartAge    int              `json:"start_age"`
		StartAt     string           `json:"start_at"`
		Approximate bool             `json:"approximate"`
		Pillars     []luckPillarJSON `json:"pillars"`
	}
	luckPillarJSON struct {
		Index        int    `json:"index"`
		Stem         string `json:"stem"`
		Branch       string `json:"branch"`
		Hangul       string `json:"hangul"`
		Hanja        string `json:"hanja"`
		StartAge     int    `json:"start_age"`
		StartAt      string `json:"start_at"`
		StemTenGod   string `json:"stem_ten_god"`
		BranchTenGod string `json:"branch_ten_god"`
		TwelveStage  string `json:"twelve_stage"`
	}
)

// toJSON builds the §11 shape of c and d.
func toJSON(c Chart, d *Derived) sajuJSON {
	var out sajuJSON
	pillar := func(pos Position) *pillarJSON {
		if pos == HourPillar && !d.HasHour {
			return nil
		}
		info := &d.Pillars[pos]
		p := info.Pillar
		if p != c.At(pos) {
			panic(fmt.Sprintf("Derived.Pillars[%v] is %v, the chart's is %v", pos, p, c.At(pos)))
		}
		j := &pillarJSON{
			Stem: p.Stem.Hangul(), Branch: p.Branch.Hangul(), Hangul: p.Hangul(), Hanja: p.Hanja(),
			StemElement: info.StemElement().String(), BranchElement: info.BranchElement().String(),
			StemTenGod: info.StemTenGod.Hangul(), BranchTenGod: info.BranchTenGod.Hangul(),
			HiddenStems: []hiddenJSON{},
			TwelveStage: info.Stage.Hangul(),
			Nayin:       nayinJSON{Name: info.Nayin.Hangul(), Hanja: info.Nayin.Hanja(), Element: info.Nayin.Element().String()},
			Sinsal:      info.Sinsal.Hangul(),
			Void:        info.Void,
		}
		for _, h := range info.HiddenStems() {
			j.HiddenStems = append(j.HiddenStems, hiddenJSON{Stem: h.Stem.Hangul(), Hanja: h.Stem.Hanja(), Days: int(h.Days), TenGod: h.TenGod.Hangul()})
		}
		return j
	}
	out.Pillars = pillarsJSON{Year: pillar(YearPillar), Month: pillar(MonthPillar), Day: pillar(DayPillar), Hour: pillar(HourPillar)}
	out.VoidBranches = []string{d.VoidBranches[0].Hangul(), d.VoidBranches[1].Hangul()}
	out.Relations = []relationJSON{}
	for _, r := range d.Relations() {
		j := relationJSON{Kind: r.Kind.Hangul(), Pillars: []string{}}
		for _, p := range r.Pillars() {
			j.Pillars = append(j.Pillars, p.String())
		}
		if r.HasElement {
			e := r.Element.String()
			j.Element = &e
		}
		out.Relations = append(out.Relations, j)
	}
	if d.HasLuck {
		l := &d.Luck
		j := &luckJSON{
			Direction: l.Direction.String(), StartAge: l.StartAge,
			StartAt: l.StartAt().Format(time.RFC3339), Approximate: l.Approximate,
			Pillars: []luckPillarJSON{},
		}
		for _, p := range l.Pillars {
			j.Pillars = append(j.Pillars, luckPillarJSON{
				Index: p.Index, Stem: p.Pillar.Stem.Hangul(), Branch: p.Pillar.Branch.Hangul(),
				Hangul: p.Pillar.Hangul(), Hanja: p.Pillar.Hanja(),
				StartAge: p.StartAge, StartAt: p.StartAt().Format(time.RFC3339),
				StemTenGod: p.StemTenGod.Hangul(), BranchTenGod: p.BranchTenGod.Hangul(), TwelveStage: p.Stage.Hangul(),
			})
		}
		out.Luck = j
	}
	return out
}

// generic returns v as encoding/json decodes it into an any.
func generic(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var g any
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	return g
}

// diffJSON returns the first path at which the decoded JSON values got and
// want differ, with both values, or "" if they are equal. Instants under a
// key "start_at" are equal within tol; worst records the largest difference
// seen.
func diffJSON(path string, got, want any, tol time.Duration, worst *time.Duration) string {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return fmt.Sprintf("%s: got %v, want an object", path, got)
		}
		keys := make([]string, 0, len(w)+len(g))
		for k := range w {
			keys = append(keys, k)
		}
		for k := range g {
			if _, ok := w[k]; !ok {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			gv, gok := g[k]
			wv, wok := w[k]
			if gok != wok {
				return fmt.Sprintf("%s.%s: present %v, want present %v", path, k, gok, wok)
			}
			if k == "start_at" {
				gs, _ := gv.(string)
				ws, _ := wv.(string)
				gt, err1 := time.Parse(time.RFC3339, gs)
				wt, err2 := time.Parse(time.RFC3339, ws)
				if err1 != nil || err2 != nil {
					return fmt.Sprintf("%s.%s: got %q, want %q", path, k, gs, ws)
				}
				d := gt.Sub(wt).Abs()
				*worst = max(*worst, d)
				if d > tol {
					return fmt.Sprintf("%s.%s: got %s, want %s (off by %v)", path, k, gs, ws, d)
				}
				continue
			}
			if s := diffJSON(path+"."+k, gv, wv, tol, worst); s != "" {
				return s
			}
		}
		return ""
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return fmt.Sprintf("%s: got %s, want %s", path, compact(got), compact(want))
		}
		for i := range w {
			if s := diffJSON(fmt.Sprintf("%s[%d]", path, i), g[i], w[i], tol, worst); s != "" {
				return s
			}
		}
		return ""
	}
	if !reflect.DeepEqual(got, want) {
		return fmt.Sprintf("%s: got %s, want %s", path, compact(got), compact(want))
	}
	return ""
}

// compact returns v as one line of JSON.
func compact(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// derivedRow is one row of derived.jsonl.
type derivedRow struct {
	Year     int             `json:"birth_year"`
	Month    int             `json:"birth_month"`
	Day      int             `json:"birth_day"`
	Hour     *int            `json:"birth_hour"`
	Gender   *string         `json:"gender"`
	Note     string          `json:"note"`
	Expected json.RawMessage `json:"expected"`
	Context  json.RawMessage `json:"context"`
}

// gender returns the Gender of the API's field value.
func gender(t *testing.T, s *string) Gender {
	t.Helper()
	switch {
	case s == nil:
		return NoGender
	case *s == "male":
		return Male
	case *s == "female":
		return Female
	}
	t.Fatalf("gender %q", *s)
	return NoGender
}

// TestDerivedReference checks every row of ../shared/saju/derived.jsonl
// (SAJU-DERIVED.md §12): every field exactly, the luck start instants within
// startAtTolerance.
func TestDerivedReference(t *testing.T) {
	f, err := os.Open(sharedFile("derived.jsonl"))
	if err != nil {
		t.Fatalf("reference vectors: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	rows, header := 0, false
	var worst time.Duration
	notes := map[string]int{}
	for line := 1; sc.Scan(); line++ {
		if !header {
			var h struct {
				Header struct {
					Rows      int `json:"rows"`
					Tolerance int `json:"luck_start_at_tolerance_seconds"`
				} `json:"_header"`
			}
			if err := json.Unmarshal(sc.Bytes(), &h); err != nil || h.Header.Rows == 0 {
				t.Fatalf("derived.jsonl:%d: no _header line (%v)", line, err)
			}
			if time.Duration(h.Header.Tolerance)*time.Second != startAtTolerance || h.Header.Rows != 1531 {
				t.Fatalf("derived.jsonl: header says %d rows, tolerance %d s; want 1531 and %v", h.Header.Rows, h.Header.Tolerance, startAtTolerance)
			}
			header = true
			continue
		}
		var r derivedRow
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&r); err != nil {
			t.Fatalf("derived.jsonl:%d: %v", line, err)
		}
		rows++
		notes[strings.SplitN(r.Note, ",", 2)[0]]++
		b := Birth{Year: r.Year, Month: r.Month, Day: r.Day, Hour: r.Hour}
		c, d, err := Options{}.ComputeDerived(b, gender(t, r.Gender))
		if err != nil {
			t.Errorf("derived.jsonl:%d (%s): %v", line, r.Note, err)
			continue
		}
		var want any
		if err := json.Unmarshal(r.Expected, &want); err != nil {
			t.Fatalf("derived.jsonl:%d: %v", line, err)
		}
		if s := diffJSON("expected", generic(t, toJSON(c, &d)), want, startAtTolerance, &worst); s != "" {
			t.Errorf("derived.jsonl:%d (%s, %s): %s", line, r.Note, r.Context, s)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if rows != 1531 {
		t.Fatalf("derived.jsonl: %d rows, want 1531", rows)
	}
	t.Logf("%d rows %v; worst luck start_at difference %v (tolerance %v)", rows, notes, worst, startAtTolerance)
}

// TestDerivedSpecExample checks the complete example of SAJU-DERIVED.md
// §11, a birth of 1990-05-17 14:00, male, against the document itself:
// every field of the derived data exactly, start instants within the
// tolerance.
func TestDerivedSpecExample(t *testing.T) {
	doc := readSpec(t)
	_, rest, ok := strings.Cut(doc, "## 11. The Saju object")
	if !ok {
		t.Fatal("SAJU-DERIVED.md: no §11")
	}
	_, rest, _ = strings.Cut(rest, "```json\n")
	block, _, ok := strings.Cut(rest, "```")
	if !ok {
		t.Fatal("SAJU-DERIVED.md §11: no JSON example")
	}
	var want map[string]any
	if err := json.Unmarshal([]byte(block), &want); err != nil {
		t.Fatalf("SAJU-DERIVED.md §11: %v", err)
	}
	// The fields that exist before this document are not derived data.
	for _, k := range []string{"profile_id", "day_master", "day_master_element", "elements", "weakest_element"} {
		if _, ok := want[k]; !ok {
			t.Fatalf("SAJU-DERIVED.md §11: no %s", k)
		}
		delete(want, k)
	}
	h := 14
	c, d, err := Options{}.ComputeDerived(Birth{Year: 1990, Month: 5, Day: 17, Hour: &h}, Male)
	if err != nil {
		t.Fatal(err)
	}
	var worst time.Duration
	if s := diffJSON("saju", generic(t, toJSON(c, &d)), any(want), startAtTolerance, &worst); s != "" {
		t.Error(s)
	}
	// The example states D, 대운수 and the start exactly; this engine's 망종
	// of 1990 is within seconds of the document's minute.
	if d.Luck.Distance < 1705560*time.Second-90*time.Second || d.Luck.Distance > 1705560*time.Second+90*time.Second {
		t.Errorf("D = %v, want 1 705 560 s ± 90 s", d.Luck.Distance)
	}
	t.Logf("D = %v (document 1 705 560 s); start %v, worst start difference %v", d.Luck.Distance, d.Luck.StartAt(), worst)
}

// readSpec returns the text of ../shared/docs/SAJU-DERIVED.md.
func readSpec(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "shared", "docs", "SAJU-DERIVED.md"))
	if err != nil {
		t.Fatalf("specification: %v", err)
	}
	return string(b)
}
