package profile

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/palja/palja/auth"
)

// Config tunes the HTTP API. The zero value of each field means its default.
type Config struct {
	// Rate and Burst are the token bucket of a key created without limits
	// of its own (default 10/s, burst 20).
	Rate  float64
	Burst int
	// AuthFailRate and AuthFailBurst limit failed authentications per client
	// address (default 1/s, burst 20).
	AuthFailRate  float64
	AuthFailBurst int
	// Limiter keeps the keys' token buckets; nil means [auth.Memory], in
	// this process.
	Limiter auth.Limiter
	// Ready reports whether the service can serve (database reachable);
	// /readyz answers 503, "database":"unreachable", while it returns an
	// error. Nil: always ready.
	Ready func(context.Context) error
	// RateLimit names, for /readyz's "rate_limit", where the keys' buckets
	// are kept right now: "redis" (shared by every instance), "fallback"
	// (Redis configured but unreachable: per-instance buckets). It never
	// makes the service unready: an instance in fallback serves. Nil means
	// "memory" (no Redis configured: buckets in this process).
	RateLimit func(context.Context) string
	// Metrics receives request, rate-limit, recompute and error counts.
	// Nil: none are recorded.
	Metrics Metrics
	// Now is the clock; nil means time.Now. Tests pass a fake clock.
	Now func() time.Time
	// Extra, when set, is mounted by the router before the API routes, for
	// endpoints the domain does not own (/metrics, /openapi.json, the
	// playground page). It receives the router.
	Extra func(chi.Router)
	// Middleware wraps every route (for example CORS).
	Middleware []func(http.Handler) http.Handler
}

// Metrics is what the API reports for monitoring. Implementations must be
// safe for concurrent use and cheap: they sit on every request.
type Metrics interface {
	Request(method, route string, status int, d time.Duration)
	RateLimited()
	Recompute()
	DBError()
}

type noMetrics struct{}

func (noMetrics) Request(string, string, int, time.Duration) {}
func (noMetrics) RateLimited()                               {}
func (noMetrics) Recompute()                                 {}
func (noMetrics) DBError()                                   {}

// NewHandler returns the HTTP API of palja: the routes of API.md on a chi
// router with request ids, panic recovery and access logs, and
// authentication and per-key rate limiting by package auth, keys looked up
// in keys.
func NewHandler(logger *slog.Logger, store Store, keys auth.KeyStore, cfg Config) http.Handler {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Metrics == nil {
		cfg.Metrics = noMetrics{}
	}
	if cfg.Ready == nil {
		cfg.Ready = func(context.Context) error { return nil }
	}
	if cfg.RateLimit == nil {
		cfg.RateLimit = func(context.Context) string { return "memory" }
	}
	authenticate := auth.Authenticate(keys, auth.Config{
		Rate:          cfg.Rate,
		Burst:         cfg.Burst,
		AuthFailRate:  cfg.AuthFailRate,
		AuthFailBurst: cfg.AuthFailBurst,
		Limiter:       cfg.Limiter,
		Now:           cfg.Now,
		WriteError:    errorWriter{logger, cfg.Metrics}.writeError,
		Authenticated: setCallerKey,
		RateLimited:   cfg.Metrics.RateLimited,
	})
	return routes(logger, store, authenticate, cfg)
}
