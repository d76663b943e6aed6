package postgres

import (
	"context"
	"fmt"

	"github.com/palja/palja/crypto"
	"github.com/palja/palja/storage/sealed"
)

// verifyKeys verifies kr against the database before anything is served
// (see [sealed.Sealer.VerifyCheck]), as storage/sqlite does: every stored
// check value whose key is in the ring must open, and a key of the ring
// without a check value but with profiles (a database from before
// key_checks) must open one of them. The primary key's check value is then
// written if it is missing, unless passive (ON CONFLICT DO NOTHING), and
// everything verified again, so that of two instances starting together
// with other material under one new id, the second is refused.
func (db *DB) verifyKeys(ctx context.Context, passive bool) error {
	missing, err := db.verifyChecks(ctx)
	if err != nil || !missing || passive {
		return err
	}
	id, check := db.sl.SealCheck()
	if _, err := db.pool.Exec(ctx, "INSERT INTO key_checks (key_id, sealed, created_at) VALUES ($1, $2, $3) ON CONFLICT (key_id) DO NOTHING",
		id, check, db.now().Unix()); err != nil {
		return fmt.Errorf("record key check: %w", err)
	}
	_, err = db.verifyChecks(ctx)
	return err
}

// Activate does what Open leaves out with [Options.Passive]: it records
// the primary key's check value if it is missing, after verifying the
// stored ones again, so that the key counts as in use (see
// [DB.Reencrypt]). serve calls it at start.
func (db *DB) Activate(ctx context.Context) error {
	if err := db.verifyKeys(ctx, false); err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	return nil
}

// primaryInUse fails with [sealed.ErrKeyNotInUse] unless the primary
// key's check value is recorded: a server has run with it.
func (db *DB) primaryInUse(ctx context.Context) error {
	var n int
	if err := db.pool.QueryRow(ctx, "SELECT COUNT(*) FROM key_checks WHERE key_id = $1", string(db.sl.Primary())).Scan(&n); err != nil {
		return fmt.Errorf("read key checks: %w", err)
	}
	if n == 0 {
		return sealed.KeyNotInUse(string(db.sl.Primary()))
	}
	return nil
}

// verifyChecks verifies what is stored and reports whether the primary
// key's check value is missing.
func (db *DB) verifyChecks(ctx context.Context) (primaryMissing bool, err error) {
	kr := db.kr
	rows, err := db.pool.Query(ctx, "SELECT key_id, sealed FROM key_checks")
	if err != nil {
		return false, fmt.Errorf("read key checks: %w", err)
	}
	checked := map[string]bool{}
	for rows.Next() {
		var id string
		var check []byte
		if err := rows.Scan(&id, &check); err != nil {
			rows.Close()
			return false, fmt.Errorf("read key checks: %w", err)
		}
		if err := db.sl.VerifyCheck(id, check); err != nil {
			rows.Close()
			return false, err
		}
		checked[id] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return false, fmt.Errorf("read key checks: %w", err)
	}
	for _, id := range kr.IDs() {
		if !checked[string(id)] {
			if err := db.verifyOnProfiles(ctx, id); err != nil {
				return false, err
			}
		}
	}
	return !checked[string(kr.Primary())], nil
}

// verifyOnProfiles opens up to three profiles sealed under key id: the key
// is the wrong one if there are some and none opens.
func (db *DB) verifyOnProfiles(ctx context.Context, id crypto.KeyID) error {
	rows, err := db.pool.Query(ctx, "SELECT account_id, id, sealed FROM profiles WHERE key_id = $1 LIMIT 3", string(id))
	if err != nil {
		return fmt.Errorf("read profiles of key %q: %w", id, err)
	}
	defer rows.Close()
	seen, opened := 0, false
	for rows.Next() {
		var account string
		var r sealed.Row
		if err := rows.Scan(&account, &r.ID, &r.Sealed); err != nil {
			return fmt.Errorf("read profiles of key %q: %w", id, err)
		}
		seen++
		if _, err := db.sl.OpenProfile(nil, account, &r); err == nil {
			opened = true
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read profiles of key %q: %w", id, err)
	}
	if seen > 0 && !opened {
		return sealed.WrongKey(string(id))
	}
	return nil
}
