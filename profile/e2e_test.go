package profile_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/palja/palja/auth"
	"github.com/palja/palja/crypto"
	"github.com/palja/palja/profile"
	"github.com/palja/palja/storage/memory"
	"github.com/palja/palja/storage/sqlite"
)

// env is one palja API over HTTP on a real SQLite file in a temp dir
// ([newEnv]) or on the in-memory backend ([newMemoryEnv]).
type env struct {
	t       testing.TB
	srv     *httptest.Server
	store   profile.Store
	db      backend
	dbPath  string // "" on the in-memory backend
	key     string // rate 1000/s, burst 1000
	account string
	metrics *countMetrics
	log     *profile.LockedBuffer // everything the server logged
}

type countMetrics struct {
	recomputes, limited, dbErrors atomic.Int64
}

func (m *countMetrics) Request(string, string, int, time.Duration) {}
func (m *countMetrics) RateLimited()                               { m.limited.Add(1) }
func (m *countMetrics) Recompute()                                 { m.recomputes.Add(1) }
func (m *countMetrics) DBError()                                   { m.dbErrors.Add(1) }

func testKeyring(tb testing.TB) *crypto.Keyring {
	tb.Helper()
	kr, err := crypto.NewKeyring("k1", map[crypto.KeyID][]byte{"k1": bytes.Repeat([]byte{7}, 32)})
	if err != nil {
		tb.Fatal(err)
	}
	return kr
}

// backend is what the tests need of a key store besides the profiles.
type backend interface {
	auth.KeyStore
	CreateKey(ctx context.Context, name, account string, rate float64, burst int) (string, *auth.APIKey, error)
	RevokeKey(ctx context.Context, id string) error
	Close() error
}

// newEnv serves the API on a real SQLite file.
func newEnv(tb testing.TB) *env {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "palja.db")
	db, err := sqlite.Open(context.Background(), path, testKeyring(tb), sqlite.Options{Synchronous: "NORMAL"})
	if err != nil {
		tb.Fatal(err)
	}
	e := startEnv(tb, db.Profiles(), db, db.Ping)
	e.dbPath = path
	return e
}

// newMemoryEnv serves the API on the in-memory backend, for the tests of
// the HTTP contract that need no database file.
func newMemoryEnv(tb testing.TB) *env {
	tb.Helper()
	s, err := memory.New().Open(testKeyring(tb), nil)
	if err != nil {
		tb.Fatal(err)
	}
	return startEnv(tb, s, s, nil)
}

func startEnv(tb testing.TB, store profile.Store, db backend, ready func(context.Context) error) *env {
	tb.Helper()
	m := &countMetrics{}
	logs := &profile.LockedBuffer{}
	logger := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	h := profile.NewHandler(logger, store, db, profile.Config{Rate: 10, Burst: 20, Metrics: m, Ready: ready})
	srv := httptest.NewServer(h)
	e := &env{t: tb, srv: srv, store: store, db: db, metrics: m, log: logs}
	tb.Cleanup(func() {
		srv.Close()
		db.Close()
		// No test's personal data may reach a log line: no name, and no
		// birth field at all (numbers alone could match a duration).
		for _, secret := range []string{"영희", "홍길동", "John", "birth_", "1990-05", "1977-07"} {
			if strings.Contains(logs.String(), secret) {
				tb.Errorf("the log holds %q:\n%s", secret, logs.String())
			}
		}
	})
	e.key, e.account = e.newKey("", 1000, 1000)
	return e
}

// newKey creates a key in account ("" for a new account).
func (e *env) newKey(account string, rate float64, burst int) (secret, acct string) {
	e.t.Helper()
	secret, k, err := e.db.CreateKey(context.Background(), "test", account, rate, burst)
	if err != nil {
		e.t.Fatal(err)
	}
	return secret, k.AccountID
}

type resp struct {
	status int
	header http.Header
	body   []byte
	json   map[string]any
}

func (r *resp) str(field string) string {
	v, _ := r.json[field].(string)
	return v
}

func (r *resp) errType() string {
	e, _ := r.json["error"].(map[string]any)
	v, _ := e["type"].(string)
	return v
}

func (r *resp) errParam() string {
	e, _ := r.json["error"].(map[string]any)
	v, _ := e["param"].(string)
	return v
}

// do sends a request with key (if not "") and a JSON body (if not "").
func (e *env) do(method, path, key, body string, headers ...string) *resp {
	e.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("X-API-Key", key)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return e.send1(req, body)
}

// send1 sends req, whose body is body, and checks the exchange as do does.
func (e *env) send1(req *http.Request, body string) *resp {
	e.t.Helper()
	method, path := req.Method, req.URL.Path
	res, err := e.srv.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	checkContract(e.t, req, []byte(body), res, b)
	r := &resp{status: res.StatusCode, header: res.Header, body: b}
	if len(b) > 0 {
		if err := json.Unmarshal(b, &r.json); err != nil {
			e.t.Fatalf("%s %s: body is not a JSON object: %v: %q", method, path, err, b)
		}
	}
	if res.Header.Get("X-Request-Id") == "" {
		e.t.Errorf("%s %s: no X-Request-Id", method, path)
	}
	if res.StatusCode >= 400 && method != http.MethodHead { // a HEAD answer has no body
		checkErrorBody(e.t, r)
	}
	return r
}

// checkErrorBody asserts the one error format of API.md.
func checkErrorBody(t testing.TB, r *resp) {
	t.Helper()
	e, ok := r.json["error"].(map[string]any)
	if !ok {
		t.Fatalf("status %d without an error object: %s", r.status, r.body)
	}
	if e["type"] == "" || e["message"] == "" || !strings.HasPrefix(e["request_id"].(string), "req_") {
		t.Errorf("incomplete error body: %s", r.body)
	}
	if e["request_id"] != r.header.Get("X-Request-Id") {
		t.Errorf("request_id %v differs from X-Request-Id %q", e["request_id"], r.header.Get("X-Request-Id"))
	}
}

const kim = `{"name":"김영희","birth_year":1990,"birth_month":5,"birth_day":15,"birth_hour":10,"gender":"female","external_id":"user_1"}`

func (e *env) create(body string) *resp {
	e.t.Helper()
	r := e.do("POST", "/v1/profiles", e.key, body)
	if r.status != http.StatusCreated {
		e.t.Fatalf("create: %d %s", r.status, r.body)
	}
	return r
}

func TestCreateGetMasked(t *testing.T) {
	e := newEnv(t)
	r := e.create(kim)
	id := r.str("id")
	if !profile.IsID(id) {
		t.Fatalf("id %q", id)
	}
	want := map[string]any{
		"external_id": "user_1", "name": "김**", "birth_year": "19**", "gender": "female",
		"day_master": "경금", "day_master_element": "metal", "weakest_element": "wood",
		"calendar": "solar", "day_boundary": "midnight",
	}
	for k, v := range want {
		if r.json[k] != v {
			t.Errorf("%s = %v, want %v", k, r.json[k], v)
		}
	}
	if len(r.json) != 12 {
		t.Errorf("profile has %d fields, want 12: %s", len(r.json), r.body)
	}
	if r.header.Get("ETag") != `"v1"` || r.header.Get("Location") != "/v1/profiles/"+id {
		t.Errorf("ETag %q Location %q", r.header.Get("ETag"), r.header.Get("Location"))
	}
	for _, k := range []string{"created_at", "updated_at"} {
		ts, err := time.Parse(time.RFC3339, r.str(k))
		if err != nil || ts.Location() != time.UTC || !strings.HasSuffix(r.str(k), "Z") {
			t.Errorf("%s = %q", k, r.str(k))
		}
	}
	for _, path := range []string{"/v1/profiles/" + id, "/v1/profiles/user_1"} {
		g := e.do("GET", path, e.key, "")
		if g.status != 200 || !bytes.Equal(g.body, r.body) {
			t.Errorf("GET %s: %d %s, want %s", path, g.status, g.body, r.body)
		}
	}
	if bytes.Contains(r.body, []byte("영희")) || bytes.Contains(r.body, []byte("1990")) {
		t.Errorf("unmasked data in %s", r.body)
	}
}

func TestSaju(t *testing.T) {
	e := newEnv(t)
	id := e.create(kim).str("id")
	r := e.do("GET", "/v1/profiles/"+id+"/saju", e.key, "")
	if r.status != 200 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	// 1990-05-15 10:00 KST: 경오년 신사월 경진일 신사시 (pillars.tsv conventions).
	var s struct {
		ProfileID string `json:"profile_id"`
		Pillars   map[string]*struct {
			Stem, Branch, Hangul, Hanja string
		}
		DayMaster        string         `json:"day_master"`
		DayMasterElement string         `json:"day_master_element"`
		Elements         map[string]int `json:"elements"`
		WeakestElement   string         `json:"weakest_element"`
	}
	if err := json.Unmarshal(r.body, &s); err != nil {
		t.Fatal(err)
	}
	got := s.Pillars["year"].Hangul + " " + s.Pillars["month"].Hangul + " " + s.Pillars["day"].Hangul + " " + s.Pillars["hour"].Hangul
	if got != "경오 신사 경진 신사" || s.Pillars["day"].Hanja != "庚辰" || s.Pillars["day"].Stem != "경" || s.Pillars["day"].Branch != "진" {
		t.Errorf("pillars %s (%s)", got, r.body)
	}
	if s.ProfileID != id || s.DayMaster != "경금" || s.DayMasterElement != "metal" || s.WeakestElement != "wood" {
		t.Errorf("derived %s", r.body)
	}
	sum := 0
	for _, n := range s.Elements {
		sum += n
	}
	if sum != 8 || len(s.Elements) != 5 {
		t.Errorf("elements %v", s.Elements)
	}
}

func TestPutMerge(t *testing.T) {
	e := newEnv(t)
	id := e.create(kim).str("id")
	path := "/v1/profiles/" + id
	before := e.metrics.recomputes.Load()

	// A field that is not birth data: merged, nothing recomputed.
	r := e.do("PUT", path, e.key, `{"name":"John"}`)
	if r.status != 200 || r.str("name") != "J***" || r.str("gender") != "female" || r.str("external_id") != "user_1" || r.str("day_master") != "경금" {
		t.Fatalf("%d %s", r.status, r.body)
	}
	if r.header.Get("ETag") != `"v2"` {
		t.Errorf("ETag %q", r.header.Get("ETag"))
	}
	if n := e.metrics.recomputes.Load() - before; n != 0 {
		t.Errorf("recomputed %d times for a name change", n)
	}
	// The same birth data again: not a change, not recomputed.
	r = e.do("PUT", path, e.key, `{"birth_year":1990,"birth_hour":10}`)
	if r.status != 200 || e.metrics.recomputes.Load() != before {
		t.Errorf("%d, recomputes %d", r.status, e.metrics.recomputes.Load()-before)
	}
	// birth_hour null clears the hour pillar.
	r = e.do("PUT", path, e.key, `{"birth_hour":null}`)
	if r.status != 200 || e.metrics.recomputes.Load()-before != 1 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	s := e.do("GET", path+"/saju", e.key, "")
	pillars := s.json["pillars"].(map[string]any)
	if pillars["hour"] != nil {
		t.Errorf("hour pillar after null: %v", pillars["hour"])
	}
	if n := sumElements(s); n != 6 {
		t.Errorf("%d elements without the hour, want 6", n)
	}
	// A birth change recomputes: 2000-01-01 is a 무오 day.
	r = e.do("PUT", path, e.key, `{"birth_year":2000,"birth_month":1,"birth_day":1}`)
	if r.status != 200 || r.str("day_master") != "무토" || r.str("birth_year") != "20**" {
		t.Errorf("%d %s", r.status, r.body)
	}
	if e.metrics.recomputes.Load()-before != 2 {
		t.Errorf("recomputes %d, want 2", e.metrics.recomputes.Load()-before)
	}
}

func sumElements(r *resp) int {
	n := 0
	for _, v := range r.json["elements"].(map[string]any) {
		n += int(v.(float64))
	}
	return n
}

func TestPutValidation(t *testing.T) {
	e := newEnv(t)
	e.create(`{"name":"이","birth_year":1988,"birth_month":4,"birth_day":30,"external_id":"apr"}`)
	e.create(`{"name":"박","birth_year":1988,"birth_month":5,"birth_day":1,"external_id":"taken"}`)
	stored := e.do("GET", "/v1/profiles/apr", e.key, "")
	cases := []struct {
		name, body, ct string
		status         int
		typ, param     string
	}{
		{"empty object", `{}`, "", 400, "validation_error", "body"},
		{"not an object", `[1]`, "", 400, "validation_error", "body"},
		{"malformed", `{"name":`, "", 400, "validation_error", "body"},
		{"empty body", ` `, "", 400, "validation_error", "body"},
		{"unknown field", `{"nickname":"x"}`, "", 400, "validation_error", "nickname"},
		{"case differs", `{"Name":"x"}`, "", 400, "validation_error", "Name"},
		{"read-only id", `{"id":"prf_0000000000000000"}`, "", 400, "validation_error", "id"},
		{"read-only day_master", `{"day_master":"갑목"}`, "", 400, "validation_error", "day_master"},
		{"duplicate key", `{"name":"a","name":"b"}`, "", 400, "validation_error", "name"},
		{"trailing data", `{"name":"a"} {}`, "", 400, "validation_error", "body"},
		{"null name", `{"name":null}`, "", 400, "validation_error", "name"},
		{"null year", `{"birth_year":null}`, "", 400, "validation_error", "birth_year"},
		{"null gender", `{"gender":null}`, "", 400, "validation_error", "gender"},
		{"float", `{"birth_year":1990.0}`, "", 400, "validation_error", "birth_year"},
		{"exponent", `{"birth_year":1.99e3}`, "", 400, "validation_error", "birth_year"},
		{"minus zero", `{"birth_hour":-0}`, "", 400, "validation_error", "birth_hour"},
		{"huge", `{"birth_year":1e400}`, "", 400, "validation_error", "birth_year"},
		{"long integer", `{"birth_year":199000000000000000000000}`, "", 400, "validation_error", "birth_year"},
		{"string year", `{"birth_year":"1990"}`, "", 400, "validation_error", "birth_year"},
		{"bool", `{"gender":true}`, "", 400, "validation_error", "gender"},
		{"nested", `{"name":{"a":[[[[]]]]}}`, "", 400, "validation_error", "name"},
		{"deep nesting", `{"name":` + strings.Repeat("[", 60000) + `}`, "", 400, "validation_error", "name"},
		{"year low", `{"birth_year":1899}`, "", 400, "validation_error", "birth_year"},
		{"year high", `{"birth_year":2101}`, "", 400, "validation_error", "birth_year"},
		{"month", `{"birth_month":13}`, "", 400, "validation_error", "birth_month"},
		{"day zero", `{"birth_day":0}`, "", 400, "validation_error", "birth_day"},
		{"april 31", `{"birth_day":31}`, "", 400, "validation_error", "birth_day"},
		{"hour", `{"birth_hour":24}`, "", 400, "validation_error", "birth_hour"},
		{"negative hour", `{"birth_hour":-1}`, "", 400, "validation_error", "birth_hour"},
		{"gender", `{"gender":"other"}`, "", 400, "validation_error", "gender"},
		{"blank name", `{"name":"   "}`, "", 400, "validation_error", "name"},
		{"zero-width space name", `{"name":"\u200b"}`, "", 400, "validation_error", "name"},
		{"byte order mark name", `{"name":"\ufeff \u200d"}`, "", 400, "validation_error", "name"},
		{"Hangul filler name", `{"name":"\u3164\u3164"}`, "", 400, "validation_error", "name"},
		{"ideographic space name", `{"name":"\u3000"}`, "", 400, "validation_error", "name"},
		{"Braille blank name", `{"name":"\u2800"}`, "", 400, "validation_error", "name"},
		{"empty name", `{"name":""}`, "", 400, "validation_error", "name"},
		{"right-to-left override name", `{"name":"\u202e김영희"}`, "", 400, "validation_error", "name"},
		{"left-to-right embedding name", `{"name":"김\u202a영희"}`, "", 400, "validation_error", "name"},
		{"pop directional name", `{"name":"김영희\u202c"}`, "", 400, "validation_error", "name"},
		{"isolate name", `{"name":"\u2067김영희\u2069"}`, "", 400, "validation_error", "name"},
		{"first strong isolate name", `{"name":"김\u2068영희"}`, "", 400, "validation_error", "name"},
		{"right-to-left mark name", `{"name":"김\u200f영희"}`, "", 400, "validation_error", "name"},
		{"Arabic letter mark name", `{"name":"김\u061c영희"}`, "", 400, "validation_error", "name"},
		{"long name", `{"name":"` + strings.Repeat("가", 21) + `"}`, "", 400, "validation_error", "name"},
		{"NUL", `{"name":"a\u0000b"}`, "", 400, "validation_error", "name"},
		{"raw control", "{\"name\":\"a\x01b\"}", "", 400, "validation_error", "name"},
		{"invalid UTF-8", "{\"name\":\"\xff\xfe\"}", "", 400, "validation_error", "name"},
		{"lone surrogate", `{"name":"\ud800"}`, "", 400, "validation_error", "name"},
		{"external_id prf_", `{"external_id":"prf_x"}`, "", 400, "validation_error", "external_id"},
		{"external_id slash", `{"external_id":"a/b"}`, "", 400, "validation_error", "external_id"},
		{"external_id space", `{"external_id":"a b"}`, "", 400, "validation_error", "external_id"},
		{"external_id long", `{"external_id":"` + strings.Repeat("x", 65) + `"}`, "", 400, "validation_error", "external_id"},
		{"external_id taken", `{"external_id":"taken"}`, "", 409, "conflict", "external_id"},
		{"text/plain", `{"name":"a"}`, "text/plain", 415, "unsupported_media_type", ""},
		{"form", `{"name":"a"}`, "application/x-www-form-urlencoded", 415, "unsupported_media_type", ""},
		{"latin1 charset", `{"name":"a"}`, "application/json; charset=latin1", 415, "unsupported_media_type", ""},
		{"utf-16 charset", `{"name":"a"}`, "application/json; charset=utf-16", 415, "unsupported_media_type", ""},
		{"too large", `{"name":"` + strings.Repeat("a", 70000) + `"}`, "", 413, "payload_too_large", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var hdr []string
			if c.ct != "" {
				hdr = []string{"Content-Type", c.ct}
			}
			r := e.do("PUT", "/v1/profiles/apr", e.key, c.body, hdr...)
			if r.status != c.status || r.errType() != c.typ || r.errParam() != c.param {
				t.Errorf("got %d %s", r.status, r.body)
			}
		})
	}
	// A compressed body is refused as such, not as malformed JSON, also
	// behind an identity.
	for _, ce := range []string{"gzip", "br", "deflate", "identity, gzip"} {
		if r := e.do("PUT", "/v1/profiles/apr", e.key, `{"name":"a"}`, "Content-Encoding", ce); r.status != 415 || r.errType() != "unsupported_media_type" {
			t.Errorf("Content-Encoding %s: %d %s", ce, r.status, r.body)
		}
	}
	req, _ := http.NewRequest("PUT", e.srv.URL+"/v1/profiles/apr", strings.NewReader(`{"name":"a"}`))
	req.Header.Set("X-API-Key", e.key)
	req.Header.Set("Content-Type", "application/json")
	req.Header["Content-Encoding"] = []string{"identity", "gzip"}
	if res, err := e.srv.Client().Do(req); err != nil || res.StatusCode != 415 {
		t.Errorf("two Content-Encoding headers, identity then gzip: %v %v", res.StatusCode, err)
	} else {
		res.Body.Close()
	}
	if after := e.do("GET", "/v1/profiles/apr", e.key, ""); !bytes.Equal(after.body, stored.body) {
		t.Errorf("failed requests changed the profile:\n%s\n%s", stored.body, after.body)
	}
	// A valid charset parameter is accepted, and so is Content-Encoding identity.
	for _, ct := range []string{"application/json; charset=utf-8", "application/json;charset=UTF-8", "application/json; charset=us-ascii"} {
		if r := e.do("PUT", "/v1/profiles/apr", e.key, `{"gender":"male"}`, "Content-Type", ct); r.status != 200 {
			t.Errorf("charset: %d %s", r.status, r.body)
		}
	}
	if r := e.do("PUT", "/v1/profiles/apr", e.key, `{"gender":"female"}`, "Content-Encoding", "identity"); r.status != 200 {
		t.Errorf("Content-Encoding identity: %d %s", r.status, r.body)
	}
}

func TestCreateValidation(t *testing.T) {
	e := newEnv(t)
	cases := []struct{ name, body, param string }{
		{"no name", `{"birth_year":1990,"birth_month":1,"birth_day":1}`, "name"},
		{"no year", `{"name":"a","birth_month":1,"birth_day":1}`, "birth_year"},
		{"no month", `{"name":"a","birth_year":1990,"birth_day":1}`, "birth_month"},
		{"no day", `{"name":"a","birth_year":1990,"birth_month":1}`, "birth_day"},
		{"feb 29 1900", `{"name":"a","birth_year":1900,"birth_month":2,"birth_day":29}`, "birth_day"},
		{"feb 30 2000", `{"name":"a","birth_year":2000,"birth_month":2,"birth_day":30}`, "birth_day"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := e.do("POST", "/v1/profiles", e.key, c.body)
			if r.status != 400 || r.errType() != "validation_error" || r.errParam() != c.param {
				t.Errorf("%d %s", r.status, r.body)
			}
		})
	}
	if r := e.do("POST", "/v1/profiles", e.key, `{"name":"a","birth_year":2000,"birth_month":2,"birth_day":29}`); r.status != 201 {
		t.Errorf("feb 29 2000: %d %s", r.status, r.body)
	}
	if r := e.do("GET", "/v1/profiles", e.key, ""); len(r.json["data"].([]any)) != 1 {
		t.Errorf("failed creates stored something: %s", r.body)
	}
}

func TestAuthentication(t *testing.T) {
	e := newEnv(t)
	id := e.create(kim).str("id")
	revoked, _ := e.newKey("", 0, 0)
	k, err := e.db.KeyByHash(context.Background(), auth.Hash(revoked))
	if err != nil {
		t.Fatal(err)
	}
	if err := e.db.RevokeKey(context.Background(), k.ID); err != nil {
		t.Fatal(err)
	}
	for name, key := range map[string]string{
		"missing":   "",
		"malformed": "hello",
		"unknown":   "pj_live_" + strings.Repeat("A", 40),
		"revoked":   revoked,
		"huge":      "pj_live_" + strings.Repeat("A", 1<<20),
	} {
		t.Run(name, func(t *testing.T) {
			r := e.do("GET", "/v1/profiles/"+id, key, "")
			if r.status != 401 || r.errType() != "authentication_error" {
				t.Errorf("%d %s", r.status, r.body)
			}
		})
	}
	if r := e.do("GET", "/healthz", "", ""); r.status != 200 {
		t.Errorf("healthz %d", r.status)
	}
}

func TestAccountIsolation(t *testing.T) {
	e := newEnv(t)
	id := e.create(kim).str("id")
	other, _ := e.newKey("", 1000, 1000)
	sibling, _ := e.newKey(e.account, 1000, 1000)
	for _, path := range []string{"/v1/profiles/" + id, "/v1/profiles/user_1"} {
		for _, m := range []struct{ method, suffix, body string }{
			{"GET", "", ""}, {"GET", "/saju", ""}, {"PUT", "", `{"name":"x"}`}, {"DELETE", "", ""},
		} {
			r := e.do(m.method, path+m.suffix, other, m.body)
			if r.status != 404 || r.errType() != "not_found" {
				t.Errorf("other account %s %s: %d %s", m.method, path+m.suffix, r.status, r.body)
			}
		}
		if r := e.do("GET", path, sibling, ""); r.status != 200 {
			t.Errorf("same account, other key: %d", r.status)
		}
	}
	// The other account may use the same external_id.
	r := e.do("POST", "/v1/profiles", other, kim)
	if r.status != 201 || r.str("id") == id {
		t.Errorf("same external_id in another account: %d %s", r.status, r.body)
	}
	if l := e.do("GET", "/v1/profiles", other, ""); len(l.json["data"].([]any)) != 1 {
		t.Errorf("list leaks across accounts: %s", l.body)
	}
	if r := e.do("GET", "/v1/profiles/"+id, e.key, ""); r.status != 200 || r.str("name") != "김**" {
		t.Errorf("after the other account's attempts: %d %s", r.status, r.body)
	}
}

func TestNotFoundRefs(t *testing.T) {
	e := newEnv(t)
	for _, ref := range []string{
		"prf_0000000000000000", "nobody", "prf_short", "..", "%2e%2e", "a%2Fb", "%00", strings.Repeat("x", 10000), "prf_" + strings.Repeat("A", 10000),
		"' OR 1=1 --", "%27%20OR%201%3D1%20--",
	} {
		r := e.do("GET", "/v1/profiles/"+ref, e.key, "")
		if r.status != 404 || r.errType() != "not_found" {
			t.Errorf("GET %.40q: %d %s", ref, r.status, r.body)
		}
	}
	if r := e.do("GET", "/v1/nothing", e.key, ""); r.status != 404 {
		t.Errorf("unknown route: %d", r.status)
	}
}

func TestExternalIDConflict(t *testing.T) {
	e := newEnv(t)
	e.create(kim)
	r := e.do("POST", "/v1/profiles", e.key, kim)
	if r.status != 409 || r.errType() != "conflict" || r.errParam() != "external_id" {
		t.Errorf("%d %s", r.status, r.body)
	}
	sqlish := `{"name":"a","birth_year":1990,"birth_month":1,"birth_day":1,"external_id":"x';DROP_TABLE_profiles;--"}`
	if r := e.create(sqlish); r.str("external_id") != "x';DROP_TABLE_profiles;--" {
		t.Errorf("%s", r.body)
	}
	if r := e.do("GET", "/v1/profiles/x';DROP_TABLE_profiles;--", e.key, ""); r.status != 200 {
		t.Errorf("GET by SQL-ish external_id: %d", r.status)
	}
}

func TestIfMatch(t *testing.T) {
	e := newEnv(t)
	r := e.create(kim)
	path := "/v1/profiles/" + r.str("id")
	tag := r.header.Get("ETag")
	if u := e.do("PUT", path, e.key, `{"name":"a"}`, "If-Match", tag); u.status != 200 {
		t.Fatalf("%d %s", u.status, u.body)
	}
	stale := e.do("PUT", path, e.key, `{"name":"b"}`, "If-Match", tag)
	if stale.status != 412 || stale.errType() != "precondition_failed" {
		t.Errorf("%d %s", stale.status, stale.body)
	}
	if g := e.do("GET", path, e.key, ""); g.str("name") != "*" {
		t.Errorf("412 changed the profile: %s", g.body)
	}
	if u := e.do("PUT", path, e.key, `{"name":"cd"}`, "If-Match", "*"); u.status != 200 {
		t.Errorf("If-Match *: %d", u.status)
	}

	// DELETE honours If-Match too: a stale tag deletes nothing.
	current := e.do("GET", path, e.key, "").header.Get("ETag")
	if d := e.do("DELETE", path, e.key, "", "If-Match", tag); d.status != 412 || d.errType() != "precondition_failed" {
		t.Errorf("DELETE with a stale If-Match: %d %s", d.status, d.body)
	}
	if g := e.do("GET", path, e.key, ""); g.status != 200 || g.header.Get("ETag") != current {
		t.Errorf("a 412 DELETE changed the profile: %d %s", g.status, g.body)
	}
	if d := e.do("DELETE", path, e.key, "", "If-Match", `"v999", `+current); d.status != 204 {
		t.Errorf("DELETE with a current If-Match: %d %s", d.status, d.body)
	}
	if g := e.do("GET", path, e.key, ""); g.status != 404 {
		t.Errorf("after DELETE: %d", g.status)
	}
	if d := e.do("DELETE", path, e.key, "", "If-Match", "*"); d.status != 404 {
		t.Errorf("DELETE If-Match * of a deleted profile: %d", d.status)
	}
}

func TestDelete(t *testing.T) {
	e := newEnv(t)
	id := e.create(kim).str("id")
	if r := e.do("DELETE", "/v1/profiles/"+id, e.key, ""); r.status != 204 || len(r.body) != 0 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	for _, m := range []string{"GET", "DELETE"} {
		if r := e.do(m, "/v1/profiles/"+id, e.key, ""); r.status != 404 {
			t.Errorf("%s after delete: %d", m, r.status)
		}
	}
	// The external_id is free again.
	e.create(kim)
}

func TestList(t *testing.T) {
	e := newEnv(t)
	var ids []string
	for i := range 5 {
		ids = append(ids, e.create(`{"name":"가나","birth_year":1990,"birth_month":1,"birth_day":`+string(rune('1'+i))+`}`).str("id"))
	}
	var seen []string
	after := ""
	for pages := 0; pages < 10; pages++ {
		path := "/v1/profiles?limit=2"
		if after != "" {
			path += "&starting_after=" + after
		}
		r := e.do("GET", path, e.key, "")
		if r.status != 200 || r.json["object"] != "list" {
			t.Fatalf("%d %s", r.status, r.body)
		}
		data := r.json["data"].([]any)
		for _, d := range data {
			seen = append(seen, d.(map[string]any)["id"].(string))
		}
		if r.json["has_more"] != true {
			break
		}
		after = seen[len(seen)-1]
	}
	if len(seen) != 5 {
		t.Fatalf("saw %d profiles: %v", len(seen), seen)
	}
	for i := range seen {
		if seen[i] != ids[4-i] {
			t.Errorf("not newest first: %v, created %v", seen, ids)
			break
		}
	}
	for _, q := range []string{"limit=0", "limit=101", "limit=x", "limit=1.5", "starting_after=nope", "starting_after=prf_0000000000000000", "color=red"} {
		if r := e.do("GET", "/v1/profiles?"+q, e.key, ""); r.status != 400 || r.errType() != "validation_error" {
			t.Errorf("%s: %d %s", q, r.status, r.body)
		}
	}
	if r := e.do("GET", "/v1/profiles", e.key, ""); len(r.json["data"].([]any)) != 5 {
		t.Errorf("default limit: %s", r.body)
	}
}

func TestRateLimited(t *testing.T) {
	e := newEnv(t)
	key, _ := e.newKey("", 1, 3)
	for i := range 3 {
		r := e.do("GET", "/v1/profiles", key, "")
		if r.status != 200 {
			t.Fatalf("request %d: %d", i, r.status)
		}
		if r.header.Get("RateLimit-Limit") != "3" || r.header.Get("RateLimit-Remaining") != string(rune('2'-i)) {
			t.Errorf("request %d: limit %q remaining %q", i, r.header.Get("RateLimit-Limit"), r.header.Get("RateLimit-Remaining"))
		}
	}
	r := e.do("GET", "/v1/profiles", key, "")
	if r.status != 429 || r.errType() != "rate_limited" {
		t.Fatalf("%d %s", r.status, r.body)
	}
	if ra := r.header.Get("Retry-After"); ra != "1" {
		t.Errorf("Retry-After %q", ra)
	}
	if r.header.Get("RateLimit-Remaining") != "0" || r.header.Get("RateLimit-Reset") != "3" {
		t.Errorf("remaining %q reset %q", r.header.Get("RateLimit-Remaining"), r.header.Get("RateLimit-Reset"))
	}
	if e.metrics.limited.Load() != 1 {
		t.Errorf("rate-limited count %d", e.metrics.limited.Load())
	}
}

func TestNoPlaintextInDatabase(t *testing.T) {
	e := newEnv(t)
	const name = "홍길동무지개"
	for i := range 20 {
		r := e.create(`{"name":"` + name + `","birth_year":1977,"birth_month":7,"birth_day":17,"birth_hour":7,"external_id":"n` + string(rune('a'+i)) + `"}`)
		e.do("PUT", "/v1/profiles/"+r.str("id"), e.key, `{"birth_day":18}`)
	}
	e.db.Close()
	for _, suffix := range []string{"", "-wal"} {
		raw, err := os.ReadFile(e.dbPath + suffix)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		for _, needle := range []string{name, "홍길동", "1977", "정사"} {
			if bytes.Contains(raw, []byte(needle)) {
				t.Errorf("%s holds %q in plaintext", filepath.Base(e.dbPath+suffix), needle)
			}
		}
	}
}

func TestConcurrentPutsKeepEveryField(t *testing.T) {
	e := newEnv(t)
	id := e.create(kim).str("id")
	path := "/v1/profiles/" + id
	const rounds = 30
	var wg sync.WaitGroup
	for _, body := range []func(i int) string{
		func(i int) string { return `{"name":"이름` + string(rune('가'+i)) + `"}` },
		func(i int) string { return `{"birth_hour":` + string(rune('0'+i%10)) + `}` },
		func(i int) string { return `{"gender":"` + []string{"female", "male"}[i%2] + `"}` },
	} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range rounds {
				if r := e.do("PUT", path, e.key, body(i)); r.status != 200 {
					t.Errorf("%d %s", r.status, r.body)
					return
				}
			}
		}()
	}
	wg.Wait()
	g := e.do("GET", path, e.key, "")
	if g.header.Get("ETag") != `"v91"` {
		t.Errorf("lost an update: etag %s", g.header.Get("ETag"))
	}
	// The masked answer cannot show a lost name; the store's plaintext can.
	p, err := e.store.Get(context.Background(), e.account, id)
	if err != nil {
		t.Fatal(err)
	}
	if want := "이름" + string(rune('가'+rounds-1)); p.Name != want || p.Gender == nil || *p.Gender != "male" || p.BirthHour == nil || *p.BirthHour != 9 {
		t.Errorf("lost an update: name %q gender %v hour %v", p.Name, p.Gender, p.BirthHour)
	}
	s := e.do("GET", path+"/saju", e.key, "")
	hour := s.json["pillars"].(map[string]any)["hour"].(map[string]any)["branch"]
	if hour != "사" { // birth_hour 9 → 사
		t.Errorf("hour branch %v, want 사 (hour 9)", hour)
	}
}
