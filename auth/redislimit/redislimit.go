// Package redislimit is an [auth.Limiter] whose token buckets live in
// Redis, so that every palja instance behind a load balancer shares one
// bucket per API key: under a flood spread over N instances, burst +
// rate × T requests are admitted in total, and the RateLimit-* headers
// describe the shared bucket.
//
// # The bucket
//
// Each bucket is one Redis hash, "palja:ratelimit:<key id>", holding a
// GCRA state: the theoretical arrival time (tat, in microseconds of
// Redis's clock) at which the bucket would be full again, and the limit it
// was computed with. One short Lua script takes a token atomically: at
// Redis time now, the bucket holds burst − (tat − now)/interval tokens
// (interval = 1/rate); a request is admitted when at least one is left,
// and moves tat on by one interval. The script uses Redis's TIME, so the
// instances' clocks do not matter. A change of limits is applied by the
// script when a request brings the new limit: the tokens held at that
// instant are kept and refill at the new rate from then on, exactly once
// whichever instance brings it. The hash expires once the bucket is full.
//
// # A 429 costs nothing
//
// A refusal changes nothing in the bucket, and no request can be admitted
// before the instant the script names for the next token (no instance
// can: the state is shared). So each instance remembers, per key, "refused
// until" that instant and answers every request before it with 429 at
// once, exactly, without calling Redis; [auth.Bucket.Empty] answers from
// it too, so a 429 touches neither PostgreSQL nor Redis. Under a flood,
// Redis sees about one call per instance per token.
//
// # When Redis is unreachable
//
// A call that fails (a 200 ms timeout) switches the limiter to a
// per-instance fallback: every key has an in-process bucket
// ([auth.Memory]) beside its shared one, and while Redis is down (retried
// at most once a second) requests take tokens from it, so N instances
// admit up to N × the limit. The switch and the recovery are logged once
// each, and counted ([Limiter.Stats]); serving continues.
package redislimit

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/palja/palja/auth"
)

//go:embed gcra.lua
var gcraSource string

var gcra = redis.NewScript(gcraSource)

// Options tune [New] and [Open]. The zero value is the default.
type Options struct {
	// Prefix starts the Redis key of every bucket; "" means
	// "palja:ratelimit:".
	Prefix string
	// Logger receives the switches to and from the fallback; nil
	// discards them.
	Logger *slog.Logger
	// RetryAfter is how long after a failed call Redis is not tried
	// again; 0 means 1 s.
	RetryAfter time.Duration
}

// Limiter is the Redis [auth.Limiter]. It is safe for concurrent use.
type Limiter struct {
	client     redis.Scripter
	closer     func() error
	ping       func(context.Context) error
	prefix     string
	log        *slog.Logger
	retryAfter int64 // ns

	downUntil atomic.Int64 // UnixNano until which Redis is not tried
	fallback  atomic.Bool  // serving from per-instance buckets
	logMu     sync.Mutex

	calls, failures, localRefusals, fallbackTakes, switches atomic.Uint64
}

var _ auth.Limiter = (*Limiter)(nil)

// Open returns a limiter on the Redis at url,
// "redis://[user:password@]host:port/db", "rediss://…" or
// "unix:///path/to/redis.sock", with short timeouts (a limiter must not
// hold a request up). It does not wait for Redis: see [Limiter.Ping]. The
// error, for a URL that does not parse, never contains its password.
func Open(url string, opts Options) (*Limiter, error) {
	o, err := redis.ParseURL(url)
	if err != nil {
		return nil, errors.New("redis: the URL does not parse (want redis://host:port/db or unix:///path/to/redis.sock)")
	}
	o.DialTimeout = 500 * time.Millisecond
	o.ReadTimeout = 200 * time.Millisecond
	o.WriteTimeout = 200 * time.Millisecond
	o.MaxRetries = -1 // the fallback is the retry
	o.DialerRetries = 1
	o.ContextTimeoutEnabled = true
	c := redis.NewClient(o)
	l := New(c, opts)
	l.closer = c.Close
	l.ping = func(ctx context.Context) error { return c.Ping(ctx).Err() }
	return l, nil
}

// Ping checks that Redis answers, for a limiter made by [Open].
func (l *Limiter) Ping(ctx context.Context) error {
	if l.ping == nil {
		return nil
	}
	if err := l.ping(ctx); err != nil {
		return fmt.Errorf("redis: ping: %w", err)
	}
	return nil
}

// Check is the readiness probe of the limiter: it pings Redis (a limiter
// made by [Open]; one made by [New] is not pinged) and returns the mode
// in force after it, "redis" (the shared buckets) or "fallback"
// (per-instance buckets). The ping counts as a call: one that fails
// switches to the fallback as a failed take does (logged once, counted),
// so the next request does not wait for Redis; one that succeeds ends a
// fallback, so the next request takes from the shared bucket. /readyz
// therefore agrees with palja_redis_fallback, and reports a Redis that
// stopped even while no request came.
func (l *Limiter) Check(ctx context.Context) string {
	if l.ping != nil {
		pctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
		err := l.ping(pctx)
		cancel()
		switch {
		case err == nil:
			l.up()
		case ctx.Err() == nil: // not the prober giving up
			l.down(time.Now().UnixNano(), fmt.Errorf("redis: ping: %w", err))
		}
	}
	if l.fallback.Load() {
		return "fallback"
	}
	return "redis"
}

// New returns a limiter on client (a *redis.Client, ring or cluster
// client).
func New(client redis.Scripter, opts Options) *Limiter {
	l := &Limiter{client: client, prefix: opts.Prefix, log: opts.Logger, retryAfter: int64(opts.RetryAfter)}
	if l.prefix == "" {
		l.prefix = "palja:ratelimit:"
	}
	if l.log == nil {
		l.log = slog.New(slog.DiscardHandler)
	}
	if l.retryAfter <= 0 {
		l.retryAfter = int64(time.Second)
	}
	return l
}

// Close closes the connection that [Open] made.
func (l *Limiter) Close() error {
	if l.closer != nil {
		return l.closer()
	}
	return nil
}

// Stats are the limiter's counters since it was made, for metrics.
type Stats struct {
	Calls         uint64 // script calls to Redis
	Failures      uint64 // calls that failed
	LocalRefusals uint64 // 429s answered from the "refused until" cache
	FallbackTakes uint64 // tokens taken from per-instance buckets
	Switches      uint64 // times the limiter fell back to per-instance buckets
	Fallback      bool   // serving from per-instance buckets now
}

// Stats returns the limiter's counters.
func (l *Limiter) Stats() Stats {
	return Stats{
		Calls: l.calls.Load(), Failures: l.failures.Load(), LocalRefusals: l.localRefusals.Load(),
		FallbackTakes: l.fallbackTakes.Load(), Switches: l.switches.Load(), Fallback: l.fallback.Load(),
	}
}

// Bucket returns the shared bucket of the key, with a per-instance
// fallback bucket of limit l beside it.
func (l *Limiter) Bucket(keyID string, lim auth.Limit, now time.Time) auth.Bucket {
	b := &bucket{l: l, key: []string{l.prefix + keyID}, local: auth.Memory{}.Bucket(keyID, lim, now)}
	b.params.Store(newParams(lim))
	return b
}

// params is a limit with its script arguments, formatted once.
type params struct {
	lim  auth.Limit
	args []any // interval in µs, burst
}

func newParams(lim auth.Limit) *params {
	iv := 1e6 / lim.Rate
	return &params{lim: lim, args: []any{strconv.FormatFloat(iv, 'f', -1, 64), strconv.Itoa(lim.Burst)}}
}

type bucket struct {
	l      *Limiter
	key    []string
	params atomic.Pointer[params]
	local  auth.Bucket // the per-instance fallback

	// After a refusal: until when (UnixNano, local clock) no token can be
	// had, and when the bucket is full again.
	refusedUntil, fullAt atomic.Int64
	mu                   sync.Mutex // serializes the fallback's SetLimit with Take's use of it
}

// Take takes a token from the shared bucket, or answers from the local
// "refused until" cache, or from the fallback bucket while Redis is down.
func (b *bucket) Take(ctx context.Context, now time.Time) (auth.State, error) {
	n := now.UnixNano()
	p := b.params.Load()
	if until := b.refusedUntil.Load(); n < until {
		b.l.localRefusals.Add(1)
		return auth.State{
			Limit: p.lim.Burst,
			Reset: ceilNanos(b.fullAt.Load() - n),
			Retry: max(1, ceilNanos(until-n)),
		}, nil
	}
	if !b.l.tryRedis(n) {
		return b.takeLocal(ctx, now)
	}
	b.l.calls.Add(1)
	res, err := gcra.Run(ctx, b.l.client, b.key, p.args...).Int64Slice()
	if err == nil && len(res) != 4 {
		err = fmt.Errorf("the script returned %d values, want 4", len(res))
	}
	if err != nil {
		b.l.down(n, err)
		return b.takeLocal(ctx, now)
	}
	b.l.up()
	st := auth.State{
		Allowed:   res[0] == 1,
		Limit:     p.lim.Burst,
		Remaining: int(max(0, res[1])),
		Reset:     ceilMicros(res[2]),
	}
	if !st.Allowed {
		st.Retry = max(1, ceilMicros(res[3]))
		b.fullAt.Store(n + res[2]*1000)
		b.refusedUntil.Store(n + res[3]*1000)
	}
	return st, nil
}

func (b *bucket) takeLocal(ctx context.Context, now time.Time) (auth.State, error) {
	b.l.fallbackTakes.Add(1)
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.local.Take(ctx, now)
}

// Limit returns the bucket's limit.
func (b *bucket) Limit() auth.Limit { return b.params.Load().lim }

// SetLimit changes the limit from now on. The shared state is converted by
// the script at the next call, which carries the new limit; the local
// refusal is forgotten, as it was computed with the old one.
func (b *bucket) SetLimit(lim auth.Limit, now time.Time) {
	b.params.Store(newParams(lim))
	b.refusedUntil.Store(0)
	b.mu.Lock()
	b.local.SetLimit(lim, now)
	b.mu.Unlock()
}

// Empty reports what the instance knows without asking Redis: refused
// until a later instant, or, while Redis is down, the fallback bucket
// empty.
func (b *bucket) Empty(now time.Time) bool {
	n := now.UnixNano()
	if n < b.refusedUntil.Load() {
		return true
	}
	if b.l.isDown() {
		b.mu.Lock()
		defer b.mu.Unlock()
		return b.local.Empty(now)
	}
	return false
}

// isDown reports whether the limiter is in fallback.
func (l *Limiter) isDown() bool { return l.downUntil.Load() != 0 }

// tryRedis reports whether a take at n is to call Redis: always while it
// is up; while it is down, once per RetryAfter, for one request (the
// others go on with the fallback meanwhile, never waiting for a dial).
func (l *Limiter) tryRedis(n int64) bool {
	d := l.downUntil.Load()
	return d == 0 || n >= d && l.downUntil.CompareAndSwap(d, n+l.retryAfter)
}

// down records a failed call at n: Redis is not tried for retryAfter, and
// the first failure after a success is logged. (downUntil is never 0 after
// it: n is a UnixNano of today.)
func (l *Limiter) down(n int64, err error) {
	l.failures.Add(1)
	l.downUntil.Store(n + l.retryAfter)
	if l.fallback.CompareAndSwap(false, true) {
		l.switches.Add(1)
		l.logMu.Lock()
		l.log.Warn("redis unreachable: rate limits fall back to per-instance buckets (each instance admits up to the whole limit)", "err", err)
		l.logMu.Unlock()
	}
}

// up records a successful call.
func (l *Limiter) up() {
	if l.downUntil.Load() != 0 {
		l.downUntil.Store(0)
	}
	if l.fallback.Load() && l.fallback.CompareAndSwap(true, false) {
		l.logMu.Lock()
		l.log.Info("redis reachable again: rate limits are shared")
		l.logMu.Unlock()
	}
}

// ceilMicros rounds µs up to whole seconds; 0 for us ≤ 0.
func ceilMicros(us int64) int {
	if us <= 0 {
		return 0
	}
	return int(math.Ceil(float64(us) / 1e6))
}

// ceilNanos rounds ns up to whole seconds; 0 for ns ≤ 0.
func ceilNanos(ns int64) int {
	if ns <= 0 {
		return 0
	}
	return int(math.Ceil(float64(ns) / 1e9))
}
