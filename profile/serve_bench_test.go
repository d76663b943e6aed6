package profile_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/palja/palja/internal/httpserver"
	"github.com/palja/palja/profile"
	"github.com/palja/palja/storage/memory"
)

// The benchmarks of this file serve requests through a real net/http.Server,
// as palja serve does, over an in-memory connection that holds b.N pipelined
// requests and discards the answers: the whole per-request cost of the
// server (request parsing, response headers, flushing) without the network
// or a load generator, so that callgrind counts it exactly. BenchmarkServe/bare
// is the yardstick of ../shared/bench/baseline.go, a bare handler answering
// a fixed 300-byte JSON body, through the same server: the ratio of
// instructions per request is what the load figures' ratio measures, less
// wrk's share of the cores.

// pipeConn is a net.Conn whose reader yields n requests, taken in turn from
// reqs, the last with Connection: close; then it waits for the server to
// close the connection, as a client does (an EOF would cancel the last
// request). What is written to it is counted and thrown away.
type pipeConn struct {
	reqs    [][]byte
	last    []byte // the last request, with Connection: close
	left    int    // requests not yet read
	i, off  int    // the request being read, and the offset in it
	written int
	closed  chan struct{}
	once    sync.Once

	// A read with no request left waits for the connection to close or
	// for a read deadline in the past: net/http sets one to end its
	// background read before it reads the next request.
	mu      sync.Mutex
	wake    *sync.Cond
	expired bool // the read deadline is in the past
	done    bool // closed
	created time.Time
}

func newPipeConn(reqs [][]byte, n int) *pipeConn {
	last := reqs[(n-1)%len(reqs)]
	line := bytes.Index(last, []byte("\r\n")) + 2
	last = append(append(last[:line:line], "Connection: close\r\n"...), last[line:]...)
	c := &pipeConn{reqs: reqs, last: last, left: n, closed: make(chan struct{}), created: time.Now()}
	c.wake = sync.NewCond(&c.mu)
	return c
}

func (c *pipeConn) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) && c.left > 0 {
		req := c.reqs[c.i%len(c.reqs)]
		if c.left == 1 {
			req = c.last
		}
		m := copy(p[n:], req[c.off:])
		n += m
		if c.off += m; c.off == len(req) {
			c.off = 0
			c.i++
			c.left--
		}
	}
	if n > 0 {
		return n, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for !c.expired && !c.done {
		c.wake.Wait()
	}
	if c.done {
		return 0, io.EOF
	}
	return 0, os.ErrDeadlineExceeded
}

func (c *pipeConn) Write(p []byte) (int, error) { c.written += len(p); return len(p), nil }
func (c *pipeConn) Close() error {
	c.once.Do(func() { close(c.closed) })
	c.mu.Lock()
	c.done = true
	c.mu.Unlock()
	c.wake.Broadcast()
	return nil
}

// SetReadDeadline wakes a waiting read when t is in the past (before the
// connection was made: net/http's "a long time ago").
func (c *pipeConn) SetReadDeadline(t time.Time) error {
	expired := !t.IsZero() && t.Before(c.created)
	c.mu.Lock()
	c.expired = expired
	c.mu.Unlock()
	if expired {
		c.wake.Broadcast()
	}
	return nil
}
func (c *pipeConn) LocalAddr() net.Addr { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8080} }
func (c *pipeConn) RemoteAddr() net.Addr {
	return &net.TCPAddr{IP: net.IPv4(192, 0, 2, 1), Port: 40000}
}
func (c *pipeConn) SetDeadline(t time.Time) error      { return nil }
func (c *pipeConn) SetWriteDeadline(t time.Time) error { return nil }

// oneConnListener hands out one connection, then blocks until closed.
type oneConnListener struct {
	conn chan net.Conn
	done chan struct{}
	once sync.Once
}

func (l *oneConnListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conn:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *oneConnListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

func (l *oneConnListener) Addr() net.Addr {
	return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8080}
}

// serveN answers n requests of reqs, in turn, with h through an http.Server configured
// as palja serve's, and returns the bytes written back.
func serveN(tb testing.TB, h http.Handler, reqs [][]byte, n int) int {
	ln := &oneConnListener{conn: make(chan net.Conn, 1), done: make(chan struct{})}
	srv := httpserver.New(h)
	c := newPipeConn(reqs, n)
	ln.conn <- c
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	<-c.closed
	srv.Close()
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		tb.Fatal(err)
	}
	return c.written
}

// checkServed serves one copy of req and fails unless the answer's status
// is status; it returns the size of one answer.
func checkServed(tb testing.TB, h http.Handler, req []byte, status int) int {
	tb.Helper()
	var out bytes.Buffer
	w := &recordConn{pipeConn: newPipeConn([][]byte{req}, 1), out: &out}
	ln := &oneConnListener{conn: make(chan net.Conn, 1), done: make(chan struct{})}
	ln.conn <- w
	srv := &http.Server{Handler: h}
	go srv.Serve(ln)
	<-w.closed
	srv.Close()
	if want := "HTTP/1.1 " + strconv.Itoa(status) + " "; !bytes.HasPrefix(out.Bytes(), []byte(want)) {
		tb.Fatalf("want %q, got:\n%s", want, out.String())
	}
	return out.Len()
}

type recordConn struct {
	*pipeConn
	out *bytes.Buffer
}

func (c *recordConn) Write(p []byte) (int, error) { return c.out.Write(p) }

func rawRequest(method, path, key, body string) []byte {
	s := method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: wrk\r\n"
	if key != "" {
		s += "X-API-Key: " + key + "\r\n"
	}
	if body != "" {
		s += "Content-Type: application/json\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n"
	}
	return []byte(s + "\r\n" + body)
}

var baselineBody = []byte(`{"id":"prf_abc123def456ghij","external_id":"user_12345","name":"J***","birth_year":"19**",` +
	`"gender":"male","day_master":"병화","day_master_element":"fire","weakest_element":"water",` +
	`"created_at":"2025-01-15T09:00:00Z","updated_at":"2025-01-16T14:30:00Z"}` + "\n")

// putBodies are the load script's (scripts/load/put.lua): both change the
// birth date, so that every PUT recomputes.
var putBodies = []string{`{"birth_day":16,"birth_hour":null}`, `{"name":"박영수","birth_day":15,"birth_hour":10}`}

// BenchmarkServe: bare is the baseline's handler; rejected is the 429 path of
// the load test (a PUT with a body, from a key over its limit); put is a PUT
// that changes the birth date on the in-memory backend (no SQLite: the HTTP
// layer, auth, merge, recompute and sealing); get is GET /v1/profiles/{ref}.
func BenchmarkServe(b *testing.B) {
	logger := slog.New(slog.NewTextHandler(io.Discard, nil)) // info, as serve's default
	db, err := memory.New().Open(testKeyring(b), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	h := profile.NewHandler(logger, db, db, profile.Config{})
	fast, _, err := db.CreateKey(context.Background(), "fast", "", 1e6, 1e6)
	if err != nil {
		b.Fatal(err)
	}
	limited, _, err := db.CreateKey(context.Background(), "limited", "", 0.001, 1)
	if err != nil {
		b.Fatal(err)
	}
	checkServed(b, h, rawRequest("POST", "/v1/profiles", fast, kim), 201)
	checkServed(b, h, rawRequest("GET", "/v1/profiles", limited, ""), 200) // its one token
	bare := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(baselineBody)
	})
	for _, c := range []struct {
		name   string
		h      http.Handler
		reqs   [][]byte
		status int
	}{
		{"bare", bare, [][]byte{rawRequest("GET", "/", "", "")}, 200},
		{"rejected", h, [][]byte{rawRequest("PUT", "/v1/profiles/user_1", limited, putBodies[0])}, 429},
		{"put", h, [][]byte{rawRequest("PUT", "/v1/profiles/user_1", fast, putBodies[0]), rawRequest("PUT", "/v1/profiles/user_1", fast, putBodies[1])}, 200},
		{"get", h, [][]byte{rawRequest("GET", "/v1/profiles/user_1", fast, "")}, 200},
	} {
		b.Run(c.name, func(b *testing.B) {
			size := checkServed(b, c.h, c.reqs[0], c.status)
			b.ReportAllocs()
			b.ResetTimer()
			if n := serveN(b, c.h, c.reqs, b.N); n < b.N*size*9/10 {
				b.Fatalf("%d bytes answered to %d requests of %d", n, b.N, size)
			}
			b.ReportMetric(float64(size), "B/answer")
		})
	}
}
