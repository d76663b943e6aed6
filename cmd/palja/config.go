package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"

	"github.com/palja/palja/crypto"
	"github.com/palja/palja/storage"
)

// dbFlags are the flags every command that touches data takes.
type dbFlags struct {
	db string
}

func (d *dbFlags) register(fs *flag.FlagSet, getenv func(string) string) {
	fs.StringVar(&d.db, "db", envOr(getenv, "PALJA_DB", "palja.db"), "SQLite database file (env PALJA_DB)")
}

func envOr(getenv func(string) string, name, def string) string {
	if v := getenv(name); v != "" {
		return v
	}
	return def
}

func envFloat(getenv func(string) string, name string, def float64) (float64, error) {
	v := getenv(name)
	if v == "" {
		return def, nil
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f <= 0 {
		return 0, fmt.Errorf("%s must be a positive number", name)
	}
	return f, nil
}

func envInt(getenv func(string) string, name string, def int) (int, error) {
	v := getenv(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("%s must be a positive integer", name)
	}
	return n, nil
}

// parseFlags parses args, printing usage errors once. After -h or --help
// (usage printed) it returns errHelp, so that the command stops there.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return errHelp
		}
		return errUsage
	}
	return nil
}

// keyring loads the encryption keys: PALJA_ENCRYPTION_KEYS when set,
// otherwise the key file beside the database, generated on first use.
func keyring(getenv func(string) string, dbPath string, stderr io.Writer) (*crypto.Keyring, error) {
	if v := getenv("PALJA_ENCRYPTION_KEYS"); strings.TrimSpace(v) != "" {
		kr, err := crypto.ParseKeys(v)
		if err != nil {
			return nil, fmt.Errorf("PALJA_ENCRYPTION_KEYS: %w", err)
		}
		return kr, nil
	}
	path := dbPath + ".keys"
	kr, created, err := crypto.LoadOrCreateKeyFile(path)
	if err != nil {
		return nil, fmt.Errorf("encryption key file: %w", err)
	}
	if created {
		fmt.Fprintf(stderr, "palja: WARNING: PALJA_ENCRYPTION_KEYS is not set; generated a new encryption key in %s (mode 0600). "+
			"Back it up: without it the profiles cannot be read.\n", path)
	}
	return kr, nil
}

// openDB opens the database with its keyring.
func openDB(ctx context.Context, getenv func(string) string, path string, stderr io.Writer) (*storage.DB, error) {
	kr, err := keyring(getenv, path, stderr)
	if err != nil {
		return nil, err
	}
	db, err := storage.Open(ctx, path, kr, storage.Options{})
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	return db, nil
}

// newLogger returns the server's logger (text, or JSON with
// PALJA_LOG_FORMAT=json; level from PALJA_LOG_LEVEL, default info), writing
// to w through a buffer, and the function that flushes it for good.
func newLogger(getenv func(string) string, w io.Writer) (*slog.Logger, func() error) {
	level := slog.LevelInfo
	if l := getenv("PALJA_LOG_LEVEL"); l != "" {
		level.UnmarshalText([]byte(l))
	}
	opts := &slog.HandlerOptions{Level: level}
	buf := newBufferedLog(w)
	var h slog.Handler = slog.NewTextHandler(buf, opts)
	if getenv("PALJA_LOG_FORMAT") == "json" {
		h = slog.NewJSONHandler(buf, opts)
	}
	return slog.New(urgentHandler{h, buf}), buf.Close
}
