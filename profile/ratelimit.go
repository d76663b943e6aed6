package profile

import (
	"context"
	"errors"
	"math"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"
	"golang.org/x/time/rate"
)

// Rate limiting, as documented in the README ("Load testing palja"):
//
//   - Each API key has one token bucket (golang.org/x/time/rate) of its own
//     rate and burst, or the server defaults. Every request takes one token;
//     with no token left the answer is 429 before any database access.
//   - Keys are cached in memory. An entry older than keyRefresh is checked
//     against the store in the background while requests go on with it; an
//     entry older than keyMaxAge is not trusted: the request waits for a
//     lookup that started after it arrived, unless its bucket is empty, in
//     which case it gets 429 at once and the check runs in the background
//     (a 429 never waits for the database). There is at most one lookup of
//     a key in flight, shared by every request that needs one, and a failing
//     store is tried at most once per keyRefresh per key in use. So a change
//     of a key's limits or its revocation takes effect within keyMaxAge,
//     without a restart, and a flood with a known key (admitted or refused)
//     never waits for the database. The bucket survives refreshes. Ages run
//     on the monotonic clock (see [keyCache.stamp]).
//   - Failed authentications are limited per client address: an address
//     whose failure bucket is empty gets 429 for any key not already cached,
//     before any lookup. Keys already cached keep working from it.
//   - Only valid keys are cached, so the key table is bounded by the number
//     of keys; entries idle for longer than idleAfter are evicted when a new
//     key is cached. The address table is capped at maxAddrs entries.

const (
	keyRefresh = 500 * time.Millisecond
	keyMaxAge  = time.Second
	idleAfter  = 10 * time.Minute
	maxAddrs   = 1 << 16
	touchEvery = time.Minute
)

// keyEntry is a cached API key with its bucket. Its instants are stamps:
// nanoseconds since the cache's epoch (see [keyCache.stamp]).
type keyEntry struct {
	key       atomic.Pointer[APIKey]
	lim       *rate.Limiter
	checked   atomic.Int64          // when the last successful lookup started
	attempted atomic.Int64          // when the last lookup, failed or not, started
	failure   atomic.Pointer[error] // the error of the last lookup, nil if it succeeded
	lastSeen  atomic.Int64
	touched   atomic.Int64
	// refreshing is set while a background check against the store runs.
	refreshing atomic.Bool
}

type keyCache struct {
	store     KeyStore
	defRate   float64
	defBurst  int
	mu        sync.RWMutex
	m         map[[32]byte]*keyEntry
	lastSweep time.Time
	touch     func(id string, t time.Time) // records last use, in the background
	loads     singleflight.Group           // lookups, one per key at a time
	now       func() time.Time
	epoch     time.Time
}

func newKeyCache(store KeyStore, defRate float64, defBurst int, now func() time.Time) *keyCache {
	c := &keyCache{store: store, defRate: defRate, defBurst: defBurst, m: make(map[[32]byte]*keyEntry), now: now, epoch: now()}
	c.touch = func(id string, t time.Time) {
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			store.TouchKey(ctx, id, t) // best effort: last_used is informational
		}()
	}
	return c
}

// stamp is t as nanoseconds since the cache's epoch. With time.Now the
// difference uses the monotonic clock, so stepping the wall clock (NTP,
// a resumed VM) does not age or rejuvenate entries.
func (c *keyCache) stamp(t time.Time) int64 { return int64(t.Sub(c.epoch)) }

func (c *keyCache) limits(k *APIKey) (rate.Limit, int) {
	r, b := k.Rate, k.Burst
	if r <= 0 {
		r = c.defRate
	}
	if b <= 0 {
		b = c.defBurst
	}
	return rate.Limit(r), b
}

// get returns the cached entry for hash, fresh or not, or nil.
func (c *keyCache) get(hash *[32]byte) *keyEntry {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.m[*hash]
}

// within reports whether the instant stamp lies in the d before now. A stamp
// "after" now (a clock that went backwards) is not within anything.
func (c *keyCache) within(stamp int64, now time.Time, d time.Duration) bool {
	since := c.stamp(now) - stamp
	return since >= 0 && since <= int64(d)
}

// age is how long before now the entry's last successful lookup started.
// An entry checked "after" now (a clock that went backwards) has an unknown
// age: it counts as expired.
func (c *keyCache) age(e *keyEntry, now time.Time) time.Duration {
	d := time.Duration(c.stamp(now) - e.checked.Load())
	if d < 0 {
		return math.MaxInt64
	}
	return d
}

// load returns the entry for hash as the store knew it at most maxAge before
// arrival: from a lookup that started no earlier than arrival−maxAge. It
// serves a request that finds no entry for its key (maxAge keyRefresh) or one
// not checked for keyMaxAge (the only places where a request waits for the
// store), and the background check of [keyCache.refresh] (keyRefresh).
//
// Concurrent loads of one key share one lookup, whichever of them started it,
// and a load that finds the entry checked recently enough when its turn comes
// does no lookup: there is at most one lookup of a key in flight. A load that
// joined a lookup started too early for it (before arrival−maxAge: the store
// was slow) waits for a lookup of its own, which starts after it arrived.
// Unknown and revoked keys are ErrUnauthorized and leave no entry behind; a
// failing store keeps the entry as it is, and for keyRefresh after a failed
// lookup the loads of that key get its error without another lookup (see
// [keyCache.failedRecently]).
func (c *keyCache) load(ctx context.Context, hash *[32]byte, arrival time.Time, maxAge time.Duration) (*keyEntry, error) {
	oldest := c.stamp(arrival.Add(-maxAge))
	recent := func(e *keyEntry) bool {
		checked := e.checked.Load()
		return checked >= oldest && checked <= c.stamp(c.now())
	}
	var e *keyEntry
	// A second round starts after the first lookup ended, so after arrival;
	// the third is for a clock that went backwards in between.
	for range 3 {
		v, err, _ := c.loads.Do(string(hash[:]), func() (any, error) {
			cur := c.get(hash)
			if cur != nil && recent(cur) {
				return cur, nil
			}
			if err := c.failedRecently(cur); err != nil {
				return nil, err // the store is failing: not another lookup yet
			}
			// The lookup is shared: it must not fail because the first
			// caller went away.
			ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			return c.loadOnce(ctx, hash)
		})
		if err != nil {
			return nil, err
		}
		if e = v.(*keyEntry); recent(e) {
			break
		}
	}
	return e, nil
}

// loadOnce looks the key up in the store. The entry counts as checked at
// the instant the lookup started: what the store said is at least that old.
func (c *keyCache) loadOnce(ctx context.Context, hash *[32]byte) (*keyEntry, error) {
	start := c.now()
	e := c.get(hash)
	if e != nil {
		e.attempted.Store(c.stamp(start))
	}
	k, err := c.store.KeyByHash(ctx, *hash)
	if err == nil && k.RevokedAt != nil {
		err = ErrUnauthorized
	}
	if errors.Is(err, ErrUnauthorized) {
		c.mu.Lock()
		delete(c.m, *hash)
		c.mu.Unlock()
	}
	if err != nil {
		if e != nil {
			e.failure.Store(&err)
		}
		return nil, err
	}
	if e != nil {
		e.failure.Store(nil)
		c.apply(e, k, start) // an expired entry: the bucket lives on
		return e, nil
	}
	r, b := c.limits(k)
	e = &keyEntry{lim: rate.NewLimiter(r, b)} // a new bucket starts full
	e.lastSeen.Store(c.stamp(start))
	e.attempted.Store(c.stamp(start))
	// The entry is complete before it is published: a concurrent request
	// that finds it in the map uses its key at once.
	c.apply(e, k, start)
	c.mu.Lock()
	c.m[*hash] = e
	c.sweep(start)
	c.mu.Unlock()
	return e, nil
}

// failedRecently returns the error of e's last lookup if it failed and
// started less than keyRefresh ago: a failing store is tried at most once
// per keyRefresh per key, by requests as by background checks, and the
// requests in between get that error at once.
func (c *keyCache) failedRecently(e *keyEntry) error {
	if e == nil {
		return nil
	}
	if f := e.failure.Load(); f != nil && c.within(e.attempted.Load(), c.now(), keyRefresh) {
		return *f
	}
	return nil
}

// refresh checks a cached key against the store in the background while
// requests go on with the cached state (stale-while-revalidate, for entries
// between keyRefresh and keyMaxAge old): under steady traffic no request, and
// in particular no rejected one, waits for the database. It starts at most
// one check per entry at a time, and none within keyRefresh of the previous
// lookup, even a failed one: a failing store is not hammered. The check is a
// [keyCache.load], so a request that finds the entry expired while the check
// runs waits for it rather than starting a second lookup. A revoked or
// deleted key loses its entry, so its next request is refused; new limits are
// applied to the existing bucket. A failing store leaves the entry as it is,
// and once it is keyMaxAge old requests wait for a lookup.
func (c *keyCache) refresh(e *keyEntry, hash [32]byte, now time.Time) {
	if c.within(e.attempted.Load(), now, keyRefresh) {
		return
	}
	if !e.refreshing.CompareAndSwap(false, true) {
		return
	}
	go func() {
		defer e.refreshing.Store(false)
		c.load(context.Background(), &hash, now, keyRefresh) // errors: see above
	}()
}

// apply stores a key looked up at checked in its entry and adjusts the
// bucket. New limits take effect at the present instant, not at checked: the
// limiter's clock must not go back, or the time between would be credited
// twice.
func (c *keyCache) apply(e *keyEntry, k *APIKey, checked time.Time) {
	if r, b := c.limits(k); e.lim.Limit() != r || e.lim.Burst() != b {
		now := c.now()
		e.lim.SetLimitAt(now, r)
		e.lim.SetBurstAt(now, b)
	}
	e.key.Store(k)
	e.checked.Store(c.stamp(checked))
	if k.LastUsedAt == nil || checked.Sub(*k.LastUsedAt) > touchEvery {
		if t := e.touched.Load(); t == 0 || !c.within(t, checked, touchEvery) {
			e.touched.Store(c.stamp(checked))
			c.touch(k.ID, checked)
		}
	}
}

// sweep evicts idle entries; c.mu is held.
func (c *keyCache) sweep(now time.Time) {
	if now.Sub(c.lastSweep) < idleAfter/2 {
		return
	}
	c.lastSweep = now
	cutoff := c.stamp(now.Add(-idleAfter))
	for h, e := range c.m {
		if e.lastSeen.Load() < cutoff {
			delete(c.m, h)
		}
	}
}

func (c *keyCache) len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.m)
}

// addrLimiter limits failed authentications per client address.
type addrLimiter struct {
	rate  rate.Limit
	burst int
	mu    sync.Mutex
	m     map[string]*addrEntry
	max   int
}

type addrEntry struct {
	lim      *rate.Limiter
	lastSeen int64
}

func newAddrLimiter(r float64, burst int) *addrLimiter {
	return &addrLimiter{rate: rate.Limit(r), burst: burst, m: make(map[string]*addrEntry), max: maxAddrs}
}

// attempt takes one token from addr's bucket before a key is looked up, so
// that concurrent guesses cannot all pass before their failures count. With
// no token left it reports false and how long until there is one. Otherwise
// the caller calls release when the key turned out valid (or the lookup
// failed for a reason of the server's), giving the token back.
func (l *addrLimiter) attempt(addr string, now time.Time) (release func(now time.Time), wait time.Duration, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	e := l.m[addr]
	if e == nil {
		if len(l.m) >= l.max {
			l.evict(now)
		}
		e = &addrEntry{lim: rate.NewLimiter(l.rate, l.burst)}
		l.m[addr] = e
	}
	e.lastSeen = now.UnixNano()
	r := e.lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return nil, d, false
	}
	return func(now time.Time) { r.CancelAt(now) }, 0, true
}

// evict makes room: first every entry whose bucket is full again (it is
// indistinguishable from a new one), then, if the table is still full, an
// arbitrary half of it. l.mu is held.
func (l *addrLimiter) evict(now time.Time) {
	for a, e := range l.m {
		if e.lim.TokensAt(now) >= float64(l.burst) {
			delete(l.m, a)
		}
	}
	if len(l.m) < l.max*3/4 {
		return
	}
	n := len(l.m) / 2
	for a := range l.m { // map order is random
		if n == 0 {
			break
		}
		delete(l.m, a)
		n--
	}
}

func (l *addrLimiter) len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.m)
}

// limitState is what the RateLimit-* headers report after a request took its
// token (or failed to).
type limitState struct {
	limit     int
	remaining int
	reset     int // seconds until the bucket is full
	retry     int // seconds until one token, for 429
}

// take takes one token from the bucket at now and reports the bucket's state.
func take(lim *rate.Limiter, now time.Time) (ok bool, st limitState) {
	ok = lim.AllowN(now, 1)
	tokens := lim.TokensAt(now)
	r := float64(lim.Limit())
	st.limit = lim.Burst()
	if tokens > 0 {
		st.remaining = int(math.Floor(tokens + 1e-9))
	}
	st.reset = ceilSeconds((float64(st.limit) - tokens) / r)
	if !ok {
		st.retry = max(1, ceilSeconds((1-tokens)/r))
	}
	return ok, st
}

func ceilSeconds(s float64) int {
	if s <= 0 {
		return 0
	}
	return int(math.Ceil(s - 1e-9))
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
