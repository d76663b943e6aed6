package sqlite

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/palja/palja/storage/storetest"

	"github.com/jmoiron/sqlx"

	"github.com/palja/palja/crypto"
	"github.com/palja/palja/profile"
)

// mustOpen opens a fresh database in a temporary directory with the keyring
// k1, closed when the test ends.
func mustOpen(tb testing.TB) *DB {
	tb.Helper()
	return mustOpenAt(tb, filepath.Join(tb.TempDir(), "palja.db"), storetest.Keyring("k1"), Options{})
}

// mustOpenAt opens the database at path, closed when the test ends.
func mustOpenAt(tb testing.TB, path string, kr *crypto.Keyring, opts Options) *DB {
	tb.Helper()
	db, err := Open(context.Background(), path, kr, opts)
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	tb.Cleanup(func() {
		if err := db.Close(); err != nil {
			tb.Errorf("Close: %v", err)
		}
	})
	return db
}

// rawDB opens the database file directly, bypassing the package, for tests
// that inspect or tamper with rows.
func rawDB(tb testing.TB, path string) *sqlx.DB {
	tb.Helper()
	raw, err := sqlx.Open(driverName, dsn(path, "FULL", false))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { raw.Close() })
	return raw
}

// newAccount creates an account (with a key) and returns its id.
func newAccount(tb testing.TB, db *DB) string {
	tb.Helper()
	_, k, err := db.CreateKey(context.Background(), "test", "", 0, 0)
	if err != nil {
		tb.Fatalf("CreateKey: %v", err)
	}
	return k.AccountID
}

func str(s string) profile.Opt[string] { return profile.Opt[string]{Set: true, V: s} }
func num(n int) profile.Opt[int]       { return profile.Opt[int]{Set: true, V: n} }

// newProfile builds (but does not store) a valid profile in account.
func newProfile(tb testing.TB, account, name string, patch profile.Patch) *profile.Profile {
	tb.Helper()
	return storetest.NewProfile(tb, account, name, patch, time.Now())
}

// mustCreate stores a new profile and returns it.
func mustCreate(tb testing.TB, db *DB, account, name string, patch profile.Patch) *profile.Profile {
	tb.Helper()
	p, replayed, err := db.Profiles().Create(context.Background(), newProfile(tb, account, name, patch), nil)
	if err != nil || replayed {
		tb.Fatalf("Create: %v (replayed %v)", err, replayed)
	}
	return p
}

func TestOpenOptions(t *testing.T) {
	kr := storetest.Keyring("k1")
	dir := t.TempDir()
	for _, tc := range []struct {
		name, sync, want string
		wantErr          bool
	}{
		{"default", "", "2", false},
		{"full", "FULL", "2", false},
		{"normal", "normal", "1", false},
		{"off", "OFF", "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db, err := Open(context.Background(), filepath.Join(dir, tc.name+".db"), kr, Options{Synchronous: tc.sync})
			if tc.wantErr {
				if err == nil {
					db.Close()
					t.Fatal("Open succeeded, want an error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			// The pragmas are per connection: ask the writer's.
			var got string
			var mode string
			var secure int
			err = db.w.do(context.Background(), func(tx *wtx) error {
				if err := tx.conn.QueryRowContext(tx.ctx, "PRAGMA synchronous").Scan(&got); err != nil {
					return err
				}
				if err := tx.conn.QueryRowContext(tx.ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
					return err
				}
				return tx.conn.QueryRowContext(tx.ctx, "PRAGMA secure_delete").Scan(&secure)
			})
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want || mode != "wal" || secure != 1 {
				t.Errorf("synchronous %s, journal_mode %s, secure_delete %d; want %s, wal, 1", got, mode, secure, tc.want)
			}
			if err := db.Ping(context.Background()); err != nil {
				t.Errorf("Ping: %v", err)
			}
		})
	}
}

// TestOpenOddPath opens a database whose path has characters that mean
// something in a URI.
func TestOpenOddPath(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a dir?x=1#frag%20")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "pal ja.db")
	db := mustOpenAt(t, path, storetest.Keyring("k1"), Options{})
	newAccount(t, db)
	if _, err := os.Stat(path); err != nil {
		t.Errorf("database not at its path: %v", err)
	}
}

func TestOpenNoKeyring(t *testing.T) {
	if _, err := Open(context.Background(), filepath.Join(t.TempDir(), "x.db"), nil, Options{}); err == nil {
		t.Fatal("Open without keyring succeeded")
	}
}

func TestMigrationsIdempotent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "palja.db")
	kr := storetest.Keyring("k1")
	db, err := Open(context.Background(), path, kr, Options{})
	if err != nil {
		t.Fatal(err)
	}
	acct := newAccount(t, db)
	mustCreate(t, db, acct, "Ada", profile.Patch{})
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	raw := rawDB(t, path)
	schema := func() string {
		var rows []string
		if err := raw.Select(&rows, "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name"); err != nil {
			t.Fatal(err)
		}
		return strings.Join(rows, "\n")
	}
	before := schema()

	db = mustOpenAt(t, path, kr, Options{})
	if after := schema(); after != before {
		t.Errorf("schema changed by a second Open:\n%s\nwant\n%s", after, before)
	}
	var versions []int
	if err := raw.Select(&versions, "SELECT version FROM schema_migrations ORDER BY version"); err != nil {
		t.Fatal(err)
	}
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	if len(versions) != len(ms) {
		t.Errorf("schema_migrations holds %v, want %d versions", versions, len(ms))
	}
	if ps, _, err := db.Profiles().List(context.Background(), acct, 10, ""); err != nil || len(ps) != 1 {
		t.Errorf("after reopening: List = %d profiles, %v; want 1", len(ps), err)
	}
}

func TestMigrationsNewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "palja.db")
	kr := storetest.Keyring("k1")
	db := mustOpenAt(t, path, kr, Options{})
	db.Close()
	raw := rawDB(t, path)
	if _, err := raw.Exec("INSERT INTO schema_migrations (version, applied_at) VALUES (9999, 0)"); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	_, err := Open(context.Background(), path, kr, Options{})
	if err == nil || !strings.Contains(err.Error(), "9999") {
		t.Fatalf("Open of a newer schema: %v, want an error naming version 9999", err)
	}
}

// TestOpenConcurrently opens one new database from several handles at once,
// as two processes starting together would.
func TestOpenConcurrently(t *testing.T) {
	path := filepath.Join(t.TempDir(), "palja.db")
	kr := storetest.Keyring("k1")
	const n = 4
	dbs := make([]*DB, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { dbs[i], errs[i] = Open(context.Background(), path, kr, Options{}) })
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Errorf("Open %d: %v", i, errs[i])
			continue
		}
		defer dbs[i].Close()
	}
	if t.Failed() {
		return
	}
	// Both handles write and see each other's writes.
	acct := newAccount(t, dbs[0])
	p := mustCreate(t, dbs[1], acct, "Ada", profile.Patch{})
	if _, err := dbs[n-1].Profiles().Get(context.Background(), acct, p.ID); err != nil {
		t.Errorf("Get through another handle: %v", err)
	}
}

func TestClose(t *testing.T) {
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "palja.db"), storetest.Keyring("k1"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	acct := newAccount(t, db)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := db.Ping(context.Background()); err == nil {
		t.Error("Ping after Close succeeded")
	}
	_, _, err = db.Profiles().Create(context.Background(), newProfile(t, acct, "Ada", profile.Patch{}), nil)
	if !errors.Is(err, ErrClosed) {
		t.Errorf("Create after Close: %v, want ErrClosed", err)
	}
}

// TestCloseDrains checks that writes submitted before Close commit.
func TestCloseDrains(t *testing.T) {
	path := filepath.Join(t.TempDir(), "palja.db")
	kr := storetest.Keyring("k1")
	db, err := Open(context.Background(), path, kr, Options{})
	if err != nil {
		t.Fatal(err)
	}
	acct := newAccount(t, db)
	const n = 50
	// The writer is held until every create is in its queue: Close then
	// finds n writes submitted and must commit them all.
	release := holdWriter(t, db)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var acked []string
	for i := range n {
		wg.Go(func() {
			p := newProfile(t, acct, "Ada", profile.Patch{})
			if _, _, err := db.Profiles().Create(context.Background(), p, nil); err == nil {
				mu.Lock()
				acked = append(acked, p.ID)
				mu.Unlock()
			} else if !errors.Is(err, ErrClosed) {
				t.Errorf("Create %d: %v", i, err)
			}
		})
	}
	waitQueued(t, db, n)
	closed := make(chan error, 1)
	go func() { closed <- db.Close() }()
	for deadline := time.Now().Add(10 * time.Second); !writerClosed(db); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("Close did not stop the writer's queue")
		}
	}
	release() // only now can the queued writes run
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if len(acked) != n {
		t.Errorf("%d of %d writes queued before Close were acknowledged", len(acked), n)
	}
	db = mustOpenAt(t, path, kr, Options{})
	for _, id := range acked {
		if _, err := db.Profiles().Get(context.Background(), acct, id); err != nil {
			t.Errorf("acknowledged profile %s: %v", id, err)
		}
	}
}

// writerClosed reports whether the writer takes no more ops.
func writerClosed(db *DB) bool {
	db.w.mu.RLock()
	defer db.w.mu.RUnlock()
	return db.w.closed
}

// TestOpenErrorContext checks that Open's errors carry the package and the
// path once, ahead of the cause.
func TestOpenErrorContext(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "no such dir", "x.db")
	newer := filepath.Join(dir, "newer.db")
	db := mustOpenAt(t, newer, storetest.Keyring("k1"), Options{})
	db.Close()
	rawExec(t, newer, "INSERT INTO schema_migrations (version, applied_at) VALUES (9999, 0)")
	for _, tc := range []struct {
		name, path string
		kr         *crypto.Keyring
		opts       Options
	}{
		{"no keyring", filepath.Join(dir, "a.db"), nil, Options{}},
		{"bad synchronous", filepath.Join(dir, "b.db"), storetest.Keyring("k1"), Options{Synchronous: "OFF"}},
		{"missing directory", missing, storetest.Keyring("k1"), Options{}},
		{"newer schema", newer, storetest.Keyring("k1"), Options{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db, err := Open(ctx, tc.path, tc.kr, tc.opts)
			if err == nil {
				db.Close()
				t.Fatal("Open succeeded")
			}
			msg := err.Error()
			if prefix := "sqlite: open " + tc.path + ": "; !strings.HasPrefix(msg, prefix) || strings.Count(msg, tc.path) != 1 || strings.Count(msg, "sqlite: ") != 1 {
				t.Errorf("Open: %q, want %q and the cause, the path once", msg, prefix)
			}
		})
	}
}

// TestWALCheckpointPages checks that the writer checkpoints in the small
// steps sqlWriterPragmas sets.
func TestWALCheckpointPages(t *testing.T) {
	db := mustOpen(t)
	var n int
	if err := db.w.do(ctx, func(tx *wtx) error {
		return tx.conn.QueryRowContext(tx.ctx, "PRAGMA wal_autocheckpoint").Scan(&n)
	}); err != nil {
		t.Fatal(err)
	}
	if n != walCheckpointPages {
		t.Errorf("wal_autocheckpoint %d, want %d", n, walCheckpointPages)
	}
}
