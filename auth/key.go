package auth

import (
	"context"
	"crypto/sha256"
	"errors"
	"math"
	"strings"
	"time"

	"github.com/palja/palja/internal/random"
)

// ErrUnauthorized is a missing, malformed, unknown or revoked API key. A
// [KeyStore] returns it (wrapped or not) for a hash it does not know;
// [Authenticate] hands it to [Config.WriteError], which answers 401.
var ErrUnauthorized = errors.New("unauthorized")

// APIKey is an API key's record; the secret itself is never stored, only
// [Hash] of it.
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

// API key format: [KeyPrefix] followed by 40 random base62 characters
// (about 238 bits).
const (
	// KeyPrefix starts every secret.
	KeyPrefix    = "pj_live_"
	keySecretLen = 40
	keyShownLen  = len(KeyPrefix) + 4
	minKeyLen    = len(KeyPrefix) + 32
	maxKeyLen    = len(KeyPrefix) + 128
	keyIDPrefix  = "key_"
	keyIDLen     = 20 // random characters after keyIDPrefix (119 bits)
)

// NewSecret returns a fresh secret and its visible prefix.
func NewSecret() (secret, prefix string) {
	secret = KeyPrefix + random.Base62(keySecretLen)
	return secret, secret[:keyShownLen]
}

// NewKey returns a new secret and the key it belongs to: a fresh id, the
// secret's prefix, name and limits; account and creation time are the
// store's to set. The limits are not checked here (see [CheckLimits]).
func NewKey(name string, rate float64, burst int) (secret string, k *APIKey) {
	secret, prefix := NewSecret()
	return secret, &APIKey{ID: keyIDPrefix + random.Base62(keyIDLen), Name: name, Prefix: prefix, Rate: rate, Burst: burst}
}

// Hash is the stored form of a secret: SHA-256. The secrets carry 238
// bits of entropy, so a fast hash is safe (nothing to brute-force) and
// lets a lookup by hash be a single indexed query; a slow password hash
// would only add latency to every request.
//
// A well-formed secret is hashed from a copy on the stack: the request
// path allocates nothing for it.
func Hash(secret string) [32]byte {
	if len(secret) <= maxKeyLen {
		var buf [maxKeyLen]byte
		return sha256.Sum256(buf[:copy(buf[:], secret)])
	}
	return sha256.Sum256([]byte(secret))
}

// WellFormed reports whether s looks like a palja API key, without
// looking it up.
func WellFormed(s string) bool {
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

// CheckKey validates what a key is created with, as every key store does
// before storing it: a name that is not blank, and the limits of
// [CheckLimits]. Its messages name the field ("name", "rate", "burst").
func CheckKey(name string, rate float64, burst int) error {
	if strings.TrimSpace(name) == "" {
		return errors.New("name must not be empty")
	}
	return CheckLimits(rate, burst)
}

// Bounds of a key's limits (0 aside, which means the server's default):
// every RateLimit-* header and Retry-After then fits in an int64 (at most
// MaxBurst / MinRate ≈ 1.1e12 seconds).
const (
	MinRate  = 0.001 // one request per 1000 s
	MaxRate  = 1e9
	MaxBurst = 1 << 30
)

// CheckLimits validates a key's rate and burst, as every key store does
// before storing them; 0 means the server default. Its messages name the
// limits as "rate" and "burst", so that a command line can prefix them
// with "--".
func CheckLimits(rate float64, burst int) error {
	if rate < 0 || math.IsNaN(rate) || math.IsInf(rate, 0) || rate != 0 && (rate < MinRate || rate > MaxRate) {
		return errors.New("rate must be a number of requests per second above 0, or 0 for the server's default (from 0.001 to 1e9)")
	}
	if burst < 0 || burst > MaxBurst {
		return errors.New("burst must be a whole number above 0, or 0 for the server's default (at most 1073741824)")
	}
	return nil
}

// clampLimit brings a limit stored before [CheckLimits] had bounds into
// them, so that its headers stay representable.
func clampLimit(l Limit) Limit {
	if l.Rate < MinRate {
		l.Rate = MinRate
	}
	l.Rate = min(l.Rate, MaxRate)
	l.Burst = max(1, min(l.Burst, MaxBurst))
	return l
}
