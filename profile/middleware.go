package profile

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-chi/chi/v5"
	"golang.org/x/time/rate"

	"github.com/palja/palja/auth"
	"github.com/palja/palja/internal/random"
)

type ctxKey int

const ctxInfo ctxKey = 0

// reqInfo is what the middleware learns about a request: one allocation,
// made by [observe] and filled in by later steps. It holds the request's
// context too, so that the API's value and chi's route context cost no
// context.WithValue each.
type reqInfo struct {
	ctx reqContext
	statusWriter
	route    *chi.Context // chi's routing state, from observe's pool
	id       string
	idHeader [1]string    // X-Request-Id's value: id
	key      *auth.APIKey // the authenticated key, nil before authentication
}

// reqContext is the context of a request served by [observe]: the server's
// context of the request, with two values, the request's [reqInfo] and
// chi's route context.
type reqContext struct {
	context.Context
	ri *reqInfo
}

func (c *reqContext) Value(key any) any {
	switch key {
	case ctxInfo:
		return c.ri
	case chi.RouteCtxKey:
		return c.ri.route
	}
	return c.Context.Value(key)
}

func info(ctx context.Context) *reqInfo {
	if c, ok := ctx.(*reqContext); ok {
		return c.ri // the request's own context, as handlers pass it
	}
	ri, _ := ctx.Value(ctxInfo).(*reqInfo)
	return ri
}

// requestID returns the id given to the request by [observe].
func requestID(ctx context.Context) string {
	if ri := info(ctx); ri != nil {
		return ri.id
	}
	return ""
}

// callerKey returns the authenticated key of the request.
func callerKey(ctx context.Context) *auth.APIKey {
	if ri := info(ctx); ri != nil {
		return ri.key
	}
	return nil
}

// setCallerKey records the authenticated key of r in its [reqInfo], in
// place: it is the [auth.Config.Authenticated] of the API.
func setCallerKey(r *http.Request, k *auth.APIKey) {
	if ri := info(r.Context()); ri != nil {
		ri.key = k
	}
}

// Request ids are "req_", a random per-process prefix and a base62 counter:
// unique across restarts (the prefix) and cheap (no random read per
// request). They say how many requests the process has served, nothing more.
var (
	reqPrefix  = "req_" + random.Base62(8)
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
		tmp[i] = random.Alphabet[v%62]
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
//
// It wraps mux rather than being one of its middlewares: it sets up chi's
// route context itself (from a pool, as chi does, and given back once the
// request is logged), in the one context value of the request (see
// [reqContext]), which chi's router then uses as its own.
func observe(logger *slog.Logger, metrics Metrics, mux *chi.Mux) http.Handler {
	log := newAccessLog(logger)
	routes := sync.Pool{New: func() any { return chi.NewRouteContext() }}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rc := routes.Get().(*chi.Context)
		rc.Reset()
		rc.Routes = mux
		ri := &reqInfo{statusWriter: statusWriter{ResponseWriter: w}, route: rc, id: newRequestID()}
		ri.ctx = reqContext{Context: r.Context(), ri: ri}
		ri.idHeader[0] = ri.id
		w.Header()["X-Request-Id"] = ri.idHeader[:]
		sw := &ri.statusWriter
		r = r.WithContext(&ri.ctx)
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				logger.LogAttrs(r.Context(), slog.LevelError, "panic",
					slog.String("request_id", ri.id), slog.String("method", r.Method),
					slog.String("panic", panicType(v)), slog.String("stack", stack()))
				if sw.status == 0 {
					writeAPIError(sw, r, errInternal)
				}
			}
			end := time.Now()
			logRequest(log, metrics, r, sw.status, end, end.Sub(start))
			routes.Put(rc)
		}()
		mux.ServeHTTP(sw, r)
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
	if rc := chi.RouteContext(r.Context()); rc != nil {
		if p := rc.RoutePattern(); p != "" {
			return p
		}
	}
	return "unmatched"
}

// Requests without a valid key answered 4xx (a 404 outside /v1, a 401, a
// 405) cost an attacker nothing: their access-log lines are limited to
// noiseBurst at once, then noiseRate a second, so that a flood cannot fill
// the disk with log. The next line logged says how many were left out
// ("suppressed"); the metrics count every request.
const (
	noiseRate  = 10
	noiseBurst = 100
)

// lineLimiter is a token bucket of log lines (x/time/rate, as the API
// keys' buckets), counting the lines it refuses.
type lineLimiter struct {
	lim        *rate.Limiter
	suppressed atomic.Int64
}

func newLineLimiter(perSecond float64, burst int) *lineLimiter {
	return &lineLimiter{lim: rate.NewLimiter(rate.Limit(perSecond), burst)}
}

// allow takes a token; it returns false (and counts the line) with none
// left, or true and how many lines were left out since the last one.
func (l *lineLimiter) allow(now time.Time) (bool, int64) {
	if !l.lim.AllowN(now, 1) {
		l.suppressed.Add(1)
		return false, 0
	}
	return true, l.suppressed.Swap(0)
}

// accessLog writes the access-log lines. The handler of each (method,
// route) line is the logger's with those two attributes (the first of the
// line) formatted once by WithAttrs, so that a line formats the rest only:
// the same bytes, for a fifth less work.
type accessLog struct {
	logger *slog.Logger
	noise  *lineLimiter
	// handlers is never changed once published: a new (method, route)
	// copies it under mu. Only the methods of knownMethods are kept (a
	// client chooses the method), and [accessLog.handler] makes at most
	// maxLineHandlers.
	mu       sync.Mutex
	handlers atomic.Pointer[map[lineKey]slog.Handler]
}

type lineKey struct{ method, route string }

// maxLineHandlers bounds the handlers kept: a few methods for each of the
// API's routes is a few dozen.
const maxLineHandlers = 256

func newAccessLog(logger *slog.Logger) *accessLog {
	a := &accessLog{logger: logger, noise: newLineLimiter(noiseRate, noiseBurst)}
	a.handlers.Store(&map[lineKey]slog.Handler{})
	return a
}

// handler returns the handler of the lines of (method, route), with those
// two attributes, or nil for a method it does not keep.
func (a *accessLog) handler(method, route string) slog.Handler {
	k := lineKey{method, route}
	if h := (*a.handlers.Load())[k]; h != nil {
		return h
	}
	if !knownMethod(method) {
		return nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	old := *a.handlers.Load()
	if h := old[k]; h != nil {
		return h
	}
	if len(old) >= maxLineHandlers {
		return nil
	}
	h := a.logger.Handler().WithAttrs([]slog.Attr{slog.String("method", method), slog.String("route", route)})
	handlers := make(map[lineKey]slog.Handler, len(old)+1)
	maps.Copy(handlers, old)
	handlers[k] = h
	a.handlers.Store(&handlers)
	return h
}

// knownMethod reports whether m is one of the methods of HTTP that clients
// send.
func knownMethod(m string) bool {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodOptions, http.MethodPatch:
		return true
	}
	return false
}

// logRequest writes the access-log line and the request metrics of a
// request answered at now, after d.
func logRequest(log *accessLog, metrics Metrics, r *http.Request, status int, now time.Time, d time.Duration) {
	route := routePattern(r)
	if status == 0 {
		status = http.StatusOK
	}
	metrics.Request(r.Method, route, status, d)
	level := slog.LevelInfo
	switch {
	case status == http.StatusTooManyRequests:
		// A flood of 429s is what a load test produces; they are counted in
		// the metrics and logged only at debug level.
		level = slog.LevelDebug
	case route == "/metrics" || route == "/healthz" || route == "/readyz":
		level = slog.LevelDebug // probes and scrapes, every few seconds
	}
	if !log.logger.Enabled(r.Context(), level) {
		return
	}
	keyID := ""
	if k := callerKey(r.Context()); k != nil {
		keyID = k.ID
	}
	var suppressed int64
	if keyID == "" && status >= 400 && status < 500 && level >= slog.LevelInfo {
		var ok bool
		if ok, suppressed = log.noise.allow(now); !ok {
			return
		}
	}
	// The record is handed to the handler as Logger.LogAttrs would, but
	// without the program counter of the call, which only AddSource uses
	// (palja's handlers have none) and which costs a runtime.Callers: a
	// sixth of the line.
	rec := slog.NewRecord(now, level, "request", 0)
	h := log.handler(r.Method, route)
	if h == nil {
		h = log.logger.Handler()
		rec.AddAttrs(slog.String("method", r.Method), slog.String("route", route))
	}
	rec.AddAttrs(
		slog.Int("status", status), slog.Duration("duration", d),
		slog.String("key_id", keyID), slog.String("request_id", requestID(r.Context())),
	)
	if suppressed > 0 {
		rec.AddAttrs(slog.Int64("suppressed", suppressed))
	}
	h.Handle(r.Context(), rec)
}
