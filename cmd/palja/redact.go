package main

import (
	"io"
	"regexp"
	"strconv"
	"strings"

	"github.com/palja/palja/auth"
)

// secretRE matches what looks like an API key secret.
var secretRE = regexp.MustCompile(auth.KeyPrefix + `[0-9A-Za-z]*`)

// redact hides anything in s that looks like an API key secret.
func redact(s string) string {
	return secretRE.ReplaceAllString(s, auth.KeyPrefix+"…(secret not shown)")
}

// quoteArg quotes a command-line argument for a message: escaped, cut at 64
// characters, and never a key secret.
func quoteArg(s string) string {
	if strings.HasPrefix(s, auth.KeyPrefix) {
		return "(an API key secret, not shown)"
	}
	if r := []rune(s); len(r) > 64 {
		s = string(r[:64]) + "…"
	}
	return strconv.Quote(redact(s))
}

// redactWriter writes through [redact]. The flag package writes each
// message in one call.
type redactWriter struct{ w io.Writer }

func (r redactWriter) Write(p []byte) (int, error) {
	if !secretRE.Match(p) {
		return r.w.Write(p)
	}
	if _, err := io.WriteString(r.w, redact(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}
