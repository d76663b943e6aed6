package sqlite

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/palja/palja/storage/sealed"
)

// DefaultReencryptBatch is the batch size [DB.Reencrypt] uses for 0.
const DefaultReencryptBatch = 256

// Reencrypt seals again under the keyring's primary key every profile whose
// ciphertext is under another key, batch profiles per transaction, and
// returns how many profiles it re-sealed. It then does the same for the
// sealed fingerprints of the idempotency keys still live (recorded after
// [sealed.IdempotencyCutoff]), so that a retried create is still replayed
// once the old key has left the ring; those are not in the returned count.
//
// progress, if not nil, is called after each committed batch with the
// count of ciphertexts re-sealed so far and the count that was under
// another key at the start, profiles and fingerprints together (the
// fingerprints only when some are to do: fingerprints under a key that
// the ring no longer holds are not counted, as they cannot be re-sealed).
//
// Each batch is one write of the writer: its rows are read, opened and
// sealed again inside the transaction that writes them, so a concurrent
// update is never lost, and only the ciphertext (and a profile's key_id)
// changes (not version nor updated_at: the profile is the same). The write
// lock is taken at BEGIN and waited for, so Reencrypt is safe while another
// process serves the same database. Interrupted, it can simply be run
// again: it continues with the rows still under old keys, and a run with
// nothing left returns 0.
//
// A profile ciphertext that does not open is left as it is; Reencrypt
// carries on with the others and then returns an error naming those
// profiles and their key ids. A fingerprint that does not open is left
// without an error: it already counts as expired (see
// [ProfileStore.Create]) and is purged with its idempotency key.
//
// Reencrypt refuses, with [ErrKeyNotInUse], while no server has run with
// the primary key (its check value is not recorded, see [DB.Activate]):
// re-sealed under a key that the running server lacks, every profile would
// fail there.
func (db *DB) Reencrypt(ctx context.Context, batch int, progress func(done, total int)) (int, error) {
	if batch <= 0 {
		batch = DefaultReencryptBatch
	}
	if err := db.primaryInUse(ctx); err != nil {
		return 0, fmt.Errorf("sqlite: reencrypt: %w", err)
	}
	primary := db.sl.Primary()
	var total int
	q := db.rdb.Rebind("SELECT COUNT(*) FROM profiles WHERE key_id <> ?")
	if err := db.rdb.GetContext(ctx, &total, q, string(primary)); err != nil {
		return 0, fmt.Errorf("sqlite: reencrypt: %w", err)
	}
	idemTotal, err := db.countStaleFingerprints(ctx)
	if err != nil {
		return 0, fmt.Errorf("sqlite: reencrypt: %w", err)
	}
	total += idemTotal
	reported := -1
	report := func(done int) {
		if progress != nil {
			progress(done, total)
		}
		reported = done
	}

	var failures, bad []error
	profiles := sealedTable{
		sel:     db.wdb.Rebind("SELECT seq, account_id, id, sealed FROM profiles WHERE key_id <> ? AND seq > ? ORDER BY seq LIMIT ?"),
		selArgs: func(after int64) []any { return []any{string(primary), after, batch} },
		upd:     db.wdb.Rebind("UPDATE profiles SET sealed = ?, key_id = ? WHERE seq = ?"),
		updArgs: func(ciphertext []byte, seq int64) []any { return []any{ciphertext, string(primary), seq} },
		reseal:  db.sl.ResealProfile,
		failed:  func(err error) { bad = append(bad, err) },
	}
	done, err := db.inBatches(ctx, profiles.step(batch, func() { bad = nil }), func(done int, more bool) {
		failures = append(failures, bad...) // only once the batch committed
		report(done)
	})
	if err != nil {
		return done, fmt.Errorf("sqlite: reencrypt: %w", err)
	}

	if idemTotal > 0 {
		// idempotency_keys has no key_id column: every live row is read
		// (by rowid, batch at a time) and its header checked here. The
		// table holds only a day of creates. A fingerprint that does not
		// open counts as expired already and is left for the purge.
		fingerprints := sealedTable{
			sel: db.wdb.Rebind("SELECT rowid, account_id, key, fingerprint FROM idempotency_keys" +
				" WHERE rowid > ? AND created_at > ? ORDER BY rowid LIMIT ?"),
			selArgs: func(after int64) []any { return []any{after, db.idemCutoff(), batch} },
			upd:     db.wdb.Rebind("UPDATE idempotency_keys SET fingerprint = ? WHERE rowid = ?"),
			updArgs: func(ciphertext []byte, rowid int64) []any { return []any{ciphertext, rowid} },
			reseal:  db.sl.ResealFingerprint,
			stale:   db.sl.StaleFingerprint,
		}
		_, err := db.inBatches(ctx, fingerprints.step(batch, nil), func(n int, more bool) {
			if done+n != reported { // batches with nothing to re-seal are not reported
				report(done + n)
			}
		})
		if err != nil {
			return done, fmt.Errorf("sqlite: reencrypt idempotency keys: %w", err)
		}
	}

	if len(failures) > 0 {
		return done, fmt.Errorf("sqlite: reencrypt: %d profiles did not open and keep their key: %w", len(failures), errors.Join(failures...))
	}
	return done, nil
}

// sealedTable is a table whose ciphertexts Reencrypt seals again under the
// primary key.
type sealedTable struct {
	// sel selects (position, account, name, ciphertext) of the rows after a
	// position, in order, with the arguments of selArgs.
	sel     string
	selArgs func(after int64) []any
	// upd writes a re-sealed ciphertext, with the arguments of updArgs.
	upd     string
	updArgs func(ciphertext []byte, pos int64) []any
	// reseal is the step of package sealed that opens a row's ciphertext
	// and seals it again under the primary key.
	reseal func(buf *sealed.Buffers, account, name string, ciphertext []byte) ([]byte, error)
	// stale, if set, says which selected rows to re-seal (default: all).
	stale func(ciphertext []byte) bool
	// failed, if set, is told of a ciphertext that does not open; such a
	// row is left as it is either way.
	failed func(err error)
}

// step returns the batch step of [DB.inBatches] for t: read up to batch
// rows, open and seal each again in the transaction that writes it back.
// start, if set, runs at the start of every attempt of a batch.
func (t sealedTable) step(batch int, start func()) func(tx *wtx, after int64) (int, int64, bool, error) {
	type row struct {
		pos           int64
		account, name string
		sealed        []byte
	}
	return func(tx *wtx, after int64) (n int, last int64, more bool, err error) {
		if start != nil {
			start()
		}
		rows, err := tx.conn.QueryContext(tx.ctx, t.sel, t.selArgs(after)...)
		if err != nil {
			return 0, after, false, err
		}
		var rs []row
		for rows.Next() {
			var r row
			if err := rows.Scan(&r.pos, &r.account, &r.name, &r.sealed); err != nil {
				rows.Close()
				return 0, after, false, err
			}
			rs = append(rs, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return 0, after, false, err
		}
		last = after
		for _, r := range rs {
			last = r.pos
			if t.stale != nil && !t.stale(r.sealed) {
				continue
			}
			ciphertext, err := t.reseal(&tx.buf, r.account, r.name, r.sealed)
			if err != nil {
				if t.failed != nil {
					t.failed(err)
				}
				continue
			}
			if _, err := tx.conn.ExecContext(tx.ctx, t.upd, t.updArgs(ciphertext, r.pos)...); err != nil {
				return 0, after, false, err
			}
			n++
		}
		return n, last, len(rs) == batch, nil
	}
}

// inBatches runs step as one write of the writer at a time, from after 0,
// until it reports no more rows, and returns the sum of the counts it
// returned. step returns how many rows it changed, the position to resume
// after, and whether rows may remain. A batch that failed because another
// process held the write lock beyond the busy timeout is retried (up to 10
// times in a row). committed, if not nil, is called after each committed
// batch with the count so far.
func (db *DB) inBatches(ctx context.Context, step func(tx *wtx, after int64) (n int, last int64, more bool, err error),
	committed func(done int, more bool)) (int, error) {
	var (
		done  int
		after int64
		busy  int
	)
	for {
		var (
			n    int
			last int64
			more bool
		)
		err := db.w.do(ctx, func(tx *wtx) error {
			var err error
			n, last, more, err = step(tx, after)
			return err
		})
		if err != nil && isBusy(err) && busy < 10 && ctx.Err() == nil {
			busy++
			time.Sleep(100 * time.Millisecond)
			continue
		}
		if err != nil {
			return done, err
		}
		busy = 0
		done += n
		after = last
		if committed != nil {
			committed(done, more)
		}
		if !more {
			return done, nil
		}
	}
}

// idemCutoff returns the created_at at or before which an idempotency key
// has expired now.
func (db *DB) idemCutoff() int64 {
	return sealed.IdempotencyCutoff(db.now().Unix())
}

// countStaleFingerprints counts the live idempotency keys whose fingerprint
// is a [sealed.Sealer.StaleFingerprint].
func (db *DB) countStaleFingerprints(ctx context.Context) (int, error) {
	rows, err := db.rdb.QueryContext(ctx, db.rdb.Rebind("SELECT fingerprint FROM idempotency_keys WHERE created_at > ?"), db.idemCutoff())
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	var n int
	var fp []byte
	for rows.Next() {
		if err := rows.Scan(&fp); err != nil {
			return 0, err
		}
		if db.sl.StaleFingerprint(fp) {
			n++
		}
	}
	return n, rows.Err()
}
