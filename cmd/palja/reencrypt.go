package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/palja/palja/storage/sealed"
	"github.com/palja/palja/storage/sqlite"
)

const reencryptUsage = `usage: palja reencrypt [--db FILE | --database-url URL] [--batch N]

Re-encrypts every profile under the active encryption key (the first of
PALJA_ENCRYPTION_KEYS), while serve runs; run it again to resume. The
database must exist.
`

// runReencrypt re-seals every profile (and every remembered Idempotency-Key
// fingerprint) not under the active key, in batches, printing progress on
// stderr: done/total counts both. It is safe while serve runs and resumable.
func runReencrypt(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	fs := newFlagSet("reencrypt", reencryptUsage, stderr)
	var d dbFlags
	d.register(fs, getenv)
	batch := fs.Int("batch", sqlite.DefaultReencryptBatch, "rows (profiles, then idempotency fingerprints) per transaction, at least 1")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	if *batch < 1 {
		return usageError(fs, "--batch must be at least 1")
	}
	return withDB(ctx, getenv, d, false, stderr, func(db *database) error {
		n, err := db.Reencrypt(ctx, *batch, func(done, total int) {
			fmt.Fprintf(stderr, "reencrypt: %d/%d\n", done, total)
		})
		if errors.Is(err, sealed.ErrKeyNotInUse) { // SQLite and PostgreSQL alike
			return err // nothing done: the order of the steps is wrong
		}
		if err != nil {
			return fmt.Errorf("stopped after %d profiles (run it again to resume): %w", n, err)
		}
		fmt.Fprintf(stderr, "reencrypt: done, %d profiles re-encrypted\n", n)
		return nil
	})
}
