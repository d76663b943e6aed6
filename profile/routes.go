package profile

import (
	"net/http"

	"github.com/go-chi/chi/v5"
)

// routes is the whole API on one screen.
func (a *api) routes(cfg Config) http.Handler {
	r := chi.NewRouter()
	r.Use(a.observe)
	r.Use(cfg.Middleware...)
	r.NotFound(func(w http.ResponseWriter, r *http.Request) { writeAPIError(w, r, errRoute) })
	r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) { writeAPIError(w, r, errMethod) })

	r.Get("/healthz", a.handleHealth)
	r.Get("/readyz", a.handleReady)
	if cfg.Extra != nil {
		cfg.Extra(r)
	}
	r.Route("/v1/profiles", func(r chi.Router) {
		r.Use(a.authenticate)
		r.Post("/", a.handleCreate)
		r.Get("/", a.handleList)
		r.Get("/{ref}", a.handleGet)
		r.Put("/{ref}", a.handlePut)
		r.Delete("/{ref}", a.handleDelete)
		r.Get("/{ref}/saju", a.handleSaju)
	})
	return r
}
