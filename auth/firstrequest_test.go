package auth

import (
	"net/http"
	"sync"
	"testing"
)

// TestConcurrentFirstRequests sends the first requests of a key at the same
// moment, many times over: the key's cache entry must be complete before
// any request can see it (a request that found it half made had no key and
// answered 500).
func TestConcurrentFirstRequests(t *testing.T) {
	for range 300 {
		keys := &memKeys{}
		secret, _ := keys.add(1000, 1000)
		h, _ := newLimitedHandler(keys)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				<-start
				if w := get(h, secret, "192.0.2.1:1234"); w.Code != http.StatusOK {
					t.Errorf("first requests of a key: %d %s", w.Code, w.Body)
				}
			})
		}
		close(start)
		wg.Wait()
		if t.Failed() {
			return
		}
	}
}
