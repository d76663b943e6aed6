package sealed

import (
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/palja/palja/crypto"
	"github.com/palja/palja/profile"
)

const (
	profileADPrefix     = "profiles.sealed|"
	fingerprintADPrefix = "idempotency_keys.fingerprint|"
)

// AppendProfileAD appends the associated data that binds a profile's
// ciphertext to its account and id.
func AppendProfileAD(b []byte, account, id string) []byte {
	b = append(b, profileADPrefix...)
	b = append(b, account...)
	b = append(b, '|')
	return append(b, id...)
}

// AppendFingerprintAD appends the associated data that binds a sealed
// idempotency fingerprint to its account and Idempotency-Key. Account ids
// hold no '|', so the key, which may, is unambiguous after it.
func AppendFingerprintAD(b []byte, account, key string) []byte {
	b = append(b, fingerprintADPrefix...)
	b = append(b, account...)
	b = append(b, '|')
	return append(b, key...)
}

// A Sealer seals and opens the rows of a backend with one keyring. It is
// safe for concurrent use; the [Buffers] passed to it are not.
type Sealer struct {
	kr *crypto.Keyring
}

// NewSealer returns a Sealer of kr, which must not be nil.
func NewSealer(kr *crypto.Keyring) *Sealer {
	if kr == nil {
		panic("sealed: NewSealer: nil keyring")
	}
	return &Sealer{kr: kr}
}

// Primary returns the id of the key that everything is sealed under now:
// the key id a backend stores beside a ciphertext it has just sealed.
func (s *Sealer) Primary() crypto.KeyID { return s.kr.Primary() }

// IsPrimary reports whether ciphertext is sealed under the primary key.
func (s *Sealer) IsPrimary(ciphertext []byte) bool {
	kid, err := crypto.KeyIDOf(ciphertext)
	return err == nil && kid == s.kr.Primary()
}

// CheckKeys fails when one of ids, the key ids that a backend's stored
// profiles are sealed under, is not in the keyring: such profiles could not
// be read, and the operator must learn it at start-up, not from a 500
// later. The error names the missing ids, quoted, in the order given.
func (s *Sealer) CheckKeys(ids []string) error {
	var missing []string
	for _, id := range ids {
		if !s.kr.Has(crypto.KeyID(id)) {
			missing = append(missing, strconv.Quote(id))
		}
	}
	switch len(missing) {
	case 0:
		return nil
	case 1:
		return fmt.Errorf("profiles are sealed under key %s, which is not in the keyring", missing[0])
	}
	return fmt.Errorf("profiles are sealed under keys %s, which are not in the keyring", strings.Join(missing, ", "))
}

// Buffers is scratch space that sealing reuses from one call to the next:
// keep one per writing goroutine. Its zero value is ready to use. A
// ciphertext returned into it stays valid until the next call that is
// given the same Buffers.
type Buffers struct {
	payload, ad, out []byte
}

// Row is a profile as every backend stores it: the columns in the clear
// and the sealed payload, within an account that the query names.
type Row struct {
	ID         string
	ExternalID sql.NullString
	Sealed     []byte
	Version    int64
	// CreatedAt and UpdatedAt are Unix times in seconds.
	CreatedAt, UpdatedAt int64
}

// SealProfile encodes p's personal fields and seals them, bound to p's
// account and id, under the primary key. The ciphertext is in buf and stays
// valid until buf is used again; the plaintext is cleared from it.
func (s *Sealer) SealProfile(buf *Buffers, p *profile.Profile) ([]byte, error) {
	var err error
	if buf.payload, err = appendPayload(buf.payload[:0], p); err != nil {
		clear(buf.payload[:cap(buf.payload)]) // what was encoded before the error, past len too
		return nil, fmt.Errorf("sealed: seal profile %s: %w", p.ID, err)
	}
	buf.ad = AppendProfileAD(buf.ad[:0], p.AccountID, p.ID)
	buf.out = s.kr.AppendSeal(buf.out[:0], buf.payload, buf.ad)
	clear(buf.payload)
	return buf.out, nil
}

// OpenProfile opens r's ciphertext and returns the profile, of account. buf
// is scratch space for the associated data; nil is fine. A ciphertext that
// does not open is an error wrapping [crypto.ErrDecrypt] or
// [crypto.ErrUnknownKey] that names the profile and key ids and nothing
// else.
func (s *Sealer) OpenProfile(buf *Buffers, account string, r *Row) (*profile.Profile, error) {
	var ad []byte
	if buf != nil {
		buf.ad = AppendProfileAD(buf.ad[:0], account, r.ID)
		ad = buf.ad
	} else {
		ad = AppendProfileAD(make([]byte, 0, len(profileADPrefix)+len(account)+1+len(r.ID)), account, r.ID)
	}
	pt, err := s.kr.Open(r.Sealed, ad)
	if err != nil {
		return nil, sealedError("open", r.ID, r.Sealed, err)
	}
	box := new(profileBox)
	err = parsePayload(pt, box)
	clear(pt)
	if err != nil {
		return nil, sealedError("decode", r.ID, r.Sealed, err)
	}
	p := &box.p
	p.ID, p.AccountID = r.ID, account
	if r.ExternalID.Valid {
		box.ext = r.ExternalID.String
		p.ExternalID = &box.ext
	}
	p.Version = r.Version
	p.CreatedAt = time.Unix(r.CreatedAt, 0).UTC()
	p.UpdatedAt = time.Unix(r.UpdatedAt, 0).UTC()
	return p, nil
}

// sealedError reports a ciphertext that failed, naming only the profile
// and the key id from the ciphertext's header.
func sealedError(what, id string, ciphertext []byte, err error) error {
	kid, kerr := crypto.KeyIDOf(ciphertext)
	if kerr != nil {
		return fmt.Errorf("sealed: %s profile %s (malformed ciphertext): %w", what, id, err)
	}
	return fmt.Errorf("sealed: %s profile %s sealed under key %q: %w", what, id, kid, err)
}

// NotFound returns the error of a backend that finds no profile named ref:
// it wraps [profile.ErrNotFound].
func NotFound(ref string) error {
	return fmt.Errorf("profile %s: %w", ref, profile.ErrNotFound)
}

// ExternalIDTaken returns the error of a backend whose create or update
// would give a second profile of the account the same external_id.
func ExternalIDTaken() error {
	return &profile.ConflictError{Param: profile.FieldExternalID, Message: "external_id is already used by another profile"}
}
