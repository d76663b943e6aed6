package main

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/go-chi/cors"
)

// corsHandler is the CORS middleware for the allowed origins ("*" or a
// list checked by [checkOrigins]): the API's methods, the request headers
// it reads and the response headers a browser script may see.
func corsHandler(origins []string) func(http.Handler) http.Handler {
	return cors.Handler(cors.Options{
		AllowedOrigins: origins,
		AllowedMethods: []string{"GET", "POST", "PUT", "DELETE"},
		AllowedHeaders: []string{"X-API-Key", "Content-Type", "If-Match", "Idempotency-Key"},
		ExposedHeaders: []string{"ETag", "Retry-After", "X-Request-Id", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "Location", "Idempotent-Replayed"},
		MaxAge:         600,
	})
}

// splitOrigins returns the entries of a comma list of origins, trimmed,
// without empty ones.
func splitOrigins(list string) []string {
	var origins []string
	for _, o := range strings.Split(list, ",") {
		if o = strings.TrimSpace(o); o != "" {
			origins = append(origins, o)
		}
	}
	return origins
}

// checkOrigins checks the allowed CORS origins: "*" alone, or a comma
// list of origins as browsers send them in the Origin header,
// scheme://host[:port]. An entry with a path, query or trailing slash, a
// wildcard or a default port would never match a browser's Origin, so it is
// an error rather than a silently closed door.
func checkOrigins(list string) error {
	origins := splitOrigins(list)
	for _, o := range origins {
		if o == "*" {
			if len(origins) > 1 {
				return errors.New(`"*" allows every origin and must be alone`)
			}
			continue
		}
		if err := checkOrigin(o); err != nil {
			return fmt.Errorf("%s %w", quoteArg(o), err)
		}
	}
	return nil
}

// checkOrigin checks one allowed origin other than "*". Its error goes
// after the quoted origin: "<origin> has a wildcard: …".
func checkOrigin(o string) error {
	const want = "scheme://host[:port], such as https://app.example.com"
	if strings.Contains(o, "*") {
		return errors.New("has a wildcard: list each origin, or use * alone")
	}
	u, err := url.Parse(o)
	if err != nil || u.Scheme == "" || u.Opaque != "" || u.Hostname() == "" {
		return errors.New("is not an origin: want " + want)
	}
	canonical := u.Scheme + "://" + u.Host
	switch {
	case u.User != nil:
		return errors.New("has a user name: want " + want)
	case !strings.EqualFold(o, canonical):
		return errors.New("has a path, query or trailing slash, which a browser's Origin never has: write " + canonical)
	}
	if p := u.Port(); p != "" || strings.HasSuffix(u.Host, ":") {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return errors.New("has a bad port: want " + want)
		}
		if u.Scheme == "https" && n == 443 || u.Scheme == "http" && n == 80 {
			return errors.New("has the default port, which browsers leave out of Origin: write " + u.Scheme + "://" + u.Hostname())
		}
	}
	return nil
}
