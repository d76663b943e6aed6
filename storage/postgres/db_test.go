package postgres_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/palja/palja/auth"
	"github.com/palja/palja/storage/postgres"
	"github.com/palja/palja/storage/postgres/pgtest"
	"github.com/palja/palja/storage/storetest"
)

var ctx = context.Background()

func mustOpen(tb testing.TB, url string) *postgres.DB {
	tb.Helper()
	db, err := postgres.Open(ctx, url, storetest.Keyring("k1"), postgres.Options{})
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// TestConcurrentMigrations opens one new database from several handles at
// once, as instances starting together do: each migration is applied once
// and every handle works.
func TestConcurrentMigrations(t *testing.T) {
	u, _ := pgtest.Schema(t)
	const n = 6
	dbs := make([]*postgres.DB, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			dbs[i], errs[i] = postgres.Open(ctx, u, storetest.Keyring("k1"), postgres.Options{})
		}()
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("Open %d: %v", i, errs[i])
		}
		defer dbs[i].Close()
		if _, err := dbs[i].ListKeys(ctx); err != nil {
			t.Errorf("handle %d: %v", i, err)
		}
	}
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var applied, distinct int
	if err := conn.QueryRow(ctx, "SELECT COUNT(*), COUNT(DISTINCT version) FROM schema_migrations").Scan(&applied, &distinct); err != nil {
		t.Fatal(err)
	}
	if applied != distinct || applied == 0 {
		t.Errorf("schema_migrations holds %d rows of %d versions", applied, distinct)
	}
}

// TestNewerSchemaRefused: a database migrated by a newer palja is not
// touched by this one.
func TestNewerSchemaRefused(t *testing.T) {
	u, _ := pgtest.Schema(t)
	mustOpen(t, u).Close()
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "INSERT INTO schema_migrations (version, applied_at) VALUES (9999, 0)"); err != nil {
		t.Fatal(err)
	}
	_, err = postgres.Open(ctx, u, storetest.Keyring("k1"), postgres.Options{})
	if err == nil || !strings.Contains(err.Error(), "newer than this program") {
		t.Errorf("Open on a newer schema: %v; want it refused", err)
	}
}

// TestMissingKeyRefused: a keyring without a key that stored profiles use
// is refused at Open, naming the key.
func TestMissingKeyRefused(t *testing.T) {
	u, _ := pgtest.Schema(t)
	db := mustOpen(t, u)
	_, k, err := db.CreateKey(ctx, "t", "", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	_ = k
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "INSERT INTO profiles (id, account_id, key_id, sealed, version, created_at, updated_at) VALUES ('prf_x', $1, 'gone', '\\x00', 1, 0, 0)", k.AccountID); err != nil {
		t.Fatal(err)
	}
	_, err = postgres.Open(ctx, u, storetest.Keyring("k1"), postgres.Options{})
	if err == nil || !strings.Contains(err.Error(), `"gone"`) {
		t.Errorf("Open without a key in use: %v; want it refused naming the key", err)
	}
}

// TestSessionSettings: every connection commits synchronously, and the
// pool is larger than pgxpool's default of 4.
func TestSessionSettings(t *testing.T) {
	u, _ := pgtest.Schema(t)
	db := mustOpen(t, u)
	if got := db.PoolStats().MaxConns(); got < 16 {
		t.Errorf("pool of %d connections, want at least 16", got)
	}
	if err := db.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	got, err := postgres.SessionSetting(ctx, db, "synchronous_commit")
	if err != nil || got != "on" {
		t.Errorf("synchronous_commit = %q, %v; want on", got, err)
	}
}

// TestBadURL: a URL that does not parse is an error that does not echo it
// (it may hold a password).
func TestBadURL(t *testing.T) {
	_, err := postgres.Open(ctx, "postgres://user:s3cret@host:notaport/db", storetest.Keyring("k1"), postgres.Options{})
	if err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("Open with a bad URL: %v; want an error without the password", err)
	}
}

// TestCancelledCommit: a write whose context is cancelled while it runs
// either commits and says so, or fails and changes nothing: its outcome is
// never unknown to the caller.
func TestCancelledCommit(t *testing.T) {
	u, _ := pgtest.Schema(t)
	db := mustOpen(t, u)
	outcomes := map[bool]int{}
	for i := range 60 {
		c, cancel := context.WithCancel(ctx)
		name := fmt.Sprint("cancel-", i)
		done := make(chan error, 1)
		go func() {
			_, _, err := db.CreateKey(c, name, "", 0, 0)
			done <- err
		}()
		time.Sleep(time.Duration(i%12) * 100 * time.Microsecond) // cancel at various points
		cancel()
		err := <-done
		keys, lerr := db.ListKeys(ctx)
		if lerr != nil {
			t.Fatal(lerr)
		}
		stored := slices.ContainsFunc(keys, func(k auth.APIKey) bool { return k.Name == name })
		if stored != (err == nil) {
			t.Fatalf("attempt %d: CreateKey returned %v but the key is stored: %v", i, err, stored)
		}
		outcomes[stored]++
	}
	t.Logf("committed %d, rolled back %d", outcomes[true], outcomes[false])
}
