package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/palja/palja/crypto"
	"github.com/palja/palja/docs"
	"github.com/palja/palja/profile"
	"github.com/palja/palja/storage/sqlite"
)

// webServer is the real API handler, configured by webConfig as serve does,
// on a SQLite database in a temp dir.
type webServer struct {
	*httptest.Server
	db  *sqlite.DB
	key string // rate 1000/s, burst 1000
}

// newWebDB opens a new database in t.TempDir(), closed when the test and
// its other cleanups are done, and returns it with the handler
// configuration that serve gives it for corsOrigins.
func newWebDB(t *testing.T, corsOrigins string) (*sqlite.DB, profile.Config) {
	t.Helper()
	kr, err := crypto.NewKeyring("k1", map[crypto.KeyID][]byte{"k1": bytes.Repeat([]byte{9}, 32)})
	if err != nil {
		t.Fatal(err)
	}
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "palja.db"), kr, sqlite.Options{Synchronous: "NORMAL"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	cfg := profile.Config{Ready: db.Ping}
	if err := webConfig(&cfg, corsOrigins); err != nil {
		t.Fatal(err)
	}
	return db, cfg
}

func newWebServer(t *testing.T, corsOrigins string) *webServer {
	t.Helper()
	db, cfg := newWebDB(t, corsOrigins)
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	s := &webServer{Server: httptest.NewServer(profile.NewHandler(logger, db.Profiles(), db, cfg)), db: db}
	t.Cleanup(s.Close) // before the database's cleanup
	s.key = s.newKey(t, 1000, 1000)
	return s
}

func (s *webServer) newKey(t *testing.T, rate float64, burst int) string {
	t.Helper()
	secret, _, err := s.db.CreateKey(context.Background(), "web test", "", rate, burst)
	if err != nil {
		t.Fatal(err)
	}
	return secret
}

// call sends a request; headers are name, value pairs.
func (s *webServer) call(t *testing.T, method, path, body string, headers ...string) (*http.Response, []byte) {
	t.Helper()
	return send(t, s.Client(), method, s.URL+path, body, headers...)
}

func TestMetricsScrape(t *testing.T) {
	s := newWebServer(t, "")
	res, body := s.call(t, "POST", "/v1/profiles", `{"name":"김영희","birth_year":1990,"birth_month":5,"birth_day":15,"birth_hour":10}`, "X-API-Key", s.key)
	if res.StatusCode != 201 {
		t.Fatalf("create: %d %s", res.StatusCode, body)
	}
	var p struct{ ID string }
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		s.call(t, "GET", "/v1/profiles/"+p.ID, "", "X-API-Key", s.key)
	}
	s.call(t, "PUT", "/v1/profiles/"+p.ID, `{"birth_hour":null}`, "X-API-Key", s.key)
	s.call(t, "GET", "/v1/profiles/nobody", "", "X-API-Key", s.key)
	s.call(t, "GET", "/nothing/here", "")
	s.call(t, "BREW", "/v1/profiles", "", "X-API-Key", s.key)
	s.call(t, "PATCH", "/v1/profiles/"+p.ID, `{}`, "X-API-Key", s.key) // 405 on a known path
	s.call(t, "POST", "/healthz", "")
	slow := s.newKey(t, 0.001, 1)
	for range 3 {
		s.call(t, "GET", "/v1/profiles", "", "X-API-Key", slow)
	}

	res, body = s.call(t, "GET", "/metrics", "")
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("/metrics: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	text := string(body)
	for _, want := range []string{
		`palja_http_requests_total{method="POST",route="/v1/profiles",status="201"} 1`,
		`palja_http_requests_total{method="GET",route="/v1/profiles/{ref}",status="200"} 2`,
		`palja_http_requests_total{method="GET",route="/v1/profiles/{ref}",status="404"} 1`,
		`palja_http_requests_total{method="PUT",route="/v1/profiles/{ref}",status="200"} 1`,
		`palja_http_requests_total{method="GET",route="/v1/profiles",status="429"} 2`,
		`palja_http_requests_total{method="GET",route="unmatched",status="404"} 1`,
		`palja_http_requests_total{method="PATCH",route="/v1/profiles/{ref}",status="405"} 1`,
		`palja_http_requests_total{method="POST",route="/healthz",status="405"} 1`,
		`palja_http_requests_total{method="OTHER",`,
		`palja_http_request_duration_seconds_count{method="GET",route="/v1/profiles/{ref}"} 3`,
		`palja_http_request_duration_seconds_bucket{method="GET",route="/v1/profiles/{ref}",le="+Inf"} 3`,
		"palja_rate_limited_total 2\n",
		"palja_recomputes_total 2\n", // the create and the PUT that cleared the hour
		"palja_db_errors_total 0\n",
		"\ngo_goroutines ",
		"\nprocess_resident_memory_bytes ",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if strings.Contains(text, p.ID) || strings.Contains(text, "nobody") {
		t.Errorf("/metrics names a profile: the route label must be the pattern")
	}
	if t.Failed() {
		t.Logf("/metrics:\n%s", grepLines(text, "palja_"))
	}
}

func grepLines(text, prefix string) string {
	var b strings.Builder
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, prefix) {
			b.WriteString(l + "\n")
		}
	}
	return b.String()
}

func TestMetricsRequestAllocatesNothing(t *testing.T) {
	m := newMetrics()
	m.Request("GET", "/v1/profiles/{ref}", 200, time.Millisecond) // creates the children
	if n := testing.AllocsPerRun(1000, func() {
		m.Request("GET", "/v1/profiles/{ref}", 200, time.Millisecond)
	}); n != 0 {
		t.Errorf("Request allocates %v times per call", n)
	}
}

func BenchmarkMetricsRequest(b *testing.B) {
	m := newMetrics()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			m.Request("PUT", "/v1/profiles/{ref}", 200, 800*time.Microsecond)
		}
	})
}

func TestOpenAPIServed(t *testing.T) {
	s := newWebServer(t, "")
	res, body := s.call(t, "GET", "/openapi.json", "")
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("%d %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
	if !bytes.Equal(body, docs.OpenAPI) {
		t.Errorf("/openapi.json differs from docs/openapi.json")
	}
	var doc struct {
		OpenAPI string                    `json:"openapi"`
		Paths   map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.1.") {
		t.Errorf("openapi %q, want 3.1.x", doc.OpenAPI)
	}
	for path, methods := range map[string][]string{
		"/v1/profiles":            {"get", "post"},
		"/v1/profiles/{ref}":      {"get", "put", "delete"},
		"/v1/profiles/{ref}/saju": {"get"},
		"/healthz":                {"get"},
		"/readyz":                 {"get"},
		"/openapi.json":           {"get"},
		"/metrics":                {"get"},
		"/":                       {"get"},
	} {
		for _, m := range methods {
			if doc.Paths[path][m] == nil {
				t.Errorf("the document lacks %s %s", strings.ToUpper(m), path)
			}
		}
	}
}

func TestPlaygroundServed(t *testing.T) {
	s := newWebServer(t, "")
	res, body := s.call(t, "GET", "/", "")
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("/: %d %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
	for _, want := range []string{"팔자 놀이터", "시간 모름", `src="playground/app.js"`, `href="playground/style.css"`, `rel="icon" href="playground/favicon.svg"`} {
		if !bytes.Contains(body, []byte(want)) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
		t.Errorf("Content-Security-Policy %q", csp)
	}
	for path, ct := range map[string]string{
		"/playground/app.js":    "text/javascript",
		"/playground/style.css": "text/css",
		// The icon, named by the page's <link rel="icon">, and at the
		// path browsers ask for without one: no 404 in the console.
		"/playground/favicon.svg": "image/svg+xml",
		"/favicon.ico":            "image/svg+xml",
	} {
		res, body := s.call(t, "GET", path, "")
		min := 1000
		if strings.Contains(path, "favicon") {
			min = 100
		}
		if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), ct) || len(body) < min {
			t.Errorf("%s: %d %q, %d bytes", path, res.StatusCode, res.Header.Get("Content-Type"), len(body))
		}
	}
	if res, _ := s.call(t, "GET", "/playground/", ""); res.Request.URL.Path != "/" {
		t.Errorf("/playground/ ends at %s, want the page at /", res.Request.URL.Path)
	}
	// The page loads nothing from other hosts.
	external := regexp.MustCompile(`(?i)(src|href)="(https?:)?//`)
	for _, name := range []string{"index.html", "app.js", "style.css"} {
		b, err := playgroundFiles.ReadFile("playground/" + name)
		if err != nil {
			t.Fatal(err)
		}
		if external.Match(b) || bytes.Contains(b, []byte("@import")) {
			t.Errorf("%s loads something from another host", name)
		}
	}
}

func TestCORS(t *testing.T) {
	const allowed = "https://app.example"
	s := newWebServer(t, "https://other.example, "+allowed)

	t.Run("preflight from an allowed origin", func(t *testing.T) {
		res, _ := s.call(t, "OPTIONS", "/v1/profiles/user_1", "",
			"Origin", allowed,
			"Access-Control-Request-Method", "PUT",
			"Access-Control-Request-Headers", "x-api-key,content-type,if-match")
		if res.StatusCode/100 != 2 {
			t.Fatalf("status %d", res.StatusCode)
		}
		if got := res.Header.Get("Access-Control-Allow-Origin"); got != allowed {
			t.Errorf("Access-Control-Allow-Origin %q", got)
		}
		if got := res.Header.Get("Access-Control-Allow-Methods"); !strings.Contains(got, "PUT") {
			t.Errorf("Access-Control-Allow-Methods %q", got)
		}
		allow := strings.ToLower(res.Header.Get("Access-Control-Allow-Headers"))
		for _, h := range []string{"x-api-key", "content-type", "if-match"} {
			if !strings.Contains(allow, h) {
				t.Errorf("Access-Control-Allow-Headers %q lacks %s", allow, h)
			}
		}
	})

	t.Run("response to an allowed origin exposes the headers", func(t *testing.T) {
		res, body := s.call(t, "POST", "/v1/profiles", `{"name":"이","birth_year":2000,"birth_month":1,"birth_day":1}`,
			"Origin", allowed, "X-API-Key", s.key)
		if res.StatusCode != 201 {
			t.Fatalf("%d %s", res.StatusCode, body)
		}
		if got := res.Header.Get("Access-Control-Allow-Origin"); got != allowed {
			t.Errorf("Access-Control-Allow-Origin %q", got)
		}
		exposed := strings.ToLower(res.Header.Get("Access-Control-Expose-Headers"))
		for _, h := range []string{"etag", "retry-after", "x-request-id", "ratelimit-limit", "ratelimit-remaining", "ratelimit-reset"} {
			if !strings.Contains(exposed, h) {
				t.Errorf("Access-Control-Expose-Headers %q lacks %s", exposed, h)
			}
		}
	})

	t.Run("a disallowed origin gets no CORS headers", func(t *testing.T) {
		pre, _ := s.call(t, "OPTIONS", "/v1/profiles", "",
			"Origin", "https://evil.example",
			"Access-Control-Request-Method", "POST",
			"Access-Control-Request-Headers", "x-api-key,content-type")
		get, _ := s.call(t, "GET", "/v1/profiles", "", "Origin", "https://evil.example", "X-API-Key", s.key)
		for name, res := range map[string]*http.Response{"preflight": pre, "GET": get} {
			for h := range res.Header {
				if strings.HasPrefix(h, "Access-Control-") {
					t.Errorf("%s: %s: %q", name, h, res.Header.Get(h))
				}
			}
		}
		if get.StatusCode != 200 {
			t.Errorf("the GET itself is answered as usual: %d", get.StatusCode)
		}
	})

	t.Run("no origins configured: no CORS headers", func(t *testing.T) {
		plain := newWebServer(t, "")
		res, _ := plain.call(t, "OPTIONS", "/v1/profiles", "",
			"Origin", allowed, "Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "x-api-key")
		if got := res.Header.Get("Access-Control-Allow-Origin"); got != "" {
			t.Errorf("Access-Control-Allow-Origin %q", got)
		}
	})

	t.Run("star", func(t *testing.T) {
		star := newWebServer(t, "*")
		res, _ := star.call(t, "GET", "/healthz", "", "Origin", "https://anywhere.example")
		if got := res.Header.Get("Access-Control-Allow-Origin"); got != "*" {
			t.Errorf("Access-Control-Allow-Origin %q", got)
		}
	})
}

// TestWebPagesHead: HEAD on the pages outside /v1 answers as GET does,
// without the body, for load balancers and link checkers.
func TestWebPagesHead(t *testing.T) {
	s := newWebServer(t, "")
	for _, path := range []string{"/openapi.json", "/metrics", "/", "/healthz", "/readyz"} {
		get, getBody := s.call(t, "GET", path, "")
		head, headBody := s.call(t, "HEAD", path, "")
		if get.StatusCode != 200 || head.StatusCode != 200 || len(headBody) != 0 || len(getBody) == 0 ||
			head.Header.Get("Content-Type") != get.Header.Get("Content-Type") {
			t.Errorf("%s: GET %d (%d bytes, %q), HEAD %d (%d bytes, %q)", path, get.StatusCode, len(getBody),
				get.Header.Get("Content-Type"), head.StatusCode, len(headBody), head.Header.Get("Content-Type"))
		}
	}
}

// TestMetricsMethodLabels: the method label is the request's method for the
// methods of HTTP that clients send, OTHER for any other, and each
// (method, route, status) is a series of its own.
func TestMetricsMethodLabels(t *testing.T) {
	m := newMetrics()
	for _, method := range []string{"GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH", "BREW", "get", "OTHER"} {
		m.Request(method, "/v1/profiles", 200, time.Millisecond)
	}
	m.Request("GET", "/v1/profiles", 404, time.Millisecond)
	m.Request("GET", "/healthz", 200, time.Millisecond)
	want := map[string]float64{"GET /v1/profiles 200": 1, "POST /v1/profiles 200": 1, "PUT /v1/profiles 200": 1,
		"DELETE /v1/profiles 200": 1, "HEAD /v1/profiles 200": 1, "OPTIONS /v1/profiles 200": 1, "PATCH /v1/profiles 200": 1,
		"OTHER /v1/profiles 200": 3, "GET /v1/profiles 404": 1, "GET /healthz 200": 1}
	families, err := m.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, f := range families {
		if f.GetName() != "palja_http_requests_total" {
			continue
		}
		for _, s := range f.GetMetric() {
			l := map[string]string{}
			for _, p := range s.GetLabel() {
				l[p.GetName()] = p.GetValue()
			}
			got[l["method"]+" "+l["route"]+" "+l["status"]] = s.GetCounter().GetValue()
		}
	}
	if !maps.Equal(got, want) {
		t.Errorf("series %v, want %v", got, want)
	}
}
