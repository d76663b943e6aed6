package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/palja/palja/profile"
)

// runServe runs the HTTP API until ctx is done, then lets in-flight requests
// finish (up to --shutdown-timeout) and returns nil.
func runServe(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var d dbFlags
	d.register(fs, getenv)
	addr := fs.String("addr", envOr(getenv, "PALJA_ADDR", "127.0.0.1:8080"), "listen address (env PALJA_ADDR)")
	defRate, err := envFloat(getenv, "PALJA_RATE", 10)
	if err != nil {
		return err
	}
	defBurst, err := envInt(getenv, "PALJA_BURST", 20)
	if err != nil {
		return err
	}
	rate := fs.Float64("rate", defRate, "requests per second per API key without limits of its own (env PALJA_RATE)")
	burst := fs.Int("burst", defBurst, "burst per API key without limits of its own (env PALJA_BURST)")
	cors := fs.String("cors-origins", getenv("PALJA_CORS_ORIGINS"), "allowed browser origins: * or a comma list (env PALJA_CORS_ORIGINS)")
	grace := fs.Duration("shutdown-timeout", 15*time.Second, "how long in-flight requests may take to finish on SIGINT/SIGTERM")
	readHeader := fs.Duration("read-header-timeout", 5*time.Second, "how long a client may take to send the request headers (slow-loris guard)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "serve takes no arguments\n")
		return errUsage
	}
	if *rate <= 0 || *burst <= 0 {
		return errors.New("--rate and --burst must be positive")
	}
	if *readHeader <= 0 {
		return errors.New("--read-header-timeout must be positive")
	}
	logger, closeLog := newLogger(getenv, stderr)
	defer closeLog()

	// Listen first: a busy port must fail before a one-time key is printed.
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	defer ln.Close()

	db, err := openDB(ctx, getenv, d.db, stderr)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := bootstrapKey(ctx, db, stderr); err != nil {
		return err
	}

	cfg := profile.Config{Rate: *rate, Burst: *burst, Ready: db.Ping}
	if err := webConfig(&cfg, *cors); err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           profile.NewHandler(logger, db.Profiles(), db, cfg),
		ReadHeaderTimeout: *readHeader,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    2 << 20, // room for a 1 MB X-API-Key to get a JSON 401
		ErrorLog:          slogErrorLog(logger),
	}
	logger.Info("palja listening", "addr", ln.Addr().String(), "db", d.db)

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down", "grace", grace.String())
	sctx, cancel := context.WithTimeout(context.Background(), *grace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	logger.Info("stopped")
	return nil
}

// bootstrapKey creates and prints a first API key when the database has none.
// The check and the create are one transaction, so of several servers
// starting together on a new database only one creates and prints a key.
func bootstrapKey(ctx context.Context, db interface {
	CreateFirstKey(ctx context.Context, name string) (string, *profile.APIKey, bool, error)
}, stderr io.Writer) error {
	secret, k, created, err := db.CreateFirstKey(ctx, "bootstrap")
	if err != nil {
		return fmt.Errorf("create bootstrap key: %w", err)
	}
	if !created {
		return nil
	}
	fmt.Fprintf(stderr, "palja: created the first API key %s (account %s). It is shown only once:\n\n    %s\n\n", k.ID, k.AccountID, secret)
	return nil
}
