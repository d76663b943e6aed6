package profile_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/palja/palja/profile"
	"github.com/palja/palja/storage/memory"
)

// TestReady: /readyz names the state of each dependency, and only the
// database decides readiness: a rate limiter in fallback leaves the
// instance ready (it serves, limiting alone). Every answer matches
// docs/openapi.json.
func TestReady(t *testing.T) {
	down := errors.New("dial: connection refused")
	for _, tc := range []struct {
		name      string
		db        error
		rateLimit func(context.Context) string
		status    int
		body      string
	}{
		{"sqlite alone", nil, nil, 200, `{"status":"ok","database":"ok","rate_limit":"memory"}`},
		{"redis up", nil, func(context.Context) string { return "redis" }, 200, `{"status":"ok","database":"ok","rate_limit":"redis"}`},
		{"redis down", nil, func(context.Context) string { return "fallback" }, 200, `{"status":"ok","database":"ok","rate_limit":"fallback"}`},
		{"database down", down, func(context.Context) string { return "redis" }, 503, `{"status":"unavailable","database":"unreachable","rate_limit":"redis"}`},
		{"both down", down, func(context.Context) string { return "fallback" }, 503, `{"status":"unavailable","database":"unreachable","rate_limit":"fallback"}`},
		{"database down, no redis", down, nil, 503, `{"status":"unavailable","database":"unreachable","rate_limit":"memory"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := memory.New().Open(testKeyring(t), nil)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			logs := &profile.LockedBuffer{}
			h := profile.NewHandler(slog.New(slog.NewTextHandler(logs, nil)), s, s, profile.Config{
				Ready:     func(context.Context) error { return tc.db },
				RateLimit: tc.rateLimit,
			})
			srv := httptest.NewServer(h)
			defer srv.Close()
			req, _ := http.NewRequest("GET", srv.URL+"/readyz", nil)
			res, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			checkContract(t, req, nil, res, b)
			if res.StatusCode != tc.status || string(b) != tc.body+"\n" {
				t.Errorf("/readyz: %d %s, want %d %s", res.StatusCode, b, tc.status, tc.body)
			}
			if logged := logs.String(); (tc.db != nil) != strings.Contains(logged, "not ready") {
				t.Errorf("log %q: want a \"not ready\" line exactly when the database is down", logged)
			}
		})
	}
}
