package profile

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
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
	// Ready reports whether the service can serve (database reachable);
	// /readyz answers 503 while it returns an error. Nil: always ready.
	Ready func(context.Context) error
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

// api holds what the handlers share.
type api struct {
	logger  *slog.Logger
	store   Store
	keys    *keyCache
	addrs   *addrLimiter
	metrics Metrics
	now     func() time.Time
	ready   func(context.Context) error
}

// NewHandler returns the HTTP API of palja: the routes of API.md on a chi
// router with request ids, panic recovery, access logs, authentication and
// per-key rate limiting.
func NewHandler(logger *slog.Logger, store Store, keys KeyStore, cfg Config) http.Handler {
	if cfg.Rate <= 0 {
		cfg.Rate = 10
	}
	if cfg.Burst <= 0 {
		cfg.Burst = 20
	}
	if cfg.AuthFailRate <= 0 {
		cfg.AuthFailRate = 1
	}
	if cfg.AuthFailBurst <= 0 {
		cfg.AuthFailBurst = 20
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Metrics == nil {
		cfg.Metrics = noMetrics{}
	}
	if cfg.Ready == nil {
		cfg.Ready = func(context.Context) error { return nil }
	}
	a := &api{
		logger:  logger,
		store:   store,
		keys:    newKeyCache(keys, cfg.Rate, cfg.Burst, cfg.Now),
		addrs:   newAddrLimiter(cfg.AuthFailRate, cfg.AuthFailBurst),
		metrics: cfg.Metrics,
		now:     cfg.Now,
		ready:   cfg.Ready,
	}
	return a.routes(cfg)
}
