// Package pgtest gives tests a PostgreSQL database of their own: a fresh
// schema in the database named by PALJA_TEST_DATABASE_URL, dropped when the
// test ends. Without that variable the test is skipped with a message
// saying so, unless PALJA_TEST_REQUIRE_SERVICES is set (as .ci/run sets
// it), which makes a missing server a failure instead: in CI these tests
// must run.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvURL names the variable that holds the test server's URL.
const EnvURL = "PALJA_TEST_DATABASE_URL"

// ServerURL returns PALJA_TEST_DATABASE_URL, or skips the test (fails it
// when PALJA_TEST_REQUIRE_SERVICES is set) when it is unset.
func ServerURL(tb testing.TB) string {
	tb.Helper()
	u := os.Getenv(EnvURL)
	if u == "" {
		if os.Getenv("PALJA_TEST_REQUIRE_SERVICES") != "" {
			tb.Fatalf("%s is not set but PALJA_TEST_REQUIRE_SERVICES is: the PostgreSQL tests must run here", EnvURL)
		}
		tb.Skipf("%s is not set: no PostgreSQL to test against (.ci/run starts one; see docs/testing.md, Distributed mode)", EnvURL)
	}
	return u
}

// Schema creates an empty schema and returns the URL of the test database
// with search_path set to it, so that everything the code under test
// creates lands there. The schema is dropped when the test ends.
func Schema(tb testing.TB) (dbURL, schema string) {
	tb.Helper()
	base := ServerURL(tb)
	var b [6]byte
	rand.Read(b[:])
	schema = "t_" + hex.EncodeToString(b[:])
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		tb.Fatalf("connect to %s: %v", EnvURL, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		tb.Fatalf("create schema: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			tb.Errorf("drop schema %s: %v", schema, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			tb.Errorf("drop schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		tb.Fatalf("%s must be a postgres:// URL", EnvURL)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), schema
}

// Raw returns every value stored in the tables of schema, each as the
// bytes PostgreSQL holds (bytea as it is, everything else as its text),
// for the checks that nothing is stored in plaintext.
func Raw(ctx context.Context, dbURL, schema string) ([]byte, error) {
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return nil, err
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, "SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = $1 ORDER BY 1, 2", schema)
	if err != nil {
		return nil, err
	}
	type col struct{ table, column, typ string }
	cols, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (col, error) {
		var c col
		return c, r.Scan(&c.table, &c.column, &c.typ)
	})
	if err != nil {
		return nil, err
	}
	var all []byte
	for _, c := range cols {
		expr := fmt.Sprintf("convert_to(%s::text, 'UTF8')", pgx.Identifier{c.column}.Sanitize())
		if c.typ == "bytea" {
			expr = pgx.Identifier{c.column}.Sanitize()
		}
		rows, err := conn.Query(ctx, "SELECT "+expr+" FROM "+pgx.Identifier{schema, c.table}.Sanitize())
		if err != nil {
			return nil, err
		}
		vals, err := pgx.CollectRows(rows, pgx.RowTo[[]byte])
		if err != nil {
			return nil, err
		}
		for _, v := range vals {
			all = append(all, v...)
			all = append(all, 0)
		}
	}
	return all, nil
}
