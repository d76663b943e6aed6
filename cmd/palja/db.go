package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	neturl "net/url"
	"os"
	"strings"

	"github.com/palja/palja/auth"
	"github.com/palja/palja/crypto"
	"github.com/palja/palja/profile"
	"github.com/palja/palja/storage/postgres"
	"github.com/palja/palja/storage/sqlite"
)

// dbFlags are the flags every command that touches data takes.
type dbFlags struct {
	db          string
	databaseURL string
}

func (d *dbFlags) register(fs *flag.FlagSet, getenv func(string) string) {
	fs.StringVar(&d.db, "db", envOr(getenv, "PALJA_DB", "palja.db"), "SQLite database file (env PALJA_DB)")
	fs.StringVar(&d.databaseURL, "database-url", getenv("PALJA_DATABASE_URL"),
		"PostgreSQL URL, postgres://user:password@host:port/db: distributed mode instead of SQLite at --db (env PALJA_DATABASE_URL)")
}

// store is what the commands need of a backend, besides its profile store.
type store interface {
	auth.KeyStore
	auth.KeyLister // the failed-auth limit of an address never refuses a valid key
	CreateKey(ctx context.Context, name, account string, rate float64, burst int) (string, *auth.APIKey, error)
	CreateFirstKey(ctx context.Context, name string) (string, *auth.APIKey, bool, error)
	ListKeys(ctx context.Context) ([]auth.APIKey, error)
	RevokeKey(ctx context.Context, id string) error
	SetKeyLimits(ctx context.Context, id string, rate *float64, burst *int) (float64, int, error)
	Reencrypt(ctx context.Context, batch int, progress func(done, total int)) (int, error)
	Ping(ctx context.Context) error
	// Activate records the active key as in use and purges expired
	// idempotency keys: serve calls it once at start.
	Activate(ctx context.Context) error
	// Ready reports whether the instance can serve reads and writes, for
	// /readyz.
	Ready(ctx context.Context) error
	// Failed is closed when the store can no longer write safely (a commit
	// failed with an I/O error): serve then stops. Nil: never.
	Failed() <-chan struct{}
	Close() error
}

// database is an open backend: SQLite (the default) or PostgreSQL.
type database struct {
	store
	profiles profile.Store
	// where names the database for the log: the SQLite file, or
	// PostgreSQL's host and database without credentials.
	where string
	// pg is the PostgreSQL backend, nil with SQLite.
	pg *postgres.DB
	// sq is the SQLite backend, nil with PostgreSQL.
	sq *sqlite.DB
}

// openDB opens the database the flags name: PostgreSQL when --database-url
// (PALJA_DATABASE_URL) is set, else the SQLite file at --db.
func openDB(ctx context.Context, getenv func(string) string, d dbFlags, create bool, stderr io.Writer) (*database, error) {
	if d.databaseURL != "" {
		return openPostgres(ctx, getenv, d.databaseURL)
	}
	db, err := openSQLite(ctx, getenv, d.db, create, stderr)
	if err != nil {
		return nil, err
	}
	return &database{store: db, profiles: db.Profiles(), where: d.db, sq: db}, nil
}

// openPostgres opens the PostgreSQL database at url. Distributed mode
// needs PALJA_ENCRYPTION_KEYS, the same on every instance: no key file is
// ever generated (each instance would make its own).
func openPostgres(ctx context.Context, getenv func(string) string, url string) (*database, error) {
	v := getenv("PALJA_ENCRYPTION_KEYS")
	if strings.TrimSpace(v) == "" {
		return nil, errors.New("PALJA_ENCRYPTION_KEYS is required with PALJA_DATABASE_URL (--database-url): " +
			"give every instance the same keys (id:base64, comma-separated; palja encryption-key makes one); no key file is generated in distributed mode")
	}
	kr, err := crypto.ParseKeys(v)
	if err != nil {
		return nil, fmt.Errorf("PALJA_ENCRYPTION_KEYS: %w", err)
	}
	// Passive as with SQLite: serve activates the key (runServe), so that
	// reencrypt refuses until a serve has run with it.
	db, err := postgres.Open(ctx, url, kr, postgres.Options{Passive: true})
	if err != nil {
		return nil, err // postgres' errors never hold the URL's password
	}
	return &database{store: db, profiles: db.Profiles(), where: "postgres " + safeURL(url), pg: db}, nil
}

// safeURL is a database URL for the log: host and database, without user
// or password.
func safeURL(raw string) string {
	u, err := neturl.Parse(raw)
	if err != nil || u.Host == "" && u.Query().Get("host") == "" {
		return "(database URL)"
	}
	host := u.Host
	if host == "" {
		host = u.Query().Get("host")
	}
	return host + u.Path
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

// openSQLite opens the SQLite database at path with its keyring. Only with create
// (serve and keys create) may it create the database, and a key file is
// generated only together with a new database;
// otherwise a missing database is an error and no file is written, so
// that a mistyped --db does not look like an empty database.
func openSQLite(ctx context.Context, getenv func(string) string, path string, create bool, stderr io.Writer) (*sqlite.DB, error) {
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

// withDB opens the database as [openDB] does, runs work on it and closes
// it.
func withDB(ctx context.Context, getenv func(string) string, d dbFlags, create bool, stderr io.Writer, work func(db *database) error) error {
	db, err := openDB(ctx, getenv, d, create, stderr)
	if err != nil {
		return err
	}
	defer db.Close()
	return work(db)
}
