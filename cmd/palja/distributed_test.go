package main

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/palja/palja/storage/postgres/pgtest"
)

// distributedEnv returns the environment of instances in distributed mode:
// a fresh PostgreSQL schema, the test Redis, shared encryption keys. The
// test is skipped without PALJA_TEST_DATABASE_URL or PALJA_TEST_REDIS_URL
// (it fails instead when PALJA_TEST_REQUIRE_SERVICES is set, as in CI).
func distributedEnv(t *testing.T) map[string]string {
	t.Helper()
	u, _ := pgtest.Schema(t)
	r := os.Getenv("PALJA_TEST_REDIS_URL")
	if r == "" {
		if os.Getenv("PALJA_TEST_REQUIRE_SERVICES") != "" {
			t.Fatal("PALJA_TEST_REDIS_URL is not set but PALJA_TEST_REQUIRE_SERVICES is: the distributed tests must run here")
		}
		t.Skip("PALJA_TEST_REDIS_URL is not set: no Redis to test against (.ci/run starts one; see docs/testing.md, Distributed mode)")
	}
	return map[string]string{
		"PALJA_DATABASE_URL":    u,
		"PALJA_REDIS_URL":       r,
		"PALJA_ENCRYPTION_KEYS": testEncryptionKeys,
		"PALJA_LOG_LEVEL":       "warn",
	}
}

var createdKeyRE = regexp.MustCompile(`created key (key_\w+)`)

// distributedKey creates an API key with the CLI on the instances'
// database and returns its secret and id.
func distributedKey(t *testing.T, env map[string]string, flags ...string) (secret, id string) {
	t.Helper()
	out, errOut, err := runCLI(t, env, append([]string{"keys", "create", "--name", "dist"}, flags...)...)
	if err != nil {
		t.Fatalf("keys create: %v\n%s", err, errOut)
	}
	m := createdKeyRE.FindStringSubmatch(errOut)
	if m == nil {
		t.Fatalf("no key id in %q", errOut)
	}
	return strings.TrimSpace(out), m[1]
}

// TestDistributedTwoInstances runs two `palja serve` (in this process) on
// one PostgreSQL database and one Redis, started together: exactly one
// bootstrap key is printed; a flood spread over both admits burst + rate ×
// T in total (one shared bucket) with the RateLimit-* headers of that
// bucket; a revocation gives 401 on both within 1 s.
func TestDistributedTwoInstances(t *testing.T) {
	env := distributedEnv(t)
	var a, b *inProcess
	var wg sync.WaitGroup
	wg.Go(func() { a = serveInProcess(t, env) })
	wg.Go(func() { b = serveInProcess(t, env) })
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	printed := len(keyRE.FindAllString(a.stderr.String(), -1)) + len(keyRE.FindAllString(b.stderr.String(), -1))
	if printed != 1 {
		t.Errorf("%d bootstrap keys printed by two instances starting together, want 1", printed)
	}

	const rate, burst = 40, 20
	key, keyID := distributedKey(t, env, "--rate", fmt.Sprint(rate), "--burst", fmt.Sprint(burst))
	ca, cb := newAPIClient(a.base, key), newAPIClient(b.base, key)
	defer ca.close()
	defer cb.close()

	// The flood: 4 clients per instance, each as fast as it gets answers.
	const T = 3 * time.Second
	var mu sync.Mutex
	statuses := map[int]int{}
	var badHeaders []string
	var lastSent time.Duration
	start := time.Now()
	var flood sync.WaitGroup
	for _, c := range []*apiClient{ca, cb, ca, cb, ca, cb, ca, cb} {
		flood.Go(func() {
			for sent := time.Since(start); sent < T; sent = time.Since(start) {
				r, err := c.do("GET", "/v1/profiles?limit=1", "")
				if err != nil {
					t.Error(err)
					return
				}
				lim, rem := r.header.Get("RateLimit-Limit"), r.header.Get("RateLimit-Remaining")
				mu.Lock()
				lastSent = max(lastSent, sent)
				statuses[r.status]++
				if lim != fmt.Sprint(burst) || rem == "" || r.status == 429 && (rem != "0" || r.header.Get("Retry-After") == "") {
					badHeaders = append(badHeaders, fmt.Sprintf("%d limit %q remaining %q retry %q", r.status, lim, rem, r.header.Get("Retry-After")))
				}
				mu.Unlock()
			}
		})
	}
	flood.Wait()
	// T is measured to the last request sent, not to the last answer:
	// after it nothing asks for a token, so a slow answer after T (a
	// loaded machine stalling a process) is not time the bucket was
	// drained. (Requests in flight at T may still take a token on arrival:
	// a few at most, one per client.)
	elapsed := lastSent
	want := burst + rate*elapsed.Seconds()
	got := statuses[200]
	t.Logf("two instances, %v: %v (admitted %d, expected burst + rate × T = %.0f)", elapsed.Round(time.Millisecond), statuses, got, want)
	if len(statuses) != 2 || statuses[429] == 0 {
		t.Errorf("statuses %v; want only 200 and 429", statuses)
	}
	if d := float64(got) - want; d > 0.03*want || d < -0.03*want {
		t.Errorf("admitted %d over both instances, want %.0f within 3%%: the bucket is not shared", got, want)
	}
	if len(badHeaders) > 0 {
		t.Errorf("%d answers with wrong rate-limit headers, e.g. %s", len(badHeaders), badHeaders[0])
	}

	// Revocation through the CLI reaches both instances within 1 s.
	time.Sleep(time.Second) // a token or more on the shared bucket
	if _, errOut, err := runCLI(t, env, "keys", "revoke", keyID); err != nil {
		t.Fatalf("keys revoke: %v\n%s", err, errOut)
	}
	revoked := time.Now()
	for _, c := range []*apiClient{ca, cb} {
		for {
			r, err := c.do("GET", "/v1/profiles?limit=1", "")
			if err != nil {
				t.Fatal(err)
			}
			if r.status == 401 {
				break
			}
			if time.Since(revoked) > 1500*time.Millisecond {
				t.Fatalf("still %d %s %v after the revocation", r.status, r.body, time.Since(revoked))
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	t.Logf("revocation seen by both instances after %v", time.Since(revoked).Round(time.Millisecond))
}

// TestDistributedWrites: across two instances one Idempotency-Key creates
// one profile, two PUTs with one If-Match give one 200 and one 412, and
// concurrent PUTs each owning one field lose nothing.
func TestDistributedWrites(t *testing.T) {
	env := distributedEnv(t)
	a := serveInProcess(t, env)
	b := serveInProcess(t, env)
	key, _ := distributedKey(t, env, "--rate", "1000", "--burst", "1000")
	ca, cb := newAPIClient(a.base, key), newAPIClient(b.base, key)
	defer ca.close()
	defer cb.close()
	both := []*apiClient{ca, cb}

	// One Idempotency-Key sent to both instances at once, several times.
	body := `{"name":"멱등","birth_year":1991,"birth_month":3,"birth_day":4}`
	ids := map[string]int{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			r, err := both[i%2].do("POST", "/v1/profiles", body, "Idempotency-Key", "dist-idem-1")
			if err != nil {
				t.Error(err)
				return
			}
			var p struct{ ID string }
			json.Unmarshal(r.body, &p)
			mu.Lock()
			defer mu.Unlock()
			switch r.status {
			case 201, 200:
				ids[p.ID]++
			case 409:
				ids["409"]++
			default:
				t.Errorf("idempotent create: %d %s", r.status, r.body)
			}
		})
	}
	wg.Wait()
	delete(ids, "409")
	if len(ids) != 1 {
		t.Errorf("one Idempotency-Key through two instances created %v; want one profile", ids)
	}

	// If-Match race on one ETag.
	r := ca.must(t, "POST", "/v1/profiles", `{"external_id":"race","name":"경주","birth_year":1980,"birth_month":1,"birth_day":2,"birth_hour":3}`)
	if r.status != 201 {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	etag := r.header.Get("ETag")
	codes := make([]int, 2)
	for i, c := range both {
		wg.Go(func() {
			r, err := c.do("PUT", "/v1/profiles/race", fmt.Sprintf(`{"name":"이긴%d"}`, i), "If-Match", etag)
			if err != nil {
				t.Error(err)
				return
			}
			codes[i] = r.status
		})
	}
	wg.Wait()
	if !(codes[0] == 200 && codes[1] == 412 || codes[0] == 412 && codes[1] == 200) {
		t.Errorf("two PUTs with one If-Match through two instances: %v; want one 200 and one 412", codes)
	}

	// Each instance owns one field of one profile: nothing is lost.
	const n = 30
	for i, c := range both {
		wg.Go(func() {
			for j := range n {
				body := fmt.Sprintf(`{"birth_day":%d}`, 1+j%28)
				if i == 1 {
					body = fmt.Sprintf(`{"birth_hour":%d}`, j%24)
				}
				if r, err := c.do("PUT", "/v1/profiles/race", body); err != nil || r.status != 200 {
					t.Errorf("PUT: %v %v", err, r)
					return
				}
			}
		})
	}
	wg.Wait()
	r = cb.must(t, "GET", "/v1/profiles/race", "")
	// The version is in the ETag: the create, the race's winner, 2n PUTs.
	if want := fmt.Sprintf(`"v%d"`, 2+2*n); r.header.Get("ETag") != want {
		t.Errorf("ETag %s after 2×%d PUTs through two instances, want %s: updates were lost", r.header.Get("ETag"), n, want)
	}
}

// TestDistributedConfig needs no server: a database URL without
// PALJA_ENCRYPTION_KEYS is refused before anything is opened, and neither
// a database URL nor a Redis URL that does not parse is echoed (either may
// hold a password).
func TestDistributedConfig(t *testing.T) {
	t.Chdir(t.TempDir())
	for _, args := range [][]string{{"keys", "list"}, {"reencrypt"}, {"serve", "--addr", "127.0.0.1:0"}} {
		_, errOut, err := runCLI(t, map[string]string{"PALJA_DATABASE_URL": "postgres://u:pw@127.0.0.1:1/db"}, args...)
		if err == nil || !strings.Contains(err.Error(), "PALJA_ENCRYPTION_KEYS is required") {
			t.Errorf("%v without PALJA_ENCRYPTION_KEYS: %v %s", args, err, errOut)
		}
	}
	if entries, _ := os.ReadDir("."); len(entries) != 0 {
		t.Errorf("files written: %v", entries)
	}
	_, errOut, err := runCLI(t, map[string]string{"PALJA_DATABASE_URL": "postgres://u:s3cret@host:notaport/db", "PALJA_ENCRYPTION_KEYS": testEncryptionKeys}, "keys", "list")
	if err == nil || strings.Contains(err.Error()+errOut, "s3cret") {
		t.Errorf("a bad database URL: %v %s; want an error without the password", err, errOut)
	}
	_, errOut, err = runCLI(t, map[string]string{"PALJA_REDIS_URL": "redis://u:s3cret@host:notaport/0", "PALJA_DB": "p.db"}, "serve", "--addr", "127.0.0.1:0")
	if err == nil || strings.Contains(err.Error()+errOut, "s3cret") || !strings.Contains(err.Error(), "PALJA_REDIS_URL") {
		t.Errorf("a bad Redis URL: %v %s; want an error naming the variable, without the password", err, errOut)
	}
	if entries, _ := os.ReadDir("."); len(entries) != 0 {
		t.Errorf("files written by serve with a bad Redis URL: %v", entries)
	}
}
