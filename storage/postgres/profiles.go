package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/palja/palja/storage/internal/schema"

	"github.com/jackc/pgx/v5"

	"github.com/palja/palja/profile"
	"github.com/palja/palja/storage/sealed"
)

// ProfileStore is the [profile.Store] of a [DB], from [DB.Profiles].
type ProfileStore struct {
	db *DB
}

var _ profile.Store = (*ProfileStore)(nil)

const (
	selectProfile    = "SELECT seq, id, external_id, sealed, version, created_at, updated_at FROM profiles WHERE account_id = $1 AND "
	byID             = "id = $2"
	byExternalID     = "external_id = $2"
	uniqueExternal   = "profiles_account_external_id"
	sqlInsertIdem    = "INSERT INTO idempotency_keys (account_id, key, fingerprint, profile_id, created_at) VALUES ($1, $2, $3, $4, $5) " + "ON CONFLICT (account_id, key) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, profile_id = EXCLUDED.profile_id, created_at = EXCLUDED.created_at"
	sqlInsertProfile = "INSERT INTO profiles (id, account_id, external_id, key_id, sealed, version, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
)

// profileRow is a row of profiles as selected by selectProfile.
type profileRow struct {
	Seq int64
	sealed.Row
}

func (r *profileRow) scan(row pgx.Row) error {
	return row.Scan(&r.Seq, &r.ID, &r.ExternalID, &r.Sealed, &r.Version, &r.CreatedAt, &r.UpdatedAt)
}

// queryer is a pool or a transaction.
type queryer interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// get reads and opens the profile named by ref in account; with lock, the
// row is locked FOR UPDATE (q is then a transaction).
func (db *DB) get(ctx context.Context, q queryer, account, ref string, lock bool, r *profileRow) (*profile.Profile, error) {
	query := selectProfile + byExternalID
	if profile.IsID(ref) {
		query = selectProfile + byID
	}
	if lock {
		query += " FOR UPDATE"
	}
	err := r.scan(q.QueryRow(ctx, query, account, ref))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, sealed.NotFound(ref)
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: get profile: %w", err)
	}
	return db.sl.OpenProfile(nil, account, &r.Row)
}

// Create stores p as a new profile; see [profile.Store]. With idem, the
// transaction first takes an advisory lock on (account, Idempotency-Key),
// so that concurrent retries, in any process, wait for the first and
// replay it.
func (s *ProfileStore) Create(ctx context.Context, p *profile.Profile, idem *profile.Idempotency) (*profile.Profile, bool, error) {
	if p == nil || p.AccountID == "" || !profile.IsID(p.ID) {
		return nil, false, errors.New("postgres: create profile: missing id or account")
	}
	db := s.db
	var buf sealed.Buffers
	var prior *profile.Profile
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		prior = nil
		now := db.now().Unix()
		if idem != nil {
			if err := advisoryLock(ctx, tx, "idempotency|"+p.AccountID+"|"+idem.Key); err != nil {
				return err
			}
			var err error
			if prior, err = db.replay(ctx, tx, &buf, p.AccountID, idem, now); err != nil || prior != nil {
				return err
			}
		}
		ct, err := db.sl.SealProfile(&buf, p)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, sqlInsertProfile, p.ID, p.AccountID, schema.Nullable(p.ExternalID), string(db.sl.Primary()), ct,
			p.Version, p.CreatedAt.Unix(), p.UpdatedAt.Unix())
		switch {
		case isUniqueViolation(err, uniqueExternal):
			return sealed.ExternalIDTaken()
		case isForeignKeyViolation(err):
			return fmt.Errorf("postgres: create profile %s: no account %s", p.ID, p.AccountID)
		case err != nil:
			return fmt.Errorf("postgres: create profile: %w", err)
		}
		if idem != nil {
			fp := db.sl.SealFingerprint(&buf, p.AccountID, idem)
			if _, err := tx.Exec(ctx, sqlInsertIdem, p.AccountID, idem.Key, fp, p.ID, now); err != nil {
				return fmt.Errorf("postgres: record idempotency key: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	if prior != nil {
		return prior, true, nil
	}
	p.CreatedAt = time.Unix(p.CreatedAt.Unix(), 0).UTC() // as it is stored
	p.UpdatedAt = time.Unix(p.UpdatedAt.Unix(), 0).UTC()
	return p, false, nil
}

// replay returns the profile that idem's key created in account, if it is
// to be replayed, or nil when the create goes ahead (see
// [sealed.Sealer.Replay]). The caller holds the key's advisory lock.
func (db *DB) replay(ctx context.Context, tx pgx.Tx, buf *sealed.Buffers, account string, idem *profile.Idempotency, now int64) (*profile.Profile, error) {
	var rec sealed.IdempotencyRecord
	err := tx.QueryRow(ctx, "SELECT fingerprint, profile_id, created_at FROM idempotency_keys WHERE account_id = $1 AND key = $2",
		account, idem.Key).Scan(&rec.Fingerprint, &rec.ProfileID, &rec.CreatedAt)
	var found *sealed.IdempotencyRecord
	switch {
	case err == nil:
		found = &rec
	case !errors.Is(err, pgx.ErrNoRows):
		return nil, fmt.Errorf("postgres: read idempotency key: %w", err)
	}
	id, err := db.sl.Replay(buf, account, idem, found, now)
	if err != nil || id == "" {
		return nil, err
	}
	var r profileRow
	p, err := db.get(ctx, tx, account, id, false, &r)
	if errors.Is(err, profile.ErrNotFound) {
		return nil, nil // an older version kept the key of a deleted profile
	}
	return p, err
}

// Get returns the profile named by ref in account.
func (s *ProfileStore) Get(ctx context.Context, account, ref string) (*profile.Profile, error) {
	var r profileRow
	return s.db.get(ctx, s.db.pool, account, ref, false, &r)
}

// Update reads the profile named by ref with SELECT … FOR UPDATE, lets fn
// change it and writes it back in the same transaction; see
// [profile.Store]. fn must not call the store.
func (s *ProfileStore) Update(ctx context.Context, account, ref string, fn func(*profile.Profile) error) (*profile.Profile, error) {
	db := s.db
	var out *profile.Profile
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		var r profileRow
		p, err := db.get(ctx, tx, account, ref, true, &r)
		if err != nil {
			return err
		}
		if err := sealed.Update(p, account, db.now(), fn); err != nil {
			return err
		}
		var buf sealed.Buffers
		ct, err := db.sl.SealProfile(&buf, p)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, "UPDATE profiles SET external_id = $1, key_id = $2, sealed = $3, version = $4, updated_at = $5 WHERE seq = $6",
			schema.Nullable(p.ExternalID), string(db.sl.Primary()), ct, p.Version, p.UpdatedAt.Unix(), r.Seq)
		switch {
		case isUniqueViolation(err, uniqueExternal):
			return sealed.ExternalIDTaken()
		case err != nil:
			return fmt.Errorf("postgres: update profile: %w", err)
		}
		out = p
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Delete removes the profile named by ref and the idempotency keys that
// created it, with the row locked FOR UPDATE while precondition looks at
// its version; see [profile.Store].
func (s *ProfileStore) Delete(ctx context.Context, account, ref string, precondition func(version int64) error) error {
	db := s.db
	return db.inTx(ctx, func(tx pgx.Tx) error {
		query := "SELECT seq, id, version FROM profiles WHERE account_id = $1 AND " + byExternalID + " FOR UPDATE"
		if profile.IsID(ref) {
			query = "SELECT seq, id, version FROM profiles WHERE account_id = $1 AND " + byID + " FOR UPDATE"
		}
		var seq, version int64
		var id string
		err := tx.QueryRow(ctx, query, account, ref).Scan(&seq, &id, &version)
		if errors.Is(err, pgx.ErrNoRows) {
			return sealed.NotFound(ref)
		}
		if err != nil {
			return fmt.Errorf("postgres: delete profile: %w", err)
		}
		if precondition != nil {
			if err := precondition(version); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, "DELETE FROM idempotency_keys WHERE account_id = $1 AND profile_id = $2", account, id); err != nil {
			return fmt.Errorf("postgres: delete idempotency keys: %w", err)
		}
		if _, err := tx.Exec(ctx, "DELETE FROM profiles WHERE seq = $1", seq); err != nil {
			return fmt.Errorf("postgres: delete profile: %w", err)
		}
		return nil
	})
}

// List returns up to limit profiles of account, newest first (by seq),
// after the profile with id startingAfter; see [profile.Store].
func (s *ProfileStore) List(ctx context.Context, account string, limit int, startingAfter string) ([]*profile.Profile, bool, error) {
	if limit < 1 {
		return nil, false, fmt.Errorf("postgres: list profiles: limit %d is not positive", limit)
	}
	db := s.db
	var rows pgx.Rows
	var err error
	if startingAfter == "" {
		rows, err = db.pool.Query(ctx, "SELECT seq, id, external_id, sealed, version, created_at, updated_at FROM profiles "+
			"WHERE account_id = $1 ORDER BY seq DESC LIMIT $2", account, limit+1)
	} else {
		var before int64
		err = db.pool.QueryRow(ctx, "SELECT seq FROM profiles WHERE account_id = $1 AND id = $2", account, startingAfter).Scan(&before)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, false, sealed.NotFound(startingAfter)
		}
		if err != nil {
			return nil, false, fmt.Errorf("postgres: list profiles: %w", err)
		}
		rows, err = db.pool.Query(ctx, "SELECT seq, id, external_id, sealed, version, created_at, updated_at FROM profiles "+
			"WHERE account_id = $1 AND seq < $2 ORDER BY seq DESC LIMIT $3", account, before, limit+1)
	}
	if err != nil {
		return nil, false, fmt.Errorf("postgres: list profiles: %w", err)
	}
	defer rows.Close()
	var got []profileRow
	for rows.Next() {
		var r profileRow
		if err := r.scan(rows); err != nil {
			return nil, false, fmt.Errorf("postgres: list profiles: %w", err)
		}
		got = append(got, r)
	}
	if err := rows.Err(); err != nil {
		return nil, false, fmt.Errorf("postgres: list profiles: %w", err)
	}
	more := len(got) > limit
	if more {
		got = got[:limit]
	}
	ps := make([]*profile.Profile, 0, len(got))
	var buf sealed.Buffers
	for i := range got {
		p, err := db.sl.OpenProfile(&buf, account, &got[i].Row)
		if err != nil {
			return nil, false, err
		}
		ps = append(ps, p)
	}
	return ps, more, nil
}
