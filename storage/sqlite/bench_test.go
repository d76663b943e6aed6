package sqlite

import (
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
