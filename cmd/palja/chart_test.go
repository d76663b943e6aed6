package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/palja/palja/saju"
)

// The births below are rows of ../shared/saju/pillars.tsv:
//
//	1980-06-11 20  경신 임오 을묘 병술  wood 2 fire 2 earth 1 metal 2 water 1  earth  을목 wood
//	1952-10-17 -   임진 경술 병신 -     wood 0 fire 1 earth 2 metal 2 water 1  wood   병화 fire

func runChartArgs(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err = runChart(args, &out, &errOut)
	return out.String(), errOut.String(), err
}

func TestChartTable(t *testing.T) {
	out, _, err := runChartArgs(t, "1980-06-11", "20")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(out, "\n")
	if !strings.HasPrefix(lines[0], "1980-06-11 20:00 Asia/Seoul (1980-06-11 11:00 UTC)") {
		t.Errorf("first line %q", lines[0])
	}
	// Four columns from right to left: year on the right, hour on the left;
	// the stem row over the branch row, each cell hangul, hanja, element.
	want := map[string][]string{
		"":      {"시주 時柱", "일주 日柱", "월주 月柱", "연주 年柱"},
		"천간 天干": {"병 丙 화", "을 乙 목", "임 壬 수", "경 庚 금"},
		"지지 地支": {"술 戌 토", "묘 卯 목", "오 午 화", "신 申 금"},
	}
	// starts holds, for each row, the terminal column where each cell
	// begins; hangul and hanja take two columns.
	starts := map[string][]int{}
	for _, l := range lines {
		for label, cells := range want {
			if label == "" && !strings.Contains(l, "시주 時柱") || label != "" && !strings.HasPrefix(l, label) {
				continue
			}
			for _, c := range cells {
				i := strings.Index(l, c)
				if i < 0 {
					t.Errorf("%q lacks %q", l, c)
					continue
				}
				starts[label] = append(starts[label], displayWidth(l[:i]))
			}
		}
	}
	if len(starts) != 3 {
		t.Fatalf("found %d of the 3 table rows in\n%s", len(starts), out)
	}
	for label, cols := range starts {
		if !sort.IntsAreSorted(cols) {
			t.Errorf("row %q: cells out of order", label)
		}
		if !reflect.DeepEqual(cols, starts[""]) {
			t.Errorf("row %q starts its cells at columns %v, the header at %v:\n%s", label, cols, starts[""], out)
		}
	}
	for _, s := range []string{
		"목 wood 2, 화 fire 2, 토 earth 1, 금 metal 2, 수 water 1",
		"가장 약한 오행  토 earth",
		"일간 日干  을목 (wood)",
	} {
		if !strings.Contains(out, s) {
			t.Errorf("output lacks %q:\n%s", s, out)
		}
	}
}

func TestChartUnknownHour(t *testing.T) {
	out, _, err := runChartArgs(t, "1952-10-17")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "hour unknown") || !strings.Contains(out, "1952-10-17 03:00 UTC") {
		t.Errorf("header does not say the hour is unknown:\n%s", out)
	}
	for _, s := range []string{"병 丙 화", "경 庚 금", "임 壬 수", "목 wood 0, 화 fire 1, 토 earth 2, 금 metal 2, 수 water 1"} {
		if !strings.Contains(out, s) {
			t.Errorf("output lacks %q:\n%s", s, out)
		}
	}
}

func TestChartJSON(t *testing.T) {
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"hour known", []string{"--json", "1980-06-11", "20"}, `{
			"pillars": {
				"year":  {"stem": "경", "branch": "신", "hangul": "경신", "hanja": "庚申"},
				"month": {"stem": "임", "branch": "오", "hangul": "임오", "hanja": "壬午"},
				"day":   {"stem": "을", "branch": "묘", "hangul": "을묘", "hanja": "乙卯"},
				"hour":  {"stem": "병", "branch": "술", "hangul": "병술", "hanja": "丙戌"}
			},
			"day_master": "을목",
			"day_master_element": "wood",
			"elements": {"wood": 2, "fire": 2, "earth": 1, "metal": 2, "water": 1},
			"weakest_element": "earth"
		}`},
		{"hour unknown, flag after the date", []string{"1952-10-17", "--json"}, `{
			"pillars": {
				"year":  {"stem": "임", "branch": "진", "hangul": "임진", "hanja": "壬辰"},
				"month": {"stem": "경", "branch": "술", "hangul": "경술", "hanja": "庚戌"},
				"day":   {"stem": "병", "branch": "신", "hangul": "병신", "hanja": "丙申"},
				"hour":  null
			},
			"day_master": "병화",
			"day_master_element": "fire",
			"elements": {"wood": 0, "fire": 1, "earth": 2, "metal": 2, "water": 1},
			"weakest_element": "wood"
		}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			out, _, err := runChartArgs(t, c.args...)
			if err != nil {
				t.Fatal(err)
			}
			var got, want any
			if err := json.Unmarshal([]byte(out), &got); err != nil {
				t.Fatalf("output is not JSON: %v\n%s", err, out)
			}
			if err := json.Unmarshal([]byte(c.want), &want); err != nil {
				t.Fatal(err)
			}
			// The members of API.md's Saju object, and in each pillar its
			// four names, are as before; the derived members are
			// TestChartJSONBytes's and TestChartJSONIsTheAPIs's.
			gm, wm := got.(map[string]any), want.(map[string]any)
			for k, wv := range wm {
				gv := gm[k]
				if k == "pillars" {
					gv = pillarNames(gv)
				}
				if !reflect.DeepEqual(gv, wv) {
					t.Errorf("%s: got %v, want %v", k, gv, wv)
				}
			}
			// The keys come in the order of API.md, then SAJU-DERIVED.md §11.
			order := []string{`"pillars"`, `"year"`, `"month"`, `"day"`, `"hour"`, `"day_master"`,
				`"day_master_element"`, `"elements"`, `"weakest_element"`, `"void_branches"`, `"relations"`, `"luck"`}
			pos := -1
			for _, k := range order {
				i := strings.Index(out, k)
				if i <= pos {
					t.Errorf("key %s out of order", k)
				}
				pos = i
			}
		})
	}
}

// pillarNames keeps of each pillar object its four names (stem, branch,
// hangul, hanja).
func pillarNames(v any) any {
	ps, ok := v.(map[string]any)
	if !ok {
		return v
	}
	out := map[string]any{}
	for pos, p := range ps {
		m, ok := p.(map[string]any)
		if !ok {
			out[pos] = p
			continue
		}
		out[pos] = map[string]any{"stem": m["stem"], "branch": m["branch"], "hangul": m["hangul"], "hanja": m["hanja"]}
	}
	return out
}

// TestChartJSONBytes pins the exact bytes of --json, as the CLI printed them
// when it had a JSON encoder of its own (two-space indent, no HTML
// escaping, a final newline), now with the derived members of
// SAJU-DERIVED.md: scripts may compare them. The golden files are
// refreshed by -update; the members of before keep their bytes (the
// golden's lines for them are the lines of the old constant).
func TestChartJSONBytes(t *testing.T) {
	for _, c := range []struct {
		golden string
		args   []string
	}{
		{"chart-json-1952-10-17.golden", []string{"--json", "1952-10-17"}},
		{"chart-json-1990-05-17-14-male.golden", []string{"--json", "--gender", "male", "1990-05-17", "14"}},
	} {
		t.Run(c.golden, func(t *testing.T) {
			out, _, err := runChartArgs(t, c.args...)
			if err != nil {
				t.Fatal(err)
			}
			checkGolden(t, c.golden, out)
		})
	}
}

// TestChartJSONIsTheAPIs checks that --json prints the Saju object of the
// API, written by the same encoder: for the birth of SAJU-DERIVED.md §11
// the output is the API's golden answer (profile/testdata) without
// profile_id.
func TestChartJSONIsTheAPIs(t *testing.T) {
	out, _, err := runChartArgs(t, "--json", "--gender", "male", "1990-05-17", "14")
	if err != nil {
		t.Fatal(err)
	}
	api, err := os.ReadFile(filepath.Join("..", "..", "profile", "testdata", "saju_1990-05-17_14_male.golden"))
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Replace(string(api), "  \"profile_id\": \"prf_abc123def456ghij\",\n", "", 1)
	if out != want {
		t.Errorf("--json differs from the API's answer:\n%s", out)
	}
}

var updateGolden = flag.Bool("update", false, "rewrite testdata/chart-*.golden from the output of palja chart")

// checkGolden compares got with testdata/name, which -update rewrites.
func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *updateGolden {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (go test -run %s -update rewrites it):\ngot\n%s\nwant\n%s", path, t.Name(), got, want)
	}
}

// TestChartDerivedTable pins the whole table of palja chart: the birth of
// SAJU-DERIVED.md §11 with its 대운 (male), a female birth (backward), and
// a birth without hour or gender (no hour column, no 대운, said so).
func TestChartDerivedTable(t *testing.T) {
	for _, c := range []struct {
		golden string
		args   []string
	}{
		{"chart-1990-05-17-14-male.golden", []string{"--gender", "male", "1990-05-17", "14"}},
		{"chart-1990-05-15-10-female.golden", []string{"1990-05-15", "10", "--gender", "female"}},
		{"chart-1952-10-17.golden", []string{"1952-10-17"}},
		{"chart-1952-10-17-female.golden", []string{"--gender=female", "1952-10-17"}},
	} {
		t.Run(c.golden, func(t *testing.T) {
			out, _, err := runChartArgs(t, c.args...)
			if err != nil {
				t.Fatal(err)
			}
			checkGolden(t, c.golden, out)
		})
	}
}

// TestChartDerivedRows checks the derived rows of the table against
// SAJU-DERIVED.md §11 independently of the golden: each row under its
// pillar's column (hour, day, month, year from the left), the relations
// and the ten 대운 from right to left under their ages.
func TestChartDerivedRows(t *testing.T) {
	out, _, err := runChartArgs(t, "--gender", "male", "1990-05-17", "14")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(out, "\n")
	header := -1
	for i, l := range lines {
		if strings.Contains(l, "시주 時柱") {
			header = i
			break
		}
	}
	if header < 0 {
		t.Fatalf("no header row:\n%s", out)
	}
	cols := columnStarts(lines[header], []string{"시주", "일주", "월주", "연주"})
	// Row by row under the header, the cells of §11 (hour, day, month,
	// year).
	want := [][]string{
		{"십신 十神", "정재", "일간", "정인", "편인"},
		{"천간 天干", "정 丁 화", "임 壬 수", "신 辛 금", "경 庚 금"},
		{"지지 地支", "미 未 토", "오 午 화", "사 巳 화", "오 午 화"},
		{"십신 十神", "정관", "정재", "편재", "정재"},
		{"지장간 支藏干", "정9 을3 기18", "병10 기9 정11", "무7 경7 병16", "병10 기9 정11"},
		{"12운성 運星", "양", "태", "절", "태"},
		{"12신살 神殺", "반안살", "장성살", "망신살", "장성살"},
		{"납음 納音", "천하수 天河水", "양류목 楊柳木", "백랍금 白蠟金", "노방토 路傍土"},
		{"공망 空亡", "-", "-", "-", "-"},
	}
	for i, w := range want {
		l := lines[header+1+i]
		if !strings.HasPrefix(l, w[0]) {
			t.Errorf("row %d is %q, want the row %s", i+1, l, w[0])
			continue
		}
		if got := columnStarts(l, w[1:]); !reflect.DeepEqual(got, cols) {
			t.Errorf("row %s: cells %q at columns %v, the header's at %v:\n%s", w[0], w[1:], got, cols, l)
		}
	}
	for _, s := range []string{
		"공망 空亡  신 유 (申酉)",
		"  천간합 天干合  일주·시주 → 목 wood\n  육합 六合  연주·시주\n  육합 六合  일주·시주\n  방합 方合  연주·월주·시주 → 화 fire\n  방합 方合  월주·일주·시주 → 화 fire\n  형 刑  연주·일주\n",
		"대운 大運  순행 順行 forward, 대운수 7, 첫 대운 1996-12-14 13:30 UTC",
	} {
		if !strings.Contains(out, s) {
			t.Errorf("output lacks %q:\n%s", s, out)
		}
	}
	// The 대운 row: ages 97 … 7 from left to right (the first 대운 on the
	// right, as the pillars), each pillar under its age.
	var ages, stems, branches string
	for _, l := range lines {
		switch {
		case strings.HasPrefix(l, "나이"):
			ages = l
		case ages != "" && stems == "" && strings.HasPrefix(l, "천간"):
			stems = l
		case stems != "" && branches == "" && strings.HasPrefix(l, "지지"):
			branches = l
		}
	}
	if got := strings.Fields(strings.TrimPrefix(ages, "나이")); strings.Join(got, " ") != "97 87 77 67 57 47 37 27 17 7" {
		t.Errorf("대운 ages %q", got)
	}
	luckStems := []string{"신 辛", "경 庚", "기 己", "무 戊", "정 丁", "병 丙", "을 乙", "갑 甲", "계 癸", "임 壬"}
	luckBranches := []string{"묘 卯", "인 寅", "축 丑", "자 子", "해 亥", "술 戌", "유 酉", "신 申", "미 未", "오 午"}
	ageCols := columnStarts(ages, []string{"97", "87", "77", "67", "57", "47", "37", "27", "17", "7"})
	if got := columnStarts(stems, luckStems); !reflect.DeepEqual(got, ageCols) {
		t.Errorf("대운 stems at %v, ages at %v:\n%s\n%s", got, ageCols, ages, stems)
	}
	if got := columnStarts(branches, luckBranches); !reflect.DeepEqual(got, ageCols) {
		t.Errorf("대운 branches at %v, ages at %v:\n%s\n%s", got, ageCols, ages, branches)
	}
}

// columnStarts returns the terminal column at which each of cells begins
// in line, searching left to right after the previous one; -1 for a cell
// not found.
func columnStarts(line string, cells []string) []int {
	var out []int
	from := 0
	for _, c := range cells {
		// Skip the label: search after the first two spaces.
		if from == 0 {
			if i := strings.Index(line, "  "); i >= 0 {
				from = i
			}
		}
		i := strings.Index(line[from:], c)
		if i < 0 {
			out = append(out, -1)
			continue
		}
		out = append(out, displayWidth(line[:from+i]))
		from += i + len(c)
	}
	return out
}

func TestChartGender(t *testing.T) {
	_, errOut, err := runChartArgs(t, "--gender", "other", "1990-05-17")
	if !errors.Is(err, errUsage) || !strings.Contains(errOut, `the gender must be "male" or "female"`) {
		t.Errorf("--gender other: %v, %q", err, errOut)
	}
	out, _, err := runChartArgs(t, "1990-05-17", "14")
	if err != nil || !strings.Contains(out, "no gender: give --gender male|female for the 대운") || strings.Contains(out, "나이") {
		t.Errorf("without --gender: %v\n%s", err, out)
	}
	out, _, err = runChartArgs(t, "--json", "1990-05-17", "14")
	if err != nil || !strings.Contains(out, `"luck": null`) {
		t.Errorf("--json without --gender: %v\n%s", err, out)
	}
}

func TestChartErrors(t *testing.T) {
	for _, c := range []struct {
		name  string
		args  []string
		usage bool   // the usage error, explained on stderr
		field string // or a *saju.FieldError for this field
	}{
		{"no arguments", nil, true, ""},
		{"too many arguments", []string{"1990-05-15", "10", "11"}, true, ""},
		{"unknown flag", []string{"--yaml", "1990-05-15"}, true, ""},
		{"not a date", []string{"yesterday"}, true, ""},
		{"date without zeros", []string{"1990-5-15"}, true, ""},
		{"slashes", []string{"1990/05/15"}, true, ""},
		{"negative part", []string{"1990-05--1"}, true, ""},
		{"hour not a number", []string{"1990-05-15", "ten"}, true, ""},
		{"year out of range", []string{"1899-12-31"}, false, "year"},
		{"month 13", []string{"1990-13-01"}, false, "month"},
		{"february 30", []string{"1990-02-30"}, false, "day"},
		{"hour 24", []string{"1990-05-15", "24"}, false, "hour"},
		{"minute 60", []string{"1990-05-15", "10:60"}, false, "minute"},
		{"minute of one digit", []string{"1990-05-15", "10:5"}, true, ""},
		{"colon without minute", []string{"1990-05-15", "10:"}, true, ""},
		{"minute not a number", []string{"1990-05-15", "10:xx"}, true, ""},
		{"leap without lunar", []string{"--leap", "1990-05-15"}, false, "is_leap_month"},
		{"no leap month that year", []string{"--lunar", "--leap", "1991-05-15"}, false, "is_leap_month"},
		// lunar_invalid.tsv: 1924 12월 has 29 days.
		{"lunar day 30 in a 29-day month", []string{"--lunar", "1924-12-30"}, false, "day"},
		{"lunar before the range", []string{"--lunar", "1899-11-29"}, false, "month"},
		{"longitude 135", []string{"1990-05-15", "10", "--longitude", "135"}, false, "longitude"},
		{"longitude 123.9", []string{"--longitude=123.9", "1990-05-15", "10"}, false, "longitude"},
		{"longitude not a number", []string{"--longitude", "east", "1990-05-15"}, true, ""},
		{"longitude without value", []string{"1990-05-15", "--longitude"}, true, ""},
		{"unknown school", []string{"--day-boundary", "yaja", "1990-05-15"}, false, "day_boundary"},
		{"hour -1", []string{"1990-05-15", "-1"}, true, ""}, // a flag the command does not know
	} {
		t.Run(c.name, func(t *testing.T) {
			out, errOut, err := runChartArgs(t, c.args...)
			if err == nil {
				t.Fatalf("no error; output:\n%s", out)
			}
			if out != "" {
				t.Errorf("output on error:\n%s", out)
			}
			if c.usage {
				if !errors.Is(err, errUsage) || !strings.Contains(errOut, "usage: palja chart") {
					t.Errorf("error %v, stderr %q; want the usage", err, errOut)
				}
				return
			}
			var fe *saju.FieldError
			if !errors.As(err, &fe) || fe.Field != c.field {
				t.Errorf("error %v, want a FieldError for %s", err, c.field)
			}
		})
	}
}

func TestChartHelp(t *testing.T) {
	_, errOut, err := runChartArgs(t, "-h")
	if err != nil || !strings.Contains(errOut, "usage: palja chart") {
		t.Errorf("-h: %v, %q", err, errOut)
	}
}

func TestDisplayWidth(t *testing.T) {
	for s, want := range map[string]int{"": 0, "abc": 3, "갑": 2, "甲": 2, "갑 甲 목": 8, "   -": 4} {
		if got := displayWidth(s); got != want {
			t.Errorf("displayWidth(%q) = %d, want %d", s, got, want)
		}
	}
}

// TestChartConventions checks the inputs of lunar dates, minutes, true
// solar time and the 23:00 schools, and that the table says which
// conventions it used.
func TestChartConventions(t *testing.T) {
	for _, c := range []struct {
		name  string
		args  []string
		lines []string // lines the header must have, in order
		cells []string // the stems then the branches, hour to year
	}{
		{"the defaults", []string{"1980-06-11", "20"}, []string{
			"1980-06-11 20:00 Asia/Seoul (1980-06-11 11:00 UTC)",
			"달력 曆   양력 solar (Gregorian)",
			"자시 子時 midnight: the day turns at 00:00 (23:xx keeps its date)",
			"시각 時刻 clock time, Asia/Seoul (no longitude: not true solar time)",
		}, []string{"병 丙", "을 乙", "임 壬", "경 庚", "술 戌", "묘 卯", "오 午", "신 申"}},
		// The example. lunar.tsv: lunar 1990 윤5월 15 is
		// 1990-07-07, 경오 임오 계유 정사 at 10:00; 10:30 KST at 126.98° E
		// is 01:30 UT + 8h27m55s + E (−4m47s) = 09:53:08, still 사시.
		{"lunar, leap, minute, longitude, jasi", []string{"--lunar", "--leap", "1990-05-15", "10:30", "--longitude", "126.98", "--day-boundary", "jasi"}, []string{
			"1990-07-07 10:30 Asia/Seoul (1990-07-07 01:30 UTC)",
			"달력 曆   음력 lunar 1990-05-15 윤달 leap month (Korean calendar, KASI) = 양력 1990-07-07",
			"자시 子時 jasi 야자시: the day turns at 23:00 (23:xx is the next day)",
			"시각 時刻 진태양시 apparent solar time at 126.98° E: 09:53:08 (the day and hour pillars follow it)",
		}, []string{"정 丁", "계 癸", "임 壬", "경 庚", "사 巳", "유 酉", "오 午", "오 午"}},
		{"lunar without leap", []string{"--lunar", "1990-05-15", "10"}, []string{
			"1990-06-07 10:00 Asia/Seoul (1990-06-07 01:00 UTC)",
			"달력 曆   음력 lunar 1990-05-15 (Korean calendar, KASI) = 양력 1990-06-07",
		}, []string{"정 丁", "계 癸", "임 壬", "경 庚", "사 巳", "묘 卯", "오 午", "오 午"}},
		// SAJU.md: 00:20 at 127° E is the previous day's 자시.
		{"true solar time on the day before", []string{"1990-05-15", "00:20", "--longitude", "127"}, []string{
			"1990-05-15 00:20 Asia/Seoul (1990-05-14 15:20 UTC)",
			"시각 時刻 진태양시 apparent solar time at 127° E: 1990-05-14 23:51:42 (the day and hour pillars follow it)",
		}, []string{"갑 甲", "기 己", "신 辛", "경 庚", "자 子", "묘 卯", "사 巳", "오 午"}},
		// schools.tsv: 1981-12-16 23:00 is 기사 갑자 under jasi, 무진 갑자
		// under split.
		{"jasi", []string{"--day-boundary", "jasi", "1981-12-16", "23"}, []string{
			"자시 子時 jasi 야자시: the day turns at 23:00 (23:xx is the next day)",
		}, []string{"갑 甲", "기 己", "경 庚", "신 辛", "자 子", "사 巳", "자 子", "유 酉"}},
		{"split", []string{"1981-12-16", "23:59", "--day-boundary=split"}, []string{
			"1981-12-16 23:59 Asia/Seoul (1981-12-16 14:59 UTC)",
			"자시 子時 split 야자시/조자시: 23:xx keeps its day pillar, the next day's hour stem",
		}, []string{"갑 甲", "무 戊", "경 庚", "신 辛", "자 子", "진 辰", "자 子", "유 酉"}},
		{"hour unknown", []string{"1952-10-17", "--longitude", "127", "--day-boundary", "jasi"}, []string{
			"1952-10-17, hour unknown (year and month at 12:00 Asia/Seoul, 1952-10-17 03:00 UTC)",
			"자시 子時 jasi 야자시: the day turns at 23:00 (23:xx is the next day); unused, the hour is unknown",
			"시각 時刻 hour unknown: no true solar time (127° E unused)",
		}, []string{"병 丙", "경 庚", "임 壬", "신 申", "술 戌", "진 辰"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			out, _, err := runChartArgs(t, c.args...)
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(out, "\n")
			at := 0
			for _, want := range c.lines {
				for at < len(lines) && lines[at] != want {
					at++
				}
				if at == len(lines) {
					t.Errorf("no line %q after the previous ones in\n%s", want, out)
					return
				}
			}
			var row strings.Builder
			for _, l := range lines {
				if strings.HasPrefix(l, "천간") || strings.HasPrefix(l, "지지") {
					row.WriteString(l)
				}
			}
			pos := -1
			for _, cell := range c.cells {
				i := strings.Index(row.String()[pos+1:], cell)
				if i < 0 {
					t.Errorf("cells %v not in order in\n%s", c.cells, out)
					break
				}
				pos += 1 + i
			}
		})
	}
	// --json prints the Saju object of the same chart.
	out, _, err := runChartArgs(t, "--json", "--lunar", "--leap", "1990-05-15", "10:30", "--longitude", "126.98", "--day-boundary", "jasi")
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Pillars map[string]struct{ Hangul string }
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	if p := got.Pillars; p["year"].Hangul+p["month"].Hangul+p["day"].Hangul+p["hour"].Hangul != "경오임오계유정사" {
		t.Errorf("--json pillars %v", p)
	}
}
