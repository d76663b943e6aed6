package storage

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// DefaultReencryptBatch is the batch size [DB.Reencrypt] uses for 0.
const DefaultReencryptBatch = 256

// Reencrypt seals again under the keyring's primary key every profile whose
// ciphertext is under another key, batch profiles per transaction, and
// returns how many it re-sealed. progress, if not nil, is called after each
// committed batch with the count so far and the count of profiles that were
// under another key at the start.
//
// Each batch is one write of the writer: its rows are read, opened and
// sealed again inside the transaction that writes them, so a concurrent
// update is never lost, and only sealed and key_id change (not version nor
// updated_at: the profile is the same). The write lock is taken at BEGIN and
// waited for, so Reencrypt is safe while another process serves the same
// database. Interrupted, it can simply be run again: it continues with the
// rows still under old keys, and a run with nothing left returns 0.
//
// A ciphertext that does not open is left as it is; Reencrypt carries on
// with the others and then returns an error naming those profiles and their
// key ids.
func (db *DB) Reencrypt(ctx context.Context, batch int, progress func(done, total int)) (int, error) {
	if batch <= 0 {
		batch = DefaultReencryptBatch
	}
	primary := string(db.kr.Primary())
	var total int
	q := db.rdb.Rebind("SELECT COUNT(*) FROM profiles WHERE key_id <> ?")
	if err := db.rdb.GetContext(ctx, &total, q, primary); err != nil {
		return 0, fmt.Errorf("storage: reencrypt: %w", err)
	}
	sel := db.wdb.Rebind("SELECT seq, id, account_id, sealed FROM profiles WHERE key_id <> ? AND seq > ? ORDER BY seq LIMIT ?")
	upd := db.wdb.Rebind("UPDATE profiles SET key_id = ?, sealed = ? WHERE seq = ?")

	var (
		done     int
		after    int64
		failures []error
		busy     int
	)
	for {
		var (
			n, last = 0, after
			more    bool
			bad     []error
		)
		err := db.w.do(ctx, func(tx *wtx) error {
			n, last, more, bad = 0, after, false, nil
			rows, err := tx.conn.QueryContext(tx.ctx, sel, primary, after, batch)
			if err != nil {
				return err
			}
			type row struct {
				seq         int64
				id, account string
				sealed      []byte
			}
			var rs []row
			for rows.Next() {
				var r row
				if err := rows.Scan(&r.seq, &r.id, &r.account, &r.sealed); err != nil {
					rows.Close()
					return err
				}
				rs = append(rs, r)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			more = len(rs) == batch
			for _, r := range rs {
				last = r.seq
				tx.ad = appendAD(tx.ad[:0], r.account, r.id)
				pt, err := tx.db.kr.Open(r.sealed, tx.ad)
				if err != nil {
					bad = append(bad, sealedError("open", r.id, r.sealed, err))
					continue
				}
				tx.sealed = tx.db.kr.AppendSeal(tx.sealed[:0], pt, tx.ad)
				clear(pt)
				if _, err := tx.conn.ExecContext(tx.ctx, upd, primary, tx.sealed, r.seq); err != nil {
					return err
				}
				n++
			}
			return nil
		})
		if err != nil && isBusy(err) && busy < 10 && ctx.Err() == nil {
			busy++ // another process held the write lock beyond the busy timeout
			time.Sleep(100 * time.Millisecond)
			continue
		}
		if err != nil {
			return done, fmt.Errorf("storage: reencrypt: %w", err)
		}
		busy = 0
		done += n
		after = last
		failures = append(failures, bad...)
		if progress != nil {
			progress(done, total)
		}
		if !more {
			break
		}
	}
	if len(failures) > 0 {
		return done, fmt.Errorf("storage: reencrypt: %d profiles did not open and keep their key: %w", len(failures), errors.Join(failures...))
	}
	return done, nil
}
