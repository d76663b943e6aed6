package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/palja/palja/auth"
	"github.com/palja/palja/crypto"
	"github.com/palja/palja/storage/sqlite"
)

// TestSeed: a first run creates a key and u0…u299 in its account, a second
// run with -key adds u300…u399 to the same account, and the profiles open
// with the keys of PALJA_ENCRYPTION_KEYS, as palja serve will open them.
func TestSeed(t *testing.T) {
	id, key, err := crypto.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	keys := crypto.FormatKey(id, key)
	getenv := func(name string) string {
		if name == "PALJA_ENCRYPTION_KEYS" {
			return keys
		}
		return ""
	}
	path := filepath.Join(t.TempDir(), "palja.db")
	ctx := context.Background()
	var stdout, stderr bytes.Buffer
	if err := run(ctx, []string{"-db", path, "-n", "300", "-workers", "16", "-progress", "0"}, getenv, &stdout, &stderr); err != nil {
		t.Fatalf("first run: %v\n%s", err, stderr.String())
	}
	secret := strings.TrimSpace(stdout.String())
	if !strings.HasPrefix(secret, auth.KeyPrefix) || strings.Contains(secret, "\n") {
		t.Fatalf("stdout %q is not one key secret", stdout.String())
	}
	stdout.Reset()
	if err := run(ctx, []string{"-db", path, "-key", secret, "-from", "300", "-n", "400", "-progress", "0"}, getenv, &stdout, &stderr); err != nil {
		t.Fatalf("second run: %v\n%s", err, stderr.String())
	}
	if stdout.Len() != 0 {
		t.Errorf("a run with -key printed %q", stdout.String())
	}
	if !strings.Contains(stderr.String(), "profiles/s") {
		t.Errorf("stderr does not report the rate:\n%s", stderr.String())
	}

	kr, err := crypto.ParseKeys(keys)
	if err != nil {
		t.Fatal(err)
	}
	db, err := sqlite.Open(ctx, path, kr, sqlite.Options{Passive: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	k, err := db.KeyByHash(ctx, auth.Hash(secret))
	if err != nil {
		t.Fatal(err)
	}
	if k.Rate != 1e6 || k.Burst != 1000000 {
		t.Errorf("key limits %g/%d, want 1e6/1000000", k.Rate, k.Burst)
	}
	seen := map[string]bool{}
	for after := ""; ; {
		page, more, err := db.Profiles().List(ctx, k.AccountID, 100, after)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range page {
			if p.ExternalID == nil || p.Name == "" || p.Version != 1 {
				t.Fatalf("profile %+v", p)
			}
			seen[*p.ExternalID] = true
		}
		if !more {
			break
		}
		after = page[len(page)-1].ID
	}
	if len(seen) != 400 || !seen["u0"] || !seen["u299"] || !seen["u300"] || !seen["u399"] {
		t.Errorf("%d distinct external ids, want u0…u399", len(seen))
	}

	// The same index again is a conflict, reported, not skipped.
	err = run(ctx, []string{"-db", path, "-key", secret, "-from", "399", "-n", "400", "-progress", "0"}, getenv, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "u399") {
		t.Errorf("re-seeding u399: %v, want an error naming it", err)
	}
}

func TestSeedNeedsKeys(t *testing.T) {
	path := filepath.Join(t.TempDir(), "palja.db")
	err := run(context.Background(), []string{"-db", path, "-n", "1"}, func(string) string { return "" }, &bytes.Buffer{}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "PALJA_ENCRYPTION_KEYS") {
		t.Errorf("without PALJA_ENCRYPTION_KEYS: %v", err)
	}
}
