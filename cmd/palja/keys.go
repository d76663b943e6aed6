package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/palja/palja/auth"
	"github.com/palja/palja/profile"
)

const keysUsage = `usage:
  palja keys create --name NAME [--account ACCT] [--rate R] [--burst B]
  palja keys list
  palja keys revoke KEY_ID
  palja keys limits KEY_ID [--rate R] [--burst B]

KEY_ID is the key's id (key_…, as keys list shows it), never its secret.
Flags may come before or after KEY_ID; every command takes --db FILE
(or --database-url URL for PostgreSQL).
--rate is requests per second and --burst the bucket's capacity; 0 (or
leaving the flag out of create) means the server's default, PALJA_RATE or
PALJA_BURST. keys limits changes only the flags given, at least one.
`

// maxKeyName is the longest key name, in characters.
const maxKeyName = 100

// runKeys is "palja keys": it runs the subcommand named by args[0].
func runKeys(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprintf(stderr, "palja keys: missing subcommand (create, list, revoke or limits)\n\n%s", keysUsage)
		return errUsage
	}
	sub, rest := args[0], args[1:]
	if sub == "help" || isHelpFlag(sub) {
		fmt.Fprint(stderr, keysUsage)
		return errHelp
	}
	switch sub {
	case "create":
		return runKeysCreate(ctx, rest, getenv, stdout, stderr)
	case "list":
		return runKeysList(ctx, rest, getenv, stdout, stderr)
	case "revoke":
		return runKeysRevoke(ctx, rest, getenv, stderr)
	case "limits":
		return runKeysLimits(ctx, rest, getenv, stderr)
	}
	fmt.Fprintf(stderr, "palja keys: unknown subcommand %s\n\n%s", quoteArg(sub), keysUsage)
	return errUsage
}

// newKeysFlagSet returns the flag set of "palja keys <sub>", with --db.
func newKeysFlagSet(sub string, getenv func(string) string, stderr io.Writer) (*flag.FlagSet, *dbFlags) {
	fs := newFlagSet("keys "+sub, keysUsage, stderr)
	var d dbFlags
	d.register(fs, getenv)
	return fs, &d
}

// runKeysCreate is "palja keys create": it creates a key, printing its
// secret alone on stdout and what it is on stderr. It is the only keys
// subcommand that may create the database.
func runKeysCreate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs, d := newKeysFlagSet("create", getenv, stderr)
	name := fs.String("name", "", "a name for the key (required; 1 to 100 printable characters)")
	account := fs.String("account", "", "the account the key belongs to (default: a new account)")
	rate := fs.Float64("rate", 0, "requests per second (0 or left out: the server's PALJA_RATE)")
	burst := fs.Int("burst", 0, "burst (0 or left out: the server's PALJA_BURST)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	n, err := keyName(*name)
	if err != nil {
		return usageError(fs, "%v", err)
	}
	if err := auth.CheckLimits(*rate, *burst); err != nil {
		return usageError(fs, "--%v", err)
	}
	return withDB(ctx, getenv, *d, true, stderr, func(db *database) error {
		secret, k, err := db.CreateKey(ctx, n, *account, *rate, *burst)
		if errors.Is(err, profile.ErrNotFound) {
			return fmt.Errorf("no account %s", quoteArg(*account))
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "created key %s (%s) for account %s; %s\n", k.ID, k.Prefix+"…", k.AccountID, describeLimits(k.Rate, k.Burst))
		fmt.Fprintln(stdout, secret)
		return nil
	})
}

// runKeysList is "palja keys list": a table of every key, never a secret.
func runKeysList(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs, d := newKeysFlagSet("list", getenv, stderr)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	return withDB(ctx, getenv, *d, false, stderr, func(db *database) error {
		keys, err := db.ListKeys(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tACCOUNT\tPREFIX\tRATE\tBURST\tCREATED\tLAST USED\tREVOKED")
		for _, k := range keys {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s…\t%s\t%s\t%s\t%s\t%s\n", k.ID, displayName(k.Name), k.AccountID, k.Prefix,
				orDefault(k.Rate == 0, fmt.Sprint(k.Rate)), orDefault(k.Burst == 0, fmt.Sprint(k.Burst)),
				k.CreatedAt.UTC().Format(time.RFC3339), timeOrDash(k.LastUsedAt), timeOrDash(k.RevokedAt))
		}
		return tw.Flush()
	})
}

// runKeysRevoke is "palja keys revoke KEY_ID".
func runKeysRevoke(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	fs, d := newKeysFlagSet("revoke", getenv, stderr)
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	id, err := keyIDArg(fs)
	if err != nil {
		return err
	}
	return withDB(ctx, getenv, *d, false, stderr, func(db *database) error {
		if err := keyErr(db.RevokeKey(ctx, id), id); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "revoked %s\n", id)
		return nil
	})
}

// runKeysLimits is "palja keys limits KEY_ID": it changes the limits
// given as flags, at least one, and keeps the others.
func runKeysLimits(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	fs, d := newKeysFlagSet("limits", getenv, stderr)
	rate := fs.Float64("rate", 0, "requests per second (0: back to the server's PALJA_RATE)")
	burst := fs.Int("burst", 0, "burst (0: back to the server's PALJA_BURST)")
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	id, err := keyIDArg(fs)
	if err != nil {
		return err
	}
	set := setFlags(fs)
	if !set["rate"] && !set["burst"] {
		return usageError(fs, "give --rate, --burst or both (0 puts a limit back to the server's default)")
	}
	if err := auth.CheckLimits(*rate, *burst); err != nil {
		return usageError(fs, "--%v", err)
	}
	// Only the flags given change, in one statement.
	var rp *float64
	var bp *int
	if set["rate"] {
		rp = rate
	}
	if set["burst"] {
		bp = burst
	}
	return withDB(ctx, getenv, *d, false, stderr, func(db *database) error {
		r, b, err := db.SetKeyLimits(ctx, id, rp, bp)
		if err := keyErr(err, id); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "limits of %s set: %s; a running server applies them within a second\n", id, describeLimits(r, b))
		return nil
	})
}

// keyIDArg returns the one positional argument of revoke and limits, the
// id of a key. A key secret given instead is refused without being
// echoed.
func keyIDArg(fs *flag.FlagSet) (string, error) {
	switch {
	case fs.NArg() == 0:
		return "", usageError(fs, "missing KEY_ID (the key's id, key_…, as palja keys list shows it)")
	case fs.NArg() > 1:
		return "", usageError(fs, "unexpected argument %s after KEY_ID", quoteArg(fs.Arg(1)))
	}
	id := fs.Arg(0)
	if strings.HasPrefix(id, auth.KeyPrefix) {
		return "", usageError(fs, "that is a key's secret, not its id: %s takes the key's id (key_…, see palja keys list); "+
			"the secret is not shown here", strings.TrimPrefix(fs.Name(), "keys "))
	}
	return id, nil
}

// describeLimits says what a key's limits are, in words.
func describeLimits(rate float64, burst int) string {
	r := "rate: the server's default (PALJA_RATE)"
	if rate != 0 {
		r = "rate " + strconv.FormatFloat(rate, 'f', -1, 64) + "/s"
	}
	b := "burst: the server's default (PALJA_BURST)"
	if burst != 0 {
		b = "burst " + strconv.Itoa(burst)
	}
	return r + ", " + b
}

// keyName checks a new key's name and returns it without surrounding
// spaces: 1 to maxKeyName characters, all printable (no control or
// invisible formatting characters, which could rewrite a terminal or hide
// what the name says).
func keyName(s string) (string, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return "", errors.New("--name is required and must not be blank")
	case !utf8.ValidString(s):
		return "", errors.New("--name must be valid UTF-8")
	case utf8.RuneCountInString(s) > maxKeyName:
		return "", fmt.Errorf("--name must be at most %d characters", maxKeyName)
	case !printable(s):
		return "", errors.New("--name must be printable: no control characters, line breaks or invisible formatting characters")
	}
	return s, nil
}

// printable reports whether s is valid UTF-8 made only of graphic
// characters (letters, marks, numbers, punctuation, symbols and spaces):
// no control (Cc), formatting (Cf, such as bidirectional overrides or
// zero-width characters), line or paragraph separator, private-use or
// unassigned character.
func printable(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if !unicode.IsGraphic(r) {
			return false
		}
	}
	return true
}

// displayName is a stored key name as keys list shows it: quoted and
// escaped if it holds anything not printable (names stored before they
// were checked), and cut at maxKeyName characters.
func displayName(s string) string {
	if r := []rune(s); len(r) > maxKeyName {
		s = string(r[:maxKeyName]) + "…"
	}
	if printable(s) {
		return s
	}
	return strconv.QuoteToGraphic(s)
}

// keyErr names an unknown key id plainly.
func keyErr(err error, id string) error {
	if errors.Is(err, profile.ErrNotFound) {
		return fmt.Errorf("no key %s (see palja keys list)", quoteArg(id))
	}
	return err
}

func orDefault(isDefault bool, v string) string {
	if isDefault {
		return "default"
	}
	return v
}

func timeOrDash(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}
