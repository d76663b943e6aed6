package profile

import (
	"encoding/hex"
	"testing"
)

// TestFingerprintVectors pins the idempotency fingerprint of a few bodies to
// the hashes the code computed before the field table existed: stored
// fingerprints (24 hours of Idempotency-Keys) must still match after an
// upgrade, so a change here is a breaking change of the stored data.
func TestFingerprintVectors(t *testing.T) {
	for _, c := range []struct{ body, want string }{
		{`{"name":"김영희","birth_year":1990,"birth_month":5,"birth_day":15,"birth_hour":10,"gender":"female","external_id":"user_1"}`, "60705e5f96a2942feda8f0ac43fbf99960ef08d8843b203b7714f13747d777ad"},
		{`{"external_id":"user_1","gender":"female","birth_hour":10,"birth_day":15,"birth_month":5,"birth_year":1990,"name":"김영희"}`, "60705e5f96a2942feda8f0ac43fbf99960ef08d8843b203b7714f13747d777ad"},
		{`{"name":"a","birth_year":2000,"birth_month":2,"birth_day":29}`, "97c4356a578489f70e55dfa809c5c509a87f38ddc33dd337564e34839dbcba58"},
		{`{"name":"a \"quoted\" \\ name","birth_year":1900,"birth_month":1,"birth_day":1,"birth_hour":null}`, "6cb0efe058a3317968227244a6902b6ccd93fd82e4b39450ca37d10643380911"},
		{`{"name":"😀","birth_year":2100,"birth_month":12,"birth_day":31,"birth_hour":0,"gender":"male"}`, "7575b9954fb7cb10681282fd40c2d0049b3bdf8bce4ab857770f72b6905d421d"},
		{`{}`, "11e482fe869fc099769494c8d77ec996d60d2c0decb502ad65e6df99ea82d633"},
	} {
		p, err := DecodePatch([]byte(c.body))
		if err != nil {
			t.Fatal(err)
		}
		fp := p.fingerprint()
		if got := hex.EncodeToString(fp[:]); got != c.want {
			t.Errorf("fingerprint of %s = %s, want %s", c.body, got, c.want)
		}
	}
}

// TestFingerprintLaterFields checks the rule of the fields added after the
// first seven (field.hashAbsent false): a body without them hashes as it
// always has (the vectors above), a body with them hashes differently from
// one without, the same meaning hashes alike (127 and 1.27e2, any order),
// and two such fields cannot be mistaken for one another.
func TestFingerprintLaterFields(t *testing.T) {
	fp := func(body string) string {
		t.Helper()
		p, err := DecodePatch([]byte(body))
		if err != nil {
			t.Fatal(err)
		}
		h := p.fingerprint()
		return hex.EncodeToString(h[:])
	}
	const base = `"name":"a","birth_year":2000,"birth_month":2,"birth_day":29`
	plain := fp(`{` + base + `}`)
	if plain != "97c4356a578489f70e55dfa809c5c509a87f38ddc33dd337564e34839dbcba58" {
		t.Fatalf("the pinned vector moved: %s", plain)
	}
	seen := map[string]string{plain: "no later field"}
	for _, extra := range []string{
		`"calendar":"solar"`, `"calendar":"lunar"`,
		`"is_leap_month":false`, `"is_leap_month":true`,
		`"birth_minute":0`, `"birth_minute":1`, `"birth_minute":null`,
		`"birth_longitude":127`, `"birth_longitude":127.5`, `"birth_longitude":null`,
		`"day_boundary":"midnight"`, `"day_boundary":"jasi"`, `"day_boundary":"split"`,
		`"birth_minute":0,"birth_longitude":127`, `"calendar":"lunar","is_leap_month":true`,
	} {
		h := fp(`{` + base + `,` + extra + `}`)
		if other, dup := seen[h]; dup {
			t.Errorf("%s and %s have the same fingerprint", extra, other)
		}
		seen[h] = extra
	}
	for _, same := range [][2]string{
		{`{` + base + `,"birth_longitude":127}`, `{"birth_longitude":1.27e2,` + base + `}`},
		{`{` + base + `,"birth_longitude":126.978}`, `{` + base + `,"birth_longitude":126978e-3}`},
		{`{` + base + `,"day_boundary":"jasi","calendar":"lunar","birth_minute":5}`, `{"birth_minute":5,"calendar":"lunar",` + base + `,"day_boundary":"jasi"}`},
	} {
		if a, b := fp(same[0]), fp(same[1]); a != b {
			t.Errorf("%s and %s differ: %s, %s", same[0], same[1], a, b)
		}
	}
	// Pinned, as the vectors above: a change is a breaking change of the
	// stored fingerprints.
	if got, want := fp(`{`+base+`,"calendar":"lunar","is_leap_month":true,"birth_minute":30,"birth_longitude":126.98,"day_boundary":"jasi"}`),
		"05e1411a71f67ce26d714db4295a9126d1bef619c3e98b4227d94e591b827276"; got != want {
		t.Errorf("fingerprint with every later field = %s, want %s", got, want)
	}
}
