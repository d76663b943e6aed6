package auth

import (
	"context"
	"sync"
	"time"
)

// KeyLister is a [KeyStore] that can also list the hashes of its keys that
// are not revoked. With one, [Authenticate] tells a key of the store from a
// guess without a lookup, so that the failed-authentication limit of an
// address never refuses a valid key (see [Authenticate]).
type KeyLister interface {
	// ActiveKeyHashes returns the hash of every key not revoked.
	ActiveKeyHashes(ctx context.Context) ([][32]byte, error)
}

// knownKeys is the set of the hashes of the store's keys that were not
// revoked when it was last loaded. A request from an address that spent its
// failed-authentication budget still gets its key looked up when the key is
// in the set: only guesses (and revoked keys) are refused. The set is loaded
// when the authenticator is made and again, in the background, at most once
// per keyRefresh, whenever a request from such an address brings a key not
// in it (a key created since the last load); so a key created less than a
// second before it is first used from a blocked address may get one 429
// (Retry-After: 1). A key found unknown or revoked at its lookup leaves the
// set at once. The set holds 32 bytes per key of the store.
type knownKeys struct {
	list    KeyLister
	now     func() time.Time
	mu      sync.Mutex
	set     map[[32]byte]struct{}
	started time.Time // when the last load started; zero: none yet
	loading bool
	loads   sync.WaitGroup // tests wait on it
}

func newKnownKeys(list KeyLister, now func() time.Time) *knownKeys {
	k := &knownKeys{list: list, now: now}
	k.reload(now())
	return k
}

// has reports whether hash is the hash of a key of the store.
func (k *knownKeys) has(hash *[32]byte) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	_, ok := k.set[*hash]
	return ok
}

// forget removes a hash the store does not know (any more).
func (k *knownKeys) forget(hash *[32]byte) {
	k.mu.Lock()
	defer k.mu.Unlock()
	delete(k.set, *hash)
}

// reload loads the set again in the background, unless a load is running
// or started less than keyRefresh before now: the store is scanned at most
// twice a second, whatever the flood.
func (k *knownKeys) reload(now time.Time) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.loading || !k.started.IsZero() && now.Sub(k.started) < keyRefresh && now.Sub(k.started) >= 0 {
		return
	}
	k.loading, k.started = true, now
	k.loads.Add(1)
	go func() {
		defer k.loads.Done()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		hashes, err := k.list.ActiveKeyHashes(ctx)
		k.mu.Lock()
		defer k.mu.Unlock()
		k.loading = false
		if err != nil {
			return // the store is failing: keep the set as it was
		}
		set := make(map[[32]byte]struct{}, len(hashes))
		for _, h := range hashes {
			set[h] = struct{}{}
		}
		k.set = set
	}()
}
