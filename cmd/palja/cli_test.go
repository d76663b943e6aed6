package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// runCLI runs palja with args (without "palja") and env, and returns its
// stdout, stderr and error.
func runCLI(t *testing.T, env map[string]string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err = run(context.Background(), append([]string{"palja"}, args...), fakeEnv(env), &out, &errOut)
	return out.String(), errOut.String(), err
}

// newDB creates a database at a fresh path with one key named "first"
// (rate 5, burst 6) and returns the path and that key's id.
func newDB(t *testing.T) (db, keyID string) {
	t.Helper()
	db = filepath.Join(t.TempDir(), "p.db")
	_, errOut, err := runCLI(t, nil, "keys", "create", "--db", db, "--name", "first", "--rate", "5", "--burst", "6")
	if err != nil {
		t.Fatalf("keys create: %v\n%s", err, errOut)
	}
	m := regexp.MustCompile(`created key (key_\w+)`).FindStringSubmatch(errOut)
	if m == nil {
		t.Fatalf("no key id in %q", errOut)
	}
	return db, m[1]
}

// listedLimits returns the RATE and BURST columns of the key id in keys list.
func listedLimits(t *testing.T, db, id string) (rate, burst string) {
	t.Helper()
	out, errOut, err := runCLI(t, nil, "keys", "list", "--db", db)
	if err != nil {
		t.Fatalf("keys list: %v\n%s", err, errOut)
	}
	m := regexp.MustCompile(`(?m)^` + id + `\s+\S+\s+\S+\s+\S+\s+(\S+)\s+(\S+)\s`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("key %s not in keys list:\n%s", id, out)
	}
	return m[1], m[2]
}

// dirFiles returns the names of the files in dir.
func dirFiles(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// caseName is a short, printable subtest name for s.
func caseName(s string) string {
	if r := []rune(s); len(r) > 24 {
		s = string(r[:24]) + "…"
	}
	return strconv.Quote(s)
}

// TestUsageErrorsSayWhy: every usage error exits 2 (errUsage) and says on
// stderr why, as "palja <command>: <reason>", before the usage; nothing
// goes to stdout and no file is created.
func TestUsageErrorsSayWhy(t *testing.T) {
	for _, c := range []struct {
		args   []string
		reason string
	}{
		{nil, "palja: missing command"},
		{[]string{"nope"}, `palja: unknown command "nope"`},
		{[]string{"reencrypt", "extra"}, `palja reencrypt: unexpected argument "extra"`},
		{[]string{"reencrypt", "--batch", "0"}, "palja reencrypt: --batch must be at least 1"},
		{[]string{"reencrypt", "--batch", "-1"}, "palja reencrypt: --batch must be at least 1"},
		{[]string{"serve", "extra"}, `palja serve: unexpected argument "extra"`},
		{[]string{"serve", "--rate", "-1"}, "palja serve: --rate must be a positive number"},
		{[]string{"serve", "--rate", "NaN"}, "palja serve: --rate must be a positive number"},
		{[]string{"serve", "--burst", "0"}, "palja serve: --burst must be a positive integer"},
		{[]string{"serve", "--shutdown-timeout", "-1s"}, "palja serve: --shutdown-timeout must not be negative"},
		{[]string{"serve", "--cors-origins", "https://a.com/"}, "palja serve: --cors-origins: \"https://a.com/\" has a path, query or trailing slash"},
		{[]string{"keys"}, "palja keys: missing subcommand"},
		{[]string{"keys", "nope"}, `palja keys: unknown subcommand "nope"`},
		{[]string{"keys", "create"}, "palja keys create: --name is required"},
		{[]string{"keys", "create", "--name", "x", "extra"}, `palja keys create: unexpected argument "extra"`},
		{[]string{"keys", "create", "--name", "x", "--rate", "-1"}, "palja keys create: --rate must be a number of requests per second above 0, or 0 for the server's default"},
		{[]string{"keys", "create", "--name", "x", "--rate", "Inf"}, "palja keys create: --rate must be"},
		{[]string{"keys", "create", "--name", "x", "--burst", "-1"}, "palja keys create: --burst must be a whole number above 0, or 0"},
		{[]string{"keys", "list", "extra"}, `palja keys list: unexpected argument "extra"`},
		{[]string{"keys", "revoke"}, "palja keys revoke: missing KEY_ID"},
		{[]string{"keys", "revoke", "key_a", "key_b"}, `palja keys revoke: unexpected argument "key_b" after KEY_ID`},
		{[]string{"keys", "limits", "key_a"}, "palja keys limits: give --rate, --burst or both"},
		{[]string{"keys", "limits", "--rate", "1"}, "palja keys limits: missing KEY_ID"},
		{[]string{"keys", "limits", "key_a", "--rate", "-1"}, "palja keys limits: --rate must be"},
		{[]string{"keys", "limits", "--burst", "-2", "key_a"}, "palja keys limits: --burst must be"},
		{[]string{"encryption-key", "extra"}, `palja encryption-key: unexpected argument "extra"`},
	} {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			dir := t.TempDir()
			env := map[string]string{"PALJA_DB": filepath.Join(dir, "p.db"), "PALJA_ADDR": freeAddr(t)}
			stdout, stderr, err := runCLI(t, env, c.args...)
			if !errors.Is(err, errUsage) {
				t.Errorf("run = %v, want errUsage (exit 2)", err)
			}
			if !strings.HasPrefix(stderr, c.reason) || !strings.Contains(stderr, "usage") {
				t.Errorf("stderr does not start with %q and show the usage:\n%s", c.reason, stderr)
			}
			if stdout != "" {
				t.Errorf("stdout: %q", stdout)
			}
			if files := dirFiles(t, dir); len(files) > 0 {
				t.Errorf("a usage error created %v", files)
			}
		})
	}
}

// TestKeysLimits: keys limits changes only the limits given, 0 puts one
// back to the server's default, at least one is required, and flags may
// come before or after KEY_ID (PALJA_DB names a database that does not
// exist, so --db must have been read wherever it stands).
func TestKeysLimits(t *testing.T) {
	db, id := newDB(t)
	env := map[string]string{"PALJA_DB": filepath.Join(t.TempDir(), "elsewhere.db")}
	if r, b := listedLimits(t, db, id); r != "5" || b != "6" {
		t.Fatalf("created with rate %s burst %s, want 5 6", r, b)
	}
	for _, c := range []struct {
		args             []string
		wantRate, wantBu string
		wantErr          string // "usage" for errUsage
	}{
		{[]string{id, "--db", db, "--rate", "7"}, "7", "6", ""},
		{[]string{"--db", db, id, "--burst", "9"}, "7", "9", ""},
		{[]string{"--db", db, id, "--rate", "5", "--burst", "6"}, "5", "6", ""},
		{[]string{"--db", db, "--rate", "2.5", "--burst", "3", id}, "2.5", "3", ""},
		{[]string{id, "--db=" + db, "--rate", "0"}, "default", "3", ""},
		{[]string{"--burst=0", id, "--db", db}, "default", "default", ""},
		{[]string{"--db", db, id, "--rate", "4"}, "4", "default", ""},
		{[]string{"--db", db, id}, "4", "default", "usage"},
		{[]string{"--db", db, id, "--burst", "-1"}, "4", "default", "usage"},
		{[]string{"--db", db, "key_nope", "--rate", "1"}, "4", "default", `no key "key_nope"`},
	} {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			_, stderr, err := runCLI(t, env, append([]string{"keys", "limits"}, c.args...)...)
			switch {
			case c.wantErr == "" && err != nil:
				t.Fatalf("%v\n%s", err, stderr)
			case c.wantErr == "usage" && !errors.Is(err, errUsage):
				t.Errorf("run = %v, want errUsage", err)
			case c.wantErr != "" && c.wantErr != "usage" && (err == nil || !strings.Contains(err.Error(), c.wantErr)):
				t.Errorf("run = %v, want %q", err, c.wantErr)
			}
			if r, b := listedLimits(t, db, id); r != c.wantRate || b != c.wantBu {
				t.Errorf("rate %s burst %s, want %s %s", r, b, c.wantRate, c.wantBu)
			}
		})
	}

	// keys create --rate 0 --burst 0 means the server's defaults, and says so.
	_, stderr, err := runCLI(t, env, "keys", "create", "--db", db, "--name", "zero", "--rate", "0", "--burst", "0")
	if err != nil || !strings.Contains(stderr, "rate: the server's default (PALJA_RATE), burst: the server's default (PALJA_BURST)") {
		t.Errorf("keys create --rate 0: %v\n%s", err, stderr)
	}
}

// TestKeysRevokeFlagOrder: revoke takes --db before or after KEY_ID.
func TestKeysRevokeFlagOrder(t *testing.T) {
	db, id := newDB(t)
	env := map[string]string{"PALJA_DB": filepath.Join(t.TempDir(), "elsewhere.db")}
	_, stderr, err := runCLI(t, env, "keys", "create", "--db", db, "--name", "second")
	if err != nil {
		t.Fatal(err, stderr)
	}
	id2 := regexp.MustCompile(`key_\w+`).FindString(stderr)
	for _, args := range [][]string{{"--db", db, id}, {id2, "--db", db}} {
		if _, stderr, err := runCLI(t, env, append([]string{"keys", "revoke"}, args...)...); err != nil {
			t.Errorf("keys revoke %v: %v\n%s", args, err, stderr)
		}
	}
	// A flag that takes a value, given last without one, is a usage error
	// (it must not take the positional separator as its value).
	for _, args := range [][]string{{"keys", "revoke", id, "--db"}, {"keys", "limits", id, "--db"}, {"keys", "limits", id, "--rate"}, {"chart", "1990-05-15", "--json", "--db"}} {
		_, stderr, err := runCLI(t, env, args...)
		if args[0] == "chart" { // chart has no --db: an unknown flag
			if !errors.Is(err, errUsage) {
				t.Errorf("%v: %v", args, err)
			}
			continue
		}
		if !errors.Is(err, errUsage) || !strings.Contains(stderr, "flag needs an argument: "+args[len(args)-1]) {
			t.Errorf("%v: %v\n%s", args, err, stderr)
		}
	}
	out, _, err := runCLI(t, env, "keys", "list", "--db", db)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{id, id2} {
		if !regexp.MustCompile(`(?m)^` + k + `\s.*Z\s*$`).MatchString(out) {
			t.Errorf("%s not revoked:\n%s", k, out)
		}
	}
}

// TestNoDatabaseNoFile: keys list, revoke and limits and reencrypt on a
// database that does not exist fail (exit 1) with a clear message and
// create no file: not the database, its -wal or -shm, nor a key file.
// A directory given as --db is refused before a key file is written
// beside it, by every command.
func TestNoDatabaseNoFile(t *testing.T) {
	for _, c := range []struct {
		args    []string
		keys    string // PALJA_ENCRYPTION_KEYS
		wantErr string
	}{
		{[]string{"keys", "list"}, "", "no database at "},
		{[]string{"keys", "revoke", "key_x"}, "", "no database at "},
		{[]string{"keys", "limits", "key_x", "--rate", "1"}, "", "no database at "},
		{[]string{"reencrypt"}, "", "no database at "},
		{[]string{"reencrypt"}, encKey("k1", 1), "no database at "},
		{[]string{"keys", "list"}, encKey("k1", 1), "no database at "},
	} {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			dir := t.TempDir()
			db := filepath.Join(dir, "typo.db")
			env := map[string]string{"PALJA_DB": db, "PALJA_ENCRYPTION_KEYS": c.keys}
			_, stderr, err := runCLI(t, env, c.args...)
			if err == nil || errors.Is(err, errUsage) || !strings.Contains(err.Error(), c.wantErr+db) {
				t.Errorf("run = %v, want an error (exit 1) saying %q\n%s", err, c.wantErr+db, stderr)
			}
			if strings.Contains(stderr, "done") {
				t.Errorf("reported success:\n%s", stderr)
			}
			if files := dirFiles(t, dir); len(files) > 0 {
				t.Errorf("created %v", files)
			}
		})
	}

	for _, args := range [][]string{{"keys", "list"}, {"reencrypt"}, {"keys", "create", "--name", "x"}, {"serve", "--addr", "127.0.0.1:0"}} {
		t.Run("directory "+strings.Join(args, " "), func(t *testing.T) {
			parent := t.TempDir()
			dir := filepath.Join(parent, "d")
			if err := os.Mkdir(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			_, stderr, err := runCLI(t, nil, append(args, "--db", dir)...)
			if err == nil || !strings.Contains(err.Error(), "is a directory") {
				t.Errorf("run = %v, want \"is a directory\"\n%s", err, stderr)
			}
			if files := dirFiles(t, parent); len(files) != 1 {
				t.Errorf("created %v", files)
			}
		})
	}

	// An existing database whose key file is missing (say it was made with
	// PALJA_ENCRYPTION_KEYS, which is not set now): no new key file.
	db, _ := newDB(t)
	if err := os.Remove(db + ".keys"); err != nil {
		t.Fatal(err)
	}
	// keys create goes through the same openDB as serve (which would block
	// here if it started).
	for _, args := range [][]string{{"keys", "list"}, {"reencrypt"}, {"keys", "create", "--name", "x"}} {
		_, _, err := runCLI(t, nil, append(args, "--db", db)...)
		if err == nil || !strings.Contains(err.Error(), "no encryption keys") {
			t.Errorf("%v without a key file: %v", args, err)
		}
		if _, err := os.Stat(db + ".keys"); err == nil {
			t.Errorf("%v generated a key file for an existing database", args)
		}
	}
}

// TestFlagsWinOverEnvironment: a bad environment value whose flag is given
// does not matter; without the flag it is an error (exit 1) naming the
// variable, reported before any file is created.
func TestFlagsWinOverEnvironment(t *testing.T) {
	for _, c := range []struct {
		env   map[string]string
		flags []string
	}{
		{map[string]string{"PALJA_RATE": "abc"}, []string{"--rate", "5"}},
		{map[string]string{"PALJA_BURST": "-3"}, []string{"--burst", "5"}},
		{map[string]string{"PALJA_RATE": "abc", "PALJA_BURST": "x"}, []string{"--rate", "5", "--burst", "5"}},
		{map[string]string{"PALJA_CORS_ORIGINS": "foo"}, []string{"--cors-origins", "https://app.example.com"}},
	} {
		t.Run(strings.Join(c.flags, " "), func(t *testing.T) {
			env := map[string]string{"PALJA_DB": filepath.Join(t.TempDir(), "p.db")}
			for k, v := range c.env {
				env[k] = v
			}
			p := serveInProcess(t, env, c.flags...)
			p.stop(t)
		})
	}
	for _, c := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"PALJA_RATE": "abc"}, "PALJA_RATE must be a positive number"},
		{map[string]string{"PALJA_RATE": "NaN"}, "PALJA_RATE must be a positive number"},
		{map[string]string{"PALJA_BURST": "-3"}, "PALJA_BURST must be a positive integer"},
		{map[string]string{"PALJA_CORS_ORIGINS": "foo"}, `PALJA_CORS_ORIGINS: "foo" is not an origin`},
	} {
		t.Run(c.want, func(t *testing.T) { serveRefuses(t, c.env, c.want) })
	}
}

// serveRefuses checks that serve, with vars in its environment (and
// PALJA_DB in a new directory and a free PALJA_ADDR), fails at start-up
// with an error (exit 1) saying want, before it creates any file.
func serveRefuses(t *testing.T, vars map[string]string, want string) {
	t.Helper()
	dir := t.TempDir()
	env := map[string]string{"PALJA_DB": filepath.Join(dir, "p.db"), "PALJA_ADDR": freeAddr(t)}
	for k, v := range vars {
		env[k] = v
	}
	_, stderr, err := runCLI(t, env, "serve")
	if err == nil || errors.Is(err, errUsage) || !strings.Contains(err.Error(), want) {
		t.Errorf("run = %v, want %q (exit 1)\n%s", err, want, stderr)
	}
	if files := dirFiles(t, dir); len(files) > 0 {
		t.Errorf("created %v", files)
	}
}

// TestConfigValidation: values that would be silently ignored or never
// match are errors at start-up (exit 1), before any file is created.
func TestConfigValidation(t *testing.T) {
	for _, c := range []struct {
		name, value, want string
	}{
		{"PALJA_CORS_ORIGINS", "https://a.com/", `"https://a.com/" has a path, query or trailing slash, which a browser's Origin never has: write https://a.com`},
		{"PALJA_CORS_ORIGINS", "foo", `"foo" is not an origin`},
		{"PALJA_CORS_ORIGINS", "https://a.com, https://b.com/app", "has a path"},
		{"PALJA_CORS_ORIGINS", "https://a.com?x=1", "has a path, query"},
		{"PALJA_CORS_ORIGINS", "https://a.com#", "has a path, query"},
		{"PALJA_CORS_ORIGINS", "https://user@a.com", "has a user name"},
		{"PALJA_CORS_ORIGINS", "https://*.a.com", "has a wildcard"},
		{"PALJA_CORS_ORIGINS", "https://a.com,*", `"*" allows every origin and must be alone`},
		{"PALJA_CORS_ORIGINS", "https://a.com:443", "has the default port"},
		{"PALJA_CORS_ORIGINS", "http://a.com:99999", "has a bad port"},
		{"PALJA_CORS_ORIGINS", "http://a.com:", "has a bad port"},
		{"PALJA_CORS_ORIGINS", "a.com:8080", "is not an origin"},
		{"PALJA_LOG_LEVEL", "verbose", "PALJA_LOG_LEVEL must be debug, info, warn or error"},
		{"PALJA_LOG_LEVEL", "info+2", "PALJA_LOG_LEVEL must be"},
		{"PALJA_LOG_FORMAT", "xml", "PALJA_LOG_FORMAT must be text or json"},
		{"PALJA_ENCRYPTION_KEYS", "   ", "PALJA_ENCRYPTION_KEYS is set but blank"},
		{"PALJA_ENCRYPTION_KEYS", "\t\n", "PALJA_ENCRYPTION_KEYS is set but blank"},
	} {
		t.Run(c.name+"="+c.value, func(t *testing.T) {
			serveRefuses(t, map[string]string{c.name: c.value}, c.want)
		})
	}
	// A blank PALJA_ENCRYPTION_KEYS is an error for every command.
	dir := t.TempDir()
	if _, _, err := runCLI(t, map[string]string{"PALJA_ENCRYPTION_KEYS": " "}, "keys", "create", "--name", "x", "--db", filepath.Join(dir, "p.db")); err == nil ||
		!strings.Contains(err.Error(), "set but blank") || len(dirFiles(t, dir)) > 0 {
		t.Errorf("keys create with a blank PALJA_ENCRYPTION_KEYS: %v, files %v", err, dirFiles(t, dir))
	}
}

func TestCheckOriginsAccepts(t *testing.T) {
	for _, v := range []string{"", "*", " * ", "https://a.com", "HTTPS://A.com", "http://localhost:3000", "https://a.com, https://b.com:8443,",
		"http://[::1]:8080", "http://127.0.0.1:5173"} {
		if err := checkOrigins(v); err != nil {
			t.Errorf("checkOrigins(%q) = %v", v, err)
		}
	}
}

func TestLogConfigAccepts(t *testing.T) {
	for _, env := range []map[string]string{
		{}, {"PALJA_LOG_LEVEL": "debug"}, {"PALJA_LOG_LEVEL": "WARN"}, {"PALJA_LOG_LEVEL": "error", "PALJA_LOG_FORMAT": "json"},
		{"PALJA_LOG_FORMAT": "text"},
	} {
		_, closeLog, err := newLogger(fakeEnv(env), &bytes.Buffer{})
		if err != nil {
			t.Errorf("%v: %v", env, err)
			continue
		}
		closeLog()
	}
}

// TestSecretsNeverEchoed: an API key secret given where an id, a name, a
// command or a flag value belongs is never printed back, on stderr or in
// the error; revoke and limits say they take the key's id.
func TestSecretsNeverEchoed(t *testing.T) {
	db, _ := newDB(t)
	secret, _, err := runCLI(t, nil, "keys", "create", "--db", db, "--name", "leaked")
	if err != nil {
		t.Fatal(err)
	}
	secret = strings.TrimSpace(secret)
	random := strings.TrimPrefix(secret, "pj_live_")
	for _, c := range []struct {
		args []string
		want string // on stderr or in the error
	}{
		{[]string{"keys", "revoke", secret}, "revoke takes the key's id (key_…, see palja keys list)"},
		{[]string{"keys", "revoke", "--db", db, secret}, "revoke takes the key's id"},
		{[]string{"keys", "revoke", secret + "x"}, "revoke takes the key's id"},
		{[]string{"keys", "limits", secret, "--rate", "1"}, "limits takes the key's id"},
		{[]string{"keys", "list", secret}, "unexpected argument (an API key secret, not shown)"},
		{[]string{"keys", "create", "--name", "x", "--rate", secret}, "invalid value"},
		{[]string{"keys", "create", "--name", "x", "--account", secret}, "no account (an API key secret, not shown)"},
		{[]string{"keys", secret}, "unknown subcommand"},
		{[]string{secret}, "unknown command"},
		{[]string{"serve", secret}, "unexpected argument"},
		{[]string{"chart", "1990-05-15", "10", secret}, "unexpected argument"},
		{[]string{"encryption-key", secret}, "unexpected argument"},
		{[]string{"keys", "list", "-" + secret}, "flag provided but not defined"},
	} {
		t.Run(strings.ReplaceAll(strings.Join(c.args, " "), random, "SECRET"), func(t *testing.T) {
			stdout, stderr, err := runCLI(t, map[string]string{"PALJA_DB": db}, c.args...)
			if err == nil {
				t.Fatal("no error")
			}
			all := stdout + stderr + err.Error()
			if strings.Contains(all, random) {
				t.Errorf("the secret was printed:\n%s", all)
			}
			if !strings.Contains(stderr+err.Error(), c.want) {
				t.Errorf("want %q in:\n%s%v", c.want, stderr, err)
			}
		})
	}
}

// TestKeyNames: a key name is 1 to 100 printable characters, trimmed;
// anything else is a usage error that does not print the name back and
// creates nothing.
func TestKeyNames(t *testing.T) {
	for _, c := range []struct {
		name, stored string // stored "" means refused
	}{
		{"ci", "ci"},
		{"  ci  ", "ci"},
		{"김영희의 키 (prod)", "김영희의 키 (prod)"},
		{strings.Repeat("가", 100), strings.Repeat("가", 100)},
		{"", ""},
		{"   ", ""},
		{strings.Repeat("a", 101), ""},
		{strings.Repeat("a", 5000), ""},
		{"red\x1b[31mname", ""},
		{"clear\x1b[2J", ""},
		{"two\nlines", ""},
		{"tab\there", ""},
		{"cr\rname", ""},
		{"del\x7f", ""},
		{"c1\u0085next", ""},
		{"bidi\u202eevil", ""},
		{"zero\u200bwidth", ""},
		{"line\u2028sep", ""},
		{"bad\xffutf8", ""},
	} {
		t.Run(caseName(c.name), func(t *testing.T) {
			dir := t.TempDir()
			db := filepath.Join(dir, "p.db")
			stdout, stderr, err := runCLI(t, nil, "keys", "create", "--db", db, "--name", c.name)
			if c.stored == "" {
				if !errors.Is(err, errUsage) || !strings.Contains(stderr, "palja keys create: --name") {
					t.Errorf("run = %v, want a usage error about --name\n%s", err, stderr)
				}
				if strings.TrimSpace(c.name) != "" && strings.Contains(stderr, c.name) || stdout != "" {
					t.Errorf("the name was printed back:\n%q", stderr)
				}
				if files := dirFiles(t, dir); len(files) > 0 {
					t.Errorf("created %v", files)
				}
				return
			}
			if err != nil {
				t.Fatalf("%v\n%s", err, stderr)
			}
			out, _, err := runCLI(t, nil, "keys", "list", "--db", db)
			if err != nil || !regexp.MustCompile(`(?m)^key_\w+\s+`+regexp.QuoteMeta(c.stored)+`\s+acct_`).MatchString(out) {
				t.Errorf("keys list (%v) does not show %q:\n%s", err, c.stored, out)
			}
		})
	}
}

// TestKeysListEscapesStoredNames: names stored before they were checked
// (straight through storage) are listed quoted and escaped: no terminal
// escape, line break or tab reaches the output, and very long ones are cut.
func TestKeysListEscapesStoredNames(t *testing.T) {
	db, _ := newDB(t)
	sdb, err := openDB(context.Background(), fakeEnv(nil), dbFlags{db: db}, false, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"evil\x1b[2J\x1b[31m", "two\nlines\tand tab", "bidi\u202eevil", strings.Repeat("x", 5000)} {
		if _, _, err := sdb.CreateKey(context.Background(), name, "", 0, 0); err != nil {
			t.Fatal(err)
		}
	}
	sdb.Close()
	out, _, err := runCLI(t, nil, "keys", "list", "--db", db)
	if err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(out, "\x1b\t\u202e") || strings.Count(out, "\n") != 6 {
		t.Errorf("raw control characters or extra lines in keys list:\n%q", out)
	}
	for _, want := range []string{`"evil\x1b[2J\x1b[31m"`, `"two\nlines\tand tab"`, `"bidi\u202eevil"`, strings.Repeat("x", 100) + "…"} {
		if !strings.Contains(out, want) {
			t.Errorf("keys list lacks %s:\n%s", want, out)
		}
	}
	if strings.Contains(out, strings.Repeat("x", 101)) {
		t.Error("a 5,000-character name is listed whole")
	}
}

// TestChartMessages: every chart usage error says why, as "palja chart:
// <reason>", including a negative hour (not taken for a flag), a date out
// of range and an extra argument.
func TestChartMessages(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"1990-05-15", "-1"}, "palja chart: the hour must be between 0 and 23"},
		{[]string{"--json", "1990-05-15", "-1"}, "palja chart: the hour must be between 0 and 23"},
		{[]string{"1990-05-15", "24"}, "palja chart: the hour must be between 0 and 23"},
		{[]string{"1990-05-15", "10", "extra"}, `palja chart: unexpected argument "extra"`},
		{[]string{"1990-02-30"}, "palja chart: the day must be between 1 and 28 in that month"},
		{[]string{"1899-12-31"}, "palja chart: the year must be between"},
		{[]string{"1990-13-01"}, "palja chart: the month must be between 1 and 12"},
		{nil, "palja chart: missing the date"},
		{[]string{"yesterday"}, "palja chart: the date must be written YYYY-MM-DD"},
	} {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			stdout, stderr, err := runCLI(t, nil, append([]string{"chart"}, c.args...)...)
			if !errors.Is(err, errUsage) || !strings.HasPrefix(stderr, c.want) || !strings.Contains(stderr, "usage: palja chart") {
				t.Errorf("run = %v, stderr %q; want errUsage and %q then the usage", err, stderr, c.want)
			}
			if strings.Contains(stderr, "saju:") || strings.Contains(stderr, "flag provided") || stdout != "" {
				t.Errorf("stderr %q, stdout %q", stderr, stdout)
			}
		})
	}
}

// TestShutdownLogsOnce: a graceful stop logs "shutting down" and
// "stopped" once each, in text and in JSON.
func TestShutdownLogsOnce(t *testing.T) {
	for _, format := range []string{"text", "json"} {
		t.Run(format, func(t *testing.T) {
			p := serveInProcess(t, map[string]string{"PALJA_DB": filepath.Join(t.TempDir(), "p.db"), "PALJA_LOG_FORMAT": format})
			p.call(t, "pj_live_nope", "GET", "/v1/profiles", "")
			p.stop(t)
			log := p.stderr.String()
			for _, msg := range []string{"shutting down", "stopped"} {
				if n := strings.Count(log, msg); n != 1 {
					t.Errorf("%q logged %d times:\n%s", msg, n, log)
				}
			}
		})
	}
}
