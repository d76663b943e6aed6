package main

import (
	"embed"
	"io/fs"
	"log"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/palja/palja/docs"
	"github.com/palja/palja/profile"
)

// playgroundFiles is the playground page: static HTML, JS, CSS and its icon,
// no build step.
//
//go:embed playground/index.html playground/app.js playground/style.css playground/favicon.svg
var playgroundFiles embed.FS

// webConfig adds the browser- and operator-facing parts to cfg:
//
//   - CORS for the origins in PALJA_CORS_ORIGINS ("*" or a comma list).
//     Without origins no CORS headers are sent, and browsers on other
//     origins cannot read the answers.
//   - Prometheus metrics, recorded through cfg.Metrics and served at
//     GET /metrics.
//   - GET /openapi.json, the OpenAPI document of the API.
//   - GET /, the playground page, with its files under /playground/, and
//     its icon also at GET /favicon.ico (an SVG: browsers that ask for it
//     without reading the page's <link rel="icon"> get it, not a 404).
//
// extra collectors (distributed mode's: the PostgreSQL pool, the Redis
// limiter) are served with the others.
func webConfig(cfg *profile.Config, corsOrigins string, extra ...prometheus.Collector) error {
	if origins := splitOrigins(corsOrigins); len(origins) > 0 {
		cfg.Middleware = append(cfg.Middleware, corsHandler(origins))
	}

	m := newMetrics()
	m.reg.MustRegister(extra...)
	cfg.Metrics = m
	page, err := fs.Sub(playgroundFiles, "playground")
	if err != nil {
		return err
	}
	index, err := fs.ReadFile(page, "index.html")
	if err != nil {
		return err
	}
	icon, err := fs.ReadFile(page, "favicon.svg")
	if err != nil {
		return err
	}
	assets := http.StripPrefix("/playground/", http.FileServerFS(page))
	cfg.Extra = func(r chi.Router) {
		r.Method(http.MethodGet, "/metrics", m.handler())
		r.Get("/openapi.json", serveBytes("application/json", docs.OpenAPI))
		r.Get("/", pageHeaders(serveBytes("text/html; charset=utf-8", index)))
		r.Get("/playground/*", pageHeaders(assets.ServeHTTP))
		r.Get("/favicon.ico", pageHeaders(serveBytes("image/svg+xml", icon)))
		r.Get("/playground/", http.RedirectHandler("/", http.StatusMovedPermanently).ServeHTTP)
	}
	return nil
}

// serveBytes answers with a fixed body.
func serveBytes(contentType string, body []byte) http.HandlerFunc {
	length := strconv.Itoa(len(body))
	return func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Type", contentType)
		h.Set("Content-Length", length)
		h.Set("Cache-Control", "no-cache")
		w.Write(body)
	}
}

// pageHeaders adds the security headers of the playground: its scripts and
// styles come only from this server, it may call any API origin with fetch
// (the API base URL is a field of the page), and it cannot be framed.
func pageHeaders(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; connect-src *; img-src 'self' data:; "+
			"object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		next(w, r)
	}
}

// slogErrorLog routes net/http's own error log (TLS handshakes, bad
// requests) through the structured logger.
func slogErrorLog(l *slog.Logger) *log.Logger {
	return slog.NewLogLogger(l.Handler(), slog.LevelWarn)
}
