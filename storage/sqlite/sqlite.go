package sqlite

// This file holds what is specific to mattn/go-sqlite3: the driver, the
// connection pragmas, the statement that takes the write lock, and the
// classification of driver errors. The SQL of the package is written with
// ? placeholders passed through sqlx's Rebind.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/mattn/go-sqlite3"
)

const (
	driverName = "sqlite3"

	// busyTimeoutMS is how long a connection waits for a lock held by
	// another connection or process before failing with SQLITE_BUSY.
	busyTimeoutMS = "5000"

	// sqlBegin opens a write transaction and takes the database's write lock
	// at once, waiting up to the busy timeout for another process to release
	// it. A deferred BEGIN would take it at the first write, and could then
	// fail with SQLITE_BUSY_SNAPSHOT instead of waiting.
	sqlBegin = "BEGIN IMMEDIATE"

	// sqlWAL puts the database in WAL mode (a no-op when it is already).
	// A WAL file larger than journal_size_limit is truncated after a
	// checkpoint, so frames holding old ciphertexts do not linger in a
	// large file.
	//
	// The writer checkpoints the WAL into the database file whenever it
	// holds walCheckpointPages pages (SQLite's default is 1000). A
	// checkpoint runs inside the COMMIT that crosses the mark, so every
	// write of that group waits for it: it writes each distinct page of
	// the WAL to the database file and syncs it. With writes spread over a
	// large table (a million profiles: almost every page distinct), 1000
	// pages took 15–20 ms, one group in fifty, and that was the p99 of a
	// PUT; 100 pages take 2–4 ms, ten times as often, for about the same
	// throughput (docs/load-testing.md, scale.sh). With one hot profile
	// the pages repeat and a checkpoint costs little either way.
	sqlWAL             = "PRAGMA journal_mode = WAL"
	walCheckpointPages = 100
)

var sqlWriterPragmas = "PRAGMA journal_size_limit = 4194304; PRAGMA wal_autocheckpoint = " + strconv.Itoa(walCheckpointPages)

// setWAL switches the database to WAL mode. Switching takes an exclusive
// lock without calling the busy handler, so when several processes open a
// new database at once it can fail with SQLITE_BUSY: retry until the busy
// timeout would have passed.
func setWAL(ctx context.Context, conn *sql.Conn) error {
	deadline := time.Now().Add(5 * time.Second)
	for {
		var mode string
		err := conn.QueryRowContext(ctx, sqlWAL).Scan(&mode)
		if err == nil && !strings.EqualFold(mode, "wal") {
			err = fmt.Errorf("journal mode is %s, not wal", mode)
		}
		if err == nil || !isBusy(err) || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// dsn returns the data source name of the database file at path for the
// writer connection (readOnly false) or a reader.
//
// Both wait up to the busy timeout for another process's locks and enforce
// foreign keys. The writer (which [setWAL] switches to WAL mode) overwrites deleted content with zeros
// (secure_delete, so a deleted profile's ciphertext does not stay in free
// pages), and syncs as asked: FULL makes every commit durable across a power
// loss, NORMAL only across a process crash. Readers are query-only.
func dsn(path string, synchronous string, readOnly bool) string {
	q := url.Values{}
	q.Set("_busy_timeout", busyTimeoutMS)
	q.Set("_foreign_keys", "on")
	if readOnly {
		q.Set("_query_only", "on")
	} else {
		q.Set("_secure_delete", "on")
		q.Set("_synchronous", synchronous)
	}
	u := url.URL{Scheme: "file", Opaque: escapePath(path), RawQuery: q.Encode()}
	return u.String()
}

// escapePath escapes the characters that would end the path of a file: URI.
func escapePath(path string) string {
	return strings.NewReplacer("%", "%25", "?", "%3F", "#", "%23").Replace(path)
}

// sqliteError returns the error of SQLite that err is or wraps. Most calls
// are for a nil error: they return before errors.As's target, which
// escapes to the heap, is declared.
func sqliteError(err error) (sqlite3.Error, bool) {
	if err == nil {
		return sqlite3.Error{}, false
	}
	var se sqlite3.Error
	ok := errors.As(err, &se)
	return se, ok
}

// isSQLiteError reports whether err is, or wraps, an error of SQLite.
func isSQLiteError(err error) bool {
	_, ok := sqliteError(err)
	return ok
}

// isUniqueViolation reports whether err is a UNIQUE constraint failure on
// a constraint involving column.
func isUniqueViolation(err error, column string) bool {
	se, ok := sqliteError(err)
	return ok && se.ExtendedCode == sqlite3.ErrConstraintUnique && strings.Contains(se.Error(), "."+column)
}

// isBusy reports whether err means that another connection held the lock
// for longer than the busy timeout.
func isBusy(err error) bool {
	se, ok := sqliteError(err)
	return ok && (se.Code == sqlite3.ErrBusy || se.Code == sqlite3.ErrLocked)
}

// isIOError reports whether err is SQLite's report of a failed read, write
// or sync, or of a damaged file: after one at a commit, what the files hold
// is not known any more (see [writer.fail]).
func isIOError(err error) bool {
	se, ok := sqliteError(err)
	return ok && (se.Code == sqlite3.ErrIoErr || se.Code == sqlite3.ErrCorrupt || se.Code == sqlite3.ErrNotADB)
}

// isWriteIOError is isIOError narrowed to the failures of writing and
// syncing: what makes the writer stop when an op meets it (a page that
// cannot be read fails that op alone).
func isWriteIOError(err error) bool {
	se, ok := sqliteError(err)
	return ok && se.Code == sqlite3.ErrIoErr && se.ExtendedCode != sqlite3.ErrIoErrRead && se.ExtendedCode != sqlite3.ErrIoErrShortRead
}
