package auth

import (
	"crypto/sha256"
	"math"
	"strings"
	"testing"
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
		{0, 0, ""}, {0.5, 1, ""}, {1e9, 1 << 30, ""},
		{-1, 1, "rate"}, {math.NaN(), 1, "rate"}, {math.Inf(1), 1, "rate"}, {1, -1, "burst"},
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
