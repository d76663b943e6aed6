package profile_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestIfMatchRefusedWhenEmptyOrMalformed: an If-Match that names no entity
// tag (empty, blank, only commas), an unquoted tag and "*" beside tags are a
// 400 validation_error naming If-Match, on PUT and on DELETE, and change
// nothing: a client whose ETag variable is empty does not lose the
// protection silently (before, an empty If-Match was read as absent).
func TestIfMatchRefusedWhenEmptyOrMalformed(t *testing.T) {
	e := newMemoryEnv(t)
	r := e.create(kim)
	path := "/v1/profiles/" + r.str("id")
	for _, c := range []struct{ name, value string }{
		{"empty", ""},
		{"blank", "  "},
		{"only commas", " , ,"},
		{"unquoted", "v1"},
		{"half quoted", `"v1`},
		{"star beside a tag", `*, "v1"`},
		{"space inside", `"v 1"`},
		{"weak prefix alone", "W/"},
	} {
		t.Run(c.name, func(t *testing.T) {
			for _, method := range []string{"PUT", "DELETE"} {
				body := ""
				if method == "PUT" {
					body = `{"name":"박"}`
				}
				got := e.do(method, path, e.key, body, "If-Match", c.value)
				if got.status != 400 || got.errType() != "validation_error" || got.errParam() != "If-Match" {
					t.Errorf("%s with If-Match %q: %d %s", method, c.value, got.status, got.body)
				}
			}
			if g := e.do("GET", path, e.key, ""); g.status != 200 || g.header.Get("ETag") != `"v1"` || g.str("name") != "김**" {
				t.Errorf("a refused If-Match changed the profile: %d %s", g.status, g.body)
			}
		})
	}
	// Still accepted: empty list elements around a tag (RFC 9110 5.6.1),
	// a weak tag (which never matches: 412), "*".
	if u := e.do("PUT", path, e.key, `{"name":"박"}`, "If-Match", ` , "v1" ,`); u.status != 200 {
		t.Errorf(`If-Match , "v1" ,: %d %s`, u.status, u.body)
	}
	if u := e.do("PUT", path, e.key, `{"name":"박"}`, "If-Match", `W/"v2"`); u.status != 412 {
		t.Errorf(`If-Match W/"v2": %d %s`, u.status, u.body)
	}
}

// TestIfMatchRepeatedLines: several If-Match header lines are one list
// (RFC 9110 5.3): a current tag on the second line matches, and stale tags
// on every line are a 412.
func TestIfMatchRepeatedLines(t *testing.T) {
	e := newMemoryEnv(t)
	r := e.create(kim)
	path := "/v1/profiles/" + r.str("id")
	put := func(lines ...string) *resp {
		t.Helper()
		req, err := http.NewRequest("PUT", e.srv.URL+path, strings.NewReader(`{"birth_hour":3}`))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("X-API-Key", e.key)
		req.Header.Set("Content-Type", "application/json")
		for _, l := range lines {
			req.Header.Add("If-Match", l)
		}
		return e.send1(req, `{"birth_hour":3}`)
	}
	if u := put(`"v7"`, `"v1"`); u.status != 200 || u.header.Get("ETag") != `"v2"` {
		t.Errorf(`If-Match "v7" then "v1": %d %s`, u.status, u.body)
	}
	if u := put(`"v1"`, `"v9", "v8"`); u.status != 412 || u.errType() != "precondition_failed" {
		t.Errorf("stale tags on both lines: %d %s", u.status, u.body)
	}
	// An empty line beside a current tag is an empty list element; only a
	// list with no tag at all is refused.
	if u := put(`"v2"`, ``); u.status != 200 {
		t.Errorf("an empty line beside a current tag: %d %s", u.status, u.body)
	}
	if u := put(``, ` `); u.status != 400 || u.errParam() != "If-Match" {
		t.Errorf("two empty lines: %d %s", u.status, u.body)
	}
}

// TestNameReplacementCharacter: U+FFFD is valid UTF-8 and no control
// character: a name holding it, raw or escaped, is accepted like any other
// (it was refused as "not valid UTF-8"). Bytes that are not UTF-8 still are
// refused.
func TestNameReplacementCharacter(t *testing.T) {
	e := newMemoryEnv(t)
	for _, c := range []struct{ name, body, masked string }{
		{"raw", `{"name":"` + "\ufffd김" + `","birth_year":1990,"birth_month":5,"birth_day":15}`, "\ufffd*"},
		{"escaped", `{"name":"김\ufffd","birth_year":1990,"birth_month":5,"birth_day":15}`, "김*"},
		{"alone", `{"name":"\uFFFD","birth_year":1990,"birth_month":5,"birth_day":15}`, "*"},
	} {
		r := e.do("POST", "/v1/profiles", e.key, c.body)
		if r.status != 201 || r.str("name") != c.masked {
			t.Errorf("%s: %d %s", c.name, r.status, r.body)
			continue
		}
		u := e.do("PUT", "/v1/profiles/"+r.str("id"), e.key, `{"name":"`+"\ufffd\ufffd"+`"}`)
		if u.status != 200 || u.str("name") != "\ufffd*" {
			t.Errorf("%s: PUT: %d %s", c.name, u.status, u.body)
		}
	}
	bad := e.do("POST", "/v1/profiles", e.key, `{"name":"`+"\xff김"+`","birth_year":1990,"birth_month":5,"birth_day":15}`)
	if bad.status != 400 || bad.errParam() != "name" {
		t.Errorf("invalid UTF-8: %d %s", bad.status, bad.body)
	}
}

// TestNameInvisibleMarksBlank: names made only of characters that render as
// nothing (combining grapheme joiner, variation selectors, Mongolian free
// variation selectors, Khmer inherent vowels, other nonspacing marks, with
// or without white space and zero-width characters) are blank and refused,
// on POST and PUT, like U+200B. A visible letter with a combining mark is
// a name.
func TestNameInvisibleMarksBlank(t *testing.T) {
	e := newMemoryEnv(t)
	r := e.create(kim)
	path := "/v1/profiles/" + r.str("id")
	for _, c := range []struct{ name, value string }{
		{"U+034F combining grapheme joiner", "\u034f"},
		{"U+FE0F variation selector-16", "\ufe0f"},
		{"U+FE00 variation selector-1", "\ufe00"},
		{"U+E0100 variation selector-17", "\U000e0100"},
		{"U+180B Mongolian FVS1", "\u180b"},
		{"U+17B4 Khmer vowel inherent aq", "\u17b4"},
		{"U+0301 combining acute alone", "\u0301\u0301"},
		{"marks and spaces", " \u034f\u200b\ufe0f \u3164"},
		{"U+200B zero width space", "\u200b"},
	} {
		t.Run(c.name, func(t *testing.T) {
			body := `{"name":"` + c.value + `","birth_year":1990,"birth_month":5,"birth_day":15}`
			if got := e.do("POST", "/v1/profiles", e.key, body); got.status != 400 || got.errParam() != "name" || !strings.Contains(string(got.body), "blank") {
				t.Errorf("POST: %d %s", got.status, got.body)
			}
			if got := e.do("PUT", path, e.key, `{"name":"`+c.value+`"}`); got.status != 400 || got.errParam() != "name" {
				t.Errorf("PUT: %d %s", got.status, got.body)
			}
		})
	}
	if got := e.do("PUT", path, e.key, `{"name":"e\u0301\ufe0f"}`); got.status != 200 || got.str("name") != "e**" {
		t.Errorf("a letter with marks: %d %s", got.status, got.body)
	}
}

// TestUnknownQueryNamesFirst: with several unknown query parameters, param
// names the first in the query string, every time (a map's order made it
// a random one).
func TestUnknownQueryNamesFirst(t *testing.T) {
	e := newMemoryEnv(t)
	r := e.create(kim)
	for _, c := range []struct{ path, want string }{
		{"/v1/profiles?limit=5&zeta=1&alpha=2&mid=3&beta=4", "zeta"},
		{"/v1/profiles/" + r.str("id") + "?omega=1&alpha=2&kappa=3&beta=4", "omega"},
		{"/v1/profiles/" + r.str("id") + "/saju?b%61d=1&alpha=2&kappa=3", "bad"},
	} {
		for range 20 {
			got := e.do("GET", c.path, e.key, "")
			if got.status != 400 || got.errParam() != c.want {
				t.Fatalf("GET %s: %d %s, want param %q", c.path, got.status, got.body, c.want)
			}
		}
	}
}

// TestDocumentRefusesWhatServerRefuses: for requests that the server
// refuses with a 400, docs/openapi.json refuses them too, so that a client
// generated from it never sends them (the document allowed external_id "."
// and "..", blank names and control characters in If-Match). The rest of
// the e2e tests check the other half: whatever the server accepts, the
// document accepts.
func TestDocumentRefusesWhatServerRefuses(t *testing.T) {
	c, err := loadContract()
	if err != nil {
		t.Fatal(err)
	}
	e := newMemoryEnv(t)
	id := e.create(kim).str("id")
	const birth = `,"birth_year":1990,"birth_month":5,"birth_day":15}`
	for _, tc := range []struct {
		name, method, path, body string
		ifMatch                  []string
		param                    string // the server's 400 names it; "" for a request Go's client cannot send
	}{
		{"external_id .", "POST", "/v1/profiles", `{"external_id":".","name":"김영희"` + birth, nil, "external_id"},
		{"external_id ..", "POST", "/v1/profiles", `{"external_id":"..","name":"김영희"` + birth, nil, "external_id"},
		{"external_id .. in PUT", "PUT", "/v1/profiles/" + id, `{"external_id":".."}`, nil, "external_id"},
		{"name of spaces", "POST", "/v1/profiles", `{"name":"   "` + birth, nil, "name"},
		{"name U+200B", "POST", "/v1/profiles", `{"name":"\u200b"` + birth, nil, "name"},
		{"name U+3164", "POST", "/v1/profiles", `{"name":"\u3164\u3164"` + birth, nil, "name"},
		{"name U+00A0 U+2028", "POST", "/v1/profiles", `{"name":"\u00a0\u2028"` + birth, nil, "name"},
		{"name U+034F U+FE0F", "PUT", "/v1/profiles/" + id, `{"name":"\u034f\ufe0f"}`, nil, "name"},
		{"name U+E0100", "PUT", "/v1/profiles/" + id, `{"name":"\udb40\udd00"}`, nil, "name"},
		{"name with U+202E", "PUT", "/v1/profiles/" + id, `{"name":"김\u202e영희"}`, nil, "name"},
		{"name with U+2066", "POST", "/v1/profiles", `{"name":"\u2066김영희"` + birth, nil, "name"},
		{"name U+180B U+17B4", "PUT", "/v1/profiles/" + id, `{"name":"\u180b\u17b4"}`, nil, "name"},
		{"name with U+0085", "PUT", "/v1/profiles/" + id, `{"name":"김\u0085"}`, nil, "name"},
		// An empty If-Match: the schema's minLength and pattern refuse ""
		// (docs' TestOpenAPIPatterns), but the Go validator reads an empty
		// header as absent; TestIfMatchRefusedWhenEmptyOrMalformed has the
		// server's side.
		{"If-Match unquoted", "PUT", "/v1/profiles/" + id, `{"name":"박"}`, []string{"v1"}, "If-Match"},
		{"If-Match star and tag", "DELETE", "/v1/profiles/" + id, ``, []string{`*, "v1"`}, "If-Match"},
		{"If-Match non-ASCII", "DELETE", "/v1/profiles/" + id, ``, []string{`"vé"`}, "If-Match"},
		{"If-Match control character", "PUT", "/v1/profiles/" + id, `{"name":"박"}`, []string{"\"v1\"\x01"}, ""},
		{"If-Match DEL", "PUT", "/v1/profiles/" + id, `{"name":"박"}`, []string{"\"v1\x7f\""}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			newReq := func() *http.Request {
				req, err := http.NewRequest(tc.method, e.srv.URL+tc.path, strings.NewReader(tc.body))
				if err != nil {
					t.Fatal(err)
				}
				req.Header.Set("X-API-Key", e.key)
				if tc.body != "" {
					req.Header.Set("Content-Type", "application/json")
				}
				for _, v := range tc.ifMatch {
					req.Header.Add("If-Match", v)
				}
				return req
			}
			if ok, _ := c.v.ValidateHttpRequestSync(newReq()); ok {
				t.Errorf("docs/openapi.json accepts a request the server refuses")
			}
			if tc.param == "" {
				return
			}
			got := e.send1(newReq(), tc.body)
			if got.status != 400 || got.errParam() != tc.param {
				t.Errorf("server: %d %s, want 400 naming %s", got.status, got.body, tc.param)
			}
		})
	}
}
