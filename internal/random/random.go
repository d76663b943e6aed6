// Package random draws the random identifiers of palja: profile, account
// and key ids and API key secrets, all in base62. It uses crypto/rand and
// imports nothing else.
package random

import "crypto/rand"

// Alphabet is the base62 alphabet of [Base62], in ascending byte order:
// digits, then upper-case, then lower-case letters.
const Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// Base62 returns n characters drawn uniformly from [Alphabet] with
// crypto/rand (rejection sampling, no modulo bias).
func Base62(n int) string {
	out := make([]byte, 0, n)
	var buf [64]byte
	for len(out) < n {
		rand.Read(buf[:]) // never fails (Go 1.24+)
		for _, b := range buf {
			if b < 248 { // 248 = 4*62
				out = append(out, Alphabet[b%62])
				if len(out) == n {
					break
				}
			}
		}
	}
	return string(out)
}
