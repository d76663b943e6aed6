package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/palja/palja/storage/internal/schema"

	"github.com/jackc/pgx/v5"

	"github.com/palja/palja/auth"
	"github.com/palja/palja/profile"
)

// A DB keeps accounts and their API keys itself: it is an
// [auth.KeyStore]. Only the SHA-256 of a secret is stored ([auth.Hash]).
var _ auth.KeyStore = (*DB)(nil)

const (
	accountPrefix = "acct_"
	selectKey     = "SELECT id, account_id, name, prefix, rate, burst, created_at, last_used_at, revoked_at FROM api_keys"
	// firstKeyLock names the advisory lock under which the first API key
	// of a database is created.
	firstKeyLock = "palja first api key"
)

// keyRow is a row of api_keys as selectKey selects it.
type keyRow struct{ schema.KeyRow }

func (r *keyRow) scan(row pgx.Row) error { return row.Scan(r.Dest()...) }

// limitArgs returns rate and burst as query arguments: NULL for 0, the
// server's default.
func limitArgs(rate float64, burst int) (r, b any) {
	if rate != 0 {
		r = rate
	}
	if burst != 0 {
		b = int32(burst)
	}
	return r, b
}

// CreateKey creates an API key named name in account, or in a new account
// when account is "", and returns its secret, which is not stored and
// cannot be shown again. rate and burst 0 mean the server's defaults. An
// unknown account is an error wrapping [profile.ErrNotFound].
func (db *DB) CreateKey(ctx context.Context, name, account string, rate float64, burst int) (string, *auth.APIKey, error) {
	if err := auth.CheckKey(name, rate, burst); err != nil {
		return "", nil, fmt.Errorf("postgres: create key: %w", err)
	}
	secret, k := auth.NewKey(name, rate, burst)
	if err := db.inTx(ctx, func(tx pgx.Tx) error { return db.insertKey(ctx, tx, k, secret, account) }); err != nil {
		return "", nil, err
	}
	return secret, k, nil
}

// CreateFirstKey creates an API key named name in a new account, with the
// server's default limits, if and only if the database holds no API key
// at all (revoked ones count). The check and the insert are one
// transaction under an advisory lock, so of several processes calling it
// on one new database exactly one creates a key.
func (db *DB) CreateFirstKey(ctx context.Context, name string) (secret string, key *auth.APIKey, created bool, err error) {
	if err := auth.CheckKey(name, 0, 0); err != nil {
		return "", nil, false, fmt.Errorf("postgres: create first key: %w", err)
	}
	secret, k := auth.NewKey(name, 0, 0)
	err = db.inTx(ctx, func(tx pgx.Tx) error {
		created = false
		if err := advisoryLock(ctx, tx, firstKeyLock); err != nil {
			return err
		}
		var exists bool
		if err := tx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM api_keys)").Scan(&exists); err != nil {
			return fmt.Errorf("postgres: create first key: %w", err)
		}
		if exists {
			return nil
		}
		if err := db.insertKey(ctx, tx, k, secret, ""); err != nil {
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
// account when account is "", and sets k's AccountID and CreatedAt.
func (db *DB) insertKey(ctx context.Context, tx pgx.Tx, k *auth.APIKey, secret, account string) error {
	hash := auth.Hash(secret)
	r, b := limitArgs(k.Rate, k.Burst)
	now := db.now().Unix()
	if account == "" {
		account = profile.NewID(accountPrefix)
		if _, err := tx.Exec(ctx, "INSERT INTO accounts (id, created_at) VALUES ($1, $2)", account, now); err != nil {
			return fmt.Errorf("postgres: create account: %w", err)
		}
	} else {
		var exists bool
		if err := tx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM accounts WHERE id = $1)", account).Scan(&exists); err != nil {
			return fmt.Errorf("postgres: create key: %w", err)
		}
		if !exists {
			return fmt.Errorf("postgres: create key: account %q: %w", account, profile.ErrNotFound)
		}
	}
	_, err := tx.Exec(ctx, "INSERT INTO api_keys (id, account_id, name, prefix, hash, rate, burst, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
		k.ID, account, k.Name, k.Prefix, hash[:], r, b, now)
	if err != nil {
		return fmt.Errorf("postgres: create key: %w", err)
	}
	k.AccountID, k.CreatedAt = account, time.Unix(now, 0).UTC()
	return nil
}

// ActiveKeyHashes returns the hash of every key not revoked (see
// [auth.KeyLister]).
func (db *DB) ActiveKeyHashes(ctx context.Context) ([][32]byte, error) {
	rows, err := db.pool.Query(ctx, "SELECT hash FROM api_keys WHERE revoked_at IS NULL")
	if err != nil {
		return nil, fmt.Errorf("postgres: active key hashes: %w", err)
	}
	defer rows.Close()
	var hashes [][32]byte
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			return nil, fmt.Errorf("postgres: active key hashes: %w", err)
		}
		if len(b) == 32 {
			hashes = append(hashes, [32]byte(b))
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: active key hashes: %w", err)
	}
	return hashes, nil
}

var _ auth.KeyLister = (*DB)(nil)

// ListKeys returns every API key, revoked ones included, oldest first.
func (db *DB) ListKeys(ctx context.Context) ([]auth.APIKey, error) {
	rows, err := db.pool.Query(ctx, selectKey+" ORDER BY seq")
	if err != nil {
		return nil, fmt.Errorf("postgres: list keys: %w", err)
	}
	defer rows.Close()
	var keys []auth.APIKey
	for rows.Next() {
		var r keyRow
		if err := r.scan(rows); err != nil {
			return nil, fmt.Errorf("postgres: list keys: %w", err)
		}
		keys = append(keys, *r.Key())
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: list keys: %w", err)
	}
	return keys, nil
}

// RevokeKey revokes the key with that id; revoking it again changes
// nothing. An unknown id is an error wrapping [profile.ErrNotFound].
func (db *DB) RevokeKey(ctx context.Context, id string) error {
	return db.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, "UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL", db.now().Unix(), id)
		if err != nil {
			return fmt.Errorf("postgres: revoke key: %w", err)
		}
		if tag.RowsAffected() > 0 {
			return nil
		}
		return keyExists(ctx, tx, id)
	})
}

// SetKeyLimits changes the limits of a key that are not nil, leaving the
// other as it is, in one statement, and returns the key's limits
// afterwards. 0 restores the server's default. An unknown id is an error
// wrapping [profile.ErrNotFound].
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
		return 0, 0, fmt.Errorf("postgres: set key limits: %w", err)
	}
	r, b := limitArgs(r0, b0)
	var newRate sql.NullFloat64
	var newBurst sql.NullInt64
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, "UPDATE api_keys SET rate = CASE WHEN $1 THEN $2::double precision ELSE rate END, "+
			"burst = CASE WHEN $3 THEN $4::integer ELSE burst END WHERE id = $5 RETURNING rate, burst",
			rate != nil, r, burst != nil, b, id).Scan(&newRate, &newBurst)
		if errors.Is(err, pgx.ErrNoRows) {
			return keyExists(ctx, tx, id)
		}
		if err != nil {
			return fmt.Errorf("postgres: set key limits: %w", err)
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
func keyExists(ctx context.Context, tx pgx.Tx, id string) error {
	var exists bool
	if err := tx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM api_keys WHERE id = $1)", id).Scan(&exists); err != nil {
		return fmt.Errorf("postgres: key %s: %w", id, err)
	}
	if !exists {
		return fmt.Errorf("postgres: key %s: %w", id, profile.ErrNotFound)
	}
	return nil
}

// KeyByHash returns the key whose secret hashes to hash, revoked or not, or
// an error wrapping [auth.ErrUnauthorized] when there is none.
func (db *DB) KeyByHash(ctx context.Context, hash [32]byte) (*auth.APIKey, error) {
	var r keyRow
	err := r.scan(db.pool.QueryRow(ctx, selectKey+" WHERE hash = $1", hash[:]))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("postgres: key by hash: %w", auth.ErrUnauthorized)
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: key by hash: %w", err)
	}
	return r.Key(), nil
}

// TouchKey records that the key was used at t, unless a later use is
// already recorded.
func (db *DB) TouchKey(ctx context.Context, id string, t time.Time) error {
	_, err := db.pool.Exec(ctx, "UPDATE api_keys SET last_used_at = $1 WHERE id = $2 AND (last_used_at IS NULL OR last_used_at < $1)", t.Unix(), id)
	if err != nil {
		return fmt.Errorf("postgres: touch key: %w", err)
	}
	return nil
}
