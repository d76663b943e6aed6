package auth

import (
	"context"
	"errors"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"
)

// Ages of a cached key, and how often its last use is recorded.
const (
	// keyRefresh: an entry older than this is checked against the store in
	// the background while requests go on with it; a failing store is
	// tried at most once per keyRefresh per key in use.
	keyRefresh = 500 * time.Millisecond
	// keyMaxAge: an entry older than this is not trusted. The request
	// waits for a lookup that started after it arrived, unless its bucket
	// is empty. This bounds how long a revocation or a limit change takes
	// to reach every request.
	keyMaxAge = time.Second
	// idleAfter: entries unused for longer are evicted when a key is cached.
	idleAfter = 10 * time.Minute
	// touchEvery: a key's last use is recorded at most this often.
	touchEvery = time.Minute
	// seenEvery: how stale an entry's lastSeen may be. Eviction allows for
	// it: an entry is evicted only when idle for idleAfter at least.
	seenEvery = 100 * time.Millisecond
)

// keyEntry is a cached API key with its bucket. Its instants are stamps:
// nanoseconds since the cache's epoch (see [keyCache.stamp]).
type keyEntry struct {
	key       atomic.Pointer[APIKey]
	bucket    Bucket
	checked   atomic.Int64          // when the last successful lookup started
	attempted atomic.Int64          // when the last lookup, failed or not, started
	failure   atomic.Pointer[error] // the error of the last lookup, nil if it succeeded
	lastSeen  atomic.Int64          // within seenEvery of the last request's arrival
	touched   atomic.Int64
	// refreshing is set while a background check against the store runs.
	refreshing atomic.Bool
	// The values of the key's RateLimit-Limit and RateLimit-Remaining
	// headers, kept while they repeat (see [lastInt]).
	limitHeader, remainingHeader lastInt
}

// seen records a request of e's key at the stamp now. The entry's line is
// read by every request of the key, from every core; written at most every
// seenEvery, it stays in each core's cache in between.
func (e *keyEntry) seen(now int64) {
	if last := e.lastSeen.Load(); now-last >= int64(seenEvery) || now < last {
		e.lastSeen.Store(now)
	}
}

// keyCache holds the valid keys in use, each with its bucket from the
// [Limiter], so that a request with a known key, admitted or refused,
// never waits for the store. Its guarantees:
//
//   - Revocation and limit changes: a request is served from an entry whose
//     lookup started at most keyMaxAge (1 s) before it arrived, or waits for
//     a lookup; so a key revoked or given new limits in the store is
//     refused, or limited anew, within 1 s, without a restart. A refused
//     request (empty bucket) is the exception: it is answered at once, the
//     check running in the background, so a 429 never waits for the store.
//     A revoked key is refused with 401 once that check ends.
//   - Load on the store: at most one lookup of a key is in flight, shared
//     by every request that needs one; under steady traffic an entry is
//     re-checked in the background once per keyRefresh (stale while
//     revalidate), so no request waits; a failing store is tried at most
//     once per keyRefresh per key in use, and the requests in between get
//     its error at once.
//   - Buckets survive refreshes; new limits apply from the instant the
//     check ends, crediting nothing for the time the lookup took.
//   - Memory: only valid keys are cached, so the table is bounded by the
//     number of keys; entries idle for idleAfter are evicted.
//   - Ages run on the monotonic clock (see [keyCache.stamp]); a clock
//     stepped back makes every entry expired, never fresh.
type keyCache struct {
	store     KeyStore
	limiter   Limiter
	def       Limit // for keys without limits of their own
	mu        sync.RWMutex
	m         map[[32]byte]*keyEntry
	lastSweep time.Time
	touch     func(id string, t time.Time) // records last use, in the background
	loads     singleflight.Group           // lookups, one per key at a time
	now       func() time.Time
	epoch     time.Time
	// checks counts the background checks in flight (see
	// [keyCache.refresh]); tests wait on it.
	checks sync.WaitGroup
}

func newKeyCache(store KeyStore, limiter Limiter, def Limit, now func() time.Time) *keyCache {
	c := &keyCache{store: store, limiter: limiter, def: def, m: make(map[[32]byte]*keyEntry), now: now, epoch: now()}
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

// limits returns the limit of k, or the default for what k leaves at 0.
func (c *keyCache) limits(k *APIKey) Limit {
	l := Limit{Rate: k.Rate, Burst: k.Burst}
	if l.Rate <= 0 {
		l.Rate = c.def.Rate
	}
	if l.Burst <= 0 {
		l.Burst = c.def.Burst
	}
	return clampLimit(l)
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
	e = &keyEntry{bucket: c.limiter.Bucket(k.ID, c.limits(k), start)}
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
	c.checks.Add(1)
	go func() {
		defer c.checks.Done()
		defer e.refreshing.Store(false)
		c.load(context.Background(), &hash, now, keyRefresh) // errors: see above
	}()
}

// apply stores a key looked up at checked in its entry and adjusts the
// bucket. New limits take effect at the present instant, not at checked: the
// bucket's clock must not go back, or the time between would be credited
// twice.
func (c *keyCache) apply(e *keyEntry, k *APIKey, checked time.Time) {
	if l := c.limits(k); e.bucket.Limit() != l {
		e.bucket.SetLimit(l, c.now())
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
	cutoff := c.stamp(now.Add(-idleAfter - seenEvery))
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
