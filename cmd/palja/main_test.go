package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe to write from the server goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func fakeEnv(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

var keyRE = regexp.MustCompile(`pj_live_[0-9A-Za-z]{32,}`)

// inProcess is `palja serve` run in this process through run().
type inProcess struct {
	base   string // http://addr
	addr   string
	stderr *syncBuffer
	cancel context.CancelFunc
	done   chan error
}

// serveInProcess starts run(serve) with env (plus PALJA_ADDR on a free port)
// and flags, and waits until /healthz answers. Run in this process, the
// server is seen by the race detector too.
func serveInProcess(t *testing.T, vars map[string]string, flags ...string) *inProcess {
	t.Helper()
	addr := freeAddr(t)
	env := map[string]string{"PALJA_ADDR": addr}
	for k, v := range vars {
		env[k] = v
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := &inProcess{base: "http://" + addr, addr: addr, stderr: &syncBuffer{}, cancel: cancel, done: make(chan error, 1)}
	args := append([]string{"palja", "serve"}, flags...)
	go func() { p.done <- run(ctx, args, fakeEnv(env), io.Discard, p.stderr) }()
	t.Cleanup(func() { p.stop(t) })
	deadline := time.Now().Add(10 * time.Second)
	for {
		res, err := http.Get(p.base + "/healthz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return p
			}
		}
		select {
		case err := <-p.done:
			p.done <- err
			t.Fatalf("serve exited: %v\n%s", err, p.stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("server did not come up: %v\n%s", err, p.stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stop sends the equivalent of SIGINT and expects a clean exit.
func (p *inProcess) stop(t *testing.T) {
	t.Helper()
	if p.cancel == nil {
		return
	}
	p.cancel()
	p.cancel = nil
	select {
	case err := <-p.done:
		if err != nil {
			t.Fatalf("serve: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop")
	}
}

// call sends a request with key and a JSON body, and returns the status and
// body.
func (p *inProcess) call(t *testing.T, key, method, path, body string) (int, string) {
	t.Helper()
	res, b := send(t, http.DefaultClient, method, p.base+path, body, "X-API-Key", key)
	return res.StatusCode, string(b)
}

// send sends a request with body (as JSON when not empty) and headers, name
// and value pairs, and returns the answer with its body read.
func send(t *testing.T, c *http.Client, method, url, body string, headers ...string) (*http.Response, []byte) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, b
}

// TestServe runs the program as a user would: serve on a fresh database,
// take the printed bootstrap key, create and update a profile, then stop with
// the context (SIGINT) and expect a clean exit.
func TestServe(t *testing.T) {
	dir := t.TempDir()
	vars := map[string]string{"PALJA_DB": filepath.Join(dir, "p.db")}
	env := fakeEnv(vars)
	p := serveInProcess(t, vars)
	stderr := p.stderr
	key := keyRE.FindString(stderr.String())
	if key == "" {
		t.Fatalf("no bootstrap key printed:\n%s", stderr.String())
	}
	if !strings.Contains(stderr.String(), "WARNING") || !strings.Contains(stderr.String(), "p.db.keys") {
		t.Errorf("no warning about the generated encryption key:\n%s", stderr.String())
	}
	if status, body := p.call(t, key, "POST", "/v1/profiles", `{"name":"김영희","birth_year":1990,"birth_month":5,"birth_day":15,"external_id":"u1"}`); status != 201 {
		t.Fatalf("create: %d %s", status, body)
	}
	for i := range 5 {
		if status, body := p.call(t, key, "PUT", "/v1/profiles/u1", `{"birth_hour":`+string(rune('0'+i))+`}`); status != 200 {
			t.Fatalf("put: %d %s", status, body)
		}
	}
	p.stop(t)
	for _, secret := range []string{"김영희", "영희"} {
		if strings.Contains(stderr.String(), secret) {
			t.Errorf("log holds personal data %q", secret)
		}
	}

	// keys create prints only the key on stdout; keys list never shows a secret.
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"palja", "keys", "create", "--name", "ci", "--rate", "5", "--burst", "7"}, env, &out, &errOut); err != nil {
		t.Fatalf("keys create: %v %s", err, errOut.String())
	}
	created := strings.TrimSpace(out.String())
	if !keyRE.MatchString(created) || created != keyRE.FindString(created) {
		t.Errorf("keys create printed %q", out.String())
	}
	var list bytes.Buffer
	if err := run(context.Background(), []string{"palja", "keys", "list"}, env, &list, &errOut); err != nil {
		t.Fatal(err)
	}
	keyID := regexp.MustCompile(`(?m)^(key_\w+)\s+ci\s`).FindStringSubmatch(list.String())
	if keyID == nil {
		t.Fatalf("keys list:\n%s", list.String())
	}
	if err := run(context.Background(), []string{"palja", "keys", "limits", keyID[1], "--rate", "3", "--burst", "4"}, env, io.Discard, &errOut); err != nil {
		t.Fatal(err)
	}
	if err := run(context.Background(), []string{"palja", "keys", "revoke", keyID[1]}, env, io.Discard, &errOut); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := run(context.Background(), []string{"palja", "keys", "list"}, env, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`(?m)^` + keyID[1] + `\s+ci\s+\S+\s+\S+\s+3\s+4\s.*Z\s*$`).MatchString(out.String()) {
		t.Errorf("limits or revocation not listed:\n%s", out.String())
	}
	if strings.Contains(out.String(), created) || strings.Contains(out.String(), key) || !strings.Contains(out.String(), "ci") || !strings.Contains(out.String(), "bootstrap") {
		t.Errorf("keys list:\n%s", out.String())
	}
}

func TestUsageErrors(t *testing.T) {
	env := fakeEnv(map[string]string{"PALJA_DB": filepath.Join(t.TempDir(), "p.db")})
	for _, args := range [][]string{
		{"palja"}, {"palja", "nope"}, {"palja", "keys"}, {"palja", "keys", "create"}, {"palja", "keys", "revoke"},
		{"palja", "serve", "extra"}, {"palja", "serve", "--rate", "-1"},
	} {
		if err := run(context.Background(), args, env, io.Discard, io.Discard); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
	// revoke no longer creates the database (a mistyped --db must not look
	// like an empty one), so the database is made first.
	if err := run(context.Background(), []string{"palja", "keys", "create", "--name", "first"}, env, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	if err := run(context.Background(), []string{"palja", "keys", "revoke", "key_nope"}, env, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "no key") {
		t.Errorf("revoke unknown: %v", err)
	}
}

// TestHelpDoesNothingElse: -h prints a command's usage and stops there: no
// database or key file is created, no key made or revoked, no server run.
func TestHelpDoesNothingElse(t *testing.T) {
	for _, args := range [][]string{
		{"serve", "-h"}, {"serve", "--help"}, {"keys", "create", "--name", "ci", "-h"}, {"keys", "list", "-h"},
		{"keys", "revoke", "key_x", "-h"}, {"keys", "limits", "key_x", "--rate", "1", "-h"}, {"reencrypt", "-h"},
		{"keys", "--help"}, {"keys", "-h"}, {"keys", "limits", "-h", "key_x"}, {"keys", "revoke", "--db", "x.db", "-h", "key_x"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			dir := t.TempDir()
			env := fakeEnv(map[string]string{"PALJA_DB": filepath.Join(dir, "p.db"), "PALJA_ADDR": freeAddr(t)})
			var stdout, stderr bytes.Buffer
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			err := run(ctx, append([]string{"palja"}, args...), env, &stdout, &stderr)
			if !errors.Is(err, errHelp) {
				t.Errorf("run = %v, want errHelp (exit 0)", err)
			}
			if !strings.Contains(stderr.String(), "-db") || stdout.Len() > 0 {
				t.Errorf("no usage on stderr, or output on stdout:\nstdout: %q\nstderr: %q", stdout.String(), stderr.String())
			}
			if files, _ := os.ReadDir(dir); len(files) > 0 {
				t.Errorf("-h created %v", files)
			}
		})
	}
}

// TestBusyPortPrintsNoKey: when the address is taken, serve fails before it
// creates the database's first key, so the one-time key is never lost.
func TestBusyPortPrintsNoKey(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var stderr bytes.Buffer
	env := fakeEnv(map[string]string{"PALJA_DB": filepath.Join(t.TempDir(), "p.db"), "PALJA_ADDR": ln.Addr().String()})
	if err := run(context.Background(), []string{"palja", "serve"}, env, io.Discard, &stderr); err == nil {
		t.Fatal("serve on a busy port succeeded")
	}
	if keyRE.MatchString(stderr.String()) {
		t.Errorf("a key was printed although serve could not start:\n%s", stderr.String())
	}
}
