package sqlite

import (
	"database/sql"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/palja/palja/profile"
	"github.com/palja/palja/storage/storetest"
)

// benchProfiles opens a database with synchronous mode sync and n profiles.
func benchProfiles(b *testing.B, sync string, n int) (*DB, string, []string) {
	b.Helper()
	db := mustOpenAt(b, filepath.Join(b.TempDir(), "palja.db"), storetest.Keyring("k1"), Options{Synchronous: sync})
	acct := newAccount(b, db)
	ids := make([]string, n)
	for i := range ids {
		ids[i] = mustCreate(b, db, acct, fmt.Sprintf("김영%d", i), profile.Patch{BirthHour: num(i % 24), Gender: str("female")}).ID
	}
	return db, acct, ids
}

// BenchmarkUpdate measures concurrent PUT-like updates (read, merge of one
// field, write) through the writer, each acknowledged after its group's
// commit, with 1, 32 and 128 concurrent callers (as HTTP clients would be).
// groups/op shows how many commits (fsyncs) the updates shared.
func BenchmarkUpdate(b *testing.B) {
	for _, sync := range []string{"FULL", "NORMAL"} {
		for _, clients := range []int{1, 32, 128} {
			b.Run(fmt.Sprintf("%s/clients=%d", sync, clients), func(b *testing.B) {
				db, acct, ids := benchProfiles(b, sync, 1000)
				patch := &profile.Patch{Gender: str("male")}
				b.SetParallelism(max(1, clients/runtime.GOMAXPROCS(0)))
				b.ReportAllocs()
				b.ResetTimer()
				batches := db.w.batches.Load()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						id := ids[rand.IntN(len(ids))]
						_, err := db.Profiles().Update(ctx, acct, id, func(p *profile.Profile) error {
							_, err := p.Merge(patch)
							return err
						})
						if err != nil {
							b.Error(err)
							return
						}
					}
				})
				b.ReportMetric(float64(db.w.batches.Load()-batches)/float64(b.N), "groups/op")
			})
		}
	}
}

func BenchmarkGet(b *testing.B) {
	db, acct, ids := benchProfiles(b, "NORMAL", 1000)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := db.Profiles().Get(ctx, acct, ids[rand.IntN(len(ids))]); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func BenchmarkCreate(b *testing.B) {
	db, acct, _ := benchProfiles(b, "FULL", 0)
	b.SetParallelism(max(1, 32/runtime.GOMAXPROCS(0)))
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			p := newProfile(b, acct, "김영희", profile.Patch{})
			if _, _, err := db.Profiles().Create(ctx, p, nil); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkSQLiteAlone is what SQLite alone costs for the writes of PUTs:
// palja's schema, connection settings and pragmas, and none of palja's
// code. One goroutine runs the writer's conditional UPDATE of a sealed
// profile (stUpdateSealedIf, with an 87-byte ciphertext: a seeded
// profile's is 81 to 87, scripts/load/seed), group UPDATEs to a
// transaction (BEGIN IMMEDIATE, as the writer's), on one row (rows=1, a
// hot profile) or on rows chosen uniformly from 100,000; the statements
// are prepared, as the writer's are. ns/op is one UPDATE with its share
// of its group's COMMIT (fsync and WAL checkpoints included): the floor of
// the writer's time per PUT, which no change above SQLite can go under.
// docs/load-testing.md compares it with palja's writer.
func BenchmarkSQLiteAlone(b *testing.B) {
	for _, rows := range []int{1, 100000} {
		for _, group := range []int{16, 64} {
			b.Run(fmt.Sprintf("rows=%d/group=%d", rows, group), func(b *testing.B) {
				benchSQLiteAlone(b, rows, group)
			})
		}
	}
}

func benchSQLiteAlone(b *testing.B, rows, group int) {
	path := filepath.Join(b.TempDir(), "palja.db")
	pdb, err := Open(ctx, path, storetest.Keyring("k1"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	acct := newAccount(b, pdb)
	if err := pdb.Close(); err != nil {
		b.Fatal(err)
	}
	raw, err := sql.Open(driverName, dsn(path, "FULL", false))
	if err != nil {
		b.Fatal(err)
	}
	defer raw.Close()
	raw.SetMaxOpenConns(1)
	exec := func(q string, args ...any) {
		b.Helper()
		if _, err := raw.ExecContext(ctx, q, args...); err != nil {
			b.Fatalf("%s: %v", q, err)
		}
	}
	exec(sqlWriterPragmas)
	sealed := make([]byte, 87)
	ids := make([]string, rows+1) // by seq
	exec(sqlBegin)
	for i := 1; i <= rows; i++ {
		ids[i] = fmt.Sprintf("prf_%016d", i)
		exec(statements[stInsertProfile].query, ids[i], acct, fmt.Sprintf("u%d", i), "k1", sealed, 1, 0, 0)
	}
	exec("COMMIT")
	exec("PRAGMA wal_checkpoint(TRUNCATE)")
	prepare := func(q string) *sql.Stmt {
		b.Helper()
		st, err := raw.PrepareContext(ctx, q)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { st.Close() })
		return st
	}
	begin, commit, update := prepare(sqlBegin), prepare("COMMIT"), prepare(statements[stUpdateSealedIf].query)
	run := func(st *sql.Stmt) {
		if _, err := st.ExecContext(ctx); err != nil {
			b.Fatal(err)
		}
	}
	versions := make([]int64, rows+1)
	for i := range versions {
		versions[i] = 1
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if i%group == 0 {
			run(begin)
		}
		seq := 1 + rand.IntN(rows)
		sealed[i%len(sealed)]++
		res, err := update.ExecContext(ctx, sealed, versions[seq]+1, i, seq, ids[seq], versions[seq], "k1")
		if err != nil {
			b.Fatal(err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			b.Fatalf("UPDATE of row %d changed %d rows", seq, n)
		}
		versions[seq]++
		if i%group == group-1 || i == b.N-1 {
			run(commit)
		}
	}
}
