package crypto

import (
	"bytes"
	"io"
)

// setNonces makes Seal read its nonces from r until the test ends. Tests that
// call it must not run in parallel.
func setNonces(tb interface {
	Helper()
	Cleanup(func())
}, r io.Reader) {
	tb.Helper()
	old := nonceSource
	nonceSource = r
	tb.Cleanup(func() { nonceSource = old })
}

// fixedNonce returns a reader that yields nonce once.
func fixedNonce(nonce []byte) io.Reader { return bytes.NewReader(nonce) }
