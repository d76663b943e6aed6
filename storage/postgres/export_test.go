package postgres

import "context"

// SessionSetting returns a run-time setting of a pooled connection.
func SessionSetting(ctx context.Context, db *DB, name string) (string, error) {
	var v string
	err := db.pool.QueryRow(ctx, "SELECT current_setting($1)", name).Scan(&v)
	return v, err
}
