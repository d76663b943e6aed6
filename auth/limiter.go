package auth

import (
	"context"
	"math"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// Limit is a token bucket: Rate tokens a second, at most Burst held.
type Limit struct {
	Rate  float64
	Burst int
}

// State is a bucket just after a request took its token (or failed to):
// what the RateLimit-* headers and Retry-After report.
type State struct {
	Allowed   bool // the request got its token
	Limit     int  // the bucket's capacity (RateLimit-Limit)
	Remaining int  // whole tokens left (RateLimit-Remaining)
	Reset     int  // seconds until the bucket is full (RateLimit-Reset)
	Retry     int  // seconds until one token, at least 1 when !Allowed (Retry-After)
}

// A Limiter keeps the token buckets of API keys. [Memory] keeps them in the
// process; an implementation shared by several processes (Redis) is
// another. Implementations must be safe for concurrent use.
type Limiter interface {
	// Bucket returns the bucket of the key with id keyID, with limit l at
	// now. The key cache calls it once per key it caches, and keeps the
	// bucket for as long as it keeps the key: the hot path never calls
	// Bucket.
	Bucket(keyID string, l Limit, now time.Time) Bucket
}

// A Bucket is one key's token bucket. Its methods sit on every request and
// must not allocate. Instants passed to one bucket do not go back: the
// cache passes its own clock.
type Bucket interface {
	// Take takes one token at now and reports the bucket's state. An
	// error (a shared limiter unreachable) is neither an admission nor a
	// refusal: [Authenticate] answers it as a server error.
	Take(ctx context.Context, now time.Time) (State, error)
	// Limit returns the bucket's current limit.
	Limit() Limit
	// SetLimit changes the limit from now on: tokens earned before now
	// were earned at the old rate, and none are credited for the past.
	SetLimit(l Limit, now time.Time)
	// Empty reports whether the bucket is known to hold no whole token
	// at now, so that a request would be refused. It must not block: a
	// shared limiter answers from what it knows locally, and false when
	// it does not know.
	Empty(now time.Time) bool
}

// Memory is the in-process [Limiter]: one golang.org/x/time/rate token
// bucket per key, exact, lost on restart and not shared between
// processes. A new bucket starts full. The zero value is ready to use.
type Memory struct{}

var _ Limiter = Memory{}

// Bucket returns a new full bucket of limit l.
func (Memory) Bucket(_ string, l Limit, _ time.Time) Bucket {
	b := &memBucket{lim: rate.NewLimiter(rate.Limit(l.Rate), l.Burst)}
	b.keep(l)
	return b
}

// memBucket is a rate.Limiter with the methods of [Bucket]. Its limit is
// kept beside it too, so that a take locks the limiter twice (to take a
// token, to read what is left) rather than four times: a key's requests,
// from every connection, all take its lock.
type memBucket struct {
	lim   *rate.Limiter
	rate  atomic.Uint64 // math.Float64bits of the limiter's rate
	burst atomic.Int64  // the limiter's burst
}

// keep records l as the limiter's limit.
func (b *memBucket) keep(l Limit) {
	b.rate.Store(math.Float64bits(float64(rate.Limit(l.Rate))))
	b.burst.Store(int64(l.Burst))
}

// Take never fails.
func (b *memBucket) Take(_ context.Context, now time.Time) (State, error) {
	var st State
	st.Allowed = b.lim.AllowN(now, 1)
	tokens := b.lim.TokensAt(now)
	r := math.Float64frombits(b.rate.Load())
	st.Limit = int(b.burst.Load())
	if tokens >= float64(st.Limit) {
		st.Remaining = st.Limit
	} else if tokens > 0 {
		st.Remaining = int(math.Floor(tokens + 1e-9))
	}
	st.Reset = ceilSeconds((float64(st.Limit) - tokens) / r)
	if !st.Allowed {
		st.Retry = max(1, ceilSeconds((1-tokens)/r))
	}
	return st, nil
}

// Limit returns the limiter's rate and burst.
func (b *memBucket) Limit() Limit {
	return Limit{Rate: math.Float64frombits(b.rate.Load()), Burst: int(b.burst.Load())}
}

// SetLimit sets rate and burst at now: the tokens up to now are counted at
// the old rate.
func (b *memBucket) SetLimit(l Limit, now time.Time) {
	b.lim.SetLimitAt(now, rate.Limit(l.Rate))
	b.lim.SetBurstAt(now, l.Burst)
	b.keep(l)
}

// Empty is exact: the bucket holds less than one token at now.
func (b *memBucket) Empty(now time.Time) bool { return b.lim.TokensAt(now) < 1 }

// ceilSeconds rounds s up to whole seconds; 0 for s ≤ 0.
// Beyond maxSeconds (about 31,700 years) it saturates, so that the headers
// never overflow.
func ceilSeconds(s float64) int {
	if s <= 0 || math.IsNaN(s) {
		return 0
	}
	if s > maxSeconds {
		return maxSeconds
	}
	return int(math.Ceil(s - 1e-9))
}

const maxSeconds = 1e12
