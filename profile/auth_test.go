package profile

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/palja/palja/auth"
)

// The key cache, the buckets and the failed-authentication limit are
// package auth's and tested there; these tests check how the API wires
// them: its error format, its access log, its metrics.

// testKeys is a KeyStore of fixed keys, filled before the server starts.
type testKeys map[[32]byte]*auth.APIKey

func (k testKeys) KeyByHash(_ context.Context, h [32]byte) (*auth.APIKey, error) {
	if key, ok := k[h]; ok {
		c := *key
		return &c, nil
	}
	return nil, auth.ErrUnauthorized
}

func (testKeys) TouchKey(context.Context, string, time.Time) error { return nil }

// add creates a key of account acct_1 and returns its secret and id.
func (k testKeys) add(rate float64, burst int) (secret, id string) {
	secret, key := auth.NewKey("test", rate, burst)
	key.AccountID = "acct_1"
	k[auth.Hash(secret)] = key
	return secret, key.ID
}

// fakeClock is a clock the test moves by hand, an hour after the zero time.
type fakeClock struct{ ns atomic.Int64 }

func newFakeClock() *fakeClock {
	c := &fakeClock{}
	c.ns.Store(int64(time.Hour))
	return c
}

func (c *fakeClock) now() time.Time { return time.Unix(0, c.ns.Load()) }

// emptyStore answers every list with nothing, so that only the limiter is
// measured.
type emptyStore struct{ Store }

func (emptyStore) List(context.Context, string, int, string) ([]*Profile, bool, error) {
	return nil, false, nil
}

// newLimitedHandler serves keys on a fake clock, with the server's default
// limits of 10/s, burst 20.
func newLimitedHandler(keys auth.KeyStore, cfg Config) http.Handler {
	cfg.Rate, cfg.Burst, cfg.Now = 10, 20, newFakeClock().now
	return NewHandler(slog.New(slog.NewTextHandler(io.Discard, nil)), emptyStore{}, keys, cfg)
}

func get(h http.Handler, key, addr string) *httptest.ResponseRecorder {
	req := httptest.NewRequest("GET", "/v1/profiles", nil)
	req.RemoteAddr = addr
	if key != "" {
		req.Header.Set("X-API-Key", key)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

type countMetrics struct {
	noMetrics
	limited, dbErrors atomic.Int64
}

func (m *countMetrics) RateLimited() { m.limited.Add(1) }
func (m *countMetrics) DBError()     { m.dbErrors.Add(1) }

// TestRefusalsInTheErrorFormat: auth's 401 and 429 are answered in the
// API's error format with the request id, the 429 with its headers, and
// logged (at debug level) with the key that was refused.
func TestRefusalsInTheErrorFormat(t *testing.T) {
	keys := testKeys{}
	secret, id := keys.add(0.001, 1)
	var logs LockedBuffer
	m := &countMetrics{}
	h := NewHandler(slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})), emptyStore{}, keys,
		Config{Now: newFakeClock().now, Metrics: m})
	if w := get(h, secret, "192.0.2.1:1"); w.Code != 200 {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	for _, c := range []struct {
		key, typ string
		status   int
	}{{secret, "rate_limited", 429}, {"pj_live_" + strings.Repeat("x", 40), "authentication_error", 401}} {
		w := get(h, c.key, "192.0.2.1:1")
		var e struct {
			Error struct{ Type, Request_ID string }
		}
		if w.Code != c.status || json.Unmarshal(w.Body.Bytes(), &e) != nil || e.Error.Type != c.typ || e.Error.Request_ID != w.Header().Get("X-Request-Id") {
			t.Errorf("%d %s, want %d %s", w.Code, w.Body, c.status, c.typ)
		}
		if c.status == 429 && (w.Header().Get("Retry-After") == "" || w.Header().Get("RateLimit-Remaining") != "0") {
			t.Errorf("429 headers %v", w.Header())
		}
	}
	if m.limited.Load() != 1 {
		t.Errorf("%d 429s counted, want 1", m.limited.Load())
	}
	if !strings.Contains(logs.String(), `"status":429,`) || !strings.Contains(logs.String(), `"key_id":"`+id+`"`) {
		t.Errorf("the 429 is not logged with its key:\n%s", logs.String())
	}
}

// downLimiter is a shared limiter that cannot be reached.
type downLimiter struct{}

func (downLimiter) Bucket(string, auth.Limit, time.Time) auth.Bucket { return downBucket{} }

type downBucket struct{}

func (downBucket) Take(context.Context, time.Time) (auth.State, error) {
	return auth.State{}, errors.New("dial redis: connection refused")
}
func (downBucket) Limit() auth.Limit              { return auth.Limit{} }
func (downBucket) SetLimit(auth.Limit, time.Time) {}
func (downBucket) Empty(time.Time) bool           { return false }

// TestLimiterDownIs500: a Limiter that fails gives 500 api_error, counted
// and logged like any unexpected error, without its message in the answer.
func TestLimiterDownIs500(t *testing.T) {
	keys := testKeys{}
	secret, _ := keys.add(10, 10)
	m := &countMetrics{}
	h := newLimitedHandler(keys, Config{Limiter: downLimiter{}, Metrics: m})
	w := get(h, secret, "192.0.2.1:1")
	if w.Code != 500 || !strings.Contains(w.Body.String(), `"type":"api_error"`) || strings.Contains(w.Body.String(), "redis") {
		t.Errorf("%d %s", w.Code, w.Body)
	}
	if m.dbErrors.Load() != 1 {
		t.Errorf("%d errors counted, want 1", m.dbErrors.Load())
	}
}

// BenchmarkRejected measures the 429 path: a cached key with an empty bucket.
func BenchmarkRejected(b *testing.B) {
	keys := testKeys{}
	secret, _ := keys.add(0.0001, 1)
	h := newLimitedHandler(keys, Config{})
	get(h, secret, "192.0.2.1:1")
	req := httptest.NewRequest("GET", "/v1/profiles", nil)
	req.Header.Set("X-API-Key", secret)
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != 429 {
			b.Fatal(w.Code)
		}
	}
}

// headerWriter is a ResponseWriter that keeps one header map, emptied for
// each answer, and discards the rest: what an answer costs the API, without
// what a server's writer costs.
type headerWriter struct {
	h    http.Header
	code int
}

func (w *headerWriter) Header() http.Header         { return w.h }
func (w *headerWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *headerWriter) WriteHeader(code int)        { w.code = code }

// TestRejectedAllocations is a regression guard of the 429 path's cost:
// the request's reqInfo, its id and its copy with the new context (measured:
// 3), and nothing for the body, the headers or the metrics.
func TestRejectedAllocations(t *testing.T) {
	keys := testKeys{}
	secret, _ := keys.add(0.0001, 1)
	h := newLimitedHandler(keys, Config{})
	get(h, secret, "192.0.2.1:1")
	req := httptest.NewRequest("GET", "/v1/profiles", nil)
	req.Header.Set("X-API-Key", secret)
	w := &headerWriter{h: http.Header{}}
	serve := func() {
		clear(w.h)
		h.ServeHTTP(w, req)
	}
	serve()
	if w.code != 429 {
		t.Fatalf("status %d, want 429", w.code)
	}
	if raceEnabled {
		t.Skip("allocation counts of pooled paths mean nothing under the race detector")
	}
	if n := testing.AllocsPerRun(1000, serve); n > 3 {
		t.Errorf("%v allocations per 429, want at most 3", n)
	}
}
