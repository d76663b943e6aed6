package sqlite

import (
	"bytes"
	"database/sql"
	"errors"
	"fmt"
	"sync"

	"github.com/palja/palja/profile"
	"github.com/palja/palja/storage/internal/schema"
	"github.com/palja/palja/storage/sealed"
)

// An update is a profile update of [ProfileStore.Update], prepared in the
// caller's goroutine so that the writer, which all writes wait for, does
// as little as it can: the row is taken from the row cache or read from
// the read pool and opened, fn applied and the result sealed there, in
// parallel with other requests.
// The writer then only stores the ciphertext, if the row still has the
// version that was read; if not, it runs fn again on the latest state.
type update struct {
	account, ref string
	fn           func(*profile.Profile) error

	// What the caller read and prepared.
	seq        int64            // the row read
	base       int64            // its version then
	p          *profile.Profile // fn applied to it, version base+1
	ciphertext []byte           // p sealed
	full       bool             // external_id or key_id change too

	result *profile.Profile // as stored
}

// latest is the state of a profile row in the writer's transaction, after
// update ops changed it: p (version included) as it is once the
// transaction commits. While pending, p is not yet written: the ops of one
// group that change the same row are coalesced into one write of the last
// state, which [wtx.flush] makes before anything else reads the table and
// before the commit. The ops are answered only after the commit, and
// readers see no state between two commits, so none of them can tell.
type latest struct {
	p       *profile.Profile
	ref     string // of the last update op
	pending bool
}

// A cacheChange is what a write op of the transaction does to the
// [rowCache] once the transaction has committed (never before: a group
// that is rolled back changes nothing there either), in the order of the
// ops: put row under ref, forget ref, or forget a deleted profile.
type cacheChange struct {
	account, ref string
	row          profileRow
	kind         cacheChangeKind
}

type cacheChangeKind uint8

const (
	cachePut cacheChangeKind = iota
	cacheDrop
	cacheDeleted // ref is the profile's id
)

// remember records the row seq as p, sealed into ciphertext, was written,
// for the row cache after the commit. When ref no longer names p (its
// external_id moved away from ref), the entry of ref is dropped instead:
// it must never lead an update by ref to this row.
func (tx *wtx) remember(ref string, seq int64, p *profile.Profile, ciphertext []byte) {
	if !names(p, ref) {
		tx.changeCache(p.AccountID, ref, cacheDrop)
		return
	}
	c := cacheChange{account: p.AccountID, ref: ref}
	c.row.Seq = seq
	c.row.ID, c.row.Sealed, c.row.Version = p.ID, bytes.Clone(ciphertext), p.Version
	if p.ExternalID != nil {
		c.row.ExternalID = sql.NullString{String: *p.ExternalID, Valid: true}
	}
	c.row.CreatedAt, c.row.UpdatedAt = p.CreatedAt.Unix(), p.UpdatedAt.Unix()
	tx.cacheChanges = append(tx.cacheChanges, c)
}

// changeCache records a drop of ref's entry, or (cacheDeleted, ref the
// profile's id) the delete of a profile, for the row cache after the
// commit.
func (tx *wtx) changeCache(account, ref string, kind cacheChangeKind) {
	tx.cacheChanges = append(tx.cacheChanges, cacheChange{account: account, ref: ref, kind: kind})
}

// discardCacheChanges forgets the recorded changes, once made or once
// the transaction is rolled back.
func (tx *wtx) discardCacheChanges() {
	clear(tx.cacheChanges)
	tx.cacheChanges = tx.cacheChanges[:0]
}

// bufPool holds the sealing scratch space of [ProfileStore.Update]'s
// callers (the writer has its own).
var bufPool = sync.Pool{New: func() any { return new(sealed.Buffers) }}

// update stores the prepared update u, on the writer goroutine:
//
//   - when an earlier op of this transaction changed the row, fn runs again
//     on that state (one more version), and the write of the row is
//     coalesced with the earlier op's;
//   - otherwise, one statement writes u's ciphertext if the row still has
//     the version u read;
//   - when it does not, the row is read again by ref and opened, and fn runs
//     on it, as if nothing had been prepared.
//
// So fn always decides on the latest state, and no update is lost (the
// error of fn's last run is the one returned). On an error nothing of u is
// written, and the transaction goes on for the other ops of the group,
// unless the error was writing their pending states, or SQLite rolled the
// transaction back: then [wtx.broken] is set, and the group fails.
func (tx *wtx) update(u *update) error {
	if l := tx.latest[u.seq]; l != nil && names(l.p, u.ref) {
		return tx.rebase(u, l)
	}
	if tx.latest[u.seq] == nil {
		stored, err := tx.storePrepared(u)
		if err != nil || stored {
			return err
		}
	}
	// The row changed since it was read, or ref may now name another
	// row: read it again, with every pending change written first. Those
	// are earlier ops' changes, already counted as done: if they cannot
	// be written, the group fails.
	if err := tx.flush(); err != nil {
		tx.broken = err
		return othersError(err) // err names the profile of the pending state
	}
	p, row, err := tx.get(u.account, u.ref)
	if err != nil {
		if errors.Is(err, profile.ErrNotFound) {
			// The entry u was prepared on, if it came from the cache,
			// names no row any more.
			tx.changeCache(u.account, u.ref, cacheDrop)
		}
		return err
	}
	if err := sealed.Update(p, u.account, tx.db.now(), u.fn); err != nil {
		return err
	}
	full := !isExternalID(row.externalID, p.ExternalID) || !row.primary
	if err := tx.write(u.ref, row.seq, p, full); err != nil {
		return err
	}
	tx.latest[row.seq] = &latest{p: p, ref: u.ref}
	u.result = p
	return nil
}

// storePrepared writes u's ciphertext if the row still has the version u
// read, and reports whether it did.
func (tx *wtx) storePrepared(u *update) (bool, error) {
	p := u.p
	var (
		res sql.Result
		err error
	)
	if u.full {
		res, err = tx.st[stUpdateProfileIf].ExecContext(tx.ctx, schema.Nullable(p.ExternalID), string(tx.db.sl.Primary()),
			u.ciphertext, p.Version, p.UpdatedAt.Unix(), u.seq, p.ID, u.base)
	} else {
		res, err = tx.st[stUpdateSealedIf].ExecContext(tx.ctx, u.ciphertext, p.Version, p.UpdatedAt.Unix(), u.seq, p.ID, u.base,
			string(tx.db.sl.Primary()))
	}
	if err != nil {
		if u.full && isUniqueViolation(err, "external_id") {
			return false, sealed.ExternalIDTaken()
		}
		return false, fmt.Errorf("sqlite: update profile %s: %w", p.ID, err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return false, err
	}
	tx.latest[u.seq] = &latest{p: p, ref: u.ref}
	tx.remember(u.ref, u.seq, p, u.ciphertext)
	u.result = p
	return true, nil
}

// rebase runs u's fn on l, the row's state in this transaction. The write
// is left pending unless the external_id changes: that write is made at
// once, so that a conflict on it is u's error.
func (tx *wtx) rebase(u *update, l *latest) error {
	p := l.p.Clone()
	if err := sealed.Update(p, u.account, tx.db.now(), u.fn); err != nil {
		return err
	}
	if !sameString(l.p.ExternalID, p.ExternalID) {
		if err := tx.write(u.ref, u.seq, p, true); err != nil {
			return err
		}
		l.pending = false
	} else {
		l.pending = true
	}
	l.p, l.ref = p, u.ref
	u.result = p
	return nil
}

// flush writes the pending states of [wtx.latest].
func (tx *wtx) flush() error {
	for seq, l := range tx.latest {
		if !l.pending {
			continue
		}
		if err := tx.write(l.ref, seq, l.p, false); err != nil {
			return err
		}
		l.pending = false
	}
	return nil
}

// write seals p and writes it to the row seq, with its external_id and
// the primary key's id when full (both unchanged otherwise); ref is what
// the update op named it by.
func (tx *wtx) write(ref string, seq int64, p *profile.Profile, full bool) error {
	ciphertext, err := tx.db.sl.SealProfile(&tx.buf, p)
	if err != nil {
		return err
	}
	if full {
		_, err = tx.st[stUpdateProfile].ExecContext(tx.ctx, schema.Nullable(p.ExternalID), string(tx.db.sl.Primary()),
			ciphertext, p.Version, p.UpdatedAt.Unix(), seq)
	} else {
		_, err = tx.st[stUpdateSealed].ExecContext(tx.ctx, ciphertext, p.Version, p.UpdatedAt.Unix(), seq)
	}
	if err != nil {
		if full && isUniqueViolation(err, "external_id") {
			return sealed.ExternalIDTaken()
		}
		return fmt.Errorf("sqlite: update profile %s: %w", p.ID, err)
	}
	tx.remember(ref, seq, p, ciphertext)
	return nil
}

// names reports whether ref names p: its id, or its external_id.
func names(p *profile.Profile, ref string) bool {
	if p.ExternalID == nil {
		return refNames(ref, p.ID, "", false)
	}
	return refNames(ref, p.ID, *p.ExternalID, true)
}

// refNames reports whether ref names the profile id, whose external_id
// is ext if it has one.
func refNames(ref, id, ext string, hasExt bool) bool {
	if profile.IsID(ref) {
		return id == ref
	}
	return hasExt && ext == ref
}

// isExternalID reports whether the column col holds ext (nil: NULL).
func isExternalID(col sql.NullString, ext *string) bool {
	return col.Valid == (ext != nil) && (ext == nil || *ext == col.String)
}

func sameString(a, b *string) bool {
	return (a == nil) == (b == nil) && (a == nil || *a == *b)
}
