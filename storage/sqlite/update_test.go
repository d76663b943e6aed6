package sqlite

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/palja/palja/profile"
)

// These tests hold the writer while updates queue up, so that they meet
// in one group in the order they were queued, and check that the update
// ops of [wtx.update] give each the answer it would get alone, in that
// order.

// queueUpdate starts s.Update(account, ref, fn) in a goroutine, waits until
// it is queued (want ops in the queue), and returns its answer's channel.
func queueUpdate(t *testing.T, db *DB, account, ref string, want int, fn func(*profile.Profile) error) <-chan updateResult {
	t.Helper()
	c := make(chan updateResult, 1)
	go func() {
		var r updateResult
		defer func() {
			r.panicked = recover()
			c <- r
		}()
		r.p, r.err = db.Profiles().Update(ctx, account, ref, fn)
	}()
	waitQueued(t, db, want)
	return c
}

type updateResult struct {
	p        *profile.Profile
	err      error
	panicked any
}

// rename is an update fn that sets the name.
func rename(name string) func(*profile.Profile) error {
	return func(q *profile.Profile) error { q.Name = name; return nil }
}

// setExt is an update fn that sets the external_id.
func setExt(ext string) func(*profile.Profile) error {
	return func(q *profile.Profile) error { q.ExternalID = &ext; return nil }
}

// addTrigger creates a trigger (a TEMP one: on the writer's connection
// only) that the writes of db then meet.
func addTrigger(t *testing.T, db *DB, trigger string) {
	t.Helper()
	if err := db.w.do(ctx, func(tx *wtx) error {
		_, err := tx.conn.ExecContext(tx.ctx, trigger)
		return err
	}); err != nil {
		t.Fatal(err)
	}
}

// wantStored checks the stored name and version of the profile id.
func wantStored(t *testing.T, db *DB, account, id, name string, version int64) {
	t.Helper()
	got, err := db.Profiles().Get(ctx, account, id)
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != name || got.Version != version {
		t.Errorf("stored %q version %d, want %q version %d", got.Name, got.Version, name, version)
	}
}

// wantWriterRunning fails the test if db's writer has stopped.
func wantWriterRunning(t *testing.T, db *DB) {
	t.Helper()
	select {
	case <-db.Failed():
		t.Fatal("the writer stopped after an error that is not one of writing")
	default:
	}
}

// totalChanges is the number of rows that the writer's connection has
// changed since it was opened.
func totalChanges(t *testing.T, db *DB) int64 {
	t.Helper()
	var n int64
	if err := db.w.do(ctx, func(tx *wtx) error {
		return tx.conn.QueryRowContext(tx.ctx, "SELECT total_changes()").Scan(&n)
	}); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestUpdateCoalesced queues many updates of one profile, all prepared on
// version 1, into one group: each is applied on the one before (none is
// lost), each answer is its own version, and the row is written twice (the
// first update as prepared, then the last state once), not once per
// update.
func TestUpdateCoalesced(t *testing.T) {
	db := mustOpen(t)
	acct := newAccount(t, db)
	p := mustCreate(t, db, acct, "Ada", profile.Patch{BirthHour: num(7)})
	changes := totalChanges(t, db)
	const n = 40
	release := holdWriter(t, db)
	answers := make([]<-chan updateResult, n)
	for i := range answers {
		answers[i] = queueUpdate(t, db, acct, p.ID, i+1, func(q *profile.Profile) error {
			q.BirthDay = q.BirthDay%28 + 1
			hour := (*q.BirthHour + 1) % 24
			q.BirthHour = &hour
			return q.Recompute()
		})
	}
	release()
	seen := map[int64]bool{}
	for i, c := range answers {
		r := <-c
		if r.err != nil || r.panicked != nil {
			t.Fatalf("update %d: %v %v", i, r.err, r.panicked)
		}
		// The i-th queued is applied i-th: version i+2, i+1 changes.
		if want := int64(i + 2); r.p.Version != want {
			t.Errorf("update %d answered version %d, want %d", i, r.p.Version, want)
		}
		if want := (p.BirthDay-1+i+1)%28 + 1; r.p.BirthDay != want || *r.p.BirthHour != (7+i+1)%24 {
			t.Errorf("update %d answered day %d hour %d, want %d and %d", i, r.p.BirthDay, *r.p.BirthHour, want, (7+i+1)%24)
		}
		seen[r.p.Version] = true
	}
	got, err := db.Profiles().Get(ctx, acct, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != n+1 || got.BirthDay != (p.BirthDay-1+n)%28+1 || *got.BirthHour != (7+n)%24 {
		t.Errorf("stored version %d day %d hour %d after %d updates", got.Version, got.BirthDay, *got.BirthHour, n)
	}
	want := *got
	want.Chart = p.Chart
	if err := want.Recompute(); err != nil || want.Chart != got.Chart {
		t.Errorf("stored chart is not the one of the stored birth data (%v)", err)
	}
	// One change to read total_changes itself is not counted; the group
	// wrote the row twice.
	if d := totalChanges(t, db) - changes; d != 2 {
		t.Errorf("the group changed %d rows for %d updates of one profile, want 2 (coalesced)", d, n)
	}
}

// TestUpdateStale prepares an update on a version that another write
// replaces before the writer runs it: fn runs again on the latest state,
// and both changes are kept.
func TestUpdateStale(t *testing.T) {
	for _, second := range []bool{false, true} {
		t.Run(fmt.Sprintf("other handle %v", second), func(t *testing.T) {
			db := mustOpen(t)
			other := db
			if second {
				other = OpenSecond(t, db)
			}
			acct := newAccount(t, db)
			p := mustCreate(t, db, acct, "Ada", profile.Patch{})
			calls := 0
			got, err := db.Profiles().Update(ctx, acct, p.ID, func(q *profile.Profile) error {
				calls++
				if calls == 1 {
					// Outside the writer: another update commits meanwhile.
					if _, err := other.Profiles().Update(ctx, acct, p.ID, func(q *profile.Profile) error {
						g := "female"
						q.Gender = &g
						return nil
					}); err != nil {
						return err
					}
				}
				q.Name = fmt.Sprint("Bea", calls)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if calls != 2 {
				t.Errorf("fn ran %d times, want 2 (again on the latest state)", calls)
			}
			stored, err := db.Profiles().Get(ctx, acct, p.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, q := range []*profile.Profile{got, stored} {
				if q.Version != 3 || q.Name != "Bea2" || q.Gender == nil || *q.Gender != "female" {
					t.Errorf("version %d name %q gender %v: an update was lost", q.Version, q.Name, q.Gender)
				}
			}
		})
	}
}

// TestUpdateGroupOrder queues, in one group, updates and other writes of
// one profile that each depend on what came before: a move of its
// external_id, an update by the old one (not found any more), a failing fn, a panicking fn, a conflicting external_id, a delete
// and an update after it.
func TestUpdateGroupOrder(t *testing.T) {
	db := mustOpen(t)
	acct := newAccount(t, db)
	p := mustCreate(t, db, acct, "Ada", profile.Patch{ExternalID: str("old")})
	mustCreate(t, db, acct, "Bob", profile.Patch{ExternalID: str("taken")})
	errFn := errors.New("fn failed")
	release := holdWriter(t, db)
	queued := 0
	next := func() int { queued++; return queued }
	var (
		moved   = queueUpdate(t, db, acct, "old", next(), setExt("new"))
		byOld   = queueUpdate(t, db, acct, "old", next(), rename("Old"))
		failing = queueUpdate(t, db, acct, p.ID, next(), func(q *profile.Profile) error {
			if q.Version > 1 { // on the writer, on the latest state
				q.Name = "Lost"
				return errFn
			}
			return nil
		})
		panicking = queueUpdate(t, db, acct, p.ID, next(), func(q *profile.Profile) error {
			if q.Version > 1 {
				q.Name = "Lost"
				panic("fn panicked")
			}
			return nil
		})
		conflict = queueUpdate(t, db, acct, p.ID, next(), setExt("taken"))
		byID     = queueUpdate(t, db, acct, p.ID, next(), rename("ByID"))
	)
	var wg sync.WaitGroup
	var deleteErr error
	wg.Go(func() { deleteErr = db.Profiles().Delete(ctx, acct, "new", nil) })
	waitQueued(t, db, next())
	afterDelete := queueUpdate(t, db, acct, p.ID, next(), rename("Gone"))
	release()
	wg.Wait()

	check := func(name string, c <-chan updateResult, wantVersion int64, wantErr error) *profile.Profile {
		t.Helper()
		r := <-c
		if r.panicked != nil {
			t.Errorf("%s panicked: %v", name, r.panicked)
			return nil
		}
		if wantErr != nil {
			if !errors.Is(r.err, wantErr) {
				t.Errorf("%s: %v, want %v", name, r.err, wantErr)
			}
			return nil
		}
		if r.err != nil {
			t.Errorf("%s: %v", name, r.err)
			return nil
		}
		if r.p.Version != wantVersion {
			t.Errorf("%s answered version %d, want %d", name, r.p.Version, wantVersion)
		}
		return r.p
	}
	if q := check("move", moved, 2, nil); q != nil && (q.ExternalID == nil || *q.ExternalID != "new") {
		t.Errorf("move answered external_id %v", q.ExternalID)
	}
	check("update by the old external_id", byOld, 0, profile.ErrNotFound)
	check("failing fn", failing, 0, errFn)
	if r := <-panicking; r.panicked != "fn panicked" {
		t.Errorf("panicking fn: recovered %v (err %v), want its panic re-raised", r.panicked, r.err)
	}
	var conflictErr *profile.ConflictError
	if r := <-conflict; !errors.As(r.err, &conflictErr) || conflictErr.Param != profile.FieldExternalID {
		t.Errorf("conflicting external_id: %v, want a conflict on external_id", r.err)
	}
	if q := check("update by id", byID, 3, nil); q != nil && (q.Name != "ByID" || q.ExternalID == nil || *q.ExternalID != "new") {
		t.Errorf("update by id answered name %q external_id %v", q.Name, q.ExternalID)
	}
	if deleteErr != nil {
		t.Errorf("delete: %v", deleteErr)
	}
	check("update after the delete", afterDelete, 0, profile.ErrNotFound)
	if _, err := db.Profiles().Get(ctx, acct, p.ID); !errors.Is(err, profile.ErrNotFound) {
		t.Errorf("after the group: %v, want the profile deleted", err)
	}
}

// TestUpdateStatementError runs, in one group, updates of two profiles
// around one whose UPDATE fails inside SQLite (a temporary trigger on the
// writer's connection): with RAISE(ABORT) SQLite undoes that statement
// alone, so only that update fails and the others are stored; with
// RAISE(ROLLBACK) SQLite rolls back the whole transaction, so every
// update of the group fails and none is stored. Either way the writer
// goes on: neither is an error of writing the file.
func TestUpdateStatementError(t *testing.T) {
	for _, raise := range []string{"ABORT", "ROLLBACK"} {
		t.Run(raise, func(t *testing.T) {
			db := mustOpen(t)
			acct := newAccount(t, db)
			x := mustCreate(t, db, acct, "Ada", profile.Patch{})
			y := mustCreate(t, db, acct, "Bob", profile.Patch{})
			addTrigger(t, db, fmt.Sprintf(`CREATE TEMP TRIGGER boom BEFORE UPDATE ON main.profiles
				WHEN OLD.id = '%s' BEGIN SELECT RAISE(%s, 'boom'); END`, y.ID, raise))
			release := holdWriter(t, db)
			before := queueUpdate(t, db, acct, x.ID, 1, rename("Ada2"))
			failing := queueUpdate(t, db, acct, y.ID, 2, rename("Bob2"))
			after := queueUpdate(t, db, acct, x.ID, 3, rename("Ada3"))
			release()
			rb, rf, ra := <-before, <-failing, <-after
			if rf.err == nil || !strings.Contains(rf.err.Error(), "boom") {
				t.Errorf("the update the trigger refuses: %v, want the trigger's error", rf.err)
			}
			wantName, wantVersion := "Ada3", int64(3)
			if raise == "ROLLBACK" {
				for _, r := range []updateResult{rb, ra} {
					if r.err == nil {
						t.Errorf("an update of a group that SQLite rolled back answered version %d, want an error", r.p.Version)
					}
				}
				wantName, wantVersion = "Ada", 1
			} else if rb.err != nil || ra.err != nil {
				t.Errorf("the other updates of the group: %v, %v; want both stored", rb.err, ra.err)
			}
			wantStored(t, db, acct, x.ID, wantName, wantVersion)
			wantStored(t, db, acct, y.ID, "Bob", 1)
			wantWriterRunning(t, db)
			if got, err := db.Profiles().Update(ctx, acct, x.ID, rename("Ada4")); err != nil || got.Name != "Ada4" {
				t.Errorf("an update after the group: %v", err)
			}
		})
	}
}

// TestUpdateFlushError: in one group, two updates of x (the second is
// coalesced onto the first, its state pending) and a stale update of z,
// which writes the pending state of x before it reads z again; a trigger
// refuses that write. The updates of x were answered from that state, so
// the whole group fails: none of the three is stored, and the writer goes
// on.
func TestUpdateFlushError(t *testing.T) {
	h1 := mustOpen(t)
	h2 := OpenSecond(t, h1)
	acct := newAccount(t, h1)
	x := mustCreate(t, h1, acct, "Ada", profile.Patch{})
	z := mustCreate(t, h1, acct, "Zed", profile.Patch{})
	if _, err := h1.Profiles().Update(ctx, acct, z.ID, rename("Zed2")); err != nil { // h1 caches z at 2
		t.Fatal(err)
	}
	if _, err := h2.Profiles().Update(ctx, acct, z.ID, rename("Zed3")); err != nil { // z is at 3
		t.Fatal(err)
	}
	addTrigger(t, h1, fmt.Sprintf(`CREATE TEMP TRIGGER boom BEFORE UPDATE ON main.profiles
		WHEN OLD.id = '%s' AND NEW.version = 3 BEGIN SELECT RAISE(ABORT, 'boom'); END`, x.ID))
	release := holdWriter(t, h1)
	first := queueUpdate(t, h1, acct, x.ID, 1, rename("Ada2"))
	second := queueUpdate(t, h1, acct, x.ID, 2, rename("Ada3"))
	stale := queueUpdate(t, h1, acct, z.ID, 3, rename("Zed4"))
	release()
	for name, c := range map[string]<-chan updateResult{"first update of x": first, "second update of x": second, "stale update of z": stale} {
		if r := <-c; r.err == nil {
			t.Errorf("%s answered version %d of a group whose write of x failed, want an error", name, r.p.Version)
		}
	}
	wantStored(t, h1, acct, x.ID, "Ada", 1)
	wantStored(t, h1, acct, z.ID, "Zed3", 3)
	wantWriterRunning(t, h1)
	if got, err := h1.Profiles().Update(ctx, acct, z.ID, rename("Zed5")); err != nil || got.Version != 4 {
		t.Errorf("an update after the group: %v", err)
	}
}
