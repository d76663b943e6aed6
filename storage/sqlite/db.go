// Package sqlite keeps palja's accounts, API keys and profiles in SQLite.
// [DB.Profiles] is its [profile.Store], and a [DB] is itself a
// [auth.KeyStore]. Everything about a sealed row that is not SQL (the
// payload, associated data, sealing, idempotency fingerprints, the step of
// re-encryption) is package storage/sealed's; this package holds the
// connections, the schema and the queries.
//
// # Encryption at rest
//
// A profile's personal fields are one ciphertext of package sealed, in
// profiles.sealed; the key id it was sealed under is kept beside it in
// key_id, for [DB.Reencrypt] and for the check at [Open] that the keyring
// holds every key still in use. The sealed fingerprint of an
// Idempotency-Key is in idempotency_keys.fingerprint (that table has no
// key_id column: the key is read from the ciphertext's header). Deleting a
// profile deletes its idempotency keys in the same transaction. Only ids,
// external_id, Idempotency-Keys, versions and times are stored in the
// clear.
//
// Deleted rows are overwritten in the database file (secure_delete), and a
// delete is acknowledged only after the WAL was checkpointed and truncated,
// so that its frames are gone too. Backups keep what they hold.
//
// # Writes: group commit
//
// One goroutine owns the only write connection and commits writes in
// groups (see writer.go): each write is rolled back alone if it fails (in
// its own savepoint of a shared transaction, or as one statement) and is
// acknowledged after that transaction's COMMIT. With the default
// synchronous=FULL an acknowledged write survives a power loss, and the
// fsync is shared by every write of the group. An update is prepared
// before it reaches the writer (read, decrypted, merged, sealed in the
// caller's goroutine) and only stored there, if the row has not changed
// (see update.go). Reads use a small pool of query-only connections and
// never wait for the writer (WAL mode).
package sqlite

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/palja/palja/storage/internal/schema"

	"github.com/jmoiron/sqlx"

	"github.com/palja/palja/crypto"
	"github.com/palja/palja/storage/sealed"
)

// Options tune [Open]. The zero value is the safe default.
type Options struct {
	// Synchronous is SQLite's synchronous setting for the writer: "FULL"
	// (the default: an acknowledged write survives a power loss) or
	// "NORMAL" (it survives a crash of the process, not of the machine).
	Synchronous string
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// Passive makes Open write nothing once the schema is current: it
	// verifies the keyring against the check values without recording the
	// primary key's, and purges no expired Idempotency-Key, so that it
	// takes no write lock (a read-only command works while another
	// process holds it) and a key becomes "in use" only once a server
	// calls [DB.Activate] with it (see [DB.Reencrypt]).
	Passive bool
}

// DB is an open palja database. It is safe for concurrent use.
type DB struct {
	sl   *sealed.Sealer
	now  func() time.Time
	path string          // as given to Open
	kr   *crypto.Keyring // as given to Open, for a second handle in tests
	opts Options         // as given to Open

	wdb *sqlx.DB // its single connection belongs to w
	rdb *sqlx.DB // query-only pool
	w   *writer
	rs  stmts // prepared on rdb

	profiles ProfileStore
	rows     *rowCache // the rows updates last read or wrote

	readyMu  sync.Mutex
	readyAt  time.Time // when the last probe write ended; zero: none yet
	readyErr error     // its result

	janitor   *schema.Janitor // the hourly purge of expired idempotency keys
	closeOnce sync.Once
	closeErr  error
}

// Open opens (creating it if needed) the SQLite database at path, brings
// its schema up to date, checks that kr holds every key that stored
// ciphertexts were sealed under, and that each of its keys is the one that
// sealed the data under its id (a check value per key id, see
// [sealed.Sealer.VerifyCheck]; the error wraps [sealed.ErrWrongKey] and
// names the key id). The database file is a path, not a URI.
// Its errors read "sqlite: open <path>: <cause>".
func Open(ctx context.Context, path string, kr *crypto.Keyring, opts Options) (*DB, error) {
	if kr == nil {
		return nil, fmt.Errorf("sqlite: open %s: no keyring", path)
	}
	syncMode := strings.ToUpper(opts.Synchronous)
	switch syncMode {
	case "":
		syncMode = "FULL"
	case "FULL", "NORMAL":
	default:
		return nil, fmt.Errorf("sqlite: open %s: synchronous %q: want FULL or NORMAL", path, opts.Synchronous)
	}
	db := &DB{sl: sealed.NewSealer(kr), now: opts.Now, path: path, kr: kr, opts: opts, rows: newRowCache()}
	if db.now == nil {
		db.now = time.Now
	}
	db.profiles.db = db
	if err := createPrivate(path); err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	if err := db.open(ctx, path, syncMode); err != nil {
		db.closeAll()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	if !opts.Passive {
		db.purgeIdempotency(ctx) // best effort; the janitor retries hourly
	}
	db.janitor = schema.StartJanitor(time.Hour, func() {
		db.purgeIdempotency(context.Background()) // best effort; retried next hour
	})
	return db, nil
}

func (db *DB) open(ctx context.Context, path, sync string) error {
	var err error
	if db.wdb, err = sqlx.Open(driverName, dsn(path, sync, false)); err != nil {
		return err
	}
	db.wdb.SetMaxOpenConns(1)
	db.wdb.SetConnMaxLifetime(0)
	db.wdb.SetConnMaxIdleTime(0)
	conn, err := db.wdb.Conn(ctx)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	// From here on conn belongs to the writer, which closes it.
	db.w = newWriter(db, conn, 4*maxBatch)
	if err := setWAL(ctx, conn); err != nil {
		return fmt.Errorf("set WAL mode: %w", err)
	}
	if _, err := conn.ExecContext(ctx, sqlWriterPragmas); err != nil {
		return fmt.Errorf("pragmas: %w", err)
	}
	if err := migrate(ctx, conn, db.wdb.Rebind, db.now()); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if err := db.w.st.prepare(ctx, conn, db.wdb.Rebind, onWriter); err != nil {
		return err
	}

	if db.rdb, err = sqlx.Open(driverName, dsn(path, sync, true)); err != nil {
		return err
	}
	n := max(4, runtime.GOMAXPROCS(0))
	db.rdb.SetMaxOpenConns(n)
	db.rdb.SetMaxIdleConns(n)
	db.rdb.SetConnMaxLifetime(0)
	db.rdb.SetConnMaxIdleTime(0)
	if err := db.rs.prepare(ctx, db.rdb, db.rdb.Rebind, onReaders); err != nil {
		return err
	}
	if err := db.checkKeys(ctx); err != nil {
		return err
	}
	if err := db.verifyKeys(ctx, conn); err != nil {
		return err
	}
	db.w.started = true
	go db.w.run()
	return nil
}

// checkKeys fails when a stored ciphertext names a key that the keyring
// lacks (see [sealed.Sealer.CheckKeys]).
func (db *DB) checkKeys(ctx context.Context) error {
	var ids []string
	if err := db.rdb.SelectContext(ctx, &ids, "SELECT DISTINCT key_id FROM profiles ORDER BY key_id"); err != nil {
		return fmt.Errorf("list key ids: %w", err)
	}
	return db.sl.CheckKeys(ids)
}

// createPrivate creates the database file, empty, with mode 0600 if it does
// not exist: SQLite gives the -wal and -shm files it creates beside it the
// database file's mode, so none of them is readable by other local users
// (they hold external ids and Idempotency-Keys in the clear), whatever the
// umask. An existing file keeps its mode.
func createPrivate(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return nil
	}
	var pe *os.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("create: %w", pe.Err) // the caller names the path
	}
	if err != nil {
		return err
	}
	return f.Close()
}

// Profiles returns the [profile.Store] of db.
func (db *DB) Profiles() *ProfileStore { return &db.profiles }

// Ping checks that the database answers and that db is open.
func (db *DB) Ping(ctx context.Context) error {
	db.w.mu.RLock()
	closed := db.w.closed
	db.w.mu.RUnlock()
	if closed {
		return ErrClosed
	}
	if f := db.w.failure.Load(); f != nil {
		return *f
	}
	if err := db.rdb.PingContext(ctx); err != nil {
		return fmt.Errorf("sqlite: ping: %w", err)
	}
	return nil
}

// readyEvery is how long a probe write of [DB.Ready] is trusted.
const readyEvery = time.Second

// Ready reports whether db can serve reads and writes: [DB.Ping], then a
// probe write (one row of ready_probe) committed through the writer like
// any write, with its fsync. The probe runs at most once per readyEvery;
// calls in between get its answer, so a flood of /readyz costs at most one
// commit a second.
func (db *DB) Ready(ctx context.Context) error {
	if err := db.Ping(ctx); err != nil {
		return err
	}
	db.readyMu.Lock()
	defer db.readyMu.Unlock()
	if !db.readyAt.IsZero() && time.Since(db.readyAt) < readyEvery {
		return db.readyErr
	}
	// The answer is shared: a caller that goes away must not make it fail.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	err := db.w.do(ctx, func(tx *wtx) error {
		_, err := tx.conn.ExecContext(tx.ctx, "INSERT INTO ready_probe (id, at) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET at = excluded.at", db.now().UnixNano())
		return err
	})
	if err != nil {
		err = fmt.Errorf("sqlite: a write cannot commit: %w", err)
	}
	db.readyAt, db.readyErr = time.Now(), err
	return err
}

// Failed is closed once a commit has failed with an I/O error (a failed
// fsync, a damaged file). From then on every write fails with
// [ErrWriterFailed] and Ping fails: the writes of that commit may or may
// not be on disk, and committing more on top of a log whose state is
// unknown could cost acknowledged writes at the next recovery. The process
// should stop; reopening the database recovers it.
func (db *DB) Failed() <-chan struct{} { return db.w.failed }

// Close waits for the writes already submitted to commit, then closes the
// database. Writes submitted afterwards fail with [ErrClosed].
func (db *DB) Close() error {
	db.closeOnce.Do(func() {
		db.janitor.Stop()
		db.closeErr = db.closeAll()
	})
	return db.closeErr
}

// closeAll releases whatever open created, in reverse order.
func (db *DB) closeAll() error {
	var errs []error
	if db.w != nil {
		if db.w.started {
			db.w.close() // lets the queued writes commit
		}
		db.w.st.close()
		errs = append(errs, db.w.conn.Close())
	}
	errs = append(errs, db.rs.close())
	if db.rdb != nil {
		errs = append(errs, db.rdb.Close())
	}
	if db.wdb != nil {
		errs = append(errs, db.wdb.Close())
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("sqlite: close: %w", err)
	}
	return nil
}

// noCancel returns ctx without its cancellation, for the short reads of the
// package. A cancellable context costs every query a goroutine in
// database/sql and in the driver, while none of these reads runs long
// enough to be worth interrupting: callers check ctx.Err() first.
func noCancel(ctx context.Context) context.Context {
	if ctx.Done() == nil {
		return ctx
	}
	return context.WithoutCancel(ctx)
}
