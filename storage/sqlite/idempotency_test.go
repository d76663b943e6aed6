package sqlite

import (
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/palja/palja/profile"
	"github.com/palja/palja/storage/storetest"
)

func idem(key string, body byte) *profile.Idempotency {
	return &profile.Idempotency{Key: key, Fingerprint: [32]byte{body}}
}

func countProfiles(tb testing.TB, db *DB, account string) int {
	tb.Helper()
	ps, _, err := db.Profiles().List(ctx, account, 100, "")
	if err != nil {
		tb.Fatal(err)
	}
	return len(ps)
}

func TestIdempotency(t *testing.T) {
	clk := storetest.NewClock()
	db := mustOpenAt(t, filepath.Join(t.TempDir(), "palja.db"), storetest.Keyring("k1"), Options{Now: clk.Now})
	s := db.Profiles()
	create := func(account string, id *profile.Idempotency) (*profile.Profile, bool, error) {
		return s.Create(ctx, newProfile(t, account, "Ada", profile.Patch{}), id)
	}
	conflict := func(t *testing.T, err error, want string) {
		t.Helper()
		var ce *profile.ConflictError
		if !errors.As(err, &ce) || ce.Param != "Idempotency-Key" || !strings.Contains(ce.Message, want) {
			t.Errorf("err = %v, want a ConflictError for Idempotency-Key saying %q", err, want)
		}
	}

	t.Run("same key and body", func(t *testing.T) {
		acct := newAccount(t, db)
		first, replayed, err := create(acct, idem("k", 1))
		if err != nil || replayed {
			t.Fatalf("first: %v, replayed %v", err, replayed)
		}
		again, replayed, err := create(acct, idem("k", 1))
		if err != nil || !replayed || again.ID != first.ID {
			t.Fatalf("retry = %v, replayed %v, %v; want %s replayed", again, replayed, err, first.ID)
		}
		if n := countProfiles(t, db, acct); n != 1 {
			t.Errorf("%d profiles, want 1", n)
		}
	})
	t.Run("same key other body", func(t *testing.T) {
		acct := newAccount(t, db)
		if _, _, err := create(acct, idem("k", 1)); err != nil {
			t.Fatal(err)
		}
		_, _, err := create(acct, idem("k", 2))
		conflict(t, err, "different request body")
		if n := countProfiles(t, db, acct); n != 1 {
			t.Errorf("%d profiles, want 1", n)
		}
	})
	t.Run("keys are per account", func(t *testing.T) {
		a, b := newAccount(t, db), newAccount(t, db)
		pa, _, err := create(a, idem("k", 1))
		if err != nil {
			t.Fatal(err)
		}
		pb, replayed, err := create(b, idem("k", 2))
		if err != nil || replayed || pb.ID == pa.ID {
			t.Errorf("other account, same key: %v, replayed %v", err, replayed)
		}
	})
	t.Run("expired", func(t *testing.T) {
		acct := newAccount(t, db)
		first, _, err := create(acct, idem("k", 1))
		if err != nil {
			t.Fatal(err)
		}
		clk.Advance(profile.IdempotencyTTL - time.Second)
		if p, replayed, err := create(acct, idem("k", 1)); err != nil || !replayed || p.ID != first.ID {
			t.Errorf("just before expiry: %v, replayed %v", err, replayed)
		}
		clk.Advance(time.Second)
		second, replayed, err := create(acct, idem("k", 2))
		if err != nil || replayed || second.ID == first.ID {
			t.Fatalf("after expiry: %v, replayed %v", err, replayed)
		}
		// The key now belongs to the second request.
		if p, replayed, err := create(acct, idem("k", 2)); err != nil || !replayed || p.ID != second.ID {
			t.Errorf("retry of the second request: %v, %v, replayed %v", p, err, replayed)
		}
	})
	t.Run("profile deleted since", func(t *testing.T) {
		// Delete forgets the key with the profile, so the retry is a new
		// request.
		acct := newAccount(t, db)
		first, _, err := create(acct, idem("k", 1))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Delete(ctx, acct, first.ID, nil); err != nil {
			t.Fatal(err)
		}
		second, replayed, err := create(acct, idem("k", 1))
		if err != nil || replayed || second.ID == first.ID {
			t.Fatalf("retry after Delete = %v, replayed %v, %v; want a new profile", second, replayed, err)
		}
		if p, replayed, err := create(acct, idem("k", 1)); err != nil || !replayed || p.ID != second.ID {
			t.Errorf("retry of the new profile's request = %v, replayed %v, %v; want %s replayed", p, replayed, err, second.ID)
		}
		if n := countProfiles(t, db, acct); n != 1 {
			t.Errorf("%d profiles, want 1", n)
		}
	})
	t.Run("conflict on external_id is not remembered", func(t *testing.T) {
		acct := newAccount(t, db)
		mustCreate(t, db, acct, "Ada", profile.Patch{ExternalID: str("taken")})
		p := newProfile(t, acct, "Bob", profile.Patch{ExternalID: str("taken")})
		if _, _, err := s.Create(ctx, p, idem("k", 1)); !errors.Is(err, profile.ErrConflict) {
			t.Fatalf("Create: %v", err)
		}
		if err := s.Delete(ctx, acct, "taken", nil); err != nil {
			t.Fatal(err)
		}
		p = newProfile(t, acct, "Bob", profile.Patch{ExternalID: str("taken")})
		if _, replayed, err := s.Create(ctx, p, idem("k", 1)); err != nil || replayed {
			t.Errorf("retry after the conflict was resolved: %v, replayed %v", err, replayed)
		}
	})
	t.Run("purge", func(t *testing.T) {
		acct := newAccount(t, db)
		if _, _, err := create(acct, idem("old", 1)); err != nil {
			t.Fatal(err)
		}
		clk.Advance(profile.IdempotencyTTL + time.Second)
		if _, _, err := create(acct, idem("new", 1)); err != nil {
			t.Fatal(err)
		}
		n, err := db.purgeIdempotency(ctx)
		if err != nil || n < 1 {
			t.Fatalf("purge = %d, %v", n, err)
		}
		var keys []string
		if err := db.rdb.Select(&keys, "SELECT key FROM idempotency_keys WHERE account_id = ?", acct); err != nil {
			t.Fatal(err)
		}
		if len(keys) != 1 || keys[0] != "new" {
			t.Errorf("keys after purge = %v, want [new]", keys)
		}
	})
}

// TestIdempotencyConcurrent sends many creates with one key at once: one
// profile is created and every other request replays it.
func TestIdempotencyConcurrent(t *testing.T) {
	db := mustOpen(t)
	acct := newAccount(t, db)
	const n = 32
	ids := make([]string, n)
	replays := make([]bool, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			p, replayed, err := db.Profiles().Create(ctx, newProfile(t, acct, "Ada", profile.Patch{}), idem("same", 7))
			if err != nil {
				t.Errorf("Create %d: %v", i, err)
				return
			}
			ids[i], replays[i] = p.ID, replayed
		})
	}
	wg.Wait()
	fresh := 0
	for i := range n {
		if ids[i] != ids[0] {
			t.Errorf("request %d got profile %s, request 0 %s", i, ids[i], ids[0])
		}
		if !replays[i] {
			fresh++
		}
	}
	if fresh != 1 {
		t.Errorf("%d requests created a profile, want 1", fresh)
	}
	if c := countProfiles(t, db, acct); c != 1 {
		t.Errorf("%d profiles stored, want 1", c)
	}
}
