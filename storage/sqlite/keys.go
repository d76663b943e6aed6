package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/palja/palja/auth"
	"github.com/palja/palja/profile"
	"github.com/palja/palja/storage/internal/schema"
)

// A DB keeps accounts and their API keys itself: it is a
// [auth.KeyStore]. Only the SHA-256 of a secret is stored
// ([auth.Hash]).
var _ auth.KeyStore = (*DB)(nil)

const (
	accountPrefix = "acct_"
)

// keyRow is a row of api_keys as selectKey selects it.
type keyRow struct{ schema.KeyRow }

// scan reads a row selected by selectKey.
func (r *keyRow) scan(s scanner) error { return s.Scan(r.Dest()...) }

// limitArgs returns rate and burst as query arguments: NULL for 0, the
// server's default.
func limitArgs(rate float64, burst int) (r, b any) {
	if rate != 0 {
		r = rate
	}
	if burst != 0 {
		b = int64(burst)
	}
	return r, b
}

// CreateKey creates an API key named name in account, or in a new account
// when account is "", and returns its secret, which is not stored and
// cannot be shown again. rate and burst 0 mean the server's defaults. An
// unknown account is an error wrapping [profile.ErrNotFound].
func (db *DB) CreateKey(ctx context.Context, name, account string, rate float64, burst int) (string, *auth.APIKey, error) {
	if err := auth.CheckKey(name, rate, burst); err != nil {
		return "", nil, fmt.Errorf("sqlite: create key: %w", err)
	}
	secret, k := auth.NewKey(name, rate, burst)
	err := db.w.do(ctx, func(tx *wtx) error {
		return tx.insertKey(k, secret, account)
	})
	if err != nil {
		return "", nil, err
	}
	return secret, k, nil
}

// CreateFirstKey creates an API key named name in a new account, with the
// server's default limits, if and only if the database holds no API key
// at all (revoked ones count). The check and the insert are one write
// transaction, which takes the database's write lock at BEGIN, so of
// several processes or handles calling it on one new database exactly one
// creates a key. created is false, with no key and no error, when a key
// existed already. The secret is not stored and cannot be shown again.
func (db *DB) CreateFirstKey(ctx context.Context, name string) (secret string, key *auth.APIKey, created bool, err error) {
	if err := auth.CheckKey(name, 0, 0); err != nil {
		return "", nil, false, fmt.Errorf("sqlite: create first key: %w", err)
	}
	secret, k := auth.NewKey(name, 0, 0)
	err = db.w.do(ctx, func(tx *wtx) error {
		var n int
		created = false
		if err := tx.conn.QueryRowContext(tx.ctx, "SELECT COUNT(*) FROM (SELECT 1 FROM api_keys LIMIT 1)").Scan(&n); err != nil {
			return fmt.Errorf("sqlite: create first key: %w", err)
		}
		if n > 0 {
			return nil
		}
		if err := tx.insertKey(k, secret, ""); err != nil {
			return err
		}
		created = true
		return nil
	})
	if err != nil || !created {
		return "", nil, false, err
	}
	return secret, k, true, nil
}

// insertKey stores k, whose secret is secret, in account, or in a new
// account when account is "", and sets k's AccountID and CreatedAt. An
// unknown account is an error wrapping [profile.ErrNotFound].
func (tx *wtx) insertKey(k *auth.APIKey, secret, account string) error {
	hash := auth.Hash(secret)
	r, b := limitArgs(k.Rate, k.Burst)
	acct := account
	now := tx.db.now().Unix()
	if acct == "" {
		acct = profile.NewID(accountPrefix)
		_, err := tx.conn.ExecContext(tx.ctx, tx.db.wdb.Rebind("INSERT INTO accounts (id, created_at) VALUES (?, ?)"), acct, now)
		if err != nil {
			return fmt.Errorf("sqlite: create account: %w", err)
		}
	} else {
		var n int
		err := tx.conn.QueryRowContext(tx.ctx, tx.db.wdb.Rebind("SELECT COUNT(*) FROM accounts WHERE id = ?"), acct).Scan(&n)
		if err != nil {
			return fmt.Errorf("sqlite: create key: %w", err)
		}
		if n == 0 {
			return fmt.Errorf("sqlite: create key: account %q: %w", acct, profile.ErrNotFound)
		}
	}
	_, err := tx.conn.ExecContext(tx.ctx, tx.db.wdb.Rebind(
		"INSERT INTO api_keys (id, account_id, name, prefix, hash, rate, burst, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"),
		k.ID, acct, k.Name, k.Prefix, hash[:], r, b, now)
	if err != nil {
		return fmt.Errorf("sqlite: create key: %w", err)
	}
	k.AccountID, k.CreatedAt = acct, time.Unix(now, 0).UTC()
	return nil
}

// ListKeys returns every API key, revoked ones included, oldest first.
func (db *DB) ListKeys(ctx context.Context) ([]auth.APIKey, error) {
	var rows []keyRow
	if err := db.rdb.SelectContext(ctx, &rows, selectKey+" ORDER BY created_at, id"); err != nil {
		return nil, fmt.Errorf("sqlite: list keys: %w", err)
	}
	keys := make([]auth.APIKey, len(rows))
	for i := range rows {
		keys[i] = *rows[i].Key()
	}
	return keys, nil
}

// ActiveKeyHashes returns the hash of every key not revoked (see
// [auth.KeyLister]).
func (db *DB) ActiveKeyHashes(ctx context.Context) ([][32]byte, error) {
	var blobs [][]byte
	if err := db.rdb.SelectContext(ctx, &blobs, "SELECT hash FROM api_keys WHERE revoked_at IS NULL"); err != nil {
		return nil, fmt.Errorf("sqlite: active key hashes: %w", err)
	}
	hashes := make([][32]byte, 0, len(blobs))
	for _, b := range blobs {
		if len(b) == 32 {
			hashes = append(hashes, [32]byte(b))
		}
	}
	return hashes, nil
}

var _ auth.KeyLister = (*DB)(nil)

// CountKeys returns how many API keys exist, revoked ones included.
func (db *DB) CountKeys(ctx context.Context) (int, error) {
	var n int
	if err := db.rdb.GetContext(ctx, &n, "SELECT COUNT(*) FROM api_keys"); err != nil {
		return 0, fmt.Errorf("sqlite: count keys: %w", err)
	}
	return n, nil
}

// RevokeKey revokes the key with that id; revoking it again changes
// nothing. An unknown id is an error wrapping [profile.ErrNotFound].
func (db *DB) RevokeKey(ctx context.Context, id string) error {
	return db.w.do(ctx, func(tx *wtx) error {
		res, err := tx.conn.ExecContext(tx.ctx, tx.db.wdb.Rebind(
			"UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL"), tx.db.now().Unix(), id)
		if err != nil {
			return fmt.Errorf("sqlite: revoke key: %w", err)
		}
		if n, _ := res.RowsAffected(); n > 0 {
			return nil
		}
		return tx.keyExists(id)
	})
}

// SetKeyLimits changes the limits of a key that are not nil, leaving the
// other as it is, in one statement (two concurrent changes of different
// limits both take effect), and returns the key's limits afterwards. 0
// restores the server's default. An unknown id is an error wrapping
// [profile.ErrNotFound].
func (db *DB) SetKeyLimits(ctx context.Context, id string, rate *float64, burst *int) (float64, int, error) {
	var r0 float64
	var b0 int
	if rate != nil {
		r0 = *rate
	}
	if burst != nil {
		b0 = *burst
	}
	if err := auth.CheckLimits(r0, b0); err != nil {
		return 0, 0, fmt.Errorf("sqlite: set key limits: %w", err)
	}
	r, b := limitArgs(r0, b0)
	var newRate sql.NullFloat64
	var newBurst sql.NullInt64
	err := db.w.do(ctx, func(tx *wtx) error {
		err := tx.conn.QueryRowContext(tx.ctx, tx.db.wdb.Rebind(
			"UPDATE api_keys SET rate = CASE WHEN ? THEN ? ELSE rate END, burst = CASE WHEN ? THEN ? ELSE burst END "+
				"WHERE id = ? RETURNING rate, burst"),
			rate != nil, r, burst != nil, b, id).Scan(&newRate, &newBurst)
		if errors.Is(err, sql.ErrNoRows) {
			return tx.keyExists(id)
		}
		if err != nil {
			return fmt.Errorf("sqlite: set key limits: %w", err)
		}
		return nil
	})
	if err != nil {
		return 0, 0, err
	}
	return newRate.Float64, int(newBurst.Int64), nil
}

// keyExists returns nil if the key exists, else an error wrapping
// [profile.ErrNotFound].
func (tx *wtx) keyExists(id string) error {
	var n int
	err := tx.conn.QueryRowContext(tx.ctx, tx.db.wdb.Rebind("SELECT COUNT(*) FROM api_keys WHERE id = ?"), id).Scan(&n)
	if err != nil {
		return fmt.Errorf("sqlite: key %s: %w", id, err)
	}
	if n == 0 {
		return fmt.Errorf("sqlite: key %s: %w", id, profile.ErrNotFound)
	}
	return nil
}

// KeyByHash returns the key whose secret hashes to hash, revoked or not, or
// an error wrapping [auth.ErrUnauthorized] when there is none.
func (db *DB) KeyByHash(ctx context.Context, hash [32]byte) (*auth.APIKey, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var r keyRow
	err := r.scan(db.rs[stKeyByHash].QueryRowContext(noCancel(ctx), hash[:]))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("sqlite: key by hash: %w", auth.ErrUnauthorized)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: key by hash: %w", err)
	}
	return r.Key(), nil
}

// TouchKey records that the key was used at t, unless a later use is
// already recorded.
func (db *DB) TouchKey(ctx context.Context, id string, t time.Time) error {
	return db.w.do(ctx, func(tx *wtx) error {
		if _, err := tx.st[stTouchKey].ExecContext(tx.ctx, t.Unix(), id, t.Unix()); err != nil {
			return fmt.Errorf("sqlite: touch key: %w", err)
		}
		return nil
	})
}
