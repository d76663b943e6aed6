package sqlite

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/palja/palja/crypto"
	"github.com/palja/palja/profile"
	"github.com/palja/palja/storage/storetest"
)

func keyCounts(t *testing.T, db *DB) map[string]int {
	t.Helper()
	var rows []struct {
		KeyID string `db:"key_id"`
		N     int    `db:"n"`
	}
	if err := db.rdb.Select(&rows, "SELECT key_id, COUNT(*) AS n FROM profiles GROUP BY key_id"); err != nil {
		t.Fatal(err)
	}
	m := map[string]int{}
	for _, r := range rows {
		m[r.KeyID] = r.N
	}
	return m
}

// TestReencrypt rotates across three keys: profiles under k1 and k2 are
// re-sealed under k3 by a run that is interrupted and then resumed; a third
// run finds nothing to do, and afterwards a ring of k3 alone reads every
// profile unchanged.
func TestReencrypt(t *testing.T) {
	path := filepath.Join(t.TempDir(), "palja.db")
	open := func(ids ...crypto.KeyID) *DB {
		db, err := Open(ctx, path, storetest.Keyring(ids...), Options{})
		if err != nil {
			t.Fatal(err)
		}
		return db
	}

	db := open("k1")
	acct := newAccount(t, db)
	for i := range 20 {
		mustCreate(t, db, acct, fmt.Sprintf("one%d", i), profile.Patch{BirthHour: num(i)})
	}
	db.Close()
	db = open("k2", "k1")
	for i := range 15 {
		mustCreate(t, db, acct, fmt.Sprintf("two%d", i), profile.Patch{Gender: str("female")})
	}
	ps, _, err := db.Profiles().List(ctx, acct, 100, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps[len(ps)-5:] { // five of the oldest, under k1, move to k2
		if _, err := db.Profiles().Update(ctx, acct, p.ID, func(q *profile.Profile) error { q.Name += "u"; return nil }); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	db = open("k3", "k2", "k1")
	defer func() { db.Close() }()
	for i := range 5 {
		mustCreate(t, db, acct, fmt.Sprintf("three%d", i), profile.Patch{})
	}
	want, _, err := db.Profiles().List(ctx, acct, 100, "")
	if err != nil {
		t.Fatal(err)
	}
	if got := keyCounts(t, db); !reflect.DeepEqual(got, map[string]int{"k1": 15, "k2": 20, "k3": 5}) {
		t.Fatalf("keys before = %v", got)
	}

	// Interrupted after two batches of 7.
	cctx, cancel := context.WithCancel(ctx)
	var calls [][2]int
	n, err := db.Reencrypt(cctx, 7, func(done, total int) {
		calls = append(calls, [2]int{done, total})
		if len(calls) == 2 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) || n != 14 {
		t.Fatalf("interrupted Reencrypt = %d, %v; want 14, context.Canceled", n, err)
	}
	if !reflect.DeepEqual(calls, [][2]int{{7, 35}, {14, 35}}) {
		t.Errorf("progress = %v", calls)
	}
	if got := keyCounts(t, db); got["k3"] != 5+14 || got["k1"]+got["k2"] != 21 {
		t.Errorf("keys after the interruption = %v", got)
	}

	// Resumed in a new process.
	db.Close()
	db = open("k3", "k2", "k1")
	calls = nil
	n, err = db.Reencrypt(ctx, 7, func(done, total int) { calls = append(calls, [2]int{done, total}) })
	if err != nil || n != 21 {
		t.Fatalf("resumed Reencrypt = %d, %v; want 21", n, err)
	}
	if last := calls[len(calls)-1]; last != [2]int{21, 21} {
		t.Errorf("last progress = %v, want [21 21]", last)
	}
	if n, err := db.Reencrypt(ctx, 0, nil); err != nil || n != 0 {
		t.Errorf("second Reencrypt = %d, %v; want 0", n, err)
	}
	if got := keyCounts(t, db); !reflect.DeepEqual(got, map[string]int{"k3": 40}) {
		t.Errorf("keys after = %v", got)
	}

	db.Close()
	db = open("k3")
	got, _, err := db.Profiles().List(ctx, acct, 100, "")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("profiles changed by Reencrypt (versions and times included)")
	}
}

// TestReencryptConcurrent re-keys from a second handle on the database,
// standing for `palja reencrypt` beside `palja serve`, while the first
// handle updates every profile: no update is lost and every row ends under
// the new key.
func TestReencryptConcurrent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "palja.db")
	db, err := Open(ctx, path, storetest.Keyring("k1"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	acct := newAccount(t, db)
	var ids []string
	for i := range 200 {
		ids = append(ids, mustCreate(t, db, acct, fmt.Sprintf("p%d", i), profile.Patch{}).ID)
	}
	db.Close()

	serve := mustOpenAt(t, path, storetest.Keyring("k2", "k1"), Options{Synchronous: "NORMAL"})
	tool := mustOpenAt(t, path, storetest.Keyring("k2", "k1"), Options{Synchronous: "NORMAL"})
	const rounds = 5
	var wg sync.WaitGroup
	start := make(chan struct{})
	for w := range 4 {
		wg.Go(func() {
			<-start
			for r := range rounds {
				for i := w; i < len(ids); i += 4 {
					_, err := serve.Profiles().Update(ctx, acct, ids[i], func(q *profile.Profile) error {
						q.Name = fmt.Sprintf("p%d-r%d", i, r)
						return nil
					})
					if err != nil {
						t.Errorf("Update: %v", err)
						return
					}
				}
			}
		})
	}
	var n int
	wg.Go(func() {
		<-start
		n, err = tool.Reencrypt(ctx, 1, nil) // one row per transaction: many interleavings
	})
	close(start)
	wg.Wait()
	if err != nil {
		t.Fatalf("Reencrypt: %v", err)
	}
	t.Logf("re-sealed %d of %d while they were being updated", n, len(ids))
	if n, err := tool.Reencrypt(ctx, 16, nil); err != nil || n != 0 {
		t.Errorf("second Reencrypt = %d, %v", n, err)
	}
	for i, id := range ids {
		p, err := serve.Profiles().Get(ctx, acct, id)
		if err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprintf("p%d-r%d", i, rounds-1); p.Name != want || p.Version != 1+rounds {
			t.Errorf("%s: name %q version %d, want %q version %d", id, p.Name, p.Version, want, 1+rounds)
		}
	}
	if got := keyCounts(t, serve); !reflect.DeepEqual(got, map[string]int{"k2": len(ids)}) {
		t.Errorf("keys after = %v", got)
	}
}

// TestReencryptDamaged leaves a ciphertext that does not open under its old
// key, re-seals the others, and names the damaged profile in its error.
func TestReencryptDamaged(t *testing.T) {
	path := filepath.Join(t.TempDir(), "palja.db")
	db, err := Open(ctx, path, storetest.Keyring("k1"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	acct := newAccount(t, db)
	var ids []string
	for i := range 5 {
		ids = append(ids, mustCreate(t, db, acct, "Secretname", profile.Patch{BirthDay: num(i + 1)}).ID)
	}
	db.Close()
	raw := rawDB(t, path)
	if _, err := raw.Exec("UPDATE profiles SET sealed = CAST(sealed || X'00' AS BLOB) WHERE id = ?", ids[2]); err != nil {
		t.Fatal(err)
	}
	db = mustOpenAt(t, path, storetest.Keyring("k2", "k1"), Options{})
	n, err := db.Reencrypt(ctx, 2, nil)
	if n != 4 || !errors.Is(err, crypto.ErrDecrypt) || !strings.Contains(err.Error(), ids[2]) || strings.Contains(err.Error(), "Secretname") {
		t.Fatalf("Reencrypt = %d, %v; want 4 and an error naming %s", n, err, ids[2])
	}
	if got := keyCounts(t, db); got["k1"] != 1 || got["k2"] != 4 {
		t.Errorf("keys after = %v", got)
	}
}

// TestReencryptIdempotency rotates k1 to k2 with live idempotency keys
// under k1: Reencrypt re-seals their fingerprints too (counted in the
// progress, not in the returned count of profiles), leaves alone an
// expired one and one under a key the ring no longer holds, and a second
// run does nothing. With k1 then dropped from the ring, a retried create
// is replayed, not duplicated.
func TestReencryptIdempotency(t *testing.T) {
	path := filepath.Join(t.TempDir(), "palja.db")
	clk := storetest.NewClock()
	fp := canonicalFingerprint("Ada", 1990, 4, 17)
	idem := func(key string) *profile.Idempotency { return &profile.Idempotency{Key: key, Fingerprint: fp} }

	// Under k1 an idempotency key that will have expired; a day later
	// one under k0, a key that then leaves the ring, and three under k1.
	db := mustOpenAt(t, path, storetest.Keyring("k1"), Options{Now: clk.Now})
	acct := newAccount(t, db)
	if _, _, err := db.Profiles().Create(ctx, newProfile(t, acct, "Ada", profile.Patch{}), idem("old")); err != nil {
		t.Fatal(err)
	}
	db.Close()
	clk.Advance(profile.IdempotencyTTL - 30*time.Minute)
	db = mustOpenAt(t, path, storetest.Keyring("k0", "k1"), Options{Now: clk.Now})
	gone, _, err := db.Profiles().Create(ctx, newProfile(t, acct, "Ada", profile.Patch{}), idem("gone"))
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	db = mustOpenAt(t, path, storetest.Keyring("k1", "k0"), Options{Now: clk.Now})
	if _, err := db.Profiles().Update(ctx, acct, gone.ID, func(*profile.Profile) error { return nil }); err != nil {
		t.Fatal(err) // its profile moves to k1; its fingerprint stays under k0
	}
	created := map[string]string{}
	for _, key := range []string{"a", "b", "c"} {
		p, _, err := db.Profiles().Create(ctx, newProfile(t, acct, "Ada", profile.Patch{}), idem(key))
		if err != nil {
			t.Fatal(err)
		}
		created[key] = p.ID
	}
	db.Close()
	before := map[string][]byte{}
	for _, key := range []string{"gone", "old"} {
		before[key] = storedFingerprint(t, path, acct, key)
	}

	db = mustOpenAt(t, path, storetest.Keyring("k2", "k1"), Options{Now: clk.Now})
	clk.Advance(time.Hour) // "old" expires, after the purge at Open
	var calls [][2]int
	n, err := db.Reencrypt(ctx, 2, func(done, total int) { calls = append(calls, [2]int{done, total}) })
	if err != nil || n != 5 {
		t.Fatalf("Reencrypt = %d, %v; want 5 profiles", n, err)
	}
	// Profiles: 5 in batches of 2. Then fingerprints, by rowid, "old"
	// (expired) left out: gone (under k0, not in the ring) and a, then b
	// and c, then an empty batch, not reported as nothing changed.
	want := [][2]int{{2, 8}, {4, 8}, {5, 8}, {6, 8}, {8, 8}}
	if !reflect.DeepEqual(calls, want) {
		t.Errorf("progress = %v, want %v", calls, want)
	}
	for _, key := range []string{"a", "b", "c"} {
		if kid, err := crypto.KeyIDOf(storedFingerprint(t, path, acct, key)); err != nil || kid != "k2" {
			t.Errorf("fingerprint of %q under key %q, %v; want k2", key, kid, err)
		}
	}
	for key, b := range before {
		if got := storedFingerprint(t, path, acct, key); !bytes.Equal(got, b) {
			t.Errorf("fingerprint of %q changed", key)
		}
	}

	// A second run does nothing.
	snapshot := map[string][]byte{}
	for _, key := range []string{"a", "b", "c"} {
		snapshot[key] = storedFingerprint(t, path, acct, key)
	}
	calls = nil
	if n, err := db.Reencrypt(ctx, 2, func(done, total int) { calls = append(calls, [2]int{done, total}) }); err != nil || n != 0 {
		t.Errorf("second Reencrypt = %d, %v; want 0", n, err)
	}
	if !reflect.DeepEqual(calls, [][2]int{{0, 0}}) {
		t.Errorf("second progress = %v, want [[0 0]]", calls)
	}
	for key, b := range snapshot {
		if got := storedFingerprint(t, path, acct, key); !bytes.Equal(got, b) {
			t.Errorf("second run changed the fingerprint of %q", key)
		}
	}
	db.Close()

	// k1 leaves the ring: the retries are replayed.
	db = mustOpenAt(t, path, storetest.Keyring("k2"), Options{Now: clk.Now})
	for _, key := range []string{"a", "b", "c"} {
		p, replayed, err := db.Profiles().Create(ctx, newProfile(t, acct, "Ada", profile.Patch{}), idem(key))
		if err != nil || !replayed || p.ID != created[key] {
			t.Errorf("retry of %q = %v, replayed %v, %v; want %s replayed", key, p, replayed, err, created[key])
		}
	}
	if got := keyCounts(t, db); !reflect.DeepEqual(got, map[string]int{"k2": 5}) {
		t.Errorf("profiles after the retries = %v, want 5 under k2", got)
	}
}
