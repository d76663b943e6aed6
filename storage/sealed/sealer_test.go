package sealed

import (
	"database/sql"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/palja/palja/crypto"
	"github.com/palja/palja/profile"
	"github.com/palja/palja/storage/storetest"
)

func TestAD(t *testing.T) {
	if got := string(AppendProfileAD([]byte("x"), "acct_1", "prf_2")); got != "xprofiles.sealed|acct_1|prf_2" {
		t.Errorf("AppendProfileAD = %q", got)
	}
	if got := string(AppendFingerprintAD(nil, "acct_1", "a|b")); got != "idempotency_keys.fingerprint|acct_1|a|b" {
		t.Errorf("AppendFingerprintAD = %q", got)
	}
}

// row returns the row a backend would store for p, sealed by s.
func row(t *testing.T, s *Sealer, buf *Buffers, p *profile.Profile) *Row {
	t.Helper()
	ct, err := s.SealProfile(buf, p)
	if err != nil {
		t.Fatal(err)
	}
	r := &Row{ID: p.ID, Sealed: append([]byte(nil), ct...), Version: p.Version,
		CreatedAt: p.CreatedAt.Unix(), UpdatedAt: p.UpdatedAt.Unix()}
	if p.ExternalID != nil {
		r.ExternalID = sql.NullString{String: *p.ExternalID, Valid: true}
	}
	return r
}

func TestSealOpen(t *testing.T) {
	s := NewSealer(storetest.Keyring("k1"))
	var buf Buffers
	p := newProfile(t, "acct_a", "Secretname", profile.Patch{ExternalID: str("ext-1"), BirthHour: num(5), Gender: str("female")})
	r := row(t, s, &buf, p)
	if kid, _ := crypto.KeyIDOf(r.Sealed); kid != "k1" || !s.IsPrimary(r.Sealed) || s.Primary() != "k1" {
		t.Errorf("sealed under %q, IsPrimary %v", kid, s.IsPrimary(r.Sealed))
	}
	if strings.Contains(string(r.Sealed), "Secretname") {
		t.Error("the ciphertext holds the name")
	}
	for _, b := range []*Buffers{nil, &buf} {
		got, err := s.OpenProfile(b, "acct_a", r)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, p) {
			t.Errorf("OpenProfile = %+v\nwant %+v", got, p)
		}
	}

	// Moved to another account or row, or altered: it does not open, and
	// the error names the profile and key, never the data.
	moved := *r
	moved.ID = "prf_other0000000000"
	altered := *r
	altered.Sealed = append([]byte(nil), r.Sealed...)
	altered.Sealed[len(altered.Sealed)-1] ^= 1
	for _, tc := range []struct {
		name    string
		account string
		r       *Row
	}{{"other account", "acct_b", r}, {"other row", "acct_a", &moved}, {"altered", "acct_a", &altered}} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.OpenProfile(nil, tc.account, tc.r)
			if got != nil || !errors.Is(err, crypto.ErrDecrypt) {
				t.Fatalf("OpenProfile = %v, %v; want ErrDecrypt", got, err)
			}
			if msg := err.Error(); !strings.Contains(msg, tc.r.ID) || !strings.Contains(msg, `"k1"`) || strings.Contains(msg, "Secretname") {
				t.Errorf("error %q should name the profile and key and no data", msg)
			}
		})
	}
	other := NewSealer(storetest.Keyring("k2"))
	if _, err := other.OpenProfile(nil, "acct_a", r); !errors.Is(err, crypto.ErrUnknownKey) {
		t.Errorf("OpenProfile without its key: %v, want ErrUnknownKey", err)
	}
}

func TestSealAllocs(t *testing.T) {
	s := NewSealer(storetest.Keyring("k1"))
	var buf Buffers
	p := newProfile(t, "acct_a", "김영희", profile.Patch{BirthHour: num(3), Gender: str("female")})
	idem := &profile.Idempotency{Key: "k", Fingerprint: [32]byte{1}}
	s.SealProfile(&buf, p) // grows the buffers
	if n := testing.AllocsPerRun(100, func() { s.SealProfile(&buf, p) }); n != 0 {
		t.Errorf("SealProfile allocates %v times with warm buffers", n)
	}
	if n := testing.AllocsPerRun(100, func() { s.SealFingerprint(&buf, "acct_a", idem) }); n != 0 {
		t.Errorf("SealFingerprint allocates %v times with warm buffers", n)
	}
}

func TestCheckKeys(t *testing.T) {
	s := NewSealer(storetest.Keyring("k2", "k1"))
	for _, tc := range []struct {
		ids  []string
		want string
	}{
		{nil, ""},
		{[]string{"k1", "k2"}, ""},
		{[]string{"k0", "k1"}, `profiles are sealed under key "k0", which is not in the keyring`},
		{[]string{"k0", "k1", "k3"}, `profiles are sealed under keys "k0", "k3", which are not in the keyring`},
	} {
		err := s.CheckKeys(tc.ids)
		if got := ""; err != nil {
			got = err.Error()
			if got != tc.want {
				t.Errorf("CheckKeys(%q) = %q, want %q", tc.ids, got, tc.want)
			}
		} else if tc.want != "" {
			t.Errorf("CheckKeys(%q) = nil, want %q", tc.ids, tc.want)
		}
	}
}

// TestResealProfile re-seals a profile under the new primary key: it opens
// as before, and a ciphertext that does not open is an error naming it.
func TestResealProfile(t *testing.T) {
	var buf Buffers
	p := newProfile(t, "acct_a", "Ada", profile.Patch{})
	r := row(t, NewSealer(storetest.Keyring("k1")), &buf, p)
	s := NewSealer(storetest.Keyring("k2", "k1"))
	if s.IsPrimary(r.Sealed) {
		t.Fatal("sealed under k1, the primary is k2")
	}
	ct, err := s.ResealProfile(&buf, "acct_a", p.ID, r.Sealed)
	if err != nil {
		t.Fatal(err)
	}
	if !s.IsPrimary(ct) {
		t.Error("not re-sealed under the primary key")
	}
	resealed := *r
	resealed.Sealed = ct
	if got, err := NewSealer(storetest.Keyring("k2")).OpenProfile(nil, "acct_a", &resealed); err != nil || !reflect.DeepEqual(got, p) {
		t.Errorf("re-sealed profile = %+v, %v\nwant %+v", got, err, p)
	}
	if _, err := s.ResealProfile(&buf, "acct_b", p.ID, r.Sealed); !errors.Is(err, crypto.ErrDecrypt) || !strings.Contains(err.Error(), p.ID) {
		t.Errorf("ResealProfile under another account: %v, want ErrDecrypt naming %s", err, p.ID)
	}
}
