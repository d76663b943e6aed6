package crypto

import (
	"bytes"
	"errors"
	"strings"
	"sync"
	"testing"
)

// testKey returns a deterministic 32-byte key derived from b.
func testKey(b byte) []byte { return bytes.Repeat([]byte{b}, KeySize) }

func mustKeyring(tb testing.TB, primary KeyID, keys map[KeyID][]byte) *Keyring {
	tb.Helper()
	kr, err := NewKeyring(primary, keys)
	if err != nil {
		tb.Fatal(err)
	}
	return kr
}

var testAD = []byte("profiles.sealed|acct_1|prf_1")

func TestRoundTrip(t *testing.T) {
	kr := mustKeyring(t, "k1", map[KeyID][]byte{"k1": testKey(1)})
	for _, size := range []int{0, 1, 100, 1 << 20} {
		pt := make([]byte, size)
		for i := range pt {
			pt[i] = byte(i * 7)
		}
		ct := kr.Seal(pt, testAD)
		if want := size + kr.Overhead(); len(ct) != want {
			t.Errorf("size %d: len(ciphertext) = %d, want %d", size, len(ct), want)
		}
		if size > 16 && bytes.Contains(ct, pt[:16]) {
			t.Errorf("size %d: ciphertext contains plaintext", size)
		}
		got, err := kr.Open(ct, testAD)
		if err != nil {
			t.Fatalf("size %d: Open: %v", size, err)
		}
		if got == nil || !bytes.Equal(got, pt) {
			t.Fatalf("size %d: Open returned different plaintext (nil=%v)", size, got == nil)
		}
		if id, err := KeyIDOf(ct); err != nil || id != "k1" {
			t.Errorf("size %d: KeyIDOf = %q, %v; want k1", size, id, err)
		}
	}
}

func TestSealFreshNonce(t *testing.T) {
	kr := mustKeyring(t, "k1", map[KeyID][]byte{"k1": testKey(1)})
	a, b := kr.Seal([]byte("same"), testAD), kr.Seal([]byte("same"), testAD)
	if bytes.Equal(a, b) {
		t.Fatal("two seals of the same plaintext are equal: nonce reused")
	}
}

func TestAppendSeal(t *testing.T) {
	kr := mustKeyring(t, "k1", map[KeyID][]byte{"k1": testKey(1)})
	prefix := []byte("prefix")
	out := kr.AppendSeal(prefix, []byte("hello"), testAD)
	if !bytes.HasPrefix(out, prefix) {
		t.Fatalf("AppendSeal lost dst: %q", out)
	}
	got, err := kr.Open(out[len(prefix):], testAD)
	if err != nil || string(got) != "hello" {
		t.Fatalf("Open = %q, %v", got, err)
	}
	buf, pt := make([]byte, 0, 256), []byte("hello")
	allocs := testing.AllocsPerRun(100, func() { buf = kr.AppendSeal(buf[:0], pt, testAD) })
	if allocs != 0 {
		t.Errorf("AppendSeal with capacity allocates %v times, want 0", allocs)
	}
}

// TestRotation seals under k1 and walks the ring through k2 and k3.
func TestRotation(t *testing.T) {
	k1, k2, k3 := testKey(1), testKey(2), testKey(3)
	pt := []byte("1990-05-17 14:30 Seoul")

	ring1 := mustKeyring(t, "k1", map[KeyID][]byte{"k1": k1})
	ct1 := ring1.Seal(pt, testAD)

	ring21 := mustKeyring(t, "k2", map[KeyID][]byte{"k2": k2, "k1": k1})
	got, err := ring21.Open(ct1, testAD)
	if err != nil || !bytes.Equal(got, pt) {
		t.Fatalf("[k2,k1] Open(k1 ciphertext) = %q, %v", got, err)
	}
	ct2 := ring21.Seal(got, testAD)
	if id, _ := KeyIDOf(ct2); id != "k2" {
		t.Fatalf("resealed under %q, want k2", id)
	}

	ring32 := mustKeyring(t, "k3", map[KeyID][]byte{"k3": k3, "k2": k2})
	if got, err := ring32.Open(ct2, testAD); err != nil || !bytes.Equal(got, pt) {
		t.Fatalf("[k3,k2] Open(k2 ciphertext) = %q, %v", got, err)
	}

	ring3 := mustKeyring(t, "k3", map[KeyID][]byte{"k3": k3})
	for _, c := range []struct {
		name string
		ct   []byte
		id   string
	}{{"k1", ct1, "k1"}, {"k2", ct2, "k2"}} {
		got, err := ring3.Open(c.ct, testAD)
		if !errors.Is(err, ErrUnknownKey) {
			t.Errorf("[k3] Open(%s ciphertext) error = %v, want ErrUnknownKey", c.name, err)
		}
		if errors.Is(err, ErrDecrypt) {
			t.Errorf("unknown key error also matches ErrDecrypt")
		}
		if err != nil && !strings.Contains(err.Error(), `"`+c.id+`"`) {
			t.Errorf("error %q does not name key %s", err, c.id)
		}
		if got != nil {
			t.Errorf("Open returned plaintext with error")
		}
	}
}

// TestTamper checks that every byte flip and every truncation fails, and never
// returns plaintext.
func TestTamper(t *testing.T) {
	kr := mustKeyring(t, "k1", map[KeyID][]byte{"k1": testKey(1), "k2": testKey(2)})
	ct := kr.Seal([]byte("secret birth data"), testAD)
	for i := range ct {
		for _, mask := range []byte{0x01, 0x80, 0xff} {
			bad := bytes.Clone(ct)
			bad[i] ^= mask
			got, err := kr.Open(bad, testAD)
			if got != nil || !(errors.Is(err, ErrDecrypt) || errors.Is(err, ErrUnknownKey)) {
				t.Errorf("flip byte %d with %#x: Open = %q, %v", i, mask, got, err)
			}
		}
	}
	for n := range len(ct) {
		got, err := kr.Open(ct[:n], testAD)
		if got != nil || !errors.Is(err, ErrDecrypt) {
			t.Errorf("truncated to %d bytes: Open = %q, %v", n, got, err)
		}
	}
	if got, err := kr.Open(append(bytes.Clone(ct), 0), testAD); got != nil || !errors.Is(err, ErrDecrypt) {
		t.Errorf("extended by one byte: Open = %q, %v", got, err)
	}
}

func TestWrongAD(t *testing.T) {
	kr := mustKeyring(t, "k1", map[KeyID][]byte{"k1": testKey(1)})
	ct := kr.Seal([]byte("x"), []byte("profiles.sealed|acct_1|prf_1"))
	for _, ad := range []string{
		"",
		"profiles.sealed|acct_1|prf_2",
		"profiles.sealed|acct_2|prf_1",
		"profiles.other|acct_1|prf_1",
		"profiles.sealed|acct_1|prf_1 ",
	} {
		if got, err := kr.Open(ct, []byte(ad)); got != nil || !errors.Is(err, ErrDecrypt) {
			t.Errorf("ad %q: Open = %q, %v", ad, got, err)
		}
	}
}

// TestWrongKeySameID checks that a ring holding another key under the same id
// fails to authenticate.
func TestWrongKeySameID(t *testing.T) {
	ct := mustKeyring(t, "k1", map[KeyID][]byte{"k1": testKey(1)}).Seal([]byte("x"), testAD)
	other := mustKeyring(t, "k1", map[KeyID][]byte{"k1": testKey(9)})
	if got, err := other.Open(ct, testAD); got != nil || !errors.Is(err, ErrDecrypt) {
		t.Errorf("Open = %q, %v; want ErrDecrypt", got, err)
	}
}

func TestNewKeyringErrors(t *testing.T) {
	tests := []struct {
		name    string
		primary KeyID
		keys    map[KeyID][]byte
		want    string
	}{
		{"short key", "k1", map[KeyID][]byte{"k1": make([]byte, 31)}, `key "k1" is 31 bytes, want 32`},
		{"long key", "k1", map[KeyID][]byte{"k1": make([]byte, 33)}, `key "k1" is 33 bytes, want 32`},
		{"empty id", "", map[KeyID][]byte{"": testKey(1)}, "invalid key id"},
		{"id too long", "k1", map[KeyID][]byte{"k1": testKey(1), KeyID(strings.Repeat("a", 33)): testKey(2)}, "invalid key id"},
		{"id with colon", "k1", map[KeyID][]byte{"k1": testKey(1), "a:b": testKey(2)}, "invalid key id"},
		{"primary missing", "k2", map[KeyID][]byte{"k1": testKey(1)}, `primary key "k2" is not in the keyring`},
		{"no keys", "k1", nil, `primary key "k1" is not in the keyring`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kr, err := NewKeyring(tt.primary, tt.keys)
			if err == nil || kr != nil {
				t.Fatalf("NewKeyring = %v, %v; want error", kr, err)
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "crypto: ") {
				t.Errorf("error %q, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestKeyringAccessors(t *testing.T) {
	kr := mustKeyring(t, "m", map[KeyID][]byte{"z": testKey(1), "m": testKey(2), "a": testKey(3)})
	if kr.Primary() != "m" {
		t.Errorf("Primary = %q", kr.Primary())
	}
	if !kr.Has("z") || kr.Has("q") {
		t.Errorf("Has wrong")
	}
	ids := kr.IDs()
	if strings.Join([]string{string(ids[0]), string(ids[1]), string(ids[2])}, ",") != "m,a,z" || len(ids) != 3 {
		t.Errorf("IDs = %v, want [m a z]", ids)
	}
	ids[0] = "x"
	if kr.IDs()[0] != "m" {
		t.Errorf("IDs shares its slice with the Keyring")
	}
}

func TestKeyIDValid(t *testing.T) {
	for id, want := range map[KeyID]bool{
		"k": true, "k2025-01_a": true, KeyID(strings.Repeat("Z", 32)): true,
		"": false, KeyID(strings.Repeat("Z", 33)): false, "a b": false, "a:b": false, "é": false, "a/b": false,
	} {
		if got := id.Valid(); got != want {
			t.Errorf("KeyID(%q).Valid() = %v, want %v", id, got, want)
		}
	}
}

func TestKeyIDOfMalformed(t *testing.T) {
	for _, ct := range [][]byte{nil, {version}, {2, 1, 'k'}, {version, 0}, {version, 33}, {version, 2, 'k'}, {version, 1, ':'}, append([]byte{version, 1, 'k'}, make([]byte, 27)...)} {
		if id, err := KeyIDOf(ct); id != "" || !errors.Is(err, ErrDecrypt) {
			t.Errorf("KeyIDOf(%x) = %q, %v", ct, id, err)
		}
	}
}

func TestConcurrentUse(t *testing.T) {
	kr := mustKeyring(t, "k1", map[KeyID][]byte{"k1": testKey(1), "k0": testKey(0)})
	old := mustKeyring(t, "k0", map[KeyID][]byte{"k0": testKey(0)}).Seal([]byte("old"), testAD)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				pt := []byte{byte(g), byte(i)}
				got, err := kr.Open(kr.Seal(pt, testAD), testAD)
				if err != nil || !bytes.Equal(got, pt) {
					t.Errorf("Open = %x, %v", got, err)
					return
				}
				if got, err := kr.Open(old, testAD); err != nil || string(got) != "old" {
					t.Errorf("Open(old) = %q, %v", got, err)
					return
				}
			}
		})
	}
	wg.Wait()
}
