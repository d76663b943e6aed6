package crypto

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"slices"
)

// KeyID names a key in a [Keyring]. It is 1 to 32 characters from
// [A-Za-z0-9_-], and is written in the clear at the start of every ciphertext.
type KeyID string

// Valid reports whether id has the form of a key id.
func (id KeyID) Valid() bool { return validID(id) }

func validID[S ~string | ~[]byte](id S) bool {
	if len(id) < 1 || len(id) > maxIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '_', c == '-':
		default:
			return false
		}
	}
	return true
}

var (
	// ErrUnknownKey is returned by [Keyring.Open] for a ciphertext sealed under
	// a key the ring does not hold. The returned error wraps it and names the
	// key id.
	ErrUnknownKey = errors.New("crypto: unknown key")

	// ErrDecrypt is returned by [Keyring.Open] when a ciphertext is malformed,
	// truncated, altered, or opened with the wrong associated data. It never
	// says which.
	ErrDecrypt = errors.New("crypto: message authentication failed")
)

const (
	// KeySize is the length in bytes of every key: AES-256.
	KeySize = 32

	version   = 0x01
	maxIDLen  = 32
	nonceSize = 12
	tagSize   = 16
)

// nonceSource supplies nonces for Seal. Tests replace it to inject known IVs;
// nothing else may.
var nonceSource io.Reader = rand.Reader

// A Keyring holds named AES-256-GCM keys, one of them primary. It is immutable
// after [NewKeyring] and safe for concurrent use.
type Keyring struct {
	primary KeyID
	aeads   map[KeyID]cipher.AEAD
	ids     []KeyID // primary first, then the others sorted
}

// NewKeyring returns a Keyring holding keys, sealing under primary. Every key
// must be [KeySize] bytes and every id valid; primary must be one of them.
// Errors name the key id, never the key. The key bytes are not retained.
func NewKeyring(primary KeyID, keys map[KeyID][]byte) (*Keyring, error) {
	k, err := newKeyring(primary, keys)
	if err != nil {
		return nil, fmt.Errorf("crypto: %w", err)
	}
	return k, nil
}

func newKeyring(primary KeyID, keys map[KeyID][]byte) (*Keyring, error) {
	k := &Keyring{primary: primary, aeads: make(map[KeyID]cipher.AEAD, len(keys))}
	for id, key := range keys {
		if !id.Valid() {
			return nil, errInvalidID
		}
		if len(key) != KeySize {
			return nil, fmt.Errorf("key %q is %d bytes, want %d", id, len(key), KeySize)
		}
		block, err := aes.NewCipher(key)
		if err != nil {
			return nil, fmt.Errorf("key %q: %w", id, err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("key %q: %w", id, err)
		}
		k.aeads[id] = aead
		if id != primary {
			k.ids = append(k.ids, id)
		}
	}
	if _, ok := k.aeads[primary]; !ok {
		if !primary.Valid() {
			return nil, errors.New("invalid primary key id")
		}
		return nil, fmt.Errorf("primary key %q is not in the keyring", primary)
	}
	slices.Sort(k.ids)
	k.ids = slices.Insert(k.ids, 0, primary)
	return k, nil
}

var errInvalidID = errors.New("invalid key id: want 1 to 32 characters from A-Z a-z 0-9 _ -")

// Primary returns the id of the key [Keyring.Seal] uses.
func (k *Keyring) Primary() KeyID { return k.primary }

// Has reports whether the ring holds a key named id.
func (k *Keyring) Has(id KeyID) bool {
	_, ok := k.aeads[id]
	return ok
}

// IDs returns the ids of the ring's keys, the primary first and the others in
// sorted order. The caller may modify the returned slice.
func (k *Keyring) IDs() []KeyID { return slices.Clone(k.ids) }

// Overhead returns how many bytes [Keyring.Seal] adds to a plaintext.
func (k *Keyring) Overhead() int { return 2 + len(k.primary) + nonceSize + tagSize }

// Seal encrypts and authenticates plaintext and authenticates ad under the
// primary key with a fresh random nonce, and returns the ciphertext in the
// format described in the package documentation. The same ad must be passed
// to [Keyring.Open].
//
// Seal panics only if the system's random source fails.
func (k *Keyring) Seal(plaintext, ad []byte) []byte {
	return k.AppendSeal(nil, plaintext, ad)
}

// AppendSeal is like [Keyring.Seal] but appends the ciphertext to dst and
// returns the extended slice. With enough spare capacity in dst it does not
// allocate. dst must not overlap plaintext or ad.
func (k *Keyring) AppendSeal(dst, plaintext, ad []byte) []byte {
	dst = slices.Grow(dst, k.Overhead()+len(plaintext))
	dst = append(dst, version, byte(len(k.primary)))
	dst = append(dst, k.primary...)
	n := len(dst)
	dst = dst[:n+nonceSize]
	nonce := dst[n:]
	if _, err := io.ReadFull(nonceSource, nonce); err != nil {
		panic("crypto: reading nonce: " + err.Error())
	}
	return k.aeads[k.primary].Seal(dst, nonce, plaintext, ad)
}

// Open authenticates ciphertext with ad and returns the plaintext. It picks
// the key by the id in the ciphertext's header. It fails with an error
// wrapping [ErrUnknownKey] if the ring does not hold that key, and with
// [ErrDecrypt] for anything else; it never returns partial plaintext.
func (k *Keyring) Open(ciphertext, ad []byte) ([]byte, error) {
	id, rest, ok := parseHeader(ciphertext)
	if !ok || len(rest) < nonceSize+tagSize {
		return nil, ErrDecrypt
	}
	aead, found := k.aeads[KeyID(id)] // no allocation for the lookup
	if !found {
		return nil, &unknownKeyError{KeyID(id)}
	}
	pt, err := aead.Open(nil, rest[:nonceSize], rest[nonceSize:], ad)
	if err != nil {
		return nil, ErrDecrypt
	}
	if pt == nil {
		pt = []byte{}
	}
	return pt, nil
}

// KeyIDOf returns the id of the key that sealed ciphertext, reading the
// header only: it does not authenticate anything, so a valid-looking id does
// not mean the ciphertext will open. A ciphertext too short or malformed to
// hold a header fails with [ErrDecrypt].
func KeyIDOf(ciphertext []byte) (KeyID, error) {
	id, rest, ok := parseHeader(ciphertext)
	if !ok || len(rest) < nonceSize+tagSize {
		return "", ErrDecrypt
	}
	return KeyID(id), nil
}

// parseHeader splits ciphertext into its key id and the rest (nonce ‖ GCM
// output).
func parseHeader(ciphertext []byte) (id, rest []byte, ok bool) {
	if len(ciphertext) < 2 || ciphertext[0] != version {
		return nil, nil, false
	}
	n := int(ciphertext[1])
	if n < 1 || n > maxIDLen || len(ciphertext) < 2+n {
		return nil, nil, false
	}
	id = ciphertext[2 : 2+n]
	if !validID(id) {
		return nil, nil, false
	}
	return id, ciphertext[2+n:], true
}

// unknownKeyError names the key id a ciphertext asked for. Key ids are
// validated, so the message is safe to log.
type unknownKeyError struct{ id KeyID }

func (e *unknownKeyError) Error() string        { return fmt.Sprintf("crypto: unknown key %q", e.id) }
func (e *unknownKeyError) Is(target error) bool { return target == ErrUnknownKey }
