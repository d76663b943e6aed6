package profile_test

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/palja/palja/profile"
	"github.com/palja/palja/storage/sqlite"
)

// BenchmarkPut measures one PUT through the whole handler (auth, limiter,
// decode, merge, recompute, encrypt, SQLite commit) in process, alternating
// two bodies that both change the birth date (every request recomputes).
func BenchmarkPut(b *testing.B) {
	for _, sync := range []string{"NORMAL", "FULL"} {
		b.Run("synchronous="+sync, func(b *testing.B) {
			db, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "b.db"), testKeyring(b), sqlite.Options{Synchronous: sync})
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			secret, _, err := db.CreateKey(context.Background(), "bench", "", 1e9, 1e9)
			if err != nil {
				b.Fatal(err)
			}
			h := profile.NewHandler(slog.New(slog.NewTextHandler(io.Discard, nil)), db.Profiles(), db, profile.Config{})
			req := httptest.NewRequest("POST", "/v1/profiles", strings.NewReader(kim))
			req.Header.Set("X-API-Key", secret)
			req.Header.Set("Content-Type", "application/json")
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			if w.Code != 201 {
				b.Fatal(w.Code, w.Body.String())
			}
			bodies := []string{`{"birth_day":16,"birth_hour":null}`, `{"name":"박영수","birth_day":15,"birth_hour":10}`}
			b.ReportAllocs()
			b.SetParallelism(16) // 32 concurrent clients on 2 cores, as under wrk -c64
			b.RunParallel(func(pb *testing.PB) {
				i := 0
				for pb.Next() {
					req := httptest.NewRequest("PUT", "/v1/profiles/user_1", strings.NewReader(bodies[i%2]))
					req.Header.Set("X-API-Key", secret)
					req.Header.Set("Content-Type", "application/json")
					w := httptest.NewRecorder()
					h.ServeHTTP(w, req)
					if w.Code != 200 {
						b.Fatal(w.Code, w.Body.String())
					}
					i++
				}
			})
		})
	}
}
