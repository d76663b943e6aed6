package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
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

// TestServe runs the program as a user would: serve on a fresh database,
// take the printed bootstrap key, create and update a profile, then stop with
// the context (SIGINT) and expect a clean exit.
func TestServe(t *testing.T) {
	dir := t.TempDir()
	addr := freeAddr(t)
	env := fakeEnv(map[string]string{"PALJA_DB": filepath.Join(dir, "p.db"), "PALJA_ADDR": addr})
	ctx, cancel := context.WithCancel(context.Background())
	var stderr syncBuffer
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"palja", "serve"}, env, io.Discard, &stderr) }()

	base := "http://" + addr
	deadline := time.Now().Add(10 * time.Second)
	for {
		res, err := http.Get(base + "/healthz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("server did not come up: %v\n%s", err, stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	key := keyRE.FindString(stderr.String())
	if key == "" {
		t.Fatalf("no bootstrap key printed:\n%s", stderr.String())
	}
	if !strings.Contains(stderr.String(), "WARNING") || !strings.Contains(stderr.String(), "p.db.keys") {
		t.Errorf("no warning about the generated encryption key:\n%s", stderr.String())
	}
	send := func(method, path, body string) *http.Response {
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		req.Header.Set("X-API-Key", key)
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res
	}
	if res := send("POST", "/v1/profiles", `{"name":"김영희","birth_year":1990,"birth_month":5,"birth_day":15,"external_id":"u1"}`); res.StatusCode != 201 {
		t.Fatalf("create: %d", res.StatusCode)
	}
	for i := range 5 {
		if res := send("PUT", "/v1/profiles/u1", `{"birth_hour":`+string(rune('0'+i))+`}`); res.StatusCode != 200 {
			t.Fatalf("put: %d", res.StatusCode)
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop")
	}
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
	out.Reset()
	if err := run(context.Background(), []string{"palja", "keys", "list"}, env, &out, &errOut); err != nil {
		t.Fatal(err)
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
	if err := run(context.Background(), []string{"palja", "keys", "revoke", "key_nope"}, env, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "no key") {
		t.Errorf("revoke unknown: %v", err)
	}
}
