package sqlite

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/palja/palja/crypto"
	"github.com/palja/palja/profile"
	"github.com/palja/palja/storage/sealed"
	"github.com/palja/palja/storage/storetest"
)

var ctx = context.Background()

func TestProfileRoundTrip(t *testing.T) {
	db := mustOpen(t)
	acct := newAccount(t, db)
	for _, tc := range []struct {
		name  string
		patch profile.Patch
	}{
		{"minimal", profile.Patch{}},
		{"hangul name with hour", profile.Patch{Name: str("김영희"), BirthHour: num(0), Gender: str("female")}},
		{"external id and male", profile.Patch{ExternalID: str("user_12345"), Gender: str("male"), BirthHour: num(23)}},
		{"leap day", profile.Patch{BirthYear: num(2000), BirthMonth: num(2), BirthDay: num(29), BirthHour: num(12)}},
		{"range ends", profile.Patch{BirthYear: num(1900), BirthMonth: num(1), BirthDay: num(1), ExternalID: str("a")}},
		{"long name", profile.Patch{Name: str("가나다라마바사아자차카타파하가나다라마바"), BirthYear: num(2100), BirthMonth: num(12), BirthDay: num(31)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			name := "Ada"
			if tc.patch.Name.Set {
				name = tc.patch.Name.V
			}
			want := newProfile(t, acct, name, tc.patch)
			stored, replayed, err := db.Profiles().Create(ctx, want, nil)
			if err != nil || replayed {
				t.Fatalf("Create: %v, replayed %v", err, replayed)
			}
			if stored != want {
				t.Errorf("Create returned another profile than the one stored")
			}
			got, err := db.Profiles().Get(ctx, acct, want.ID)
			if err != nil {
				t.Fatalf("Get: %v", err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Get = %+v\nwant  %+v", got, want)
			}
			if want.ExternalID != nil {
				got, err := db.Profiles().Get(ctx, acct, *want.ExternalID)
				if err != nil || got.ID != want.ID {
					t.Errorf("Get by external_id = %v, %v; want %s", got, err, want.ID)
				}
			}
		})
	}
}

func TestGetNotFound(t *testing.T) {
	db := mustOpen(t)
	acct := newAccount(t, db)
	for _, ref := range []string{"prf_0000000000000000", "nobody", "prf_", ""} {
		if _, err := db.Profiles().Get(ctx, acct, ref); !errors.Is(err, profile.ErrNotFound) {
			t.Errorf("Get(%q) = %v, want ErrNotFound", ref, err)
		}
	}
}

// TestAccountScoping checks that a profile of another account is not found
// by any operation, by id or by external_id.
func TestAccountScoping(t *testing.T) {
	db := mustOpen(t)
	a, b := newAccount(t, db), newAccount(t, db)
	p := mustCreate(t, db, a, "Ada", profile.Patch{ExternalID: str("ext-1")})
	s := db.Profiles()
	for _, ref := range []string{p.ID, "ext-1"} {
		if _, err := s.Get(ctx, b, ref); !errors.Is(err, profile.ErrNotFound) {
			t.Errorf("Get(%s) from another account: %v", ref, err)
		}
		_, err := s.Update(ctx, b, ref, func(p *profile.Profile) error { p.Name = "Eve"; return nil })
		if !errors.Is(err, profile.ErrNotFound) {
			t.Errorf("Update(%s) from another account: %v", ref, err)
		}
		if err := s.Delete(ctx, b, ref, nil); !errors.Is(err, profile.ErrNotFound) {
			t.Errorf("Delete(%s) from another account: %v", ref, err)
		}
	}
	if _, _, err := s.List(ctx, b, 10, p.ID); !errors.Is(err, profile.ErrNotFound) {
		t.Errorf("List after another account's profile: %v", err)
	}
	if ps, _, err := s.List(ctx, b, 10, ""); err != nil || len(ps) != 0 {
		t.Errorf("List of another account = %d profiles, %v", len(ps), err)
	}
	got, err := s.Get(ctx, a, p.ID)
	if err != nil || got.Name != "Ada" || got.Version != 1 {
		t.Errorf("owner's profile after the attempts: %+v, %v", got, err)
	}
	// The same external_id is free in another account.
	mustCreate(t, db, b, "Bob", profile.Patch{ExternalID: str("ext-1")})
}

func TestCreateConflict(t *testing.T) {
	db := mustOpen(t)
	acct := newAccount(t, db)
	s := db.Profiles()
	first := mustCreate(t, db, acct, "Ada", profile.Patch{ExternalID: str("ext-1")})
	other := mustCreate(t, db, acct, "Bob", profile.Patch{ExternalID: str("ext-2")})

	_, _, err := s.Create(ctx, newProfile(t, acct, "Eve", profile.Patch{ExternalID: str("ext-1")}), nil)
	var ce *profile.ConflictError
	if !errors.As(err, &ce) || ce.Param != "external_id" || !errors.Is(err, profile.ErrConflict) {
		t.Fatalf("Create with a taken external_id: %v, want a ConflictError for external_id", err)
	}
	_, err = s.Update(ctx, acct, other.ID, func(p *profile.Profile) error {
		p.ExternalID = first.ExternalID
		return nil
	})
	if !errors.As(err, &ce) || ce.Param != "external_id" {
		t.Fatalf("Update to a taken external_id: %v, want a ConflictError for external_id", err)
	}
	if got, _ := s.Get(ctx, acct, "ext-2"); got == nil || got.Version != 1 {
		t.Errorf("profile after the failed update: %+v", got)
	}
	if ps, _, _ := s.List(ctx, acct, 10, ""); len(ps) != 2 {
		t.Errorf("%d profiles, want 2", len(ps))
	}
	// Profiles without external_id never conflict.
	mustCreate(t, db, acct, "Cy", profile.Patch{})
	mustCreate(t, db, acct, "Di", profile.Patch{})
}

func TestUpdate(t *testing.T) {
	clk := storetest.NewClock()
	db := mustOpenAt(t, filepath.Join(t.TempDir(), "palja.db"), storetest.Keyring("k1"), Options{Now: clk.Now})
	acct := newAccount(t, db)
	s := db.Profiles()
	p := mustCreate(t, db, acct, "Ada", profile.Patch{BirthHour: num(7)})

	t.Run("fn error", func(t *testing.T) {
		errStop := errors.New("stop")
		_, err := s.Update(ctx, acct, p.ID, func(q *profile.Profile) error {
			q.Name = "Changed"
			return errStop
		})
		if err != errStop {
			t.Errorf("Update = %v, want fn's error unchanged", err)
		}
		if got, _ := s.Get(ctx, acct, p.ID); got.Name != "Ada" || got.Version != 1 {
			t.Errorf("after a failed fn: name %q version %d", got.Name, got.Version)
		}
	})
	t.Run("success", func(t *testing.T) {
		clk.Advance(time.Hour)
		got, err := s.Update(ctx, acct, p.ID, func(q *profile.Profile) error {
			_, err := q.Merge(&profile.Patch{BirthHour: profile.Opt[int]{Set: true, Null: true}, Gender: str("male")})
			q.ID, q.Version = "prf_forged0000000000", 99 // the store's fields: ignored
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != p.ID || got.Version != 2 || !got.UpdatedAt.Equal(clk.Now()) || !got.CreatedAt.Equal(p.CreatedAt) {
			t.Errorf("Update = id %s version %d updated %v created %v", got.ID, got.Version, got.UpdatedAt, got.CreatedAt)
		}
		if got.BirthHour != nil || got.Chart.HasHour || got.Gender == nil || *got.Gender != "male" {
			t.Errorf("merge not applied: %+v", got)
		}
		again, err := s.Get(ctx, acct, p.ID)
		if err != nil || !reflect.DeepEqual(again, got) {
			t.Errorf("Get after Update = %+v, %v\nwant %+v", again, err, got)
		}
	})
	t.Run("not found", func(t *testing.T) {
		_, err := s.Update(ctx, acct, "prf_0000000000000000", func(*profile.Profile) error { t.Error("fn called"); return nil })
		if !errors.Is(err, profile.ErrNotFound) {
			t.Errorf("Update of a missing profile: %v", err)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		c, cancel := context.WithCancel(ctx)
		cancel()
		_, err := s.Update(c, acct, p.ID, func(*profile.Profile) error { t.Error("fn called"); return nil })
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Update with a cancelled context: %v", err)
		}
	})
}

// TestConcurrentUpdates has each goroutine own one field of the same
// profile and update it in a loop: no update may be lost.
func TestConcurrentUpdates(t *testing.T) {
	db := mustOpen(t)
	acct := newAccount(t, db)
	s := db.Profiles()
	p := mustCreate(t, db, acct, "Ada", profile.Patch{})
	const rounds = 50
	setters := []func(q *profile.Profile, i int){
		func(q *profile.Profile, i int) { q.Name = fmt.Sprintf("name%d", i) },
		func(q *profile.Profile, i int) { h := i % 24; q.BirthHour = &h },
		func(q *profile.Profile, i int) { e := fmt.Sprintf("ext-%d", i); q.ExternalID = &e },
		func(q *profile.Profile, i int) { q.BirthDay = 1 + i%28 },
		func(q *profile.Profile, i int) {
			g := [2]string{"male", "female"}[i%2]
			q.Gender = &g
		},
	}
	var wg sync.WaitGroup
	for _, set := range setters {
		wg.Go(func() {
			for i := range rounds {
				if _, err := s.Update(ctx, acct, p.ID, func(q *profile.Profile) error { set(q, i); return nil }); err != nil {
					t.Errorf("Update: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
	got, err := s.Get(ctx, acct, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := *got
	for _, set := range setters {
		set(&want, rounds-1)
	}
	want.Version = 1 + int64(len(setters)*rounds)
	if !reflect.DeepEqual(got, &want) {
		t.Errorf("after concurrent updates: %+v\nwant %+v", got, &want)
	}
}

func TestDelete(t *testing.T) {
	path := filepath.Join(t.TempDir(), "palja.db")
	kr := storetest.Keyring("k1")
	db, err := Open(ctx, path, kr, Options{})
	if err != nil {
		t.Fatal(err)
	}
	acct := newAccount(t, db)
	s := db.Profiles()
	p := mustCreate(t, db, acct, "Ada", profile.Patch{ExternalID: str("ext-1")})
	keep := mustCreate(t, db, acct, "Bob", profile.Patch{})
	var sealed []byte
	if err := rawDB(t, path).Get(&sealed, "SELECT sealed FROM profiles WHERE id = ?", p.ID); err != nil {
		t.Fatal(err)
	}
	// A failing precondition sees the stored version and deletes nothing.
	refused := errors.New("refused")
	var seen int64
	if err := s.Delete(ctx, acct, "ext-1", func(v int64) error { seen = v; return refused }); err != refused || seen != p.Version {
		t.Fatalf("Delete with a failing precondition: %v, version %d (want %d)", err, seen, p.Version)
	}
	if got, err := s.Get(ctx, acct, "ext-1"); err != nil || got.Name != "Ada" {
		t.Fatalf("after a refused Delete: %v", err)
	}
	if err := s.Delete(ctx, acct, "ext-1", func(int64) error { return nil }); err != nil {
		t.Fatal(err)
	}
	for _, ref := range []string{p.ID, "ext-1"} {
		if _, err := s.Get(ctx, acct, ref); !errors.Is(err, profile.ErrNotFound) {
			t.Errorf("Get(%s) after Delete: %v", ref, err)
		}
		if err := s.Delete(ctx, acct, ref, nil); !errors.Is(err, profile.ErrNotFound) {
			t.Errorf("second Delete(%s): %v", ref, err)
		}
	}
	if _, err := s.Get(ctx, acct, keep.ID); err != nil {
		t.Errorf("other profile after Delete: %v", err)
	}
	// Closing checkpoints the WAL into the database file and removes it;
	// secure_delete has overwritten the deleted row's ciphertext there.
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(data, sealed[len(sealed)-24:]) {
		t.Error("the deleted profile's ciphertext is still in the database file")
	}
}

func TestList(t *testing.T) {
	db := mustOpen(t)
	acct, other := newAccount(t, db), newAccount(t, db)
	s := db.Profiles()
	var ids []string // newest first
	for i := range 7 {
		p := mustCreate(t, db, acct, fmt.Sprintf("P%d", i), profile.Patch{})
		ids = append([]string{p.ID}, ids...)
		mustCreate(t, db, other, "Other", profile.Patch{})
	}
	var got []string
	after := ""
	for page := 0; ; page++ {
		ps, more, err := s.List(ctx, acct, 3, after)
		if err != nil {
			t.Fatal(err)
		}
		if wantMore := page < 2; more != wantMore {
			t.Errorf("page %d: hasMore %v, want %v", page, more, wantMore)
		}
		for _, p := range ps {
			if p.AccountID != acct {
				t.Errorf("List returned a profile of account %s", p.AccountID)
			}
			got = append(got, p.ID)
		}
		if !more {
			break
		}
		after = ps[len(ps)-1].ID
	}
	if !reflect.DeepEqual(got, ids) {
		t.Errorf("pages = %v\nwant    %v", got, ids)
	}
	if ps, more, err := s.List(ctx, acct, 7, ""); len(ps) != 7 || more || err != nil {
		t.Errorf("List(limit 7) = %d, %v, %v; want 7 profiles and no more", len(ps), more, err)
	}
	if ps, more, err := s.List(ctx, acct, 10, ids[6]); len(ps) != 0 || more || err != nil {
		t.Errorf("List after the oldest = %d, %v, %v; want an empty last page", len(ps), more, err)
	}
	if _, _, err := s.List(ctx, acct, 3, "prf_0000000000000000"); !errors.Is(err, profile.ErrNotFound) {
		t.Errorf("List after an unknown id: %v, want ErrNotFound", err)
	}
	if _, _, err := s.List(ctx, acct, 0, ""); err == nil {
		t.Error("List with limit 0 succeeded")
	}
}

// TestNoPlaintextAtRest writes profiles and looks for their names in every
// byte of the database files and in every column of every table.
func TestNoPlaintextAtRest(t *testing.T) {
	path := filepath.Join(t.TempDir(), "palja.db")
	db := mustOpenAt(t, path, storetest.Keyring("k1"), Options{})
	acct := newAccount(t, db)
	names := []string{"Zebediah", "홍길동무"}
	for _, n := range names {
		p := mustCreate(t, db, acct, n, profile.Patch{BirthHour: num(5), ExternalID: str("ref-" + fmt.Sprint(len(n)))})
		if _, err := db.Profiles().Update(ctx, acct, p.ID, func(q *profile.Profile) error { q.Name = n + "x"; return nil }); err != nil {
			t.Fatal(err)
		}
	}
	files := RawFiles(t, db)
	for file, data := range files {
		for _, n := range names {
			if bytes.Contains(data, []byte(n)) {
				t.Errorf("%s contains the name %q", file, n)
			}
		}
	}
	if files[filepath.Base(path)] == nil || files[filepath.Base(path)+"-wal"] == nil {
		t.Errorf("read %d files, want the database and its WAL", len(files))
	}

	raw := rawDB(t, path)
	var tables []string
	if err := raw.Select(&tables, "SELECT name FROM sqlite_master WHERE type = 'table'"); err != nil {
		t.Fatal(err)
	}
	cells := 0
	for _, table := range tables {
		rows, err := raw.Queryx("SELECT * FROM " + table)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			vals, err := rows.SliceScan()
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range vals {
				cells++
				var b []byte
				switch v := v.(type) {
				case []byte:
					b = v
				case string:
					b = []byte(v)
				}
				for _, n := range names {
					if bytes.Contains(b, []byte(n)) {
						t.Errorf("a column of %s contains the name %q", table, n)
					}
				}
			}
		}
		rows.Close()
	}
	if cells == 0 {
		t.Error("no cells read")
	}
}

// TestMovedCiphertext copies a ciphertext to another row, of the same and
// of another account, and alters and truncates one: each such profile fails
// to open with an error that names it, and the others keep working.
func TestMovedCiphertext(t *testing.T) {
	path := filepath.Join(t.TempDir(), "palja.db")
	db := mustOpenAt(t, path, storetest.Keyring("k1"), Options{})
	a, b := newAccount(t, db), newAccount(t, db)
	src := mustCreate(t, db, a, "Secretname", profile.Patch{})
	sameAcct := mustCreate(t, db, a, "Other", profile.Patch{})
	otherAcct := mustCreate(t, db, b, "Other", profile.Patch{})
	altered := mustCreate(t, db, a, "Other", profile.Patch{})
	truncated := mustCreate(t, db, a, "Other", profile.Patch{})
	fine := mustCreate(t, db, a, "Fine", profile.Patch{})
	raw := rawDB(t, path)
	for _, q := range []string{
		"UPDATE profiles SET sealed = (SELECT sealed FROM profiles WHERE id = '" + src.ID + "') WHERE id IN ('" + sameAcct.ID + "', '" + otherAcct.ID + "')",
		"UPDATE profiles SET sealed = CAST(substr(sealed, 1, length(sealed) - 1) || X'00' AS BLOB) WHERE id = '" + altered.ID + "'",
		"UPDATE profiles SET sealed = substr(sealed, 1, 20) WHERE id = '" + truncated.ID + "'",
	} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name    string
		account string
		p       *profile.Profile
	}{
		{"same account", a, sameAcct},
		{"other account", b, otherAcct},
		{"altered", a, altered},
		{"truncated", a, truncated},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := db.Profiles().Get(ctx, tc.account, tc.p.ID)
			if got != nil || !errors.Is(err, crypto.ErrDecrypt) {
				t.Fatalf("Get = %v, %v; want an error wrapping ErrDecrypt", got, err)
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.p.ID) || strings.Contains(msg, "Secretname") || strings.Contains(msg, "Other") {
				t.Errorf("error %q should name the profile and no data", msg)
			}
			if tc.name != "truncated" && !strings.Contains(msg, `"k1"`) {
				t.Errorf("error %q should name the key", msg)
			}
			_, err = db.Profiles().Update(ctx, tc.account, tc.p.ID, func(*profile.Profile) error { t.Error("fn called"); return nil })
			if !errors.Is(err, crypto.ErrDecrypt) {
				t.Errorf("Update = %v, want ErrDecrypt", err)
			}
		})
	}
	if got, err := db.Profiles().Get(ctx, a, fine.ID); err != nil || got.Name != "Fine" {
		t.Errorf("untouched profile: %v, %v", got, err)
	}
	if got, err := db.Profiles().Get(ctx, a, src.ID); err != nil || got.Name != "Secretname" {
		t.Errorf("source profile: %v, %v", got, err)
	}
}

// TestRetiredKey rotates from k1 to k2: rows under k1 still read while k1
// is in the ring, and Open refuses a ring without it, naming it.
func TestRetiredKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "palja.db")
	db, err := Open(ctx, path, storetest.Keyring("k1"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	acct := newAccount(t, db)
	old := mustCreate(t, db, acct, "Ada", profile.Patch{})
	db.Close()

	db, err = Open(ctx, path, storetest.Keyring("k2", "k1"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := db.Profiles().Get(ctx, acct, old.ID); err != nil || got.Name != "Ada" {
		t.Errorf("profile under the retired key: %v, %v", got, err)
	}
	fresh := mustCreate(t, db, acct, "Bob", profile.Patch{})
	db.Close()

	_, err = Open(ctx, path, storetest.Keyring("k2"), Options{})
	if err == nil || !strings.Contains(err.Error(), `"k1"`) || strings.Contains(err.Error(), "Ada") {
		t.Fatalf("Open without k1: %v, want an error naming k1", err)
	}
	_, err = Open(ctx, path, storetest.Keyring("k3"), Options{})
	if err == nil || !strings.Contains(err.Error(), `"k1", "k2"`) {
		t.Fatalf("Open without k1 and k2: %v, want an error naming both", err)
	}

	db = mustOpenAt(t, path, storetest.Keyring("k2", "k1"), Options{})
	if got, err := db.Profiles().Get(ctx, acct, fresh.ID); err != nil || got.Name != "Bob" {
		t.Errorf("profile under the new key: %v, %v", got, err)
	}
}

// TestStoredPayloadV1 reads a profile whose sealed payload is of version 1,
// as databases written before version 2 hold them, built byte by byte as
// version 1 wrote it: it reads, lists and updates, and the update writes
// the current version.
func TestStoredPayloadV1(t *testing.T) {
	path := filepath.Join(t.TempDir(), "palja.db")
	kr := storetest.Keyring("k1")
	db := mustOpenAt(t, path, kr, Options{})
	acct := newAccount(t, db)
	// 1990-05-15 10:00, male, "Ada": pillars 경오 신사 경진 신사 (indexes 6,
	// 17, 16, 17); wood 0, fire 3, earth 1, metal 4, water 0; weakest wood.
	v1 := []byte{1, 1 | 2 | 8, 0x07, 0xc6, 5, 15, 10, 6, 17, 16, 17, 0, 3, 1, 4, 0, 0, 3, 'A', 'd', 'a'}
	want := newProfile(t, acct, "Ada", profile.Patch{BirthYear: num(1990), BirthMonth: num(5), BirthDay: num(15),
		BirthHour: num(10), Gender: str("male"), ExternalID: str("old-1")})
	want.CreatedAt, want.UpdatedAt = time.Unix(1600000000, 0).UTC(), time.Unix(1600000001, 0).UTC()
	ct := kr.Seal(v1, sealed.AppendProfileAD(nil, acct, want.ID))
	rawExec(t, path, "INSERT INTO profiles (id, account_id, external_id, key_id, sealed, version, created_at, updated_at) VALUES (?, ?, ?, 'k1', ?, 1, ?, ?)",
		want.ID, acct, *want.ExternalID, ct, want.CreatedAt.Unix(), want.UpdatedAt.Unix())

	for _, ref := range []string{want.ID, "old-1"} {
		got, err := db.Profiles().Get(ctx, acct, ref)
		if err != nil {
			t.Fatalf("Get(%s): %v", ref, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("Get(%s) = %+v\nwant %+v", ref, got, want)
		}
	}
	if ps, _, err := db.Profiles().List(ctx, acct, 10, ""); err != nil || len(ps) != 1 || !reflect.DeepEqual(ps[0], want) {
		t.Errorf("List = %v, %v; want the v1 profile", ps, err)
	}
	got, err := db.Profiles().Update(ctx, acct, want.ID, func(p *profile.Profile) error { p.Name = "Bea"; return nil })
	if err != nil || got.Name != "Bea" || got.Chart != want.Chart {
		t.Fatalf("Update = %+v, %v", got, err)
	}
	var stored []byte
	if err := rawGet(t, path, &stored, "SELECT sealed FROM profiles WHERE id = ?", want.ID); err != nil {
		t.Fatal(err)
	}
	pt, err := kr.Open(stored, sealed.AppendProfileAD(nil, acct, want.ID))
	if err != nil {
		t.Fatalf("open the updated payload: %v", err)
	}
	if pt[0] != 3 {
		t.Errorf("after Update the payload is of version %d, want 3", pt[0])
	}
	if again, err := db.Profiles().Get(ctx, acct, want.ID); err != nil || !reflect.DeepEqual(again, got) {
		t.Errorf("Get after Update = %+v, %v\nwant %+v", again, err, got)
	}
}

// TestSecondHandle writes through a second handle on the database, as a
// second process would: each handle reads the other's writes, and one
// update from each is kept.
func TestSecondHandle(t *testing.T) {
	db := mustOpenAt(t, filepath.Join(t.TempDir(), "palja.db"), storetest.Keyring("k1"), Options{})
	other := OpenSecond(t, db)
	acct := newAccount(t, db)
	p := mustCreate(t, other, acct, "Ada", profile.Patch{})
	if _, err := db.Profiles().Update(ctx, acct, p.ID, func(q *profile.Profile) error { q.Name = "Bea"; return nil }); err != nil {
		t.Fatal(err)
	}
	got, err := other.Profiles().Update(ctx, acct, p.ID, func(q *profile.Profile) error { q.BirthDay = 18; return nil })
	if err != nil || got.Name != "Bea" || got.BirthDay != 18 || got.Version != 3 {
		t.Fatalf("Update through the second handle = %+v, %v", got, err)
	}
	if again, err := db.Profiles().Get(ctx, acct, p.ID); err != nil || !reflect.DeepEqual(again, got) {
		t.Errorf("Get through the first handle = %+v, %v\nwant %+v", again, err, got)
	}
}
