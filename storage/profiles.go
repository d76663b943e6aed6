package storage

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/palja/palja/crypto"
	"github.com/palja/palja/profile"
)

// ProfileStore is the [profile.Store] of a [DB], from [DB.Profiles].
type ProfileStore struct {
	db *DB
}

var _ profile.Store = (*ProfileStore)(nil)

const (
	selectProfile = "SELECT seq, id, external_id, sealed, version, created_at, updated_at FROM profiles"
	insertProfile = "INSERT INTO profiles (id, account_id, external_id, key_id, sealed, version, created_at, updated_at)" +
		" VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
	updateProfile     = "UPDATE profiles SET external_id = ?, key_id = ?, sealed = ?, version = ?, updated_at = ? WHERE seq = ?"
	updateSealed      = "UPDATE profiles SET sealed = ?, version = ?, updated_at = ? WHERE seq = ?"
	upsertIdempotency = "INSERT INTO idempotency_keys (account_id, key, fingerprint, profile_id, created_at) VALUES (?, ?, ?, ?, ?)" +
		" ON CONFLICT (account_id, key) DO UPDATE SET fingerprint = excluded.fingerprint," +
		" profile_id = excluded.profile_id, created_at = excluded.created_at"

	adPrefix     = "profiles.sealed|"
	idemADPrefix = "idempotency_keys.fingerprint|"
)

// profileRow is a row of profiles as selected by selectProfile, within an
// account that the query names.
type profileRow struct {
	Seq        int64          `db:"seq"`
	ID         string         `db:"id"`
	ExternalID sql.NullString `db:"external_id"`
	Sealed     []byte         `db:"sealed"`
	Version    int64          `db:"version"`
	CreatedAt  int64          `db:"created_at"`
	UpdatedAt  int64          `db:"updated_at"`
}

type scanner interface{ Scan(dest ...any) error }

func (r *profileRow) scan(s scanner) error {
	return s.Scan(&r.Seq, &r.ID, &r.ExternalID, &r.Sealed, &r.Version, &r.CreatedAt, &r.UpdatedAt)
}

// appendAD appends the associated data that binds a profile's ciphertext to
// its account and id.
func appendAD(b []byte, account, id string) []byte {
	b = append(b, adPrefix...)
	b = append(b, account...)
	b = append(b, '|')
	return append(b, id...)
}

// appendIdemAD appends the associated data that binds a sealed idempotency
// fingerprint to its account and Idempotency-Key. Account ids hold no '|',
// so the key, which may, is unambiguous after it.
func appendIdemAD(b []byte, account, key string) []byte {
	b = append(b, idemADPrefix...)
	b = append(b, account...)
	b = append(b, '|')
	return append(b, key...)
}

// decode opens r's ciphertext and returns the profile. ad is scratch space
// for the associated data (nil is fine). A ciphertext that does not open is
// an error wrapping [crypto.ErrDecrypt] or [crypto.ErrUnknownKey] that names
// the profile and key ids.
func (db *DB) decode(account string, r *profileRow, ad []byte) (*profile.Profile, error) {
	if ad == nil {
		ad = make([]byte, 0, len(adPrefix)+len(account)+1+len(r.ID))
	}
	pt, err := db.kr.Open(r.Sealed, appendAD(ad, account, r.ID))
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
func sealedError(what, id string, sealed []byte, err error) error {
	kid, kerr := crypto.KeyIDOf(sealed)
	if kerr != nil {
		return fmt.Errorf("storage: %s profile %s (malformed ciphertext): %w", what, id, err)
	}
	return fmt.Errorf("storage: %s profile %s sealed under key %q: %w", what, id, kid, err)
}

// seal encodes and seals p into tx.sealed, which stays valid until the next
// seal on tx.
func (tx *wtx) seal(p *profile.Profile) error {
	var err error
	if tx.payload, err = appendPayload(tx.payload[:0], p); err != nil {
		return fmt.Errorf("storage: seal profile %s: %w", p.ID, err)
	}
	tx.ad = appendAD(tx.ad[:0], p.AccountID, p.ID)
	tx.sealed = tx.db.kr.AppendSeal(tx.sealed[:0], tx.payload, tx.ad)
	clear(tx.payload)
	return nil
}

// rowState is what an update needs to know of the row it read.
type rowState struct {
	seq        int64
	externalID sql.NullString
	primary    bool // sealed under the keyring's primary key
}

// get reads the profile named by ref inside the write transaction.
func (tx *wtx) get(account, ref string) (*profile.Profile, rowState, error) {
	st := tx.st.profileByExt
	if profile.IsID(ref) {
		st = tx.st.profileByID
	}
	var r profileRow
	err := r.scan(st.QueryRowContext(tx.ctx, account, ref))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, rowState{}, notFound(ref)
	}
	if err != nil {
		return nil, rowState{}, fmt.Errorf("storage: get profile: %w", err)
	}
	p, err := tx.db.decode(account, &r, tx.ad[:0])
	if err != nil {
		return nil, rowState{}, err
	}
	kid, _ := crypto.KeyIDOf(r.Sealed)
	return p, rowState{seq: r.Seq, externalID: r.ExternalID, primary: kid == tx.db.kr.Primary()}, nil
}

func notFound(ref string) error {
	return fmt.Errorf("profile %s: %w", ref, profile.ErrNotFound)
}

func externalIDTaken() error {
	return &profile.ConflictError{Param: profile.FieldExternalID, Message: "external_id is already used by another profile"}
}

// nullable returns s as a query argument: NULL when nil.
func nullable(s *string) any {
	if s == nil {
		return nil
	}
	return *s
}

// Create stores p as a new profile; see [profile.Store].
//
// With idem set, the key is looked up first, in the same transaction: a
// key seen within [profile.IdempotencyTTL] with the same fingerprint
// returns the profile it created (as it is now) with replayed true; with
// another fingerprint it is a conflict. Expired keys are forgotten and
// reused. [ProfileStore.Delete] forgets the keys of the profile it deletes,
// so a retry after the profile was deleted creates a new profile.
// Creates with one key are serialized by the writer, so two concurrent
// requests create one profile.
//
// The fingerprint is a hash of a few guessable personal fields, so it is
// stored only sealed with the keyring, bound to the account and key (see
// [appendIdemAD]), and compared after opening it. A stored fingerprint
// that does not open (its key has left the keyring, the row is damaged, or
// it predates sealing) counts as expired: the key is reused without an
// error.
func (s *ProfileStore) Create(ctx context.Context, p *profile.Profile, idem *profile.Idempotency) (*profile.Profile, bool, error) {
	if p == nil || p.AccountID == "" || !profile.IsID(p.ID) {
		return nil, false, errors.New("storage: create profile: missing id or account")
	}
	var (
		stored   *profile.Profile
		replayed bool
	)
	err := s.db.w.do(ctx, func(tx *wtx) error {
		now := tx.db.now().Unix()
		if idem != nil {
			prior, err := tx.replay(p.AccountID, idem, now)
			if err != nil || prior != nil {
				stored, replayed = prior, prior != nil
				return err
			}
		}
		if err := tx.seal(p); err != nil {
			return err
		}
		p.CreatedAt = time.Unix(p.CreatedAt.Unix(), 0).UTC() // as it is stored
		p.UpdatedAt = time.Unix(p.UpdatedAt.Unix(), 0).UTC()
		_, err := tx.st.insertProfile.ExecContext(tx.ctx, p.ID, p.AccountID, nullable(p.ExternalID),
			string(tx.db.kr.Primary()), tx.sealed, p.Version, p.CreatedAt.Unix(), p.UpdatedAt.Unix())
		if err != nil {
			if p.ExternalID != nil && isUniqueViolation(err, "external_id") {
				return externalIDTaken()
			}
			return fmt.Errorf("storage: create profile %s: %w", p.ID, err)
		}
		if idem != nil {
			tx.ad = appendIdemAD(tx.ad[:0], p.AccountID, idem.Key)
			tx.sealed = tx.db.kr.AppendSeal(tx.sealed[:0], idem.Fingerprint[:], tx.ad)
			_, err := tx.st.idemPut.ExecContext(tx.ctx, p.AccountID, idem.Key, tx.sealed, p.ID, now)
			if err != nil {
				return fmt.Errorf("storage: record idempotency key: %w", err)
			}
		}
		stored = p
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	return stored, replayed, nil
}

// replay looks up an idempotency key. It returns the profile to replay, or
// nil when the key is new or is to be reused: expired, its fingerprint no
// longer opens, or its profile is gone (Delete removes the key with the
// profile, so that only happens for a row written by an older version).
// The upsert after the insert then replaces the row.
func (tx *wtx) replay(account string, idem *profile.Idempotency, now int64) (*profile.Profile, error) {
	var (
		sealed    []byte
		profileID string
		createdAt int64
	)
	err := tx.st.idemGet.QueryRowContext(tx.ctx, account, idem.Key).Scan(&sealed, &profileID, &createdAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("storage: read idempotency key: %w", err)
	}
	if createdAt <= now-int64(profile.IdempotencyTTL/time.Second) {
		return nil, nil // expired
	}
	tx.ad = appendIdemAD(tx.ad[:0], account, idem.Key)
	fp, err := tx.db.kr.Open(sealed, tx.ad)
	if err != nil || len(fp) != len(idem.Fingerprint) {
		// Keyring.Open fails only with ErrUnknownKey (the key was rotated
		// out of the ring) or ErrDecrypt (damaged, moved, or a bare hash
		// from before migration 0002): nothing to compare with, so the row
		// is treated as expired.
		clear(fp)
		return nil, nil
	}
	same := subtle.ConstantTimeCompare(fp, idem.Fingerprint[:]) == 1
	clear(fp)
	if !same {
		return nil, &profile.ConflictError{Param: "Idempotency-Key",
			Message: "Idempotency-Key was already used with a different request body"}
	}
	prior, _, err := tx.get(account, profileID)
	if errors.Is(err, profile.ErrNotFound) {
		return nil, nil // deleted (by an older version, which kept the key)
	}
	return prior, err
}

// Get returns the profile named by ref in account.
func (s *ProfileStore) Get(ctx context.Context, account, ref string) (*profile.Profile, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	st := s.db.rs.profileByExt
	if profile.IsID(ref) {
		st = s.db.rs.profileByID
	}
	var r profileRow
	err := r.scan(st.QueryRowContext(noCancel(ctx), account, ref))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound(ref)
	}
	if err != nil {
		return nil, fmt.Errorf("storage: get profile: %w", err)
	}
	return s.db.decode(account, &r, nil)
}

// Update reads the profile named by ref, lets fn change it and writes it
// back, all in one transaction of the writer, so that it always works on
// the latest state. An error from fn is returned as it is and nothing is
// written. The id, account, version and times of the profile are the
// store's: changes fn makes to them are ignored.
//
// fn runs on the writer goroutine while it holds the write lock, so it must
// be quick and must not write through the store itself (that would wait
// for the writer forever); reads are fine.
func (s *ProfileStore) Update(ctx context.Context, account, ref string, fn func(*profile.Profile) error) (*profile.Profile, error) {
	var stored *profile.Profile
	err := s.db.w.do(ctx, func(tx *wtx) error {
		p, row, err := tx.get(account, ref)
		if err != nil {
			return err
		}
		id, version, created := p.ID, p.Version, p.CreatedAt
		if err := fn(p); err != nil {
			return err
		}
		p.ID, p.AccountID, p.CreatedAt = id, account, created
		p.Version = version + 1
		p.UpdatedAt = time.Unix(tx.db.now().Unix(), 0).UTC()
		if err := tx.seal(p); err != nil {
			return err
		}
		sameExt := row.externalID.Valid == (p.ExternalID != nil) && (p.ExternalID == nil || *p.ExternalID == row.externalID.String)
		if sameExt && row.primary {
			// Most updates: no indexed column changes.
			_, err = tx.st.updateSealed.ExecContext(tx.ctx, tx.sealed, p.Version, p.UpdatedAt.Unix(), row.seq)
		} else {
			_, err = tx.st.updateProfile.ExecContext(tx.ctx, nullable(p.ExternalID), string(tx.db.kr.Primary()),
				tx.sealed, p.Version, p.UpdatedAt.Unix(), row.seq)
		}
		if err != nil {
			if !sameExt && isUniqueViolation(err, "external_id") {
				return externalIDTaken()
			}
			return fmt.Errorf("storage: update profile %s: %w", id, err)
		}
		stored = p
		return nil
	})
	return stored, err
}

// Delete removes the profile named by ref and, in the same transaction,
// the idempotency keys that created it, so that nothing derived from its
// personal fields (the sealed body fingerprint) outlives it. Both are
// overwritten in the database file (secure_delete). A retry of the create
// afterwards creates a new profile. When precondition is not nil it is
// given the profile's version inside the transaction; its error is
// returned and nothing is deleted. The ciphertext is not opened, so a
// profile that no longer decrypts can still be deleted.
func (s *ProfileStore) Delete(ctx context.Context, account, ref string, precondition func(version int64) error) error {
	return s.db.w.do(ctx, func(tx *wtx) error {
		st := tx.st.deleteByExt
		if profile.IsID(ref) {
			st = tx.st.deleteByID
		}
		var id string
		var version int64
		err := st.QueryRowContext(tx.ctx, account, ref).Scan(&id, &version)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound(ref)
		}
		if err != nil {
			return fmt.Errorf("storage: delete profile: %w", err)
		}
		if precondition != nil {
			if err := precondition(version); err != nil {
				return err // the op's savepoint is rolled back: the row stays
			}
		}
		if _, err := tx.st.idemDelete.ExecContext(tx.ctx, account, id); err != nil {
			return fmt.Errorf("storage: delete idempotency keys of profile %s: %w", id, err)
		}
		return nil
	})
}

// List returns up to limit profiles of account, newest first, after the
// profile with id startingAfter (none: from the newest), and whether more
// follow.
func (s *ProfileStore) List(ctx context.Context, account string, limit int, startingAfter string) ([]*profile.Profile, bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	if limit < 1 {
		return nil, false, fmt.Errorf("storage: list profiles: limit %d is not positive", limit)
	}
	rctx := noCancel(ctx)
	var before int64 = math.MaxInt64
	if startingAfter != "" {
		err := s.db.rs.seqOf.QueryRowContext(rctx, account, startingAfter).Scan(&before)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, false, notFound(startingAfter)
		}
		if err != nil {
			return nil, false, fmt.Errorf("storage: list profiles: %w", err)
		}
	}
	rows, err := s.db.rs.list.QueryContext(rctx, account, before, limit+1)
	if err != nil {
		return nil, false, fmt.Errorf("storage: list profiles: %w", err)
	}
	defer rows.Close()
	ps := make([]*profile.Profile, 0, min(limit+1, 101))
	ad := make([]byte, 0, 96)
	for rows.Next() {
		var r profileRow
		if err := r.scan(rows); err != nil {
			return nil, false, fmt.Errorf("storage: list profiles: %w", err)
		}
		if len(ps) == limit {
			return ps, true, rows.Close()
		}
		p, err := s.db.decode(account, &r, ad[:0])
		if err != nil {
			return nil, false, err
		}
		ps = append(ps, p)
	}
	if err := rows.Err(); err != nil {
		return nil, false, fmt.Errorf("storage: list profiles: %w", err)
	}
	return ps, false, nil
}

// purgeIdempotency forgets idempotency keys older than
// [profile.IdempotencyTTL].
func (db *DB) purgeIdempotency(ctx context.Context) (int64, error) {
	var n int64
	err := db.w.do(ctx, func(tx *wtx) error {
		cutoff := tx.db.now().Add(-profile.IdempotencyTTL).Unix()
		res, err := tx.conn.ExecContext(tx.ctx, tx.db.wdb.Rebind("DELETE FROM idempotency_keys WHERE created_at <= ?"), cutoff)
		if err != nil {
			return fmt.Errorf("storage: purge idempotency keys: %w", err)
		}
		n, _ = res.RowsAffected()
		return nil
	})
	return n, err
}
