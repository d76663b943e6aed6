package sqlite

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/palja/palja/crypto"
	"github.com/palja/palja/profile"
	"github.com/palja/palja/storage/sealed"
	"github.com/palja/palja/storage/storetest"
)

// canonicalFingerprint is what profile's (*Patch).fingerprint computes for a
// create body with these fields (a copy of its encoding, which is not
// exported): the unsalted SHA-256 that a guess of the name and a loop over
// birth dates would find again if it were stored as it is.
func canonicalFingerprint(name string, year, month, day int) [32]byte {
	var b []byte
	str := func(set bool, v string) {
		b = strconv.AppendBool(b, set)
		b = strconv.AppendQuote(b, v)
	}
	num := func(set bool, v int) {
		b = strconv.AppendBool(b, set)
		b = strconv.AppendBool(b, false)
		b = strconv.AppendInt(b, int64(v), 10)
	}
	str(false, "") // external_id
	str(true, name)
	num(true, year)
	num(true, month)
	num(true, day)
	num(false, 0)  // birth_hour
	str(false, "") // gender
	return sha256.Sum256(b)
}

// rawGet runs one query on the database file directly and closes its
// connection at once, so that the Close of the DB stays the last one and
// checkpoints the WAL into the file.
func rawGet(t *testing.T, path string, dst any, query string, args ...any) error {
	t.Helper()
	raw := rawDB(t, path)
	defer raw.Close()
	return raw.Get(dst, query, args...)
}

// storedFingerprint returns the fingerprint column of an idempotency key,
// read from the file directly.
func storedFingerprint(t *testing.T, path, account, key string) []byte {
	t.Helper()
	var fp []byte
	err := rawGet(t, path, &fp, "SELECT fingerprint FROM idempotency_keys WHERE account_id = ? AND key = ?", account, key)
	if err != nil {
		t.Fatalf("read idempotency key %q: %v", key, err)
	}
	return fp
}

func idemRows(t *testing.T, path, query string, args ...any) int {
	t.Helper()
	var n int
	if err := rawGet(t, path, &n, "SELECT COUNT(*) FROM idempotency_keys WHERE "+query, args...); err != nil {
		t.Fatal(err)
	}
	return n
}

// rawExec runs statements on the database file directly, then closes its
// connection.
func rawExec(t *testing.T, path string, query string, args ...any) {
	t.Helper()
	raw := rawDB(t, path)
	defer raw.Close()
	if _, err := raw.Exec(query, args...); err != nil {
		t.Fatal(err)
	}
}

// TestIdempotencyFingerprintSealed checks that the body fingerprint is
// stored only sealed (neither the column, the database file nor the WAL
// hold it), bound to its account and key, and that replays and conflicts
// work as before.
func TestIdempotencyFingerprintSealed(t *testing.T) {
	path := filepath.Join(t.TempDir(), "palja.db")
	kr := storetest.Keyring("k1")
	db := mustOpenAt(t, path, kr, Options{})
	s := db.Profiles()
	acct := newAccount(t, db)
	fp := canonicalFingerprint("Ada", 1990, 4, 17)
	other := canonicalFingerprint("Ada", 1990, 4, 18)
	key := &profile.Idempotency{Key: "create-ada", Fingerprint: fp}

	first, replayed, err := s.Create(ctx, newProfile(t, acct, "Ada", profile.Patch{}), key)
	if err != nil || replayed {
		t.Fatalf("first: %v, replayed %v", err, replayed)
	}
	again, replayed, err := s.Create(ctx, newProfile(t, acct, "Ada", profile.Patch{}), key)
	if err != nil || !replayed || again.ID != first.ID {
		t.Fatalf("replay = %v, replayed %v, %v; want %s replayed", again, replayed, err, first.ID)
	}
	_, _, err = s.Create(ctx, newProfile(t, acct, "Ada", profile.Patch{}), &profile.Idempotency{Key: key.Key, Fingerprint: other})
	if ce := (*profile.ConflictError)(nil); !errors.As(err, &ce) || ce.Param != "Idempotency-Key" {
		t.Fatalf("same key, other body: %v, want a ConflictError for Idempotency-Key", err)
	}

	stored := storedFingerprint(t, path, acct, key.Key)
	if bytes.Equal(stored, fp[:]) || bytes.Contains(stored, fp[:]) {
		t.Fatal("idempotency_keys.fingerprint holds the bare SHA-256 of the body")
	}
	if len(stored) <= len(fp) {
		t.Errorf("stored fingerprint is %d bytes, want a ciphertext longer than %d", len(stored), len(fp))
	}
	ad := sealed.AppendFingerprintAD(nil, acct, key.Key)
	if pt, err := kr.Open(stored, ad); err != nil || !bytes.Equal(pt, fp[:]) {
		t.Errorf("stored fingerprint does not open to the fingerprint with its associated data: %v", err)
	}
	if _, err := kr.Open(stored, sealed.AppendFingerprintAD(nil, acct, "another-key")); !errors.Is(err, crypto.ErrDecrypt) {
		t.Errorf("stored fingerprint opens under another key's associated data: %v", err)
	}

	// The files, before the checkpoint at Close (the WAL holds the recent
	// writes) and after it.
	scan := func(when string, suffixes ...string) {
		t.Helper()
		read := 0
		for _, suffix := range suffixes {
			data, err := os.ReadFile(path + suffix)
			if os.IsNotExist(err) {
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			read++
			for name, v := range map[string][32]byte{"fingerprint": fp, "other body's fingerprint": other} {
				if bytes.Contains(data, v[:]) {
					t.Errorf("%s: %s contains the %s", when, filepath.Base(path+suffix), name)
				}
			}
		}
		if read == 0 {
			t.Errorf("%s: no file read", when)
		}
	}
	if _, err := os.Stat(path + "-wal"); err != nil {
		t.Fatalf("no WAL file while open: %v", err)
	}
	scan("open", "", "-wal")
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	scan("closed", "", "-wal")
}

// TestIdempotencyDeleteForgetsKeys deletes profiles by id and by
// external_id: their idempotency keys go with them, others stay, and a
// retry of the original request creates a new profile.
func TestIdempotencyDeleteForgetsKeys(t *testing.T) {
	path := filepath.Join(t.TempDir(), "palja.db")
	db := mustOpenAt(t, path, storetest.Keyring("k1"), Options{})
	s := db.Profiles()
	acct := newAccount(t, db)
	fp := canonicalFingerprint("Ada", 1990, 4, 17)
	byID := &profile.Idempotency{Key: "by-id", Fingerprint: fp}
	byExt := &profile.Idempotency{Key: "by-ext", Fingerprint: fp}
	kept := &profile.Idempotency{Key: "kept", Fingerprint: fp}

	p1, _, err := s.Create(ctx, newProfile(t, acct, "Ada", profile.Patch{}), byID)
	if err != nil {
		t.Fatal(err)
	}
	p2, _, err := s.Create(ctx, newProfile(t, acct, "Ada", profile.Patch{ExternalID: str("ext-ada")}), byExt)
	if err != nil {
		t.Fatal(err)
	}
	p3, _, err := s.Create(ctx, newProfile(t, acct, "Ada", profile.Patch{}), kept)
	if err != nil {
		t.Fatal(err)
	}
	sealed := storedFingerprint(t, path, acct, byID.Key)

	if err := s.Delete(ctx, acct, p1.ID, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, acct, "ext-ada", nil); err != nil {
		t.Fatal(err)
	}
	for _, p := range []*profile.Profile{p1, p2} {
		if n := idemRows(t, path, "profile_id = ?", p.ID); n != 0 {
			t.Errorf("%d idempotency rows still point to deleted profile %s", n, p.ID)
		}
	}
	if n := idemRows(t, path, "profile_id = ?", p3.ID); n != 1 {
		t.Errorf("%d idempotency rows for the profile kept, want 1", n)
	}

	for _, tc := range []struct {
		idem *profile.Idempotency
		old  *profile.Profile
	}{{byID, p1}, {byExt, p2}} {
		var patch profile.Patch
		if tc.old.ExternalID != nil {
			patch.ExternalID = str(*tc.old.ExternalID)
		}
		p, replayed, err := s.Create(ctx, newProfile(t, acct, "Ada", patch), tc.idem)
		if err != nil || replayed || p.ID == tc.old.ID {
			t.Errorf("retry of %q after Delete = %v, replayed %v, %v; want a new profile", tc.idem.Key, p, replayed, err)
		}
	}
	if p, replayed, err := s.Create(ctx, newProfile(t, acct, "Ada", profile.Patch{}), kept); err != nil || !replayed || p.ID != p3.ID {
		t.Errorf("retry for the profile kept = %v, replayed %v, %v; want %s replayed", p, replayed, err, p3.ID)
	}

	// secure_delete overwrote the deleted row in the database file.
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(data, sealed[len(sealed)-16:]) {
		t.Error("the deleted idempotency row's sealed fingerprint is still in the database file")
	}
}

// TestIdempotencyUnopenable: a stored fingerprint that does not open (its
// key has left the ring, it was damaged or moved, or it is a bare hash as
// migration 0001 stored them) is an expired key: the request creates a new
// profile, without an error, and takes the key over.
func TestIdempotencyUnopenable(t *testing.T) {
	fp := canonicalFingerprint("Ada", 1990, 4, 17)

	t.Run("key rotated out of the ring", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "palja.db")
		db := mustOpenAt(t, path, storetest.Keyring("k1"), Options{})
		acct := newAccount(t, db)
		key := &profile.Idempotency{Key: "k", Fingerprint: fp}
		first, _, err := db.Profiles().Create(ctx, newProfile(t, acct, "Ada", profile.Patch{}), key)
		if err != nil {
			t.Fatal(err)
		}
		db.Close()
		// Rotate to k2 and re-seal the profile by updating it, so that a
		// ring without k1 opens the database; the idempotency row stays
		// under k1 (as it would if k1 were dropped without Reencrypt).
		db = mustOpenAt(t, path, storetest.Keyring("k2", "k1"), Options{})
		if _, err := db.Profiles().Update(ctx, acct, first.ID, func(*profile.Profile) error { return nil }); err != nil {
			t.Fatal(err)
		}
		db.Close()
		if kid, err := crypto.KeyIDOf(storedFingerprint(t, path, acct, "k")); err != nil || kid != "k1" {
			t.Fatalf("stored fingerprint under key %q, %v; want k1", kid, err)
		}

		db = mustOpenAt(t, path, storetest.Keyring("k2"), Options{})
		second, replayed, err := db.Profiles().Create(ctx, newProfile(t, acct, "Ada", profile.Patch{}), key)
		if err != nil || replayed || second.ID == first.ID {
			t.Fatalf("retry with k1 gone = %v, replayed %v, %v; want a new profile", second, replayed, err)
		}
		if kid, err := crypto.KeyIDOf(storedFingerprint(t, path, acct, "k")); err != nil || kid != "k2" {
			t.Errorf("after the retry the fingerprint is under key %q, %v; want k2", kid, err)
		}
		if p, replayed, err := db.Profiles().Create(ctx, newProfile(t, acct, "Ada", profile.Patch{}), key); err != nil || !replayed || p.ID != second.ID {
			t.Errorf("next retry = %v, replayed %v, %v; want %s replayed", p, replayed, err, second.ID)
		}
	})

	for _, tc := range []struct {
		name   string
		tamper func(t *testing.T, path, acct string)
	}{
		{"bare hash as 0001 stored it", func(t *testing.T, path, acct string) {
			rawExec(t, path, "UPDATE idempotency_keys SET fingerprint = ? WHERE account_id = ?", fp[:], acct)
		}},
		{"damaged", func(t *testing.T, path, acct string) {
			rawExec(t, path, "UPDATE idempotency_keys SET fingerprint = CAST(substr(fingerprint, 1, length(fingerprint) - 1) || X'00' AS BLOB) WHERE account_id = ?", acct)
		}},
		{"truncated", func(t *testing.T, path, acct string) {
			rawExec(t, path, "UPDATE idempotency_keys SET fingerprint = substr(fingerprint, 1, 5) WHERE account_id = ?", acct)
		}},
		{"moved from another key", func(t *testing.T, path, acct string) {
			rawExec(t, path, "UPDATE idempotency_keys SET fingerprint = (SELECT fingerprint FROM idempotency_keys WHERE account_id = ? AND key = 'elsewhere') WHERE account_id = ? AND key = 'k'", acct, acct)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "palja.db")
			db := mustOpenAt(t, path, storetest.Keyring("k1"), Options{})
			s := db.Profiles()
			acct := newAccount(t, db)
			key := &profile.Idempotency{Key: "k", Fingerprint: fp}
			first, _, err := s.Create(ctx, newProfile(t, acct, "Ada", profile.Patch{}), key)
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := s.Create(ctx, newProfile(t, acct, "Ada", profile.Patch{}), &profile.Idempotency{Key: "elsewhere", Fingerprint: fp}); err != nil {
				t.Fatal(err)
			}
			tc.tamper(t, path, acct)
			second, replayed, err := s.Create(ctx, newProfile(t, acct, "Ada", profile.Patch{}), key)
			if err != nil || replayed || second.ID == first.ID {
				t.Fatalf("retry = %v, replayed %v, %v; want a new profile", second, replayed, err)
			}
			if stored := storedFingerprint(t, path, acct, "k"); bytes.Contains(stored, fp[:]) {
				t.Error("the replaced row still holds the bare fingerprint")
			}
			if p, replayed, err := s.Create(ctx, newProfile(t, acct, "Ada", profile.Patch{}), key); err != nil || !replayed || p.ID != second.ID {
				t.Errorf("next retry = %v, replayed %v, %v; want %s replayed", p, replayed, err, second.ID)
			}
		})
	}
}

// TestMigrationSealsIdempotency opens a database as migration 0001 left it,
// with a bare fingerprint in idempotency_keys: migration 0002 deletes that
// row and adds the index, and the key then works as a new one.
func TestMigrationSealsIdempotency(t *testing.T) {
	path := filepath.Join(t.TempDir(), "palja.db")
	kr := storetest.Keyring("k1")
	db := mustOpenAt(t, path, kr, Options{})
	acct := newAccount(t, db)
	fp := canonicalFingerprint("Ada", 1990, 4, 17)
	key := &profile.Idempotency{Key: "k", Fingerprint: fp}
	first, _, err := db.Profiles().Create(ctx, newProfile(t, acct, "Ada", profile.Patch{}), key)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	rawExec(t, path, "DROP INDEX idempotency_keys_profile")
	rawExec(t, path, "DELETE FROM schema_migrations WHERE version >= 2")
	rawExec(t, path, "UPDATE idempotency_keys SET fingerprint = ?", fp[:])
	if data, err := os.ReadFile(path); err != nil || !bytes.Contains(data, fp[:]) {
		t.Fatalf("setup: the bare fingerprint is not in the database file (%v)", err)
	}

	db = mustOpenAt(t, path, kr, Options{})
	if n := idemRows(t, path, "1 = 1"); n != 0 {
		t.Errorf("%d idempotency rows after migration 0002, want 0", n)
	}
	var idx int
	if err := rawGet(t, path, &idx, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = 'idempotency_keys_profile'"); err != nil || idx != 1 {
		t.Errorf("index idempotency_keys_profile: %d, %v", idx, err)
	}
	p, replayed, err := db.Profiles().Create(ctx, newProfile(t, acct, "Ada", profile.Patch{}), key)
	if err != nil || replayed || p.ID == first.ID {
		t.Errorf("create after the migration = %v, replayed %v, %v; want a new profile", p, replayed, err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(data, fp[:]) {
		t.Error("the bare fingerprint is still in the database file after migration 0002")
	}
}
