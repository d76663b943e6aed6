package main

// Process-level tests of issue 14 (hardening): each runs the real binary
// and attacks it as the adversary of the issue did, bounded in count and
// time.

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/palja/palja/auth"
)

// TestLockoutAttack: a client floods the server with unknown keys from
// 127.0.0.1 while an honest client on the same address uses a valid key the
// server has not cached yet (the server just started): every request of the
// honest client is a 200, while the flood gets 429 after its budget.
func TestLockoutAttack(t *testing.T) {
	db := filepath.Join(t.TempDir(), "p.db")
	honest := createKey(t, db)
	p := startServe(t, db, freeAddr(t))

	var refused atomic.Int64
	flooded := make(chan struct{}) // closed once the address is over its budget
	var once sync.Once
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	attacker := map[int]int{}
	for range 4 {
		wg.Go(func() {
			c := newAPIClient(p.base(), "")
			defer c.close()
			for {
				select {
				case <-stop:
					return
				default:
				}
				c.key, _ = auth.NewSecret()
				r, err := c.do("GET", "/v1/profiles", "")
				if err != nil {
					continue
				}
				mu.Lock()
				attacker[r.status]++
				mu.Unlock()
				if r.status == 429 && refused.Add(1) >= 50 {
					once.Do(func() { close(flooded) })
				}
			}
		})
	}
	<-flooded
	c := newAPIClient(p.base(), honest)
	defer c.close()
	statuses := map[int]int{}
	for range 50 {
		statuses[c.must(t, "GET", "/v1/profiles", "").status]++
	}
	close(stop)
	wg.Wait()
	t.Logf("honest client during the flood: %v; the flood: %v", statuses, attacker)
	if statuses[200] != 50 {
		t.Errorf("honest client with a valid key: statuses %v, want 50 × 200", statuses)
	}
	if attacker[429] == 0 || attacker[200] != 0 {
		t.Errorf("the flood was not limited: %v", attacker)
	}
}

// peakRSS is the peak resident set size of process pid (VmHWM), in bytes.
func peakRSS(t *testing.T, pid int) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	for line := range strings.Lines(string(b)) {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	t.Skip("no VmHWM in /proc status")
	return 0
}

// TestHeaderMemoryAttack: 100 connections at once, without a key, each
// sending a 1.9 MB X-API-Key header, as fast as the server reads. Each is
// answered 431 after at most --max-header-bytes (+4 KiB), so the server's
// peak RSS grows by little (on the old 2 MiB limit it grew by hundreds of
// MB), and an honest request during the attack is served.
func TestHeaderMemoryAttack(t *testing.T) {
	db := filepath.Join(t.TempDir(), "p.db")
	honest := createKey(t, db)
	p := startServe(t, db, freeAddr(t))
	c := newAPIClient(p.base(), honest)
	defer c.close()
	c.must(t, "GET", "/v1/profiles", "")
	before := peakRSS(t, p.cmd.Process.Pid)

	huge := "GET /v1/profiles HTTP/1.1\r\nHost: x\r\nX-API-Key: pj_live_" + strings.Repeat("A", 1900_000) + "\r\n\r\n"
	statuses := make(chan int, 100)
	var wg sync.WaitGroup
	for range 100 {
		wg.Go(func() {
			r, err := rawExchange(p.addr, huge, nil)
			if err != nil {
				statuses <- 0
				return
			}
			statuses <- r.status
		})
	}
	honestStatus := c.must(t, "GET", "/v1/profiles", "").status
	wg.Wait()
	close(statuses)
	got := map[int]int{}
	for s := range statuses {
		got[s]++
	}
	after := peakRSS(t, p.cmd.Process.Pid)
	t.Logf("peak RSS %.1f MB before, %.1f MB after 100 × 1.9 MB headers; attack statuses %v; honest %d",
		float64(before)/1e6, float64(after)/1e6, got, honestStatus)
	if honestStatus != 200 {
		t.Errorf("honest request during the attack: %d", honestStatus)
	}
	if got[431] != 100 {
		t.Errorf("attack statuses %v (0: no answer), want 100 × 431", got)
	}
	limit := int64(64 << 20)
	if raceEnabled() {
		limit *= 2 // the race detector's shadow memory
	}
	if grown := after - before; grown > limit {
		t.Errorf("peak RSS grew by %.1f MB under the header attack, want under %d MB", float64(grown)/1e6, limit>>20)
	}
}

// TestConnectionFlood: with 256 file descriptors (ulimit -n), 400 clients
// keep opening keep-alive connections and leaving them idle, more than the
// process could hold. serve caps its connections below the descriptor limit
// and closes idle ones when near the cap, so an honest client opening a new
// connection for each request is served every time, within seconds (before:
// accept failed with "too many open files" and the request timed out).
func TestConnectionFlood(t *testing.T) {
	db := filepath.Join(t.TempDir(), "p.db")
	honest := createKey(t, db)
	addr := freeAddr(t)
	// The shell lowers the soft and hard limits, then becomes palja serve.
	p := launchCmd(t, exec.Command("/bin/sh", "-c", `ulimit -n 256 && exec "$0" serve`, paljaBinary(t)), db, addr)
	p.waitReady()

	stop := make(chan struct{})
	flooding := make(chan struct{}) // closed once 400 flood connections were answered
	var once sync.Once
	var wg sync.WaitGroup
	var held atomic.Int64
	for range 400 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
				if err != nil {
					continue
				}
				conn.SetDeadline(time.Now().Add(20 * time.Second))
				br := bufio.NewReader(conn)
				if _, err := io.WriteString(conn, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"); err == nil {
					if res, err := http.ReadResponse(br, nil); err == nil {
						io.Copy(io.Discard, res.Body)
						res.Body.Close()
						if held.Add(1) >= 400 {
							once.Do(func() { close(flooding) })
						}
						// Idle until the server closes it, or the test ends.
						go func() { <-stop; conn.Close() }()
						br.ReadByte()
					}
				}
				conn.Close()
			}
		})
	}
	select {
	case <-flooding:
	case <-p.done:
		t.Fatalf("serve exited: %s", p.stderr.String())
	}
	hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	statuses := map[int]int{}
	var slowest time.Duration
	for range 10 {
		start := time.Now()
		req, _ := http.NewRequest("GET", p.base()+"/v1/profiles", nil)
		req.Header.Set("X-API-Key", honest)
		res, err := hc.Do(req)
		slowest = max(slowest, time.Since(start))
		if err != nil {
			statuses[0]++
			continue
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		statuses[res.StatusCode]++
	}
	close(stop)
	wg.Wait()
	t.Logf("honest client during a flood of 400 idle keep-alive connections (nofile 256): %v, slowest %v; %d connections answered to the flood",
		statuses, slowest.Round(time.Millisecond), held.Load())
	if statuses[200] != 10 {
		t.Errorf("honest client: statuses %v (0: no answer), want 10 × 200", statuses)
	}
	if !strings.Contains(p.stderr.String(), "max_conns=192") {
		t.Errorf("serve did not cap its connections at 256 - 64 descriptors:\n%.2000s", p.stderr.String())
	}
	if strings.Contains(p.stderr.String(), "too many open files") {
		t.Errorf("serve ran out of file descriptors:\n%.2000s", p.stderr.String())
	}
}

// TestWrongKeyRefused: serve on a database whose profiles are sealed under
// k1, given other material for k1, exits 1 at once with a message naming
// the key id, and serves nothing (before: it started, /readyz said 200, every
// existing profile was a 500 and new ones were sealed under the wrong key).
func TestWrongKeyRefused(t *testing.T) {
	db := filepath.Join(t.TempDir(), "p.db")
	key := createKey(t, db)
	p := startServe(t, db, freeAddr(t))
	c := newAPIClient(p.base(), key)
	created := c.must(t, "POST", "/v1/profiles", `{"name":"김영희","birth_year":1990,"birth_month":5,"birth_day":15}`)
	if created.status != 201 {
		t.Fatalf("create: %d %s", created.status, created.body)
	}
	c.close()
	p.kill()

	addr := freeAddr(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, paljaBinary(t), "serve")
	cmd.Env = append(paljaEnv(db, addr), "PALJA_ENCRYPTION_KEYS="+encKey("k1", 0x55)) // the last value wins
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Fatalf("serve with other material under k1: %v, want exit status 1\n%s", err, out)
	}
	if !strings.Contains(string(out), `key "k1"`) || strings.Contains(string(out), "palja listening") {
		t.Errorf("serve's message does not name the key id, or it listened:\n%s", out)
	}
	t.Logf("refused: %s", strings.TrimSpace(string(out)))
}

// failShim is a shared library for LD_PRELOAD that breaks the disk for
// SQLite (which reaches it through libc; Go's own I/O does not): fsync and
// fdatasync fail with EIO while the file named by $FAILSYNC_FLAG exists,
// and writes fail with ENOSPC while the one named by $FAILWRITE_FLAG does.
const failShim = `#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <sys/types.h>
#include <unistd.h>
static int flagged(const char *name) { const char *p = getenv(name); return p && access(p, F_OK) == 0; }
int fsync(int fd) { if (flagged("FAILSYNC_FLAG")) { errno = EIO; return -1; } int (*f)(int) = (int (*)(int))dlsym(RTLD_NEXT, "fsync"); return f(fd); }
int fdatasync(int fd) { if (flagged("FAILSYNC_FLAG")) { errno = EIO; return -1; } int (*f)(int) = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync"); return f(fd); }
ssize_t write(int fd, const void *b, size_t n) { if (fd > 2 && flagged("FAILWRITE_FLAG")) { errno = ENOSPC; return -1; } ssize_t (*f)(int, const void *, size_t) = (ssize_t (*)(int, const void *, size_t))dlsym(RTLD_NEXT, "write"); return f(fd, b, n); }
ssize_t pwrite(int fd, const void *b, size_t n, off_t o) { if (flagged("FAILWRITE_FLAG")) { errno = ENOSPC; return -1; } ssize_t (*f)(int, const void *, size_t, off_t) = (ssize_t (*)(int, const void *, size_t, off_t))dlsym(RTLD_NEXT, "pwrite"); return f(fd, b, n, o); }
ssize_t pwrite64(int fd, const void *b, size_t n, off_t o) { if (flagged("FAILWRITE_FLAG")) { errno = ENOSPC; return -1; } ssize_t (*f)(int, const void *, size_t, off_t) = (ssize_t (*)(int, const void *, size_t, off_t))dlsym(RTLD_NEXT, "pwrite64"); return f(fd, b, n, o); }
`

// buildShim compiles failShim into dir and returns its path; without gcc
// the test is skipped.
func buildShim(t *testing.T, dir string) string {
	t.Helper()
	gcc, err := exec.LookPath("gcc")
	if err != nil {
		t.Skip("gcc not found")
	}
	src, shim := filepath.Join(dir, "failshim.c"), filepath.Join(dir, "failshim.so")
	if err := os.WriteFile(src, []byte(failShim), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(gcc, "-shared", "-fPIC", "-o", shim, src, "-ldl").CombinedOutput(); err != nil {
		t.Skipf("cannot build the LD_PRELOAD shim: %v\n%s", err, out)
	}
	return shim
}

// TestFailedCommitStops: when the commit's fsync fails (EIO), the writes
// of that group are answered 500 and serve acknowledges no write after it:
// it reports not ready and exits 1 with a message saying why. After a
// restart every acknowledged write is there, and a POST answered 500 and
// retried with its Idempotency-Key leaves exactly one profile, whether the
// failed commit reached the disk or not (before: serve went on writing and
// acknowledging on top of a log it could not trust, and the README said the
// 500'd writes were not stored, while after a restart they were).
func TestFailedCommitStops(t *testing.T) {
	dir := t.TempDir()
	shim := buildShim(t, dir)
	db, flag := filepath.Join(dir, "p.db"), filepath.Join(dir, "fail-now")
	key := createKey(t, db)
	p := launchCmd(t, exec.Command(paljaBinary(t), "serve"), db, freeAddr(t), "LD_PRELOAD="+shim, "FAILSYNC_FLAG="+flag)
	p.waitReady()
	c := newAPIClient(p.base(), key)
	defer c.close()
	const body = `{"name":"김영희","birth_year":1990,"birth_month":5,"birth_day":15,"external_id":"a"}`
	if r := c.must(t, "POST", "/v1/profiles", body); r.status != 201 {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	if r := c.must(t, "PUT", "/v1/profiles/a", `{"name":"이영희"}`); r.status != 200 {
		t.Fatalf("put: %d %s", r.status, r.body)
	}

	// The disk now refuses to sync.
	if err := os.WriteFile(flag, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	const retried = `{"name":"박영희","birth_year":1991,"birth_month":6,"birth_day":16,"external_id":"b"}`
	r, err := c.do("POST", "/v1/profiles", retried, "Idempotency-Key", "retry-me")
	if err != nil || r.status != 500 {
		t.Fatalf("POST while fsync fails: %v %v, want a 500", err, r)
	}
	checkAPIError(t, r, 500, "api_error")
	// No write is acknowledged after it, and serve stops by itself.
	for range 5 {
		if r, err := c.do("PUT", "/v1/profiles/a", `{"name":"최영희"}`); err == nil && r.status < 300 {
			t.Errorf("a PUT after the failed commit was acknowledged: %d", r.status)
		}
		if r, err := c.do("GET", "/readyz", ""); err == nil && r.status == 200 {
			t.Errorf("/readyz after the failed commit: 200")
		}
	}
	code, exited := p.wait(30 * time.Second)
	if !exited || code != 1 || !strings.Contains(p.stderr.String(), "I/O error") {
		t.Fatalf("serve after a failed commit: exited %v, status %d, want 1 and a message naming the I/O error\n%s", exited, code, p.stderr.String())
	}

	// Restarted on a disk that syncs again: what was acknowledged is
	// there, and the retry of the 500'd POST leaves one profile "b".
	os.Remove(flag)
	p = startServe(t, db, freeAddr(t))
	c = newAPIClient(p.base(), key)
	defer c.close()
	a := c.must(t, "GET", "/v1/profiles/a", "")
	if a.status != 200 || a.header.Get("ETag") != `"v2"` || a.str("name") != "이**" {
		t.Errorf("acknowledged profile after the restart: %d %s %s, want v2 with the PUT's name", a.status, a.header.Get("ETag"), a.body)
	}
	r = c.must(t, "POST", "/v1/profiles", retried, "Idempotency-Key", "retry-me")
	if r.status != 201 {
		t.Fatalf("retried POST: %d %s", r.status, r.body)
	}
	list := c.must(t, "GET", "/v1/profiles", "")
	var page struct{ Data []map[string]any }
	json.Unmarshal(list.body, &page)
	t.Logf("the failed commit reached the disk: %v (retry replayed: %q); profiles after the retry: %d",
		r.header.Get("Idempotent-Replayed") == "true", r.header.Get("Idempotent-Replayed"), len(page.Data))
	if len(page.Data) != 2 {
		t.Errorf("%d profiles after the retry, want 2 (a and one b)", len(page.Data))
	}
}

// TestReadyMeansWritable: /readyz answers 200 only while a write can
// commit. With every write of SQLite failing (ENOSPC: a full disk, or files
// that cannot be written) it answers 503 while reads go on; once writes
// work again it answers 200 (before: 200 throughout, from a ping of a read
// connection).
func TestReadyMeansWritable(t *testing.T) {
	dir := t.TempDir()
	shim := buildShim(t, dir)
	db, flag := filepath.Join(dir, "p.db"), filepath.Join(dir, "disk-full")
	key := createKey(t, db)
	p := launchCmd(t, exec.Command(paljaBinary(t), "serve"), db, freeAddr(t), "LD_PRELOAD="+shim, "FAILWRITE_FLAG="+flag)
	p.waitReady()
	c := newAPIClient(p.base(), key)
	defer c.close()
	if r := c.must(t, "POST", "/v1/profiles", `{"name":"김영희","birth_year":1990,"birth_month":5,"birth_day":15,"external_id":"a"}`); r.status != 201 {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	if r := c.must(t, "GET", "/readyz", ""); r.status != 200 {
		t.Fatalf("/readyz on a healthy disk: %d", r.status)
	}
	if err := os.WriteFile(flag, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	// The last probe may be trusted for up to a second: poll until it is
	// not (bounded), then it must stay 503 while writes fail.
	deadline := time.Now().Add(10 * time.Second)
	for c.must(t, "GET", "/readyz", "").status == 200 {
		if time.Now().After(deadline) {
			t.Fatal("/readyz still 200 ten seconds after the disk stopped taking writes")
		}
		time.Sleep(50 * time.Millisecond)
	}
	put := c.must(t, "PUT", "/v1/profiles/a", `{"name":"이영희"}`)
	ready := c.must(t, "GET", "/readyz", "").status
	read := c.must(t, "GET", "/v1/profiles/a", "").status
	t.Logf("with writes failing: /readyz %d, PUT %d, GET %d", ready, put.status, read)
	if ready != 503 || put.status < 500 || read != 200 {
		t.Errorf("with writes failing: /readyz %d (want 503), PUT %d (want a 5xx), GET %d (want 200)", ready, put.status, read)
	}
	os.Remove(flag)
	deadline = time.Now().Add(10 * time.Second)
	for c.must(t, "GET", "/readyz", "").status != 200 {
		if time.Now().After(deadline) {
			t.Fatalf("/readyz not 200 ten seconds after writes work again\n%s", p.stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if r := c.must(t, "PUT", "/v1/profiles/a", `{"name":"이영희"}`); r.status != 200 {
		t.Errorf("PUT once writes work again: %d %s", r.status, r.body)
	}
}

// TestReencryptBeforeServe: reencrypt run with a new active key while serve
// still runs without it refuses, naming the key and the order, and changes
// nothing: serve keeps reading every profile and stays ready. Once serve
// is restarted with the new key first, reencrypt runs (before: reencrypt
// re-sealed everything under a key serve lacked: 500 everywhere, /readyz
// 200).
func TestReencryptBeforeServe(t *testing.T) {
	db := filepath.Join(t.TempDir(), "p.db")
	key := createKey(t, db)
	p := startServe(t, db, freeAddr(t))
	c := newAPIClient(p.base(), key)
	defer c.close()
	for i := range 5 {
		body := fmt.Sprintf(`{"name":"김영희","birth_year":1990,"birth_month":5,"birth_day":15,"external_id":"r%d"}`, i)
		if r := c.must(t, "POST", "/v1/profiles", body); r.status != 201 {
			t.Fatalf("create: %d %s", r.status, r.body)
		}
	}
	newKeys := encKey("k2", 0x77) + "," + testEncryptionKeys
	cmd := exec.Command(paljaBinary(t), "reencrypt")
	cmd.Env = append(paljaEnv(db, ""), "PALJA_ENCRYPTION_KEYS="+newKeys)
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 || !strings.Contains(string(out), `key "k2"`) || !strings.Contains(string(out), "serve") {
		t.Fatalf("reencrypt before serve has the key: %v, want exit 1 naming k2 and serve\n%s", err, out)
	}
	t.Logf("refused: %s", strings.TrimSpace(string(out)))
	for i := range 5 {
		if r := c.must(t, "GET", fmt.Sprintf("/v1/profiles/r%d", i), ""); r.status != 200 {
			t.Errorf("profile r%d after the refused reencrypt: %d", i, r.status)
		}
	}
	if r := c.must(t, "GET", "/readyz", ""); r.status != 200 {
		t.Errorf("/readyz after the refused reencrypt: %d", r.status)
	}

	// The right order: serve restarted with k2 first, then reencrypt.
	p.kill()
	c.close()
	p = launchCmd(t, exec.Command(paljaBinary(t), "serve"), db, freeAddr(t), "PALJA_ENCRYPTION_KEYS="+newKeys)
	p.waitReady()
	c = newAPIClient(p.base(), key)
	cmd = exec.Command(paljaBinary(t), "reencrypt")
	cmd.Env = append(paljaEnv(db, ""), "PALJA_ENCRYPTION_KEYS="+newKeys)
	if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "5 profiles re-encrypted") {
		t.Fatalf("reencrypt after serve has the key: %v\n%s", err, out)
	}
	for i := range 5 {
		if r := c.must(t, "GET", fmt.Sprintf("/v1/profiles/r%d", i), ""); r.status != 200 {
			t.Errorf("profile r%d after reencrypt: %d", i, r.status)
		}
	}
}

// TestLogFlood: 3,000 requests without a key to paths outside /v1 (404)
// write at most the burst of 100 access-log lines plus 10 a second; a
// request with a key is still logged (before: one info line per request, 60 MB of log in 10 s).
func TestLogFlood(t *testing.T) {
	db := filepath.Join(t.TempDir(), "p.db")
	key := createKey(t, db)
	p := startServe(t, db, freeAddr(t))
	start := time.Now()
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			c := newAPIClient(p.base(), "")
			defer c.close()
			for i := range 750 {
				c.do("GET", fmt.Sprintf("/nope/%d", i), "")
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	c := newAPIClient(p.base(), key)
	defer c.close()
	c.must(t, "GET", "/v1/profiles", "")
	// The line of that request is written after its answer: wait for it.
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(p.stderr.String(), "route=/v1/profiles") {
		if time.Now().After(deadline) {
			t.Fatalf("the request with a key was not logged:\n%.3000s", p.stderr.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	log := p.stderr.String()
	lines := strings.Count(log, "route=unmatched")
	limit := 100 + int(10*elapsed.Seconds()) + 5 // + the lines written just after the last answer
	t.Logf("3000 unauthenticated 404s in %v: %d log lines (limit %d), %d bytes of log in all", elapsed.Round(time.Millisecond), lines, limit, len(log))
	if lines > limit {
		t.Errorf("%d access-log lines for 3000 404s without a key, want at most %d", lines, limit)
	}
}

// TestDeleteLeavesNoWALRemnant: after a DELETE is answered 204, neither the
// database file nor its -wal holds the profile's id or its external_id
// (an e-mail address here), while serve keeps running (before: both stayed
// in the -wal after palja's own checkpoints, for about 890 more writes).
func TestDeleteLeavesNoWALRemnant(t *testing.T) {
	db := filepath.Join(t.TempDir(), "p.db")
	key := createKey(t, db)
	p := startServe(t, db, freeAddr(t))
	c := newAPIClient(p.base(), key)
	defer c.close()
	const ext = "someone.private@example.com"
	r := c.must(t, "POST", "/v1/profiles", `{"name":"김영희","birth_year":1990,"birth_month":5,"birth_day":15,"external_id":"`+ext+`"}`)
	if r.status != 201 {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	id := r.str("id")
	for i := range 20 { // earlier versions too
		c.must(t, "PUT", "/v1/profiles/"+ext, fmt.Sprintf(`{"birth_day":%d}`, i+1))
	}
	// Another profile stays: its rows are no secret.
	c.must(t, "POST", "/v1/profiles", `{"name":"박영희","birth_year":1991,"birth_month":6,"birth_day":16,"external_id":"other"}`)
	if r := c.must(t, "DELETE", "/v1/profiles/"+ext, ""); r.status != 204 {
		t.Fatalf("delete: %d %s", r.status, r.body)
	}
	for _, f := range []string{db, db + "-wal"} {
		b, err := os.ReadFile(f)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %d bytes after the delete", filepath.Base(f), len(b))
		if strings.Contains(string(b), ext) || strings.Contains(string(b), id) {
			t.Errorf("%s still holds the deleted profile's external_id or id", filepath.Base(f))
		}
	}
	if r := c.must(t, "GET", "/v1/profiles/other", ""); r.status != 200 {
		t.Errorf("the other profile after the delete: %d", r.status)
	}
}

// TestExtremeLimitsRefused: keys create and keys limits refuse limits whose
// headers could not be represented, with exit status 2, and create
// nothing; serve refuses them as its defaults.
func TestExtremeLimitsRefused(t *testing.T) {
	db := filepath.Join(t.TempDir(), "p.db")
	createKey(t, db)
	for _, args := range [][]string{
		{"keys", "create", "--name", "x", "--rate", "1e-300"},
		{"keys", "create", "--name", "x", "--burst", "9223372036854775807"},
		{"keys", "create", "--name", "x", "--rate", "1e10"},
		{"serve", "--rate", "1e-300"},
		{"serve", "--burst", "9223372036854775807"},
	} {
		cmd := exec.Command(paljaBinary(t), args...)
		cmd.Env = paljaEnv(db, freeAddr(t))
		out, err := cmd.CombinedOutput()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 2 {
			t.Errorf("palja %s: %v, want exit status 2\n%s", strings.Join(args, " "), err, out)
		}
	}
	for _, env := range []string{"PALJA_RATE=1e-300", "PALJA_BURST=9223372036854775807"} {
		cmd := exec.Command(paljaBinary(t), "serve")
		cmd.Env = append(paljaEnv(db, freeAddr(t)), env)
		out, err := cmd.CombinedOutput()
		var ee *exec.ExitError
		name, _, _ := strings.Cut(env, "=")
		if !errors.As(err, &ee) || ee.ExitCode() != 1 || !strings.Contains(string(out), name) {
			t.Errorf("serve with %s: %v, want exit status 1 naming %s\n%s", env, err, name, out)
		}
	}
	if list := paljaCmd(t, db, "keys", "list"); strings.Count(list, "key_") != 1 {
		t.Errorf("a refused key was created:\n%s", list)
	}
}

// TestFileModes: with a umask of 022, the database, its -wal and -shm
// files, like the key file, are created 0600: no other local user can read
// the external ids and Idempotency-Keys they hold in the clear (before:
// 0644 for the first three).
func TestFileModes(t *testing.T) {
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	dir := t.TempDir()
	db := filepath.Join(dir, "p.db")
	p := launchCmd(t, exec.Command(paljaBinary(t), "serve"), db, freeAddr(t), "PALJA_ENCRYPTION_KEYS=") // the key file too
	p.waitReady()
	keys := printedKeys(t, p)
	if len(keys) != 1 {
		t.Fatalf("want one bootstrap key printed, got %d:\n%s", len(keys), p.stderr.String())
	}
	c := newAPIClient(p.base(), keys[0])
	defer c.close()
	if r := c.must(t, "POST", "/v1/profiles", `{"name":"김영희","birth_year":1990,"birth_month":5,"birth_day":15,"external_id":"a"}`); r.status != 201 {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	for _, f := range []string{db, db + "-wal", db + "-shm", db + ".keys"} {
		fi, err := os.Stat(f)
		if err != nil {
			t.Errorf("%s: %v", filepath.Base(f), err)
			continue
		}
		t.Logf("%s %v", filepath.Base(f), fi.Mode().Perm())
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", filepath.Base(f), fi.Mode().Perm())
		}
	}
}

// TestReadOnlyCommandsTakeNoWriteLock: while another process holds the
// database's write lock (here: this test, in a transaction begun with
// BEGIN IMMEDIATE), `palja keys list` on a current schema answers at once
// (before: it waited 5 s for the lock in the migrations and failed).
func TestReadOnlyCommandsTakeNoWriteLock(t *testing.T) {
	db := filepath.Join(t.TempDir(), "p.db")
	createKey(t, db)
	p := startServe(t, db, freeAddr(t)) // a server activates it: nothing left to write
	p.kill()

	holder, err := sql.Open("sqlite3", "file:"+db+"?_busy_timeout=100")
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	conn, err := holder.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(context.Background(), "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	defer conn.ExecContext(context.Background(), "ROLLBACK")

	start := time.Now()
	cmd := exec.Command(paljaBinary(t), "keys", "list")
	cmd.Env = paljaEnv(db, "")
	out, err := cmd.CombinedOutput()
	took := time.Since(start)
	t.Logf("keys list with the write lock held elsewhere: %v in %v", err, took.Round(time.Millisecond))
	if err != nil || !strings.Contains(string(out), "key_") {
		t.Fatalf("keys list while another process holds the write lock: %v\n%s", err, out)
	}
	if took > 4*time.Second {
		t.Errorf("keys list took %v: it waited for the write lock", took)
	}
}

// TestChunkedWithContentLengthCloses: a request with both
// Transfer-Encoding: chunked and Content-Length, followed on the same
// connection by bytes that a proxy framing by Content-Length would have
// taken for part of the body, gets its answer and then the connection is
// closed: those bytes are never read as a second request (before: the
// connection stayed open and the second request was answered; Go's
// server, golang/go#80942).
func TestChunkedWithContentLengthCloses(t *testing.T) {
	db := filepath.Join(t.TempDir(), "p.db")
	key := createKey(t, db)
	p := startServe(t, db, freeAddr(t))
	conn, err := net.DialTimeout("tcp", p.addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	body := `{"name":"김영희","birth_year":1990,"birth_month":5,"birth_day":15}`
	smuggled := "GET /v1/profiles HTTP/1.1\r\nHost: x\r\nX-API-Key: " + key + "\r\n\r\n"
	req := "POST /v1/profiles HTTP/1.1\r\nHost: x\r\nX-API-Key: " + key + "\r\nContent-Type: application/json\r\n" +
		fmt.Sprintf("Content-Length: %d\r\nTransfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n0\r\n\r\n", len(body)+5+len(smuggled), len(body), body) + smuggled
	if _, err := io.WriteString(conn, req); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(conn)
	res, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	t.Logf("first answer %d, Connection: %q", res.StatusCode, res.Header.Get("Connection"))
	if second, err := http.ReadResponse(br, nil); err == nil {
		second.Body.Close()
		t.Errorf("the bytes after the chunked body were answered as a request: %d", second.StatusCode)
	}
	// A client with Content-Length keeps its keep-alive connection.
	c := newAPIClient(p.base(), key)
	defer c.close()
	if r := c.must(t, "POST", "/v1/profiles", body); r.status != 201 || r.header.Get("Connection") == "close" {
		t.Errorf("POST with Content-Length: %d, Connection %q", r.status, r.header.Get("Connection"))
	}
}

// TestAuthFailFlags: --auth-fail-burst sets the failed-authentication
// budget of an address: with 3, the fourth unknown key in a row is a 429.
func TestAuthFailFlags(t *testing.T) {
	db := filepath.Join(t.TempDir(), "p.db")
	createKey(t, db)
	p := startServe(t, db, freeAddr(t), "--auth-fail-burst", "3", "--auth-fail-rate", "0.001")
	c := newAPIClient(p.base(), "")
	defer c.close()
	var got []int
	for range 5 {
		c.key, _ = auth.NewSecret()
		got = append(got, c.must(t, "GET", "/v1/profiles", "").status)
	}
	if fmt.Sprint(got) != "[401 401 401 429 429]" {
		t.Errorf("statuses %v, want [401 401 401 429 429]", got)
	}
}
