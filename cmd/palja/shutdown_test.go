package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// heldRequest is a PUT whose handler is known to be running: it is sent
// with "Expect: 100-continue", and the server sends 100 Continue only when
// the handler starts reading the body. The test holds the body back until
// it releases the request.
type heldRequest struct {
	body   string
	pw     *io.PipeWriter
	got100 chan struct{}
	done   chan heldAnswer
}

type heldAnswer struct {
	r   *apiResult
	err error
}

func holdPut(base, key, path, body string) *heldRequest {
	pr, pw := io.Pipe()
	h := &heldRequest{body: body, pw: pw, got100: make(chan struct{}), done: make(chan heldAnswer, 1)}
	var once sync.Once
	trace := &httptrace.ClientTrace{Got100Continue: func() { once.Do(func() { close(h.got100) }) }}
	req, _ := http.NewRequestWithContext(httptrace.WithClientTrace(context.Background(), trace), "PUT", base+path, pr)
	req.ContentLength = int64(len(body))
	req.Header.Set("X-API-Key", key)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Expect", "100-continue")
	hc := &http.Client{Timeout: time.Minute, Transport: &http.Transport{DisableKeepAlives: true, ExpectContinueTimeout: time.Minute}}
	go func() {
		res, err := hc.Do(req)
		if err != nil {
			h.done <- heldAnswer{err: err}
			return
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		h.done <- heldAnswer{&apiResult{status: res.StatusCode, header: res.Header, body: b}, err}
	}()
	return h
}

// release sends the rest of the request.
func (h *heldRequest) release() {
	go func() {
		io.WriteString(h.pw, h.body)
		h.pw.Close()
	}()
}

// TestGracefulShutdown runs a real `palja serve` under load from several
// clients, holds a few requests in flight (their handlers are running,
// waiting for their bodies), and sends SIGTERM. New connections must then be
// refused while the process waits for the requests in flight; released,
// each gets its real answer (200 with its content); the process exits 0
// within --shutdown-timeout; and after a restart every write that a client
// saw acknowledged is stored, and none that it did not (a write processed
// but not answered would show as an extra version).
func TestGracefulShutdown(t *testing.T) {
	const grace = 10 * time.Second
	db := filepath.Join(t.TempDir(), "shutdown.db")
	addr := freeAddr(t)
	key := createKey(t, db)
	p := startServe(t, db, addr, "--shutdown-timeout", grace.String())
	c := newAPIClient(p.base(), key)
	defer c.close()

	create := func(ext string) {
		r := c.must(t, "POST", "/v1/profiles", `{"external_id":"`+ext+`","name":"서","birth_year":1985,"birth_month":3,"birth_day":3}`)
		if r.status != 201 {
			t.Fatalf("create %s: %d %s", ext, r.status, r.body)
		}
	}
	const loaders, holds = 6, 4
	for i := range loaders {
		create(fmt.Sprintf("load-%d", i))
	}
	for i := range holds {
		create(fmt.Sprintf("held-%d", i))
	}

	// Load: each client updates its own profile in a loop on keep-alive
	// connections, until the server is gone.
	type loader struct {
		acked       int64 // version of the last 2xx answer
		body        []byte
		ok, errs    int
		okAfterTerm int
		lastErr     error
	}
	var (
		terminated atomic.Bool
		wg         sync.WaitGroup
	)
	ls := make([]*loader, loaders)
	// Each loader says once that it has had loadedAfter writes
	// acknowledged: the load is running before the signal.
	const loadedAfter = 5
	loaded := make(chan struct{}, loaders)
	first := p
	for i := range ls {
		l := &loader{acked: 1}
		ls[i] = l
		wg.Go(func() {
			lc := newAPIClient(first.base(), key)
			defer lc.close()
			for n := 0; ; n++ {
				select {
				case <-first.done:
					return
				default:
				}
				r, err := lc.do("PUT", fmt.Sprintf("/v1/profiles/load-%d", i), fmt.Sprintf(`{"birth_hour":%d,"name":"%s"}`, n%24, strings.Repeat("서", 1+n%20)))
				if err != nil {
					l.errs++
					l.lastErr = err
					time.Sleep(5 * time.Millisecond)
					continue
				}
				if r.status != 200 {
					t.Errorf("loader %d: %d %s", i, r.status, r.body)
					return
				}
				l.ok++
				if l.ok == loadedAfter {
					loaded <- struct{}{}
				}
				if terminated.Load() {
					l.okAfterTerm++
				}
				l.acked, l.body = versionOf(r), r.body
			}
		})
	}

	// Requests in flight: their handlers wait for their bodies.
	hs := make([]*heldRequest, holds)
	for i := range hs {
		hs[i] = holdPut(p.base(), key, fmt.Sprintf("/v1/profiles/held-%d", i), fmt.Sprintf(`{"name":"보류%d","birth_hour":%d}`, i, i))
	}
	for i, h := range hs {
		select {
		case <-h.got100:
		case a := <-h.done:
			t.Fatalf("held request %d answered before its body was sent: %+v", i, a)
		case <-time.After(20 * time.Second):
			t.Fatalf("held request %d: no 100 Continue", i)
		}
	}
	for range loaders {
		select {
		case <-loaded:
		case <-time.After(20 * time.Second):
			t.Fatalf("the loaders had not had %d writes each acknowledged after 20s", loadedAfter)
		}
	}

	terminated.Store(true)
	sent := time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// New connections are refused while the requests in flight are still
	// running.
	deadline := time.Now().Add(10 * time.Second)
	for !refused(addr) {
		if time.Now().After(deadline) {
			t.Fatal("new connections were still accepted 10s after SIGTERM")
		}
		time.Sleep(5 * time.Millisecond)
	}
	select {
	case <-p.done:
		t.Fatalf("the process exited with requests in flight: %v\n%s", p.err, p.stderr.String())
	default:
	}
	for _, h := range hs {
		h.release()
	}
	for i, h := range hs {
		a := <-h.done
		switch {
		case a.err != nil:
			t.Errorf("held request %d: %v, want its answer", i, a.err)
		case a.r.status != 200 || versionOf(a.r) != 2 || a.r.str("name") != "보**":
			t.Errorf("held request %d: %d %s (ETag %s)", i, a.r.status, a.r.body, a.r.header.Get("ETag"))
		}
	}
	code, exited := p.wait(grace + 10*time.Second)
	took := time.Since(sent)
	if !exited {
		t.Fatalf("palja serve still running %v after SIGTERM", took)
	}
	if code != 0 || took > grace {
		t.Errorf("exit code %d after %v, want 0 within the grace period of %v\n%s", code, took, grace, p.stderr.String())
	}
	wg.Wait()

	// After a restart: every acknowledged write is there, and no write
	// that went unanswered.
	p = startServe(t, db, addr)
	c = newAPIClient(p.base(), key)
	defer c.close()
	var ok, okAfter, errs int
	for i, l := range ls {
		ok, okAfter, errs = ok+l.ok, okAfter+l.okAfterTerm, errs+l.errs
		r := c.must(t, "GET", fmt.Sprintf("/v1/profiles/load-%d", i), "")
		if v := versionOf(r); v != l.acked || l.body != nil && !bytes.Equal(r.body, l.body) {
			t.Errorf("loader %d: stored v%d, last acknowledged v%d (last error: %v): a write was processed without its answer reaching the client\n%s\n%s", i, v, l.acked, l.lastErr, r.body, l.body)
		}
	}
	for i := range hs {
		if r := c.must(t, "GET", fmt.Sprintf("/v1/profiles/held-%d", i), ""); versionOf(r) != 2 || r.str("name") != "보**" {
			t.Errorf("held request %d not stored: %s", i, r.body)
		}
	}
	t.Logf("%d load writes acknowledged (%d after SIGTERM), %d refused or cut before being read; %d requests held in flight answered 200; exit 0 after %v",
		ok, okAfter, errs, holds, took.Round(time.Millisecond))
}

// serveStuck starts palja serve with grace as --shutdown-timeout and a PUT
// that it holds in flight (its body is never finished): the request a
// shutdown has to wait for. The caller ends the hold with
// h.pw.CloseWithError.
func serveStuck(t *testing.T, grace string) (*proc, *heldRequest) {
	t.Helper()
	db := filepath.Join(t.TempDir(), "stuck.db")
	addr := freeAddr(t)
	key := createKey(t, db)
	p := startServe(t, db, addr, "--shutdown-timeout", grace)
	c := newAPIClient(p.base(), key)
	defer c.close()
	if r := c.must(t, "POST", "/v1/profiles", `{"external_id":"stuck","name":"서","birth_year":1985,"birth_month":3,"birth_day":3}`); r.status != 201 {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	h := holdPut(p.base(), key, "/v1/profiles/stuck", `{"name":"끝"}`)
	select {
	case <-h.got100:
	case <-time.After(20 * time.Second):
		t.Fatal("no 100 Continue")
	}
	return p, h
}

// TestShutdownGraceExpires checks that a request that outlives
// --shutdown-timeout does not keep the process alive: it exits (with an
// error, since not every request finished) soon after the grace period.
func TestShutdownGraceExpires(t *testing.T) {
	p, h := serveStuck(t, "1s")
	defer h.pw.CloseWithError(errors.New("test done"))
	sent := time.Now()
	p.cmd.Process.Signal(syscall.SIGTERM)
	code, exited := p.wait(20 * time.Second)
	if !exited {
		t.Fatal("a stuck request kept palja serve running 20s after SIGTERM with --shutdown-timeout 1s")
	}
	if code == 0 || !strings.Contains(p.stderr.String(), "shutdown") {
		t.Errorf("exit code %d; stderr:\n%s", code, p.stderr.String())
	}
	t.Logf("exit code %d after %v", code, time.Since(sent).Round(time.Millisecond))
}

// TestSecondSignalEndsAtOnce: a second SIGTERM during the grace period ends
// the process at once, as operators expect of a stuck shutdown.
func TestSecondSignalEndsAtOnce(t *testing.T) {
	p, h := serveStuck(t, "5m")
	defer h.pw.CloseWithError(errors.New("test done"))
	p.cmd.Process.Signal(syscall.SIGTERM)
	for deadline := time.Now().Add(20 * time.Second); !strings.Contains(p.stderr.String(), "shutting down"); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no shutdown after SIGTERM:\n%s", p.stderr.String())
		}
	}
	if _, exited := p.wait(200 * time.Millisecond); exited {
		t.Fatal("exited before the held request finished, with a grace period of 5m")
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	code, exited := p.wait(20 * time.Second)
	if !exited {
		t.Fatal("still running 20s after a second SIGTERM")
	}
	if code == 0 {
		t.Errorf("exit code 0 after a second SIGTERM cut a request off")
	}
}
