package profile_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/palja/palja/auth"
	"github.com/palja/palja/profile"
	"github.com/palja/palja/storage/memory"
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

// BenchmarkGetSaju measures GET /v1/profiles/{ref}/saju through the whole
// handler (auth, limiter, read, decrypt, encode) in process, on the
// in-memory backend (the encoder's share) and on SQLite; the profile has a
// known hour and a gender, so the answer carries every derived field.
func BenchmarkGetSaju(b *testing.B) {
	for _, backend := range []string{"memory", "sqlite"} {
		b.Run(backend, func(b *testing.B) {
			var (
				keys interface {
					CreateKey(ctx context.Context, name, account string, rate float64, burst int) (string, *auth.APIKey, error)
				}
				h http.Handler
			)
			switch backend {
			case "memory":
				s, err := memory.New().Open(testKeyring(b), nil)
				if err != nil {
					b.Fatal(err)
				}
				defer s.Close()
				keys = s
				h = profile.NewHandler(slog.New(slog.NewTextHandler(io.Discard, nil)), s, s, profile.Config{})
			case "sqlite":
				db, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "b.db"), testKeyring(b), sqlite.Options{Synchronous: "NORMAL"})
				if err != nil {
					b.Fatal(err)
				}
				defer db.Close()
				keys = db
				h = profile.NewHandler(slog.New(slog.NewTextHandler(io.Discard, nil)), db.Profiles(), db, profile.Config{})
			}
			secret, _, err := keys.CreateKey(context.Background(), "bench", "", 1e9, 1e9)
			if err != nil {
				b.Fatal(err)
			}
			req := httptest.NewRequest("POST", "/v1/profiles", strings.NewReader(kim))
			req.Header.Set("X-API-Key", secret)
			req.Header.Set("Content-Type", "application/json")
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			if w.Code != 201 {
				b.Fatal(w.Code, w.Body.String())
			}
			req = httptest.NewRequest("GET", "/v1/profiles/user_1/saju", nil)
			req.Header.Set("X-API-Key", secret)
			b.ReportAllocs()
			var n int
			for b.Loop() {
				w := httptest.NewRecorder()
				h.ServeHTTP(w, req)
				if w.Code != 200 {
					b.Fatal(w.Code, w.Body.String())
				}
				n = w.Body.Len()
			}
			b.ReportMetric(float64(n), "B/body")
		})
	}
}
