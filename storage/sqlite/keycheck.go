package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/palja/palja/crypto"
	"github.com/palja/palja/storage/internal/schema"
	"github.com/palja/palja/storage/sealed"
)

// verifyKeys verifies the keyring against the database before anything is
// served (see [sealed.Sealer.VerifyCheck]): every stored check value whose
// key is in the ring must open; a key of the ring without a check value but
// with profiles (a database from before key_checks) must open one of them.
// The primary key's check value is then written if it is missing, in a
// write transaction that verifies again what a concurrent process may have
// written first. Nothing is written, and no write lock taken, when the
// check values are all there.
func (db *DB) verifyKeys(ctx context.Context, conn *sql.Conn) error {
	missing, err := db.verifyChecks(ctx, conn)
	if err != nil || !missing || db.opts.Passive {
		return err
	}
	return db.recordKey(ctx, conn)
}

// Activate does what Open leaves out with [Options.Passive]: it records the
// primary key's check value if it is missing, after verifying the stored
// ones again, so that the key counts as in use (see [DB.Reencrypt]), and
// purges the expired Idempotency-Keys (best effort). serve calls it at
// start.
func (db *DB) Activate(ctx context.Context) error {
	db.purgeIdempotency(ctx)
	return db.w.do(ctx, func(tx *wtx) error { return db.recordCheck(tx.ctx, tx.conn) })
}

// recordKey is Activate's record on conn, before the writer runs.
func (db *DB) recordKey(ctx context.Context, conn *sql.Conn) error {
	return inTx(ctx, conn, func() error { return db.recordCheck(ctx, conn) })
}

// recordCheck verifies what is stored and records the primary key's check
// value if it is missing; conn is in a write transaction.
func (db *DB) recordCheck(ctx context.Context, conn *sql.Conn) error {
	missing, err := db.verifyChecks(ctx, conn)
	if err != nil || !missing {
		return err
	}
	id, check := db.sl.SealCheck()
	_, err = conn.ExecContext(ctx, "INSERT INTO key_checks (key_id, sealed, created_at) VALUES (?, ?, ?)", id, check, db.now().Unix())
	return err
}

// verifyChecks reads the stored check values and verifies the keyring
// against them ([sealed.Sealer.VerifyKeys]); it reports whether the primary
// key's check value is missing.
func (db *DB) verifyChecks(ctx context.Context, conn *sql.Conn) (primaryMissing bool, err error) {
	rows, err := conn.QueryContext(ctx, "SELECT key_id, sealed FROM key_checks")
	if err != nil {
		return false, fmt.Errorf("read key checks: %w", err)
	}
	checks, err := schema.CheckValues(rows)
	rows.Close() // before the samples' query on the same connection
	if err != nil {
		return false, err
	}
	return db.sl.VerifyKeys(checks, func(id crypto.KeyID) ([]sealed.KeySample, error) {
		rows, err := conn.QueryContext(ctx, "SELECT account_id, id, sealed FROM profiles WHERE key_id = ? LIMIT 3", string(id))
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

// ErrKeyNotInUse is [DB.Reencrypt] refusing to re-seal under a primary key
// that no server has run with yet.
// It is [sealed.ErrKeyNotInUse], shared with storage/postgres.
var ErrKeyNotInUse = sealed.ErrKeyNotInUse

// primaryInUse fails with [ErrKeyNotInUse] unless the primary key's check
// value is recorded: a server (Open without Passive, or Activate) has run with it.
func (db *DB) primaryInUse(ctx context.Context) error {
	var n int
	if err := db.rdb.GetContext(ctx, &n, db.rdb.Rebind("SELECT COUNT(*) FROM key_checks WHERE key_id = ?"), string(db.sl.Primary())); err != nil {
		return fmt.Errorf("read key checks: %w", err)
	}
	if n == 0 {
		return sealed.KeyNotInUse(string(db.sl.Primary()))
	}
	return nil
}
