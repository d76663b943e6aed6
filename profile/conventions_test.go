package profile_test

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The end-to-end tests of lunar dates, minutes, true solar time and the
// 23:00 schools (issue 12): every exchange goes through checkContract, so
// the new fields of the requests and of the Profile object are validated
// against docs/openapi.json too.

// readVectors reads a tab-separated reference file of ../shared/saju:
// comment lines start with #, the first other line names the columns.
func readVectors(t *testing.T, name string) []map[string]string {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "..", "shared", "saju", name))
	if err != nil {
		t.Fatalf("reference vectors: %v", err)
	}
	defer f.Close()
	var header []string
	var rows []map[string]string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Split(line, "\t")
		if header == nil {
			header = fields
			continue
		}
		row := make(map[string]string, len(header))
		for i, h := range header {
			if i < len(fields) {
				row[h] = fields[i]
			}
		}
		rows = append(rows, row)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return rows
}

// sajuPillars returns the four pillars of a Saju answer, "-" for no hour.
func sajuPillars(t *testing.T, r *resp) string {
	t.Helper()
	if r.status != 200 {
		t.Fatalf("GET saju: %d %s", r.status, r.body)
	}
	ps := r.json["pillars"].(map[string]any)
	var out []string
	for _, k := range []string{"year", "month", "day", "hour"} {
		p, _ := ps[k].(map[string]any)
		if p == nil {
			out = append(out, "-")
			continue
		}
		out = append(out, p["hangul"].(string))
	}
	return strings.Join(out, " ")
}

// createdSaju creates a profile from body and returns its pillars.
func (e *env) createdSaju(body string) string {
	e.t.Helper()
	id := e.create(body).str("id")
	return sajuPillars(e.t.(*testing.T), e.do("GET", "/v1/profiles/"+id+"/saju", e.key, ""))
}

func TestConventionsProfileObject(t *testing.T) {
	e := newEnv(t)
	r := e.create(`{"name":"박서준","birth_year":1990,"birth_month":5,"birth_day":15,"birth_hour":10,"birth_minute":30,"gender":"male",` +
		`"calendar":"lunar","is_leap_month":true,"birth_longitude":126.98,"day_boundary":"jasi"}`)
	if r.str("calendar") != "lunar" || r.str("day_boundary") != "jasi" || r.str("birth_year") != "19**" {
		t.Errorf("profile %s", r.body)
	}
	// The minute, the longitude and the leap flag are never returned.
	for _, k := range []string{"birth_minute", "birth_longitude", "is_leap_month"} {
		if _, ok := r.json[k]; ok {
			t.Errorf("the profile returns %s: %s", k, r.body)
		}
	}
	if len(r.json) != 12 {
		t.Errorf("profile has %d fields, want 12: %s", len(r.json), r.body)
	}
	// The id and the times are random or the clock's, and may hold "30"
	// by chance (04:30): the needles are looked for in every other field.
	rest := map[string]any{}
	for k, v := range r.json {
		if k != "id" && k != "created_at" && k != "updated_at" {
			rest[k] = v
		}
	}
	others, err := json.Marshal(rest)
	if err != nil {
		t.Fatal(err)
	}
	for _, needle := range []string{"126.98", "30", "1990"} {
		if strings.Contains(string(others), needle) {
			t.Errorf("the profile holds %q: %s", needle, r.body)
		}
	}
	// Lunar 1990 윤5월 15 is 1990-07-07 (lunar.tsv); 10:30 at 126.98° E
	// is 09:53 true solar time, still 사시.
	id := r.str("id")
	if got := sajuPillars(t, e.do("GET", "/v1/profiles/"+id+"/saju", e.key, "")); got != "경오 임오 계유 정사" {
		t.Errorf("pillars %s", got)
	}
	// The list shows the same object.
	l := e.do("GET", "/v1/profiles", e.key, "")
	if d := l.json["data"].([]any)[0].(map[string]any); d["calendar"] != "lunar" || d["day_boundary"] != "jasi" {
		t.Errorf("list %s", l.body)
	}
	// A profile created without them shows the defaults.
	if r := e.create(kim); r.str("calendar") != "solar" || r.str("day_boundary") != "midnight" {
		t.Errorf("defaults %s", r.body)
	}
}

func TestConventionsPut(t *testing.T) {
	e := newEnv(t)
	id := e.create(`{"name":"김영희","birth_year":1981,"birth_month":12,"birth_day":16,"birth_hour":23}`).str("id")
	path := "/v1/profiles/" + id
	saju := func() string { return sajuPillars(t, e.do("GET", path+"/saju", e.key, "")) }
	recomputes := func() int64 { return e.metrics.recomputes.Load() }
	step := func(body string, wantRecompute bool, wantPillars string) *resp {
		t.Helper()
		before := recomputes()
		r := e.do("PUT", path, e.key, body)
		if r.status != 200 {
			t.Fatalf("PUT %s: %d %s", body, r.status, r.body)
		}
		if got := recomputes() - before; got != map[bool]int64{false: 0, true: 1}[wantRecompute] {
			t.Errorf("PUT %s: %d recomputes, want recompute %v", body, got, wantRecompute)
		}
		if got := saju(); got != wantPillars {
			t.Errorf("PUT %s: pillars %s, want %s", body, got, wantPillars)
		}
		return r
	}
	// schools.tsv, 1981-12-16 23:00: 무진 임자 (midnight), 기사 갑자
	// (jasi), 무진 갑자 (split).
	if got := saju(); got != "신유 경자 무진 임자" {
		t.Fatalf("midnight: %s", got)
	}
	if r := step(`{"day_boundary":"jasi"}`, true, "신유 경자 기사 갑자"); r.str("day_boundary") != "jasi" {
		t.Errorf("day_boundary %s", r.body)
	}
	step(`{"day_boundary":"jasi"}`, false, "신유 경자 기사 갑자")
	step(`{"day_boundary":"split"}`, true, "신유 경자 무진 갑자")
	step(`{"day_boundary":"midnight","birth_hour":10}`, true, "신유 경자 무진 정사")
	// {"calendar":"lunar"} alone re-reads the stored date: lunar 1981-12-16
	// is 1982-01-10 (KASI; 설날 1982 was 01-25), JDN 2444980, day index
	// (2444980 + 49) mod 60 = 29, 계사, in the 신유 year's 신축 month (the
	// year turns at 입춘, not at 설날).
	if r := step(`{"calendar":"lunar"}`, true, "신유 신축 계사 정사"); r.str("calendar") != "lunar" || r.str("birth_year") != "19**" {
		t.Errorf("calendar %s", r.body)
	}
	step(`{"calendar":"lunar","is_leap_month":false}`, false, "신유 신축 계사 정사")
	// A minute and a longitude: 10:30 at 129.08° E (Busan) is 10:23 true
	// solar time, still 사시; the longitude without an hour is kept.
	step(`{"birth_minute":30,"birth_longitude":129.08}`, true, "신유 신축 계사 정사")
	step(`{"birth_hour":null}`, true, "신유 신축 계사 -")
	p, err := e.store.Get(t.Context(), e.account, id)
	if err != nil {
		t.Fatal(err)
	}
	if p.BirthMinute != nil || p.BirthLongitude == nil || *p.BirthLongitude != 129.08 {
		t.Errorf("after the hour was cleared: minute %v, longitude %v", p.BirthMinute, p.BirthLongitude)
	}
	// Back to solar.
	step(`{"calendar":"solar"}`, true, "신유 경자 무진 -")

	// A lunar date that does not exist: 1924 12월 has 29 days
	// (lunar_invalid.tsv). Refused naming the day, nothing changed.
	id2 := e.create(`{"name":"이","birth_year":1924,"birth_month":12,"birth_day":30}`).str("id")
	before := e.do("GET", "/v1/profiles/"+id2, e.key, "")
	if r := e.do("PUT", "/v1/profiles/"+id2, e.key, `{"calendar":"lunar"}`); r.status != 400 || r.errParam() != "birth_day" {
		t.Errorf("lunar 1924-12-30: %d %s", r.status, r.body)
	}
	if after := e.do("GET", "/v1/profiles/"+id2, e.key, ""); string(after.body) != string(before.body) {
		t.Errorf("a failed PUT changed the profile")
	}
}

func TestConventionsValidation(t *testing.T) {
	e := newMemoryEnv(t)
	e.create(`{"name":"이","birth_year":1990,"birth_month":5,"birth_day":15,"birth_hour":10,"external_id":"solar"}`)
	e.create(`{"name":"이","birth_year":1990,"birth_month":5,"birth_day":15,"calendar":"lunar","is_leap_month":true,"external_id":"leap"}`)
	e.create(`{"name":"이","birth_year":1990,"birth_month":5,"birth_day":15,"external_id":"nohour"}`)
	cases := []struct{ name, ref, body, param string }{
		{"calendar unknown", "solar", `{"calendar":"chinese"}`, "calendar"},
		{"calendar upper case", "solar", `{"calendar":"LUNAR"}`, "calendar"},
		{"calendar null", "solar", `{"calendar":null}`, "calendar"},
		{"calendar number", "solar", `{"calendar":1}`, "calendar"},
		{"leap on solar", "solar", `{"is_leap_month":true}`, "is_leap_month"},
		{"leap left on solar", "leap", `{"calendar":"solar"}`, "is_leap_month"},
		{"leap null", "leap", `{"is_leap_month":null}`, "is_leap_month"},
		{"leap string", "leap", `{"is_leap_month":"false"}`, "is_leap_month"},
		{"leap number", "leap", `{"is_leap_month":0}`, "is_leap_month"},
		{"leap year without one", "leap", `{"birth_year":1991}`, "is_leap_month"},
		{"lunar day 30 in 29", "leap", `{"is_leap_month":false,"birth_year":1924,"birth_month":12,"birth_day":30}`, "birth_day"},
		{"lunar day 31", "leap", `{"birth_day":31}`, "birth_day"},
		{"minute 60", "solar", `{"birth_minute":60}`, "birth_minute"},
		{"minute negative", "solar", `{"birth_minute":-1}`, "birth_minute"},
		{"minute fraction", "solar", `{"birth_minute":1.5}`, "birth_minute"},
		{"minute exponent", "solar", `{"birth_minute":1e1}`, "birth_minute"},
		{"minute string", "solar", `{"birth_minute":"5"}`, "birth_minute"},
		{"minute without hour", "nohour", `{"birth_minute":5}`, "birth_minute"},
		{"minute with the hour cleared", "solar", `{"birth_hour":null,"birth_minute":5}`, "birth_minute"},
		{"longitude low", "solar", `{"birth_longitude":123.9}`, "birth_longitude"},
		{"longitude high", "solar", `{"birth_longitude":132.1}`, "birth_longitude"},
		{"longitude 135", "solar", `{"birth_longitude":135}`, "birth_longitude"},
		{"longitude huge", "solar", `{"birth_longitude":1e400}`, "birth_longitude"},
		{"longitude string", "solar", `{"birth_longitude":"127"}`, "birth_longitude"},
		{"longitude bool", "solar", `{"birth_longitude":true}`, "birth_longitude"},
		{"longitude object", "solar", `{"birth_longitude":{"deg":127}}`, "birth_longitude"},
		{"day_boundary unknown", "solar", `{"day_boundary":"yaja"}`, "day_boundary"},
		{"day_boundary null", "solar", `{"day_boundary":null}`, "day_boundary"},
		{"duplicate", "solar", `{"day_boundary":"jasi","day_boundary":"split"}`, "day_boundary"},
	}
	before := map[string]string{}
	for _, ref := range []string{"solar", "leap", "nohour"} {
		before[ref] = string(e.do("GET", "/v1/profiles/"+ref, e.key, "").body)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := e.do("PUT", "/v1/profiles/"+c.ref, e.key, c.body)
			if r.status != 400 || r.errType() != "validation_error" || r.errParam() != c.param {
				t.Errorf("got %d %s, want 400 naming %s", r.status, r.body, c.param)
			}
		})
	}
	for ref, b := range before {
		if after := string(e.do("GET", "/v1/profiles/"+ref, e.key, "").body); after != b {
			t.Errorf("failed requests changed %s:\n%s\n%s", ref, b, after)
		}
	}
	// The bounds themselves are accepted, in any JSON number form.
	for _, body := range []string{`{"birth_longitude":124}`, `{"birth_longitude":132}`, `{"birth_longitude":1.27e2}`,
		`{"birth_longitude":126.978}`, `{"birth_minute":0}`, `{"birth_minute":59}`, `{"birth_longitude":null,"birth_minute":null}`} {
		if r := e.do("PUT", "/v1/profiles/solar", e.key, body); r.status != 200 {
			t.Errorf("PUT %s: %d %s", body, r.status, r.body)
		}
	}
	// A create is held to the same rules.
	for _, c := range []struct{ body, param string }{
		{`{"name":"a","birth_year":1990,"birth_month":5,"birth_day":15,"birth_minute":5}`, "birth_minute"},
		{`{"name":"a","birth_year":1990,"birth_month":5,"birth_day":15,"is_leap_month":true}`, "is_leap_month"},
		{`{"name":"a","birth_year":1899,"birth_month":12,"birth_day":31}`, "birth_year"},
		{`{"name":"a","birth_year":2100,"birth_month":12,"birth_day":2,"calendar":"lunar"}`, "birth_day"},
	} {
		if r := e.do("POST", "/v1/profiles", e.key, c.body); r.status != 400 || r.errParam() != c.param {
			t.Errorf("POST %s: %d %s, want 400 naming %s", c.body, r.status, r.body, c.param)
		}
	}
}

// TestLunarVectors creates a profile over HTTP for every 8th row of
// ../shared/saju/lunar.tsv (and every leap-month and Korea–China row),
// and checks the pillars of its Saju object; and refuses every row of
// lunar_invalid.tsv, naming the field of its reason.
func TestLunarVectors(t *testing.T) {
	e := newMemoryEnv(t)
	n := 0
	for i, r := range readVectors(t, "lunar.tsv") {
		if i%8 != 0 && !strings.Contains(r["note"], "leap-month") && !strings.Contains(r["note"], "korea-china") {
			continue
		}
		body := `{"name":"김","calendar":"lunar","birth_year":` + r["lunar_year"] + `,"birth_month":` + r["lunar_month"] +
			`,"birth_day":` + r["lunar_day"] + `,"is_leap_month":` + r["is_leap_month"]
		if r["hour"] != "-" {
			body += `,"birth_hour":` + r["hour"]
		}
		want := strings.Join([]string{r["year_pillar"], r["month_pillar"], r["day_pillar"], r["hour_pillar"]}, " ")
		if got := e.createdSaju(body + "}"); got != want {
			t.Errorf("%s: %s, want %s", body, got, want)
		}
		n++
	}
	t.Logf("%d lunar births checked over HTTP", n)

	fields := map[string][]string{
		"day-30-in-29-day-month":      {"birth_day"},
		"day-30-in-29-day-leap-month": {"birth_day"},
		"day-out-of-range":            {"birth_day"},
		"no-leap-month-in-year":       {"is_leap_month"},
		"leap-flag-on-other-month":    {"is_leap_month"},
		"month-out-of-range":          {"birth_month"},
		"before-range":                {"birth_year", "birth_month", "birth_day"},
		"after-range":                 {"birth_year", "birth_month", "birth_day"},
	}
	for _, r := range readVectors(t, "lunar_invalid.tsv") {
		body := `{"name":"김","calendar":"lunar","birth_year":` + r["lunar_year"] + `,"birth_month":` + r["lunar_month"] +
			`,"birth_day":` + r["lunar_day"] + `,"is_leap_month":` + r["is_leap_month"] + `}`
		res := e.do("POST", "/v1/profiles", e.key, body)
		want := fields[r["reason"]]
		ok := res.status == 400 && res.errType() == "validation_error"
		if ok {
			ok = false
			for _, f := range want {
				ok = ok || res.errParam() == f
			}
		}
		if !ok {
			t.Errorf("%s (%s): %d %s, want 400 naming one of %v", body, r["reason"], res.status, res.body, want)
		}
	}
}

// TestSchoolAndSolarTimeVectors checks the hour-23 rows of
// ../shared/saju/schools.tsv under each school, and the rows of
// solartime.tsv at 124–132° E (the API's range; the others test the
// engine's meridians), over HTTP.
func TestSchoolAndSolarTimeVectors(t *testing.T) {
	e := newMemoryEnv(t)
	n := 0
	for i, r := range readVectors(t, "schools.tsv") {
		if r["hour"] != "23" || i%3 != 0 {
			continue
		}
		for _, school := range []string{"midnight", "jasi", "split"} {
			body := `{"name":"김","birth_year":` + r["year"] + `,"birth_month":` + r["month"] + `,"birth_day":` + r["day"] +
				`,"birth_hour":23,"day_boundary":"` + school + `"}`
			want := strings.Join([]string{r["year_pillar"], r["month_pillar"], r[school+"_day"], r[school+"_hour"]}, " ")
			if got := e.createdSaju(body); got != want {
				t.Errorf("%s: %s, want %s", body, got, want)
			}
			n++
		}
	}
	for i, r := range readVectors(t, "solartime.tsv") {
		lon, err := strconv.ParseFloat(r["longitude"], 64)
		if err != nil || lon < 124 || lon > 132 || i%2 != 0 {
			continue
		}
		body := `{"name":"김","birth_year":` + r["year"] + `,"birth_month":` + r["month"] + `,"birth_day":` + r["day"] +
			`,"birth_hour":` + r["hour"] + `,"birth_minute":` + r["minute"] + `,"birth_longitude":` + r["longitude"] + `}`
		want := strings.Join([]string{r["year_pillar"], r["month_pillar"], r["day_pillar"], r["hour_pillar"]}, " ")
		if got := e.createdSaju(body); got != want {
			t.Errorf("%s: %s, want %s", body, got, want)
		}
		n++
	}
	t.Logf("%d school and true-solar-time births checked over HTTP", n)
}
