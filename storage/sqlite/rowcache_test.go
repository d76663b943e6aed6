package sqlite

import (
	"errors"
	"fmt"
	"testing"

	"github.com/palja/palja/profile"
)

// TestRowCacheStale updates a profile through one handle, whose cache then
// holds it, and again through another: the first handle's next update is
// prepared on its stale entry, yet decides on the latest state, and an
// If-Match that only the latest state satisfies is not refused.
func TestRowCacheStale(t *testing.T) {
	h1 := mustOpen(t)
	h2 := OpenSecond(t, h1)
	acct := newAccount(t, h1)
	p := mustCreate(t, h1, acct, "Ada", profile.Patch{ExternalID: str("ada")})
	if _, err := h1.Profiles().Update(ctx, acct, "ada", rename("Bea")); err != nil {
		t.Fatal(err)
	}
	var r profileRow
	if !h1.rows.get(acct, "ada", &r) || r.Version != 2 {
		t.Fatalf("after an update the cache holds version %d (cached: %v), want 2", r.Version, r.ID != "")
	}
	if _, err := h2.Profiles().Update(ctx, acct, "ada", rename("Cid")); err != nil {
		t.Fatal(err)
	}
	var seen []int64
	got, err := h1.Profiles().Update(ctx, acct, "ada", func(q *profile.Profile) error {
		seen = append(seen, q.Version)
		if q.Version != 3 { // If-Match: "v3"
			return profile.ErrPreconditionFailed
		}
		q.Name += "+"
		return nil
	})
	if err != nil {
		t.Fatalf("If-Match of the latest version refused on a stale cache entry: %v (fn saw versions %v)", err, seen)
	}
	if got.Version != 4 || got.Name != "Cid+" {
		t.Errorf("version %d name %q, want 4 and Cid+", got.Version, got.Name)
	}
	if fmt.Sprint(seen) != "[2 3]" {
		t.Errorf("fn saw versions %v, want the cached 2, then the stored 3", seen)
	}
	// A refusal on a fresh read stands.
	_, err = h1.Profiles().Update(ctx, acct, p.ID, func(q *profile.Profile) error {
		if q.Version != 3 {
			return profile.ErrPreconditionFailed
		}
		return nil
	})
	if !errors.Is(err, profile.ErrPreconditionFailed) {
		t.Errorf("If-Match of an old version: %v, want ErrPreconditionFailed", err)
	}
}

// TestRowCacheDelete deletes a cached profile: its ciphertexts leave the
// cache, and an update by a stale entry is not found.
func TestRowCacheDelete(t *testing.T) {
	h1 := mustOpen(t)
	h2 := OpenSecond(t, h1)
	acct := newAccount(t, h1)
	p := mustCreate(t, h1, acct, "Ada", profile.Patch{ExternalID: str("ada")})
	q := mustCreate(t, h1, acct, "Bob", profile.Patch{ExternalID: str("bob")})
	noop := func(*profile.Profile) error { return nil }
	for _, ref := range []string{p.ID, "ada", "bob"} {
		if _, err := h1.Profiles().Update(ctx, acct, ref, noop); err != nil {
			t.Fatal(err)
		}
	}
	if err := h1.Profiles().Delete(ctx, acct, p.ID, nil); err != nil {
		t.Fatal(err)
	}
	var r profileRow
	for _, ref := range []string{p.ID, "ada"} {
		if h1.rows.get(acct, ref, &r) {
			t.Errorf("%s still cached after the delete", ref)
		}
	}
	// Deleted by another process: h1's entry is stale.
	if err := h2.Profiles().Delete(ctx, acct, "bob", nil); err != nil {
		t.Fatal(err)
	}
	if !h1.rows.get(acct, "bob", &r) || r.ID != q.ID {
		t.Fatal("bob not cached in h1")
	}
	if _, err := h1.Profiles().Update(ctx, acct, "bob", noop); !errors.Is(err, profile.ErrNotFound) {
		t.Errorf("update of a profile another handle deleted: %v, want ErrNotFound", err)
	}
}

// TestRowCacheBound fills a small cache: it stays within its bound, keeps
// the latest entry, and never replaces a version by an older one.
func TestRowCacheBound(t *testing.T) {
	c := newRowCache()
	c.max = 10 << 10
	sealed := make([]byte, 300)
	for i := range 1000 {
		r := profileRow{Seq: int64(i)}
		r.ID, r.Sealed, r.Version = fmt.Sprintf("prf_%d", i), sealed, 1
		c.putSince(c.epoch(), "acct", r.ID, &r)
		if c.bytes > c.max {
			t.Fatalf("%d bytes cached, bound %d", c.bytes, c.max)
		}
	}
	var r profileRow
	if !c.get("acct", "prf_999", &r) || len(c.m) < 10 {
		t.Errorf("latest entry cached: %v; %d entries", r.ID == "prf_999", len(c.m))
	}
	newer := profileRow{}
	newer.ID, newer.Sealed, newer.Version = "prf_999", sealed, 5
	c.putSince(c.epoch(), "acct", "prf_999", &newer)
	older := newer
	older.Version = 4
	c.putSince(c.epoch(), "acct", "prf_999", &older)
	if c.get("acct", "prf_999", &r); r.Version != 5 {
		t.Errorf("version %d cached, want 5: an older read replaced a newer write", r.Version)
	}
	// Entries under external_ids, some replaced by other profiles, all
	// through evictions: aliases holds exactly the entries not under
	// their id.
	for i := range 3000 {
		r := profileRow{Seq: int64(i)}
		r.ID, r.Sealed, r.Version = fmt.Sprintf("prf_%d", i%700), sealed, int64(i)
		c.putSince(c.epoch(), "acct", fmt.Sprintf("ext_%d", i%500), &r)
	}
	aliased := 0
	for k, e := range c.m {
		if k.ref != e.ID {
			aliased++
		}
	}
	listed := 0
	for id, keys := range c.aliases {
		for _, k := range keys {
			if e := c.m[k]; e == nil || e.ID != id {
				t.Errorf("aliases[%s] lists %s, which holds %v", id, k.ref, e)
			}
		}
		listed += len(keys)
	}
	if listed != aliased {
		t.Errorf("aliases lists %d keys, %d entries are not under their id", listed, aliased)
	}
	total := 0
	for k, e := range c.m {
		total += entrySize(k, e)
	}
	if total != c.bytes {
		t.Errorf("bytes %d, entries add up to %d", c.bytes, total)
	}
}

// TestRowCacheMovedExternalID moves a profile's external_id in one group,
// and updates by the old one in later groups: the cache entry that the
// first update left under the old external_id never names the moved
// profile, so the update is not found, and once another profile takes the
// old external_id, the update changes that one and leaves the first alone.
func TestRowCacheMovedExternalID(t *testing.T) {
	db := mustOpen(t)
	acct := newAccount(t, db)
	a := mustCreate(t, db, acct, "Ada", profile.Patch{ExternalID: str("old")})
	if _, err := db.Profiles().Update(ctx, acct, "old", rename("Ada2")); err != nil { // cached under "old"
		t.Fatal(err)
	}
	if _, err := db.Profiles().Update(ctx, acct, "old", setExt("new")); err != nil {
		t.Fatal(err)
	}
	var r profileRow
	if db.rows.get(acct, "old", &r) {
		t.Errorf("the move left an entry under the old external_id (profile %s, version %d)", r.ID, r.Version)
	}
	if _, err := db.Profiles().Update(ctx, acct, "old", rename("Wrong")); !errors.Is(err, profile.ErrNotFound) {
		t.Errorf("update by the external_id the profile moved away from: %v, want ErrNotFound", err)
	}
	b := mustCreate(t, db, acct, "Bob", profile.Patch{ExternalID: str("old")})
	got, err := db.Profiles().Update(ctx, acct, "old", rename("Bob2"))
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != b.ID || got.Name != "Bob2" {
		t.Errorf("update by the old external_id changed %s (name %q), want the new holder %s", got.ID, got.Name, b.ID)
	}
	stored, err := db.Profiles().Get(ctx, acct, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if stored.Name != "Ada2" || stored.Version != 3 || stored.ExternalID == nil || *stored.ExternalID != "new" {
		t.Errorf("the moved profile: name %q version %d external_id %v, want Ada2, 3, new", stored.Name, stored.Version, stored.ExternalID)
	}

	// However an entry came to be under a ref that does not name its row
	// (here: put there by hand, the row as stored), an update by that ref
	// does not use it: with its version current, it would be stored.
	if _, err := db.Profiles().Update(ctx, acct, a.ID, func(*profile.Profile) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if !db.rows.get(acct, a.ID, &r) || r.Version != 4 {
		t.Fatalf("profile %s not cached at version 4", a.ID)
	}
	db.rows.putSince(db.rows.epoch(), acct, "elsewhere", &r)
	if _, err := db.Profiles().Update(ctx, acct, "elsewhere", rename("Wrong")); !errors.Is(err, profile.ErrNotFound) {
		t.Errorf("update by a ref whose cache entry is another profile's: %v, want ErrNotFound", err)
	}
	if stored, err := db.Profiles().Get(ctx, acct, a.ID); err != nil {
		t.Error(err)
	} else if stored.Version != 4 {
		t.Errorf("the profile of that entry is at version %d, want it unchanged at 4", stored.Version)
	}
}

// TestRowCacheDeleteInGroup deletes a profile in the same group as updates
// of it, by id and by external_id, that come before the delete: once the
// group has committed, neither ref is cached (the updates' puts and the
// delete's drop are made after the commit, in that order).
func TestRowCacheDeleteInGroup(t *testing.T) {
	db := mustOpen(t)
	acct := newAccount(t, db)
	p := mustCreate(t, db, acct, "Ada", profile.Patch{ExternalID: str("ada")})
	release := holdWriter(t, db)
	byID := queueUpdate(t, db, acct, p.ID, 1, rename("Bea"))
	byExt := queueUpdate(t, db, acct, "ada", 2, rename("Cid"))
	deleted := make(chan error, 1)
	go func() { deleted <- db.Profiles().Delete(ctx, acct, p.ID, nil) }()
	waitQueued(t, db, 3)
	release()
	for _, c := range []<-chan updateResult{byID, byExt} {
		if r := <-c; r.err != nil || r.panicked != nil {
			t.Fatalf("update: %v %v", r.err, r.panicked)
		}
	}
	if err := <-deleted; err != nil {
		t.Fatal(err)
	}
	var r profileRow
	for _, ref := range []string{p.ID, "ada"} {
		if db.rows.get(acct, ref, &r) {
			t.Errorf("%s still cached (version %d) after a delete in the same group", ref, r.Version)
		}
	}
}

// TestRowCacheDeleteRacesRead: an update's read from the read pool that
// began before a delete committed (here: the delete runs between the read
// and the cache's put) does not put the deleted profile's ciphertext into
// the cache; the update is then not found.
func TestRowCacheDeleteRacesRead(t *testing.T) {
	db := mustOpen(t)
	acct := newAccount(t, db)
	p := mustCreate(t, db, acct, "Ada", profile.Patch{})
	testHookPrepareRead = func() {
		testHookPrepareRead = nil
		if err := db.Profiles().Delete(ctx, acct, p.ID, nil); err != nil {
			t.Error(err)
		}
	}
	defer func() { testHookPrepareRead = nil }()
	runs := 0
	_, err := db.Profiles().Update(ctx, acct, p.ID, func(q *profile.Profile) error {
		runs++
		var r profileRow
		if runs == 1 && db.rows.get(acct, p.ID, &r) {
			t.Errorf("a read older than the delete put the deleted profile into the cache (version %d)", r.Version)
		}
		return nil
	})
	if !errors.Is(err, profile.ErrNotFound) {
		t.Errorf("update of a profile deleted after its read: %v, want ErrNotFound", err)
	}
}

// TestRowCacheDeleteFormerExternalID deletes a profile whose cache entries
// include one under an external_id it no longer has (an entry put by a
// read that came late): the delete removes that one too.
func TestRowCacheDeleteFormerExternalID(t *testing.T) {
	db := mustOpen(t)
	acct := newAccount(t, db)
	p := mustCreate(t, db, acct, "Ada", profile.Patch{ExternalID: str("x")})
	if _, err := db.Profiles().Update(ctx, acct, "x", rename("Bea")); err != nil {
		t.Fatal(err)
	}
	var late profileRow
	if !db.rows.get(acct, "x", &late) {
		t.Fatal("not cached under its external_id")
	}
	if _, err := db.Profiles().Update(ctx, acct, p.ID, setExt("y")); err != nil {
		t.Fatal(err)
	}
	db.rows.putSince(db.rows.epoch(), acct, "x", &late) // the late read of "x", after the move
	if err := db.Profiles().Delete(ctx, acct, p.ID, nil); err != nil {
		t.Fatal(err)
	}
	var r profileRow
	for _, ref := range []string{p.ID, "x", "y"} {
		if db.rows.get(acct, ref, &r) {
			t.Errorf("%s still cached (version %d) after the profile was deleted", ref, r.Version)
		}
	}
	if len(db.rows.aliases) != 0 || len(db.rows.m) != 0 || db.rows.bytes != 0 {
		t.Errorf("after the delete: %d aliases, %d entries, %d bytes, want none", len(db.rows.aliases), len(db.rows.m), db.rows.bytes)
	}
}
