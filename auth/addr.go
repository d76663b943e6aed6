package auth

import (
	"net/http"
	"net/netip"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// maxAddrs caps the table of client addresses.
const maxAddrs = 1 << 16

// addrLimiter limits failed authentications per client address, in this
// process: an address whose failure bucket is empty gets 429 for any key
// neither cached nor known to the store (see [knownKeys]), before any
// lookup, so a flood of guesses costs the store nothing. Valid keys keep
// working from it. The table is capped at maxAddrs entries.
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

// clientAddr is the client's address for the failed-authentication limit:
// the TCP peer's IPv4 address, or its IPv6 /64 (one host usually has a whole
// /64 to draw addresses from). palja does not trust X-Forwarded-For: behind a
// proxy, every client shares the proxy's budget of failed authentications.
func clientAddr(r *http.Request) string {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	a := ap.Addr().Unmap()
	if a.Is4() {
		return a.String()
	}
	p, err := a.Prefix(64)
	if err != nil {
		return a.String()
	}
	return p.String()
}
