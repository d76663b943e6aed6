package profile

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestMask(t *testing.T) {
	for in, want := range map[string]string{"김영희": "김**", "John": "J***", "이": "*", "😀a": "😀*", "Ab": "A*"} {
		if got := MaskName(in); got != want {
			t.Errorf("MaskName(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[int]string{1990: "19**", 2100: "21**", 1900: "19**"} {
		if got := MaskYear(in); got != want {
			t.Errorf("MaskYear(%d) = %q, want %q", in, got, want)
		}
	}
}

func newTestProfile(t *testing.T) *Profile {
	t.Helper()
	p, err := DecodePatch([]byte(`{"name":"김영희","birth_year":1988,"birth_month":4,"birth_day":30,"birth_hour":23}`))
	if err != nil {
		t.Fatal(err)
	}
	pr, err := New("acct_1", p, time.Date(2025, 1, 15, 9, 0, 0, 5, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	return pr
}

func TestMergeFailsAsAWhole(t *testing.T) {
	pr := newTestProfile(t)
	before := *pr
	patch, _ := DecodePatch([]byte(`{"name":"박","birth_day":31}`))
	if _, err := pr.Merge(patch); err == nil {
		t.Fatal("April 31 accepted")
	} else {
		var ve *ValidationError
		if !errors.As(err, &ve) || ve.Field != FieldBirthDay {
			t.Errorf("error %v", err)
		}
	}
	if *pr != before {
		t.Errorf("failed merge changed the profile")
	}
}

func TestMergeRecomputesOnlyOnBirthChange(t *testing.T) {
	for _, c := range []struct {
		body       string
		recomputed bool
	}{
		{`{"name":"박"}`, false},
		{`{"gender":"male"}`, false},
		{`{"birth_year":1988}`, false},
		{`{"birth_hour":23}`, false},
		{`{"birth_hour":0}`, true},
		{`{"birth_hour":null}`, true},
		{`{"birth_day":29}`, true},
		{`{"birth_month":5,"birth_day":1}`, true},
		{`{"calendar":"solar","is_leap_month":false,"day_boundary":"midnight"}`, false},
		{`{"birth_minute":null,"birth_longitude":null}`, false},
		{`{"calendar":"lunar","birth_day":29}`, true},
		{`{"day_boundary":"jasi"}`, true},
		{`{"day_boundary":"split"}`, true},
		{`{"birth_minute":0}`, true},
		{`{"birth_minute":30}`, true},
		{`{"birth_longitude":127}`, true},
	} {
		pr := newTestProfile(t)
		patch, err := DecodePatch([]byte(c.body))
		if err != nil {
			t.Fatal(err)
		}
		old := pr.Chart
		got, err := pr.Merge(patch)
		if err != nil || got != c.recomputed {
			t.Errorf("%s: recomputed %v, %v; want %v", c.body, got, err, c.recomputed)
		}
		if !c.recomputed && pr.Chart != old {
			t.Errorf("%s: chart changed without recompute", c.body)
		}
	}
}

func TestNullClearsHour(t *testing.T) {
	pr := newTestProfile(t)
	if !pr.Chart.HasHour {
		t.Fatal("no hour pillar to start with")
	}
	patch, _ := DecodePatch([]byte(`{"birth_hour":null}`))
	if _, err := pr.Merge(patch); err != nil {
		t.Fatal(err)
	}
	if pr.BirthHour != nil || pr.Chart.HasHour {
		t.Errorf("hour %v, HasHour %v", pr.BirthHour, pr.Chart.HasHour)
	}
}

func TestNewTimes(t *testing.T) {
	pr := newTestProfile(t)
	if pr.CreatedAt != time.Date(2025, 1, 15, 9, 0, 0, 0, time.UTC) || pr.UpdatedAt != pr.CreatedAt || pr.Version != 1 || !IsID(pr.ID) {
		t.Errorf("%+v", pr)
	}
}

// FuzzMerge applies arbitrary bodies to a valid profile: no panic, and the
// profile is always valid afterwards, changed only when Merge succeeded.
func FuzzMerge(f *testing.F) {
	for _, s := range []string{`{"birth_day":31}`, `{"birth_hour":null}`, `{"birth_year":2100,"birth_month":12,"birth_day":31,"birth_hour":23}`, `{"name":" "}`, `{}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := DecodePatch(data)
		if err != nil {
			return
		}
		pr := newTestProfile(t)
		before := *pr
		if _, err := pr.Merge(p); err != nil {
			if *pr != before {
				t.Fatalf("failed merge changed the profile")
			}
			return
		}
		if err := pr.Validate(); err != nil {
			t.Fatalf("merged profile invalid: %v", err)
		}
	})
}

// TestBirthConventions is the table of the fields of issue 12 over Merge
// and New: each case creates a profile from create, then applies put (if
// any); param is the field a failure must name ("" for success), and check
// looks at the merged profile. A failed merge must leave the profile as it
// was.
func TestBirthConventions(t *testing.T) {
	const (
		kim10  = `{"name":"김","birth_year":1990,"birth_month":5,"birth_day":15,"birth_hour":10}`
		lunar  = `{"name":"김","birth_year":1990,"birth_month":5,"birth_day":15,"birth_hour":10,"calendar":"lunar","is_leap_month":true}`
		noHour = `{"name":"김","birth_year":1990,"birth_month":5,"birth_day":15}`
		late   = `{"name":"김","birth_year":1981,"birth_month":12,"birth_day":16,"birth_hour":23}`
		full   = `{"name":"김","birth_year":1990,"birth_month":5,"birth_day":15,"birth_hour":10,"birth_minute":30,"birth_longitude":126.98}`
	)
	pillars := func(want string) func(*Profile) string {
		return func(p *Profile) string {
			c := p.Chart
			got := c.Year.Hangul() + " " + c.Month.Hangul() + " " + c.Day.Hangul()
			if c.HasHour {
				got += " " + c.Hour.Hangul()
			}
			if got != want {
				return "pillars " + got + ", want " + want
			}
			return ""
		}
	}
	cases := []struct {
		name, create, put, param string
		check                    func(*Profile) string
	}{
		// Lunar dates: lunar.tsv has 1990 윤5월 15 10:00 = 1990-07-07, and
		// 1990 5월 15 = 1990-06-07 (both 경오 임오, 계유 and 계묘 days).
		{name: "lunar leap create", create: lunar, check: pillars("경오 임오 계유 정사")},
		{name: "calendar alone re-reads the date", create: kim10, put: `{"calendar":"lunar"}`, check: pillars("경오 임오 계묘 정사")},
		{name: "back to solar needs the flag cleared", create: lunar, put: `{"calendar":"solar"}`, param: FieldIsLeapMonth},
		{name: "back to solar", create: lunar, put: `{"calendar":"solar","is_leap_month":false}`, check: pillars("경오 신사 경진 신사")},
		{name: "leap flag on a solar date", create: kim10, put: `{"is_leap_month":true}`, param: FieldIsLeapMonth},
		{name: "leap flag alone", create: lunar, put: `{"is_leap_month":false}`, check: pillars("경오 임오 계묘 정사")},
		{name: "no leap month that year", create: lunar, put: `{"birth_year":1991}`, param: FieldIsLeapMonth},
		{name: "leap month of another month", create: lunar, put: `{"birth_month":6}`, param: FieldIsLeapMonth},
		// lunar_invalid.tsv: 1924 12월 has 29 days.
		{name: "re-read as a lunar date that does not exist", create: `{"name":"김","birth_year":1924,"birth_month":12,"birth_day":30}`,
			put: `{"calendar":"lunar"}`, param: FieldBirthDay},
		{name: "lunar day 31", create: lunar, put: `{"is_leap_month":false,"birth_day":31}`, param: FieldBirthDay},
		{name: "lunar 1899-12-01", create: `{"name":"김","birth_year":1899,"birth_month":12,"birth_day":1,"calendar":"lunar"}`, check: pillars("기해 병자 갑술")},
		{name: "lunar 1899-11-29", create: `{"name":"김","birth_year":1899,"birth_month":11,"birth_day":29,"calendar":"lunar"}`, param: FieldBirthMonth},
		{name: "solar 1899", create: `{"name":"김","birth_year":1899,"birth_month":12,"birth_day":1}`, param: FieldBirthYear},
		{name: "lunar 2100-12-02", create: `{"name":"김","birth_year":2100,"birth_month":12,"birth_day":2,"calendar":"lunar"}`, param: FieldBirthDay},
		{name: "calendar null", create: kim10, put: `{"calendar":null}`, param: FieldCalendar},
		{name: "is_leap_month null", create: kim10, put: `{"is_leap_month":null}`, param: FieldIsLeapMonth},
		{name: "day_boundary null", create: kim10, put: `{"day_boundary":null}`, param: FieldDayBoundary},

		// Minutes: only with a known hour.
		{name: "minute", create: kim10, put: `{"birth_minute":59}`, check: func(p *Profile) string {
			if p.BirthMinute == nil || *p.BirthMinute != 59 {
				return "minute not stored"
			}
			return ""
		}},
		{name: "minute 60", create: kim10, put: `{"birth_minute":60}`, param: FieldBirthMinute},
		{name: "minute -1", create: kim10, put: `{"birth_minute":-1}`, param: FieldBirthMinute},
		{name: "minute without hour", create: noHour, put: `{"birth_minute":5}`, param: FieldBirthMinute},
		{name: "create minute without hour", create: `{"name":"김","birth_year":1990,"birth_month":5,"birth_day":15,"birth_minute":5}`, param: FieldBirthMinute},
		{name: "hour null clears the minute, keeps the longitude", create: full, put: `{"birth_hour":null}`, check: func(p *Profile) string {
			if p.BirthMinute != nil || p.BirthLongitude == nil || *p.BirthLongitude != 126.98 || p.Chart.HasHour {
				return "minute or longitude wrong after the hour was cleared"
			}
			return ""
		}},
		{name: "hour null with a minute", create: full, put: `{"birth_hour":null,"birth_minute":5}`, param: FieldBirthMinute},
		{name: "hour null and minute null", create: full, put: `{"birth_hour":null,"birth_minute":null}`},
		{name: "minute null", create: full, put: `{"birth_minute":null}`, check: func(p *Profile) string {
			if p.BirthMinute != nil || p.BirthHour == nil {
				return "minute not cleared, or the hour with it"
			}
			return ""
		}},

		// Longitudes: 124 to 132 inclusive, any JSON number.
		{name: "longitude 124", create: kim10, put: `{"birth_longitude":124}`},
		{name: "longitude 132", create: kim10, put: `{"birth_longitude":1.32e2}`},
		{name: "longitude 123.999", create: kim10, put: `{"birth_longitude":123.999}`, param: FieldBirthLongitude},
		{name: "longitude 132.001", create: kim10, put: `{"birth_longitude":132.001}`, param: FieldBirthLongitude},
		{name: "longitude 135 (the engine's, not the API's)", create: kim10, put: `{"birth_longitude":135}`, param: FieldBirthLongitude},
		{name: "longitude 1e400", create: kim10, put: `{"birth_longitude":1e400}`, param: FieldBirthLongitude},
		{name: "longitude -1e400", create: kim10, put: `{"birth_longitude":-1e400}`, param: FieldBirthLongitude},
		{name: "longitude 1e-400", create: kim10, put: `{"birth_longitude":1e-400}`, param: FieldBirthLongitude},
		{name: "longitude -0", create: kim10, put: `{"birth_longitude":-0}`, param: FieldBirthLongitude},
		{name: "longitude without hour", create: noHour, put: `{"birth_longitude":127}`, check: pillars("경오 신사 경진")},
		{name: "longitude null", create: full, put: `{"birth_longitude":null}`, check: func(p *Profile) string {
			if p.BirthLongitude != nil {
				return "longitude not cleared"
			}
			return ""
		}},
		// 00:20 at 127° E is the previous day's 자시 (SAJU.md): 1990-05-15
		// 00:20 KST is 23:51:42 true solar time on the 14th.
		{name: "true solar time moves the day", create: `{"name":"김","birth_year":1990,"birth_month":5,"birth_day":15,"birth_hour":0,"birth_minute":20}`,
			put: `{"birth_longitude":127}`, check: pillars("경오 신사 기묘 갑자")},
		{name: "and jasi moves it back", create: `{"name":"김","birth_year":1990,"birth_month":5,"birth_day":15,"birth_hour":0,"birth_minute":20,"birth_longitude":127}`,
			put: `{"day_boundary":"jasi"}`, check: pillars("경오 신사 경진 병자")},

		// Schools: only 23:xx differs. schools.tsv: 1981-12-16 23:00 is
		// 무진 임자 (midnight), 기사 갑자 (jasi), 무진 갑자 (split).
		{name: "midnight", create: late, check: pillars("신유 경자 무진 임자")},
		{name: "jasi", create: late, put: `{"day_boundary":"jasi"}`, check: pillars("신유 경자 기사 갑자")},
		{name: "split", create: late, put: `{"day_boundary":"split"}`, check: pillars("신유 경자 무진 갑자")},
		{name: "split back to midnight", create: `{"name":"김","birth_year":1981,"birth_month":12,"birth_day":16,"birth_hour":23,"day_boundary":"split"}`,
			put: `{"day_boundary":"midnight"}`, check: pillars("신유 경자 무진 임자")},
		{name: "jasi at 10:00", create: kim10, put: `{"day_boundary":"jasi"}`, check: pillars("경오 신사 경진 신사")},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := DecodePatch([]byte(c.create))
			if err != nil {
				t.Fatal(err)
			}
			pr, err := New("acct_1", p, time.Unix(1736931600, 0))
			if c.put == "" {
				checkResult(t, pr, err, c.param, c.check)
				return
			}
			if err != nil {
				t.Fatalf("create: %v", err)
			}
			patch, err := DecodePatch([]byte(c.put))
			if err != nil {
				t.Fatalf("decode %s: %v", c.put, err)
			}
			before := *pr
			_, err = pr.Merge(patch)
			if err != nil && *pr != before {
				t.Errorf("a failed merge changed the profile")
			}
			checkResult(t, pr, err, c.param, c.check)
		})
	}
}

func checkResult(t *testing.T, pr *Profile, err error, param string, check func(*Profile) string) {
	t.Helper()
	if param != "" {
		var ve *ValidationError
		if !errors.As(err, &ve) || ve.Field != param {
			t.Fatalf("error %v, want a validation error for %s", err, param)
		}
		if !strings.HasPrefix(ve.Message, param+" ") {
			t.Errorf("message %q does not start with the field's name", ve.Message)
		}
		return
	}
	if err != nil {
		t.Fatalf("error %v", err)
	}
	if err := pr.Validate(); err != nil {
		t.Fatalf("the result is invalid: %v", err)
	}
	if check != nil {
		if msg := check(pr); msg != "" {
			t.Error(msg)
		}
	}
}
