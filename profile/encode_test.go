package profile

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/palja/palja/auth"
)

// TestAppendMasked checks that the Profile writer's masks write what
// appendString writes of MaskName and MaskYear.
func TestAppendMasked(t *testing.T) {
	for _, name := range []string{"김영희", "John", "이", "😀a", "Ab", "", "\"a", "<b>", "&&&", "\u2028x", "\xffab", "a\"b", "\\", "\\\\"} {
		if got, want := string(appendMaskedName(nil, name)), string(appendString(nil, MaskName(name))); got != want {
			t.Errorf("appendMaskedName(%q) = %s, want %s", name, got, want)
		}
	}
	for _, year := range []int{0, 999, 1000, 1900, 1990, 2100, 9999, 10000, -1990} {
		if got, want := string(appendMaskedYear(nil, year)), string(appendString(nil, MaskYear(year))); got != want {
			t.Errorf("appendMaskedYear(%d) = %s, want %s", year, got, want)
		}
	}
}

// TestAppendUnixUTCOfTimes checks that the Profile writer's timestamps,
// appendUnixUTC of the whole seconds, are what appendTime writes of the
// time itself, fractions of a second and instants before 1970 included.
func TestAppendUnixUTCOfTimes(t *testing.T) {
	seoul := time.FixedZone("KST", 9*3600)
	for _, tm := range []time.Time{
		time.Date(2025, 1, 15, 9, 0, 0, 5, time.UTC),
		time.Date(2025, 1, 15, 9, 0, 0, 999999999, seoul),
		time.Date(1969, 12, 31, 23, 59, 59, 500000000, time.UTC),
		time.Unix(-1, 1),
		time.Unix(0, 0),
		time.Date(1, 1, 1, 0, 0, 0, 1, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
	} {
		if got, want := string(appendUnixUTC(nil, tm.Unix())), string(appendTime(nil, tm)); got != want {
			t.Errorf("appendUnixUTC(%v) = %s, want %s", tm, got, want)
		}
	}
}

// TestFixedErrorHeads checks that the fixed errors, whose heads are written
// once, answer the bytes that writing them per answer gives.
func TestFixedErrorHeads(t *testing.T) {
	for _, ae := range []*apiError{errTooLarge, errMediaType, errEncoding, errNoKey, errNotFound, errRoute, errMethod, errStale, errInternal, errRateLimited} {
		r := httptest.NewRequest("GET", "/", nil)
		fixed, perAnswer := httptest.NewRecorder(), httptest.NewRecorder()
		writeAPIError(fixed, r, ae)
		writeAPIError(perAnswer, r, &apiError{status: ae.status, typ: ae.typ, msg: ae.msg, param: ae.param})
		if fixed.Body.String() != perAnswer.Body.String() || fixed.Code != perAnswer.Code {
			t.Errorf("%s: %d %s, want %d %s", ae.typ, fixed.Code, fixed.Body, perAnswer.Code, perAnswer.Body)
		}
	}
}

// TestContentLength checks the cached Content-Length values: the decimal
// length, one value per slice, and a capacity of one, so that appending to
// one cannot write into another answer's header.
func TestContentLength(t *testing.T) {
	for _, n := range []int{0, 1, 99, 100, 303, 4235, len(contentLengths) - 1, len(contentLengths), 1 << 20} {
		for range 2 { // made, then cached
			v := contentLength(n)
			if len(v) != 1 || cap(v) != 1 || v[0] != strconv.Itoa(n) {
				t.Errorf("contentLength(%d) = %q (cap %d)", n, v, cap(v))
			}
		}
	}
	if n := testing.AllocsPerRun(10, func() { contentLength(303) }); n != 0 {
		t.Errorf("contentLength of a cached length: %v allocations, want 0", n)
	}
}

// TestETag checks the strong validator's form.
func TestETag(t *testing.T) {
	for v, want := range map[int64]string{1: `"v1"`, 42: `"v42"`, 1234567890123: `"v1234567890123"`} {
		if got := etag(&Profile{Version: v}); got != want {
			t.Errorf("etag of version %d = %s, want %s", v, got, want)
		}
	}
}

// TestAccessLogLine checks that an access-log line written with the
// handler of its (method, route), those two attributes formatted once, is
// byte for byte the line of one record with all of its attributes, in text
// and in JSON, for a method that has such a handler and one that has not.
func TestAccessLogLine(t *testing.T) {
	at := time.Date(2026, 12, 4, 2, 30, 41, 114000000, time.UTC)
	for _, format := range []string{"text", "json"} {
		for _, method := range []string{"PUT", "GET", "BREW"} {
			var got, want bytes.Buffer
			newHandler := func(w io.Writer) slog.Handler {
				if format == "json" {
					return slog.NewJSONHandler(w, nil)
				}
				return slog.NewTextHandler(w, nil)
			}
			log := newAccessLog(slog.New(newHandler(&got)))
			rc := chi.NewRouteContext()
			rc.RoutePatterns = []string{"/v1/profiles/{ref}"}
			ri := &reqInfo{route: rc, id: "req_abcdefgh000001", key: &auth.APIKey{ID: "key_ptuP4qt4ZUPqRIGxTyw5"}}
			ri.ctx = reqContext{Context: context.Background(), ri: ri}
			r := httptest.NewRequest(method, "/v1/profiles/user_1", nil).WithContext(&ri.ctx)
			for range 2 { // the handler made, then kept
				logRequest(log, noMetrics{}, r, 200, at, 1234567*time.Nanosecond)
				rec := slog.NewRecord(at, slog.LevelInfo, "request", 0)
				rec.AddAttrs(slog.String("method", method), slog.String("route", "/v1/profiles/{ref}"),
					slog.Int("status", 200), slog.Duration("duration", 1234567*time.Nanosecond),
					slog.String("key_id", "key_ptuP4qt4ZUPqRIGxTyw5"), slog.String("request_id", "req_abcdefgh000001"))
				newHandler(&want).Handle(context.Background(), rec)
			}
			if got.String() != want.String() {
				t.Errorf("%s %s:\n%s\nwant\n%s", format, method, got.String(), want.String())
			}
		}
	}
}

// endless is a body that never ends, counting what is read of it.
type endless struct{ read int }

func (e *endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = ' '
	}
	e.read += len(p)
	return len(p), nil
}

// failing is a body that fails after a few bytes.
type failing struct{ done bool }

func (f *failing) Read(p []byte) (int, error) {
	if f.done {
		return 0, errors.New("connection reset")
	}
	f.done = true
	return copy(p, "{"), nil
}

// TestReadBodyBound checks readBody's bound of MaxBodyBytes, with and
// without a Content-Length: a body of exactly the limit is read whole, one
// byte more is a 413, an endless body is read no further than one byte past
// the limit, and a failing read is a 400 naming the body.
func TestReadBodyBound(t *testing.T) {
	for _, known := range []bool{true, false} {
		for _, c := range []struct {
			size int
			want error
		}{{0, nil}, {1, nil}, {MaxBodyBytes - 1, nil}, {MaxBodyBytes, nil}, {MaxBodyBytes + 1, errTooLarge}, {3 * MaxBodyBytes, errTooLarge}} {
			r := httptest.NewRequest("PUT", "/v1/profiles/x", bytes.NewReader(bytes.Repeat([]byte{' '}, c.size)))
			r.Header.Set("Content-Type", "application/json")
			if !known {
				r.ContentLength = -1 // chunked
			}
			var buf bytes.Buffer
			err := readBody(r, &buf)
			if err != c.want || err == nil && buf.Len() != c.size {
				t.Errorf("known length %v, %d bytes: %v after %d bytes, want %v", known, c.size, err, buf.Len(), c.want)
			}
		}
	}
	e := &endless{}
	r := httptest.NewRequest("PUT", "/v1/profiles/x", e)
	r.Header.Set("Content-Type", "application/json")
	var buf bytes.Buffer
	if err := readBody(r, &buf); err != errTooLarge || e.read != MaxBodyBytes+1 {
		t.Errorf("endless body: %v after reading %d bytes, want %v after %d", err, e.read, errTooLarge, MaxBodyBytes+1)
	}
	r = httptest.NewRequest("PUT", "/v1/profiles/x", &failing{})
	r.Header.Set("Content-Type", "application/json")
	buf.Reset()
	var ve *ValidationError
	if err := readBody(r, &buf); !errors.As(err, &ve) || ve.Field != "body" {
		t.Errorf("failing body: %v, want a validation error of the body", err)
	}
}
