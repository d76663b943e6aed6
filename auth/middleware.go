package auth

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"
)

// ErrRateLimited is a request refused for want of a token: its key's bucket
// is empty, or its address spent its failed-authentication budget.
// [Authenticate] sets Retry-After (and, for a key, the RateLimit-* headers)
// before it hands the error to [Config.WriteError], which answers 429.
var ErrRateLimited = errors.New("rate limit exceeded")

// Config tunes [Authenticate]. The zero value of each field means its
// default.
type Config struct {
	// Rate and Burst are the token bucket of a key without limits of its
	// own (default 10/s, burst 20).
	Rate  float64
	Burst int
	// AuthFailRate and AuthFailBurst limit failed authentications per
	// client address (default 1/s, burst 20).
	AuthFailRate  float64
	AuthFailBurst int
	// Limiter keeps the keys' buckets; nil means [Memory].
	Limiter Limiter
	// Now is the clock; nil means time.Now. Tests pass a fake clock.
	Now func() time.Time
	// WriteError answers a request that cannot go on: [ErrUnauthorized]
	// (401), [ErrRateLimited] (429, headers already set) or any other error
	// of the key store or the limiter (a server error). It is the API's
	// error format; nil means plain text.
	WriteError func(w http.ResponseWriter, r *http.Request, err error)
	// Authenticated, when set, receives the request's key once it is
	// known, before its token is taken, so that a refused request is
	// logged with its key too. It must not allocate: it is on every
	// request.
	Authenticated func(r *http.Request, k *APIKey)
	// RateLimited, when set, counts every 429.
	RateLimited func()
}

// authenticator is the state behind [Authenticate]: the key cache and the
// failed-authentication limit, shared by every handler it wraps.
type authenticator struct {
	keys          *keyCache
	addrs         *addrLimiter
	known         *knownKeys // nil unless the store is a [KeyLister]
	now           func() time.Time
	writeError    func(w http.ResponseWriter, r *http.Request, err error)
	authenticated func(r *http.Request, k *APIKey)
	rateLimited   func()
}

// Authenticate returns middleware that resolves X-API-Key through keys and
// applies the key's rate limit: a request without a valid key is answered
// 401, one over its limit 429, both before any other work. Every request
// with a valid key carries the RateLimit-Limit, RateLimit-Remaining and
// RateLimit-Reset headers; a 429 carries Retry-After too. What it
// guarantees:
//
//   - A key revoked, deleted or given new limits in the store is refused,
//     or limited anew, within 1 s, without a restart: no request is served
//     from a lookup that started more than 1 s before it arrived.
//   - A 429 costs no store access and no wait: a request over its limit is
//     refused from the cache, even when the key is due for a check (which
//     then runs in the background). Package auth allocates nothing for it
//     (with its header values below 1024); the answer is WriteError's.
//     Nor for an admitted request of a cached key whose header values are
//     below 1024 or the same as its previous request's (a large bucket
//     that refills faster than it is used).
//   - A flood with a known key never waits for the store: keys are
//     re-checked in the background every 500 ms, at most one lookup per key
//     at a time, and a failing store is tried at most every 500 ms per key.
//   - Failed authentications are limited per client address (IPv4 address
//     or IPv6 /64), before any lookup: a flood of guessed keys costs the
//     store at most AuthFailBurst lookups, then AuthFailRate a second.
//   - The failures of others never lock a valid key out: with a store that
//     is a [KeyLister], a key of the store is looked up whatever its
//     address's budget (the set of its hashes is reloaded at most twice a
//     second, so a key created less than a second before may get one 429
//     from an address over its budget). Without one, an address over its
//     budget gets 429 for every key not cached.
//   - Memory is bounded: only valid keys are cached, idle ones evicted,
//     and at most 65,536 addresses are tracked.
//
// The middleware may wrap several handlers: they share one key cache, one
// set of buckets and one failed-authentication limit.
func Authenticate(keys KeyStore, cfg Config) func(http.Handler) http.Handler {
	a := newAuthenticator(keys, cfg)
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			a.authenticate(w, r, next)
		})
	}
}

func newAuthenticator(keys KeyStore, cfg Config) *authenticator {
	if cfg.Rate <= 0 {
		cfg.Rate = 10
	}
	if cfg.Burst <= 0 {
		cfg.Burst = 20
	}
	if cfg.AuthFailRate <= 0 {
		cfg.AuthFailRate = 1
	}
	if cfg.AuthFailBurst <= 0 {
		cfg.AuthFailBurst = 20
	}
	if cfg.Limiter == nil {
		cfg.Limiter = Memory{}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.WriteError == nil {
		cfg.WriteError = plainError
	}
	if cfg.Authenticated == nil {
		cfg.Authenticated = func(*http.Request, *APIKey) {}
	}
	if cfg.RateLimited == nil {
		cfg.RateLimited = func() {}
	}
	a := &authenticator{
		keys:          newKeyCache(keys, cfg.Limiter, Limit{Rate: cfg.Rate, Burst: cfg.Burst}, cfg.Now),
		addrs:         newAddrLimiter(cfg.AuthFailRate, cfg.AuthFailBurst),
		now:           cfg.Now,
		writeError:    cfg.WriteError,
		authenticated: cfg.Authenticated,
		rateLimited:   cfg.RateLimited,
	}
	if l, ok := keys.(KeyLister); ok {
		a.known = newKnownKeys(l, cfg.Now)
	}
	return a
}

// authenticate looks the key up, takes a token and sets the headers, then
// serves the request with next or refuses it.
func (a *authenticator) authenticate(w http.ResponseWriter, r *http.Request, next http.Handler) {
	now := a.now()
	e, ok := a.lookup(w, r, now)
	if !ok {
		return
	}
	a.authenticated(r, e.key.Load())
	st, err := e.bucket.Take(r.Context(), now)
	if err != nil {
		a.writeError(w, r, fmt.Errorf("auth: take a token: %w", err))
		return
	}
	h := w.Header()
	h["Ratelimit-Limit"] = e.limitHeader.header(st.Limit)
	h["Ratelimit-Remaining"] = e.remainingHeader.header(st.Remaining)
	h["Ratelimit-Reset"] = intHeader(st.Reset)
	if !st.Allowed {
		a.refuse(w, r, st.Retry)
		return
	}
	next.ServeHTTP(w, r)
}

// lookup returns the cache entry of the request's X-API-Key, or answers the
// request itself (401, 429 or the store's error) and reports false.
func (a *authenticator) lookup(w http.ResponseWriter, r *http.Request, now time.Time) (*keyEntry, bool) {
	var secret string
	if v := r.Header["X-Api-Key"]; len(v) == 1 { // two keys: which one? neither
		secret = v[0]
	}
	if !WellFormed(secret) {
		// A failed attempt: it takes a token of the address's budget.
		if _, wait, ok := a.addrs.attempt(clientAddr(r), now); !ok {
			a.refuse(w, r, max(1, ceilSeconds(wait.Seconds())))
			return nil, false
		}
		a.writeError(w, r, ErrUnauthorized)
		return nil, false
	}
	hash := Hash(secret)
	e := a.keys.get(&hash)
	if e == nil && a.known != nil && a.known.has(&hash) {
		// A key of the store, not cached yet: looked up whatever the
		// budget of its address, so that other clients' failures from
		// that address (a NAT, a proxy) cannot lock it out.
		var err error
		if e, err = a.keys.load(r.Context(), &hash, now, keyRefresh); err != nil {
			if errors.Is(err, ErrUnauthorized) {
				a.known.forget(&hash) // revoked since: a guess from now on
			}
			a.writeError(w, r, err)
			return nil, false
		}
	} else if e == nil {
		// An unknown key may be a guess: it needs a token of the
		// address's budget, given back if the key is valid.
		release, wait, ok := a.addrs.attempt(clientAddr(r), now)
		if !ok {
			if a.known != nil {
				a.known.reload(now) // it may be a key created since the last load
			}
			a.refuse(w, r, max(1, ceilSeconds(wait.Seconds())))
			return nil, false
		}
		var err error
		if e, err = a.keys.load(r.Context(), &hash, now, keyRefresh); err != nil {
			if !errors.Is(err, ErrUnauthorized) {
				release(now) // the server failed, not the client
			}
			a.writeError(w, r, err)
			return nil, false
		}
		release(now)
	} else if age := a.keys.age(e, now); age > keyMaxAge {
		// Not checked for too long (idle, or the store failing). Over
		// its limit the request is refused whatever the store says,
		// without waiting for it (a 429 never touches the database)
		// and the check runs in the background; otherwise the request
		// waits for the store rather than trusting the cache.
		if e.bucket.Empty(now) {
			a.keys.refresh(e, hash, now)
		} else {
			var err error
			if e, err = a.keys.load(r.Context(), &hash, now, keyMaxAge); err != nil {
				a.writeError(w, r, err)
				return nil, false
			}
		}
	} else if age > keyRefresh {
		a.keys.refresh(e, hash, now)
	}
	e.seen(a.keys.stamp(now))
	return e, true
}

// refuse answers 429 with Retry-After: retry seconds.
func (a *authenticator) refuse(w http.ResponseWriter, r *http.Request, retry int) {
	a.rateLimited()
	w.Header()["Retry-After"] = intHeader(retry)
	a.writeError(w, r, ErrRateLimited)
}

// plainError is the WriteError of a [Config] without one.
func plainError(w http.ResponseWriter, _ *http.Request, err error) {
	switch {
	case errors.Is(err, ErrUnauthorized):
		http.Error(w, "missing or invalid API key", http.StatusUnauthorized)
	case errors.Is(err, ErrRateLimited):
		http.Error(w, "rate limit exceeded", http.StatusTooManyRequests)
	default:
		http.Error(w, "internal error", http.StatusInternalServerError)
	}
}

// smallInts holds the decimal strings of small numbers so that the headers
// of the hot path do not allocate.
var smallInts = func() (s [1024][]string) {
	for i := range s {
		s[i] = []string{strconv.Itoa(i)}
	}
	return s
}()

func intHeader(n int) []string {
	if 0 <= n && n < len(smallInts) {
		return smallInts[n]
	}
	return []string{strconv.Itoa(n)}
}

// lastInt is the header value of the last number of one header of one key
// beyond smallInts: the key's limit, which changes only with the key, and
// what remains of a large bucket that refills faster than it is used
// (999999 of a million, request after request), so that these headers do
// not allocate either. Like smallInts' values, a kept value is shared by
// the answers that use it; its capacity of one makes an append copy it.
type lastInt struct{ p atomic.Pointer[intValue] }

type intValue struct {
	n int
	v [1]string
}

func (l *lastInt) header(n int) []string {
	if 0 <= n && n < len(smallInts) {
		return smallInts[n]
	}
	if c := l.p.Load(); c != nil && c.n == n {
		return c.v[:]
	}
	c := &intValue{n: n, v: [1]string{strconv.Itoa(n)}}
	l.p.Store(c)
	return c.v[:]
}
