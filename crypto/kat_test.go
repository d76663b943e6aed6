package crypto

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"os"
	"strings"
	"testing"
)

type katVector struct {
	source                    string
	key, iv, pt, aad, ct, tag []byte
}

// readKAT parses testdata/gcm_aes256_kat.txt.
func readKAT(t *testing.T) []katVector {
	t.Helper()
	f, err := os.Open("testdata/gcm_aes256_kat.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var (
		vs  []katVector
		cur *katVector
	)
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		name, val, ok := strings.Cut(text, "=")
		if !ok {
			t.Fatalf("line %d: no '='", line)
		}
		name, val = strings.TrimSpace(name), strings.TrimSpace(val)
		if name == "Source" {
			vs = append(vs, katVector{source: val})
			cur = &vs[len(vs)-1]
			continue
		}
		if cur == nil {
			t.Fatalf("line %d: %s before Source", line, name)
		}
		b, err := hex.DecodeString(val)
		if err != nil {
			t.Fatalf("line %d: %v", line, err)
		}
		switch name {
		case "Key":
			cur.key = b
		case "IV":
			cur.iv = b
		case "PT":
			cur.pt = b
		case "AAD":
			cur.aad = b
		case "CT":
			cur.ct = b
		case "Tag":
			cur.tag = b
		default:
			t.Fatalf("line %d: unknown field %q", line, name)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return vs
}

// TestKnownAnswers runs published AES-256-GCM vectors through Seal and Open.
func TestKnownAnswers(t *testing.T) {
	vs := readKAT(t)
	if len(vs) < 5 {
		t.Fatalf("read %d vectors, want at least 5", len(vs))
	}
	for _, v := range vs {
		t.Run(v.source, func(t *testing.T) {
			if len(v.key) != 32 || len(v.iv) != 12 || len(v.tag) != 16 || len(v.ct) != len(v.pt) {
				t.Fatalf("malformed vector")
			}
			kr, err := NewKeyring("kat", map[KeyID][]byte{"kat": v.key})
			if err != nil {
				t.Fatal(err)
			}
			setNonces(t, fixedNonce(v.iv))
			sealed := kr.Seal(v.pt, v.aad)

			header := []byte{version, 3, 'k', 'a', 't'}
			if !bytes.HasPrefix(sealed, header) {
				t.Fatalf("header = %x, want %x", sealed[:min(len(sealed), len(header))], header)
			}
			want := append(append(append([]byte{}, v.iv...), v.ct...), v.tag...)
			if got := sealed[len(header):]; !bytes.Equal(got, want) {
				t.Errorf("IV‖CT‖Tag =\n%x\nwant\n%x", got, want)
			}
			pt, err := kr.Open(sealed, v.aad)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			if !bytes.Equal(pt, v.pt) {
				t.Errorf("Open = %x, want %x", pt, v.pt)
			}
		})
	}
}
