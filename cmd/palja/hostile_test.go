package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// localServer is `palja serve` run in this process with an API key of a high
// limit.
type localServer struct {
	*inProcess
	key string
}

func startLocalServer(t *testing.T, flags ...string) *localServer {
	t.Helper()
	vars := map[string]string{"PALJA_DB": filepath.Join(t.TempDir(), "p.db"), "PALJA_ENCRYPTION_KEYS": testEncryptionKeys}
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"palja", "keys", "create", "--name", "t", "--rate", "100000", "--burst", "100000"}, fakeEnv(vars), &out, &errOut); err != nil {
		t.Fatalf("keys create: %v\n%s", err, errOut.String())
	}
	return &localServer{inProcess: serveInProcess(t, vars, flags...), key: strings.TrimSpace(out.String())}
}

// rawExchange sends head (and then body, if any) on a new connection while
// reading the answer, as an attacker's client would: the answer may come
// before the request is fully sent.
func rawExchange(addr, head string, body io.Reader) (*apiResult, error) {
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	go func() {
		if _, err := io.WriteString(conn, head); err == nil && body != nil {
			io.Copy(conn, body) // fails once the server has answered and closed
		}
	}()
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return nil, err
	}
	return readResult(res)
}

// zeros is an endless reader of '0' digits: a JSON string body that never
// ends, written to the wire as fast as the server takes it.
type zeros struct{ n int64 }

func (z *zeros) Read(p []byte) (int, error) {
	if z.n <= 0 {
		return 0, io.EOF
	}
	n := min(int64(len(p)), z.n)
	for i := range n {
		p[i] = '0'
	}
	z.n -= n
	return int(n), nil
}

// TestHostileInput sends the classic attacks to a real server (the http.Server
// of serve with its timeouts and header limit) and checks that each is
// answered 4xx, never 500 or a panic, and that none changed the stored
// profile or created one.
func TestHostileInput(t *testing.T) {
	srv := startLocalServer(t, "--read-header-timeout", "1s")
	c := newAPIClient(srv.base, srv.key)
	defer c.close()

	const targetBody = `{"external_id":"target","name":"김영희","birth_year":1990,"birth_month":4,"birth_day":30,"birth_hour":10,"gender":"female"}`
	created := c.must(t, "POST", "/v1/profiles", targetBody)
	if created.status != 201 {
		t.Fatalf("create: %d %s", created.status, created.body)
	}
	id := created.str("id")
	target := "/v1/profiles/target"
	before := c.must(t, "GET", target, "")

	deep := func(open, close string, n int) string { return strings.Repeat(open, n) + strings.Repeat(close, n) }
	cases := []struct {
		name, method, path, body string
		headers                  []string
		status                   int
		typ                      string
	}{
		// Deep nesting: refused at the first byte of the nested value, not
		// recursed into.
		{"nested arrays in a field", "PUT", target, `{"name":` + deep("[", "]", 30000) + `}`, nil, 400, "validation_error"},
		{"nested arrays as the body", "PUT", target, deep("[", "]", 30000), nil, 400, "validation_error"},
		{"nested objects", "PUT", target, strings.Repeat(`{"a":`, 10000) + "1" + strings.Repeat("}", 10000), nil, 400, "validation_error"},
		{"unclosed nesting", "PUT", target, `{"name":` + strings.Repeat("[", 60000), nil, 400, "validation_error"},
		{"nested create", "POST", "/v1/profiles", `{"name":"a","birth_year":1990,"birth_month":1,"birth_day":1,"gender":` + deep("{\"x\":", "}", 5000) + `}`, nil, 400, "validation_error"},

		// Bytes that are not text.
		{"invalid UTF-8 in a value", "PUT", target, "{\"name\":\"\xff\xfe\"}", nil, 400, "validation_error"},
		{"invalid UTF-8 in a key", "PUT", target, "{\"\xff\":\"a\"}", nil, 400, "validation_error"},
		{"overlong UTF-8 slash", "PUT", target, "{\"name\":\"a\xc0\xafb\"}", nil, 400, "validation_error"},
		{"UTF-8 encoded surrogate", "PUT", target, "{\"name\":\"\xed\xa0\x80\"}", nil, 400, "validation_error"},
		{"truncated UTF-8", "PUT", target, "{\"name\":\"\xea\xb9\"}", nil, 400, "validation_error"},
		{"lone surrogate escape", "PUT", target, `{"name":"\ud800"}`, nil, 400, "validation_error"},
		{"reversed surrogate pair", "PUT", target, `{"name":"\udc00\ud800"}`, nil, 400, "validation_error"},
		{"raw NUL in a string", "PUT", target, "{\"name\":\"a\x00b\"}", nil, 400, "validation_error"},
		{"escaped NUL", "PUT", target, `{"name":"a\u0000b"}`, nil, 400, "validation_error"},
		{"NUL after the object", "PUT", target, "{\"name\":\"a\"}\x00", nil, 400, "validation_error"},
		{"NUL body", "PUT", target, "\x00", nil, 400, "validation_error"},
		{"NUL in external_id on create", "POST", "/v1/profiles", `{"name":"a","birth_year":1990,"birth_month":1,"birth_day":1,"external_id":"a\u0000"}`, nil, 400, "validation_error"},

		// Numbers that are not plain integers.
		{"1e400", "PUT", target, `{"birth_year":1e400}`, nil, 400, "validation_error"},
		{"-1e400", "PUT", target, `{"birth_year":-1e400}`, nil, 400, "validation_error"},
		{"1e-400", "PUT", target, `{"birth_hour":1e-400}`, nil, 400, "validation_error"},
		{"-0", "PUT", target, `{"birth_hour":-0}`, nil, 400, "validation_error"},
		{"1990.0", "PUT", target, `{"birth_year":1990.0}`, nil, 400, "validation_error"},
		{"huge integer", "PUT", target, `{"birth_year":` + strings.Repeat("9", 5000) + `}`, nil, 400, "validation_error"},
		{"hex", "PUT", target, `{"birth_year":0x7C6}`, nil, 400, "validation_error"},
		{"1e400 on create", "POST", "/v1/profiles", `{"name":"a","birth_year":1e400,"birth_month":1,"birth_day":1}`, nil, 400, "validation_error"},

		// Keys: case variants and duplicates, including one hidden by an escape.
		{`"Name"`, "PUT", target, `{"Name":"x"}`, nil, 400, "validation_error"},
		{`"NAME" beside "name"`, "PUT", target, `{"name":"a","NAME":"b"}`, nil, 400, "validation_error"},
		{`"Birth_Year"`, "PUT", target, `{"Birth_Year":1991}`, nil, 400, "validation_error"},
		{"duplicate key", "PUT", target, `{"name":"a","name":"b"}`, nil, 400, "validation_error"},
		{"duplicate key by escape", "PUT", target, `{"name":"a","n\u0061me":"b"}`, nil, 400, "validation_error"},
		{"duplicate null", "PUT", target, `{"birth_hour":null,"birth_hour":3}`, nil, 400, "validation_error"},

		// Path tricks in {ref}: never another profile, never a file, 404.
		{"..", "PUT", "/v1/profiles/..", `{"name":"해커"}`, nil, 404, "not_found"},
		{"%2e%2e", "PUT", "/v1/profiles/%2e%2e", `{"name":"해커"}`, nil, 404, "not_found"},
		{"../ to another route", "PUT", "/v1/profiles/../profiles/target", `{"name":"해커"}`, nil, 404, "not_found"},
		{"..%2f", "PUT", "/v1/profiles/..%2f..%2fhealthz", `{"name":"해커"}`, nil, 404, "not_found"},
		{"encoded slash", "PUT", "/v1/profiles/tar%2Fget", `{"name":"해커"}`, nil, 404, "not_found"},
		{"encoded NUL", "PUT", "/v1/profiles/target%00", `{"name":"해커"}`, nil, 404, "not_found"},
		{"double encoding", "PUT", "/v1/profiles/%2574arget", `{"name":"해커"}`, nil, 404, "not_found"},
		{"10 KB external_id", "PUT", "/v1/profiles/" + strings.Repeat("t", 10000), `{"name":"해커"}`, nil, 404, "not_found"},
		{"10 KB profile id", "PUT", "/v1/profiles/prf_" + strings.Repeat("A", 10000), `{"name":"해커"}`, nil, 404, "not_found"},
		{"id with a suffix", "PUT", "/v1/profiles/" + id + "x%00", `{"name":"해커"}`, nil, 404, "not_found"},
		{"SQL in the path", "PUT", "/v1/profiles/x'%20OR%20'1'='1", `{"name":"해커"}`, nil, 404, "not_found"},
		{"SQL in the path, no spaces", "PUT", "/v1/profiles/x'OR'1'='1", `{"name":"해커"}`, nil, 404, "not_found"},
		{"LIKE wildcard in the path", "PUT", "/v1/profiles/%25", `{"name":"해커"}`, nil, 404, "not_found"},
		{"GET 10 KB saju", "GET", "/v1/profiles/" + strings.Repeat("%41", 3400) + "/saju", "", nil, 404, "not_found"},

		// Headers.
		// (Up to --max-header-bytes, 32 KiB: a JSON error; above it, net/http's 431 below.)
		{"24 KB X-API-Key", "PUT", target, `{"name":"해커"}`, []string{"X-API-Key", "pj_live_" + strings.Repeat("A", 24<<10)}, 401, "authentication_error"},
		{"X-API-Key with SQL", "PUT", target, `{"name":"해커"}`, []string{"X-API-Key", "pj_live_' OR '1'='1"}, 401, "authentication_error"},
		{"If-Match of 24 KB", "PUT", target, `{"name":"해커"}`, []string{"If-Match", strings.Repeat(`"v0",`, 5000) + `"v999"`}, 412, "precondition_failed"},
		{"Content-Type trick", "PUT", target, `{"name":"해커"}`, []string{"Content-Type", "application/json-patch+json"}, 415, "unsupported_media_type"},
		{"Idempotency-Key of 1 KB", "POST", "/v1/profiles", `{"name":"a","birth_year":1990,"birth_month":1,"birth_day":1}`, []string{"Idempotency-Key", strings.Repeat("k", 1024)}, 400, "validation_error"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, err := c.do(tc.method, tc.path, tc.body, tc.headers...)
			if err != nil {
				t.Fatal(err)
			}
			checkAPIError(t, r, tc.status, tc.typ)
		})
	}

	// 10 MB bodies, sent on a raw connection so that the server's early
	// answer is read while the body is still being written.
	for _, tc := range []struct{ name, head string }{
		{"10 MB body with Content-Length", "PUT " + target + " HTTP/1.1\r\nHost: x\r\nX-API-Key: " + srv.key +
			"\r\nContent-Type: application/json\r\nContent-Length: 10485769\r\n\r\n{\"name\":\""},
		{"10 MB chunked body", "PUT " + target + " HTTP/1.1\r\nHost: x\r\nX-API-Key: " + srv.key +
			"\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var body io.Reader = &zeros{n: 10 << 20}
			if strings.Contains(tc.head, "chunked") {
				pr, pw := io.Pipe()
				go func() {
					cw := newChunkWriter(pw)
					io.WriteString(cw, `{"name":"`)
					io.Copy(cw, &zeros{n: 10 << 20})
					pw.Close()
				}()
				body = pr
			}
			r, err := rawExchange(srv.addr, tc.head, body)
			if err != nil {
				t.Fatal(err)
			}
			checkAPIError(t, r, 413, "payload_too_large")
		})
	}

	// Above --max-header-bytes (32 KiB) net/http answers 431 itself, before any
	// handler runs: the body is net/http's plain text, not the API's error
	// format, and there is no X-Request-Id. Likewise a header with a NUL
	// byte is refused by net/http with a plain 400.
	t.Run("40 KB header", func(t *testing.T) {
		head := "GET " + target + " HTTP/1.1\r\nHost: x\r\nX-API-Key: " + srv.key + "\r\nX-Big: " + strings.Repeat("a", 40<<10) + "\r\n\r\n"
		r, err := rawExchange(srv.addr, head, nil)
		if err != nil {
			t.Fatal(err)
		}
		if r.status != 431 {
			t.Errorf("status %d, want 431: %.200s", r.status, r.body)
		}
	})
	t.Run("3 MB header", func(t *testing.T) {
		head := "GET " + target + " HTTP/1.1\r\nHost: x\r\nX-API-Key: " + srv.key + "\r\nX-Big: " + strings.Repeat("a", 3<<20) + "\r\n\r\n"
		r, err := rawExchange(srv.addr, head, nil)
		if err != nil {
			t.Fatal(err)
		}
		if r.status != 431 {
			t.Errorf("status %d, want 431: %.200s", r.status, r.body)
		}
	})
	t.Run("1 MB X-API-Key", func(t *testing.T) {
		head := "GET " + target + " HTTP/1.1\r\nHost: x\r\nX-API-Key: pj_live_" + strings.Repeat("A", 1<<20) + "\r\n\r\n"
		r, err := rawExchange(srv.addr, head, nil)
		if err != nil {
			t.Fatal(err)
		}
		if r.status != 431 {
			t.Errorf("status %d, want 431: %.200s", r.status, r.body)
		}
	})
	t.Run("NUL in a header", func(t *testing.T) {
		head := "PUT " + target + " HTTP/1.1\r\nHost: x\r\nX-API-Key: " + srv.key + "\x00\r\nContent-Type: application/json\r\nContent-Length: 12\r\n\r\n{\"name\":\"a\"}"
		r, err := rawExchange(srv.addr, head, nil)
		if err != nil {
			t.Fatal(err)
		}
		if r.status != 400 {
			t.Errorf("status %d, want 400: %.200s", r.status, r.body)
		}
	})

	// Slow loris: headers sent a byte every 100 ms. The server must close
	// the connection once --read-header-timeout (1 s here) has passed,
	// without answering anything but a 4xx.
	t.Run("slow-loris headers", func(t *testing.T) {
		conn, err := net.DialTimeout("tcp", srv.addr, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		closed := make(chan []byte, 1)
		go func() {
			conn.SetReadDeadline(time.Now().Add(60 * time.Second))
			b, _ := io.ReadAll(conn) // until the server closes
			closed <- b
		}()
		head := "PUT " + target + " HTTP/1.1\r\nHost: x\r\nX-API-Key: " + srv.key + "\r\nContent-Type: application/json\r\nX-Slow: " + strings.Repeat("z", 300)
		start := time.Now()
		var got []byte
	send:
		for i := 0; i < len(head); i++ {
			if _, err := conn.Write([]byte{head[i]}); err != nil {
				break
			}
			select {
			case got = <-closed:
				break send
			case <-time.After(100 * time.Millisecond):
			}
		}
		if got == nil {
			select {
			case got = <-closed:
			case <-time.After(30 * time.Second):
				t.Fatalf("the server kept a slow-loris connection open for %v", time.Since(start))
			}
		}
		if len(got) > 0 {
			res, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(got)), nil)
			if err != nil || res.StatusCode < 400 || res.StatusCode >= 500 {
				t.Errorf("slow-loris connection answered %q", got)
			}
		}
		t.Logf("closed after %v", time.Since(start).Round(10*time.Millisecond))
	})

	// SQL metacharacters in external_id are stored and read back literally,
	// and name nothing but their own profile.
	sqlish := []string{`x'OR'1'='1`, `x";DROP_TABLE_profiles;--`, `%`, `_`, `\`, `'`, `1'||'1`, `a)--`, `*`, `$1`, `?x`, `#`, `%27`, `a%3Bb`, `;`}
	for _, ext := range sqlish {
		body, _ := json.Marshal(map[string]any{"external_id": ext, "name": "박", "birth_year": 2000, "birth_month": 2, "birth_day": 29})
		r := c.must(t, "POST", "/v1/profiles", string(body))
		if r.status != 201 || r.str("external_id") != ext {
			t.Errorf("create external_id %q: %d %s", ext, r.status, r.body)
			continue
		}
		// By every spelling of the path: escaped as Go does, and fully
		// percent-encoded as encodeURIComponent-like clients do.
		for _, path := range []string{url.PathEscape(ext), percentEncodeAll(ext)} {
			g := c.must(t, "GET", "/v1/profiles/"+path, "")
			if g.status != 200 || g.str("id") != r.str("id") || g.str("external_id") != ext {
				t.Errorf("GET external_id %q as %q: %d %s", ext, path, g.status, g.body)
			}
		}
	}

	// Nothing above changed the profile or created one, and the server
	// logged no error or panic.
	after := c.must(t, "GET", target, "")
	if !bytes.Equal(after.body, before.body) || after.header.Get("ETag") != before.header.Get("ETag") {
		t.Errorf("the attacks changed the profile:\n%s %s\n%s %s", before.body, before.header.Get("ETag"), after.body, after.header.Get("ETag"))
	}
	if r := c.must(t, "GET", "/v1/profiles/"+percentEncodeAll("target"), ""); !bytes.Equal(r.body, before.body) {
		t.Errorf("a fully percent-encoded ref does not name the profile: %d %s", r.status, r.body)
	}
	list := c.must(t, "GET", "/v1/profiles?limit=100", "")
	var page struct{ Data []json.RawMessage }
	if err := json.Unmarshal(list.body, &page); err != nil || len(page.Data) != 1+len(sqlish) {
		t.Errorf("the account holds %d profiles, want %d: %s", len(page.Data), 1+len(sqlish), list.body)
	}
	srv.stop(t)
	log := srv.stderr.String()
	for _, bad := range []string{"level=ERROR", "panic", "status=500", "김영희", "영희"} {
		if strings.Contains(log, bad) {
			t.Errorf("server log holds %q:\n%s", bad, log)
		}
	}
}

// percentEncodeAll percent-encodes every byte of s.
func percentEncodeAll(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		fmt.Fprintf(&b, "%%%02X", s[i])
	}
	return b.String()
}

// chunkWriter writes HTTP/1.1 chunked encoding.
type chunkWriter struct{ w io.WriteCloser }

func newChunkWriter(w io.WriteCloser) io.Writer { return &chunkWriter{w} }

func (c *chunkWriter) Write(p []byte) (int, error) {
	if _, err := fmt.Fprintf(c.w, "%x\r\n", len(p)); err != nil {
		return 0, err
	}
	if _, err := c.w.Write(p); err != nil {
		return 0, err
	}
	_, err := io.WriteString(c.w, "\r\n")
	return len(p), err
}
