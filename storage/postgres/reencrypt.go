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
	for after := int64(0); ; {
		var n int
		var bad []error
		var last int64
		var more bool
		err := db.inTx(ctx, func(tx pgx.Tx) error {
			n, bad, last, more = 0, nil, after, false
			rows, err := tx.Query(ctx, "SELECT seq, account_id, id, sealed FROM profiles WHERE key_id <> $1 AND seq > $2 "+
				"ORDER BY seq LIMIT $3 FOR UPDATE", primary, after, batch)
			if err != nil {
				return err
			}
			type row struct {
				seq         int64
				account, id string
				sealed      []byte
			}
			rs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (row, error) {
				var x row
				return x, r.Scan(&x.seq, &x.account, &x.id, &x.sealed)
			})
			if err != nil {
				return err
			}
			more = len(rs) == batch
			var buf sealed.Buffers
			for _, r := range rs {
				last = r.seq
				ct, err := db.sl.ResealProfile(&buf, r.account, r.id, r.sealed)
				if err != nil {
					bad = append(bad, err)
					continue
				}
				if _, err := tx.Exec(ctx, "UPDATE profiles SET sealed = $1, key_id = $2 WHERE seq = $3", ct, primary, r.seq); err != nil {
					return err
				}
				n++
			}
			return nil
		})
		if err != nil {
			return done, fmt.Errorf("postgres: reencrypt: %w", err)
		}
		done += n
		failures = append(failures, bad...)
		if n > 0 {
			report(done)
		}
		if !more {
			break
		}
		after = last
	}

	if err := db.resealFingerprints(ctx, batch, cutoff); err != nil {
		return done, fmt.Errorf("postgres: reencrypt idempotency keys: %w", err)
	}
	if len(failures) > 0 {
		return done, fmt.Errorf("postgres: reencrypt: %d profiles did not open and keep their key: %w", len(failures), errors.Join(failures...))
	}
	return done, nil
}

// resealFingerprints seals again under the primary key the live
// idempotency fingerprints under another key that the ring holds, batch
// rows per transaction. The table has no key_id column: each live row is
// read and its ciphertext's header checked; the table holds a day of
// creates.
func (db *DB) resealFingerprints(ctx context.Context, batch int, cutoff int64) error {
	for after := int64(0); ; {
		var last int64
		var more bool
		err := db.inTx(ctx, func(tx pgx.Tx) error {
			last, more = after, false
			rows, err := tx.Query(ctx, "SELECT seq, account_id, key, fingerprint FROM idempotency_keys WHERE seq > $1 AND created_at > $2 "+
				"ORDER BY seq LIMIT $3 FOR UPDATE", after, cutoff, batch)
			if err != nil {
				return err
			}
			type row struct {
				seq          int64
				account, key string
				fp           []byte
			}
			rs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (row, error) {
				var x row
				return x, r.Scan(&x.seq, &x.account, &x.key, &x.fp)
			})
			if err != nil {
				return err
			}
			more = len(rs) == batch
			var buf sealed.Buffers
			for _, r := range rs {
				last = r.seq
				if !db.sl.StaleFingerprint(r.fp) {
					continue
				}
				ct, err := db.sl.ResealFingerprint(&buf, r.account, r.key, r.fp)
				if err != nil {
					continue // counts as expired; left for the purge
				}
				if _, err := tx.Exec(ctx, "UPDATE idempotency_keys SET fingerprint = $1 WHERE seq = $2", ct, r.seq); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		if !more {
			return nil
		}
		after = last
	}
}
