package auth

import (
	"crypto/sha256"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestSecretFormat(t *testing.T) {
	secret, k := NewKey("ci", 5, 6)
	if !WellFormed(secret) || len(secret) != len(KeyPrefix)+keySecretLen || k.Prefix != secret[:keyShownLen] {
		t.Errorf("secret %q, prefix %q", secret, k.Prefix)
	}
	if !strings.HasPrefix(k.ID, "key_") || len(k.ID) != len("key_")+20 || k.Name != "ci" || k.Rate != 5 || k.Burst != 6 {
		t.Errorf("key %+v", k)
	}
	for _, s := range []string{secret, "", strings.Repeat("x", maxKeyLen), strings.Repeat("x", maxKeyLen+1), strings.Repeat("y", 1<<20)} {
		if Hash(s) != sha256.Sum256([]byte(s)) {
			t.Errorf("Hash of %d bytes is not SHA-256", len(s))
		}
	}
	if s2, _ := NewSecret(); s2 == secret {
		t.Error("two equal secrets")
	}
	for _, s := range []string{"", "hello", KeyPrefix, KeyPrefix + strings.Repeat("A", 31), KeyPrefix + strings.Repeat("A", 129),
		KeyPrefix + strings.Repeat("A", 39) + "-", "pj_test_" + strings.Repeat("A", 40)} {
		if WellFormed(s) {
			t.Errorf("WellFormed(%q)", s)
		}
	}
	for _, s := range []string{KeyPrefix + strings.Repeat("A", 32), KeyPrefix + strings.Repeat("z9", 64)} {
		if !WellFormed(s) {
			t.Errorf("!WellFormed(%q)", s)
		}
	}
}

func TestCheckLimits(t *testing.T) {
	for _, c := range []struct {
		rate  float64
		burst int
		bad   string // the limit named by the error, "" for none
	}{
		{0, 0, ""}, {0.5, 1, ""}, {1e9, 1 << 30, ""}, {MinRate, MaxBurst, ""},
		{-1, 1, "rate"}, {math.NaN(), 1, "rate"}, {math.Inf(1), 1, "rate"}, {1, -1, "burst"},
		// Limits whose headers could not be represented.
		{1e-300, 1, "rate"}, {math.SmallestNonzeroFloat64, 1, "rate"}, {0.0009, 1, "rate"}, {1e10, 1, "rate"},
		{1, math.MaxInt, "burst"}, {1, MaxBurst + 1, "burst"},
	} {
		err := CheckLimits(c.rate, c.burst)
		if c.bad == "" && err != nil || c.bad != "" && (err == nil || !strings.HasPrefix(err.Error(), c.bad+" ")) {
			t.Errorf("CheckLimits(%v, %d) = %v, want an error naming %q", c.rate, c.burst, err, c.bad)
		}
	}
}

func TestCheckKey(t *testing.T) {
	for _, c := range []struct {
		name  string
		rate  float64
		burst int
		bad   string // the field named by the error, "" for none
	}{
		{"ci", 0, 0, ""}, {" x ", 1, 1, ""},
		{"", 0, 0, "name"}, {" \t\n", 0, 0, "name"}, {"", -1, 0, "name"},
		{"ci", -1, 0, "rate"}, {"ci", 1, -1, "burst"},
	} {
		err := CheckKey(c.name, c.rate, c.burst)
		if c.bad == "" && err != nil || c.bad != "" && (err == nil || !strings.HasPrefix(err.Error(), c.bad+" ")) {
			t.Errorf("CheckKey(%q, %v, %d) = %v, want an error naming %q", c.name, c.rate, c.burst, err, c.bad)
		}
	}
}

// TestExtremeLimitHeaders: the RateLimit-* headers and Retry-After of keys
// at the bounds of CheckLimits, and of keys stored before it had bounds
// (rate 1e-300, burst MaxInt64), are whole numbers from 0 up, Remaining at
// most Limit, none beyond 1e12 seconds (before: RateLimit-Reset
// -9223372036854775808 and a negative RateLimit-Remaining).
func TestExtremeLimitHeaders(t *testing.T) {
	for _, l := range []Limit{
		{MinRate, MaxBurst}, {MaxRate, 1}, {MinRate, 1}, {MaxRate, MaxBurst},
		{1e-300, 1}, {1e-300, math.MaxInt}, {1e300, math.MaxInt}, {math.SmallestNonzeroFloat64, 5},
	} {
		keys := &memKeys{}
		secret, _ := keys.add(l.Rate, l.Burst)
		h, clock := newLimitedHandler(keys)
		for i := range 3 {
			w := get(h, secret, "192.0.2.1:1")
			hdr := map[string]int64{}
			for _, name := range []string{"Ratelimit-Limit", "Ratelimit-Remaining", "Ratelimit-Reset", "Retry-After"} {
				v := w.Header().Get(name)
				if v == "" {
					continue
				}
				n, err := strconv.ParseInt(v, 10, 64)
				if err != nil || n < 0 || n > 1e12 {
					t.Errorf("limit %v, request %d: %s %q", l, i, name, v)
				}
				hdr[name] = n
			}
			if hdr["Ratelimit-Remaining"] > hdr["Ratelimit-Limit"] {
				t.Errorf("limit %v: Remaining %d above Limit %d", l, hdr["Ratelimit-Remaining"], hdr["Ratelimit-Limit"])
			}
			clock.advance(time.Millisecond)
		}
	}
}
