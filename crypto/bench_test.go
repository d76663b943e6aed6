package crypto

import "testing"

func benchRing(b *testing.B) (*Keyring, []byte) {
	b.Helper()
	kr := mustKeyring(b, "k20250301-4f2a9c", map[KeyID][]byte{"k20250301-4f2a9c": testKey(1), "old": testKey(2)})
	pt := make([]byte, 100)
	b.SetBytes(int64(len(pt)))
	b.ReportAllocs()
	return kr, pt
}

func BenchmarkSeal100(b *testing.B) {
	kr, pt := benchRing(b)
	for b.Loop() {
		kr.Seal(pt, testAD)
	}
}

func BenchmarkAppendSeal100(b *testing.B) {
	kr, pt := benchRing(b)
	buf := make([]byte, 0, 256)
	for b.Loop() {
		buf = kr.AppendSeal(buf[:0], pt, testAD)
	}
}

func BenchmarkOpen100(b *testing.B) {
	kr, pt := benchRing(b)
	ct := kr.Seal(pt, testAD)
	for b.Loop() {
		if _, err := kr.Open(ct, testAD); err != nil {
			b.Fatal(err)
		}
	}
}
