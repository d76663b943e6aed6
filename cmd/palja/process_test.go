package main

// Helpers for the tests that run palja as a real process: the crash,
// shutdown and shared-database tests build the binary once, start
// `palja serve` on a temporary database and talk to it over HTTP.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var (
	buildOnce sync.Once
	buildDir  string
	buildBin  string
	buildErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// paljaBinary builds the palja binary from this package, once per test run,
// and returns its path. With -short the test is skipped instead.
func paljaBinary(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: not building and running the palja binary")
	}
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "palja-bin-")
		if buildErr != nil {
			return
		}
		buildBin = filepath.Join(buildDir, "palja")
		goTool, err := exec.LookPath("go")
		if err != nil {
			buildErr = fmt.Errorf("go tool not found: %w", err)
			return
		}
		args := []string{"build", "-o", buildBin}
		if raceEnabled() {
			// The server is then checked for races too, and the build
			// reuses the packages this test binary was built from.
			args = append(args, "-race")
		}
		cmd := exec.Command(goTool, append(args, ".")...)
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return buildBin
}

// raceEnabled reports whether this test binary was built with -race.
func raceEnabled() bool {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return false
	}
	for _, s := range bi.Settings {
		if s.Key == "-race" {
			return s.Value == "true"
		}
	}
	return false
}

// testEncryptionKeys is a fixed PALJA_ENCRYPTION_KEYS, so that restarts
// and concurrent processes share one keyring.
var testEncryptionKeys = encKey("k1", 0x2a)

// paljaEnv is the environment of a palja process: this process's, without
// any PALJA_* variable, plus the database, the address and the fixed
// encryption key.
func paljaEnv(db, addr string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PALJA_") {
			env = append(env, kv)
		}
	}
	env = append(env, "PALJA_DB="+db, "PALJA_ENCRYPTION_KEYS="+testEncryptionKeys)
	if os.Getenv("GORACE") == "" {
		env = append(env, "GORACE=atexit_sleep_ms=0") // a -race binary otherwise waits 1 s at exit
	}
	if addr != "" {
		env = append(env, "PALJA_ADDR="+addr)
	}
	return env
}

// paljaCmd runs a palja command that ends by itself (keys create, …) on db
// and returns its stdout.
func paljaCmd(t testing.TB, db string, args ...string) string {
	t.Helper()
	cmd := exec.Command(paljaBinary(t), args...)
	cmd.Env = paljaEnv(db, "")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("palja %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return strings.TrimSpace(stdout.String())
}

// createKey creates an API key with a limit no test reaches and returns it.
func createKey(t testing.TB, db string, extra ...string) string {
	t.Helper()
	key := paljaCmd(t, db, append([]string{"keys", "create", "--name", "test", "--rate", "100000", "--burst", "100000"}, extra...)...)
	if !keyRE.MatchString(key) || keyRE.FindString(key) != key {
		t.Fatalf("keys create printed %q, want only a key", key)
	}
	return key
}

// proc is a running `palja serve`.
type proc struct {
	t      testing.TB
	cmd    *exec.Cmd
	addr   string
	stderr *syncBuffer
	done   chan struct{} // closed when the process has exited
	err    error         // from Wait, once done is closed
}

// startServe starts `palja serve` on db at addr with the extra flags and
// waits until /healthz answers. The process is killed when the test ends
// if it is still running.
func startServe(t testing.TB, db, addr string, flags ...string) *proc {
	t.Helper()
	p := launchServe(t, db, addr, flags...)
	p.waitReady()
	return p
}

// launchServe starts `palja serve` without waiting for it to be ready.
func launchServe(t testing.TB, db, addr string, flags ...string) *proc {
	t.Helper()
	return launchCmd(t, exec.Command(paljaBinary(t), append([]string{"serve"}, flags...)...), db, addr)
}

// launchServeEnv starts `palja serve` with the environment env.
func launchServeEnv(t testing.TB, env []string, addr string, flags ...string) *proc {
	t.Helper()
	return startProc(t, exec.Command(paljaBinary(t), append([]string{"serve"}, flags...)...), env, addr)
}

// launchCmd starts cmd, a `palja serve` (perhaps behind a wrapper such as
// prlimit), with the environment of db and addr plus env (NAME=value).
func launchCmd(t testing.TB, cmd *exec.Cmd, db, addr string, env ...string) *proc {
	t.Helper()
	return startProc(t, cmd, append(paljaEnv(db, addr), env...), addr)
}

// startProc starts cmd, a `palja serve` listening on addr, with the
// environment env.
func startProc(t testing.TB, cmd *exec.Cmd, env []string, addr string) *proc {
	t.Helper()
	cmd.Env = env
	p := &proc{t: t, cmd: cmd, addr: addr, stderr: &syncBuffer{}, done: make(chan struct{})}
	cmd.Stderr = p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			cmd.Process.Kill()
			<-p.done
		}
		if log := p.stderr.String(); strings.Contains(log, "DATA RACE") || strings.Contains(log, "panic:") {
			t.Errorf("palja serve reported a race or crashed:\n%s", log)
		}
	})
	return p
}

func (p *proc) base() string { return "http://" + p.addr }

// waitReady polls /healthz for up to 30 s (a loaded CI machine may be slow
// to start a process and recover a WAL).
func (p *proc) waitReady() {
	p.t.Helper()
	c := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case <-p.done:
			p.t.Fatalf("palja serve exited before it was ready: %v\n%s", p.err, p.stderr.String())
		default:
		}
		res, err := c.Get(p.base() + "/healthz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("palja serve not ready after 30s: %v\n%s", err, p.stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// printedKeys waits up to 10 s until the processes' stderr, taken
// together, holds an API key, then 200 ms more for any other key to
// arrive, and returns every key there. A child writes its bootstrap key
// before it listens, but the bytes reach p.stderr through os/exec's
// copying goroutine, which may not have run yet when waitReady returns
// (CI once read an empty stderr here and sent no key: a 401).
func printedKeys(t testing.TB, ps ...*proc) []string {
	t.Helper()
	keys := func() []string {
		var keys []string
		for _, p := range ps {
			keys = append(keys, keyRE.FindAllString(p.stderr.String(), -1)...)
		}
		return keys
	}
	for deadline := time.Now().Add(10 * time.Second); len(keys()) == 0 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond)
	return keys()
}

// kill sends SIGKILL and waits for the process to be gone.
func (p *proc) kill() {
	p.t.Helper()
	p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// wait waits up to d for the process to exit and returns its exit code
// (-1 if killed by a signal); ok is false if it was still running.
func (p *proc) wait(d time.Duration) (code int, ok bool) {
	select {
	case <-p.done:
	case <-time.After(d):
		return 0, false
	}
	var ee *exec.ExitError
	if errors.As(p.err, &ee) {
		return ee.ExitCode(), true
	}
	if p.err != nil {
		return -1, true
	}
	return 0, true
}

// apiClient talks to one server with one API key.
type apiClient struct {
	base, key string
	hc        *http.Client
}

func newAPIClient(base, key string) *apiClient {
	return &apiClient{base: base, key: key, hc: &http.Client{
		Timeout:   20 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: 32},
	}}
}

// apiResult is an answered request.
type apiResult struct {
	status int
	header http.Header
	body   []byte
}

// do sends a request; headers are name, value pairs. It returns an error
// only when no answer arrived.
func (c *apiClient) do(method, path, body string, headers ...string) (*apiResult, error) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("X-API-Key", c.key)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := c.hc.Do(req)
	if err != nil {
		return nil, err
	}
	return readResult(res)
}

// readResult reads and closes a response.
func readResult(res *http.Response) (*apiResult, error) {
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, err
	}
	return &apiResult{status: res.StatusCode, header: res.Header, body: b}, nil
}

// must is do for requests that must be answered.
func (c *apiClient) must(t testing.TB, method, path, body string, headers ...string) *apiResult {
	t.Helper()
	r, err := c.do(method, path, body, headers...)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	return r
}

func (c *apiClient) close() { c.hc.CloseIdleConnections() }

// fields decodes a JSON object body.
func (r *apiResult) fields() map[string]any {
	var m map[string]any
	json.Unmarshal(r.body, &m)
	return m
}

func (r *apiResult) str(field string) string {
	s, _ := r.fields()[field].(string)
	return s
}

// apiErrorBody is the one error format of the API.
type apiErrorBody struct {
	Error struct {
		Type      string `json:"type"`
		Message   string `json:"message"`
		Param     string `json:"param"`
		RequestID string `json:"request_id"`
	} `json:"error"`
}

// checkAPIError reports a response that is not status in the API's error
// format: a JSON error object of the type, with the X-Request-Id in it.
func checkAPIError(t testing.TB, r *apiResult, status int, typ string) {
	t.Helper()
	if r.status != status {
		t.Errorf("status %d, want %d: %.300s", r.status, status, r.body)
		return
	}
	var e apiErrorBody
	dec := json.NewDecoder(bytes.NewReader(r.body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil {
		t.Errorf("%d: body is not the error format (%v): %.300s", r.status, err, r.body)
		return
	}
	if e.Error.Type != typ || e.Error.Message == "" {
		t.Errorf("%d: error type %q message %q, want type %q", r.status, e.Error.Type, e.Error.Message, typ)
	}
	if id := r.header.Get("X-Request-Id"); !strings.HasPrefix(id, "req_") || e.Error.RequestID != id {
		t.Errorf("%d: request_id %q, X-Request-Id %q", r.status, e.Error.RequestID, id)
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("%d: Content-Type %q", r.status, ct)
	}
}

// refused reports whether a new TCP connection to addr is refused.
func refused(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return true
	}
	c.Close()
	return false
}
