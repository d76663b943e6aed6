package profile

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/go-chi/chi/v5"
)

type ctxKey int

const ctxInfo ctxKey = 0

// reqInfo is what the middleware learns about a request: one allocation,
// set once in the context by [api.observe] and filled in by later steps.
type reqInfo struct {
	statusWriter
	id  string
	key *APIKey // the authenticated key, nil before authenticate
}

func info(ctx context.Context) *reqInfo {
	ri, _ := ctx.Value(ctxInfo).(*reqInfo)
	return ri
}

// requestID returns the id given to the request by [api.observe].
func requestID(ctx context.Context) string {
	if ri := info(ctx); ri != nil {
		return ri.id
	}
	return ""
}

// callerKey returns the authenticated key of the request.
func callerKey(ctx context.Context) *APIKey {
	if ri := info(ctx); ri != nil {
		return ri.key
	}
	return nil
}

// Request ids are "req_", a random per-process prefix and a base62 counter:
// unique across restarts (the prefix) and cheap (no random read per
// request). They say how many requests the process has served, nothing more.
var (
	reqPrefix  = "req_" + RandomBase62(8)
	reqCounter atomic.Uint64
)

func newRequestID() string {
	var b [32]byte
	n := copy(b[:], reqPrefix)
	v := reqCounter.Add(1)
	var tmp [11]byte
	i := len(tmp)
	for {
		i--
		tmp[i] = base62[v%62]
		v /= 62
		if v == 0 {
			break
		}
	}
	for ; len(tmp)-i < 6; i-- { // pad to at least 6 digits
		tmp[i-1] = '0'
	}
	n += copy(b[n:], tmp[i:])
	return string(b[:n])
}

// statusWriter records the status of a response for the access log.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// observe gives every request an id (X-Request-Id), turns a panic into
// 500 api_error, and writes one access-log line and the request metrics.
// The log line holds method, route pattern, status, duration, key id and
// request id: never a body, a path parameter or a header value.
func (a *api) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ri := &reqInfo{statusWriter: statusWriter{ResponseWriter: w}, id: newRequestID()}
		id := ri.id
		w.Header()["X-Request-Id"] = []string{id}
		ctx := context.WithValue(r.Context(), ctxInfo, ri)
		sw := &ri.statusWriter
		r = r.WithContext(ctx)
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				a.logger.LogAttrs(ctx, slog.LevelError, "panic",
					slog.String("request_id", id), slog.String("method", r.Method),
					slog.String("panic", panicType(v)), slog.String("stack", stack()))
				if sw.status == 0 {
					writeAPIError(sw, r, errInternal)
				}
			}
			a.logRequest(r, sw.status, time.Since(start))
		}()
		next.ServeHTTP(sw, r)
	})
}

// stack lists the functions and lines of the panicking goroutine, without
// debug.Stack's argument words, which could hold personal data.
func stack() string {
	pcs := make([]uintptr, 32)
	n := runtime.Callers(3, pcs)
	frames := runtime.CallersFrames(pcs[:n])
	var b strings.Builder
	for {
		f, more := frames.Next()
		b.WriteString(f.Function)
		b.WriteByte(' ')
		b.WriteString(f.File)
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(f.Line))
		if !more {
			break
		}
		b.WriteString("; ")
	}
	return b.String()
}

// panicType describes a panic value without its contents, which could hold
// personal data.
func panicType(v any) string {
	switch e := v.(type) {
	case error:
		return "error of type " + typeName(e)
	case string:
		return "string panic"
	default:
		return "value of type " + typeName(v)
	}
}

func typeName(v any) string { return fmt.Sprintf("%T", v) }

// routePattern is the chi route of the request ("/v1/profiles/{ref}"): safe
// to log, unlike the path, which holds a customer's external_id.
func routePattern(r *http.Request) string {
	if rc := chi.RouteContext(r.Context()); rc != nil && rc.RoutePattern() != "" {
		return rc.RoutePattern()
	}
	return "unmatched"
}

func (a *api) logRequest(r *http.Request, status int, d time.Duration) {
	route := routePattern(r)
	if status == 0 {
		status = http.StatusOK
	}
	a.metrics.Request(r.Method, route, status, d)
	level := slog.LevelInfo
	switch {
	case status == http.StatusTooManyRequests:
		// A flood of 429s is what a load test produces; they are counted in
		// the metrics and logged only at debug level.
		level = slog.LevelDebug
	case route == "/metrics" || route == "/healthz" || route == "/readyz":
		level = slog.LevelDebug // probes and scrapes, every few seconds
	}
	if !a.logger.Enabled(r.Context(), level) {
		return
	}
	keyID := ""
	if k := callerKey(r.Context()); k != nil {
		keyID = k.ID
	}
	a.logger.LogAttrs(r.Context(), level, "request",
		slog.String("method", r.Method), slog.String("route", route),
		slog.Int("status", status), slog.Duration("duration", d),
		slog.String("key_id", keyID), slog.String("request_id", requestID(r.Context())))
}

// authenticate resolves X-API-Key to a key and applies its rate limit. A
// request over the limit is answered 429 here, before any other work.
func (a *api) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		now := a.now()
		var secret string
		if v := r.Header["X-Api-Key"]; len(v) == 1 { // two keys: which one? neither
			secret = v[0]
		}
		if !WellFormedKey(secret) {
			// A failed attempt: it takes a token of the address's budget.
			if _, wait, ok := a.addrs.attempt(clientAddr(r), now); !ok {
				a.rateLimited(w, r, limitState{retry: max(1, ceilSeconds(wait.Seconds()))})
				return
			}
			writeAPIError(w, r, errNoKey)
			return
		}
		hash := HashAPIKey(secret)
		e := a.keys.get(&hash)
		if e == nil {
			// An unknown key may be a guess: it needs a token of the
			// address's budget, given back if the key is valid.
			release, wait, ok := a.addrs.attempt(clientAddr(r), now)
			if !ok {
				a.rateLimited(w, r, limitState{retry: max(1, ceilSeconds(wait.Seconds()))})
				return
			}
			var err error
			if e, err = a.keys.load(r.Context(), &hash, now, keyRefresh); err != nil {
				if !isUnauthorized(err) {
					release(now) // the server failed, not the client
				}
				a.writeError(w, r, err)
				return
			}
			release(now)
		} else if age := a.keys.age(e, now); age > keyMaxAge {
			// Not checked for too long (idle, or the store failing). Over
			// its limit the request is refused whatever the store says,
			// without waiting for it (a 429 never touches the database)
			// and the check runs in the background; otherwise the request
			// waits for the store rather than trusting the cache.
			if e.lim.TokensAt(now) < 1 {
				a.keys.refresh(e, hash, now)
			} else {
				var err error
				if e, err = a.keys.load(r.Context(), &hash, now, keyMaxAge); err != nil {
					a.writeError(w, r, err)
					return
				}
			}
		} else if age > keyRefresh {
			a.keys.refresh(e, hash, now)
		}
		e.lastSeen.Store(a.keys.stamp(now))
		ok, st := take(e.lim, now)
		h := w.Header()
		h["Ratelimit-Limit"] = intHeader(st.limit)
		h["Ratelimit-Remaining"] = intHeader(st.remaining)
		h["Ratelimit-Reset"] = intHeader(st.reset)
		if ri := info(r.Context()); ri != nil {
			ri.key = e.key.Load()
		}
		if !ok {
			a.rateLimited(w, r, st)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (a *api) rateLimited(w http.ResponseWriter, r *http.Request, st limitState) {
	a.metrics.RateLimited()
	w.Header()["Retry-After"] = intHeader(st.retry)
	writeAPIError(w, r, errRateLimited)
}

var errRateLimited = &apiError{http.StatusTooManyRequests, typeRateLimited, "rate limit exceeded; retry after the number of seconds in Retry-After", ""}

func isUnauthorized(err error) bool { return errors.Is(err, ErrUnauthorized) }

// clientAddr is the client's address for the failed-authentication limit:
// the TCP peer's IPv4 address, or its IPv6 /64 (one host usually has a whole
// /64 to draw addresses from). palja does not trust X-Forwarded-For: behind a
// proxy, every client shares the proxy's budget of failed authentications.
func clientAddr(r *http.Request) string {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	a := ap.Addr().Unmap()
	if a.Is4() {
		return a.String()
	}
	p, err := a.Prefix(64)
	if err != nil {
		return a.String()
	}
	return p.String()
}
