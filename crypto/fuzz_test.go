package crypto

import (
	"bytes"
	"errors"
	"testing"
)

// counterReader is a deterministic nonce source for building seed corpora:
// fuzz setup reruns in every worker and must produce the same seeds.
type counterReader struct{ n byte }

func (r *counterReader) Read(p []byte) (int, error) {
	for i := range p {
		r.n++
		p[i] = r.n
	}
	return len(p), nil
}

// FuzzOpen checks that Open never panics, fails with one of the two sentinels
// and no plaintext, and succeeds only on a genuine seal: the ciphertext must be
// exactly what sealing the returned plaintext with its nonce produces.
func FuzzOpen(f *testing.F) {
	keys := map[KeyID][]byte{"k1": testKey(1), "k2": testKey(2)}
	kr := mustKeyring(f, "k1", keys)
	k2 := mustKeyring(f, "k2", keys)

	setNonces(f, &counterReader{})
	ad := []byte("profiles.sealed|acct_1|prf_1")
	for _, pt := range []string{"", "x", "1990-05-17 14:30 Seoul 남"} {
		f.Add(kr.Seal([]byte(pt), ad), ad)
		f.Add(k2.Seal([]byte(pt), ad), []byte{})
	}
	sealed := kr.Seal([]byte("hello"), ad)
	f.Add(sealed[:len(sealed)-1], ad)
	f.Add(sealed, []byte("profiles.sealed|acct_2|prf_1"))
	unknown := mustKeyring(f, "k3", map[KeyID][]byte{"k3": testKey(3)}).Seal([]byte("x"), ad)
	f.Add(unknown, ad)
	f.Add([]byte{}, []byte{})
	f.Add([]byte{version, 2, 'k', '1'}, []byte{})
	f.Add(bytes.Repeat([]byte{version}, 64), []byte{})

	f.Fuzz(func(t *testing.T, ciphertext, ad []byte) {
		pt, err := kr.Open(ciphertext, ad)
		id, idErr := KeyIDOf(ciphertext)
		if err != nil {
			if pt != nil {
				t.Fatalf("Open returned %d bytes of plaintext with error %v", len(pt), err)
			}
			switch {
			case errors.Is(err, ErrUnknownKey):
				if idErr != nil || kr.Has(id) {
					t.Fatalf("ErrUnknownKey for id %q (KeyIDOf error %v)", id, idErr)
				}
			case errors.Is(err, ErrDecrypt):
			default:
				t.Fatalf("Open error %v is neither ErrDecrypt nor ErrUnknownKey", err)
			}
			return
		}
		if pt == nil || idErr != nil || !kr.Has(id) {
			t.Fatalf("Open succeeded with pt nil=%v, KeyIDOf = %q, %v", pt == nil, id, idErr)
		}
		headerLen := 2 + len(id)
		nonce := ciphertext[headerLen : headerLen+nonceSize]
		want := append(bytes.Clone(ciphertext[:headerLen+nonceSize]), kr.aeads[id].Seal(nil, nonce, pt, ad)...)
		if !bytes.Equal(want, ciphertext) {
			t.Fatalf("Open accepted a ciphertext that is not a seal of what it returned")
		}
	})
}
