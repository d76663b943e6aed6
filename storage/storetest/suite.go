package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/palja/palja/auth"
	"github.com/palja/palja/crypto"
	"github.com/palja/palja/profile"
)

// Run runs the whole suite against the backend whose fresh databases
// newDB returns. Every test gets a database of its own.
func Run(t *testing.T, newDB func(t *testing.T) Database) {
	for _, tc := range []struct {
		name string
		test func(t *testing.T, db Database)
	}{
		{"RoundTrip", testRoundTrip},
		{"NotFound", testNotFound},
		{"Isolation", testIsolation},
		{"ExternalIDConflict", testExternalIDConflict},
		{"Update", testUpdate},
		{"NoLostUpdate", testNoLostUpdate},
		{"NoLostUpdateTwoHandles", testNoLostUpdateTwoHandles},
		{"IfMatchRace", testIfMatchRace},
		{"IdempotentCreate", testIdempotentCreate},
		{"IdempotentCreateRace", testIdempotentCreateRace},
		{"IdempotentCreateRaceTwoHandles", testIdempotentCreateRaceTwoHandles},
		{"Delete", testDelete},
		{"DeletePrecondition", testDeletePrecondition},
		{"List", testList},
		{"RetiredKey", testRetiredKey},
		{"NoPlaintext", testNoPlaintext},
		{"Keys", testKeys},
		{"FirstKeyRace", testFirstKeyRace},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.test(t, newDB(t))
		})
	}
}

// open opens a handle on db, closed when the test ends.
func open(t *testing.T, db Database, kr *crypto.Keyring, now func() time.Time) Handle {
	t.Helper()
	if now == nil {
		now = time.Now
	}
	h, err := db.Open(kr, now)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

// account creates an account (with a key in it) and returns its id.
func account(t *testing.T, h Handle) string {
	t.Helper()
	_, k, err := h.Keys().CreateKey(context.Background(), "test", "", 0, 0)
	if err != nil {
		t.Fatalf("CreateKey: %v", err)
	}
	return k.AccountID
}

// newProfile builds (but does not store) a valid profile of account.
func newProfile(t *testing.T, account, name string, ext string) *profile.Profile {
	t.Helper()
	hour, minute, gender, longitude := 10, 30, "female", 126.98
	now := time.Now().UTC().Truncate(time.Second)
	// Lunar 1990 윤5월 15 10:30 at 126.98° E, the jasi school: every
	// personal field set. (Calendar and DayBoundary are saju's enums, which
	// storage does not import: 1 is saju.Lunar and saju.Jasi.)
	p := &profile.Profile{
		ID: profile.NewID(profile.IDPrefix), AccountID: account,
		Name: name, BirthYear: 1990, BirthMonth: 5, BirthDay: 15, BirthHour: &hour, Gender: &gender,
		Calendar: 1, LeapMonth: true, BirthMinute: &minute, BirthLongitude: &longitude, DayBoundary: 1,
		Version: 1, CreatedAt: now, UpdatedAt: now,
	}
	if err := p.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	if ext != "" {
		p.ExternalID = &ext
	}
	if err := p.Recompute(); err != nil {
		t.Fatalf("Recompute: %v", err)
	}
	return p
}

// create stores a new profile and returns it as stored.
func create(t *testing.T, h Handle, account, name, ext string) *profile.Profile {
	t.Helper()
	p, replayed, err := h.Profiles().Create(context.Background(), newProfile(t, account, name, ext), nil)
	if err != nil || replayed {
		t.Fatalf("Create: %v (replayed %v)", err, replayed)
	}
	return p
}

// same reports what differs between two profiles, or "".
func same(got, want *profile.Profile) string {
	var d []string
	check := func(field string, ok bool) {
		if !ok {
			d = append(d, field)
		}
	}
	check("ID", got.ID == want.ID)
	check("AccountID", got.AccountID == want.AccountID)
	check("ExternalID", eqPtr(got.ExternalID, want.ExternalID))
	check("Name", got.Name == want.Name)
	check("BirthYear", got.BirthYear == want.BirthYear)
	check("BirthMonth", got.BirthMonth == want.BirthMonth)
	check("BirthDay", got.BirthDay == want.BirthDay)
	check("BirthHour", eqPtr(got.BirthHour, want.BirthHour))
	check("Gender", eqPtr(got.Gender, want.Gender))
	check("Calendar", got.Calendar == want.Calendar)
	check("LeapMonth", got.LeapMonth == want.LeapMonth)
	check("BirthMinute", eqPtr(got.BirthMinute, want.BirthMinute))
	check("BirthLongitude", eqPtr(got.BirthLongitude, want.BirthLongitude))
	check("DayBoundary", got.DayBoundary == want.DayBoundary)
	check("Chart", got.Chart == want.Chart)
	check("Version", got.Version == want.Version)
	check("CreatedAt", got.CreatedAt.Equal(want.CreatedAt))
	check("UpdatedAt", got.UpdatedAt.Equal(want.UpdatedAt))
	return strings.Join(d, ", ")
}

func eqPtr[T comparable](a, b *T) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

var ctx = context.Background()

func testRoundTrip(t *testing.T, db Database) {
	h := open(t, db, Keyring("k1"), nil)
	acct := account(t, h)
	want := newProfile(t, acct, "김영희", "user_1")
	stored, replayed, err := h.Profiles().Create(ctx, want, nil)
	if err != nil || replayed {
		t.Fatalf("Create: %v, replayed %v", err, replayed)
	}
	if d := same(stored, want); d != "" {
		t.Errorf("Create returned a profile that differs in %s", d)
	}
	for _, ref := range []string{want.ID, "user_1"} {
		got, err := h.Profiles().Get(ctx, acct, ref)
		if err != nil {
			t.Fatalf("Get %s: %v", ref, err)
		}
		if d := same(got, want); d != "" {
			t.Errorf("Get %s differs in %s", ref, d)
		}
	}
	// A profile without the optional fields.
	bare := newProfile(t, acct, "박", "")
	bare.BirthHour, bare.Gender, bare.BirthMinute, bare.BirthLongitude = nil, nil, nil, nil
	bare.Calendar, bare.LeapMonth, bare.DayBoundary = 0, false, 0 // solar, midnight
	if err := bare.Recompute(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := h.Profiles().Create(ctx, bare, nil); err != nil {
		t.Fatal(err)
	}
	got, err := h.Profiles().Get(ctx, acct, bare.ID)
	if err != nil {
		t.Fatal(err)
	}
	if d := same(got, bare); d != "" {
		t.Errorf("a profile without hour and gender differs in %s", d)
	}
	if got.Chart.HasHour {
		t.Error("a profile without hour came back with an hour pillar")
	}
	// A second handle sees the same data.
	h2 := open(t, db, Keyring("k1"), nil)
	if got, err := h2.Profiles().Get(ctx, acct, "user_1"); err != nil || same(got, want) != "" {
		t.Errorf("Get through a second handle: %v, %v", got, err)
	}
}

func testNotFound(t *testing.T, db Database) {
	h := open(t, db, Keyring("k1"), nil)
	acct := account(t, h)
	s := h.Profiles()
	for _, ref := range []string{"prf_0000000000000000", "nobody"} {
		if p, err := s.Get(ctx, acct, ref); p != nil || !errors.Is(err, profile.ErrNotFound) {
			t.Errorf("Get %s = %v, %v; want ErrNotFound", ref, p, err)
		}
		called := false
		if p, err := s.Update(ctx, acct, ref, func(*profile.Profile) error { called = true; return nil }); p != nil || !errors.Is(err, profile.ErrNotFound) || called {
			t.Errorf("Update %s = %v, %v (fn called %v); want ErrNotFound without calling fn", ref, p, err, called)
		}
		if err := s.Delete(ctx, acct, ref, nil); !errors.Is(err, profile.ErrNotFound) {
			t.Errorf("Delete %s = %v; want ErrNotFound", ref, err)
		}
	}
}

func testIsolation(t *testing.T, db Database) {
	h := open(t, db, Keyring("k1"), nil)
	a, b := account(t, h), account(t, h)
	pa := create(t, h, a, "Ada", "shared")
	pb := create(t, h, b, "Bob", "shared") // the same external_id in another account
	s := h.Profiles()
	if got, err := s.Get(ctx, b, pa.ID); !errors.Is(err, profile.ErrNotFound) {
		t.Errorf("account b read account a's profile by id: %v, %v", got, err)
	}
	if got, err := s.Get(ctx, b, "shared"); err != nil || got.ID != pb.ID {
		t.Errorf("account b, Get by external_id = %v, %v; want b's own profile", got, err)
	}
	if _, err := s.Update(ctx, b, pa.ID, func(p *profile.Profile) error { p.Name = "Eve"; return nil }); !errors.Is(err, profile.ErrNotFound) {
		t.Errorf("account b updated a's profile: %v", err)
	}
	if err := s.Delete(ctx, b, pa.ID, nil); !errors.Is(err, profile.ErrNotFound) {
		t.Errorf("account b deleted a's profile: %v", err)
	}
	ps, _, err := s.List(ctx, b, 100, "")
	if err != nil || len(ps) != 1 || ps[0].ID != pb.ID {
		t.Errorf("List of b = %d profiles, %v; want only b's", len(ps), err)
	}
	if _, _, err := s.List(ctx, b, 10, pa.ID); !errors.Is(err, profile.ErrNotFound) {
		t.Errorf("List of b after a's profile: %v; want ErrNotFound", err)
	}
	if got, err := s.Get(ctx, a, pa.ID); err != nil || got.Name != "Ada" {
		t.Errorf("a's profile after b's attempts: %v, %v", got, err)
	}
}

func isConflict(err error, param string) bool {
	var ce *profile.ConflictError
	return errors.As(err, &ce) && ce.Param == param && errors.Is(err, profile.ErrConflict)
}

func testExternalIDConflict(t *testing.T, db Database) {
	h := open(t, db, Keyring("k1"), nil)
	acct := account(t, h)
	s := h.Profiles()
	create(t, h, acct, "Ada", "taken")
	other := create(t, h, acct, "Bob", "free")
	if _, _, err := s.Create(ctx, newProfile(t, acct, "Cy", "taken"), nil); !isConflict(err, profile.FieldExternalID) {
		t.Errorf("Create with a taken external_id: %v; want a ConflictError for external_id", err)
	}
	_, err := s.Update(ctx, acct, other.ID, func(p *profile.Profile) error { v := "taken"; p.ExternalID = &v; return nil })
	if !isConflict(err, profile.FieldExternalID) {
		t.Errorf("Update to a taken external_id: %v; want a ConflictError for external_id", err)
	}
	if got, err := s.Get(ctx, acct, other.ID); err != nil || got.ExternalID == nil || *got.ExternalID != "free" || got.Version != 1 {
		t.Errorf("after the failed update: %+v, %v; want it unchanged", got, err)
	}
	// Clearing and moving external ids.
	p, err := s.Update(ctx, acct, other.ID, func(p *profile.Profile) error { v := "moved"; p.ExternalID = &v; return nil })
	if err != nil || *p.ExternalID != "moved" {
		t.Fatalf("Update to a free external_id: %v, %v", p, err)
	}
	if _, err := s.Get(ctx, acct, "free"); !errors.Is(err, profile.ErrNotFound) {
		t.Errorf("the old external_id still names the profile: %v", err)
	}
	if _, err := s.Get(ctx, acct, "moved"); err != nil {
		t.Errorf("the new external_id: %v", err)
	}
}

func testUpdate(t *testing.T, db Database) {
	clk := NewClock()
	h := open(t, db, Keyring("k1"), clk.Now)
	acct := account(t, h)
	s := h.Profiles()
	p := create(t, h, acct, "Ada", "ada")
	clk.Advance(time.Hour)

	sentinel := errors.New("no")
	if _, err := s.Update(ctx, acct, p.ID, func(q *profile.Profile) error { q.Name = "Changed"; return sentinel }); err != sentinel {
		t.Errorf("Update with a failing fn = %v; want its error as it is", err)
	}
	if got, _ := s.Get(ctx, acct, p.ID); got.Name != "Ada" || got.Version != 1 {
		t.Errorf("a failed update was written: %q v%d", got.Name, got.Version)
	}

	got, err := s.Update(ctx, acct, "ada", func(q *profile.Profile) error {
		if q.Name != "Ada" || q.Version != 1 {
			t.Errorf("fn saw %q v%d", q.Name, q.Version)
		}
		q.Name = "Grace"
		q.BirthDay = 16
		if err := q.Recompute(); err != nil {
			return err
		}
		// The store's own fields are not fn's to change.
		q.ID, q.AccountID, q.Version = "prf_elsewhere0000000000", "acct_other", 99
		q.CreatedAt = time.Unix(0, 0)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := *p
	want.Name, want.BirthDay, want.Version = "Grace", 16, 2
	want.Chart = got.Chart
	want.UpdatedAt = clk.Now().UTC().Truncate(time.Second)
	if d := same(got, &want); d != "" {
		t.Errorf("Update returned a profile that differs in %s", d)
	}
	reread, err := s.Get(ctx, acct, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if d := same(reread, &want); d != "" {
		t.Errorf("the stored profile differs in %s", d)
	}
	if reread.Chart == p.Chart {
		t.Error("the recomputed chart was not stored")
	}
}

// updateMany runs n goroutines on the given stores, each making m updates
// that append a mark to the name, and checks that none was lost.
func updateMany(t *testing.T, stores []profile.Store, acct, id string, n, m int) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, n*m)
	for g := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := stores[g%len(stores)]
			for range m {
				_, err := s.Update(ctx, acct, id, func(p *profile.Profile) error {
					p.BirthDay = p.BirthDay%28 + 1 // a change every update makes
					runtime.Gosched()              // let the others read meanwhile, if they can
					return p.Recompute()
				})
				if err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("Update: %v", err)
	}
	got, err := stores[0].Get(ctx, acct, id)
	if err != nil {
		t.Fatal(err)
	}
	if want := int64(1 + n*m); got.Version != want {
		t.Errorf("version %d after %d updates, want %d: updates were lost", got.Version, n*m, want)
	}
	if want := (15-1+n*m)%28 + 1; got.BirthDay != want {
		t.Errorf("birth day %d, want %d: updates were lost", got.BirthDay, want)
	}
}

func testNoLostUpdate(t *testing.T, db Database) {
	h := open(t, db, Keyring("k1"), nil)
	acct := account(t, h)
	p := create(t, h, acct, "Ada", "")
	updateMany(t, []profile.Store{h.Profiles()}, acct, p.ID, 8, 25)
}

func testNoLostUpdateTwoHandles(t *testing.T, db Database) {
	h1 := open(t, db, Keyring("k1"), nil)
	h2 := open(t, db, Keyring("k1"), nil)
	acct := account(t, h1)
	p := create(t, h1, acct, "Ada", "")
	updateMany(t, []profile.Store{h1.Profiles(), h2.Profiles()}, acct, p.ID, 8, 25)
}

// testIfMatchRace sends concurrent updates that each require version 1, as
// PUTs with If-Match: "v1": exactly one may succeed.
func testIfMatchRace(t *testing.T, db Database) {
	h1 := open(t, db, Keyring("k1"), nil)
	h2 := open(t, db, Keyring("k1"), nil)
	acct := account(t, h1)
	p := create(t, h1, acct, "Ada", "")
	const n = 16
	var wg sync.WaitGroup
	var mu sync.Mutex
	counts := map[string]int{}
	wg.Add(n)
	for i := range n {
		go func() {
			defer wg.Done()
			s := []profile.Store{h1.Profiles(), h2.Profiles()}[i%2]
			_, err := s.Update(ctx, acct, p.ID, func(q *profile.Profile) error {
				if q.Version != 1 {
					return profile.ErrPreconditionFailed
				}
				runtime.Gosched() // let the others read meanwhile, if they can
				q.Name = fmt.Sprint("Winner", i)
				return nil
			})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				counts["ok"]++
			case errors.Is(err, profile.ErrPreconditionFailed):
				counts["stale"]++
			default:
				counts[err.Error()]++
			}
		}()
	}
	wg.Wait()
	if counts["ok"] != 1 || counts["stale"] != n-1 {
		t.Errorf("outcomes %v; want 1 ok and %d stale", counts, n-1)
	}
	if got, _ := h1.Profiles().Get(ctx, acct, p.ID); got.Version != 2 {
		t.Errorf("version %d, want 2", got.Version)
	}
}

func idem(key string, body byte) *profile.Idempotency {
	return &profile.Idempotency{Key: key, Fingerprint: [32]byte{body}}
}

func count(t *testing.T, s profile.Store, acct string) int {
	t.Helper()
	ps, _, err := s.List(ctx, acct, 100, "")
	if err != nil {
		t.Fatal(err)
	}
	return len(ps)
}

func testIdempotentCreate(t *testing.T, db Database) {
	clk := NewClock()
	h := open(t, db, Keyring("k1"), clk.Now)
	acct, other := account(t, h), account(t, h)
	s := h.Profiles()

	first, replayed, err := s.Create(ctx, newProfile(t, acct, "Ada", ""), idem("k-1", 1))
	if err != nil || replayed {
		t.Fatalf("first Create: %v, replayed %v", err, replayed)
	}
	// A retry: the first profile, as it is now.
	if _, err := s.Update(ctx, acct, first.ID, func(p *profile.Profile) error { p.Name = "Ada L."; return nil }); err != nil {
		t.Fatal(err)
	}
	again, replayed, err := s.Create(ctx, newProfile(t, acct, "Ada", ""), idem("k-1", 1))
	if err != nil || !replayed || again.ID != first.ID || again.Name != "Ada L." || again.Version != 2 {
		t.Fatalf("retry = %+v, replayed %v, %v; want the first profile as it is now", again, replayed, err)
	}
	// The same key with another body.
	if _, _, err := s.Create(ctx, newProfile(t, acct, "Bob", ""), idem("k-1", 2)); !isConflict(err, "Idempotency-Key") {
		t.Errorf("the same key with another body: %v; want a ConflictError for Idempotency-Key", err)
	}
	// Keys are per account.
	if _, replayed, err := s.Create(ctx, newProfile(t, other, "Ada", ""), idem("k-1", 1)); err != nil || replayed {
		t.Errorf("the same key in another account: replayed %v, %v; want a new profile", replayed, err)
	}
	if n := count(t, s, acct); n != 1 {
		t.Errorf("%d profiles in the account, want 1", n)
	}
	// After the TTL the key is forgotten.
	clk.Advance(profile.IdempotencyTTL + time.Second)
	late, replayed, err := s.Create(ctx, newProfile(t, acct, "Ada", ""), idem("k-1", 1))
	if err != nil || replayed || late.ID == first.ID {
		t.Errorf("after the TTL: replayed %v, %v; want a new profile", replayed, err)
	}
	// A failed create (a taken external_id) records no key.
	create(t, h, acct, "Cy", "taken")
	if _, _, err := s.Create(ctx, newProfile(t, acct, "Dee", "taken"), idem("k-2", 3)); !isConflict(err, profile.FieldExternalID) {
		t.Fatalf("Create with a taken external_id: %v", err)
	}
	if _, replayed, err := s.Create(ctx, newProfile(t, acct, "Dee", "fresh"), idem("k-2", 3)); err != nil || replayed {
		t.Errorf("retry after a failed create: replayed %v, %v; want a new profile", replayed, err)
	}
}

// createRace creates with one Idempotency-Key from n goroutines over the
// given stores: one profile is created, every other call replays it.
func createRace(t *testing.T, stores []profile.Store, acct string) {
	t.Helper()
	const n = 16
	ids := make([]string, n)
	replays := make([]bool, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p, replayed, err := stores[i%len(stores)].Create(ctx, newProfile(t, acct, "Ada", ""), idem("race", 7))
			errs[i], replays[i] = err, replayed
			if p != nil {
				ids[i] = p.ID
			}
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("Create %d: %v", i, err)
		}
	}
	if distinct := slices.Compact(slices.Sorted(slices.Values(ids))); len(distinct) != 1 {
		t.Errorf("the creates returned %d profiles %v; want one", len(distinct), distinct)
	}
	fresh := 0
	for _, r := range replays {
		if !r {
			fresh++
		}
	}
	if fresh != 1 {
		t.Errorf("%d creates were not replays, want 1", fresh)
	}
	if c := count(t, stores[0], acct); c != 1 {
		t.Errorf("%d profiles stored, want 1", c)
	}
}

func testIdempotentCreateRace(t *testing.T, db Database) {
	h := open(t, db, Keyring("k1"), nil)
	createRace(t, []profile.Store{h.Profiles()}, account(t, h))
}

func testIdempotentCreateRaceTwoHandles(t *testing.T, db Database) {
	h1 := open(t, db, Keyring("k1"), nil)
	h2 := open(t, db, Keyring("k1"), nil)
	createRace(t, []profile.Store{h1.Profiles(), h2.Profiles()}, account(t, h1))
}

func testDelete(t *testing.T, db Database) {
	h := open(t, db, Keyring("k1"), nil)
	acct := account(t, h)
	s := h.Profiles()
	p, _, err := s.Create(ctx, newProfile(t, acct, "Ada", "ada"), idem("del", 1))
	if err != nil {
		t.Fatal(err)
	}
	keep := create(t, h, acct, "Bob", "bob")
	if err := s.Delete(ctx, acct, "ada", nil); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	for _, ref := range []string{p.ID, "ada"} {
		if _, err := s.Get(ctx, acct, ref); !errors.Is(err, profile.ErrNotFound) {
			t.Errorf("Get %s after Delete: %v; want ErrNotFound", ref, err)
		}
	}
	if err := s.Delete(ctx, acct, p.ID, nil); !errors.Is(err, profile.ErrNotFound) {
		t.Errorf("a second Delete: %v; want ErrNotFound", err)
	}
	ps, _, err := s.List(ctx, acct, 100, "")
	if err != nil || len(ps) != 1 || ps[0].ID != keep.ID {
		t.Errorf("List after Delete: %d profiles, %v; want only the other", len(ps), err)
	}
	// The idempotency key went with the profile: a retry creates anew.
	again, replayed, err := s.Create(ctx, newProfile(t, acct, "Ada", "ada"), idem("del", 1))
	if err != nil || replayed || again.ID == p.ID {
		t.Errorf("retry after Delete: replayed %v, %v; want a new profile", replayed, err)
	}
	// The external_id is free again (it was, for the retry).
	if got, err := s.Get(ctx, acct, "ada"); err != nil || got.ID != again.ID {
		t.Errorf("the external_id after the retry: %v, %v", got, err)
	}
}

func testDeletePrecondition(t *testing.T, db Database) {
	h := open(t, db, Keyring("k1"), nil)
	acct := account(t, h)
	s := h.Profiles()
	p := create(t, h, acct, "Ada", "")
	var seen int64
	err := s.Delete(ctx, acct, p.ID, func(v int64) error { seen = v; return profile.ErrPreconditionFailed })
	if !errors.Is(err, profile.ErrPreconditionFailed) || seen != 1 {
		t.Errorf("Delete with a failing precondition: %v (saw version %d); want its error and version 1", err, seen)
	}
	if _, err := s.Get(ctx, acct, p.ID); err != nil {
		t.Errorf("the profile after a refused Delete: %v", err)
	}
	if err := s.Delete(ctx, acct, p.ID, func(v int64) error { return nil }); err != nil {
		t.Errorf("Delete with a passing precondition: %v", err)
	}
	if _, err := s.Get(ctx, acct, p.ID); !errors.Is(err, profile.ErrNotFound) {
		t.Errorf("after Delete: %v", err)
	}
}

func testList(t *testing.T, db Database) {
	h := open(t, db, Keyring("k1"), nil)
	acct := account(t, h)
	s := h.Profiles()
	var ids []string
	for i := range 25 {
		ids = append(ids, create(t, h, acct, fmt.Sprint("P", i), "").ID)
	}
	slices.Reverse(ids) // newest first
	var got []string
	after := ""
	for page := 0; ; page++ {
		ps, more, err := s.List(ctx, acct, 10, after)
		if err != nil {
			t.Fatalf("page %d: %v", page, err)
		}
		for _, p := range ps {
			got = append(got, p.ID)
			if p.Name == "" || p.AccountID != acct {
				t.Errorf("page %d: a profile without its data: %+v", page, p)
			}
		}
		if wantMore := len(got) < 25; more != wantMore {
			t.Errorf("page %d: has_more %v, want %v", page, more, wantMore)
		}
		if !more {
			break
		}
		if page > 5 {
			t.Fatal("too many pages")
		}
		after = ps[len(ps)-1].ID
	}
	if !slices.Equal(got, ids) {
		t.Errorf("pages list %v, want %v", got, ids)
	}
	if ps, more, err := s.List(ctx, acct, 5, ids[len(ids)-1]); err != nil || len(ps) != 0 || more {
		t.Errorf("after the oldest: %d, %v, %v; want an empty last page", len(ps), more, err)
	}
	if _, _, err := s.List(ctx, acct, 3, "prf_0000000000000000"); !errors.Is(err, profile.ErrNotFound) {
		t.Errorf("after an unknown id: %v; want ErrNotFound", err)
	}
	if ps, _, err := s.List(ctx, account(t, h), 10, ""); err != nil || len(ps) != 0 {
		t.Errorf("an empty account: %d, %v", len(ps), err)
	}
}

func testRetiredKey(t *testing.T, db Database) {
	h := open(t, db, Keyring("k1"), nil)
	acct := account(t, h)
	old, _, err := h.Profiles().Create(ctx, newProfile(t, acct, "Ada", ""), idem("rot", 1))
	if err != nil {
		t.Fatal(err)
	}
	h.Close()

	h = open(t, db, Keyring("k2", "k1"), nil)
	if got, err := h.Profiles().Get(ctx, acct, old.ID); err != nil || got.Name != "Ada" {
		t.Errorf("a profile under the retired key: %v, %v", got, err)
	}
	fresh := create(t, h, acct, "Bob", "")
	n, err := h.Reencrypt(ctx, 1, nil)
	if err != nil || n != 1 {
		t.Errorf("Reencrypt = %d, %v; want 1 profile", n, err)
	}
	if n, err := h.Reencrypt(ctx, 1, nil); err != nil || n != 0 {
		t.Errorf("Reencrypt again = %d, %v; want 0", n, err)
	}
	h.Close()

	// Everything is under k2 now: a ring without k1 reads it all, and the
	// idempotency key still replays.
	h = open(t, db, Keyring("k2"), nil)
	for _, p := range []*profile.Profile{old, fresh} {
		if got, err := h.Profiles().Get(ctx, acct, p.ID); err != nil || got.Name != p.Name {
			t.Errorf("after Reencrypt, %s: %v, %v", p.Name, got, err)
		}
	}
	if got, replayed, err := h.Profiles().Create(ctx, newProfile(t, acct, "Ada", ""), idem("rot", 1)); err != nil || !replayed || got.ID != old.ID {
		t.Errorf("retry after rotation: replayed %v, %v; want the first profile", replayed, err)
	}
}

func testNoPlaintext(t *testing.T, db Database) {
	h := open(t, db, Keyring("k1"), nil)
	acct := account(t, h)
	names := []string{"Zebediah", "홍길동무"}
	for i, n := range names {
		p, _, err := h.Profiles().Create(ctx, newProfile(t, acct, n, fmt.Sprint("ref-", i)), idem(fmt.Sprint("np-", i), byte(i)))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := h.Profiles().Update(ctx, acct, p.ID, func(q *profile.Profile) error { q.Name = n + "x"; return nil }); err != nil {
			t.Fatal(err)
		}
	}
	raw, err := db.Raw()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(raw, []byte("ref-1")) {
		t.Fatal("the raw dump lacks a stored external_id: it does not hold what the backend persists")
	}
	for _, n := range names {
		if bytes.Contains(raw, []byte(n)) {
			t.Errorf("the backend persists the name %q in plaintext", n)
		}
	}
}

func testKeys(t *testing.T, db Database) {
	clk := NewClock()
	h := open(t, db, Keyring("k1"), clk.Now)
	ks := h.Keys()
	secret, k, err := ks.CreateKey(ctx, "first", "", 5, 7)
	if err != nil {
		t.Fatal(err)
	}
	if !auth.WellFormed(secret) || !strings.HasPrefix(secret, k.Prefix) || k.AccountID == "" || k.Rate != 5 || k.Burst != 7 {
		t.Errorf("CreateKey = %q, %+v", secret, k)
	}
	got, err := ks.KeyByHash(ctx, auth.Hash(secret))
	if err != nil || got.ID != k.ID || got.AccountID != k.AccountID || got.Rate != 5 || got.Burst != 7 || got.RevokedAt != nil {
		t.Errorf("KeyByHash = %+v, %v", got, err)
	}
	if _, err := ks.KeyByHash(ctx, auth.Hash(secret+"x")); !errors.Is(err, auth.ErrUnauthorized) {
		t.Errorf("KeyByHash of an unknown secret: %v; want ErrUnauthorized", err)
	}
	// A second key in the same account, one in an unknown account.
	clk.Advance(time.Second)
	_, k2, err := ks.CreateKey(ctx, "second", k.AccountID, 0, 0)
	if err != nil || k2.AccountID != k.AccountID {
		t.Errorf("CreateKey in the account: %+v, %v", k2, err)
	}
	if _, _, err := ks.CreateKey(ctx, "x", "acct_nobody", 0, 0); !errors.Is(err, profile.ErrNotFound) {
		t.Errorf("CreateKey in an unknown account: %v; want ErrNotFound", err)
	}
	// Limits: only what is given changes.
	r := 9.5
	if rate, burst, err := ks.SetKeyLimits(ctx, k.ID, &r, nil); err != nil || rate != 9.5 || burst != 7 {
		t.Errorf("SetKeyLimits(rate) = %v, %v, %v", rate, burst, err)
	}
	b := 0
	if rate, burst, err := ks.SetKeyLimits(ctx, k.ID, nil, &b); err != nil || rate != 9.5 || burst != 0 {
		t.Errorf("SetKeyLimits(burst 0) = %v, %v, %v", rate, burst, err)
	}
	if _, _, err := ks.SetKeyLimits(ctx, "key_nobody", &r, nil); !errors.Is(err, profile.ErrNotFound) {
		t.Errorf("SetKeyLimits of an unknown key: %v", err)
	}
	// Last use.
	clk.Advance(time.Minute)
	if err := ks.TouchKey(ctx, k.ID, clk.Now()); err != nil {
		t.Fatal(err)
	}
	if err := ks.TouchKey(ctx, k.ID, clk.Now().Add(-time.Hour)); err != nil { // an older use changes nothing
		t.Fatal(err)
	}
	got, _ = ks.KeyByHash(ctx, auth.Hash(secret))
	if got.LastUsedAt == nil || !got.LastUsedAt.Equal(clk.Now().Truncate(time.Second)) {
		t.Errorf("LastUsedAt = %v, want %v", got.LastUsedAt, clk.Now())
	}
	// Revocation.
	if err := ks.RevokeKey(ctx, k.ID); err != nil {
		t.Fatal(err)
	}
	if err := ks.RevokeKey(ctx, k.ID); err != nil {
		t.Errorf("revoking again: %v", err)
	}
	if err := ks.RevokeKey(ctx, "key_nobody"); !errors.Is(err, profile.ErrNotFound) {
		t.Errorf("revoking an unknown key: %v", err)
	}
	got, err = ks.KeyByHash(ctx, auth.Hash(secret))
	if err != nil || got.RevokedAt == nil {
		t.Errorf("a revoked key: %+v, %v; want it with RevokedAt", got, err)
	}
	keys, err := ks.ListKeys(ctx)
	if err != nil || len(keys) != 2 || keys[0].ID != k.ID || keys[1].ID != k2.ID {
		t.Errorf("ListKeys = %+v, %v; want both keys, oldest first", keys, err)
	}
	// A key lister (auth.KeyLister) lists the keys not revoked, by hash.
	if l, ok := ks.(auth.KeyLister); ok {
		hashes, err := l.ActiveKeyHashes(ctx)
		if err != nil || len(hashes) != 1 {
			t.Errorf("ActiveKeyHashes = %d hashes, %v; want 1 (the second key; the first is revoked)", len(hashes), err)
		} else if got, err := ks.KeyByHash(ctx, hashes[0]); err != nil || got.ID != k2.ID {
			t.Errorf("ActiveKeyHashes lists %+v, %v; want the second key", got, err)
		}
	}
	// Only hashes are stored.
	raw, err := db.Raw()
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte(secret)) || bytes.Contains(raw, []byte(secret[len(k.Prefix):])) {
		t.Error("the backend persists an API key secret")
	}
}

// testFirstKeyRace starts several handles on a new database at once: one
// bootstrap key is created.
func testFirstKeyRace(t *testing.T, db Database) {
	const n = 4
	hs := make([]Handle, n)
	for i := range hs {
		hs[i] = open(t, db, Keyring("k1"), nil)
	}
	created := make([]bool, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i, h := range hs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, created[i], errs[i] = h.Keys().CreateFirstKey(ctx, "bootstrap")
		}()
	}
	wg.Wait()
	made := 0
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("CreateFirstKey %d: %v", i, errs[i])
		}
		if created[i] {
			made++
		}
	}
	if made != 1 {
		t.Errorf("%d bootstrap keys created, want 1", made)
	}
	if _, _, created, err := hs[0].Keys().CreateFirstKey(ctx, "bootstrap"); err != nil || created {
		t.Errorf("CreateFirstKey with a key present: created %v, %v", created, err)
	}
	if keys, err := hs[0].Keys().ListKeys(ctx); err != nil || len(keys) != 1 {
		t.Errorf("%d keys, %v; want 1", len(keys), err)
	}
}
