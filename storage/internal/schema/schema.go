// Package schema holds what the SQL backends of palja (storage/sqlite,
// storage/postgres) share that is not about sealing: reading their
// embedded migrations ([Migrations]), the API key row as both store it
// ([KeyRow]), [Nullable] query arguments, the [Janitor] that runs their
// hourly purge, and reading the rows of the key check ([CheckValues],
// [KeySamples]).
package schema

import (
	"cmp"
	"database/sql"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/palja/palja/auth"
	"github.com/palja/palja/storage/sealed"
)

// A Migration is one file of a backend's migrations directory.
type Migration struct {
	Version int    // NNNN of NNNN_description.sql
	Name    string // the file name
	SQL     string
}

// Migrations returns the migrations in directory dir of fsys, ordered by
// version. A file is named NNNN_description.sql; NNNN is its version, at
// least 1, and no two files share one.
func Migrations(fsys fs.FS, dir string) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, err
	}
	var ms []Migration
	for _, e := range entries {
		num, _, _ := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if err != nil || v < 1 {
			return nil, fmt.Errorf("migration %s: name must start with a version number", e.Name())
		}
		b, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		ms = append(ms, Migration{Version: v, Name: e.Name(), SQL: string(b)})
	}
	slices.SortFunc(ms, func(a, b Migration) int { return cmp.Compare(a.Version, b.Version) })
	for i := 1; i < len(ms); i++ {
		if ms[i].Version == ms[i-1].Version {
			return nil, fmt.Errorf("migrations %s and %s have the same version", ms[i-1].Name, ms[i].Name)
		}
	}
	return ms, nil
}

// KeyRow is a row of api_keys as both SQL backends select it: rate and
// burst NULL for the server's default, times in Unix seconds.
type KeyRow struct {
	ID         string          `db:"id"`
	AccountID  string          `db:"account_id"`
	Name       string          `db:"name"`
	Prefix     string          `db:"prefix"`
	Rate       sql.NullFloat64 `db:"rate"`
	Burst      sql.NullInt64   `db:"burst"`
	CreatedAt  int64           `db:"created_at"`
	LastUsedAt sql.NullInt64   `db:"last_used_at"`
	RevokedAt  sql.NullInt64   `db:"revoked_at"`
}

// Dest returns the addresses to scan a row into, in the column order
// id, account_id, name, prefix, rate, burst, created_at, last_used_at,
// revoked_at.
func (r *KeyRow) Dest() []any {
	return []any{&r.ID, &r.AccountID, &r.Name, &r.Prefix, &r.Rate, &r.Burst, &r.CreatedAt, &r.LastUsedAt, &r.RevokedAt}
}

// Key returns the row as an [auth.APIKey].
func (r *KeyRow) Key() *auth.APIKey {
	k := &auth.APIKey{
		ID: r.ID, AccountID: r.AccountID, Name: r.Name, Prefix: r.Prefix,
		Rate: r.Rate.Float64, Burst: int(r.Burst.Int64),
		CreatedAt: time.Unix(r.CreatedAt, 0).UTC(),
	}
	if r.LastUsedAt.Valid {
		t := time.Unix(r.LastUsedAt.Int64, 0).UTC()
		k.LastUsedAt = &t
	}
	if r.RevokedAt.Valid {
		t := time.Unix(r.RevokedAt.Int64, 0).UTC()
		k.RevokedAt = &t
	}
	return k
}

// Nullable returns s as a query argument: NULL for nil.
func Nullable(s *string) any {
	if s == nil {
		return nil
	}
	return *s
}

// A Janitor runs a job every interval in a goroutine of its own, such as a
// backend's hourly purge of expired idempotency keys, until [Janitor.Stop].
type Janitor struct {
	stop, done chan struct{}
}

// StartJanitor runs job every interval from now on.
func StartJanitor(every time.Duration, job func()) *Janitor {
	j := &Janitor{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(j.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-j.stop:
				return
			case <-t.C:
				job()
			}
		}
	}()
	return j
}

// Stop ends the janitor and waits for a job in progress. Call it once.
func (j *Janitor) Stop() {
	close(j.stop)
	<-j.done
}

// Rows is what both drivers' query results offer (*sql.Rows, pgx.Rows).
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// CheckValues reads rows of (key_id, sealed) from key_checks into a map, as
// [sealed.Sealer.VerifyKeys] takes them. The caller closes rows.
func CheckValues(rows Rows) (map[string][]byte, error) {
	checks := map[string][]byte{}
	for rows.Next() {
		var id string
		var check []byte
		if err := rows.Scan(&id, &check); err != nil {
			return nil, fmt.Errorf("read key checks: %w", err)
		}
		checks[id] = check
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read key checks: %w", err)
	}
	return checks, nil
}

// KeySamples reads rows of (account_id, id, sealed) of profiles sealed
// under one key, as [sealed.Sealer.VerifyKeys] samples them. The caller
// closes rows.
func KeySamples(rows Rows) ([]sealed.KeySample, error) {
	var samples []sealed.KeySample
	for rows.Next() {
		var k sealed.KeySample
		if err := rows.Scan(&k.Account, &k.Row.ID, &k.Row.Sealed); err != nil {
			return nil, err
		}
		samples = append(samples, k)
	}
	return samples, rows.Err()
}
