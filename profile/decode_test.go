package profile

import (
	"encoding/json"
	"errors"
	"math"
	"testing"
	"unicode/utf8"

	"github.com/palja/palja/saju"
)

func TestDecodePatch(t *testing.T) {
	cases := []struct {
		name, body string
		want       Patch
		param      string // "" for success
	}{
		{name: "all fields", body: `{"external_id":"u1","name":"김영희","birth_year":1990,"birth_month":5,"birth_day":15,"birth_hour":10,"gender":"male"}`,
			want: Patch{ExternalID: Opt[string]{Set: true, V: "u1"}, Name: Opt[string]{Set: true, V: "김영희"},
				BirthYear: Opt[int]{Set: true, V: 1990}, BirthMonth: Opt[int]{Set: true, V: 5}, BirthDay: Opt[int]{Set: true, V: 15},
				BirthHour: Opt[int]{Set: true, V: 10}, Gender: Opt[string]{Set: true, V: "male"}}},
		{name: "null hour", body: ` { "birth_hour" : null } `, want: Patch{BirthHour: Opt[int]{Set: true, Null: true}}},
		{name: "escapes", body: `{"name":"\uAE40\"\\\/x"}`, want: Patch{Name: Opt[string]{Set: true, V: "김\"\\/x"}}},
		{name: "surrogate pair", body: `{"name":"\ud83d\ude00"}`, want: Patch{Name: Opt[string]{Set: true, V: "😀"}}},
		{name: "negative", body: `{"birth_hour":-5}`, want: Patch{BirthHour: Opt[int]{Set: true, V: -5}}},
		{name: "zero", body: `{"birth_hour":0}`, want: Patch{BirthHour: Opt[int]{Set: true, V: 0}}},
		{name: "empty object", body: `{}`, want: Patch{}},
		{name: "minus zero", body: `{"birth_hour":-0}`, param: "birth_hour"},
		{name: "leading zero", body: `{"birth_hour":01}`, param: "body"},
		{name: "fraction", body: `{"birth_day":1.0}`, param: "birth_day"},
		{name: "exponent", body: `{"birth_day":1e1}`, param: "birth_day"},
		{name: "bad exponent", body: `{"birth_day":1e}`, param: "body"},
		{name: "plus", body: `{"birth_day":+1}`, param: "body"},
		{name: "string for int", body: `{"birth_day":"1"}`, param: "birth_day"},
		{name: "int for string", body: `{"name":1}`, param: "name"},
		{name: "array", body: `{"name":["a"]}`, param: "name"},
		{name: "true", body: `{"birth_day":true}`, param: "birth_day"},
		{name: "tru", body: `{"birth_day":tru}`, param: "body"},
		{name: "unknown", body: `{"x":1}`, param: "x"},
		{name: "read-only", body: `{"created_at":"x"}`, param: "created_at"},
		{name: "duplicate", body: `{"birth_day":1,"birth_day":2}`, param: "birth_day"},
		{name: "duplicate null", body: `{"birth_hour":null,"birth_hour":1}`, param: "birth_hour"},
		{name: "trailing comma", body: `{"birth_day":1,}`, param: "body"},
		{name: "missing colon", body: `{"birth_day" 1}`, param: "body"},
		{name: "unterminated", body: `{"name":"abc`, param: "body"},
		{name: "two objects", body: `{}{}`, param: "body"},
		{name: "string body", body: `"x"`, param: "body"},
		{name: "empty", body: ``, param: "body"},
		{name: "control escape", body: `{"name":"a\nb"}`, param: "name"},
		{name: "C1 control", body: "{\"name\":\"a\u0085b\"}", param: "name"},
		{name: "escaped C1", body: `{"name":"\u0085"}`, param: "name"},
		{name: "DEL", body: `{"name":"\u007f"}`, param: "name"},
		{name: "lone low surrogate", body: `{"name":"\udc00"}`, param: "name"},
		{name: "high then other", body: `{"name":"\ud800\u0041"}`, param: "name"},
		{name: "bad escape", body: `{"name":"\q"}`, param: "body"},
		{name: "short unicode", body: `{"name":"\u12"}`, param: "body"},
		{name: "invalid utf8 value", body: "{\"name\":\"a\xffb\"}", param: "name"},
		{name: "control in external_id", body: `{"external_id":"a\tb"}`, param: "external_id"},
		{name: "control in a string for int", body: `{"birth_day":"\n"}`, param: "birth_day"},
		{name: "invalid utf8 key", body: "{\"\xff\":1}", param: "body"},
		{name: "single quotes", body: `{'name':'a'}`, param: "body"},

		// The fields of lunar dates, minutes, true solar time and schools.
		{name: "conventions", body: `{"calendar":"lunar","is_leap_month":true,"birth_minute":30,"birth_longitude":126.978,"day_boundary":"jasi"}`,
			want: Patch{Calendar: Opt[saju.Calendar]{Set: true, V: saju.Lunar}, LeapMonth: Opt[bool]{Set: true, V: true},
				BirthMinute: Opt[int]{Set: true, V: 30}, BirthLongitude: Opt[float64]{Set: true, V: 126.978},
				DayBoundary: Opt[saju.DayBoundary]{Set: true, V: saju.Jasi}}},
		{name: "solar", body: `{"calendar":"solar"}`, want: Patch{Calendar: Opt[saju.Calendar]{Set: true, V: saju.Solar}}},
		{name: "midnight", body: `{"day_boundary":"midnight"}`, want: Patch{DayBoundary: Opt[saju.DayBoundary]{Set: true, V: saju.Midnight}}},
		{name: "split", body: `{"day_boundary":"split"}`, want: Patch{DayBoundary: Opt[saju.DayBoundary]{Set: true, V: saju.Split}}},
		{name: "leap false", body: `{"is_leap_month":false}`, want: Patch{LeapMonth: Opt[bool]{Set: true}}},
		{name: "longitude integer", body: `{"birth_longitude":127}`, want: Patch{BirthLongitude: Opt[float64]{Set: true, V: 127}}},
		{name: "longitude exponent", body: `{"birth_longitude":1.27e2}`, want: Patch{BirthLongitude: Opt[float64]{Set: true, V: 127}}},
		{name: "longitude capital exponent", body: `{"birth_longitude":12.75E+1}`, want: Patch{BirthLongitude: Opt[float64]{Set: true, V: 127.5}}},
		{name: "longitude huge", body: `{"birth_longitude":1e400}`, want: Patch{BirthLongitude: Opt[float64]{Set: true, V: math.Inf(1)}}},
		{name: "longitude null", body: `{"birth_longitude":null}`, want: Patch{BirthLongitude: Opt[float64]{Set: true, Null: true}}},
		{name: "minute null", body: `{"birth_minute":null}`, want: Patch{BirthMinute: Opt[int]{Set: true, Null: true}}},
		{name: "calendar null", body: `{"calendar":null}`, want: Patch{Calendar: Opt[saju.Calendar]{Set: true, Null: true}}}, // refused by checkNulls
		{name: "calendar unknown", body: `{"calendar":"chinese"}`, param: "calendar"},
		{name: "calendar case", body: `{"calendar":"Lunar"}`, param: "calendar"},
		{name: "calendar empty", body: `{"calendar":""}`, param: "calendar"},
		{name: "calendar number", body: `{"calendar":1}`, param: "calendar"},
		{name: "calendar bool", body: `{"calendar":true}`, param: "calendar"},
		{name: "calendar control", body: `{"calendar":"lunar\n"}`, param: "calendar"},
		{name: "calendar duplicate", body: `{"calendar":"lunar","calendar":"solar"}`, param: "calendar"},
		{name: "calendar duplicate bad", body: `{"calendar":"lunar","calendar":"x"}`, param: "calendar"},
		{name: "day_boundary unknown", body: `{"day_boundary":"yajasi"}`, param: "day_boundary"},
		{name: "day_boundary number", body: `{"day_boundary":0}`, param: "day_boundary"},
		{name: "leap string", body: `{"is_leap_month":"true"}`, param: "is_leap_month"},
		{name: "leap number", body: `{"is_leap_month":1}`, param: "is_leap_month"},
		{name: "leap bad string", body: `{"is_leap_month":"\u0000"}`, param: "is_leap_month"},
		{name: "leap duplicate", body: `{"is_leap_month":false,"is_leap_month":true}`, param: "is_leap_month"},
		{name: "leap truncated", body: `{"is_leap_month":fals}`, param: "body"},
		{name: "minute fraction", body: `{"birth_minute":30.5}`, param: "birth_minute"},
		{name: "minute exponent", body: `{"birth_minute":3e1}`, param: "birth_minute"},
		{name: "minute string", body: `{"birth_minute":"30"}`, param: "birth_minute"},
		{name: "minute bool", body: `{"birth_minute":true}`, param: "birth_minute"},
		{name: "longitude string", body: `{"birth_longitude":"127"}`, param: "birth_longitude"},
		{name: "longitude bool", body: `{"birth_longitude":false}`, param: "birth_longitude"},
		{name: "longitude array", body: `{"birth_longitude":[127]}`, param: "birth_longitude"},
		{name: "longitude bad string", body: "{\"birth_longitude\":\"\xff\"}", param: "birth_longitude"},
		{name: "longitude leading zero", body: `{"birth_longitude":0127}`, param: "body"},
		{name: "longitude dot", body: `{"birth_longitude":127.}`, param: "body"},
		{name: "longitude NaN", body: `{"birth_longitude":NaN}`, param: "body"},
		{name: "longitude duplicate", body: `{"birth_longitude":127,"birth_longitude":null}`, param: "birth_longitude"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := DecodePatch([]byte(c.body))
			if c.param == "" {
				if err != nil {
					t.Fatalf("error %v", err)
				}
				if *p != c.want {
					t.Errorf("got %+v, want %+v", *p, c.want)
				}
				return
			}
			var ve *ValidationError
			if !errors.As(err, &ve) || ve.Field != c.param {
				t.Errorf("error %v, want a validation error for %q", err, c.param)
			}
		})
	}
}

func TestUnknownKeyIsTruncated(t *testing.T) {
	long := make([]byte, 0, 10000)
	for len(long) < 9000 {
		long = append(long, "가"...)
	}
	_, err := DecodePatch([]byte(`{"` + string(long) + `":1}`))
	var ve *ValidationError
	if !errors.As(err, &ve) || utf8.RuneCountInString(ve.Field) > maxKeyReport+1 {
		t.Errorf("param of %d characters", utf8.RuneCountInString(ve.Field))
	}
}

// FuzzDecodePatch checks that no body panics the decoder, that whatever it
// accepts encoding/json accepts too (it is stricter, never looser), and that
// errors are validation errors naming a field.
func FuzzDecodePatch(f *testing.F) {
	for _, s := range []string{
		`{"name":"김영희","birth_year":1990,"birth_month":5,"birth_day":15,"birth_hour":null}`,
		`{"birth_hour":-0}`, `{"name":"\ud83d\ude00"}`, `{"a":[{}]}`, `{"name":"a","name":"b"}`, `[]`, `1e400`, "{\"name\":\"\xff\"}",
		`{"calendar":"lunar","is_leap_month":true,"birth_minute":30,"birth_longitude":126.978,"day_boundary":"jasi"}`,
		`{"birth_longitude":1.27e2}`, `{"is_leap_month":false}`, `{"birth_longitude":-0.0e-0}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := DecodePatch(data)
		if err != nil {
			var ve *ValidationError
			if !errors.As(err, &ve) || ve.Field == "" || ve.Message == "" {
				t.Fatalf("error %v is not a validation error naming a field", err)
			}
			return
		}
		if !json.Valid(data) {
			t.Fatalf("accepted invalid JSON %q", data)
		}
		for _, s := range []Opt[string]{p.Name, p.ExternalID, p.Gender} {
			if !validText(s.V) {
				t.Fatalf("accepted a string with control characters or invalid UTF-8: %q", s.V)
			}
		}
		// A longitude is the number encoding/json reads (where it can
		// read one: out of float64's range it refuses what palja reads as
		// ±Inf or 0 and then refuses by range).
		if o := p.BirthLongitude; o.Set && !o.Null {
			var m map[string]json.RawMessage
			var v float64
			if json.Unmarshal(data, &m) == nil && json.Unmarshal(m["birth_longitude"], &v) == nil && v != o.V {
				t.Fatalf("birth_longitude %s read as %v, encoding/json reads %v", m["birth_longitude"], o.V, v)
			}
		}
	})
}
