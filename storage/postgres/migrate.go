package postgres

import (
	"context"
	"embed"
	"fmt"
	"time"

	"github.com/palja/palja/storage/internal/schema"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// migrations returns the embedded migrations, ordered by version.
func migrations() ([]schema.Migration, error) { return schema.Migrations(migrationFS, "migrations") }

// sqlMigrateLock names the session advisory lock that serializes
// migrations, one per schema, so that processes starting together on one
// database apply each migration exactly once.
const sqlMigrateLock = "hashtextextended('palja migrate ' || current_schema(), 0)"

// migrate applies the migrations not yet recorded in schema_migrations,
// each in its own transaction together with its record, while holding the
// migration lock on one connection, and refuses a schema newer than the
// newest migration it knows.
func migrate(ctx context.Context, pool *pgxpool.Pool, now time.Time) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock("+sqlMigrateLock+")"); err != nil {
		return fmt.Errorf("take the migration lock: %w", err)
	}
	defer conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock("+sqlMigrateLock+")")

	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
    version    integer PRIMARY KEY,
    applied_at bigint NOT NULL
)`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	var newest int
	if err := conn.QueryRow(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&newest); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if known := ms[len(ms)-1].Version; newest > known {
		return fmt.Errorf("database schema version %d is newer than this program's %d: upgrade palja", newest, known)
	}
	for _, m := range ms {
		if m.Version <= newest {
			continue
		}
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, m.SQL); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, "INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)", m.Version, now.Unix())
			return err
		})
		if err != nil {
			return fmt.Errorf("migration %s: %w", m.Name, err)
		}
	}
	return nil
}
