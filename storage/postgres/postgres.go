// Package postgres keeps palja's accounts, API keys and profiles in
// PostgreSQL, for distributed mode: several palja processes on one
// database. [DB.Profiles] is its [profile.Store], and a [DB] is itself an
// [auth.KeyStore]. Everything about a sealed row that is not SQL (the
// payload, associated data, sealing, idempotency fingerprints, the step of
// re-encryption) is package storage/sealed's, exactly as for
// storage/sqlite; this package holds the connection pool, the schema and
// the queries. It passes the same conformance suite (storage/storetest).
//
// # Concurrency across processes
//
// Every write is one transaction at READ COMMITTED:
//
//   - Update and Delete read the row with SELECT … FOR UPDATE, so the read,
//     the change and the write of one request are not interleaved with
//     another's, whichever process it runs in: no update is lost, and of
//     two requests with one If-Match exactly one wins.
//   - A create with an Idempotency-Key first takes
//     pg_advisory_xact_lock on (account, key), so that retries arriving at
//     several processes at once are serialized: one creates, the others
//     wait and replay it.
//   - The first API key of a new database is created under an advisory
//     lock too, so that of several processes starting together one
//     creates (and prints) it.
//   - Re-encryption locks each batch of rows it re-seals (FOR UPDATE).
//
// Once a write has sent its statements, its COMMIT runs without the
// request's cancellation: a client that goes away never leaves the outcome
// of a commit unknown (a cancelled COMMIT may or may not have committed).
// Before that, a cancellation rolls the transaction back. Every connection
// sets synchronous_commit to on, so an acknowledged write is durable on
// the server whatever the server's default.
//
// # Migrations
//
// The schema is in migrations/*.sql, embedded. [Open] applies the missing
// ones, each in a transaction, while holding a session advisory lock, so
// processes starting together apply each exactly once; a database whose
// schema is newer than this program knows is refused.
//
// # Encryption at rest
//
// As in storage/sqlite: a profile's personal fields are one ciphertext in
// profiles.sealed, with the id of its key in key_id; idempotency
// fingerprints are sealed too. Only ids, external ids, Idempotency-Keys,
// versions and times are stored in the clear. PostgreSQL does not
// overwrite deleted rows: a deleted profile's ciphertext stays in the
// table's pages until VACUUM reuses them (and in WAL, replicas and
// backups); it is useless without the keys, but this is not secure
// deletion.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/palja/palja/storage/internal/schema"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/palja/palja/crypto"
	"github.com/palja/palja/storage/sealed"
)

// DefaultReencryptBatch is the batch size [DB.Reencrypt] uses for 0.
const DefaultReencryptBatch = 256

// Options tune [Open]. The zero value is the default.
type Options struct {
	// MaxConns is the size of the connection pool. 0 means
	// pool_max_conns from the URL when it has one, else
	// max(16, 4 × GOMAXPROCS): pgxpool's own default (4 on two cores)
	// halved write throughput in measurements, as a write holds its
	// connection for a network round trip per statement.
	MaxConns int32
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// Passive leaves out of Open the write of the primary key's check
	// value (the stored ones are verified all the same): the key then does
	// not count as in use until [DB.Activate], and [DB.Reencrypt] refuses.
	// Commands other than serve open passively, as with storage/sqlite.
	Passive bool
}

// DB is an open palja database on PostgreSQL. It is safe for concurrent
// use by many goroutines and, through the database, by many processes.
type DB struct {
	pool *pgxpool.Pool
	sl   *sealed.Sealer
	kr   *crypto.Keyring
	now  func() time.Time
	opts Options

	profiles ProfileStore

	janitor   *schema.Janitor // the hourly purge of expired idempotency keys
	closeOnce sync.Once
}

// Open connects to the PostgreSQL database at url (a postgres:// URL or a
// key=value connection string, as libpq takes), brings its schema up to
// date, and checks that kr holds every key that stored ciphertexts were
// sealed under. Its errors read "postgres: open: <cause>" and never
// contain the URL's password.
func Open(ctx context.Context, url string, kr *crypto.Keyring, opts Options) (*DB, error) {
	if kr == nil {
		return nil, errors.New("postgres: open: no keyring")
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// pgconn's parse errors may quote the URL: say only what failed.
		return nil, errors.New("postgres: open: the database URL does not parse (want postgres://user:password@host:port/database)")
	}
	switch {
	case opts.MaxConns > 0:
		cfg.MaxConns = opts.MaxConns
	case !strings.Contains(url, "pool_max_conns"):
		cfg.MaxConns = int32(max(16, 4*runtime.GOMAXPROCS(0)))
	}
	rp := cfg.ConnConfig.RuntimeParams
	rp["synchronous_commit"] = "on"
	if rp["application_name"] == "" {
		rp["application_name"] = "palja"
	}
	db := &DB{sl: sealed.NewSealer(kr), kr: kr, now: opts.Now, opts: opts}
	if db.now == nil {
		db.now = time.Now
	}
	db.profiles.db = db
	if db.pool, err = pgxpool.NewWithConfig(ctx, cfg); err != nil {
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	if err := db.open(ctx); err != nil {
		db.pool.Close()
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	db.purgeIdempotency(ctx) // best effort; the janitor retries hourly
	db.janitor = schema.StartJanitor(time.Hour, func() {
		db.purgeIdempotency(context.Background()) // best effort; retried next hour
	})
	return db, nil
}

func (db *DB) open(ctx context.Context) error {
	if err := migrate(ctx, db.pool, db.now()); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if err := db.verifyKeys(ctx, db.opts.Passive); err != nil {
		return err
	}
	rows, err := db.pool.Query(ctx, "SELECT DISTINCT key_id FROM profiles ORDER BY key_id")
	if err != nil {
		return fmt.Errorf("list key ids: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("list key ids: %w", err)
	}
	return db.sl.CheckKeys(ids)
}

// Profiles returns the [profile.Store] of db.
func (db *DB) Profiles() *ProfileStore { return &db.profiles }

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.pool.Ping(ctx); err != nil {
		return fmt.Errorf("postgres: ping: %w", err)
	}
	return nil
}

// PoolStats reports the connection pool, for metrics.
func (db *DB) PoolStats() *pgxpool.Stat { return db.pool.Stat() }

// Ready reports whether the instance can serve: on PostgreSQL, that the
// database answers ([DB.Ping]; unlike storage/sqlite it makes no probe
// write).
func (db *DB) Ready(ctx context.Context) error { return db.Ping(ctx) }

// Failed returns nil: a failed commit in PostgreSQL leaves no state of this
// process behind that it could not trust, so serve never has to stop for
// it (a receive from the nil channel waits forever).
func (db *DB) Failed() <-chan struct{} { return nil }

// Close closes the pool, waiting for the connections in use.
func (db *DB) Close() error {
	db.closeOnce.Do(func() {
		db.janitor.Stop()
		db.pool.Close()
	})
	return nil
}

// purgeIdempotency deletes the idempotency keys that have expired.
func (db *DB) purgeIdempotency(ctx context.Context) (int64, error) {
	tag, err := db.pool.Exec(ctx, "DELETE FROM idempotency_keys WHERE created_at <= $1", sealed.IdempotencyCutoff(db.now().Unix()))
	if err != nil {
		return 0, fmt.Errorf("postgres: purge idempotency keys: %w", err)
	}
	return tag.RowsAffected(), nil
}

// inTx runs fn in a transaction and commits it. fn runs with ctx, so a
// cancellation before the commit rolls everything back; the COMMIT itself
// runs without ctx's cancellation, so that its outcome is always known
// to the caller.
func (db *DB) inTx(ctx context.Context, fn func(tx pgx.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("postgres: begin: %w", err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback(context.WithoutCancel(ctx))
		return err
	}
	if err := tx.Commit(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("postgres: commit: %w", err)
	}
	return nil
}

// advisoryLock takes a transaction-scoped advisory lock on name, waiting
// for another transaction that holds it.
func advisoryLock(ctx context.Context, tx pgx.Tx, name string) error {
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", name); err != nil {
		return fmt.Errorf("postgres: advisory lock: %w", err)
	}
	return nil
}

// isUniqueViolation reports whether err is a violation of the named
// unique constraint.
func isUniqueViolation(err error, constraint string) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505" && pe.ConstraintName == constraint
}

// isForeignKeyViolation reports whether err is a foreign key violation.
func isForeignKeyViolation(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23503"
}
