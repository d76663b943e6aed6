package auth

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// memKeys is an in-memory KeyStore that counts lookups.
type memKeys struct {
	mu      sync.Mutex
	keys    map[[32]byte]*APIKey
	lookups atomic.Int64
	broken  error         // when set, every lookup fails with it
	delay   time.Duration // how long a lookup takes
	gate    chan struct{} // when set, lookups wait until it is closed
}

func (m *memKeys) KeyByHash(_ context.Context, h [32]byte) (*APIKey, error) {
	m.lookups.Add(1)
	time.Sleep(m.delay)
	if m.gate != nil {
		<-m.gate
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.broken != nil {
		return nil, m.broken
	}
	k, ok := m.keys[h]
	if !ok {
		return nil, ErrUnauthorized
	}
	c := *k
	return &c, nil
}

func (m *memKeys) TouchKey(context.Context, string, time.Time) error { return nil }

func (m *memKeys) add(rate float64, burst int) (string, *APIKey) {
	secret, k := NewKey("", rate, burst)
	k.AccountID = "acct_1"
	m.mu.Lock()
	if m.keys == nil {
		m.keys = make(map[[32]byte]*APIKey)
	}
	m.keys[Hash(secret)] = k
	m.mu.Unlock()
	return secret, k
}

// fakeClock is a clock the test moves by hand.
type fakeClock struct{ ns atomic.Int64 }

func (c *fakeClock) now() time.Time          { return time.Unix(0, c.ns.Load()) }
func (c *fakeClock) advance(d time.Duration) { c.ns.Add(int64(d)) }

// newFakeClock starts an hour after the zero time, so that no bucket is
// measured from its zero value.
func newFakeClock() *fakeClock {
	c := &fakeClock{}
	c.advance(time.Hour)
	return c
}

// newLimitedHandler serves keys on a fake clock, with the server's default
// limits of 10/s, burst 20: an admitted request is answered 200 by an
// empty handler, so that only the limiter is measured; errors get the
// default WriteError (401, 429, 500).
func newLimitedHandler(keys KeyStore) (http.Handler, *fakeClock) {
	_, h, clock := newTestAuthenticator(keys)
	return h, clock
}

// newTestAuthenticator is newLimitedHandler with the authenticator behind
// the handler, for the tests that look into its cache.
func newTestAuthenticator(keys KeyStore) (*authenticator, http.Handler, *fakeClock) {
	clock := newFakeClock()
	a := newAuthenticator(keys, Config{Rate: 10, Burst: 20, AuthFailRate: 1, AuthFailBurst: 20, Now: clock.now})
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) })
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { a.authenticate(w, r, ok) })
	return a, h, clock
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

// TestRateLimitExact floods one key from many goroutines for T seconds of a
// fake clock and checks that burst + rate×T requests are admitted, within
// 1 % plus or minus one token.
func TestRateLimitExact(t *testing.T) {
	for _, c := range []struct {
		rate  float64
		burst int
		secs  int
	}{{1, 1, 30}, {1, 100, 60}, {10, 20, 30}, {100, 100, 10}, {1000, 50, 5}, {10000, 10000, 2}, {10000, 1, 2}} {
		t.Run(fmt.Sprintf("rate=%v,burst=%d", c.rate, c.burst), func(t *testing.T) {
			keys := &memKeys{}
			secret, _ := keys.add(c.rate, c.burst)
			h, clock := newLimitedHandler(keys)
			const workers = 4
			// Steps short enough that the bucket never fills up between
			// two rounds of the flood: at most min(4, burst) tokens a step.
			step := time.Duration(float64(time.Second) / c.rate * min(4, float64(c.burst)))
			step = min(step, 250*time.Millisecond)
			var admitted, rejected atomic.Int64
			end := clock.ns.Load() + int64(c.secs)*int64(time.Second)
			for {
				var wg sync.WaitGroup
				for range workers {
					wg.Add(1)
					go func() { // each worker sends until it is refused
						defer wg.Done()
						for {
							w := get(h, secret, "192.0.2.1:1234")
							if w.Code == http.StatusOK {
								admitted.Add(1)
								continue
							}
							if w.Code != http.StatusTooManyRequests {
								t.Errorf("status %d", w.Code)
							}
							rejected.Add(1)
							return
						}
					}()
				}
				wg.Wait()
				if clock.ns.Load() >= end {
					break
				}
				clock.advance(step)
			}
			want := float64(c.burst) + c.rate*float64(c.secs)
			got := float64(admitted.Load())
			if math.Abs(got-want) > want*0.01+1 {
				t.Errorf("admitted %v, want %v ±1%%+1", got, want)
			}
			t.Logf("admitted %v of %v requests, expected %v", got, got+float64(rejected.Load()), want)
			if n := keys.lookups.Load(); n > int64(c.secs)*2+2 {
				t.Errorf("%d key lookups for %ds of flood: the cache does not hold", n, c.secs)
			}
		})
	}
}

// TestRateLimitHeaders checks that the headers predict what happens next.
func TestRateLimitHeaders(t *testing.T) {
	keys := &memKeys{}
	secret, _ := keys.add(2, 5)
	h, clock := newLimitedHandler(keys)
	for i := range 5 {
		w := get(h, secret, "192.0.2.1:1")
		if w.Code != 200 || w.Header().Get("RateLimit-Limit") != "5" || w.Header().Get("RateLimit-Remaining") != strconv.Itoa(4-i) {
			t.Fatalf("request %d: %d %v", i, w.Code, w.Header())
		}
	}
	w := get(h, secret, "192.0.2.1:1")
	if w.Code != 429 {
		t.Fatalf("%d", w.Code)
	}
	retry, _ := strconv.Atoi(w.Header().Get("Retry-After"))
	reset, _ := strconv.Atoi(w.Header().Get("RateLimit-Reset"))
	if retry != 1 || reset != 3 { // 5 tokens at 2/s: 2.5 s, rounded up
		t.Fatalf("Retry-After %d, RateLimit-Reset %d", retry, reset)
	}
	// Just before Retry-After: still refused; at it: admitted.
	clock.advance(time.Duration(retry)*time.Second - 600*time.Millisecond)
	if w := get(h, secret, "192.0.2.1:1"); w.Code != 429 {
		t.Errorf("before Retry-After: %d", w.Code)
	}
	clock.advance(600 * time.Millisecond)
	if w := get(h, secret, "192.0.2.1:1"); w.Code != 200 {
		t.Errorf("at Retry-After: %d", w.Code)
	}
	// After RateLimit-Reset seconds the whole burst is available at once.
	w = get(h, secret, "192.0.2.1:1")
	reset, _ = strconv.Atoi(w.Header().Get("RateLimit-Reset"))
	clock.advance(time.Duration(reset) * time.Second)
	for i := range 5 {
		if w := get(h, secret, "192.0.2.1:1"); w.Code != 200 {
			t.Fatalf("after reset, request %d: %d", i, w.Code)
		}
	}
}

// TestLimitChangeAndRevocation: a key's new limits and its revocation apply
// within a second, without a restart, and the bucket survives a refresh:
// the request after the background check has ended sees them.
func TestLimitChangeAndRevocation(t *testing.T) {
	keys := &memKeys{}
	secret, k := keys.add(1, 2)
	a, h, clock := newTestAuthenticator(keys)
	get(h, secret, "192.0.2.1:1")
	get(h, secret, "192.0.2.1:1")
	if w := get(h, secret, "192.0.2.1:1"); w.Code != 429 {
		t.Fatalf("%d", w.Code)
	}
	keys.mu.Lock()
	k.Burst = 50
	keys.mu.Unlock()
	// The cached entry is refreshed in the background once it is older than
	// keyRefresh; the request that starts the check is served from the cache
	// (with the old limit or, if the check is quick, the new one).
	clock.advance(keyRefresh + time.Millisecond)
	get(h, secret, "192.0.2.1:1")
	a.keys.checks.Wait()
	if got := get(h, secret, "192.0.2.1:1").Header().Get("RateLimit-Limit"); got != "50" {
		t.Errorf("RateLimit-Limit %s after the check, want the new 50", got)
	}
	now := clock.now()
	keys.mu.Lock()
	k.RevokedAt = &now
	keys.mu.Unlock()
	clock.advance(keyRefresh + time.Millisecond)
	get(h, secret, "192.0.2.1:1") // from the cache; starts the check
	a.keys.checks.Wait()
	if w := get(h, secret, "192.0.2.1:1"); w.Code != 401 {
		t.Errorf("revoked key: %d after the check, want 401", w.Code)
	}
	// The first lookup, two background checks, and the lookup of the key
	// that is no longer cached.
	if n := keys.lookups.Load(); n != 4 {
		t.Errorf("%d lookups, want 4: one per refresh", n)
	}
}

// TestOneLookupInFlight: requests that find their key expired while its
// background check is still waiting for the store share that check instead
// of starting lookups of their own, however slow the store is.
func TestOneLookupInFlight(t *testing.T) {
	keys := &memKeys{}
	secret, _ := keys.add(1000, 1000)
	h, clock := newLimitedHandler(keys)
	if w := get(h, secret, "192.0.2.1:1"); w.Code != 200 {
		t.Fatalf("%d", w.Code)
	}
	keys.gate = make(chan struct{}) // the store stops answering
	clock.advance(keyRefresh + time.Millisecond)
	if w := get(h, secret, "192.0.2.1:1"); w.Code != 200 { // starts the check
		t.Fatalf("%d", w.Code)
	}
	if !eventually(func() bool { return keys.lookups.Load() == 2 }) {
		t.Fatalf("no background check: %d lookups", keys.lookups.Load())
	}
	clock.advance(keyMaxAge - keyRefresh + time.Millisecond) // the entry has expired
	var wg sync.WaitGroup
	codes := make([]int, 8)
	for i := range codes {
		wg.Go(func() { codes[i] = get(h, secret, "192.0.2.1:1").Code })
	}
	waitInLoad(t, len(codes)) // all of them need the store
	close(keys.gate)
	wg.Wait()
	if n := keys.lookups.Load(); n != 2 || slices.ContainsFunc(codes, func(c int) bool { return c != 200 }) {
		t.Errorf("%d lookups, statuses %v; want 2 lookups and eight 200s", n, codes)
	}
}

// TestRevokedAfterIdle: a key idle for longer than keyMaxAge is looked up
// before its next request is served, so a revocation made meanwhile answers
// that very request 401; and a store that cannot answer does not let the
// cache vouch for a key beyond keyMaxAge.
func TestRevokedAfterIdle(t *testing.T) {
	keys := &memKeys{}
	secret, k := keys.add(10, 10)
	h, clock := newLimitedHandler(keys)
	if w := get(h, secret, "192.0.2.1:1"); w.Code != 200 {
		t.Fatalf("%d", w.Code)
	}
	clock.advance(5 * time.Minute)
	now := clock.now()
	keys.mu.Lock()
	k.RevokedAt = &now
	keys.mu.Unlock()
	if w := get(h, secret, "192.0.2.1:1"); w.Code != 401 {
		t.Errorf("first request after idle and revocation: %d", w.Code)
	}

	secret2, _ := keys.add(10, 10)
	if w := get(h, secret2, "192.0.2.2:1"); w.Code != 200 {
		t.Fatalf("%d", w.Code)
	}
	keys.mu.Lock()
	keys.broken = errors.New("database unavailable")
	keys.mu.Unlock()
	clock.advance(keyRefresh + time.Millisecond) // served from the cache, refreshed in the background
	if w := get(h, secret2, "192.0.2.2:1"); w.Code != 200 {
		t.Errorf("within keyMaxAge: %d", w.Code)
	}
	clock.advance(keyMaxAge)
	if w := get(h, secret2, "192.0.2.2:1"); w.Code != 500 {
		t.Errorf("beyond keyMaxAge with a failing store: %d, want 500", w.Code)
	}
}

// TestFirstLookupsShared: concurrent first requests of one key share one
// lookup, and concurrent guesses from one address cannot all pass the
// failed-authentication budget before their failures count.
func TestFirstLookupsShared(t *testing.T) {
	keys := &memKeys{delay: 20 * time.Millisecond}
	secret, _ := keys.add(1000, 1)
	h, _ := newLimitedHandler(keys)
	codes := make(chan int, 64)
	var wg sync.WaitGroup
	for range 64 {
		wg.Go(func() { codes <- get(h, secret, "192.0.2.1:1").Code })
	}
	wg.Wait()
	close(codes)
	count := map[int]int{}
	for c := range codes {
		count[c]++
	}
	if n := keys.lookups.Load(); n != 1 || count[200] != 1 || count[429] != 63 {
		t.Errorf("%d lookups, statuses %v; want 1 lookup, one 200 and 63 × 429", n, count)
	}

	keys.lookups.Store(0)
	for range 500 {
		wg.Go(func() {
			guess, _ := NewSecret()
			get(h, guess, "198.51.100.9:1")
		})
	}
	wg.Wait()
	if n := keys.lookups.Load(); n > 20 {
		t.Errorf("%d lookups for 500 concurrent guesses from one address, budget 20", n)
	}
}

// eventually polls cond for up to ten seconds of real time (a bound for a
// noisy machine, not a measure): the background refresh is a goroutine; the
// fake clock has already moved past keyRefresh.
func eventually(cond func() bool) bool {
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		if cond() {
			return true
		}
	}
	return false
}

// TestAuthFailuresLimitedPerAddress: a flood of random keys from one address
// gets 429 after a small burst, before any key lookup.
func TestAuthFailuresLimitedPerAddress(t *testing.T) {
	keys := &memKeys{}
	good, _ := keys.add(100, 100)
	h, clock := newLimitedHandler(keys)
	get(h, good, "198.51.100.7:1") // cache the good key
	statuses := map[int]int{}
	for range 1000 {
		secret, _ := NewSecret()
		statuses[get(h, secret, "198.51.100.7:2").Code]++
	}
	if statuses[401] != 20 || statuses[429] != 980 {
		t.Errorf("statuses %v, want 20 × 401 then 429", statuses)
	}
	if n := keys.lookups.Load(); n != 21 {
		t.Errorf("%d lookups, want 21 (1 good + 20 failures)", n)
	}

	if w := get(h, "garbage", "198.51.100.7:3"); w.Code != 429 || w.Header().Get("Retry-After") != "1" {
		t.Errorf("malformed key from a blocked address: %d", w.Code)
	}
	// A cached valid key still works from that address, also once its
	// entry is due for a refresh; other addresses are unaffected.
	clock.advance(keyRefresh + 100*time.Millisecond)
	for range 3 {
		if w := get(h, good, "198.51.100.7:4"); w.Code != 200 {
			t.Errorf("valid key from a blocked address: %d", w.Code)
		}
	}
	if w := get(h, "pj_live_"+fmt.Sprint(time.Now().UnixNano())+"abcdefghijklmnopqrstuvwxyz", "203.0.113.1:1"); w.Code != 401 {
		t.Errorf("other address: %d", w.Code)
	}
}

func TestClientAddr(t *testing.T) {
	for remote, want := range map[string]string{
		"192.0.2.1:1234":              "192.0.2.1",
		"[::ffff:192.0.2.1]:1":        "192.0.2.1",
		"[2001:db8:1:2:3:4:5:6]:443":  "2001:db8:1:2::/64",
		"[2001:db8:1:2:ffff::1]:8080": "2001:db8:1:2::/64",
		"[2001:db8:1:3::1]:8080":      "2001:db8:1:3::/64",
		"pipe":                        "pipe",
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = remote
		if got := clientAddr(r); got != want {
			t.Errorf("clientAddr(%q) = %q, want %q", remote, got, want)
		}
	}
}

// TestBoundedMemory floods one million distinct addresses with invalid keys
// and reports the heap: the address table stays capped and no invalid key
// is cached.
func TestBoundedMemory(t *testing.T) {
	keys := &memKeys{}
	a, h, clock := newTestAuthenticator(keys)
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	before := ms.HeapAlloc
	const n = 1_000_000
	for i := range n {
		addr := fmt.Sprintf("10.%d.%d.%d:1", i>>16&255, i>>8&255, i&255)
		a.addrs.attempt(addr, clock.now()) // a failure: the token is not given back
		if i%100_000 == 0 {
			clock.advance(time.Millisecond)
		}
	}
	for range 10_000 { // invalid keys through the handler
		secret, _ := NewSecret()
		get(h, secret, "192.0.2.9:1")
	}
	runtime.GC()
	runtime.ReadMemStats(&ms)
	grown := int64(ms.HeapAlloc) - int64(before)
	t.Logf("heap grew by %.1f MiB after %d addresses; %d addresses tracked, %d keys cached", float64(grown)/(1<<20), n, a.addrs.len(), a.keys.len())
	if a.addrs.len() > maxAddrs {
		t.Errorf("%d addresses tracked, cap %d", a.addrs.len(), maxAddrs)
	}
	if a.keys.len() != 0 {
		t.Errorf("%d invalid keys cached", a.keys.len())
	}
	if grown > 64<<20 {
		t.Errorf("heap grew by %d bytes", grown)
	}
}
