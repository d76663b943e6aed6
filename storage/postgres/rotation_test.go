package postgres_test

import (
	"errors"
	"testing"
	"time"

	"github.com/palja/palja/crypto"
	"github.com/palja/palja/profile"
	"github.com/palja/palja/storage/postgres"
	"github.com/palja/palja/storage/postgres/pgtest"
	"github.com/palja/palja/storage/storetest"
)

// TestRotationAcrossInstances walks docs/distributed.md's order of a key rotation
// over several instances of one database, each a handle with its own ring:
// every instance first learns the new key as a decrypt-only key, and only
// then does any make it primary; at no step does a read fail. It also
// shows why the order matters: an instance that does not know the new key
// cannot read what another sealed with it.
func TestRotationAcrossInstances(t *testing.T) {
	u, _ := pgtest.Schema(t)
	open := func(ids ...crypto.KeyID) *postgres.DB {
		t.Helper()
		db, err := postgres.Open(ctx, u, storetest.Keyring(ids...), postgres.Options{})
		if err != nil {
			t.Fatalf("Open with %v: %v", ids, err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	a, b := open("k1"), open("k1")
	_, k, err := a.CreateKey(ctx, "rot", "", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	acct := k.AccountID
	var ids []string
	write := func(db *postgres.DB, name string) {
		t.Helper()
		p := benchProfile2(t, acct, name)
		if _, _, err := db.Profiles().Create(ctx, p, nil); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, p.ID)
	}
	readAll := func(step string, dbs ...*postgres.DB) {
		t.Helper()
		for i, db := range dbs {
			for _, id := range ids {
				if _, err := db.Profiles().Get(ctx, acct, id); err != nil {
					t.Errorf("%s: instance %d cannot read %s: %v", step, i, id, err)
				}
			}
		}
	}
	write(a, "before")

	// A wrong order: an instance made k2 primary while another lacks k2.
	wrong := open("k2", "k1")
	lacking := open("k1")
	p := benchProfile2(t, acct, "sealed under k2")
	if _, _, err := wrong.Profiles().Create(ctx, p, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := lacking.Profiles().Get(ctx, acct, p.ID); !errors.Is(err, crypto.ErrUnknownKey) {
		t.Errorf("an instance without k2 read a profile sealed under k2: %v; want ErrUnknownKey (a 500)", err)
	}
	if _, err := postgres.Open(ctx, u, storetest.Keyring("k1"), postgres.Options{}); err == nil {
		t.Error("an instance without k2 started on a database holding a profile under k2")
	}
	if err := wrong.Profiles().Delete(ctx, acct, p.ID, nil); err != nil {
		t.Fatal(err)
	}

	// 1. Every instance learns k2, still sealing with k1 (rolling restart).
	a = open("k1", "k2")
	write(a, "step 1 a")
	readAll("step 1, half restarted", a, b)
	b = open("k1", "k2")
	readAll("step 1", a, b)

	// 2. Then each makes k2 primary, one after the other: the others can
	// already read what it seals.
	a = open("k2", "k1")
	write(a, "step 2 a")
	write(b, "step 2 b (k1)")
	readAll("step 2, half restarted", a, b)
	b = open("k2", "k1")
	write(b, "step 2 b")
	readAll("step 2", a, b)

	// 3. Re-encrypt, then 4. drop k1 everywhere.
	if _, err := a.Reencrypt(ctx, 2, nil); err != nil {
		t.Fatal(err)
	}
	a, b = open("k2"), open("k2")
	readAll("step 4", a, b)
}

func benchProfile2(t *testing.T, acct, name string) *profile.Profile {
	t.Helper()
	now := time.Now().UTC().Truncate(time.Second)
	p := &profile.Profile{ID: profile.NewID(profile.IDPrefix), AccountID: acct, Name: name,
		BirthYear: 1990, BirthMonth: 5, BirthDay: 15, Version: 1, CreatedAt: now, UpdatedAt: now}
	if err := p.Recompute(); err != nil {
		t.Fatal(err)
	}
	return p
}
