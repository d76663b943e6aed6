package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
)

// envOr returns the value of the environment variable name, or def when
// it is unset or empty.
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

// isHelpFlag reports whether arg is -h, -help or --help: a request for a
// command's usage where no flag set parses it (the keys dispatcher before
// its subcommand, encryption-key, which takes no flags). The usage then
// goes to stderr and the command returns errHelp. The top-level "palja -h"
// differs on purpose: it is the same as "palja help" and prints to stdout,
// and it never took -help.
func isHelpFlag(arg string) bool {
	switch arg {
	case "-h", "-help", "--help":
		return true
	}
	return false
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

// setFlags returns the names of the flags given on the command line.
func setFlags(fs *flag.FlagSet) map[string]bool {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	return set
}
