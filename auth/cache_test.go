package auth

import (
	"bytes"
	"context"
	"runtime"
	"sync"
	"testing"
	"time"
)

// waitInLoad waits until n requests are inside keyCache.load: waiting for,
// or making, a lookup of their key.
func waitInLoad(t *testing.T, n int) {
	t.Helper()
	buf := make([]byte, 1<<20)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		got := 0
		for g := range bytes.SplitSeq(buf[:runtime.Stack(buf, true)], []byte("\n\n")) {
			if bytes.Contains(g, []byte("(*authenticator).lookup")) && bytes.Contains(g, []byte("(*keyCache).load")) {
				got++
			}
		}
		if got >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d requests waiting for a key lookup, want %d", got, n)
		}
	}
}

// snapKeys answers with the state the store had when the lookup started,
// then waits for gate: a slow lookup (busy disk, full read pool) whose
// answer is as old as its start.
type snapKeys struct {
	*memKeys
	gate chan struct{}
}

func (s *snapKeys) KeyByHash(ctx context.Context, h [32]byte) (*APIKey, error) {
	k, err := s.memKeys.KeyByHash(ctx, h)
	if s.gate != nil {
		<-s.gate
	}
	return k, err
}

// TestRevocationNotHiddenBySlowLookup: a request that finds its key expired
// while a background check, started before the key was revoked, is still
// waiting for a slow store does not take that check's stale answer: it is
// refused, as API.md promises for a revoked key.
func TestRevocationNotHiddenBySlowLookup(t *testing.T) {
	mk := &memKeys{}
	secret, k := mk.add(1000, 1000)
	keys := &snapKeys{memKeys: mk}
	h, clock := newLimitedHandler(keys)
	if w := get(h, secret, "192.0.2.1:1"); w.Code != 200 {
		t.Fatal(w.Code)
	}
	keys.gate = make(chan struct{})
	clock.advance(keyRefresh + time.Millisecond)
	get(h, secret, "192.0.2.1:1") // starts the background check, which reads "valid"
	if !eventually(func() bool { return mk.lookups.Load() == 2 }) {
		t.Fatal("no background check")
	}
	now := clock.now()
	mk.mu.Lock()
	k.RevokedAt = &now // revoked just after the check started
	mk.mu.Unlock()
	clock.advance(3 * time.Second)
	var wg sync.WaitGroup
	codes := make([]int, 4)
	for i := range codes {
		wg.Go(func() { codes[i] = get(h, secret, "192.0.2.1:1").Code })
	}
	waitInLoad(t, len(codes))
	close(keys.gate)
	wg.Wait()
	for _, c := range codes {
		if c != 401 {
			t.Errorf("3 s after the revocation: %v, want four 401s", codes)
			break
		}
	}
}

// TestClockSteppedBack: a clock stepped back (an NTP step, a resumed VM)
// does not make cached keys look fresh: a key revoked after the step is
// refused at once.
func TestClockSteppedBack(t *testing.T) {
	keys := &memKeys{}
	secret, k := keys.add(1000, 1000)
	h, clock := newLimitedHandler(keys)
	if w := get(h, secret, "192.0.2.1:1"); w.Code != 200 {
		t.Fatal(w.Code)
	}
	clock.advance(-time.Hour)
	now := clock.now()
	keys.mu.Lock()
	k.RevokedAt = &now
	keys.mu.Unlock()
	if w := get(h, secret, "192.0.2.1:1"); w.Code != 401 {
		t.Errorf("revoked key after the clock stepped back: %d, want 401", w.Code)
	}
}

// TestLimitChangeCreditsNothing: new limits found by a slow check apply
// from the moment the check ends; the bucket gets no tokens for the time
// the lookup took.
func TestLimitChangeCreditsNothing(t *testing.T) {
	mk := &memKeys{}
	secret, k := mk.add(10, 20)
	keys := &snapKeys{memKeys: mk}
	a, h, clock := newTestAuthenticator(keys)
	for range 20 {
		get(h, secret, "192.0.2.1:1")
	}
	mk.mu.Lock()
	k.Rate = 20
	mk.mu.Unlock()
	keys.gate = make(chan struct{})
	clock.advance(keyRefresh + time.Millisecond)
	get(h, secret, "192.0.2.1:1") // starts the check
	if !eventually(func() bool { return mk.lookups.Load() == 2 }) {
		t.Fatal("no background check")
	}
	clock.advance(480 * time.Millisecond) // still within keyMaxAge
	for i := 0; get(h, secret, "192.0.2.1:1").Code == 200; i++ {
		if i > 100 {
			t.Fatal("the bucket of burst 20 never empties")
		}
	}
	close(keys.gate)
	hash := Hash(secret)
	e := a.keys.get(&hash)
	if !eventually(func() bool { return e.bucket.Limit().Rate == 20 && !e.refreshing.Load() }) {
		t.Fatal("the check did not finish")
	}
	n := 0 // no time has passed since the bucket was emptied
	for n <= 100 && get(h, secret, "192.0.2.1:1").Code == 200 {
		n++
	}
	if n > 0 {
		t.Errorf("%d requests admitted at the instant the bucket was emptied", n)
	}
}

// TestFailingStoreNotHammered: with the store failing, a key in use is
// checked at most once per keyRefresh, not once per request.
func TestFailingStoreNotHammered(t *testing.T) {
	keys := &memKeys{}
	secret, _ := keys.add(1e6, 1e6)
	a, h, clock := newTestAuthenticator(keys)
	get(h, secret, "192.0.2.1:1")
	keys.mu.Lock()
	keys.broken = context.DeadlineExceeded
	keys.mu.Unlock()
	clock.advance(keyRefresh + time.Millisecond)
	for range 200 {
		if w := get(h, secret, "192.0.2.1:1"); w.Code != 200 {
			t.Fatalf("%d from the cache while the store fails", w.Code)
		}
		a.keys.checks.Wait() // let a background check end, if the request started one
	}
	if keys.lookups.Load() != 2 {
		t.Errorf("%d lookups for 200 requests at one instant, want 2", keys.lookups.Load())
	}

	// Once the entry has expired requests wait for a lookup, and they too
	// try a failing store at most once per keyRefresh: the others are
	// answered with its error at once.
	clock.advance(keyMaxAge)
	codes := map[int]int{}
	for range 200 {
		codes[get(h, secret, "192.0.2.1:1").Code]++
	}
	if n := keys.lookups.Load(); n != 3 || codes[503]+codes[500] != 200 {
		t.Errorf("expired entry, failing store: %d lookups (want 3), statuses %v", n, codes)
	}
	clock.advance(keyRefresh + time.Millisecond)
	get(h, secret, "192.0.2.1:1")
	if n := keys.lookups.Load(); n != 4 {
		t.Errorf("%d lookups after another keyRefresh, want 4", n)
	}
	keys.mu.Lock()
	keys.broken = nil
	keys.mu.Unlock()
	clock.advance(keyRefresh + time.Millisecond)
	if w := get(h, secret, "192.0.2.1:1"); w.Code != 200 {
		t.Errorf("after the store recovered: %d", w.Code)
	}
}

// TestExpiredOverLimitNoLookup: a key whose bucket is empty is refused with
// 429 at once even when its entry has expired: the check runs in the
// background (API.md: a 429 does no database access). A revoked key is
// refused with 401 once that check ends.
func TestExpiredOverLimitNoLookup(t *testing.T) {
	keys := &memKeys{}
	secret, k := keys.add(0.1, 1)
	a, h, clock := newTestAuthenticator(keys)
	if w := get(h, secret, "192.0.2.1:1"); w.Code != 200 {
		t.Fatal(w.Code)
	}
	clock.advance(keyMaxAge + time.Second) // expired; 0.2 of a token
	keys.gate = make(chan struct{})        // a request waiting for the store would hang
	done := make(chan int)
	go func() { done <- get(h, secret, "192.0.2.1:1").Code }()
	select {
	case code := <-done:
		if code != 429 {
			t.Errorf("%d, want 429", code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a request over its limit waited for the store")
	}
	now := clock.now()
	keys.mu.Lock()
	k.RevokedAt = &now
	keys.mu.Unlock()
	close(keys.gate)
	a.keys.checks.Wait()
	if w := get(h, secret, "192.0.2.1:1"); w.Code != 401 {
		t.Errorf("revoked key: %d after the background check, want 401", w.Code)
	}
}
