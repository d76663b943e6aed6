package sqlite

import (
	"slices"
	"sync"
	"sync/atomic"
)

// rowCacheBytes bounds the memory of a [rowCache]: about 130,000 rows of
// today's size.
const rowCacheBytes = 64 << 20

// A rowCache keeps, by account and ref, the rows that updates last read or
// wrote, so that the next update of the same profile is prepared without a
// query (see [ProfileStore.Update]). It holds what the table holds, the
// sealed ciphertext and the clear columns, never a plaintext.
//
// An entry may be stale: another process wrote the row, another update's
// read came late, an external_id moved, the profile was deleted. That
// costs time, never correctness: an entry that ref does not name (by its
// own id or external_id) is not used, the writer's conditional UPDATE
// finds another version (or no row) and then reads ref again and runs fn
// on the row as stored, and an error of fn on a cached state is returned
// only after a fresh read agrees. The writer changes the cache only after
// a commit, in the order of the group's ops.
type rowCache struct {
	mu    sync.Mutex
	m     map[rowKey]*profileRow
	bytes int
	max   int // rowCacheBytes but in tests
	// aliases holds, by profile id, the keys other than its id under which
	// a row of that profile is cached: its external_id, and any it had
	// before (an entry that a late read put back), so that a delete finds
	// them all.
	aliases map[string][]rowKey
	// deletes counts the deletes, changed under mu: a row read before one
	// (see [rowCache.putSince]) is not cached, as it may be the deleted
	// profile's.
	deletes atomic.Uint64
}

type rowKey struct{ account, ref string }

func newRowCache() *rowCache {
	return &rowCache{m: make(map[rowKey]*profileRow), aliases: make(map[string][]rowKey), max: rowCacheBytes}
}

// get copies the row cached for ref into r. The ciphertext is shared:
// entries are replaced, never changed.
func (c *rowCache) get(account, ref string, r *profileRow) bool {
	c.mu.Lock()
	e := c.m[rowKey{account, ref}]
	if e != nil {
		*r = *e
	}
	c.mu.Unlock()
	return e != nil
}

// epoch is to be taken before reading a row from the table, for
// [rowCache.putSince].
func (c *rowCache) epoch() uint64 { return c.deletes.Load() }

// putSince puts r, read from the table after epoch was taken, unless a
// profile was deleted since: the read may have come before the delete
// committed, and the deleted profile's ciphertext must not stay in memory.
// Deletes are rare, so the reads that lose their entry this way are too.
func (c *rowCache) putSince(epoch uint64, account, ref string, r *profileRow) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.deletes.Load() == epoch {
		c.putLocked(rowKey{account, ref}, r)
	}
}

// apply makes the changes of a committed transaction, in their order.
func (c *rowCache) apply(changes []cacheChange) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := range changes {
		ch := &changes[i]
		k := rowKey{ch.account, ch.ref}
		switch ch.kind {
		case cachePut:
			c.putLocked(k, &ch.row)
		case cacheDrop:
			c.dropLocked(k)
		case cacheDeleted:
			c.deletedLocked(k)
		}
	}
}

// putLocked caches r for k, unless the entry holds a later version of the
// same profile. r's ciphertext must not change afterwards.
func (c *rowCache) putLocked(k rowKey, r *profileRow) {
	old := c.m[k]
	if old != nil && old.ID == r.ID && old.Version > r.Version {
		return
	}
	aliased := old != nil && old.ID == r.ID // k's place in aliases stays
	if aliased {
		c.bytes -= entrySize(k, old)
		delete(c.m, k)
	} else if old != nil {
		c.removeLocked(k, old)
	}
	size := entrySize(k, r)
	if c.bytes+size > c.max {
		for k2, e := range c.m { // full: make room, evicting at random
			c.removeLocked(k2, e)
			if c.bytes+size <= c.max {
				break
			}
		}
	}
	e := *r
	c.m[k] = &e
	c.bytes += size
	if k.ref != r.ID && !aliased {
		c.aliases[r.ID] = append(c.aliases[r.ID], k)
	}
}

// removeLocked removes e, the entry of k.
func (c *rowCache) removeLocked(k rowKey, e *profileRow) {
	c.bytes -= entrySize(k, e)
	delete(c.m, k)
	if k.ref == e.ID {
		return
	}
	keys := c.aliases[e.ID]
	if i := slices.Index(keys, k); i >= 0 {
		keys[i] = keys[len(keys)-1]
		keys = keys[:len(keys)-1]
	}
	if len(keys) == 0 {
		delete(c.aliases, e.ID)
	} else {
		c.aliases[e.ID] = keys
	}
}

func (c *rowCache) dropLocked(k rowKey) {
	if e := c.m[k]; e != nil {
		c.removeLocked(k, e)
	}
}

// drop forgets the entry of ref.
func (c *rowCache) drop(account, ref string) {
	c.mu.Lock()
	c.dropLocked(rowKey{account, ref})
	c.mu.Unlock()
}

// deletedLocked forgets every entry of the deleted profile whose id is
// k.ref: under its id, its external_id, and any external_id it had
// before; and it makes the reads in flight not cache what they read (see
// [rowCache.putSince]).
func (c *rowCache) deletedLocked(k rowKey) {
	c.deletes.Add(1)
	c.dropLocked(k)
	for _, k2 := range slices.Clone(c.aliases[k.ref]) {
		c.dropLocked(k2)
	}
}

// entrySize is about what an entry costs: its strings, its ciphertext,
// the map's slot and the row.
func entrySize(k rowKey, r *profileRow) int {
	n := len(k.account) + len(k.ref) + len(r.ID) + len(r.ExternalID.String) + len(r.Sealed) + 160
	if k.ref != r.ID {
		n += 64 // its place in aliases
	}
	return n
}
