package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/palja/palja/storage/postgres/pgtest"
)

// privateRedis starts a redis-server of the test's own on a unix socket
// (so that the test may stop it), or skips without one (fails when
// PALJA_TEST_REQUIRE_SERVICES is set). It returns the URL and a stop func.
func privateRedis(t *testing.T) (url string, stop func()) {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("PALJA_TEST_REQUIRE_SERVICES") != "" {
			t.Fatal("redis-server is not installed but PALJA_TEST_REQUIRE_SERVICES is set")
		}
		t.Skip("redis-server is not installed (.ci/run installs it)")
	}
	dir, err := os.MkdirTemp("", "palja-redis")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	sock := filepath.Join(dir, "r.sock")
	cmd := exec.Command(bin, "--port", "0", "--unixsocket", sock, "--save", "", "--appendonly", "no")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cmd.Process.Kill()
			cmd.Wait()
		})
	}
	t.Cleanup(stop)
	for range 100 {
		if _, err := os.Stat(sock); err == nil {
			return "unix://" + sock, stop
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("redis-server did not start")
	return "", nil
}

// TestDistributedThreeProcesses starts three `palja serve` processes
// together on one PostgreSQL (through a proxy of the test's, which can cut
// it) and one Redis and checks over HTTP, spreading requests over the
// instances: one bootstrap key; /readyz names both; the total admitted
// under a flood is burst + rate × T; a revocation gives 401 on every
// instance within 1 s; PUTs from clients each owning one field lose
// nothing; one Idempotency-Key sent to all three creates one profile; two
// instances racing on one ETag give one 200 and one 412; creates
// acknowledged before a kill -9 of one instance are all stored and the
// others keep serving; stopping Redis triggers the fallback (log line,
// metric, /readyz) while serving continues; no name reaches any PostgreSQL
// column in plaintext; the database cut makes /readyz 503, and its return
// 200 again.
func TestDistributedThreeProcesses(t *testing.T) {
	dbURL, schema := pgtest.Schema(t)
	redisURL, stopRedis := privateRedis(t)
	proxy, proxiedURL := newPGProxy(t, dbURL)
	vars := map[string]string{
		"PALJA_DATABASE_URL":    proxiedURL,
		"PALJA_REDIS_URL":       redisURL,
		"PALJA_ENCRYPTION_KEYS": testEncryptionKeys,
	}
	env := paljaEnv("", "")
	for k, v := range vars {
		env = append(env, k+"="+v)
	}
	var ps []*proc
	for range 3 {
		addr := freeAddr(t)
		ps = append(ps, launchServeEnv(t, append(env[:len(env):len(env)], "PALJA_ADDR="+addr), addr))
	}
	for _, p := range ps {
		p.waitReady()
	}
	printed := len(printedKeys(t, ps...))
	if printed != 1 {
		t.Errorf("%d bootstrap keys printed by three instances starting together, want 1", printed)
	}
	for _, p := range ps {
		waitReadyz(t, p, 200, `{"status":"ok","database":"ok","rate_limit":"redis"}`)
	}

	// A flood spread over the three instances.
	const rate, burst = 50, 25
	limited, _ := distributedKey(t, vars, "--rate", fmt.Sprint(rate), "--burst", fmt.Sprint(burst))
	var clients []*apiClient
	for _, p := range ps {
		c := newAPIClient(p.base(), limited)
		defer c.close()
		clients = append(clients, c)
	}
	for _, c := range clients { // each instance caches the key (one token each), then the bucket refills
		c.must(t, "GET", "/v1/profiles?limit=1", "")
	}
	time.Sleep(time.Second)
	const T = 4 * time.Second
	var mu sync.Mutex
	admitted, refused := 0, 0
	var lastSent time.Duration
	var wg sync.WaitGroup
	start := time.Now()
	for i := range 9 {
		c := clients[i%3]
		wg.Go(func() {
			for sent := time.Since(start); sent < T; sent = time.Since(start) {
				r, err := c.do("GET", "/v1/profiles?limit=1", "")
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				lastSent = max(lastSent, sent)
				switch r.status {
				case 200:
					admitted++
				case 429:
					refused++
				default:
					t.Errorf("flood: %d %s", r.status, r.body)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	// T is measured to the last request sent, not to the last answer:
	// after it nothing asks for a token, so a slow answer after T (a
	// loaded machine stalling a process) is not time the bucket was
	// drained. (Requests in flight at T may still take a token on arrival:
	// a few at most, one per client.)
	elapsed := lastSent
	want := burst + rate*elapsed.Seconds()
	t.Logf("three processes, %v: admitted %d (expected burst + rate × T = %.1f), refused %d", elapsed.Round(time.Millisecond), admitted, want, refused)
	if d := float64(admitted) - want; d > 0.01*want+1 || d < -0.01*want-1 {
		t.Errorf("admitted %d across three instances, want %.1f within 1 %%", admitted, want)
	}

	checkRevocationEverywhere(t, ps, dbURL, vars)

	key, _ := distributedKey(t, vars, "--rate", "100000", "--burst", "100000")
	var writers []*apiClient
	for _, p := range ps {
		c := newAPIClient(p.base(), key)
		defer c.close()
		writers = append(writers, c)
	}
	checkFieldOwners(t, writers)
	checkIfMatchRace(t, writers)
	idem, _ := distributedKey(t, vars, "--rate", "100000", "--burst", "100000") // an account of its own
	var idemClients []*apiClient
	for _, p := range ps {
		c := newAPIClient(p.base(), idem)
		defer c.close()
		idemClients = append(idemClients, c)
	}
	checkIdempotencyEverywhere(t, idemClients)

	// Creates through all three; instance 1 is killed half-way.
	acked := map[string]bool{}
	failedOnKilled, failedElsewhere := 0, 0
	killed := make(chan struct{})
	for i, c := range writers {
		wg.Go(func() {
			for j := range 60 {
				if j == 20 && i == 1 {
					ps[1].kill()
					close(killed)
				}
				ext := fmt.Sprintf("w%d-%d", i, j)
				r, err := c.do("POST", "/v1/profiles", fmt.Sprintf(`{"external_id":%q,"name":"Kwon%d","birth_year":1988,"birth_month":2,"birth_day":%d}`, ext, j, 1+j%28))
				mu.Lock()
				switch {
				case err == nil && r.status == 201:
					acked[ext] = true
				case i == 1:
					failedOnKilled++
				default:
					failedElsewhere++
					t.Errorf("create %s on a surviving instance: %v %v", ext, err, r)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	<-killed
	if failedOnKilled == 0 || failedElsewhere != 0 {
		t.Errorf("after kill -9: %d creates failed on the killed instance (want some), %d elsewhere (want 0)", failedOnKilled, failedElsewhere)
	}
	for ext := range acked {
		if r := writers[0].must(t, "GET", "/v1/profiles/"+ext, ""); r.status != 200 {
			t.Errorf("acknowledged create %s: %d after the kill", ext, r.status)
		}
	}
	t.Logf("kill -9 of one instance: %d acknowledged creates all stored, %d requests to it failed", len(acked), failedOnKilled)

	// Redis stops: the survivors fall back, log it, say so in /metrics and
	// keep serving.
	stopRedis()
	for _, c := range []*apiClient{writers[0], writers[2]} {
		for range 3 {
			if r := c.must(t, "GET", "/v1/profiles?limit=1", ""); r.status != 200 {
				t.Errorf("with Redis stopped: %d %s", r.status, r.body)
			}
		}
	}
	for _, i := range []int{0, 2} {
		res, err := http.Get(ps[i].base() + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		m, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if !bytes.Contains(m, []byte("\npalja_redis_fallback 1\n")) {
			t.Errorf("instance %d: /metrics does not show palja_redis_fallback 1", i)
		}
		if !strings.Contains(ps[i].stderr.String(), "redis unreachable") {
			t.Errorf("instance %d logged no fallback:\n%s", i, ps[i].stderr.String())
		}
		// Still ready: it serves, with per-instance limits.
		waitReadyz(t, ps[i], 200, `{"status":"ok","database":"ok","rate_limit":"fallback"}`)
	}

	// Nothing personal in plaintext in PostgreSQL.
	raw, err := pgtest.Raw(context.Background(), dbURL, schema)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(raw, []byte("w0-1")) {
		t.Fatal("the raw dump lacks a stored external_id")
	}
	for _, s := range []string{"Kwon1", "Kwon"} {
		if bytes.Contains(raw, []byte(s)) {
			t.Errorf("PostgreSQL holds %q in plaintext", s)
		}
	}

	// The database cut: not ready (503), and ready again once it is back.
	proxy.setCut(true)
	for _, i := range []int{0, 2} {
		waitReadyz(t, ps[i], 503, `{"status":"unavailable","database":"unreachable","rate_limit":"fallback"}`)
	}
	proxy.setCut(false)
	for _, i := range []int{0, 2} {
		waitReadyz(t, ps[i], 200, `{"status":"ok","database":"ok","rate_limit":"fallback"}`)
		if r := writers[i].must(t, "GET", "/v1/profiles/w0-1", ""); r.status != 200 {
			t.Errorf("instance %d after the database came back: %d %s", i, r.status, r.body)
		}
	}
}
