package sqlite

import (
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/palja/palja/auth"
	"github.com/palja/palja/profile"
	"github.com/palja/palja/storage/storetest"
)

func TestKeys(t *testing.T) {
	clk := storetest.NewClock()
	db := mustOpenAt(t, filepath.Join(t.TempDir(), "palja.db"), storetest.Keyring("k1"), Options{Now: clk.Now})

	if n, err := db.CountKeys(ctx); err != nil || n != 0 {
		t.Fatalf("CountKeys of a new database = %d, %v", n, err)
	}
	secret, k, err := db.CreateKey(ctx, "ci", "", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !auth.WellFormed(secret) || k.Prefix != secret[:len(k.Prefix)] || len(k.Prefix) < len(auth.KeyPrefix) {
		t.Errorf("secret %q... with prefix %q", secret[:12], k.Prefix)
	}
	if len(k.AccountID) < 10 || k.AccountID[:5] != "acct_" || k.ID[:4] != "key_" || !k.CreatedAt.Equal(clk.Now()) || k.Name != "ci" {
		t.Errorf("key = %+v", k)
	}
	clk.Advance(time.Second)
	secret2, k2, err := db.CreateKey(ctx, "second", k.AccountID, 2.5, 7)
	if err != nil {
		t.Fatal(err)
	}
	if k2.AccountID != k.AccountID || secret2 == secret {
		t.Errorf("second key = %+v", k2)
	}
	if _, _, err := db.CreateKey(ctx, "x", "acct_nobody", 0, 0); !errors.Is(err, profile.ErrNotFound) {
		t.Errorf("CreateKey in an unknown account: %v", err)
	}
	for _, bad := range []struct {
		name  string
		rate  float64
		burst int
	}{{"", 0, 0}, {" ", 0, 0}, {"x", -1, 0}, {"x", 0, -1}} {
		if _, _, err := db.CreateKey(ctx, bad.name, "", bad.rate, bad.burst); err == nil {
			t.Errorf("CreateKey(%q, %v, %d) succeeded", bad.name, bad.rate, bad.burst)
		}
	}

	got, err := db.KeyByHash(ctx, auth.Hash(secret2))
	if err != nil || got.ID != k2.ID || got.Rate != 2.5 || got.Burst != 7 || got.RevokedAt != nil || got.LastUsedAt != nil {
		t.Errorf("KeyByHash = %+v, %v", got, err)
	}
	if _, err := db.KeyByHash(ctx, auth.Hash("pj_live_unknown")); !errors.Is(err, auth.ErrUnauthorized) {
		t.Errorf("KeyByHash of an unknown key: %v", err)
	}

	used := clk.Now().Add(time.Minute)
	if err := db.TouchKey(ctx, k.ID, used); err != nil {
		t.Fatal(err)
	}
	if err := db.TouchKey(ctx, k.ID, used.Add(-time.Hour)); err != nil { // earlier: ignored
		t.Fatal(err)
	}
	zero, zeroBurst := 0.0, 0
	if r, b, err := db.SetKeyLimits(ctx, k2.ID, &zero, &zeroBurst); err != nil || r != 0 || b != 0 {
		t.Fatalf("SetKeyLimits 0, 0: %v, %v, %v", r, b, err)
	}
	// Only the limits given change.
	rate, burst := 7.5, 9
	if r, b, err := db.SetKeyLimits(ctx, k2.ID, &rate, nil); err != nil || r != 7.5 || b != 0 {
		t.Errorf("rate only: %v, %v, %v", r, b, err)
	}
	if r, b, err := db.SetKeyLimits(ctx, k2.ID, nil, &burst); err != nil || r != 7.5 || b != 9 {
		t.Errorf("burst only: %v, %v, %v", r, b, err)
	}
	if r, b, err := db.SetKeyLimits(ctx, k2.ID, &zero, nil); err != nil || r != 0 || b != 9 {
		t.Errorf("rate back to the default: %v, %v, %v", r, b, err)
	}
	if _, _, err := db.SetKeyLimits(ctx, "key_nobody", &rate, &burst); !errors.Is(err, profile.ErrNotFound) {
		t.Errorf("SetKeyLimits of an unknown key: %v", err)
	}
	negative := -1.0
	if _, _, err := db.SetKeyLimits(ctx, k2.ID, &negative, nil); err == nil {
		t.Error("a negative rate was stored")
	}
	if r, b, err := db.SetKeyLimits(ctx, k2.ID, nil, &zeroBurst); err != nil || r != 0 || b != 0 {
		t.Errorf("burst back to the default: %v, %v, %v", r, b, err)
	}
	clk.Advance(time.Hour)
	if err := db.RevokeKey(ctx, k.ID); err != nil {
		t.Fatal(err)
	}
	if err := db.RevokeKey(ctx, k.ID); err != nil {
		t.Errorf("revoking again: %v", err)
	}
	if err := db.RevokeKey(ctx, "key_nobody"); !errors.Is(err, profile.ErrNotFound) {
		t.Errorf("RevokeKey of an unknown key: %v", err)
	}

	keys, err := db.ListKeys(ctx)
	if err != nil || len(keys) != 2 {
		t.Fatalf("ListKeys = %v, %v", keys, err)
	}
	first, second := keys[0], keys[1]
	if first.ID != k.ID || first.RevokedAt == nil || !first.RevokedAt.Equal(clk.Now()) ||
		first.LastUsedAt == nil || !first.LastUsedAt.Equal(used) {
		t.Errorf("first key = %+v", first)
	}
	if second.ID != k2.ID || second.Rate != 0 || second.Burst != 0 || second.RevokedAt != nil {
		t.Errorf("second key = %+v", second)
	}
	revoked, err := db.KeyByHash(ctx, auth.Hash(secret))
	if err != nil || revoked.RevokedAt == nil {
		t.Errorf("KeyByHash of a revoked key = %+v, %v; want it, revoked", revoked, err)
	}
	if n, err := db.CountKeys(ctx); err != nil || n != 2 {
		t.Errorf("CountKeys = %d, %v", n, err)
	}
}

// TestCreateFirstKey races CreateFirstKey from several handles on one new
// database, as servers starting together would: exactly one creates a key.
func TestCreateFirstKey(t *testing.T) {
	for round := range 10 {
		path := filepath.Join(t.TempDir(), fmt.Sprintf("palja%d.db", round))
		kr := storetest.Keyring("k1")
		const n = 4
		dbs := make([]*DB, n)
		for i := range dbs {
			dbs[i] = mustOpenAt(t, path, kr, Options{Synchronous: "NORMAL"})
		}
		var (
			wg      sync.WaitGroup
			start   = make(chan struct{})
			secrets = make([]string, n)
			keys    = make([]*auth.APIKey, n)
			created = make([]bool, n)
			errs    = make([]error, n)
		)
		for i := range dbs {
			wg.Go(func() {
				<-start
				secrets[i], keys[i], created[i], errs[i] = dbs[i].CreateFirstKey(ctx, "bootstrap")
			})
		}
		close(start)
		wg.Wait()
		winners := 0
		for i := range dbs {
			switch {
			case errs[i] != nil:
				t.Errorf("round %d, handle %d: %v", round, i, errs[i])
			case created[i]:
				winners++
				if !auth.WellFormed(secrets[i]) || keys[i] == nil || keys[i].Name != "bootstrap" || keys[i].AccountID == "" {
					t.Errorf("round %d: created key %+v", round, keys[i])
				}
			case secrets[i] != "" || keys[i] != nil:
				t.Errorf("round %d, handle %d: not created, yet returned %+v", round, i, keys[i])
			}
		}
		if winners != 1 {
			t.Errorf("round %d: %d handles created a first key, want 1", round, winners)
		}
		if c, err := dbs[0].CountKeys(ctx); err != nil || c != 1 {
			t.Errorf("round %d: CountKeys = %d, %v; want 1", round, c, err)
		}
	}

	// A revoked key still counts: no new first key.
	db := mustOpen(t)
	_, k, created, err := db.CreateFirstKey(ctx, "bootstrap")
	if err != nil || !created {
		t.Fatalf("CreateFirstKey = %v, %v", created, err)
	}
	if err := db.RevokeKey(ctx, k.ID); err != nil {
		t.Fatal(err)
	}
	if _, k2, created, err := db.CreateFirstKey(ctx, "bootstrap"); err != nil || created || k2 != nil {
		t.Errorf("CreateFirstKey with a revoked key = %+v, %v, %v; want nothing created", k2, created, err)
	}
	if _, _, _, err := db.CreateFirstKey(ctx, " "); err == nil {
		t.Error("CreateFirstKey with a blank name: no error")
	}
}

// TestSetKeyLimitsConcurrent: concurrent changes of a key's rate and of its
// burst both take effect; neither writes back a stale copy of the other.
func TestSetKeyLimitsConcurrent(t *testing.T) {
	db, err := Open(ctx, filepath.Join(t.TempDir(), "palja.db"), storetest.Keyring("k1"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_, k, err := db.CreateKey(ctx, "k", "", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 50; i++ {
		rate, burst := float64(i), i
		var wg sync.WaitGroup
		wg.Go(func() {
			if _, _, err := db.SetKeyLimits(ctx, k.ID, &rate, nil); err != nil {
				t.Error(err)
			}
		})
		wg.Go(func() {
			if _, _, err := db.SetKeyLimits(ctx, k.ID, nil, &burst); err != nil {
				t.Error(err)
			}
		})
		wg.Wait()
		keys, err := db.ListKeys(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got := keys[0]; got.Rate != rate || got.Burst != burst {
			t.Fatalf("round %d: rate %v, burst %d; want %v, %d", i, got.Rate, got.Burst, rate, burst)
		}
	}
}
