package profile

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/palja/palja/auth"
)

// MaxBodyBytes is the largest request body accepted (413 above it).
const MaxBodyBytes = 64 << 10

const (
	defaultListLimit = 20
	maxListLimit     = 100
)

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func getBuf() *bytes.Buffer {
	b := bufPool.Get().(*bytes.Buffer)
	b.Reset()
	return b
}

func putBuf(b *bytes.Buffer) {
	if b.Cap() <= 2*MaxBodyBytes {
		bufPool.Put(b)
	}
}

// readBody checks the media type and reads at most MaxBodyBytes of the body
// into buf.
func readBody(r *http.Request, buf *bytes.Buffer) error {
	var ct string
	if v := r.Header["Content-Type"]; len(v) > 0 { // Header.Get, without canonicalizing the key
		ct = v[0]
	}
	if !isJSON(ct) {
		return errMediaType
	}
	for _, ce := range r.Header["Content-Encoding"] {
		if !strings.EqualFold(strings.TrimSpace(ce), "identity") {
			return errEncoding
		}
	}
	if r.ContentLength > MaxBodyBytes {
		return errTooLarge
	}
	if r.Body == nil {
		return nil
	}
	// What http.MaxBytesReader does, without allocating one: read until
	// EOF, and no more than one byte past the limit.
	for {
		if buf.Available() == 0 {
			buf.Grow(512)
		}
		p := buf.AvailableBuffer()
		p = p[:min(cap(p), MaxBodyBytes+1-buf.Len())]
		n, err := r.Body.Read(p)
		buf.Write(p[:n])
		if buf.Len() > MaxBodyBytes {
			return errTooLarge
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return Invalid("body", "could not read the request body")
		}
	}
}

// isJSON accepts application/json with or without parameters; a charset,
// if given, must be UTF-8 (RFC 8259 8.1: JSON is UTF-8).
func isJSON(ct string) bool {
	if ct == "application/json" {
		return true // the common case, without parsing
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil || mt != "application/json" {
		return false
	}
	cs, ok := params["charset"]
	return !ok || strings.EqualFold(cs, "utf-8") || strings.EqualFold(cs, "utf8") || strings.EqualFold(cs, "us-ascii") // ASCII is UTF-8
}

// decodeBody reads and decodes a create or update body.
func decodeBody(w http.ResponseWriter, r *http.Request) (*Patch, error) {
	buf := getBuf()
	defer putBuf(buf)
	if err := readBody(r, buf); err != nil {
		return nil, err
	}
	return DecodePatch(buf.Bytes())
}

// ref returns the {ref} path parameter, or false when it cannot name a
// profile (answered 404 like any missing profile).
//
// chi matches on r.URL.RawPath when the client escaped the path in a way
// that differs from Go's default (for example "a%3Bb" for the external_id
// "a;b", as encodeURIComponent writes it), and its parameters are then
// still escaped: they are unescaped here, so that every spelling of a ref
// names the same profile.
func ref(r *http.Request) (string, bool) {
	ref := chi.URLParam(r, "ref")
	if r.URL.RawPath != "" {
		var err error
		if ref, err = url.PathUnescape(ref); err != nil {
			return "", false
		}
	}
	return ref, ValidRef(ref)
}

// idempotencyOf reads the Idempotency-Key header: 1–255 printable ASCII.
func idempotencyOf(r *http.Request) (*Idempotency, error) {
	v, ok := r.Header["Idempotency-Key"]
	if !ok {
		return nil, nil
	}
	const param = "Idempotency-Key"
	if len(v) != 1 || len(v[0]) < 1 || len(v[0]) > 255 {
		return nil, Invalid(param, "Idempotency-Key must be 1 to 255 printable ASCII characters")
	}
	for i := 0; i < len(v[0]); i++ {
		if c := v[0][i]; c < ' ' || c > '~' {
			return nil, Invalid(param, "Idempotency-Key must be 1 to 255 printable ASCII characters")
		}
	}
	return &Idempotency{Key: v[0]}, nil
}

// ifMatchOf reads If-Match (RFC 9110 13.1.1): absent (nil, nil), "*", or a
// list of entity tags. Repeated header lines are one list (RFC 9110 5.3).
// An empty header, a list with no tag, "*" beside tags and anything that is
// not an entity tag are a 400 validation_error naming If-Match: a client
// whose ETag variable is empty must not lose the protection silently.
func ifMatchOf(r *http.Request) ([]string, error) {
	lines, ok := r.Header["If-Match"]
	if !ok {
		return nil, nil
	}
	const param = "If-Match"
	malformed := Invalid(param, `If-Match must be "*" or a list of entity tags in double quotes, such as "v3"`)
	var tags []string
	for _, line := range lines {
		for i := 0; i < len(line); {
			switch c := line[i]; {
			case c == ' ' || c == '\t' || c == ',': // empty list elements are allowed (RFC 9110 5.6.1)
				i++
				continue
			case c == '*':
				tags = append(tags, "*")
				i++
			default:
				n := entityTagLen(line[i:])
				if n == 0 {
					return nil, malformed
				}
				tags = append(tags, line[i:i+n])
				i += n
			}
			for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
				i++
			}
			if i < len(line) && line[i] != ',' {
				return nil, malformed
			}
		}
	}
	if len(tags) == 0 {
		return nil, Invalid(param, `If-Match is empty: send the profile's ETag (such as "v3") or "*", or leave the header out`)
	}
	if len(tags) > 1 && slices.Contains(tags, "*") {
		return nil, Invalid(param, `If-Match must be "*" alone or a list of entity tags`)
	}
	return tags, nil
}

// entityTagLen returns the length of the entity-tag of RFC 9110 8.8.3 at
// the start of s, or 0: an optional W/ and a quoted string of etagc
// (%x21 / %x23-7E; obs-text, which palja's tags never hold, is refused, as
// docs/openapi.json says).
func entityTagLen(s string) int {
	i := 0
	if strings.HasPrefix(s, "W/") {
		i = 2
	}
	if i >= len(s) || s[i] != '"' {
		return 0
	}
	for i++; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"':
			return i + 1
		case c < 0x21 || c > 0x7e:
			return 0
		}
	}
	return 0
}

// matches reports whether one of tags (from [ifMatchOf]) holds for the
// current ETag: "*", or the same strong tag (a weak tag never matches).
func matches(tags []string, current string) bool {
	for _, t := range tags {
		if t == "*" || t == current {
			return true
		}
	}
	return false
}

// unknownQuery returns a validation error naming the first query parameter
// of r that is not one of known, or nil: nothing is silently ignored.
//
// A query string that cannot be read (url.Query would drop its bad pairs
// silently) or a parameter without a name is an error too. A name that looks
// like an API key is not echoed.
func unknownQuery(r *http.Request, known ...string) error {
	if r.URL.RawQuery == "" {
		return nil
	}
	if _, err := url.ParseQuery(r.URL.RawQuery); err != nil {
		return Invalid("query", "the query string is malformed")
	}
	// In the order of the query string (a map's order is random): the
	// error names the first unknown parameter, every time.
	for pair := range strings.SplitSeq(r.URL.RawQuery, "&") {
		k, _, _ := strings.Cut(pair, "=")
		k, _ = url.QueryUnescape(k) // ParseQuery above has checked every escape
		if pair == "" {
			continue
		}
		switch {
		case k == "":
			return Invalid("query", "the query string has a parameter without a name")
		case strings.HasPrefix(k, auth.KeyPrefix):
			return Invalid("query", "unknown query parameter (an API key? send it in X-API-Key, never in the URL)")
		case !slices.Contains(known, k):
			name := reportKey([]byte(k))
			return Invalid(name, "unknown query parameter "+name)
		}
	}
	return nil
}

// noQuery refuses requests that carry query parameters, for the endpoints
// that take none.
func noQuery(logger *slog.Logger, metrics Metrics) func(http.Handler) http.Handler {
	ew := errorWriter{logger, metrics}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if err := unknownQuery(r); err != nil {
				ew.writeError(w, r, err)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// getProfile loads the profile named by {ref} in the caller's account,
// answering the error itself when there is none.
func getProfile(w http.ResponseWriter, r *http.Request, ew errorWriter, store Store) (*Profile, bool) {
	ref, ok := ref(r)
	if !ok {
		writeAPIError(w, r, errNotFound)
		return nil, false
	}
	p, err := store.Get(r.Context(), callerKey(r.Context()).AccountID, ref)
	if err != nil {
		ew.writeError(w, r, err)
		return nil, false
	}
	return p, true
}

// handleCreateProfile is POST /v1/profiles: a new profile from the body,
// once per Idempotency-Key.
func handleCreateProfile(logger *slog.Logger, store Store, metrics Metrics, now func() time.Time) http.Handler {
	ew := errorWriter{logger, metrics}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		k := callerKey(r.Context())
		idem, err := idempotencyOf(r)
		if err != nil {
			ew.writeError(w, r, err)
			return
		}
		patch, err := decodeBody(w, r)
		if err != nil {
			ew.writeError(w, r, err)
			return
		}
		p, err := New(k.AccountID, patch, now())
		if err != nil {
			ew.writeError(w, r, err)
			return
		}
		if idem != nil {
			idem.Fingerprint = patch.fingerprint()
		}
		stored, replayed, err := store.Create(r.Context(), p, idem)
		if err != nil {
			ew.writeError(w, r, err)
			return
		}
		if replayed {
			w.Header()["Idempotent-Replayed"] = []string{"true"}
		} else {
			metrics.Recompute()
		}
		w.Header()["Location"] = []string{"/v1/profiles/" + stored.ID}
		respondProfile(w, http.StatusCreated, stored)
	})
}

// handleGetProfile is GET /v1/profiles/{ref}.
func handleGetProfile(logger *slog.Logger, store Store, metrics Metrics) http.Handler {
	ew := errorWriter{logger, metrics}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p, ok := getProfile(w, r, ew, store); ok {
			respondProfile(w, http.StatusOK, p)
		}
	})
}

// handlePutProfile is PUT /v1/profiles/{ref}: the body merged into the
// stored profile in one transaction, if If-Match (when given) still holds.
func handlePutProfile(logger *slog.Logger, store Store, metrics Metrics) http.Handler {
	ew := errorWriter{logger, metrics}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ref, ok := ref(r)
		patch, err := decodeBody(w, r)
		if err != nil {
			ew.writeError(w, r, err)
			return
		}
		if !ok {
			writeAPIError(w, r, errNotFound)
			return
		}
		ifMatch, err := ifMatchOf(r)
		if err != nil {
			ew.writeError(w, r, err)
			return
		}
		var recomputed bool
		p, err := store.Update(r.Context(), callerKey(r.Context()).AccountID, ref, func(p *Profile) error {
			if ifMatch != nil && !matches(ifMatch, etag(p)) {
				return ErrPreconditionFailed
			}
			var err error
			recomputed, err = p.Merge(patch)
			return err
		})
		if err != nil {
			ew.writeError(w, r, err)
			return
		}
		if recomputed {
			metrics.Recompute()
		}
		respondProfile(w, http.StatusOK, p)
	})
}

// handleDeleteProfile is DELETE /v1/profiles/{ref}, if If-Match (when
// given) still holds.
func handleDeleteProfile(logger *slog.Logger, store Store, metrics Metrics) http.Handler {
	ew := errorWriter{logger, metrics}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ref, ok := ref(r)
		if !ok {
			writeAPIError(w, r, errNotFound)
			return
		}
		ifMatch, err := ifMatchOf(r)
		if err != nil {
			ew.writeError(w, r, err)
			return
		}
		var precondition func(int64) error
		if ifMatch != nil {
			precondition = func(version int64) error {
				if !matches(ifMatch, etag(&Profile{Version: version})) {
					return ErrPreconditionFailed
				}
				return nil
			}
		}
		if err := store.Delete(r.Context(), callerKey(r.Context()).AccountID, ref, precondition); err != nil {
			ew.writeError(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

// handleGetSaju is GET /v1/profiles/{ref}/saju: the stored chart and the
// data derived from it, computed on read (see [Profile.derived]).
func handleGetSaju(logger *slog.Logger, store Store, metrics Metrics) http.Handler {
	ew := errorWriter{logger, metrics}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok := getProfile(w, r, ew, store)
		if !ok {
			return
		}
		d, err := p.derived()
		if err != nil {
			// A stored profile always has derived data: this is a
			// damaged row, answered 500 (the error names no value).
			ew.writeError(w, r, fmt.Errorf("derive the chart of a stored profile: %w", err))
			return
		}
		respondSaju(w, p, &d)
	})
}

// handleListProfiles is GET /v1/profiles: a page of the account's
// profiles, newest first.
func handleListProfiles(logger *slog.Logger, store Store, metrics Metrics) http.Handler {
	ew := errorWriter{logger, metrics}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := unknownQuery(r, "limit", "starting_after"); err != nil {
			ew.writeError(w, r, err)
			return
		}
		q := r.URL.Query()
		limit := defaultListLimit
		if v, ok := q["limit"]; ok {
			n, err := strconv.Atoi(v[0])
			if len(v) != 1 || err != nil || n < 1 || n > maxListLimit || v[0] != strconv.Itoa(n) {
				ew.writeError(w, r, Invalid("limit", "limit must be an integer between 1 and 100"))
				return
			}
			limit = n
		}
		after := ""
		if v, ok := q["starting_after"]; ok {
			if len(v) != 1 || !IsID(v[0]) {
				ew.writeError(w, r, Invalid("starting_after", "starting_after must be a profile id"))
				return
			}
			after = v[0]
		}
		ps, more, err := store.List(r.Context(), callerKey(r.Context()).AccountID, limit, after)
		if errors.Is(err, ErrNotFound) {
			err = Invalid("starting_after", "starting_after names no profile of this account")
		}
		if err != nil {
			ew.writeError(w, r, err)
			return
		}
		respondList(w, ps, more)
	})
}

// handleHealth is GET /healthz: the process serves.
func handleHealth() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, []byte(`{"status":"ok"}`+"\n"))
	})
}

// handleReady is GET /readyz: the state of each dependency,
//
//	{"status":"ok","database":"ok","rate_limit":"redis"}
//
// with status and database "unavailable"/"unreachable" and the code 503
// while ready reports an error (the database does not answer, or a probe
// write cannot commit), and rate_limit as rateLimit names it ("redis",
// "fallback", "memory"). A fallback leaves the instance ready: it serves,
// with per-instance limits. The two checks run at once, so that a slow one
// does not add to the other. The "not ready" warning is written at most
// once a second (with the count of those left out): /readyz needs no key,
// so a flood of it must not flood the log.
func handleReady(logger *slog.Logger, ready func(context.Context) error, rateLimit func(context.Context) string) http.Handler {
	lines := newLineLimiter(1, 1)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rl := make(chan string, 1)
		go func() { rl <- rateLimit(r.Context()) }()
		err := ready(r.Context())
		limits := <-rl
		if err != nil {
			if ok, suppressed := lines.allow(time.Now()); ok {
				logger.Warn("not ready", "error", err.Error(), "suppressed", suppressed)
			}
			writeJSON(w, http.StatusServiceUnavailable, readyBody("unavailable", "unreachable", limits))
			return
		}
		writeJSON(w, http.StatusOK, readyBody("ok", "ok", limits))
	})
}

// readyBody is the JSON of /readyz (every value is one of a few fixed
// words, quoted as they are).
func readyBody(status, database, rateLimit string) []byte {
	return []byte(`{"status":"` + status + `","database":"` + database + `","rate_limit":"` + rateLimit + `"}` + "\n")
}
