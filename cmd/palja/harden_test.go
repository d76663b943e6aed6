package main

// Process-level tests of issue 14 (hardening): each runs the real binary
// and attacks it as the adversary of the issue did, bounded in count and
// time.

import (
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/palja/palja/auth"
)

// TestLockoutAttack: a client floods the server with unknown keys from
// 127.0.0.1 while an honest client on the same address uses a valid key the
// server has not cached yet (the server just started): every request of the
// honest client is a 200, while the flood gets 429 after its budget.
func TestLockoutAttack(t *testing.T) {
	db := filepath.Join(t.TempDir(), "p.db")
	honest := createKey(t, db)
	p := startServe(t, db, freeAddr(t))

	var refused atomic.Int64
	flooded := make(chan struct{}) // closed once the address is over its budget
	var once sync.Once
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	attacker := map[int]int{}
	for range 4 {
		wg.Go(func() {
			c := newAPIClient(p.base(), "")
			defer c.close()
			for {
				select {
				case <-stop:
					return
				default:
				}
				c.key, _ = auth.NewSecret()
				r, err := c.do("GET", "/v1/profiles", "")
				if err != nil {
					continue
				}
				mu.Lock()
				attacker[r.status]++
				mu.Unlock()
				if r.status == 429 && refused.Add(1) >= 50 {
					once.Do(func() { close(flooded) })
				}
			}
		})
	}
	<-flooded
	c := newAPIClient(p.base(), honest)
	defer c.close()
	statuses := map[int]int{}
	for range 50 {
		statuses[c.must(t, "GET", "/v1/profiles", "").status]++
	}
	close(stop)
	wg.Wait()
	t.Logf("honest client during the flood: %v; the flood: %v", statuses, attacker)
	if statuses[200] != 50 {
		t.Errorf("honest client with a valid key: statuses %v, want 50 × 200", statuses)
	}
	if attacker[429] == 0 || attacker[200] != 0 {
		t.Errorf("the flood was not limited: %v", attacker)
	}
}
