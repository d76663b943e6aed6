package main

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/palja/palja/auth"
	"github.com/palja/palja/storage/postgres/pgtest"
)

// TestPostgresServeSeams runs serve in PostgreSQL mode (no Redis) with
// the features of issues 14 and 15 that were written against SQLite: the
// first-key notice is a JSON record with PALJA_LOG_FORMAT=json, /readyz
// has its body, --auth-fail-burst applies and a valid key is still served
// from an address over its failed-auth budget (auth.KeyLister through the
// database wrapper), and keys list, limits and revoke work with
// --database-url.
func TestPostgresServeSeams(t *testing.T) {
	u, _ := pgtest.Schema(t)
	env := map[string]string{"PALJA_DATABASE_URL": u, "PALJA_ENCRYPTION_KEYS": testEncryptionKeys, "PALJA_LOG_FORMAT": "json", "PALJA_LOG_LEVEL": "error"}
	p := serveInProcess(t, env, "--auth-fail-burst", "2", "--auth-fail-rate", "0.001")
	var secret, id string
	for i, line := range strings.Split(strings.TrimSpace(p.stderr.String()), "\n") {
		var r map[string]any
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Errorf("stderr line %d is not JSON: %q", i+1, line)
			continue
		}
		if s, _ := r["api_key"].(string); s != "" {
			secret, _ = r["api_key"].(string)
			id, _ = r["key_id"].(string)
		}
	}
	if !strings.HasPrefix(secret, "pj_live_") || !strings.HasPrefix(id, "key_") {
		t.Fatalf("no first-key JSON record in PostgreSQL mode:\n%s", p.stderr.String())
	}
	if st, body := p.call(t, "", "GET", "/readyz", ""); st != 200 || body != `{"status":"ok","database":"ok","rate_limit":"memory"}`+"\n" {
		t.Errorf("/readyz = %d %q", st, body)
	}
	var got []int
	for range 3 {
		guess, _ := auth.NewSecret()
		st, _ := p.call(t, guess, "GET", "/v1/profiles", "")
		got = append(got, st)
	}
	if fmt.Sprint(got) != "[401 401 429]" {
		t.Errorf("guesses: %v, want [401 401 429] (--auth-fail-burst 2)", got)
	}
	if st, body := p.call(t, secret, "GET", "/v1/profiles", ""); st != 200 {
		t.Errorf("the first key from a blocked address: %d %s, want 200", st, body)
	}

	cli := map[string]string{"PALJA_DATABASE_URL": u, "PALJA_ENCRYPTION_KEYS": testEncryptionKeys}
	if out, errOut, err := runCLI(t, cli, "keys", "list"); err != nil || !strings.Contains(out, id) {
		t.Errorf("keys list: %v %q %s", err, out, errOut)
	}
	if _, errOut, err := runCLI(t, cli, "keys", "limits", id, "--rate", "3", "--burst", "4"); err != nil {
		t.Errorf("keys limits: %v %s", err, errOut)
	}
	if _, errOut, err := runCLI(t, cli, "keys", "revoke", id); err != nil {
		t.Errorf("keys revoke: %v %s", err, errOut)
	}
	if out, errOut, err := runCLI(t, cli, "reencrypt"); err != nil {
		t.Errorf("reencrypt: %v %s %s", err, out, errOut)
	}
}

// TestPostgresReencryptBeforeServe: issue 14's rule holds in distributed
// mode too: reencrypt refuses, changing nothing, while no serve has run
// with the new active key (the instances still on the old ring could not
// open what it seals); once one has, it re-encrypts.
func TestPostgresReencryptBeforeServe(t *testing.T) {
	u, _ := pgtest.Schema(t)
	env := map[string]string{"PALJA_DATABASE_URL": u, "PALJA_ENCRYPTION_KEYS": testEncryptionKeys, "PALJA_LOG_LEVEL": "error"}
	p := serveInProcess(t, env)
	m := regexp.MustCompile(`pj_live_\w+`).FindString(p.stderr.String())
	for i := range 3 {
		body := fmt.Sprintf(`{"name":"김영희","birth_year":1990,"birth_month":5,"birth_day":15,"external_id":"r%d"}`, i)
		if st, b := p.call(t, m, "POST", "/v1/profiles", body); st != 201 {
			t.Fatalf("create: %d %s", st, b)
		}
	}
	newKeys := encKey("k2", 0x77) + "," + testEncryptionKeys
	cli := map[string]string{"PALJA_DATABASE_URL": u, "PALJA_ENCRYPTION_KEYS": newKeys}
	_, errOut, err := runCLI(t, cli, "reencrypt")
	if err == nil || !strings.Contains(err.Error(), `key "k2"`) || strings.Contains(errOut, "re-encrypted") {
		t.Fatalf("reencrypt before a serve has k2: %v %s; want refused naming k2", err, errOut)
	}
	for i := range 3 {
		if st, _ := p.call(t, m, "GET", fmt.Sprintf("/v1/profiles/r%d", i), ""); st != 200 {
			t.Errorf("profile r%d on the old ring after the refused reencrypt: %d", i, st)
		}
	}
	p.stop(t)
	env["PALJA_ENCRYPTION_KEYS"] = newKeys
	p = serveInProcess(t, env)
	if _, errOut, err := runCLI(t, cli, "reencrypt"); err != nil || !strings.Contains(errOut, "3 profiles re-encrypted") {
		t.Fatalf("reencrypt after serve has k2: %v %s", err, errOut)
	}
	for i := range 3 {
		if st, _ := p.call(t, m, "GET", fmt.Sprintf("/v1/profiles/r%d", i), ""); st != 200 {
			t.Errorf("profile r%d after reencrypt: %d", i, st)
		}
	}
}
