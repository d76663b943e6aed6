package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/palja/palja/profile"
	"github.com/palja/palja/storage"
)

const keysUsage = `usage:
  palja keys create --name NAME [--account ACCT] [--rate R] [--burst B]
  palja keys list
  palja keys revoke KEY_ID
  palja keys limits KEY_ID --rate R --burst B
`

func runKeys(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, keysUsage)
		return errUsage
	}
	fs := flag.NewFlagSet("keys "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	var d dbFlags
	d.register(fs, getenv)
	usage := func() error {
		fmt.Fprint(stderr, keysUsage)
		return errUsage
	}
	// Each subcommand parses its flags and returns the work to do on the
	// database, which is opened once below.
	var work func(db *storage.DB) error
	switch args[0] {
	case "create":
		name := fs.String("name", "", "a name for the key (required)")
		account := fs.String("account", "", "the account the key belongs to (default: a new account)")
		rate := fs.Float64("rate", 0, "requests per second (default: the server's PALJA_RATE)")
		burst := fs.Int("burst", 0, "burst (default: the server's PALJA_BURST)")
		if err := parseFlags(fs, args[1:]); err != nil {
			return err
		}
		if *name == "" || fs.NArg() > 0 || *rate < 0 || *burst < 0 {
			return usage()
		}
		work = func(db *storage.DB) error {
			secret, k, err := db.CreateKey(ctx, *name, *account, *rate, *burst)
			if err != nil {
				return err
			}
			fmt.Fprintf(stderr, "created key %s (%s) for account %s\n", k.ID, k.Prefix+"…", k.AccountID)
			fmt.Fprintln(stdout, secret)
			return nil
		}
	case "list":
		if err := parseFlags(fs, args[1:]); err != nil {
			return err
		}
		if fs.NArg() > 0 {
			return usage()
		}
		work = func(db *storage.DB) error {
			keys, err := db.ListKeys(ctx)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tNAME\tACCOUNT\tPREFIX\tRATE\tBURST\tCREATED\tLAST USED\tREVOKED")
			for _, k := range keys {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s…\t%s\t%s\t%s\t%s\t%s\n", k.ID, k.Name, k.AccountID, k.Prefix,
					orDefault(k.Rate == 0, fmt.Sprint(k.Rate)), orDefault(k.Burst == 0, fmt.Sprint(k.Burst)),
					k.CreatedAt.UTC().Format(time.RFC3339), timeOrDash(k.LastUsedAt), timeOrDash(k.RevokedAt))
			}
			return tw.Flush()
		}
	case "revoke":
		if err := parseFlags(fs, reorder(args[1:])); err != nil {
			return err
		}
		if fs.NArg() != 1 {
			return usage()
		}
		work = func(db *storage.DB) error {
			if err := keyErr(db.RevokeKey(ctx, fs.Arg(0)), fs.Arg(0)); err != nil {
				return err
			}
			fmt.Fprintf(stderr, "revoked %s\n", fs.Arg(0))
			return nil
		}
	case "limits":
		rate := fs.Float64("rate", 0, "requests per second (0: the server default)")
		burst := fs.Int("burst", 0, "burst (0: the server default)")
		if err := parseFlags(fs, reorder(args[1:])); err != nil {
			return err
		}
		if fs.NArg() != 1 || *rate < 0 || *burst < 0 {
			return usage()
		}
		work = func(db *storage.DB) error {
			if err := keyErr(db.SetKeyLimits(ctx, fs.Arg(0), *rate, *burst), fs.Arg(0)); err != nil {
				return err
			}
			fmt.Fprintf(stderr, "limits of %s set; a running server applies them within a second\n", fs.Arg(0))
			return nil
		}
	default:
		return usage()
	}
	db, err := openDB(ctx, getenv, d.db, stderr)
	if err != nil {
		return err
	}
	defer db.Close()
	return work(db)
}

// keyErr names an unknown key id plainly.
func keyErr(err error, id string) error {
	if errors.Is(err, profile.ErrNotFound) {
		return fmt.Errorf("no key %q", id)
	}
	return err
}

// reorder moves a leading positional argument after the flags, so that
// "keys limits KEY --rate 5" parses like "keys limits --rate 5 KEY".
func reorder(args []string) []string {
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		return append(append([]string{}, args[1:]...), args[0])
	}
	return args
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
