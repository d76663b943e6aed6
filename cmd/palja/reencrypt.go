package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/palja/palja/storage"
)

// runReencrypt re-seals every profile (and every remembered Idempotency-Key
// fingerprint) not under the active key, in batches, printing progress on
// stderr: done/total counts both. It is safe while serve runs and resumable.
func runReencrypt(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	fs := flag.NewFlagSet("reencrypt", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var d dbFlags
	d.register(fs, getenv)
	batch := fs.Int("batch", storage.DefaultReencryptBatch, "rows (profiles, then idempotency fingerprints) per transaction")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *batch < 1 || fs.NArg() > 0 {
		return errUsage
	}
	db, err := openDB(ctx, getenv, d.db, stderr)
	if err != nil {
		return err
	}
	defer db.Close()
	n, err := db.Reencrypt(ctx, *batch, func(done, total int) {
		fmt.Fprintf(stderr, "reencrypt: %d/%d\n", done, total)
	})
	if err != nil {
		return fmt.Errorf("reencrypt (after %d profiles; run it again to resume): %w", n, err)
	}
	fmt.Fprintf(stderr, "reencrypt: done, %d profiles re-encrypted\n", n)
	return nil
}
