// Package httpserver holds the settings of palja serve's http.Server: the
// defaults of its flags, and the read and write timeouts it has no flag
// for. palja serve builds its server with [New]; so do what measures it
// against other servers (the profile package's serve benchmark,
// scripts/load/ceiling), so that they run with the settings palja runs
// with.
package httpserver

import (
	"net/http"
	"time"
)

const (
	// ReadHeaderTimeout is how long a client may take to send the request
	// headers (the slow-loris guard; palja serve --read-header-timeout).
	ReadHeaderTimeout = 5 * time.Second
	// ReadTimeout bounds reading a whole request, its body included.
	ReadTimeout = 30 * time.Second
	// WriteTimeout bounds a request from the end of its headers to the end
	// of its answer.
	WriteTimeout = 30 * time.Second
	// IdleTimeout is how long a keep-alive connection may stay idle
	// between requests (palja serve --idle-timeout).
	IdleTimeout = 30 * time.Second
	// MaxHeaderBytes is the largest request line and headers accepted
	// (palja serve --max-header-bytes).
	MaxHeaderBytes = 32 << 10
)

// New returns a server of h with these settings.
func New(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: ReadHeaderTimeout,
		ReadTimeout:       ReadTimeout,
		WriteTimeout:      WriteTimeout,
		IdleTimeout:       IdleTimeout,
		MaxHeaderBytes:    MaxHeaderBytes,
	}
}
