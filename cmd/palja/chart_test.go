package main

import (
	"bytes"
	"encoding/json"
	"errors"
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
			if label == "" && !strings.Contains(l, "시주") || label != "" && !strings.HasPrefix(l, label) {
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
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got\n%s\nwant\n%s", out, c.want)
			}
			// The keys come in the order of API.md.
			order := []string{`"pillars"`, `"year"`, `"month"`, `"day"`, `"hour"`, `"day_master"`,
				`"day_master_element"`, `"elements"`, `"weakest_element"`}
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

// TestChartJSONBytes pins the exact bytes of --json, as the CLI printed them
// when it had a JSON encoder of its own (two-space indent, no HTML
// escaping, a final newline): scripts may compare them.
func TestChartJSONBytes(t *testing.T) {
	out, _, err := runChartArgs(t, "--json", "1952-10-17")
	if err != nil {
		t.Fatal(err)
	}
	const want = `{
  "pillars": {
    "year": {
      "stem": "임",
      "branch": "진",
      "hangul": "임진",
      "hanja": "壬辰"
    },
    "month": {
      "stem": "경",
      "branch": "술",
      "hangul": "경술",
      "hanja": "庚戌"
    },
    "day": {
      "stem": "병",
      "branch": "신",
      "hangul": "병신",
      "hanja": "丙申"
    },
    "hour": null
  },
  "day_master": "병화",
  "day_master_element": "fire",
  "elements": {
    "wood": 0,
    "fire": 1,
    "earth": 2,
    "metal": 2,
    "water": 1
  },
  "weakest_element": "wood"
}
`
	if out != want {
		t.Errorf("got\n%q\nwant\n%q", out, want)
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
