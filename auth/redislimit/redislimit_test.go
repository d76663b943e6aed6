package redislimit

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/palja/palja/auth"
)

var ctx = context.Background()

// fakeRedis is a miniredis whose clock (Redis TIME) is the test's.
type fakeRedis struct {
	m   *miniredis.Miniredis
	now time.Time
}

func newFakeRedis(t *testing.T) *fakeRedis {
	t.Helper()
	f := &fakeRedis{m: miniredis.RunT(t), now: time.Date(2025, 1, 15, 9, 0, 0, 0, time.UTC)}
	f.m.SetTime(f.now)
	return f
}

func (f *fakeRedis) advance(d time.Duration) {
	f.now = f.now.Add(d)
	f.m.SetTime(f.now)
}

// limiter returns a new limiter (an instance) on f.
func (f *fakeRedis) limiter(t *testing.T, opts Options) *Limiter {
	t.Helper()
	// Generous timeouts: on a loaded machine a call to miniredis can take
	// longer than the production 200 ms, and a timeout would switch the
	// limiter to its fallback and break the exact counts of these fake-clock
	// tests. The fallback tests stop miniredis, which fails at once.
	c := redis.NewClient(&redis.Options{Addr: f.m.Addr(), MaxRetries: -1, DialerRetries: 1, DialTimeout: 10 * time.Second,
		ReadTimeout: 10 * time.Second, WriteTimeout: 10 * time.Second})
	t.Cleanup(func() { c.Close() })
	return New(c, opts)
}

// TestStatesMatchMemory: on a fake clock the shared bucket reports exactly
// what the in-process bucket does, take after take, including Retry-After
// and the refusals answered from the local cache.
func TestStatesMatchMemory(t *testing.T) {
	f := newFakeRedis(t)
	l := f.limiter(t, Options{})
	lim := auth.Limit{Rate: 2, Burst: 3}
	shared := l.Bucket("key_1", lim, f.now)
	mem := auth.Memory{}.Bucket("key_1", lim, f.now)
	steps := []time.Duration{0, 0, 0, 0, 100 * time.Millisecond, 300 * time.Millisecond, 0, 0, 700 * time.Millisecond,
		0, 2 * time.Second, 0, 0, 0, 0, 250 * time.Millisecond, 250 * time.Millisecond, 0, 10 * time.Second}
	for i, d := range steps {
		f.advance(d)
		want, _ := mem.Take(ctx, f.now)
		got, err := shared.Take(ctx, f.now)
		if err != nil || got != want {
			t.Errorf("take %d (+%v): %+v, %v; want %+v", i, d, got, err, want)
		}
		if shared.Empty(f.now) && !mem.Empty(f.now) {
			t.Errorf("take %d: Empty but the bucket has a token", i)
		}
	}
	if s := l.Stats(); s.LocalRefusals == 0 || s.Failures != 0 || s.Fallback {
		t.Errorf("stats %+v: want some local refusals and no failures", s)
	}
}

// TestSharedExact floods one key from three instances on a fake clock for
// 10 s: exactly burst + rate × T requests are admitted in total, and most
// refusals never reach Redis.
func TestSharedExact(t *testing.T) {
	f := newFakeRedis(t)
	lim := auth.Limit{Rate: 100, Burst: 100}
	var ls []*Limiter
	var bs []auth.Bucket
	for range 3 {
		l := f.limiter(t, Options{})
		ls = append(ls, l)
		bs = append(bs, l.Bucket("key_flood", lim, f.now))
	}
	const T = 10 * time.Second
	const step = time.Millisecond
	admitted, refused := 0, 0
	start := f.now
	for f.now.Sub(start) <= T { // from 0 to T inclusive
		for range 5 { // 5 requests per instance per millisecond: 15 000/s
			for _, b := range bs {
				st, err := b.Take(ctx, f.now)
				if err != nil {
					t.Fatal(err)
				}
				if st.Allowed {
					admitted++
				} else {
					refused++
				}
			}
		}
		f.advance(step)
	}
	if want := lim.Burst + int(lim.Rate*T.Seconds()); admitted != want {
		t.Errorf("admitted %d, want burst + rate × T = %d", admitted, want)
	}
	var calls uint64
	for _, l := range ls {
		calls += l.Stats().Calls
	}
	t.Logf("admitted %d, refused %d, Redis calls %d", admitted, refused, calls)
	// Per token, each instance asks once when its "refused until" passes,
	// and the one admitted once more to learn that the next is refused.
	if calls > uint64(admitted)*4+300 {
		t.Errorf("%d Redis calls for %d admissions: refusals are not answered locally", calls, admitted)
	}
}

// TestLimitChange: a new limit is applied to the shared state by the first
// call that brings it: the tokens held at that instant are kept and refill
// at the new rate from then on, once, whichever instance brings it.
func TestLimitChange(t *testing.T) {
	f := newFakeRedis(t)
	a := f.limiter(t, Options{}).Bucket("key_c", auth.Limit{Rate: 1, Burst: 4}, f.now)
	b := f.limiter(t, Options{}).Bucket("key_c", auth.Limit{Rate: 1, Burst: 4}, f.now)
	for range 4 {
		if st, _ := a.Take(ctx, f.now); !st.Allowed {
			t.Fatal("a full bucket refused")
		}
	}
	f.advance(500 * time.Millisecond)
	a.SetLimit(auth.Limit{Rate: 10, Burst: 4}, f.now)
	b.SetLimit(auth.Limit{Rate: 10, Burst: 4}, f.now)
	if got := a.Limit(); got != (auth.Limit{Rate: 10, Burst: 4}) {
		t.Errorf("Limit() = %+v after SetLimit", got)
	}
	f.advance(40 * time.Millisecond) // 0.54 tokens at 1/s: b's call converts them
	if st, _ := b.Take(ctx, f.now); st.Allowed || st.Retry != 1 {
		t.Errorf("admitted with 0.54 tokens: %+v", st)
	}
	f.advance(40 * time.Millisecond) // + 0.4 at 10/s = 0.94: still none, and a does not convert again
	if st, _ := a.Take(ctx, f.now); st.Allowed {
		t.Errorf("admitted with 0.94 tokens: %+v", st)
	}
	f.advance(10 * time.Millisecond) // 1.04
	if st, err := a.Take(ctx, f.now); err != nil || !st.Allowed || st.Remaining != 0 {
		t.Errorf("with 1.04 tokens: %+v, %v; want admitted with 0 left", st, err)
	}
	f.advance(time.Second)
	if st, _ := b.Take(ctx, f.now); !st.Allowed || st.Remaining != 3 {
		t.Errorf("a second later at 10/s: %+v; want full (3 left after this one)", st)
	}
}

// TestFallback: while Redis is unreachable each instance limits with its
// own bucket, logs the switch once, counts it, and serves on; once Redis
// is back the shared bucket is used again.
func TestFallback(t *testing.T) {
	f := newFakeRedis(t)
	var logs bytes.Buffer
	var mu sync.Mutex
	logger := slog.New(slog.NewTextHandler(lockedWriter{&mu, &logs}, nil))
	l := f.limiter(t, Options{Logger: logger})
	b := l.Bucket("key_f", auth.Limit{Rate: 1, Burst: 2}, f.now)
	if st, err := b.Take(ctx, f.now); err != nil || !st.Allowed {
		t.Fatalf("first take: %+v, %v", st, err)
	}
	f.m.Close()
	admitted := 0
	for range 5 {
		st, err := b.Take(ctx, f.now)
		if err != nil {
			t.Fatalf("a take while Redis is down failed: %v", err)
		}
		if st.Allowed {
			admitted++
		}
	}
	if admitted != 2 {
		t.Errorf("%d admitted by the fallback bucket, want its burst, 2", admitted)
	}
	if s := l.Stats(); !s.Fallback || s.Switches != 1 || s.Failures != 1 {
		t.Errorf("stats while down: %+v; want fallback, one switch, one failed call (then no retry for a second)", s)
	}
	if err := f.m.Restart(); err != nil {
		t.Fatal(err)
	}
	f.advance(2 * time.Second) // past RetryAfter (1 s)
	if _, err := b.Take(ctx, f.now); err != nil {
		t.Fatal(err)
	}
	if s := l.Stats(); s.Fallback {
		t.Errorf("stats after Redis came back: %+v; want shared again", s)
	}
	mu.Lock()
	out := logs.String()
	mu.Unlock()
	if strings.Count(out, "redis unreachable") != 1 || strings.Count(out, "reachable again") != 1 {
		t.Errorf("log:\n%s\nwant one line for the switch and one for the recovery", out)
	}
}

// TestCheck: the readiness probe reports "redis" while Redis answers and
// "fallback" once it stops, even with no request in between, and agrees
// with Stats (the metric palja_redis_fallback): the failed ping switches
// the limiter, so the next take is served by the per-instance bucket at
// once; a ping that succeeds again ends the fallback. A probe whose own
// context is cancelled changes nothing.
func TestCheck(t *testing.T) {
	m := miniredis.RunT(t)
	var logs bytes.Buffer
	var mu sync.Mutex
	l, err := Open("redis://"+m.Addr()+"/0", Options{Logger: slog.New(slog.NewTextHandler(lockedWriter{&mu, &logs}, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if got := l.Check(ctx); got != "redis" {
		t.Fatalf("Check with Redis up: %q, want redis", got)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	m.Close()
	if got := l.Check(cancelled); got != "redis" || l.Stats().Fallback {
		t.Errorf("a cancelled probe: %q, %+v; want no switch", got, l.Stats())
	}
	if got := l.Check(ctx); got != "fallback" {
		t.Errorf("Check with Redis stopped: %q, want fallback", got)
	}
	if s := l.Stats(); !s.Fallback || s.Switches != 1 || s.Calls != 0 {
		t.Errorf("stats after the failed probe: %+v; want fallback, one switch, no script call", s)
	}
	b := l.Bucket("key_c", auth.Limit{Rate: 1, Burst: 1}, time.Now())
	start := time.Now()
	if st, err := b.Take(ctx, time.Now()); err != nil || !st.Allowed {
		t.Errorf("a take after the failed probe: %+v, %v", st, err)
	}
	if s := l.Stats(); s.Calls != 0 || s.FallbackTakes != 1 {
		t.Errorf("the take after the probe called Redis (%+v, %v): want it served by the fallback at once", s, time.Since(start))
	}
	if err := m.Restart(); err != nil {
		t.Fatal(err)
	}
	if got := l.Check(ctx); got != "redis" || l.Stats().Fallback {
		t.Errorf("Check with Redis back: %q, %+v; want redis", got, l.Stats())
	}
	mu.Lock()
	out := logs.String()
	mu.Unlock()
	if strings.Count(out, "redis unreachable") != 1 || strings.Count(out, "reachable again") != 1 {
		t.Errorf("log:\n%s\nwant one line for the switch and one for the recovery", out)
	}
	c := redis.NewClient(&redis.Options{Addr: m.Addr()})
	defer c.Close()
	if got := New(c, Options{}).Check(ctx); got != "redis" {
		t.Errorf("Check of a limiter made by New: %q, want redis (not pinged)", got)
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  *bytes.Buffer
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.w.Write(p)
}

// redisURL returns PALJA_TEST_REDIS_URL, or skips the test without it
// (fails when PALJA_TEST_REQUIRE_SERVICES is set, as in CI).
func redisURL(t *testing.T) string {
	u := os.Getenv("PALJA_TEST_REDIS_URL")
	if u == "" {
		if os.Getenv("PALJA_TEST_REQUIRE_SERVICES") != "" {
			t.Fatal("PALJA_TEST_REDIS_URL is not set but PALJA_TEST_REQUIRE_SERVICES is: the Redis tests must run here")
		}
		t.Skip("PALJA_TEST_REDIS_URL is not set: no Redis to test against (.ci/run starts one; see docs/testing.md, Distributed mode)")
	}
	return u
}

// TestRealRedis floods one key from three instances on a real Redis for
// 2 s: the total admitted is burst + rate × T within 1 %, measured by
// Redis's own clock.
func TestRealRedis(t *testing.T) {
	u := redisURL(t)
	// burst/rate = 0.5 s: the bucket does not fill up (and lose tokens)
	// while a busy machine leaves the flooding goroutines unscheduled.
	lim := auth.Limit{Rate: 200, Burst: 100}
	key := "key_real_" + time.Now().Format("150405.000000000")
	var ls []*Limiter
	var bs []auth.Bucket
	for range 3 {
		l, err := Open(u, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := l.Ping(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { l.Close() })
		ls = append(ls, l)
		bs = append(bs, l.Bucket(key, lim, time.Now()))
	}
	const T = 2 * time.Second
	var mu sync.Mutex
	admitted := 0
	start := time.Now()
	var wg sync.WaitGroup
	for _, b := range bs {
		for range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				n := 0
				for time.Since(start) < T {
					st, err := b.Take(ctx, time.Now())
					if err != nil {
						t.Error(err)
						return
					}
					if st.Allowed {
						n++
					}
					time.Sleep(20 * time.Microsecond) // a client's request, not a spin
				}
				mu.Lock()
				admitted += n
				mu.Unlock()
			}()
		}
	}
	wg.Wait()
	elapsed := time.Since(start)
	want := float64(lim.Burst) + lim.Rate*elapsed.Seconds()
	var calls, local uint64
	for _, l := range ls {
		s := l.Stats()
		calls += s.Calls
		local += s.LocalRefusals
		if s.Failures != 0 {
			t.Errorf("stats %+v: calls failed", s)
		}
	}
	t.Logf("admitted %d in %v, expected %.0f; Redis calls %d, local refusals %d", admitted, elapsed, want, calls, local)
	if d := float64(admitted) - want; d > want*0.01 || d < -want*0.01 {
		t.Errorf("admitted %d, want %.0f within 1%%", admitted, want)
	}
}
