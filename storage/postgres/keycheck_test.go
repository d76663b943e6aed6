package postgres_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/palja/palja/crypto"
	"github.com/palja/palja/storage/postgres"
	"github.com/palja/palja/storage/postgres/pgtest"
	"github.com/palja/palja/storage/sealed"
)

// TestWrongKeyMaterial: as with SQLite (issue 14), an instance given
// other key material under a known id is refused at Open, naming the id,
// on an empty database (the first instance's check value) and on one with
// profiles; instead of failing every profile with a 500 and sealing new
// ones that the other instances cannot open. The right key and a ring with
// a new primary still open.
func TestWrongKeyMaterial(t *testing.T) {
	u, _ := pgtest.Schema(t)
	ring := func(primary crypto.KeyID, keys map[crypto.KeyID]byte) *crypto.Keyring {
		m := map[crypto.KeyID][]byte{}
		for id, b := range keys {
			m[id] = bytes.Repeat([]byte{b}, crypto.KeySize)
		}
		kr, err := crypto.NewKeyring(primary, m)
		if err != nil {
			t.Fatal(err)
		}
		return kr
	}
	db, err := postgres.Open(ctx, u, ring("k1", map[crypto.KeyID]byte{"k1": 1}), postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	for _, kr := range []*crypto.Keyring{
		ring("k1", map[crypto.KeyID]byte{"k1": 2}),
		ring("k2", map[crypto.KeyID]byte{"k2": 3, "k1": 2}),
	} {
		db, err := postgres.Open(ctx, u, kr, postgres.Options{})
		if err == nil {
			db.Close()
		}
		if !errors.Is(err, sealed.ErrWrongKey) || !strings.Contains(err.Error(), `"k1"`) {
			t.Errorf("Open with other material for k1 (primary %s): %v; want ErrWrongKey naming k1", kr.Primary(), err)
		}
	}
	for _, kr := range []*crypto.Keyring{
		ring("k1", map[crypto.KeyID]byte{"k1": 1}),
		ring("k2", map[crypto.KeyID]byte{"k2": 3, "k1": 1}),
		ring("k2", map[crypto.KeyID]byte{"k2": 3}), // k1 retired; no profile under it
	} {
		db, err := postgres.Open(ctx, u, kr, postgres.Options{})
		if err != nil {
			t.Errorf("Open with the right keys (primary %s): %v", kr.Primary(), err)
			continue
		}
		db.Close()
	}
	// k2's check value is recorded too now: other material for it is refused.
	if db, err := postgres.Open(ctx, u, ring("k2", map[crypto.KeyID]byte{"k2": 4}), postgres.Options{}); !errors.Is(err, sealed.ErrWrongKey) {
		if err == nil {
			db.Close()
		}
		t.Errorf("Open with other material for k2: %v; want ErrWrongKey", err)
	}
}
