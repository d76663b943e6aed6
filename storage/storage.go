// Package storage keeps palja's accounts, API keys and profiles in SQLite.
// [DB.Profiles] is its [profile.Store], and a [DB] is itself a
// [auth.KeyStore].
//
// # Encryption at rest
//
// Every personal field of a profile (name, birth date and hour, gender and
// the chart derived from them) is encoded into one small payload and sealed
// with [crypto.Keyring.Seal] into the profiles.sealed column. The associated
// data is "profiles.sealed|<account id>|<profile id>", so a ciphertext
// copied to another row or account does not open. The key id of each
// ciphertext is kept beside it in key_id, for [DB.Reencrypt] and for the
// check at [Open] that the keyring holds every key still in use.
//
// The fingerprint of a create's body that an Idempotency-Key is checked
// against is a hash of those same personal fields, which a guess of the
// name would let anyone reverse; it too is stored only sealed, in
// idempotency_keys.fingerprint, with the associated data
// "idempotency_keys.fingerprint|<account id>|<Idempotency-Key>", and
// [DB.Reencrypt] seals it again under the primary key with the profiles
// (it has no key_id column: the key is read from the ciphertext's header).
// Deleting a profile deletes its idempotency keys in the same transaction.
// Only ids, external_id, Idempotency-Keys, versions and times are stored in
// the clear.
//
// # Writes
//
// One goroutine owns the only write connection and commits writes in
// groups (see writer.go): each write runs in its own savepoint of a shared
// transaction and is acknowledged after that transaction's COMMIT. With the
// default synchronous=FULL an acknowledged write survives a power loss, and
// the fsync is shared by every write of the group. Reads use a small pool
// of query-only connections and never wait for the writer (WAL mode).
//
// Deleted rows are overwritten in the database file (secure_delete). Until
// the next checkpoint, and in older frames of the WAL file and in backups,
// earlier ciphertexts may remain; they are useless without the keys.
package storage

import (
	"cmp"
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/palja/palja/crypto"
)

// Options tune [Open]. The zero value is the safe default.
type Options struct {
	// Synchronous is SQLite's synchronous setting for the writer: "FULL"
	// (the default: an acknowledged write survives a power loss) or
	// "NORMAL" (it survives a crash of the process, not of the machine).
	Synchronous string
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
}

// DB is an open palja database. It is safe for concurrent use.
type DB struct {
	kr  *crypto.Keyring
	now func() time.Time

	wdb *sqlx.DB // its single connection belongs to w
	rdb *sqlx.DB // query-only pool
	w   *writer
	rs  readStmts

	profiles ProfileStore

	stopJanitor chan struct{}
	janitorDone chan struct{}
	closeOnce   sync.Once
	closeErr    error
}

// readStmts are prepared on the read pool.
type readStmts struct {
	profileByID, profileByExt *sqlx.Stmt
	list, seqOf, keyByHash    *sqlx.Stmt
	all                       []*sqlx.Stmt
}

// Open opens (creating it if needed) the SQLite database at path, brings
// its schema up to date, and checks that kr holds every key that stored
// ciphertexts were sealed under. The database file is a path, not a URI.
func Open(ctx context.Context, path string, kr *crypto.Keyring, opts Options) (*DB, error) {
	if kr == nil {
		return nil, errors.New("storage: open: no keyring")
	}
	syncMode := strings.ToUpper(opts.Synchronous)
	switch syncMode {
	case "":
		syncMode = "FULL"
	case "FULL", "NORMAL":
	default:
		return nil, fmt.Errorf("storage: open: synchronous %q: want FULL or NORMAL", opts.Synchronous)
	}
	db := &DB{kr: kr, now: opts.Now}
	if db.now == nil {
		db.now = time.Now
	}
	db.profiles.db = db
	if err := db.open(ctx, path, syncMode); err != nil {
		db.closeAll()
		return nil, fmt.Errorf("storage: open %s: %w", path, err)
	}
	db.purgeIdempotency(ctx) // best effort; the janitor retries hourly
	db.stopJanitor, db.janitorDone = make(chan struct{}), make(chan struct{})
	go db.janitor()
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
	if err := db.w.st.prepare(ctx, conn, db.wdb.Rebind); err != nil {
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
	if err := db.rs.prepare(ctx, db.rdb); err != nil {
		return err
	}
	if err := db.checkKeys(ctx); err != nil {
		return err
	}
	db.w.started = true
	go db.w.run()
	return nil
}

func (s *readStmts) prepare(ctx context.Context, rdb *sqlx.DB) error {
	for _, p := range []struct {
		dst   **sqlx.Stmt
		query string
	}{
		{&s.profileByID, selectProfile + " WHERE account_id = ? AND id = ?"},
		{&s.profileByExt, selectProfile + " WHERE account_id = ? AND external_id = ?"},
		{&s.list, selectProfile + " WHERE account_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?"},
		{&s.seqOf, "SELECT seq FROM profiles WHERE account_id = ? AND id = ?"},
		{&s.keyByHash, selectKey + " WHERE hash = ?"},
	} {
		st, err := rdb.PreparexContext(ctx, rdb.Rebind(p.query))
		if err != nil {
			return fmt.Errorf("prepare %q: %w", p.query, err)
		}
		*p.dst = st
		s.all = append(s.all, st)
	}
	return nil
}

// checkKeys fails when a stored ciphertext names a key that kr lacks: such
// profiles could not be read, and the operator must learn it at start-up,
// not from a 500 later.
func (db *DB) checkKeys(ctx context.Context) error {
	var ids []string
	if err := db.rdb.SelectContext(ctx, &ids, "SELECT DISTINCT key_id FROM profiles ORDER BY key_id"); err != nil {
		return fmt.Errorf("list key ids: %w", err)
	}
	var missing []string
	for _, id := range ids {
		if !db.kr.Has(crypto.KeyID(id)) {
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
	if err := db.rdb.PingContext(ctx); err != nil {
		return fmt.Errorf("storage: ping: %w", err)
	}
	return nil
}

// Close waits for the writes already submitted to commit, then closes the
// database. Writes submitted afterwards fail with [ErrClosed].
func (db *DB) Close() error {
	db.closeOnce.Do(func() {
		close(db.stopJanitor)
		<-db.janitorDone
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
	for _, st := range db.rs.all {
		errs = append(errs, st.Close())
	}
	if db.rdb != nil {
		errs = append(errs, db.rdb.Close())
	}
	if db.wdb != nil {
		errs = append(errs, db.wdb.Close())
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("storage: close: %w", err)
	}
	return nil
}

// janitor forgets expired idempotency keys every hour.
func (db *DB) janitor() {
	defer close(db.janitorDone)
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		select {
		case <-db.stopJanitor:
			return
		case <-t.C:
			db.purgeIdempotency(context.Background()) // best effort; retried next hour
		}
	}
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

// Migrations.

//go:embed migrations/*.sql
var migrationFS embed.FS

type migration struct {
	version int
	name    string
	sql     string
}

// migrations returns the embedded migrations, ordered by version. A file is
// named NNNN_description.sql; NNNN is its version.
func migrations() ([]migration, error) {
	entries, err := fs.ReadDir(migrationFS, "migrations")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, e := range entries {
		num, _, _ := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if err != nil || v < 1 {
			return nil, fmt.Errorf("migration %s: name must start with a version number", e.Name())
		}
		b, err := migrationFS.ReadFile(path.Join("migrations", e.Name()))
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: e.Name(), sql: string(b)})
	}
	slices.SortFunc(ms, func(a, b migration) int { return cmp.Compare(a.version, b.version) })
	for i := 1; i < len(ms); i++ {
		if ms[i].version == ms[i-1].version {
			return nil, fmt.Errorf("migrations %s and %s have the same version", ms[i-1].name, ms[i].name)
		}
	}
	return ms, nil
}

// migrate applies the migrations not yet recorded in schema_migrations,
// each in its own transaction together with its record. The transactions
// take the write lock at BEGIN, so concurrent processes apply each
// migration exactly once.
func migrate(ctx context.Context, conn *sql.Conn, rebind func(string) string, now time.Time) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	err = inTx(ctx, conn, func() error {
		_, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    applied_at INTEGER NOT NULL
)`)
		return err
	})
	if err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	for _, m := range ms {
		err := inTx(ctx, conn, func() error {
			var n int
			err := conn.QueryRowContext(ctx, rebind("SELECT COUNT(*) FROM schema_migrations WHERE version = ?"), m.version).Scan(&n)
			if err != nil || n > 0 {
				return err
			}
			if _, err := conn.ExecContext(ctx, m.sql); err != nil {
				return err
			}
			_, err = conn.ExecContext(ctx, rebind("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)"), m.version, now.Unix())
			return err
		})
		if err != nil {
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
	}
	var newest int
	if err := conn.QueryRowContext(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&newest); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if known := ms[len(ms)-1].version; newest > known {
		return fmt.Errorf("database schema version %d is newer than this program's %d", newest, known)
	}
	return nil
}

// inTx runs fn in a write transaction on conn.
func inTx(ctx context.Context, conn *sql.Conn, fn func() error) error {
	if _, err := conn.ExecContext(ctx, sqlBegin); err != nil {
		return err
	}
	if err := fn(); err != nil {
		conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		return err
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		return err
	}
	return nil
}
