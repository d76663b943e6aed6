// Command palja runs the palja service and its operator commands:
//
//	palja serve                      run the HTTP API until SIGINT/SIGTERM
//	palja keys create --name NAME    create an API key (prints only the key)
//	palja keys list                  list keys (never the secret)
//	palja keys revoke KEY_ID         revoke a key
//	palja keys limits KEY_ID …       change a key's rate or burst
//	palja reencrypt                  re-seal every profile under the active key
//	palja encryption-key             print a new key for PALJA_ENCRYPTION_KEYS
//	palja chart 1990-05-15 [10]      print the four pillars of a birth
//
// Configuration comes from flags, then PALJA_* environment variables, then
// defaults (see README.md).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signalContext()
	err := run(ctx, os.Args, os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(exitCode(err, os.Stderr))
}

// signalContext returns a context that is done at the first SIGINT or
// SIGTERM. After that first signal (a graceful shutdown has begun), a
// second one gets Go's default behaviour: it ends the process at once.
func signalContext() (context.Context, context.CancelFunc) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop()
	}()
	return ctx, stop
}

// exitCode is the exit status for what run returned: 0 for success or
// help, 2 for a usage error (already explained on stderr), otherwise 1,
// after printing the error on stderr.
func exitCode(err error, stderr io.Writer) int {
	switch {
	case err == nil, errors.Is(err, errHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	}
	fmt.Fprintln(stderr, "palja:", err)
	return 1
}

var (
	// errUsage reports a usage error already explained on stderr.
	errUsage = errors.New("usage")
	// errHelp reports that -h or --help printed a command's usage: the
	// command did nothing else, and palja exits 0.
	errHelp = errors.New("help requested")
)

const usage = `usage: palja <command> [flags]

commands:
  serve        run the HTTP API (PALJA_ADDR, PALJA_DB, PALJA_RATE, PALJA_BURST, PALJA_CORS_ORIGINS)
  keys         create, list and revoke API keys, or change their limits
  reencrypt    re-encrypt every profile under the active encryption key
  encryption-key  print a new encryption key (id:base64) for PALJA_ENCRYPTION_KEYS
  chart        print the four pillars of a birth date: palja chart 1990-05-15 [hour]

Run 'palja <command> -h' for the flags of a command.
`

// run is the whole program, with its environment passed in so that tests can
// drive it.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) < 2 {
		fmt.Fprintf(stderr, "palja: missing command\n\n%s", usage)
		return errUsage
	}
	cmd, rest := args[1], args[2:]
	switch cmd {
	case "serve":
		return runServe(ctx, rest, getenv, stderr)
	case "keys":
		return runKeys(ctx, rest, getenv, stdout, stderr)
	case "reencrypt":
		return runReencrypt(ctx, rest, getenv, stderr)
	case "chart":
		return runChart(rest, stdout, stderr)
	case "encryption-key":
		return runEncryptionKey(rest, stdout, stderr)
	case "help", "-h", "--help": // not -help: see isHelpFlag
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprintf(stderr, "palja: unknown command %s\n\n%s", quoteArg(cmd), usage)
	return errUsage
}
