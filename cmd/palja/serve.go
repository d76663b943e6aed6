package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"time"

	"github.com/palja/palja/auth"
	"github.com/palja/palja/auth/redislimit"
	"github.com/palja/palja/internal/httpserver"
	"github.com/palja/palja/profile"
)

const serveUsage = `usage: palja serve [flags]

Runs the HTTP API until SIGINT or SIGTERM, then lets in-flight requests
finish. Flags win over the PALJA_* environment variables; a bad value in
the environment is an error only when its flag is not given.
`

// runServe runs the HTTP API until ctx is done, then lets in-flight requests
// finish (up to --shutdown-timeout) and returns nil.
func runServe(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	fs := newFlagSet("serve", serveUsage, stderr)
	var d dbFlags
	d.register(fs, getenv)
	env := newEnvDefaults(getenv)
	addr := fs.String("addr", envOr(getenv, "PALJA_ADDR", "127.0.0.1:8080"), "listen address (env PALJA_ADDR)")
	rate := fs.Float64("rate", env.float("rate", "PALJA_RATE", 10), "requests per second per API key without limits of its own (env PALJA_RATE)")
	burst := fs.Int("burst", env.int("burst", "PALJA_BURST", 20), "burst per API key without limits of its own (env PALJA_BURST)")
	redisURL := fs.String("redis-url", getenv("PALJA_REDIS_URL"), "Redis URL, redis://host:port/db or unix:///path/redis.sock: one rate-limit bucket per key shared by every instance (env PALJA_REDIS_URL)")
	cors := fs.String("cors-origins", getenv("PALJA_CORS_ORIGINS"), "allowed browser origins: * or a comma list of scheme://host[:port] (env PALJA_CORS_ORIGINS)")
	grace := fs.Duration("shutdown-timeout", 15*time.Second, "how long in-flight requests may take to finish on SIGINT/SIGTERM")
	readHeader := fs.Duration("read-header-timeout", httpserver.ReadHeaderTimeout, "how long a client may take to send the request headers (slow-loris guard)")
	idle := fs.Duration("idle-timeout", httpserver.IdleTimeout, "how long a keep-alive connection may stay idle between requests")
	maxHeader := fs.Int("max-header-bytes", httpserver.MaxHeaderBytes, "largest request line and headers accepted, in bytes (larger: 431)")
	maxConns := fs.Int("max-conns", 1024, "connections open at once (also capped by the file descriptor limit)")
	failRate := fs.Float64("auth-fail-rate", 1, "failed authentications per second per client address, after the burst")
	failBurst := fs.Int("auth-fail-burst", 20, "failed authentications at once per client address")
	debugAddr := fs.String("debug-addr", getenv("PALJA_DEBUG_ADDR"), "loopback address to serve Go's profiler on, /debug/pprof/ (default off; env PALJA_DEBUG_ADDR)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	set := setFlags(fs)
	switch {
	case !(*rate > 0) || math.IsInf(*rate, 0):
		return usageError(fs, "--rate must be a positive number")
	case set["rate"] && (*rate < auth.MinRate || *rate > auth.MaxRate):
		return usageError(fs, "--rate must be from 0.001 to 1e9 requests per second")
	case *burst <= 0:
		return usageError(fs, "--burst must be a positive integer")
	case set["burst"] && *burst > auth.MaxBurst:
		return usageError(fs, "--burst must be at most 1073741824")
	case *readHeader <= 0:
		return usageError(fs, "--read-header-timeout must be positive")
	case *grace < 0:
		return usageError(fs, "--shutdown-timeout must not be negative")
	case *idle <= 0:
		return usageError(fs, "--idle-timeout must be positive")
	case *maxHeader < 1<<10 || *maxHeader > 1<<20:
		return usageError(fs, "--max-header-bytes must be between 1024 and 1048576")
	case *maxConns <= 0:
		return usageError(fs, "--max-conns must be a positive integer")
	case *failRate < auth.MinRate || *failRate > auth.MaxRate || math.IsNaN(*failRate):
		return usageError(fs, "--auth-fail-rate must be from 0.001 to 1e9 per second")
	case *failBurst <= 0 || *failBurst > auth.MaxBurst:
		return usageError(fs, "--auth-fail-burst must be from 1 to 1073741824")
	}
	if err := checkOrigins(*cors); err != nil {
		if setFlags(fs)["cors-origins"] {
			return usageError(fs, "--cors-origins: %v", err)
		}
		return fmt.Errorf("PALJA_CORS_ORIGINS: %w", err)
	}
	if err := env.check(fs); err != nil {
		return err
	}
	// A number, but out of the bounds of a limit: from the environment,
	// that is the variable's fault (exit 1, naming it).
	if *rate < auth.MinRate || *rate > auth.MaxRate {
		return errors.New("PALJA_RATE must be from 0.001 to 1e9 requests per second (or give --rate)")
	}
	if *burst > auth.MaxBurst {
		return errors.New("PALJA_BURST must be at most 1073741824 (or give --burst)")
	}
	logger, closeLog, err := newLogger(getenv, stderr)
	if err != nil {
		return err
	}
	defer closeLog()
	tuneGC(getenv)

	// Listen first: a busy port must fail before a one-time key is printed.
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	defer ln.Close()

	if *debugAddr != "" {
		dsrv, dln, err := debugServer(*debugAddr)
		if err != nil {
			return fmt.Errorf("--debug-addr %s: %w", *debugAddr, err)
		}
		go dsrv.Serve(dln)
		defer dsrv.Close()
	}

	// Before the database: a Redis URL that does not parse must fail
	// before any file is created.
	limiter, err := openLimiter(ctx, *redisURL, logger)
	if err != nil {
		return err
	}
	if limiter != nil {
		defer limiter.Close()
	}
	notices := newNotices(getenv, stderr)
	db, err := openDB(ctx, getenv, d, true, notices)
	if err != nil {
		return err
	}
	defer db.Close()
	// The active key is in use from now on (reencrypt may seal under it),
	// and expired idempotency keys are purged.
	if err := db.Activate(ctx); err != nil {
		return err
	}
	if err := bootstrapKey(ctx, db, notices); err != nil {
		return err
	}

	cfg := profile.Config{Rate: *rate, Burst: *burst, AuthFailRate: *failRate, AuthFailBurst: *failBurst, Ready: db.Ready}
	if limiter != nil {
		cfg.Limiter = limiter
		cfg.RateLimit = limiter.Check // /readyz: "redis" or "fallback"
	}
	collectors := distributedCollectors(db, limiter)
	if db.sq != nil {
		collectors = append(collectors, newSQLiteCollector(db.sq))
	}
	if err := webConfig(&cfg, *cors, collectors...); err != nil {
		return err
	}
	srv := httpserver.New(closeAfterChunked(profile.NewHandler(logger, db.profiles, db, cfg)))
	srv.ReadHeaderTimeout, srv.IdleTimeout, srv.MaxHeaderBytes = *readHeader, *idle, *maxHeader
	srv.ErrorLog = slogErrorLog(logger)
	conns := connCap(*maxConns)
	logger.Info("palja listening", "addr", ln.Addr().String(), "db", db.where, "shared_rate_limits", limiter != nil, "max_conns", conns)
	var lastShedLog atomic.Int64 // a flood of connections must not flood the log
	lim := newLimitListener(ln, srv, conns, func(on bool, open int64) {
		now := time.Now().UnixNano()
		if last := lastShedLog.Load(); now-last < int64(10*time.Second) || !lastShedLog.CompareAndSwap(last, now) {
			return
		}
		if on {
			logger.Warn("many connections: keep-alives off, idle connections closed (logged at most every 10 s)", "open", open, "max_conns", conns)
		} else {
			logger.Info("connections back to normal: keep-alives on", "open", open)
		}
	})

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(lim) }()
	failed := db.Failed() // closed when the store can no longer write safely
	var stopErr error
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	case <-failed:
		stopErr = errors.New("a database commit failed with an I/O error (see the log): stopped so as not to write on top of it; " +
			"restart palja to recover the database (the writes answered 500 may or may not be stored)")
		logger.Error("database commit failed with an I/O error: stopping")
	}
	logger.Info("shutting down", "grace", grace.String())
	sctx, cancel := context.WithTimeout(context.Background(), *grace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return errors.Join(stopErr, fmt.Errorf("shutdown: %w", err))
	}
	logger.Info("stopped")
	return stopErr
}

// serveGOGC is the garbage collector's target of serve (Go's default is
// 100) when the environment sets no GOGC. serve's live heap is small (a
// few MiB, and at most 64 MiB of row cache), while every request
// allocates: at 100 the collector ran about every 400 requests, and its
// work was some 5% of the CPU of a PUT or a 429 under load. At 400 it runs
// a quarter as often, for a heap of at most five times the live one.
const serveGOGC = 400

// tuneGC sets serveGOGC, unless GOGC is set.
func tuneGC(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(serveGOGC)
	}
}

// bootstrapKey creates and prints a first API key when the database has none.
// The check and the create are one transaction, so of several servers
// starting together on a new database only one creates and prints a key.
func bootstrapKey(ctx context.Context, db interface {
	CreateFirstKey(ctx context.Context, name string) (string, *auth.APIKey, bool, error)
}, stderr io.Writer) error {
	secret, k, created, err := db.CreateFirstKey(ctx, "bootstrap")
	if err != nil {
		return err // the store's error says "create first key"
	}
	if !created {
		return nil
	}
	if n, ok := stderr.(*notices); ok && n.json != nil {
		n.json.Warn("created the first API key; it is shown only once", "key_id", k.ID, "account", k.AccountID, "api_key", secret)
		return nil
	}
	fmt.Fprintf(stderr, "palja: created the first API key %s (account %s). It is shown only once:\n\n    %s\n\n", k.ID, k.AccountID, secret)
	return nil
}

// notices is where serve writes what it tells the operator once before it
// serves: the generated key file's warning and the first API key. In text
// mode they are the plain lines they have always been; with
// PALJA_LOG_FORMAT=json each is a JSON record of its own (level WARN, the
// first key's secret in its own field "api_key"), so that a JSON log
// pipeline reads every line of stderr. They bypass PALJA_LOG_LEVEL: a
// first key that is not shown is lost.
type notices struct {
	w    io.Writer
	json *slog.Logger // nil in text mode
}

func newNotices(getenv func(string) string, stderr io.Writer) *notices {
	n := &notices{w: stderr}
	if strings.EqualFold(getenv("PALJA_LOG_FORMAT"), "json") {
		n.json = slog.New(slog.NewJSONHandler(stderr, nil))
	}
	return n
}

// Write passes a plain notice through, or in JSON mode makes it one record:
// one Fprintf is one notice.
func (n *notices) Write(p []byte) (int, error) {
	if n.json == nil {
		return n.w.Write(p)
	}
	msg := strings.TrimSpace(string(p))
	msg = strings.TrimPrefix(msg, "palja: ")
	msg = strings.TrimPrefix(msg, "WARNING: ")
	n.json.Warn(msg)
	return len(p), nil
}

// openLimiter returns the Redis limiter of url, or nil for "" (buckets in
// this process). An unreachable Redis is not fatal: it is logged, and the
// limiter serves from per-instance buckets until Redis answers.
func openLimiter(ctx context.Context, url string, logger *slog.Logger) (*redislimit.Limiter, error) {
	if url == "" {
		return nil, nil
	}
	l, err := redislimit.Open(url, redislimit.Options{Logger: logger})
	if err != nil {
		return nil, fmt.Errorf("PALJA_REDIS_URL (--redis-url): %w", err)
	}
	pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := l.Ping(pctx); err != nil {
		logger.Warn("redis does not answer at start: rate limits use per-instance buckets until it does", "err", err)
	}
	return l, nil
}
