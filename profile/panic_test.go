package profile

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// LockedBuffer collects log output from the server's goroutines. It is
// exported for the external tests of this package (e2e_test.go and the
// others in package profile_test).
type LockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *LockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *LockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// panicStore is a Store with a bug: Update merges the request into a
// profile full of personal data and then panics with the value set by the
// test, which may itself hold that data. Get works.
type panicStore struct {
	Store
	mu    sync.Mutex
	value any
}

const (
	panicName = "김영희"
	panicYear = 1990
)

func (s *panicStore) stored() *Profile {
	p := &Profile{ID: "prf_0123456789abcdefABCD", AccountID: "acct_1", Name: panicName, BirthYear: panicYear, BirthMonth: 5, BirthDay: 15, Version: 1}
	if err := p.Recompute(); err != nil {
		panic(err)
	}
	return p
}

func (s *panicStore) Get(context.Context, string, string) (*Profile, error) { return s.stored(), nil }

func (s *panicStore) Update(_ context.Context, _, _ string, fn func(*Profile) error) (*Profile, error) {
	p := s.stored()
	if err := fn(p); err != nil {
		return nil, err
	}
	s.mu.Lock()
	v := s.value
	s.mu.Unlock()
	if f, ok := v.(func(*Profile)); ok {
		f(p) // panics by itself
	}
	panic(v)
}

// birthHex matches 1990 in hexadecimal, as a stack trace would print the
// argument.
var birthHex = regexp.MustCompile(`0x7c6\b`)

// explodeBirth is a function that takes birth data by value and panics, as
// a bug in a computation could: the values sit in its stack frame.
//
//go:noinline
func explodeBirth(year, month, day int) {
	s := fmt.Sprint(day % 1)
	panic(s + fmt.Sprint(year%1, month%1))
}

// withoutClockValues drops the time and the durations from the log lines
// searched for the birth year: their digits are the clock's, and "1990"
// turned up in a nanosecond timestamp now and then. Every other value is
// kept.
func withoutClockValues(_ []string, a slog.Attr) slog.Attr {
	switch a.Value.Kind() {
	case slog.KindTime, slog.KindDuration:
		return slog.Attr{}
	}
	return a
}

// sourceLine matches the file and line of a frame in a logged stack: the
// checkout's path or a line number could hold "1990".
var sourceLine = regexp.MustCompile(`[^ ;"]+\.go:[0-9]+`)

// TestPanicIsA500 checks that a panic in a handler answers 500 api_error in
// the error format with the request id, logs one line with that id and
// without personal data, and that the server keeps serving, on the same
// connection too.
func TestPanicIsA500(t *testing.T) {
	store := &panicStore{}
	keys := testKeys{}
	key, _ := keys.add(1000, 1000)
	var logBuf LockedBuffer
	logger := slog.New(slog.NewJSONHandler(&logBuf, &slog.HandlerOptions{ReplaceAttr: withoutClockValues}))
	srv := httptest.NewUnstartedServer(NewHandler(logger, store, keys, Config{}))
	var serverLog LockedBuffer // net/http's own log: it would report a panic that reached it
	srv.Config.ErrorLog = log.New(&serverLog, "", 0)
	// net/http logs a panic that reaches it before it closes the
	// connection: a closed connection says it is done with the request.
	closed := make(chan struct{}, 16)
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateClosed {
			closed <- struct{}{}
		}
	}
	srv.Start()
	defer srv.Close()
	client := srv.Client()

	send := func(method, body string) (*http.Response, []byte, error) {
		req, _ := http.NewRequest(method, srv.URL+"/v1/profiles/user_1", strings.NewReader(body))
		req.Header.Set("X-API-Key", key)
		req.Header.Set("Content-Type", "application/json")
		res, err := client.Do(req)
		if err != nil {
			return nil, nil, err
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		return res, b, err
	}

	cases := []struct {
		name  string
		value any
	}{
		{"string with personal data", "cannot store " + panicName + " born " + fmt.Sprint(panicYear)},
		{"error with personal data", fmt.Errorf("seal %s: %w", panicName, errors.ErrUnsupported)},
		{"profile value", func(p *Profile) { panic(*p) }},
		{"nil pointer", func(p *Profile) { var q *Profile; _ = q.Name }},
		{"index out of range", func(p *Profile) { _ = []byte(p.Name)[100+p.BirthYear] }},
		{"in a frame with birth data as arguments", func(p *Profile) { explodeBirth(p.BirthYear, p.BirthMonth, p.BirthDay) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			store.mu.Lock()
			store.value = c.value
			store.mu.Unlock()
			logStart := len(logBuf.String())

			res, body, err := send("PUT", `{"name":"`+panicName+`","birth_year":`+fmt.Sprint(panicYear)+`}`)
			if err != nil {
				t.Fatal(err)
			}
			id := res.Header.Get("X-Request-Id")
			var e struct {
				Error struct{ Type, Message, Request_ID string }
			}
			if res.StatusCode != 500 || json.Unmarshal(body, &e) != nil || e.Error.Type != "api_error" ||
				e.Error.Request_ID != id || !strings.HasPrefix(id, "req_") || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
				t.Errorf("%d %s (X-Request-Id %q)", res.StatusCode, body, id)
			}
			if bytes.Contains(body, []byte("영희")) || bytes.Contains(body, []byte("1990")) || bytes.Contains(body, []byte("goroutine")) {
				t.Errorf("the answer shows internals or personal data: %s", body)
			}

			lines := strings.Split(strings.TrimSpace(logBuf.String()[logStart:]), "\n")
			var panicLine string
			for _, l := range lines {
				var entry struct{ Msg, Request_ID string }
				json.Unmarshal([]byte(l), &entry)
				if entry.Msg == "panic" && entry.Request_ID == id {
					panicLine = l
				}
			}
			if panicLine == "" {
				t.Errorf("no panic line with request_id %s in the log:\n%s", id, strings.Join(lines, "\n"))
			}
			for _, l := range lines {
				l := sourceLine.ReplaceAllString(l, "FILE:LINE")
				if strings.Contains(l, "영희") || strings.Contains(l, "1990") || birthHex.MatchString(l) {
					t.Errorf("log line holds personal data: %s", l)
				}
			}

			// The server, and the same keep-alive connection, still serve.
			res, body, err = send("GET", "")
			if err != nil || res.StatusCode != 200 {
				t.Fatalf("request after the panic: %v %s", err, body)
			}
		})
	}

	// http.ErrAbortHandler is passed on to net/http, which drops the
	// connection without a log line; the server still serves.
	store.mu.Lock()
	store.value = http.ErrAbortHandler
	store.mu.Unlock()
	if len(closed) != 0 {
		t.Fatalf("%d connections closed before the abort", len(closed))
	}
	if res, _, err := send("PUT", `{"name":"a"}`); err == nil {
		t.Errorf("ErrAbortHandler answered %d, want an aborted connection", res.StatusCode)
	}
	if res, _, err := send("GET", ""); err != nil || res.StatusCode != 200 {
		t.Fatalf("request after ErrAbortHandler: %v", err)
	}
	select { // net/http is done with the aborted connection
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("the aborted connection was never closed")
	}
	if s := serverLog.String(); strings.Contains(s, "panic") {
		t.Errorf("a panic reached net/http:\n%s", s)
	}
}
