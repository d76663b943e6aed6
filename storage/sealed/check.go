package sealed

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/palja/palja/crypto"
)

// Check values: a backend stores, per key id, a known plaintext sealed
// under that key, and verifies it at start-up with [Sealer.VerifyCheck]
// before it serves anything. Key material that is not the one the
// database was sealed with, given under the right id, is then refused with
// a message naming the id, instead of failing every existing profile with a
// 500 and sealing new ones under a second key of the same id.

// checkPlaintext is what a check value seals.
const checkPlaintext = "palja key check v1"

const checkADPrefix = "key_checks.sealed|"

// AppendCheckAD appends the associated data of the check value of key id.
func AppendCheckAD(b []byte, id string) []byte {
	b = append(b, checkADPrefix...)
	return append(b, id...)
}

// ErrWrongKey is key material that does not open the data sealed under its
// id in this database.
var ErrWrongKey = errors.New("wrong key material")

// SealCheck returns the check value of the primary key and its id.
func (s *Sealer) SealCheck() (id string, ciphertext []byte) {
	id = string(s.kr.Primary())
	return id, s.kr.Seal([]byte(checkPlaintext), AppendCheckAD(nil, id))
}

// VerifyCheck verifies the stored check value of key id: nil if it opens
// to the known plaintext under the keyring's key of that id, or if the
// keyring has no such key (a retired key; [Sealer.CheckKeys] reports the
// ones still in use). Otherwise the error wraps [ErrWrongKey] and names the
// key id, nothing else.
func (s *Sealer) VerifyCheck(id string, ciphertext []byte) error {
	if !s.kr.Has(crypto.KeyID(id)) {
		return nil
	}
	kid, err := crypto.KeyIDOf(ciphertext)
	if err == nil && string(kid) != id {
		err = crypto.ErrDecrypt // a check value moved to another id
	}
	var pt []byte
	if err == nil {
		pt, err = s.kr.Open(ciphertext, AppendCheckAD(nil, id))
	}
	if err != nil || !bytes.Equal(pt, []byte(checkPlaintext)) {
		return WrongKey(id)
	}
	return nil
}

// ErrKeyNotInUse is a backend's Reencrypt refusing to re-seal under a
// primary key whose check value is not recorded yet: no server has run
// with it, so a running server may lack it and could not open what would
// be re-sealed under it.
var ErrKeyNotInUse = errors.New("the active key is not in use by a server yet")

// KeyNotInUse is the error of Reencrypt with primary key id not in use.
func KeyNotInUse(id string) error {
	return fmt.Errorf("%w: restart every palja serve with key %q first (PALJA_ENCRYPTION_KEYS with it first, the old keys after it), "+
		"then run reencrypt: a server without it could not read what reencrypt seals under it", ErrKeyNotInUse, id)
}

// WrongKey is the error of key id whose material does not open what the
// database holds under that id: the start-up error a backend returns.
func WrongKey(id string) error {
	return fmt.Errorf("%w: key %q is not the key that sealed this database's data under that id (its check value does not open); give the original key material for %q", ErrWrongKey, id, id)
}

// A KeySample is a stored profile sealed under a key without a check value,
// for [Sealer.VerifyKeys]: its account and its row (ID and Sealed suffice).
type KeySample struct {
	Account string
	Row     Row
}

// VerifyKeys verifies the keyring against what a backend stores, before it
// serves anything: checks holds every stored check value by key id, and
// each must pass [Sealer.VerifyCheck]; a key of the ring without one (a
// database from before check values) must open one of the profiles sealed
// under it that sample returns (a few suffice; none leaves nothing to
// verify). It reports whether the primary key's check value is missing, so
// that the backend records it ([Sealer.SealCheck]) and verifies again.
func (s *Sealer) VerifyKeys(checks map[string][]byte, sample func(id crypto.KeyID) ([]KeySample, error)) (primaryMissing bool, err error) {
	for _, id := range slices.Sorted(maps.Keys(checks)) { // the first wrong id, always the same
		if err := s.VerifyCheck(id, checks[id]); err != nil {
			return false, err
		}
	}
	for _, id := range s.kr.IDs() {
		if _, ok := checks[string(id)]; ok {
			continue
		}
		samples, err := sample(id)
		if err != nil {
			return false, err
		}
		opened := false
		for i := range samples {
			if _, err := s.OpenProfile(nil, samples[i].Account, &samples[i].Row); err == nil {
				opened = true
				break
			}
		}
		if len(samples) > 0 && !opened {
			return false, WrongKey(string(id))
		}
	}
	_, ok := checks[string(s.kr.Primary())]
	return !ok, nil
}
