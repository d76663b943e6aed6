package postgres

import (
	"context"
	"fmt"

	"github.com/palja/palja/crypto"
	"github.com/palja/palja/storage/internal/schema"
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

// verifyChecks reads the stored check values and verifies the keyring
// against them ([sealed.Sealer.VerifyKeys]); it reports whether the primary
// key's check value is missing.
func (db *DB) verifyChecks(ctx context.Context) (primaryMissing bool, err error) {
	rows, err := db.pool.Query(ctx, "SELECT key_id, sealed FROM key_checks")
	if err != nil {
		return false, fmt.Errorf("read key checks: %w", err)
	}
	checks, err := schema.CheckValues(rows)
	rows.Close()
	if err != nil {
		return false, err
	}
	return db.sl.VerifyKeys(checks, func(id crypto.KeyID) ([]sealed.KeySample, error) {
		rows, err := db.pool.Query(ctx, "SELECT account_id, id, sealed FROM profiles WHERE key_id = $1 LIMIT 3", string(id))
		if err != nil {
			return nil, fmt.Errorf("read profiles of key %q: %w", id, err)
		}
		defer rows.Close()
		samples, err := schema.KeySamples(rows)
		if err != nil {
			return nil, fmt.Errorf("read profiles of key %q: %w", id, err)
		}
		return samples, nil
	})
}
