package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"
)

// As curl -si prints a 429 of palja (CRLF line ends).
const recorded429 = "HTTP/1.1 429 Too Many Requests\r\n" +
	"Content-Length: 40\r\n" +
	"Content-Type: application/json; charset=utf-8\r\n" +
	"Ratelimit-Limit: 100\r\n" +
	"Retry-After: 1\r\n" +
	"X-Request-Id: req_3NXVwyTW000QCX\r\n" +
	"Date: Fri, 04 Dec 2026 20:06:10 GMT\r\n" +
	"\r\n" +
	`{"error":{"type":"rate_limited"}}` + "       "

// countingBody records how much of a request body the handler read.
type countingBody struct {
	r    io.Reader
	read int
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	b.read += n
	return n, err
}

func (b *countingBody) Close() error { return nil }

// TestReplay: the answer is the recorded one, status, headers and body,
// but for Date; a 2xx reads the request body first, a refusal does not.
func TestReplay(t *testing.T) {
	for _, tc := range []struct {
		name, raw string
		status    int
		wantRead  bool
	}{
		{"refusal", recorded429, http.StatusTooManyRequests, false},
		{"success", strings.Replace(recorded429, "429 Too Many Requests", "200 OK", 1), http.StatusOK, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, err := parseResponse([]byte(tc.raw))
			if err != nil {
				t.Fatal(err)
			}
			body := &countingBody{r: strings.NewReader(`{"birth_day":16}`)}
			req := httptest.NewRequest(http.MethodPut, "/v1/profiles/limited", body)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tc.status {
				t.Errorf("status %d, want %d", rec.Code, tc.status)
			}
			if got, want := rec.Body.String(), `{"error":{"type":"rate_limited"}}`+"       "; got != want {
				t.Errorf("body %q, want %q", got, want)
			}
			for k, want := range map[string]string{
				"Content-Length":  "40",
				"Content-Type":    "application/json; charset=utf-8",
				"Ratelimit-Limit": "100",
				"Retry-After":     "1",
				"X-Request-Id":    "req_3NXVwyTW000QCX",
				"Date":            "",
			} {
				if got := rec.Header().Get(k); got != want {
					t.Errorf("%s: %q, want %q", k, got, want)
				}
			}
			if read := body.read == len(`{"birth_day":16}`); read != tc.wantRead {
				t.Errorf("request body read: %v, want %v", read, tc.wantRead)
			}
		})
	}
}

// TestServe: run serves the recorded answer over TCP, with a current Date,
// until its context ends.
func TestServe(t *testing.T) {
	dir := t.TempDir()
	file := dir + "/429.http"
	if err := os.WriteFile(file, []byte(recorded429), 0o600); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"-addr", addr, "-response", file}, io.Discard) }()
	var resp *http.Response
	for i := 0; i < 100; i++ {
		if resp, err = http.Post("http://"+addr+"/v1/profiles", "application/json", strings.NewReader("{}")); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests || !strings.HasPrefix(string(b), `{"error"`) {
		t.Errorf("got %d %q", resp.StatusCode, b)
	}
	if d, err := http.ParseTime(resp.Header.Get("Date")); err != nil || time.Since(d) > time.Minute {
		t.Errorf("Date %q is not the current time", resp.Header.Get("Date"))
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("run: %v", err)
	}
}

func TestUsage(t *testing.T) {
	for _, args := range [][]string{{}, {"-response", "/nonexistent/file"}, {"-response", "x", "extra"}} {
		if err := run(context.Background(), args, io.Discard); err == nil {
			t.Errorf("run(%q): no error", args)
		}
	}
	if _, err := parseResponse([]byte("not a response")); err == nil {
		t.Error("parseResponse of garbage: no error")
	}
}
