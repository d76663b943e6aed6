package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/palja/palja/storage/sealed"
)

// Reencrypt seals again under the keyring's primary key every profile whose
// ciphertext is under another key, batch profiles per transaction, and
// returns how many profiles it re-sealed; then it does the same for the
// sealed fingerprints of the live idempotency keys (not in the count), so
// that a retried create is still replayed once the old key has left the
// ring.
//
// Each batch is selected FOR UPDATE and re-sealed in the transaction that
// writes it back, so a concurrent update, in this process or another, is
// never lost; only the ciphertext and key_id change. Interrupted, it can
// simply be run again: it continues with the rows still under old keys,
// and a run with nothing left returns 0. progress, if not nil, is called
// after each committed batch with the ciphertexts re-sealed so far and the
// count under another key at the start.
//
// A profile ciphertext that does not open is left as it is; Reencrypt
// carries on and then returns an error naming those profiles and their key
// ids. A fingerprint that does not open counts as expired and is left for
// the purge.
//
// Reencrypt refuses, with [sealed.ErrKeyNotInUse], while no server has run
// with the primary key (its check value is not recorded, see
// [DB.Activate] and [Options.Passive]).
func (db *DB) Reencrypt(ctx context.Context, batch int, progress func(done, total int)) (int, error) {
	if batch <= 0 {
		batch = DefaultReencryptBatch
	}
	if err := db.primaryInUse(ctx); err != nil {
		return 0, fmt.Errorf("postgres: reencrypt: %w", err)
	}
	primary := string(db.sl.Primary())
	cutoff := sealed.IdempotencyCutoff(db.now().Unix())
	var total int
	if err := db.pool.QueryRow(ctx, "SELECT COUNT(*) FROM profiles WHERE key_id <> $1", primary).Scan(&total); err != nil {
		return 0, fmt.Errorf("postgres: reencrypt: %w", err)
	}
	report := func(done int) {
		if progress != nil {
			progress(done, total)
		}
	}

	var failures []error
	done := 0
	profiles := resealTable{
		sel:     "SELECT seq, account_id, id, sealed FROM profiles WHERE key_id <> $1 AND seq > $2 ORDER BY seq LIMIT $3 FOR UPDATE",
		selArgs: func(after int64) []any { return []any{primary, after, batch} },
		upd:     "UPDATE profiles SET sealed = $1, key_id = $2 WHERE seq = $3",
		updArgs: func(ct []byte, seq int64) []any { return []any{ct, primary, seq} },
		reseal:  db.sl.ResealProfile,
	}
	err := db.resealBatches(ctx, batch, profiles, func(n int, bad []error) {
		done += n
		failures = append(failures, bad...)
		if n > 0 {
			report(done)
		}
	})
	if err != nil {
		return done, fmt.Errorf("postgres: reencrypt: %w", err)
	}

	// idempotency_keys has no key_id column: each live row is read and its
	// ciphertext's header checked (the table holds a day of creates). A
	// fingerprint that does not open counts as expired and is left for the
	// purge.
	fingerprints := resealTable{
		sel: "SELECT seq, account_id, key, fingerprint FROM idempotency_keys WHERE seq > $1 AND created_at > $2 " +
			"ORDER BY seq LIMIT $3 FOR UPDATE",
		selArgs: func(after int64) []any { return []any{after, cutoff, batch} },
		upd:     "UPDATE idempotency_keys SET fingerprint = $1 WHERE seq = $2",
		updArgs: func(ct []byte, seq int64) []any { return []any{ct, seq} },
		stale:   db.sl.StaleFingerprint,
		reseal:  db.sl.ResealFingerprint,
	}
	if err := db.resealBatches(ctx, batch, fingerprints, nil); err != nil {
		return done, fmt.Errorf("postgres: reencrypt idempotency keys: %w", err)
	}
	if len(failures) > 0 {
		return done, fmt.Errorf("postgres: reencrypt: %d profiles did not open and keep their key: %w", len(failures), errors.Join(failures...))
	}
	return done, nil
}

// resealTable is a table whose ciphertexts Reencrypt seals again under the
// primary key.
type resealTable struct {
	// sel selects (seq, account, name, ciphertext) of the rows after a seq,
	// in order and FOR UPDATE, with the arguments of selArgs.
	sel     string
	selArgs func(after int64) []any
	// upd writes a re-sealed ciphertext, with the arguments of updArgs.
	upd     string
	updArgs func(ct []byte, seq int64) []any
	// stale, if set, says which selected rows to re-seal (default: all).
	stale func(ciphertext []byte) bool
	// reseal is the step of package sealed for one row.
	reseal func(buf *sealed.Buffers, account, name string, ciphertext []byte) ([]byte, error)
}

// resealBatches re-seals t batch rows per transaction, each batch locked
// and written back in the transaction that reads it, until no rows remain.
// committed, if set, is told after each committed batch how many rows it
// re-sealed and the errors of those that did not open (left as they are).
func (db *DB) resealBatches(ctx context.Context, batch int, t resealTable, committed func(n int, bad []error)) error {
	type row struct {
		seq           int64
		account, name string
		ciphertext    []byte
	}
	for after := int64(0); ; {
		var n int
		var bad []error
		var last int64
		var more bool
		err := db.inTx(ctx, func(tx pgx.Tx) error {
			n, bad, last, more = 0, nil, after, false
			rows, err := tx.Query(ctx, t.sel, t.selArgs(after)...)
			if err != nil {
				return err
			}
			rs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (row, error) {
				var x row
				return x, r.Scan(&x.seq, &x.account, &x.name, &x.ciphertext)
			})
			if err != nil {
				return err
			}
			more = len(rs) == batch
			var buf sealed.Buffers
			for _, r := range rs {
				last = r.seq
				if t.stale != nil && !t.stale(r.ciphertext) {
					continue
				}
				ct, err := t.reseal(&buf, r.account, r.name, r.ciphertext)
				if err != nil {
					bad = append(bad, err)
					continue
				}
				if _, err := tx.Exec(ctx, t.upd, t.updArgs(ct, r.seq)...); err != nil {
					return err
				}
				n++
			}
			return nil
		})
		if err != nil {
			return err
		}
		if committed != nil {
			committed(n, bad)
		}
		if !more {
			return nil
		}
		after = last
	}
}
