package auth

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// TestMemoryBucket checks the in-process bucket on a fake clock: the state
// after each take, Empty, and that a new limit credits nothing for the
// past.
func TestMemoryBucket(t *testing.T) {
	clock := newFakeClock()
	b := Memory{}.Bucket("key_1", Limit{Rate: 2, Burst: 3}, clock.now())
	ctx := context.Background()
	for i, want := range []State{
		{Allowed: true, Limit: 3, Remaining: 2, Reset: 1},
		{Allowed: true, Limit: 3, Remaining: 1, Reset: 1},
		{Allowed: true, Limit: 3, Remaining: 0, Reset: 2},
		{Allowed: false, Limit: 3, Remaining: 0, Reset: 2, Retry: 1},
	} {
		if got, err := b.Take(ctx, clock.now()); err != nil || got != want {
			t.Errorf("take %d: %+v, %v; want %+v", i, got, err, want)
		}
	}
	if !b.Empty(clock.now()) {
		t.Error("empty bucket not Empty")
	}
	clock.advance(250 * time.Millisecond) // half a token
	b.SetLimit(Limit{Rate: 100, Burst: 3}, clock.now())
	if got := b.Limit(); got != (Limit{Rate: 100, Burst: 3}) {
		t.Errorf("Limit() = %+v after SetLimit", got)
	}
	if !b.Empty(clock.now()) {
		t.Error("the new rate was credited for the time before it")
	}
	clock.advance(5 * time.Millisecond) // half a token at 100/s
	if b.Empty(clock.now()) {
		t.Error("no token 5 ms later at 100/s")
	}
}

// failingLimiter's buckets fail every Take, as a shared limiter that
// cannot be reached would; it records the keys and limits it was asked for.
type failingLimiter struct {
	mu      sync.Mutex
	buckets map[string]Limit
}

var errLimiterDown = errors.New("limiter unreachable")

func (l *failingLimiter) Bucket(keyID string, lim Limit, _ time.Time) Bucket {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.buckets == nil {
		l.buckets = map[string]Limit{}
	}
	l.buckets[keyID] = lim
	return &failingBucket{lim: lim}
}

type failingBucket struct{ lim Limit }

func (b *failingBucket) Take(context.Context, time.Time) (State, error) {
	return State{}, errLimiterDown
}
func (b *failingBucket) Limit() Limit                  { return b.lim }
func (b *failingBucket) SetLimit(l Limit, _ time.Time) { b.lim = l }
func (b *failingBucket) Empty(time.Time) bool          { return false }

// TestLimiterErrorIsAServerError: a Limiter that fails hands its error to
// WriteError (a 5xx there), sets no RateLimit headers, and does not panic.
// The bucket is asked for once per key, with the key's id and limits.
func TestLimiterErrorIsAServerError(t *testing.T) {
	keys := &memKeys{}
	secret, k := keys.add(0, 7) // rate: the server default
	lim := &failingLimiter{}
	var got []error
	mw := Authenticate(keys, Config{Rate: 3, Burst: 4, Limiter: lim, WriteError: func(w http.ResponseWriter, r *http.Request, err error) {
		got = append(got, err)
		plainError(w, r, err)
	}})
	h := mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { t.Error("request served without a token") }))
	for range 2 {
		w := httptest.NewRecorder()
		req := httptest.NewRequest("GET", "/", nil)
		req.Header.Set("X-API-Key", secret)
		h.ServeHTTP(w, req)
		if w.Code != 500 || w.Header().Get("RateLimit-Limit") != "" {
			t.Errorf("%d %v, want 500 without RateLimit headers", w.Code, w.Header())
		}
	}
	if len(got) != 2 || !errors.Is(got[0], errLimiterDown) {
		t.Errorf("WriteError got %v, want the limiter's error twice", got)
	}
	if want := map[string]Limit{k.ID: {Rate: 3, Burst: 7}}; len(lim.buckets) != 1 || lim.buckets[k.ID] != want[k.ID] {
		t.Errorf("buckets %v, want %v", lim.buckets, want)
	}
}

// TestCallbacks: Authenticated gets the key of admitted and refused
// requests alike, RateLimited counts each 429, and WriteError gets the
// sentinels with Retry-After already set.
func TestCallbacks(t *testing.T) {
	keys := &memKeys{}
	secret, k := keys.add(1, 1)
	var (
		seen    []string
		limited int
		errs    []error
	)
	mw := Authenticate(keys, Config{
		Authenticated: func(r *http.Request, key *APIKey) { seen = append(seen, key.ID) },
		RateLimited:   func() { limited++ },
		WriteError: func(w http.ResponseWriter, r *http.Request, err error) {
			if errors.Is(err, ErrRateLimited) && w.Header().Get("Retry-After") == "" {
				t.Error("429 without Retry-After")
			}
			errs = append(errs, err)
			plainError(w, r, err)
		},
	})
	h := mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	var codes []int
	for _, key := range []string{secret, secret, "garbage"} {
		w := httptest.NewRecorder()
		req := httptest.NewRequest("GET", "/", nil)
		req.Header.Set("X-API-Key", key)
		h.ServeHTTP(w, req)
		codes = append(codes, w.Code)
	}
	if len(codes) != 3 || codes[0] != 200 || codes[1] != 429 || codes[2] != 401 {
		t.Errorf("statuses %v, want 200 429 401", codes)
	}
	if len(seen) != 2 || seen[0] != k.ID || seen[1] != k.ID {
		t.Errorf("Authenticated got %v, want the key twice", seen)
	}
	if limited != 1 || len(errs) != 2 || errs[0] != ErrRateLimited || errs[1] != ErrUnauthorized {
		t.Errorf("RateLimited %d times, errors %v", limited, errs)
	}
}

// nopWriter is a ResponseWriter that keeps its header map and discards the
// rest.
type nopWriter struct{ h http.Header }

func (w *nopWriter) Header() http.Header         { return w.h }
func (w *nopWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *nopWriter) WriteHeader(int)             {}

// TestRefusalAllocatesNothing: the 429 of a cached key costs package auth
// no allocation (what the answer costs is WriteError's), as long as its
// headers are below 1024 seconds.
func TestRefusalAllocatesNothing(t *testing.T) {
	keys := &memKeys{}
	secret, _ := keys.add(0.01, 1) // Retry-After and RateLimit-Reset: 100
	mw := Authenticate(keys, Config{Rate: 10, Burst: 20, Now: newFakeClock().now,
		WriteError: func(http.ResponseWriter, *http.Request, error) {}})
	admitted := 0
	h := mw(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { admitted++ }))
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("X-API-Key", secret)
	w := &nopWriter{h: http.Header{}}
	h.ServeHTTP(w, req) // the first request caches the key and takes its token
	if n := testing.AllocsPerRun(100, func() { h.ServeHTTP(w, req) }); n != 0 {
		t.Errorf("%v allocations per 429", n)
	}
	if admitted != 1 {
		t.Errorf("%d requests admitted, want 1", admitted)
	}
}

// TestAdmissionAllocatesNothing: an admitted request of a cached key with
// a bucket of a million, refilled faster than it is used, costs package
// auth no allocation either: its large header values repeat, and are kept.
func TestAdmissionAllocatesNothing(t *testing.T) {
	keys := &memKeys{}
	secret, _ := keys.add(1e6, 1e6)
	clock := newFakeClock()
	mw := Authenticate(keys, Config{Now: clock.now})
	h := mw(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("X-API-Key", secret)
	w := &nopWriter{h: http.Header{}}
	h.ServeHTTP(w, req) // the first request caches the key
	n := testing.AllocsPerRun(100, func() {
		clock.advance(time.Millisecond) // a thousand tokens: the bucket is full again
		h.ServeHTTP(w, req)
	})
	if n != 0 {
		t.Errorf("%v allocations per admitted request", n)
	}
	if got := w.h.Get("RateLimit-Limit") + " " + w.h.Get("RateLimit-Remaining"); got != "1000000 999999" {
		t.Errorf("RateLimit-Limit and -Remaining %s, want 1000000 999999", got)
	}
}
