// Package storetest is the conformance suite of palja's storage backends:
// the tests that every [profile.Store] and key store must pass, whatever
// technology holds the rows. A backend runs it from a test of its own with
// a constructor of fresh databases:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) storetest.Database { return newTestDatabase(t) })
//	}
//
// The suite checks round trips, isolation between accounts, that
// concurrent updates lose nothing, If-Match and idempotent-create races
// (also from two handles on one database, standing for two processes),
// that a deletion leaves nothing reachable, list pagination, that rows
// sealed under a retired key still read and re-encrypt, the API key store,
// and that nothing the backend persists holds a name in plaintext. It is
// modelled on the shared service tests of benbjohnson/wtf and on
// database/sql's driver tests.
package storetest

import (
	"context"
	"crypto/sha256"
	"sync"
	"testing"
	"time"

	"github.com/palja/palja/auth"
	"github.com/palja/palja/crypto"
	"github.com/palja/palja/profile"
)

// Database is one fresh database of a backend, empty at first. Every
// handle it opens works on the same stored data, as two processes on one
// database file or server would.
type Database interface {
	// Open returns a new handle on the database that seals under kr's
	// primary key and reads with every key of kr, with now as its clock.
	// It fails like the backend's own open does, for example when stored
	// rows are sealed under a key that kr lacks. The suite closes every
	// handle it opens.
	Open(kr *crypto.Keyring, now func() time.Time) (Handle, error)
	// Raw returns every byte the backend has persisted so far (files,
	// tables, in-memory rows), for the check that no plaintext is stored.
	// It is called while handles are open.
	Raw() ([]byte, error)
}

// Handle is an open handle on a [Database].
type Handle interface {
	Profiles() profile.Store
	Keys() KeyStore
	// Reencrypt seals again under the primary key every ciphertext under
	// another key, batch rows per transaction, and returns how many
	// profiles it re-sealed.
	Reencrypt(ctx context.Context, batch int, progress func(done, total int)) (int, error)
	Close() error
}

// KeyStore is the API key store of a backend: what serve's authentication
// needs ([auth.KeyStore]) and what the keys commands need.
type KeyStore interface {
	auth.KeyStore
	CreateKey(ctx context.Context, name, account string, rate float64, burst int) (secret string, key *auth.APIKey, err error)
	CreateFirstKey(ctx context.Context, name string) (secret string, key *auth.APIKey, created bool, err error)
	ListKeys(ctx context.Context) ([]auth.APIKey, error)
	RevokeKey(ctx context.Context, id string) error
	SetKeyLimits(ctx context.Context, id string, rate *float64, burst *int) (float64, int, error)
}

// Clock is a settable clock for the handles of a test (the now of
// [Database.Open], or a backend's own option). Its zero value is not
// ready: use [NewClock].
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a Clock set to 2025-01-15 09:00 UTC.
func NewClock() *Clock { return &Clock{t: time.Date(2025, 1, 15, 9, 0, 0, 0, time.UTC)} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// NewProfile builds (but does not store) a valid profile of account named
// name, created at now, from patch: a birth on 1990-04-17 unless patch
// gives the year, month or day.
func NewProfile(tb testing.TB, account, name string, patch profile.Patch, now time.Time) *profile.Profile {
	tb.Helper()
	patch.Name = profile.Opt[string]{Set: true, V: name}
	for _, f := range []struct {
		o *profile.Opt[int]
		v int
	}{{&patch.BirthYear, 1990}, {&patch.BirthMonth, 4}, {&patch.BirthDay, 17}} {
		if !f.o.Set {
			*f.o = profile.Opt[int]{Set: true, V: f.v}
		}
	}
	p, err := profile.New(account, &patch, now)
	if err != nil {
		tb.Fatalf("profile.New: %v", err)
	}
	return p
}

// Keyring returns a keyring of the named keys, the first primary. Each key
// is derived from its id, so that rings built in different places agree.
func Keyring(ids ...crypto.KeyID) *crypto.Keyring {
	keys := make(map[crypto.KeyID][]byte, len(ids))
	for _, id := range ids {
		k := sha256.Sum256([]byte("palja storetest key " + id))
		keys[id] = k[:]
	}
	kr, err := crypto.NewKeyring(ids[0], keys)
	if err != nil {
		panic(err) // the ids are the suite's own
	}
	return kr
}
