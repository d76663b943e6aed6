package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"time"

	"github.com/palja/palja/storage/internal/schema"
)

// Migrations.

//go:embed migrations/*.sql
var migrationFS embed.FS

// migrations returns the embedded migrations, ordered by version.
func migrations() ([]schema.Migration, error) { return schema.Migrations(migrationFS, "migrations") }

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
		if known := ms[len(ms)-1].Version; current > known {
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
			err := conn.QueryRowContext(ctx, rebind("SELECT COUNT(*) FROM schema_migrations WHERE version = ?"), m.Version).Scan(&n)
			if err != nil || n > 0 {
				return err
			}
			if _, err := conn.ExecContext(ctx, m.SQL); err != nil {
				return err
			}
			_, err = conn.ExecContext(ctx, rebind("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)"), m.Version, now.Unix())
			return err
		})
		if err != nil {
			return fmt.Errorf("migration %s: %w", m.Name, err)
		}
	}
	var newest int
	if err := conn.QueryRowContext(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&newest); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if known := ms[len(ms)-1].Version; newest > known {
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
