package sealed

import (
	"crypto/subtle"
	"time"

	"github.com/palja/palja/crypto"
	"github.com/palja/palja/profile"
)

// IdempotencyRecord is a stored idempotency key, as a backend reads it for
// [Sealer.Replay].
type IdempotencyRecord struct {
	// Fingerprint is the sealed fingerprint of the body that created the
	// profile ([Sealer.SealFingerprint]).
	Fingerprint []byte
	// ProfileID is the id of the profile the key created.
	ProfileID string
	// CreatedAt is the Unix time in seconds when the key was recorded.
	CreatedAt int64
}

// IdempotencyCutoff returns the created_at (Unix seconds) at or before
// which an idempotency key has expired at now (Unix seconds): a key is
// remembered for [profile.IdempotencyTTL]. Backends purge the keys at or
// before it and re-seal only those after it.
func IdempotencyCutoff(now int64) int64 {
	return now - int64(profile.IdempotencyTTL/time.Second)
}

// SealFingerprint seals idem's fingerprint, bound to account and idem's
// key, under the primary key. The ciphertext is in buf and stays valid
// until buf is used again.
func (s *Sealer) SealFingerprint(buf *Buffers, account string, idem *profile.Idempotency) []byte {
	buf.ad = AppendFingerprintAD(buf.ad[:0], account, idem.Key)
	buf.out = s.kr.AppendSeal(buf.out[:0], idem.Fingerprint[:], buf.ad)
	return buf.out
}

// Replay decides what a create in account with idem gets, given the
// record of idem's key that the backend found (nil when there is none),
// read in the transaction that will create the profile, at now (Unix
// seconds).
//
// It returns the id of the profile to replay, or "" when the create is to
// go ahead and take the key over: the key is new, has expired, or its
// fingerprint does not open (its key has left the keyring, the row is
// damaged or moved, or it predates sealing: nothing to compare with, so it
// counts as expired, without an error). A key recorded with another
// fingerprint, compared in constant time, is a *[profile.ConflictError]
// for "Idempotency-Key".
//
// A backend that finds no profile of the returned id (an older version
// kept the key of a deleted profile) also goes ahead and creates.
func (s *Sealer) Replay(buf *Buffers, account string, idem *profile.Idempotency, rec *IdempotencyRecord, now int64) (profileID string, err error) {
	if rec == nil || rec.CreatedAt <= IdempotencyCutoff(now) {
		return "", nil
	}
	buf.ad = AppendFingerprintAD(buf.ad[:0], account, idem.Key)
	fp, err := s.kr.Open(rec.Fingerprint, buf.ad)
	if err != nil || len(fp) != len(idem.Fingerprint) {
		// Keyring.Open fails only with ErrUnknownKey (the key was rotated
		// out of the ring) or ErrDecrypt (damaged, moved, or a bare hash
		// from before sealing): treated as expired.
		clear(fp)
		return "", nil
	}
	same := subtle.ConstantTimeCompare(fp, idem.Fingerprint[:]) == 1
	clear(fp)
	if !same {
		return "", &profile.ConflictError{Param: "Idempotency-Key",
			Message: "Idempotency-Key was already used with a different request body"}
	}
	return rec.ProfileID, nil
}

// StaleFingerprint reports whether a sealed fingerprint is under a key
// other than the primary that the ring still holds: one that re-encryption
// can and should seal again. One that does not parse, or is under a key
// the ring lacks, already counts as expired and is left for the purge.
func (s *Sealer) StaleFingerprint(ciphertext []byte) bool {
	kid, err := crypto.KeyIDOf(ciphertext)
	return err == nil && kid != s.kr.Primary() && s.kr.Has(kid)
}
