package profile

import (
	"log/slog"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
)

// routes is the whole API on one screen.
//
//   - HEAD is answered wherever GET is (chi's GetHead), with GET's status
//     and headers and no body.
//   - A 405 lists the path's methods in Allow (RFC 9110 15.5.6).
//   - Every /v1 path, known or not, authenticates first: without a valid
//     key any /v1 request is a 401, and with one an unknown path is a 404
//     that took a token like any other request.
//   - Paths are exact: a trailing slash is another path (404). Query
//     parameters other than the list's are a 400 naming the parameter.
//
// The /v1 routes are flat rather than a mounted subrouter: chi's Find,
// which GetHead and Allow rely on, misreports the methods of a mounted
// subrouter's root path.
func routes(logger *slog.Logger, store Store, authenticate func(http.Handler) http.Handler, cfg Config) http.Handler {
	m := cfg.Metrics
	r := chi.NewRouter()
	r.Use(cfg.Middleware...)
	r.Use(middleware.GetHead)
	notFound := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { writeAPIError(w, r, errRoute) })
	methodNotAllowed := http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		w.Header()["Allow"] = []string{allowed(r, req)}
		writeAPIError(w, req, errMethod)
	})
	r.NotFound(v1First(authenticate, notFound))
	wrongMethod := v1First(authenticate, methodNotAllowed)
	r.MethodNotAllowed(func(w http.ResponseWriter, req *http.Request) {
		knownRoute(r, req) // before authentication: its 401 is filed under the route too
		wrongMethod(w, req)
	})

	r.Method("GET", "/healthz", handleHealth())
	r.Method("GET", "/readyz", handleReady(logger, cfg.Ready, cfg.RateLimit))
	if cfg.Extra != nil {
		cfg.Extra(r)
	}
	r.Group(func(r chi.Router) {
		r.Use(authenticate)
		r.Method("GET", "/v1/profiles", handleListProfiles(logger, store, m)) // limit, starting_after
		r.Group(func(r chi.Router) {
			r.Use(noQuery(logger, m))
			r.Method("POST", "/v1/profiles", handleCreateProfile(logger, store, m, cfg.Now))
			r.Method("GET", "/v1/profiles/{ref}", handleGetProfile(logger, store, m))
			r.Method("PUT", "/v1/profiles/{ref}", handlePutProfile(logger, store, m))
			r.Method("DELETE", "/v1/profiles/{ref}", handleDeleteProfile(logger, store, m))
			r.Method("GET", "/v1/profiles/{ref}/saju", handleGetSaju(logger, store, m))
		})
	})
	return observe(logger, m, r)
}

// v1First authenticates requests for /v1 paths before next answers them.
func v1First(authenticate func(http.Handler) http.Handler, next http.Handler) http.HandlerFunc {
	authenticated := authenticate(next)
	return func(w http.ResponseWriter, r *http.Request) {
		if p := r.URL.Path; p == "/v1" || strings.HasPrefix(p, "/v1/") {
			authenticated.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
	}
}

// allowed lists the methods that mux routes for req's path.
func allowed(mux *chi.Mux, req *http.Request) string {
	path := req.URL.RawPath
	if path == "" {
		path = req.URL.Path
	}
	var methods []string
	for _, m := range []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodDelete} {
		probe := m
		if m == http.MethodHead {
			probe = http.MethodGet // GetHead serves HEAD with the GET route
		}
		if mux.Match(chi.NewRouteContext(), probe, path) {
			methods = append(methods, m)
		}
	}
	return strings.Join(methods, ", ")
}

// knownRoute records on req's route context the pattern that mux has for
// req's path under another method, so that the access log and the metrics
// file a 405 under "/v1/profiles/{ref}" rather than "unmatched".
func knownRoute(mux *chi.Mux, req *http.Request) {
	rc := chi.RouteContext(req.Context())
	if rc == nil || rc.RoutePattern() != "" {
		return
	}
	path := req.URL.RawPath
	if path == "" {
		path = req.URL.Path
	}
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete} {
		if pattern := mux.Find(chi.NewRouteContext(), m, path); pattern != "" {
			rc.RoutePatterns = append(rc.RoutePatterns, pattern)
			return
		}
	}
}
