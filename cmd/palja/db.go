package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/palja/palja/crypto"
	"github.com/palja/palja/storage/sqlite"
)

// dbFlags are the flags every command that touches data takes.
type dbFlags struct {
	db string
}

func (d *dbFlags) register(fs *flag.FlagSet, getenv func(string) string) {
	fs.StringVar(&d.db, "db", envOr(getenv, "PALJA_DB", "palja.db"), "SQLite database file (env PALJA_DB)")
}

// keyring loads the encryption keys: PALJA_ENCRYPTION_KEYS when set,
// otherwise the key file beside the database, generated when create is set
// (the database is new: a key file made for an existing database could
// open none of its profiles). A PALJA_ENCRYPTION_KEYS that is set but blank is an error,
// not "unset": whoever set it meant to give keys.
func keyring(getenv func(string) string, dbPath string, create bool, stderr io.Writer) (*crypto.Keyring, error) {
	if v := getenv("PALJA_ENCRYPTION_KEYS"); v != "" {
		if strings.TrimSpace(v) == "" {
			return nil, errors.New("PALJA_ENCRYPTION_KEYS is set but blank: give the keys (id:base64, comma-separated), " +
				"or unset it to use the key file " + dbPath + ".keys")
		}
		kr, err := crypto.ParseKeys(v)
		if err != nil {
			return nil, fmt.Errorf("PALJA_ENCRYPTION_KEYS: %w", err)
		}
		return kr, nil
	}
	path := dbPath + ".keys"
	if !create {
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("no encryption keys for %s: PALJA_ENCRYPTION_KEYS is not set and there is no key file %s "+
				"(set PALJA_ENCRYPTION_KEYS to the keys the database was used with, or restore the key file; "+
				"a key file is generated only with a new database)", dbPath, path)
		}
	}
	kr, created, err := crypto.LoadOrCreateKeyFile(path)
	if err != nil {
		return nil, err // crypto's error names the key file
	}
	if created {
		fmt.Fprintf(stderr, "palja: WARNING: PALJA_ENCRYPTION_KEYS is not set; generated a new encryption key in %s (mode 0600). "+
			"Back it up: without it the profiles cannot be read.\n", path)
	}
	return kr, nil
}

// openDB opens the database at path with its keyring. Only with create
// (serve and keys create) may it create the database, and a key file is
// generated only together with a new database;
// otherwise a missing database is an error and no file is written, so
// that a mistyped --db does not look like an empty database.
func openDB(ctx context.Context, getenv func(string) string, path string, create bool, stderr io.Writer) (*sqlite.DB, error) {
	// SQLite in WAL mode keeps path-wal and path-shm beside the database;
	// the database itself is path, which exists from the first open on.
	fi, err := os.Stat(path)
	isNew := errors.Is(err, os.ErrNotExist)
	switch {
	case isNew && !create:
		return nil, fmt.Errorf("no database at %s (check --db or PALJA_DB; only serve and keys create make a new one)", path)
	case isNew:
	case err != nil:
		return nil, fmt.Errorf("database: %w", err) // err names path
	case fi.IsDir():
		return nil, fmt.Errorf("database %s is a directory, not a file", path)
	}
	kr, err := keyring(getenv, path, isNew, stderr)
	if err != nil {
		return nil, err
	}
	// Open writes nothing here (no write lock for read-only commands); serve
	// then activates the database: its key in use, expired idempotency
	// keys purged (see runServe and sqlite.DB.Reencrypt).
	return sqlite.Open(ctx, path, kr, sqlite.Options{Passive: true}) // its errors name the database
}

// withDB opens the database at path as [openDB] does, runs work on it and
// closes it.
func withDB(ctx context.Context, getenv func(string) string, path string, create bool, stderr io.Writer, work func(db *sqlite.DB) error) error {
	db, err := openDB(ctx, getenv, path, create, stderr)
	if err != nil {
		return err
	}
	defer db.Close()
	return work(db)
}
