package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/palja/palja/profile"
	"github.com/palja/palja/storage/internal/schema"
	"github.com/palja/palja/storage/sealed"
)

// ProfileStore is the [profile.Store] of a [DB], from [DB.Profiles].
type ProfileStore struct {
	db *DB
}

var _ profile.Store = (*ProfileStore)(nil)

// profileRow is a row of profiles as selected by selectProfile, within an
// account that the query names.
type profileRow struct {
	Seq int64
	sealed.Row
}

type scanner interface{ Scan(dest ...any) error }

// named reports whether ref names the row: its id, or its external_id.
// A cached row that ref does not name is another profile's, whose
// external_id ref once was.
func (r *profileRow) named(ref string) bool {
	return refNames(ref, r.ID, r.ExternalID.String, r.ExternalID.Valid)
}

func (r *profileRow) scan(s scanner) error {
	return s.Scan(&r.Seq, &r.ID, &r.ExternalID, &r.Sealed, &r.Version, &r.CreatedAt, &r.UpdatedAt)
}

// rowState is what an update needs to know of the row it read.
type rowState struct {
	seq        int64
	externalID sql.NullString
	primary    bool // sealed under the keyring's primary key
}

// get reads into r and opens the profile named by ref in account, with the
// statements st: the writer's inside a write, the read pool's otherwise.
// buf is scratch space for opening it (nil is fine).
func (db *DB) get(ctx context.Context, st *stmts, buf *sealed.Buffers, account, ref string, r *profileRow) (*profile.Profile, error) {
	q := st[stProfileByExt]
	if profile.IsID(ref) {
		q = st[stProfileByID]
	}
	err := r.scan(q.QueryRowContext(ctx, account, ref))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, sealed.NotFound(ref)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: get profile: %w", err)
	}
	return db.sl.OpenProfile(buf, account, &r.Row)
}

// get reads the profile named by ref inside the write transaction.
func (tx *wtx) get(account, ref string) (*profile.Profile, rowState, error) {
	var r profileRow
	p, err := tx.db.get(tx.ctx, tx.st, &tx.buf, account, ref, &r)
	if err != nil {
		return nil, rowState{}, err
	}
	return p, rowState{seq: r.Seq, externalID: r.ExternalID, primary: tx.db.sl.IsPrimary(r.Sealed)}, nil
}

// Create stores p as a new profile; see [profile.Store].
//
// With idem set, the key is looked up first, in the same transaction, and
// [sealed.Sealer.Replay] decides: a key seen within
// [profile.IdempotencyTTL] with the same fingerprint returns the profile it
// created (as it is now) with replayed true; with another fingerprint it
// is a conflict; an expired key, or one whose sealed fingerprint does not
// open, is reused. [ProfileStore.Delete] forgets the keys of the profile
// it deletes, so a retry after the profile was deleted creates a new
// profile. Creates with one key are serialized by the writer, so two
// concurrent requests create one profile.
func (s *ProfileStore) Create(ctx context.Context, p *profile.Profile, idem *profile.Idempotency) (*profile.Profile, bool, error) {
	if p == nil || p.AccountID == "" || !profile.IsID(p.ID) {
		return nil, false, errors.New("sqlite: create profile: missing id or account")
	}
	var (
		stored   *profile.Profile
		replayed bool
	)
	err := s.db.w.do(ctx, func(tx *wtx) error {
		now := tx.db.now().Unix()
		if idem != nil {
			prior, err := tx.replay(p.AccountID, idem, now)
			if err != nil || prior != nil {
				stored, replayed = prior, prior != nil
				return err
			}
		}
		ciphertext, err := tx.db.sl.SealProfile(&tx.buf, p)
		if err != nil {
			return err
		}
		p.CreatedAt = time.Unix(p.CreatedAt.Unix(), 0).UTC() // as it is stored
		p.UpdatedAt = time.Unix(p.UpdatedAt.Unix(), 0).UTC()
		_, err = tx.st[stInsertProfile].ExecContext(tx.ctx, p.ID, p.AccountID, schema.Nullable(p.ExternalID),
			string(tx.db.sl.Primary()), ciphertext, p.Version, p.CreatedAt.Unix(), p.UpdatedAt.Unix())
		if err != nil {
			if p.ExternalID != nil && isUniqueViolation(err, "external_id") {
				return sealed.ExternalIDTaken()
			}
			return fmt.Errorf("sqlite: create profile %s: %w", p.ID, err)
		}
		if idem != nil {
			fp := tx.db.sl.SealFingerprint(&tx.buf, p.AccountID, idem)
			if _, err := tx.st[stIdemPut].ExecContext(tx.ctx, p.AccountID, idem.Key, fp, p.ID, now); err != nil {
				return fmt.Errorf("sqlite: record idempotency key: %w", err)
			}
		}
		stored = p
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	return stored, replayed, nil
}

// replay looks up an idempotency key. It returns the profile to replay, or
// nil when the key is new or is to be reused (see [sealed.Sealer.Replay]),
// or when its profile is gone (Delete removes the key with the profile, so
// that only happens for a row written by an older version). The upsert
// after the insert then replaces the row.
func (tx *wtx) replay(account string, idem *profile.Idempotency, now int64) (*profile.Profile, error) {
	var rec sealed.IdempotencyRecord
	err := tx.st[stIdemGet].QueryRowContext(tx.ctx, account, idem.Key).Scan(&rec.Fingerprint, &rec.ProfileID, &rec.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: read idempotency key: %w", err)
	}
	id, err := tx.db.sl.Replay(&tx.buf, account, idem, &rec, now)
	if err != nil || id == "" {
		return nil, err
	}
	prior, _, err := tx.get(account, id)
	if errors.Is(err, profile.ErrNotFound) {
		return nil, nil // deleted (by an older version, which kept the key)
	}
	return prior, err
}

// Get returns the profile named by ref in account.
func (s *ProfileStore) Get(ctx context.Context, account, ref string) (*profile.Profile, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var r profileRow
	return s.db.get(noCancel(ctx), &s.db.rs, nil, account, ref, &r)
}

// Update reads the profile named by ref, lets fn change it and writes it
// back, so that fn always works on the latest state: concurrent updates
// never lose one another. An error from fn is returned as it is and nothing
// is written. The id, account, version and times of the profile are the
// store's: changes fn makes to them are ignored.
//
// The read, fn and the sealing run in the caller's goroutine, on the row
// as the row cache holds it (see [rowCache]) or as read from the read
// pool; the writer then stores the result only if the row has not changed
// since (see [wtx.update]). If it has, fn runs again, on the writer
// goroutine, on the latest state. An error of fn's run on a row read from
// the table is returned at once (that state was the latest when it was
// read); on a cached row, fn runs again on a fresh read first. So fn may
// run up to three times (cached, fresh, on the writer): it must decide
// from its argument alone, be quick, and not write through the store
// itself (that would wait for the writer forever); reads are fine.
func (s *ProfileStore) Update(ctx context.Context, account, ref string, fn func(*profile.Profile) error) (*profile.Profile, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	buf := bufPool.Get().(*sealed.Buffers)
	defer bufPool.Put(buf)
	var u update
	for fresh := false; ; fresh = true {
		cached, err := s.prepare(ctx, account, ref, fn, buf, &u, fresh)
		if err == nil {
			break
		}
		if !cached {
			return nil, err
		}
		// fn's error, or a ciphertext that does not open, on a cached row
		// that may be stale: it stands only if a fresh read agrees.
	}
	if err := s.db.w.update(ctx, &u); err != nil {
		return nil, err
	}
	return u.result, nil
}

// testHookPrepareRead, when set by a test, runs in prepare between a read
// from the read pool and the row cache's put of what it read.
var testHookPrepareRead func()

// prepare reads the row named by ref, from the row cache unless fresh,
// runs fn on it and seals the result into u; it reports whether the row
// came from the cache.
func (s *ProfileStore) prepare(ctx context.Context, account, ref string, fn func(*profile.Profile) error,
	buf *sealed.Buffers, u *update, fresh bool) (cached bool, err error) {
	var r profileRow
	var p *profile.Profile
	if !fresh && s.db.rows.get(account, ref, &r) && r.named(ref) {
		cached = true
		p, err = s.db.sl.OpenProfile(buf, account, &r.Row)
	} else {
		epoch := s.db.rows.epoch()
		p, err = s.db.get(noCancel(ctx), &s.db.rs, buf, account, ref, &r)
		if testHookPrepareRead != nil {
			testHookPrepareRead()
		}
		switch {
		case err == nil:
			s.db.rows.putSince(epoch, account, ref, &r)
		case errors.Is(err, profile.ErrNotFound):
			s.db.rows.drop(account, ref) // an entry that named another row
		}
	}
	if err != nil {
		return cached, err
	}
	*u = update{account: account, ref: ref, fn: fn, seq: r.Seq, base: p.Version}
	if err := sealed.Update(p, account, s.db.now(), fn); err != nil {
		return cached, err
	}
	if u.ciphertext, err = s.db.sl.SealProfile(buf, p); err != nil {
		return cached, err
	}
	u.p = p
	u.full = !isExternalID(r.ExternalID, p.ExternalID) || !s.db.sl.IsPrimary(r.Sealed)
	return cached, nil
}

// Delete removes the profile named by ref and, in the same transaction,
// the idempotency keys that created it, so that nothing derived from its
// personal fields (the sealed body fingerprint) outlives it. Both are
// overwritten in the database file (secure_delete), and the WAL is
// checkpointed and truncated before the delete is acknowledged, so that
// no frame of the WAL file still holds them. A retry of the create
// afterwards creates a new profile. When precondition is not nil it is
// given the profile's version inside the transaction; its error is
// returned and nothing is deleted. The ciphertext is not opened, so a
// profile that no longer decrypts can still be deleted.
func (s *ProfileStore) Delete(ctx context.Context, account, ref string, precondition func(version int64) error) error {
	return s.db.w.do(ctx, func(tx *wtx) error {
		st := tx.st[stDeleteByExt]
		if profile.IsID(ref) {
			st = tx.st[stDeleteByID]
		}
		var id string
		var ext sql.NullString
		var version int64
		err := st.QueryRowContext(tx.ctx, account, ref).Scan(&id, &ext, &version)
		if errors.Is(err, sql.ErrNoRows) {
			return sealed.NotFound(ref)
		}
		if err != nil {
			return fmt.Errorf("sqlite: delete profile: %w", err)
		}
		if precondition != nil {
			if err := precondition(version); err != nil {
				return err // the op's savepoint is rolled back: the row stays
			}
		}
		if _, err := tx.st[stIdemDelete].ExecContext(tx.ctx, account, id); err != nil {
			return fmt.Errorf("sqlite: delete idempotency keys of profile %s: %w", id, err)
		}
		tx.scrub = true // the WAL still holds the row's frames
		// Nor should memory: this process's row cache forgets the
		// profile's ciphertexts once the delete has committed (after the
		// entries that updates earlier in the group put there). Another
		// process's cache keeps its entries until they are evicted or an
		// update finds the row gone.
		tx.changeCache(account, id, cacheDeleted)
		return nil
	})
}

// List returns up to limit profiles of account, newest first, after the
// profile with id startingAfter (none: from the newest), and whether more
// follow.
func (s *ProfileStore) List(ctx context.Context, account string, limit int, startingAfter string) ([]*profile.Profile, bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	if limit < 1 {
		return nil, false, fmt.Errorf("sqlite: list profiles: limit %d is not positive", limit)
	}
	rctx := noCancel(ctx)
	var before int64 = math.MaxInt64
	if startingAfter != "" {
		err := s.db.rs[stSeqOf].QueryRowContext(rctx, account, startingAfter).Scan(&before)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, false, sealed.NotFound(startingAfter)
		}
		if err != nil {
			return nil, false, fmt.Errorf("sqlite: list profiles: %w", err)
		}
	}
	rows, err := s.db.rs[stList].QueryContext(rctx, account, before, limit+1)
	if err != nil {
		return nil, false, fmt.Errorf("sqlite: list profiles: %w", err)
	}
	defer rows.Close()
	ps := make([]*profile.Profile, 0, min(limit+1, 101))
	var buf sealed.Buffers
	for rows.Next() {
		var r profileRow
		if err := r.scan(rows); err != nil {
			return nil, false, fmt.Errorf("sqlite: list profiles: %w", err)
		}
		if len(ps) == limit {
			return ps, true, rows.Close()
		}
		p, err := s.db.sl.OpenProfile(&buf, account, &r.Row)
		if err != nil {
			return nil, false, err
		}
		ps = append(ps, p)
	}
	if err := rows.Err(); err != nil {
		return nil, false, fmt.Errorf("sqlite: list profiles: %w", err)
	}
	return ps, false, nil
}

// purgeIdempotency forgets the idempotency keys that have expired (see
// [sealed.IdempotencyCutoff]).
func (db *DB) purgeIdempotency(ctx context.Context) (int64, error) {
	var n int64
	err := db.w.do(ctx, func(tx *wtx) error {
		cutoff := sealed.IdempotencyCutoff(tx.db.now().Unix())
		res, err := tx.conn.ExecContext(tx.ctx, tx.db.wdb.Rebind("DELETE FROM idempotency_keys WHERE created_at <= ?"), cutoff)
		if err != nil {
			return fmt.Errorf("sqlite: purge idempotency keys: %w", err)
		}
		n, _ = res.RowsAffected()
		return nil
	})
	return n, err
}
