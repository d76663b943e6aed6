package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"math"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/palja/palja/auth"
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

// envDefaults reads the defaults of flags from the environment. Flags win
// over the environment, so a bad value is not fatal at once: it is
// remembered, and [envDefaults.check] reports it only when its flag was not
// given.
type envDefaults struct {
	getenv func(string) string
	errs   map[string]error // by flag name
}

func newEnvDefaults(getenv func(string) string) *envDefaults {
	return &envDefaults{getenv: getenv, errs: map[string]error{}}
}

// float returns the positive number in env, or def when it is unset.
func (e *envDefaults) float(flagName, env string, def float64) float64 {
	v := e.getenv(env)
	if v == "" {
		return def
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || !(f > 0) || math.IsInf(f, 0) {
		e.errs[flagName] = fmt.Errorf("%s must be a positive number (or give --%s)", env, flagName)
		return def
	}
	return f
}

// int returns the positive integer in env, or def when it is unset.
func (e *envDefaults) int(flagName, env string, def int) int {
	v := e.getenv(env)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n <= 0 {
		e.errs[flagName] = fmt.Errorf("%s must be a positive integer (or give --%s)", env, flagName)
		return def
	}
	return n
}

// check returns the error of a bad environment value whose flag was not
// given, if any.
func (e *envDefaults) check(fs *flag.FlagSet) error {
	set := setFlags(fs)
	for _, name := range slices.Sorted(maps.Keys(e.errs)) {
		if !set[name] {
			return e.errs[name]
		}
	}
	return nil
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

// parseArgs parses flags and positional arguments in any order, so that
// "keys limits KEY --rate 5" and "keys limits --rate 5 KEY" are the same;
// fs.Args() then holds the positional arguments. A "-" followed by a digit
// is a positional argument (a negative number, such as an hour of -1)
// unless it is the value of a flag; everything after "--" is positional.
func parseArgs(fs *flag.FlagSet, args []string) error {
	var flags, pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			pos = append(pos, args[i+1:]...)
			i = len(args)
		case len(a) < 2 || a[0] != '-' || '0' <= a[1] && a[1] <= '9':
			pos = append(pos, a)
		default:
			flags = append(flags, a)
			name := strings.TrimLeft(a, "-")
			if strings.Contains(name, "=") {
				continue
			}
			if f := fs.Lookup(name); f != nil && !isBoolFlag(f) {
				if i+1 == len(args) {
					// Without this, the "--" added below would be its value.
					return usageError(fs, "flag needs an argument: %s", a)
				}
				i++
				flags = append(flags, args[i])
			}
		}
	}
	return parseFlags(fs, append(append(flags, "--"), pos...))
}

func isBoolFlag(f *flag.Flag) bool {
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// newFlagSet returns the flag set of a command whose usage is usageText
// followed by its flags, written to stderr. Flag errors are written
// through [redact], so that a key secret given by mistake as a flag value
// is never echoed.
func newFlagSet(name, usageText string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(redactWriter{stderr})
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usageText)
		fmt.Fprintln(fs.Output(), "\nflags:")
		fs.PrintDefaults()
	}
	return fs
}

// usageError explains a usage error of fs's command on stderr, "palja
// <command>: <reason>" followed by the command's usage, and returns
// errUsage (exit status 2).
func usageError(fs *flag.FlagSet, format string, args ...any) error {
	fmt.Fprintf(fs.Output(), "palja %s: %s\n\n", fs.Name(), fmt.Sprintf(format, args...))
	fs.Usage()
	return errUsage
}

// noArgs is the usage error for positional arguments of a command that
// takes none.
func noArgs(fs *flag.FlagSet) error {
	if fs.NArg() == 0 {
		return nil
	}
	return usageError(fs, "unexpected argument %s (this command takes only flags)", quoteArg(fs.Arg(0)))
}

// secretRE matches what looks like an API key secret.
var secretRE = regexp.MustCompile(auth.KeyPrefix + `[0-9A-Za-z]*`)

// redact hides anything in s that looks like an API key secret.
func redact(s string) string {
	return secretRE.ReplaceAllString(s, auth.KeyPrefix+"…(secret not shown)")
}

// quoteArg quotes a command-line argument for a message: escaped, cut at 64
// characters, and never a key secret.
func quoteArg(s string) string {
	if strings.HasPrefix(s, auth.KeyPrefix) {
		return "(an API key secret, not shown)"
	}
	if r := []rune(s); len(r) > 64 {
		s = string(r[:64]) + "…"
	}
	return strconv.Quote(redact(s))
}

// redactWriter writes through [redact]. The flag package writes each
// message in one call.
type redactWriter struct{ w io.Writer }

func (r redactWriter) Write(p []byte) (int, error) {
	if !secretRE.Match(p) {
		return r.w.Write(p)
	}
	if _, err := io.WriteString(r.w, redact(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}

// keyring loads the encryption keys: PALJA_ENCRYPTION_KEYS when set,
// otherwise the key file beside the database, generated when create is set
// (the database is new: a key file made for an existing database could
// open none of its profiles). A PALJA_ENCRYPTION_KEYS that is set but blank is an error,
// not "unset": whoever set it meant to give keys.
func keyring(getenv func(string) string, dbPath string, create bool, stderr io.Writer) (*crypto.Keyring, error) {
	if v := getenv("PALJA_ENCRYPTION_KEYS"); v != "" {
		if strings.TrimSpace(v) == "" {
			return nil, errors.New("PALJA_ENCRYPTION_KEYS is set but blank: give the keys (id:base64, comma-separated), " +
				"or unset it to use the key file " + dbPath + ".keys")
		}
		kr, err := crypto.ParseKeys(v)
		if err != nil {
			return nil, fmt.Errorf("PALJA_ENCRYPTION_KEYS: %w", err)
		}
		return kr, nil
	}
	path := dbPath + ".keys"
	if !create {
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("no encryption keys for %s: PALJA_ENCRYPTION_KEYS is not set and there is no key file %s "+
				"(set PALJA_ENCRYPTION_KEYS to the keys the database was used with, or restore the key file; "+
				"a key file is generated only with a new database)", dbPath, path)
		}
	}
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

// openDB opens the database at path with its keyring. Only with create
// (serve and keys create) may it create the database, and a key file is
// generated only together with a new database;
// otherwise a missing database is an error and no file is written, so
// that a mistyped --db does not look like an empty database.
func openDB(ctx context.Context, getenv func(string) string, path string, create bool, stderr io.Writer) (*storage.DB, error) {
	// SQLite in WAL mode keeps path-wal and path-shm beside the database;
	// the database itself is path, which exists from the first open on.
	fi, err := os.Stat(path)
	isNew := errors.Is(err, os.ErrNotExist)
	switch {
	case isNew && !create:
		return nil, fmt.Errorf("no database at %s (check --db or PALJA_DB; only serve and keys create make a new one)", path)
	case isNew:
	case err != nil:
		return nil, fmt.Errorf("database %s: %w", path, err)
	case fi.IsDir():
		return nil, fmt.Errorf("database %s is a directory, not a file", path)
	}
	kr, err := keyring(getenv, path, isNew, stderr)
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
// to w through a buffer, and the function that flushes it for good. An
// unknown level or format is an error.
func newLogger(getenv func(string) string, w io.Writer) (*slog.Logger, func() error, error) {
	var level slog.Level
	switch l := strings.ToLower(getenv("PALJA_LOG_LEVEL")); l {
	case "", "info":
		level = slog.LevelInfo
	case "debug":
		level = slog.LevelDebug
	case "warn":
		level = slog.LevelWarn
	case "error":
		level = slog.LevelError
	default:
		return nil, nil, errors.New("PALJA_LOG_LEVEL must be debug, info, warn or error")
	}
	format := strings.ToLower(getenv("PALJA_LOG_FORMAT"))
	if format != "" && format != "text" && format != "json" {
		return nil, nil, errors.New("PALJA_LOG_FORMAT must be text or json")
	}
	opts := &slog.HandlerOptions{Level: level}
	buf := newBufferedLog(w)
	var h slog.Handler = slog.NewTextHandler(buf, opts)
	if format == "json" {
		h = slog.NewJSONHandler(buf, opts)
	}
	return slog.New(urgentHandler{h, buf}), buf.Close, nil
}

// checkOrigins checks the allowed CORS origins: "*" alone, or a comma
// list of origins as browsers send them in the Origin header,
// scheme://host[:port]. An entry with a path, query or trailing slash, a
// wildcard or a default port would never match a browser's Origin, so it is
// an error rather than a silently closed door.
func checkOrigins(list string) error {
	var origins []string
	for _, o := range strings.Split(list, ",") {
		if o = strings.TrimSpace(o); o != "" {
			origins = append(origins, o)
		}
	}
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
