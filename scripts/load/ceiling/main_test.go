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

// testdata/*.http are answers of palja recorded with curl -si (a 429 of a
// flooded key, a 200 to a PUT), with their Date set to 2001 so that a
// replayed Date shows.

func recorded(t *testing.T, name string) (*replay, string) {
	t.Helper()
	raw, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	h, err := parseResponse(raw)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	_, body, _ := strings.Cut(string(raw), "\r\n\r\n")
	return h, body
}

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
		file     string
		status   int
		header   map[string]string
		wantRead bool
	}{
		{"429.http", http.StatusTooManyRequests, map[string]string{
			"Content-Length":      "150",
			"Content-Type":        "application/json; charset=utf-8",
			"Ratelimit-Limit":     "100",
			"Ratelimit-Remaining": "0",
			"Ratelimit-Reset":     "1",
			"Retry-After":         "1",
			"X-Request-Id":        "req_rgOzlzZO000CZu",
		}, false},
		{"put.http", http.StatusOK, map[string]string{
			"Content-Length":      "296",
			"Content-Type":        "application/json; charset=utf-8",
			"Etag":                `"v2421477"`,
			"Ratelimit-Limit":     "1000000",
			"Ratelimit-Remaining": "999999",
			"Ratelimit-Reset":     "1",
			"X-Request-Id":        "req_rgOzlzZO000003",
		}, true},
	} {
		t.Run(tc.file, func(t *testing.T) {
			h, wantBody := recorded(t, tc.file)
			const reqBody = `{"birth_day":16,"birth_hour":null}`
			body := &countingBody{r: strings.NewReader(reqBody)}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodPut, "/v1/profiles/hot", body))
			if rec.Code != tc.status {
				t.Errorf("status %d, want %d", rec.Code, tc.status)
			}
			if got := rec.Body.String(); got != wantBody {
				t.Errorf("body %q, want %q", got, wantBody)
			}
			if len(rec.Header()) != len(tc.header) {
				t.Errorf("headers %v, want %v", rec.Header(), tc.header)
			}
			for k, want := range tc.header {
				if got := rec.Header().Get(k); got != want {
					t.Errorf("%s: %q, want %q", k, got, want)
				}
			}
			if read := body.read == len(reqBody); read != tc.wantRead {
				t.Errorf("request body read: %v, want %v", read, tc.wantRead)
			}
		})
	}
}

// TestServe: serve answers over TCP with the recorded answer and a current
// Date, until its context ends.
func TestServe(t *testing.T) {
	h, _ := recorded(t, "429.http")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serve(ctx, ln, h, true) }()
	resp, err := http.Post("http://"+ln.Addr().String()+"/v1/profiles", "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests || !strings.HasPrefix(string(b), `{"error":{"type":"rate_limited"`) {
		t.Errorf("got %d %q", resp.StatusCode, b)
	}
	if d, err := http.ParseTime(resp.Header.Get("Date")); err != nil || time.Since(d).Abs() > time.Minute {
		t.Errorf("Date %q is not the current time", resp.Header.Get("Date"))
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not return after its context ended")
	}
}

func TestUsage(t *testing.T) {
	for _, args := range [][]string{{}, {"-response", "/nonexistent/file"}, {"-response", "testdata/429.http", "extra"}, {"-response", "main.go"}} {
		if err := run(context.Background(), args, io.Discard); err == nil {
			t.Errorf("run(%q): no error", args)
		}
	}
}
