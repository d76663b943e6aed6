package auth

import (
	"context"
	"testing"
	"time"
)

// listKeys is a memKeys that is also a KeyLister.
type listKeys struct {
	*memKeys
}

func (l listKeys) ActiveKeyHashes(context.Context) ([][32]byte, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var hs [][32]byte
	for h, k := range l.keys {
		if k.RevokedAt == nil {
			hs = append(hs, h)
		}
	}
	return hs, nil
}

// TestNoLockout: an address whose failed-authentication budget is spent by
// a flood of guesses (a NAT, a proxy, a shared office) still serves every
// valid key of the store, cached or not, while the guesses stay limited
// exactly as before; a revoked key counts as a guess.
func TestNoLockout(t *testing.T) {
	keys := &memKeys{}
	honest, _ := keys.add(1000, 1000)
	revoked, rk := keys.add(1000, 1000)
	at := time.Now()
	rk.RevokedAt = &at
	a, h, clock := newTestAuthenticator(listKeys{keys})
	a.known.loads.Wait()
	const addr = "198.51.100.7:1"
	statuses := map[int]int{}
	for range 1000 {
		guess, _ := NewSecret()
		statuses[get(h, guess, addr).Code]++
	}
	if statuses[401] != 20 || statuses[429] != 980 {
		t.Fatalf("guesses: statuses %v, want 20 × 401 then 429", statuses)
	}
	if n := keys.lookups.Load(); n != 20 {
		t.Errorf("%d lookups for 1000 guesses, want 20 (the budget)", n)
	}
	if w := get(h, revoked, addr); w.Code != 429 {
		t.Errorf("revoked key from a blocked address: %d, want 429 like a guess", w.Code)
	}
	honestCodes := map[int]int{}
	for i := range 50 {
		honestCodes[get(h, honest, addr).Code]++
		guess, _ := NewSecret()
		get(h, guess, addr) // the flood goes on between the honest requests
		if i%10 == 0 {
			clock.advance(keyMaxAge + time.Millisecond) // expire the cache entry too
		}
	}
	t.Logf("honest client's statuses during the flood: %v", honestCodes)
	if honestCodes[200] != 50 {
		t.Errorf("valid key from a blocked address: statuses %v, want 50 × 200", honestCodes)
	}

	// A key created after the set was loaded: at most one 429, then
	// served once the set is reloaded in the background.
	a.known.loads.Wait()
	fresh, _ := keys.add(1000, 1000)
	clock.advance(keyRefresh)
	first := get(h, fresh, addr).Code
	a.known.loads.Wait()
	if second := get(h, fresh, addr).Code; second != 200 || first != 200 && first != 429 {
		t.Errorf("a key created during the flood: %d then %d, want (429 or 200) then 200", first, second)
	}
}
