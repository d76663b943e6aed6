package sealed

import (
	"crypto/sha256"
	"errors"
	"strings"
	"testing"

	"github.com/palja/palja/crypto"
)

func keyring(t *testing.T, seed string, ids ...crypto.KeyID) *crypto.Keyring {
	t.Helper()
	keys := map[crypto.KeyID][]byte{}
	for _, id := range ids {
		k := sha256.Sum256([]byte(seed + string(id)))
		keys[id] = k[:]
	}
	kr, err := crypto.NewKeyring(ids[0], keys)
	if err != nil {
		t.Fatal(err)
	}
	return kr
}

// TestCheckValue: a check value verifies under its key, is refused under
// other material with the same id (naming the id), moved to another id, or
// altered, and is ignored for a key no longer in the ring.
func TestCheckValue(t *testing.T) {
	right := NewSealer(keyring(t, "a", "k1", "k2"))
	id, check := right.SealCheck()
	if id != "k1" {
		t.Fatalf("SealCheck id %q, want the primary k1", id)
	}
	if err := right.VerifyCheck("k1", check); err != nil {
		t.Errorf("right key: %v", err)
	}
	wrong := NewSealer(keyring(t, "b", "k1"))
	err := wrong.VerifyCheck("k1", check)
	if !errors.Is(err, ErrWrongKey) || !strings.Contains(err.Error(), `"k1"`) {
		t.Errorf("wrong material under k1: %v, want ErrWrongKey naming k1", err)
	}
	if err := right.VerifyCheck("k2", check); !errors.Is(err, ErrWrongKey) {
		t.Errorf("k1's check value stored for k2: %v, want ErrWrongKey", err)
	}
	altered := append([]byte(nil), check...)
	altered[len(altered)-1] ^= 1
	if err := right.VerifyCheck("k1", altered); !errors.Is(err, ErrWrongKey) {
		t.Errorf("altered check value: %v, want ErrWrongKey", err)
	}
	if err := NewSealer(keyring(t, "a", "k3")).VerifyCheck("k1", check); err != nil {
		t.Errorf("a retired key's check value: %v, want nil", err)
	}
}
