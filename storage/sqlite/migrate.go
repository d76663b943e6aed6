package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
)

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
	// A current schema needs no write lock: read its version first, so that
	// a read-only command works while another process holds the lock.
	var current int
	if err := conn.QueryRowContext(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&current); err == nil {
		if known := ms[len(ms)-1].version; current > known {
			return fmt.Errorf("database schema version %d is newer than this program's %d", current, known)
		} else if current == known {
			return nil
		}
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
