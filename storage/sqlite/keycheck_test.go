package sqlite

import (
	"context"
	"crypto/sha256"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/palja/palja/crypto"
	"github.com/palja/palja/profile"
	"github.com/palja/palja/storage/sealed"
	"github.com/palja/palja/storage/storetest"
)

// otherMaterial is a keyring whose key k1 is not storetest's k1.
func otherMaterial(t *testing.T) *crypto.Keyring {
	t.Helper()
	k := sha256.Sum256([]byte("some other key"))
	kr, err := crypto.NewKeyring("k1", map[crypto.KeyID][]byte{"k1": k[:]})
	if err != nil {
		t.Fatal(err)
	}
	return kr
}

// TestWrongKeyMaterial: a database opened with other key material under
// the id that sealed it is refused at Open, with an error naming the id,
// whether its check value is there (a database of this version) or not
// (one from before migration 0003, with profiles); the right key then
// opens it and writes the check value; a key id first used now gets one.
func TestWrongKeyMaterial(t *testing.T) {
	path := filepath.Join(t.TempDir(), "palja.db")
	right := storetest.Keyring("k1")
	db := mustOpenAt(t, path, right, Options{})
	acct := newAccount(t, db)
	if _, _, err := db.Profiles().Create(ctx, newProfile(t, acct, "Ada", profile.Patch{}), nil); err != nil {
		t.Fatal(err)
	}
	db.Close()
	var n int
	if err := rawGet(t, path, &n, "SELECT COUNT(*) FROM key_checks WHERE key_id = 'k1'"); err != nil || n != 1 {
		t.Fatalf("check values of k1: %d, %v; want 1", n, err)
	}

	refused := func(what string) {
		t.Helper()
		db, err := Open(context.Background(), path, otherMaterial(t), Options{})
		if err == nil {
			db.Close()
			t.Fatalf("%s: Open with other material under k1 succeeded", what)
		}
		if !errors.Is(err, sealed.ErrWrongKey) || !strings.Contains(err.Error(), `"k1"`) {
			t.Errorf("%s: %v; want ErrWrongKey naming k1", what, err)
		}
	}
	refused("with a check value")
	rawExec(t, path, "DELETE FROM key_checks")
	refused("a database from before key checks")
	if err := rawGet(t, path, &n, "SELECT COUNT(*) FROM key_checks"); err != nil || n != 0 {
		t.Errorf("a refused Open wrote %d check values (%v)", n, err)
	}

	// The right key opens it and writes its check value; a new primary
	// key gets one too, the old one keeps its own.
	mustOpenAt(t, path, right, Options{}).Close()
	if err := rawGet(t, path, &n, "SELECT COUNT(*) FROM key_checks WHERE key_id = 'k1'"); err != nil || n != 1 {
		t.Errorf("check values of k1 after the right key opened: %d, %v; want 1", n, err)
	}
	mustOpenAt(t, path, storetest.Keyring("k2", "k1"), Options{}).Close()
	if err := rawGet(t, path, &n, "SELECT COUNT(*) FROM key_checks"); err != nil || n != 2 {
		t.Errorf("check values after k2 became primary: %d, %v; want 2", n, err)
	}
	refused("after rotation")
}
