package profile

import (
	"context"
	"crypto/sha256"
	"time"
)

// Store keeps profiles. Implementations store the personal fields encrypted,
// scope every call to the given account (a profile of another account is
// [ErrNotFound]), and resolve ref as a profile id when [IsID] holds and as an
// external_id otherwise.
type Store interface {
	// Create stores p (its ID, AccountID, Version and times already set). An
	// external_id already used in the account is a *[ConflictError] for
	// "external_id". With idem set, a retry within [IdempotencyTTL] with the
	// same key and fingerprint returns the profile of the first request with
	// replayed true and stores nothing, unless that profile has been deleted
	// since: Delete forgets the keys that created it, so the retry creates a
	// new profile. The same key with another fingerprint is a
	// *ConflictError for "Idempotency-Key". Fingerprints are derived from
	// personal data: implementations store them only encrypted.
	Create(ctx context.Context, p *Profile, idem *Idempotency) (stored *Profile, replayed bool, err error)
	// Get returns the profile named by ref in account.
	Get(ctx context.Context, account, ref string) (*Profile, error)
	// Update runs read, fn and write in one transaction against the latest
	// stored state, so concurrent updates never lose one another. fn mutates
	// the profile; if it returns an error nothing is written and that error
	// is returned. On success the store increments Version, sets UpdatedAt and
	// returns the stored profile.
	Update(ctx context.Context, account, ref string, fn func(*Profile) error) (*Profile, error)
	// Delete removes the profile, its ciphertext and the idempotency keys
	// that created it. A non-nil precondition gets the stored version in
	// the same transaction; if it returns an error, nothing is deleted and
	// that error is returned.
	Delete(ctx context.Context, account, ref string, precondition func(version int64) error) error
	// List returns up to limit profiles of account, newest first, starting
	// after the profile with id startingAfter ("" for the first page), and
	// whether more follow. An unknown startingAfter is [ErrNotFound].
	List(ctx context.Context, account string, limit int, startingAfter string) (profiles []*Profile, hasMore bool, err error)
}

// Idempotency identifies a retried create: the client's Idempotency-Key and
// a fingerprint of the request body.
type Idempotency struct {
	Key         string
	Fingerprint [32]byte
}

// IdempotencyTTL is how long an Idempotency-Key is remembered.
const IdempotencyTTL = 24 * time.Hour

// APIKey is an API key's record; the secret itself is never stored, only
// [HashAPIKey] of it.
type APIKey struct {
	ID         string
	AccountID  string
	Name       string
	Prefix     string  // the first characters of the secret, e.g. "pj_live_Ab12"
	Rate       float64 // tokens per second; 0: the server default
	Burst      int     // bucket capacity; 0: the server default
	CreatedAt  time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time
}

// KeyStore looks API keys up by the hash of their secret.
type KeyStore interface {
	// KeyByHash returns the key with that hash, revoked or not, or
	// [ErrUnauthorized] when there is none.
	KeyByHash(ctx context.Context, hash [32]byte) (*APIKey, error)
	// TouchKey records that the key was used at t (best effort).
	TouchKey(ctx context.Context, id string, t time.Time) error
}

// API key format: "pj_live_" followed by 40 random base62 characters
// (about 238 bits).
const (
	KeyPrefix    = "pj_live_"
	keySecretLen = 40
	keyShownLen  = len(KeyPrefix) + 4
	minKeyLen    = len(KeyPrefix) + 32
	maxKeyLen    = len(KeyPrefix) + 128
)

// NewAPIKeySecret returns a fresh secret and its visible prefix.
func NewAPIKeySecret() (secret, prefix string) {
	secret = KeyPrefix + RandomBase62(keySecretLen)
	return secret, secret[:keyShownLen]
}

// HashAPIKey is the stored form of a secret: SHA-256. The secrets carry 238
// bits of entropy, so a fast hash is safe (nothing to brute-force) and
// lets a lookup by hash be a single indexed query; a slow password hash
// would only add latency to every request.
func HashAPIKey(secret string) [32]byte {
	return sha256.Sum256([]byte(secret))
}

// WellFormedKey reports whether s looks like a palja API key, without
// looking it up.
func WellFormedKey(s string) bool {
	if len(s) < minKeyLen || len(s) > maxKeyLen || s[:len(KeyPrefix)] != KeyPrefix {
		return false
	}
	for i := len(KeyPrefix); i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return false
		}
	}
	return true
}
