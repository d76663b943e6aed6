package profile_test

import (
	"database/sql"
	"strings"
	"testing"

	_ "github.com/mattn/go-sqlite3"
)

// TestTamperEvidence alters ciphertexts behind the server's back: a flipped
// byte, a ciphertext moved from another row or another account, a truncated
// one. Each makes its own profile fail with 500 api_error (logged with the
// profile id and key id only); the other profiles keep working, and nothing
// half-decrypted is returned.
func TestTamperEvidence(t *testing.T) {
	e := newEnv(t)
	ids := map[string]string{}
	for _, ext := range []string{"flip", "moved", "foreign", "short", "intact", "donor"} {
		ids[ext] = e.create(`{"name":"김영희","birth_year":1990,"birth_month":5,"birth_day":15,"external_id":"` + ext + `"}`).str("id")
	}
	other, _ := e.newKey("", 1000, 1000)
	st := createWith(t, e, other)

	raw, err := sql.Open("sqlite3", "file:"+e.dbPath+"?_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := raw.Exec(q, args...); err != nil {
			t.Fatal(err)
		}
	}
	var sealed []byte
	if err := raw.QueryRow(`SELECT sealed FROM profiles WHERE id = ?`, ids["flip"]).Scan(&sealed); err != nil {
		t.Fatal(err)
	}
	sealed[len(sealed)/2] ^= 1
	exec(`UPDATE profiles SET sealed = ? WHERE id = ?`, sealed, ids["flip"])
	exec(`UPDATE profiles SET sealed = (SELECT sealed FROM profiles WHERE id = ?) WHERE id = ?`, ids["donor"], ids["moved"])
	exec(`UPDATE profiles SET sealed = substr(sealed, 1, length(sealed) - 5) WHERE id = ?`, ids["short"])
	// Copies into rows of the other account: a ciphertext of this account
	// into the other's profile, and the other's into "foreign".
	exec(`UPDATE profiles SET sealed = (SELECT sealed FROM profiles WHERE id = ?) WHERE id = ?`, st, ids["foreign"])
	exec(`UPDATE profiles SET sealed = (SELECT sealed FROM profiles WHERE id = ?) WHERE id = ?`, ids["intact"], st)

	for _, ext := range []string{"flip", "moved", "foreign", "short"} {
		for _, path := range []string{"/v1/profiles/" + ids[ext], "/v1/profiles/" + ids[ext] + "/saju"} {
			r := e.do("GET", path, e.key, "")
			if r.status != 500 || r.errType() != "api_error" || strings.Contains(string(r.body), "김") {
				t.Errorf("%s GET %s: %d %s", ext, path, r.status, r.body)
			}
		}
		if r := e.do("PUT", "/v1/profiles/"+ids[ext], e.key, `{"gender":"male"}`); r.status != 500 {
			t.Errorf("%s PUT: %d %s", ext, r.status, r.body)
		}
		if !strings.Contains(e.log.String(), ids[ext]) {
			t.Errorf("no log line names %s", ids[ext])
		}
	}
	if r := e.do("GET", "/v1/profiles/"+st, other, ""); r.status != 500 {
		t.Errorf("ciphertext from another account opened: %d %s", r.status, r.body)
	}
	for _, ext := range []string{"intact", "donor"} {
		if r := e.do("GET", "/v1/profiles/"+ext, e.key, ""); r.status != 200 || r.str("name") != "김**" {
			t.Errorf("%s: %d %s", ext, r.status, r.body)
		}
	}
	if !strings.Contains(e.log.String(), `\"k1\"`) {
		t.Errorf("log lines do not name the key id:\n%s", e.log.String())
	}
	if e.metrics.dbErrors.Load() == 0 {
		t.Error("no error counted")
	}
}

// createWith creates a profile with key and returns its id.
func createWith(t *testing.T, e *env, key string) string {
	t.Helper()
	r := e.do("POST", "/v1/profiles", key, `{"name":"박","birth_year":1991,"birth_month":1,"birth_day":1}`)
	if r.status != 201 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	return r.str("id")
}
