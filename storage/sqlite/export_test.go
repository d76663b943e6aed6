package sqlite

import (
	"os"
	"path/filepath"
	"testing"
)

// This file gives a conformance suite for stores (run by this package's
// tests) what it needs of the SQLite backend beyond [profile.Store] and
// [auth.KeyStore].

// RawFiles returns every byte that db has persisted so far, by file name:
// the database file and, while db is open, its WAL and shared-memory
// files, read as they are on disk (no checkpoint is forced). A suite looks
// for plaintext in them.
func RawFiles(tb testing.TB, db *DB) map[string][]byte {
	tb.Helper()
	files := make(map[string][]byte, 3)
	for _, suffix := range []string{"", "-wal", "-shm"} {
		data, err := os.ReadFile(db.path + suffix)
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			tb.Fatal(err)
		}
		files[filepath.Base(db.path+suffix)] = data
	}
	return files
}

// OpenSecond opens another handle on db's database, with the same keyring
// and options, closed when the test ends: two handles on one database
// stand for two processes.
func OpenSecond(tb testing.TB, db *DB) *DB {
	tb.Helper()
	return mustOpenAt(tb, db.path, db.kr, db.opts)
}
