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
