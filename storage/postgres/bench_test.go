package postgres_test

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"github.com/palja/palja/profile"
	"github.com/palja/palja/storage/postgres"
	"github.com/palja/palja/storage/postgres/pgtest"
)

// benchProfiles opens a fresh schema with n profiles in one account.
func benchProfiles(b *testing.B, n int) (*postgres.DB, string, []string) {
	b.Helper()
	u, _ := pgtest.Schema(b)
	db := mustOpen(b, u)
	_, k, err := db.CreateKey(ctx, "bench", "", 0, 0)
	if err != nil {
		b.Fatal(err)
	}
	ids := make([]string, n)
	for i := range ids {
		p := benchProfile(b, k.AccountID, fmt.Sprintf("김영%d", i))
		if _, _, err := db.Profiles().Create(ctx, p, nil); err != nil {
			b.Fatal(err)
		}
		ids[i] = p.ID
	}
	return db, k.AccountID, ids
}

func benchProfile(b *testing.B, acct, name string) *profile.Profile {
	hour, gender := 10, "female"
	now := time.Now().UTC().Truncate(time.Second)
	p := &profile.Profile{ID: profile.NewID(profile.IDPrefix), AccountID: acct, Name: name,
		BirthYear: 1990, BirthMonth: 5, BirthDay: 15, BirthHour: &hour, Gender: &gender,
		Version: 1, CreatedAt: now, UpdatedAt: now}
	if err := p.Recompute(); err != nil {
		b.Fatal(err)
	}
	return p
}

// BenchmarkUpdate measures concurrent PUT-like updates (SELECT … FOR
// UPDATE, merge of one field, UPDATE, COMMIT with synchronous commit) with
// 1, 32 and 128 concurrent callers, as storage/sqlite's BenchmarkUpdate
// does for SQLite's group commit.
func BenchmarkUpdate(b *testing.B) {
	for _, clients := range []int{1, 32, 128} {
		b.Run(fmt.Sprintf("clients=%d", clients), func(b *testing.B) {
			db, acct, ids := benchProfiles(b, 1000)
			patch := &profile.Patch{Gender: profile.Opt[string]{Set: true, V: "male"}}
			b.SetParallelism(max(1, clients/runtime.GOMAXPROCS(0)))
			b.ReportAllocs()
			b.ResetTimer()
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
		})
	}
}

func BenchmarkCreate(b *testing.B) {
	db, acct, _ := benchProfiles(b, 0)
	b.SetParallelism(max(1, 32/runtime.GOMAXPROCS(0)))
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, _, err := db.Profiles().Create(ctx, benchProfile(b, acct, "김영희"), nil); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func BenchmarkGet(b *testing.B) {
	db, acct, ids := benchProfiles(b, 1000)
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
