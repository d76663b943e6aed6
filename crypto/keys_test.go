package crypto

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

func b64(n int, fill byte) string {
	return base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{fill}, n))
}

func TestParseKeys(t *testing.T) {
	k32a, k32b := b64(32, 'a'), b64(32, 'b')
	k31, k33 := b64(31, 'c'), b64(33, 'd')
	raw := base64.RawStdEncoding.EncodeToString([]byte(strings.Repeat("e", 32)))
	tests := []struct {
		name    string
		in      string
		primary KeyID
		ids     []KeyID
		wantErr string // substring; "" means success
		secrets []string
	}{
		{name: "one key", in: "k1:" + k32a, primary: "k1", ids: []KeyID{"k1"}},
		{name: "first is primary", in: "k2:" + k32b + ",k1:" + k32a, primary: "k2", ids: []KeyID{"k2", "k1"}},
		{name: "whitespace", in: "\n  k2 : " + k32b + " ,\t k1:" + k32a + "\n", primary: "k2", ids: []KeyID{"k2", "k1"}},
		{name: "unpadded base64", in: "k1:" + raw, primary: "k1", ids: []KeyID{"k1"}},
		{name: "empty", in: "", wantErr: "crypto: no keys"},
		{name: "blank", in: "  \n", wantErr: "crypto: no keys"},
		{name: "empty entry", in: "k1:" + k32a + ",", wantErr: "key entry 2 is empty", secrets: []string{k32a}},
		{name: "missing colon", in: k32a, wantErr: "key entry 1: want id:base64", secrets: []string{k32a}},
		{name: "invalid id", in: "k/1:" + k32a, wantErr: "key entry 1: invalid key id", secrets: []string{k32a}},
		{name: "key as id", in: k32a + ":" + k32b, wantErr: "key entry 1: invalid key id", secrets: []string{k32a, k32b}},
		{name: "no key", in: "k1:", wantErr: `key "k1": no key after ':'`},
		{name: "bad base64", in: "k1:" + k32a[:20] + "!" + k32a[21:], wantErr: `key "k1": invalid base64 at character 20`, secrets: []string{k32a[:20]}},
		{name: "url base64", in: "k1:" + strings.ReplaceAll(b64(32, 0xfb), "+", "-"), wantErr: `key "k1": invalid base64`},
		{name: "31 bytes", in: "k1:" + k31, wantErr: `key "k1": decodes to 31 bytes, want 32`, secrets: []string{k31}},
		{name: "33 bytes", in: "k0:" + k32b + ",k1:" + k33, wantErr: `key "k1": decodes to 33 bytes, want 32`, secrets: []string{k33, k32b}},
		{name: "duplicate id", in: "k1:" + k32a + ",k2:" + k32b + ",k1:" + k32b, wantErr: `duplicate key id "k1"`, secrets: []string{k32a, k32b}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kr, err := ParseKeys(tt.in)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("ParseKeys: %v", err)
				}
				if kr.Primary() != tt.primary {
					t.Errorf("Primary = %q, want %q", kr.Primary(), tt.primary)
				}
				for _, id := range tt.ids {
					if !kr.Has(id) {
						t.Errorf("missing key %q", id)
					}
				}
				if got := len(kr.IDs()); got != len(tt.ids) {
					t.Errorf("%d keys, want %d", got, len(tt.ids))
				}
				return
			}
			if err == nil {
				t.Fatalf("ParseKeys succeeded, want error containing %q", tt.wantErr)
			}
			msg := err.Error()
			if !strings.Contains(msg, tt.wantErr) || !strings.HasPrefix(msg, "crypto: ") {
				t.Errorf("error %q, want it to contain %q", msg, tt.wantErr)
			}
			for _, s := range tt.secrets {
				if strings.Contains(msg, s) {
					t.Errorf("error %q contains key material %q", msg, s)
				}
			}
		})
	}
}

// TestParseKeysSameKeys checks that a parsed ring opens what a ring built from
// the same bytes sealed.
func TestParseKeysSameKeys(t *testing.T) {
	id, key, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	kr, err := ParseKeys(FormatKey(id, key))
	if err != nil {
		t.Fatal(err)
	}
	ct := mustKeyring(t, id, map[KeyID][]byte{id: key}).Seal([]byte("x"), testAD)
	if got, err := kr.Open(ct, testAD); err != nil || string(got) != "x" {
		t.Fatalf("Open = %q, %v", got, err)
	}
}

func TestGenerateKey(t *testing.T) {
	id1, k1, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	id2, k2, _ := GenerateKey()
	if !id1.Valid() || !strings.HasPrefix(string(id1), "k") || len(k1) != KeySize {
		t.Errorf("GenerateKey = %q, %d bytes", id1, len(k1))
	}
	if id1 == id2 || string(k1) == string(k2) {
		t.Errorf("two GenerateKey calls agree: %q %q", id1, id2)
	}
}

func TestLoadOrCreateKeyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "palja.db.keys")
	kr1, created, err := LoadOrCreateKeyFile(path)
	if err != nil || !created {
		t.Fatalf("first call: created=%v, err=%v", created, err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Errorf("mode = %04o, want 0600", fi.Mode().Perm())
	}
	b, _ := os.ReadFile(path)
	if lines := strings.Split(strings.TrimSpace(string(b)), "\n"); len(lines) != 1 || !strings.HasPrefix(lines[0], string(kr1.Primary())+":") {
		t.Errorf("file = %q, want one id:base64 line", b)
	}
	ct := kr1.Seal([]byte("x"), testAD)

	kr2, created, err := LoadOrCreateKeyFile(path)
	if err != nil || created {
		t.Fatalf("second call: created=%v, err=%v", created, err)
	}
	if kr2.Primary() != kr1.Primary() {
		t.Errorf("second call primary %q, want %q", kr2.Primary(), kr1.Primary())
	}
	if got, err := kr2.Open(ct, testAD); err != nil || string(got) != "x" {
		t.Errorf("second ring cannot open first ring's ciphertext: %v", err)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries, want only the key file (temp file left behind?)", len(entries))
	}
}

func TestLoadOrCreateKeyFileConcurrent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "palja.db.keys")
	const n = 16
	var (
		wg      sync.WaitGroup
		rings   [n]*Keyring
		created [n]bool
		errs    [n]error
	)
	for i := range n {
		wg.Go(func() { rings[i], created[i], errs[i] = LoadOrCreateKeyFile(path) })
	}
	wg.Wait()
	creators := 0
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("creator %d: %v", i, errs[i])
		}
		if created[i] {
			creators++
		}
		if rings[i].Primary() != rings[0].Primary() {
			t.Errorf("creator %d has key %q, creator 0 has %q", i, rings[i].Primary(), rings[0].Primary())
		}
	}
	if creators != 1 {
		t.Errorf("%d callers report created, want 1", creators)
	}
	ct := rings[0].Seal([]byte("x"), testAD)
	for i := range n {
		if _, err := rings[i].Open(ct, testAD); err != nil {
			t.Errorf("ring %d: %v", i, err)
		}
	}
}

func TestLoadOrCreateKeyFileRefusesLooseMode(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix permissions")
	}
	path := filepath.Join(t.TempDir(), "palja.db.keys")
	secret := b64(32, 'a')
	if err := os.WriteFile(path, []byte("k1:"+secret+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, err := LoadOrCreateKeyFile(path)
	if err == nil || !strings.Contains(err.Error(), "chmod 600") || strings.Contains(err.Error(), secret) {
		t.Fatalf("err = %v, want a refusal naming chmod 600", err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		t.Fatal(err)
	}
	kr, created, err := LoadOrCreateKeyFile(path)
	if err != nil || created || kr.Primary() != "k1" {
		t.Fatalf("after chmod: %v, %v, %v", kr, created, err)
	}
}

func TestLoadOrCreateKeyFileBadContent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "palja.db.keys")
	secret := b64(31, 'a')
	if err := os.WriteFile(path, []byte("k1:"+secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, _, err := LoadOrCreateKeyFile(path)
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), `key "k1": decodes to 31 bytes`) || strings.Contains(err.Error(), secret) {
		t.Fatalf("err = %v", err)
	}
}

func TestLoadOrCreateKeyFileMissingDir(t *testing.T) {
	path := filepath.Join(t.TempDir(), "no", "such", "palja.db.keys")
	_, _, err := LoadOrCreateKeyFile(path)
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("err = %v, want ErrNotExist", err)
	}
}
