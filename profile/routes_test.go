package profile_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestHead: HEAD answers wherever GET does, with GET's status and headers
// and no body; it authenticates and is rate-limited like GET.
func TestHead(t *testing.T) {
	e := newMemoryEnv(t)
	id := e.create(kim).str("id")
	for _, path := range []string{"/healthz", "/v1/profiles", "/v1/profiles/" + id, "/v1/profiles/" + id + "/saju", "/v1/profiles/nobody"} {
		get := e.do("GET", path, e.key, "")
		head := e.do("HEAD", path, e.key, "")
		if head.status != get.status || len(head.body) != 0 {
			t.Errorf("HEAD %s: %d with %d bytes; GET: %d", path, head.status, len(head.body), get.status)
		}
		for _, h := range []string{"Content-Type", "Etag", "Ratelimit-Limit"} {
			if head.header.Get(h) != get.header.Get(h) {
				t.Errorf("HEAD %s: %s %q, GET: %q", path, h, head.header.Get(h), get.header.Get(h))
			}
		}
	}
	if r := e.do("HEAD", "/v1/profiles/"+id, "", ""); r.status != 401 {
		t.Errorf("HEAD without a key: %d", r.status)
	}
}

// TestMethodNotAllowed: a 405 says which methods the path has, in Allow.
func TestMethodNotAllowed(t *testing.T) {
	e := newMemoryEnv(t)
	for _, c := range []struct{ method, path, allow string }{
		{"PATCH", "/v1/profiles/user_1", "GET, HEAD, PUT, DELETE"},
		{"POST", "/v1/profiles/user_1", "GET, HEAD, PUT, DELETE"},
		{"DELETE", "/v1/profiles", "GET, HEAD, POST"},
		{"PUT", "/v1/profiles/user_1/saju", "GET, HEAD"},
		{"POST", "/healthz", "GET, HEAD"},
	} {
		r := e.do(c.method, c.path, e.key, "")
		if r.status != 405 || r.errType() != "method_not_allowed" || r.header.Get("Allow") != c.allow {
			t.Errorf("%s %s: %d, Allow %q, want 405 and %q", c.method, c.path, r.status, r.header.Get("Allow"), c.allow)
		}
	}
}

// TestUnknownV1PathsAuthenticate: API.md: every /v1 request carries a key;
// an unknown /v1 path is a 401 without one and a 404 with one.
func TestUnknownV1PathsAuthenticate(t *testing.T) {
	e := newMemoryEnv(t)
	for _, path := range []string{"/v1/nothing", "/v1/", "/v1/profiles/a/b/c", "/v1/keys"} {
		if r := e.do("GET", path, "", ""); r.status != 401 || r.errType() != "authentication_error" {
			t.Errorf("GET %s without a key: %d %s", path, r.status, r.body)
		}
		if r := e.do("GET", path, e.key, ""); r.status != 404 || r.errType() != "not_found" || r.header.Get("Ratelimit-Limit") == "" {
			t.Errorf("GET %s with a key: %d %s %v", path, r.status, r.body, r.header)
		}
	}
}

// TestTwoAPIKeys: a request with two X-API-Key headers is refused, whichever
// of them is valid: the server does not guess which key was meant.
func TestTwoAPIKeys(t *testing.T) {
	e := newMemoryEnv(t)
	for _, keys := range [][]string{{e.key, e.key}, {e.key, "pj_live_nope"}, {"pj_live_nope", e.key}} {
		req, _ := http.NewRequest("GET", e.srv.URL+"/v1/profiles", nil)
		req.Header["X-Api-Key"] = keys
		res, err := e.srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 401 {
			t.Errorf("two X-API-Key headers: %d, want 401", res.StatusCode)
		}
	}
}

// TestUnknownQueryParameters: a query parameter an endpoint does not take is
// a 400 naming it, on every endpoint, and changes nothing.
func TestUnknownQueryParameters(t *testing.T) {
	e := newMemoryEnv(t)
	id := e.create(kim).str("id")
	before := e.do("GET", "/v1/profiles/"+id, e.key, "")
	for _, c := range []struct{ method, path, body, param string }{
		{"GET", "/v1/profiles?foo=1", "", "foo"},
		{"POST", "/v1/profiles?expand=all", `{"name":"박","birth_year":1990,"birth_month":1,"birth_day":1}`, "expand"},
		{"GET", "/v1/profiles/" + id + "?foo=1", "", "foo"},
		{"PUT", "/v1/profiles/" + id + "?foo=1", `{"name":"이"}`, "foo"},
		{"DELETE", "/v1/profiles/" + id + "?foo=1", "", "foo"},
		{"GET", "/v1/profiles/" + id + "/saju?foo", "", "foo"},
		{"GET", "/v1/profiles/" + id + "?a;b=1", "", "query"},                   // url.Query would drop the pair
		{"GET", "/v1/profiles/" + id + "?=1", "", "query"},                      // no name
		{"GET", "/v1/profiles/" + id + "?a=%zz", "", "query"},                   // bad escape
		{"GET", "/v1/profiles?limit=5&%zz", "", "query"},                        // the list too
		{"PUT", "/v1/profiles/" + id + "?pj_live_x=1", `{"name":"이"}`, "query"}, // not echoed
	} {
		r := e.do(c.method, c.path, e.key, c.body)
		if r.status != 400 || r.errType() != "validation_error" || r.errParam() != c.param {
			t.Errorf("%s %s: %d %s", c.method, c.path, r.status, r.body)
		}
		if strings.Contains(string(r.body), "pj_live_") {
			t.Errorf("%s %s: the answer repeats what looks like a key: %s", c.method, c.path, r.body)
		}
	}
	if after := e.do("GET", "/v1/profiles/"+id, e.key, ""); after.status != 200 || after.header.Get("ETag") != before.header.Get("ETag") {
		t.Errorf("refused requests changed the profile: %d %s", after.status, after.body)
	}
	if l := e.do("GET", "/v1/profiles", e.key, ""); len(l.json["data"].([]any)) != 1 {
		t.Errorf("a refused POST created a profile: %s", l.body)
	}
}
