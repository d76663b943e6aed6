package sealed

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/palja/palja/crypto"
	"github.com/palja/palja/profile"
	"github.com/palja/palja/storage/storetest"
)

func TestIdempotencyCutoff(t *testing.T) {
	if got := IdempotencyCutoff(1_000_000); got != 1_000_000-int64(profile.IdempotencyTTL/time.Second) {
		t.Errorf("IdempotencyCutoff = %d", got)
	}
}

// TestReplay walks the decisions of a create that finds a record of its
// Idempotency-Key.
func TestReplay(t *testing.T) {
	s := NewSealer(storetest.Keyring("k1"))
	var buf Buffers
	const now = int64(1_000_000)
	ttl := int64(profile.IdempotencyTTL / time.Second)
	idem := &profile.Idempotency{Key: "create-ada", Fingerprint: [32]byte{1, 2, 3}}
	stored := bytes.Clone(s.SealFingerprint(&buf, "acct_a", idem))
	if bytes.Contains(stored, idem.Fingerprint[:]) {
		t.Fatal("the sealed fingerprint holds the fingerprint")
	}
	rec := func(fp []byte, age int64) *IdempotencyRecord {
		return &IdempotencyRecord{Fingerprint: fp, ProfileID: "prf_a", CreatedAt: now - age}
	}
	otherKey := bytes.Clone(s.SealFingerprint(&buf, "acct_a", &profile.Idempotency{Key: "elsewhere", Fingerprint: idem.Fingerprint}))
	gone := bytes.Clone(NewSealer(storetest.Keyring("k0")).SealFingerprint(&buf, "acct_a", idem))
	damaged := bytes.Clone(stored)
	damaged[len(damaged)-1] ^= 1

	for _, tc := range []struct {
		name     string
		account  string
		idem     *profile.Idempotency
		rec      *IdempotencyRecord
		want     string
		conflict bool
	}{
		{"no record", "acct_a", idem, nil, "", false},
		{"same body", "acct_a", idem, rec(stored, 0), "prf_a", false},
		{"just before expiry", "acct_a", idem, rec(stored, ttl-1), "prf_a", false},
		{"expired", "acct_a", idem, rec(stored, ttl), "", false},
		{"other body", "acct_a", &profile.Idempotency{Key: idem.Key, Fingerprint: [32]byte{9}}, rec(stored, 0), "", true},
		{"other account", "acct_b", idem, rec(stored, 0), "", false},
		{"moved from another key", "acct_a", idem, rec(otherKey, 0), "", false},
		{"key not in the ring", "acct_a", idem, rec(gone, 0), "", false},
		{"damaged", "acct_a", idem, rec(damaged, 0), "", false},
		{"bare hash", "acct_a", idem, rec(idem.Fingerprint[:], 0), "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id, err := s.Replay(&buf, tc.account, tc.idem, tc.rec, now)
			if tc.conflict {
				var ce *profile.ConflictError
				if !errors.As(err, &ce) || ce.Param != "Idempotency-Key" || id != "" {
					t.Errorf("Replay = %q, %v; want a ConflictError for Idempotency-Key", id, err)
				}
				return
			}
			if err != nil || id != tc.want {
				t.Errorf("Replay = %q, %v; want %q", id, err, tc.want)
			}
		})
	}
}

func TestResealFingerprint(t *testing.T) {
	var buf Buffers
	idem := &profile.Idempotency{Key: "k", Fingerprint: [32]byte{7}}
	old := bytes.Clone(NewSealer(storetest.Keyring("k1")).SealFingerprint(&buf, "acct_a", idem))
	s := NewSealer(storetest.Keyring("k2", "k1"))
	if !s.StaleFingerprint(old) {
		t.Error("a fingerprint under k1 is not stale with primary k2")
	}
	ct, err := s.ResealFingerprint(&buf, "acct_a", "k", old)
	if err != nil {
		t.Fatal(err)
	}
	if s.StaleFingerprint(ct) {
		t.Error("the re-sealed fingerprint is still stale")
	}
	if id, err := NewSealer(storetest.Keyring("k2")).Replay(&buf, "acct_a", idem, &IdempotencyRecord{Fingerprint: ct, ProfileID: "prf_a", CreatedAt: 10}, 10); err != nil || id != "prf_a" {
		t.Errorf("Replay of the re-sealed fingerprint = %q, %v", id, err)
	}
	if _, err := s.ResealFingerprint(&buf, "acct_a", "other", old); !errors.Is(err, crypto.ErrDecrypt) {
		t.Errorf("ResealFingerprint under another key's associated data: %v", err)
	}
	gone := NewSealer(storetest.Keyring("k0")).SealFingerprint(&buf, "acct_a", idem)
	for name, fp := range map[string][]byte{"under a key not in the ring": gone, "not a ciphertext": {1, 2}} {
		if s.StaleFingerprint(fp) {
			t.Errorf("a fingerprint %s is stale", name)
		}
	}
}
