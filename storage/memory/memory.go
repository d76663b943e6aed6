// Package memory is an in-memory backend of palja: a [profile.Store] and an
// API key store that keep their rows in maps, for tests of the HTTP API
// that need no database file, and as the smallest complete example of a
// backend. It passes the same conformance suite as storage/sqlite
// (storage/storetest).
//
// Like every backend it stores profiles sealed ([sealed.Sealer]): its maps
// hold the columns a SQL backend keeps in the clear (ids, external_id,
// versions, times) and the ciphertext, never a name or a birth date. One
// mutex serializes every write, so an update's read, change and write are
// one step, as in a transaction. Nothing is persisted: the data lives as
// long as the [Database].
package memory

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/palja/palja/auth"
	"github.com/palja/palja/crypto"
	"github.com/palja/palja/internal/random"
	"github.com/palja/palja/profile"
	"github.com/palja/palja/storage/sealed"
)

// accountPrefix starts the id of a new account.
const accountPrefix = "acct_"

// Database is the shared state of one in-memory database. Every [Store]
// opened on it sees the same rows, as processes on one database file do.
// Its zero value is not ready: use [New].
type Database struct {
	mu       sync.Mutex
	accounts map[string]int64 // id → created_at
	keys     []*keyRow        // oldest first
	profiles []*row           // by seq, oldest first; deleted rows are nil
	byID     map[string]*row
	byExt    map[string]*row     // by account|external_id
	idem     map[string]*idemRow // by account|key
	seq      int64               // the last seq given
	buf      sealed.Buffers      // scratch of the writer (mu held)
}

type row struct {
	seq     int64
	account string
	sealed.Row
}

type keyRow struct {
	hash [32]byte
	auth.APIKey
}

type idemRow struct {
	account, key string
	sealed.IdempotencyRecord
}

// New returns an empty database.
func New() *Database {
	return &Database{
		accounts: map[string]int64{},
		byID:     map[string]*row{},
		byExt:    map[string]*row{},
		idem:     map[string]*idemRow{},
	}
}

// Store is a handle on a [Database] with its own keyring and clock: it is
// the database's [profile.Store] and [auth.KeyStore].
type Store struct {
	db     *Database
	sealer *sealed.Sealer
	now    func() time.Time
}

var (
	_ profile.Store = (*Store)(nil)
	_ auth.KeyStore = (*Store)(nil)
)

// Open returns a handle on db that seals under kr's primary key. now is its
// clock (nil: time.Now). Like every backend it refuses a keyring that lacks
// a key some stored profile is sealed under.
func (db *Database) Open(kr *crypto.Keyring, now func() time.Time) (*Store, error) {
	if kr == nil {
		return nil, errors.New("memory: open: no keyring")
	}
	if now == nil {
		now = time.Now
	}
	s := &Store{db: db, sealer: sealed.NewSealer(kr), now: now}
	db.mu.Lock()
	defer db.mu.Unlock()
	var ids []string
	for _, r := range db.profiles {
		if r == nil {
			continue
		}
		if id, err := crypto.KeyIDOf(r.Sealed); err == nil && !slices.Contains(ids, string(id)) {
			ids = append(ids, string(id))
		}
	}
	slices.Sort(ids)
	if err := s.sealer.CheckKeys(ids); err != nil {
		return nil, fmt.Errorf("memory: open: %w", err)
	}
	return s, nil
}

// Close releases nothing: the data belongs to the Database.
func (s *Store) Close() error { return nil }

// Raw returns every byte the database holds in its rows, as a SQL backend
// would write them to its files: for the check that no plaintext is stored.
func (db *Database) Raw() []byte {
	db.mu.Lock()
	defer db.mu.Unlock()
	var b []byte
	for _, r := range db.profiles {
		if r != nil {
			b = append(b, r.account...)
			b = append(b, r.ID...)
			b = append(b, r.ExternalID.String...)
			b = append(b, r.Sealed...)
		}
	}
	for _, k := range db.keys {
		b = append(b, k.hash[:]...)
		b = append(b, k.ID...)
		b = append(b, k.AccountID...)
		b = append(b, k.Name...)
		b = append(b, k.Prefix...)
	}
	for _, r := range db.idem {
		b = append(b, r.account...)
		b = append(b, r.key...)
		b = append(b, r.Fingerprint...)
		b = append(b, r.ProfileID...)
	}
	return b
}

func extKey(account, ext string) string { return account + "|" + ext }

// find returns the row named by ref in account, or nil; db.mu is held.
func (db *Database) find(account, ref string) *row {
	var r *row
	if profile.IsID(ref) {
		r = db.byID[ref]
	} else {
		r = db.byExt[extKey(account, ref)]
	}
	if r == nil || r.account != account {
		return nil
	}
	return r
}

// open returns the profile of r; db.mu is held.
func (s *Store) open(r *row) (*profile.Profile, error) {
	return s.sealer.OpenProfile(nil, r.account, &r.Row)
}

// seal seals p into r's ciphertext, under the primary key; db.mu is held.
func (s *Store) seal(r *row, p *profile.Profile) error {
	ct, err := s.sealer.SealProfile(&s.db.buf, p)
	if err != nil {
		return err
	}
	r.Sealed = slices.Clone(ct)
	return nil
}

// Create stores p as a new profile; see [profile.Store].
func (s *Store) Create(ctx context.Context, p *profile.Profile, idem *profile.Idempotency) (*profile.Profile, bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	if p == nil || p.AccountID == "" || !profile.IsID(p.ID) {
		return nil, false, errors.New("memory: create profile: missing id or account")
	}
	db := s.db
	db.mu.Lock()
	defer db.mu.Unlock()
	now := s.now().Unix()
	var ik string
	if idem != nil {
		ik = extKey(p.AccountID, idem.Key)
		var rec *sealed.IdempotencyRecord
		if r := db.idem[ik]; r != nil {
			rec = &r.IdempotencyRecord
		}
		id, err := s.sealer.Replay(&db.buf, p.AccountID, idem, rec, now)
		if err != nil {
			return nil, false, err
		}
		if id != "" {
			if r := db.find(p.AccountID, id); r != nil {
				prior, err := s.open(r)
				return prior, err == nil, err
			}
		}
	}
	if _, ok := db.accounts[p.AccountID]; !ok {
		return nil, false, fmt.Errorf("memory: create profile %s: no account %s", p.ID, p.AccountID)
	}
	if p.ExternalID != nil && db.byExt[extKey(p.AccountID, *p.ExternalID)] != nil {
		return nil, false, sealed.ExternalIDTaken()
	}
	if db.byID[p.ID] != nil {
		return nil, false, fmt.Errorf("memory: create profile %s: the id exists", p.ID)
	}
	p.CreatedAt = time.Unix(p.CreatedAt.Unix(), 0).UTC() // as it is stored
	p.UpdatedAt = time.Unix(p.UpdatedAt.Unix(), 0).UTC()
	db.seq++
	r := &row{seq: db.seq, account: p.AccountID}
	r.ID, r.Version = p.ID, p.Version
	r.CreatedAt, r.UpdatedAt = p.CreatedAt.Unix(), p.UpdatedAt.Unix()
	if p.ExternalID != nil {
		r.ExternalID.String, r.ExternalID.Valid = *p.ExternalID, true
	}
	if err := s.seal(r, p); err != nil {
		return nil, false, err
	}
	db.profiles = append(db.profiles, r)
	db.byID[r.ID] = r
	if r.ExternalID.Valid {
		db.byExt[extKey(r.account, r.ExternalID.String)] = r
	}
	if idem != nil {
		fp := s.sealer.SealFingerprint(&db.buf, p.AccountID, idem)
		db.idem[ik] = &idemRow{account: p.AccountID, key: idem.Key, IdempotencyRecord: sealed.IdempotencyRecord{
			Fingerprint: slices.Clone(fp), ProfileID: p.ID, CreatedAt: now}}
	}
	return p, false, nil
}

// Get returns the profile named by ref in account.
func (s *Store) Get(ctx context.Context, account, ref string) (*profile.Profile, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.db.mu.Lock()
	defer s.db.mu.Unlock()
	r := s.db.find(account, ref)
	if r == nil {
		return nil, sealed.NotFound(ref)
	}
	return s.open(r)
}

// Update reads the profile named by ref, lets fn change it and writes it
// back while holding the database's lock; see [profile.Store]. fn must not
// call the store.
func (s *Store) Update(ctx context.Context, account, ref string, fn func(*profile.Profile) error) (*profile.Profile, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	db := s.db
	db.mu.Lock()
	defer db.mu.Unlock()
	r := db.find(account, ref)
	if r == nil {
		return nil, sealed.NotFound(ref)
	}
	p, err := s.open(r)
	if err != nil {
		return nil, err
	}
	if err := sealed.Update(p, account, s.now(), fn); err != nil {
		return nil, err
	}
	oldExt := r.ExternalID
	if p.ExternalID != nil && (!oldExt.Valid || oldExt.String != *p.ExternalID) && db.byExt[extKey(account, *p.ExternalID)] != nil {
		return nil, sealed.ExternalIDTaken()
	}
	next := *r
	if err := s.seal(&next, p); err != nil {
		return nil, err
	}
	next.Version, next.UpdatedAt = p.Version, p.UpdatedAt.Unix()
	next.ExternalID.Valid = p.ExternalID != nil
	next.ExternalID.String = ""
	if p.ExternalID != nil {
		next.ExternalID.String = *p.ExternalID
	}
	*r = next
	if oldExt.Valid {
		delete(db.byExt, extKey(account, oldExt.String))
	}
	if r.ExternalID.Valid {
		db.byExt[extKey(account, r.ExternalID.String)] = r
	}
	return p, nil
}

// Delete removes the profile named by ref and the idempotency keys that
// created it; see [profile.Store].
func (s *Store) Delete(ctx context.Context, account, ref string, precondition func(version int64) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	db := s.db
	db.mu.Lock()
	defer db.mu.Unlock()
	r := db.find(account, ref)
	if r == nil {
		return sealed.NotFound(ref)
	}
	if precondition != nil {
		if err := precondition(r.Version); err != nil {
			return err
		}
	}
	db.profiles[r.seq-1] = nil
	delete(db.byID, r.ID)
	if r.ExternalID.Valid {
		delete(db.byExt, extKey(account, r.ExternalID.String))
	}
	for k, ir := range db.idem {
		if ir.account == account && ir.ProfileID == r.ID {
			delete(db.idem, k)
		}
	}
	return nil
}

// List returns up to limit profiles of account, newest first, after the
// profile with id startingAfter; see [profile.Store].
func (s *Store) List(ctx context.Context, account string, limit int, startingAfter string) ([]*profile.Profile, bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	if limit < 1 {
		return nil, false, fmt.Errorf("memory: list profiles: limit %d is not positive", limit)
	}
	db := s.db
	db.mu.Lock()
	defer db.mu.Unlock()
	before := int64(len(db.profiles)) + 1
	if startingAfter != "" {
		r := db.byID[startingAfter]
		if r == nil || r.account != account {
			return nil, false, sealed.NotFound(startingAfter)
		}
		before = r.seq
	}
	var ps []*profile.Profile
	for seq := before - 1; seq >= 1; seq-- {
		r := db.profiles[seq-1]
		if r == nil || r.account != account {
			continue
		}
		if len(ps) == limit {
			return ps, true, nil
		}
		p, err := s.open(r)
		if err != nil {
			return nil, false, err
		}
		ps = append(ps, p)
	}
	return ps, false, nil
}

// Reencrypt seals again under the primary key every profile and live
// idempotency fingerprint under another key, and returns how many
// profiles it re-sealed. batch and progress are as in the SQLite backend:
// progress is called after each batch of profiles.
func (s *Store) Reencrypt(ctx context.Context, batch int, progress func(done, total int)) (int, error) {
	if batch <= 0 {
		batch = 256
	}
	db := s.db
	db.mu.Lock()
	defer db.mu.Unlock()
	var stale []*row
	for _, r := range db.profiles {
		if r != nil && !s.sealer.IsPrimary(r.Sealed) {
			stale = append(stale, r)
		}
	}
	done := 0
	var failures []error
	for i, r := range stale {
		if err := ctx.Err(); err != nil {
			return done, err
		}
		ct, err := s.sealer.ResealProfile(&db.buf, r.account, r.ID, r.Sealed)
		if err != nil {
			failures = append(failures, err)
			continue
		}
		r.Sealed = slices.Clone(ct)
		done++
		if progress != nil && ((i+1)%batch == 0 || i == len(stale)-1) {
			progress(done, len(stale))
		}
	}
	cutoff := sealed.IdempotencyCutoff(s.now().Unix())
	for _, ir := range db.idem {
		if ir.CreatedAt > cutoff && s.sealer.StaleFingerprint(ir.Fingerprint) {
			if ct, err := s.sealer.ResealFingerprint(&db.buf, ir.account, ir.key, ir.Fingerprint); err == nil {
				ir.Fingerprint = slices.Clone(ct)
			}
		}
	}
	if len(failures) > 0 {
		return done, fmt.Errorf("memory: reencrypt: %d profiles did not open and keep their key: %w", len(failures), errors.Join(failures...))
	}
	return done, nil
}

// API keys.

// CreateKey creates an API key named name in account, or in a new account
// when account is "", and returns its secret. An unknown account is an
// error wrapping [profile.ErrNotFound].
func (s *Store) CreateKey(ctx context.Context, name, account string, rate float64, burst int) (string, *auth.APIKey, error) {
	if err := auth.CheckKey(name, rate, burst); err != nil {
		return "", nil, fmt.Errorf("memory: create key: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return "", nil, err
	}
	s.db.mu.Lock()
	defer s.db.mu.Unlock()
	return s.insertKey(name, account, rate, burst)
}

// CreateFirstKey creates an API key in a new account if the database holds
// no API key at all; created reports whether it did.
func (s *Store) CreateFirstKey(ctx context.Context, name string) (string, *auth.APIKey, bool, error) {
	if err := auth.CheckKey(name, 0, 0); err != nil {
		return "", nil, false, fmt.Errorf("memory: create first key: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return "", nil, false, err
	}
	s.db.mu.Lock()
	defer s.db.mu.Unlock()
	if len(s.db.keys) > 0 {
		return "", nil, false, nil
	}
	secret, k, err := s.insertKey(name, "", 0, 0)
	return secret, k, err == nil, err
}

// insertKey creates a key; db.mu is held.
func (s *Store) insertKey(name, account string, rate float64, burst int) (string, *auth.APIKey, error) {
	db := s.db
	now := s.now().Unix()
	if account == "" {
		account = accountPrefix + random.Base62(20)
		db.accounts[account] = now
	} else if _, ok := db.accounts[account]; !ok {
		return "", nil, fmt.Errorf("memory: create key: account %q: %w", account, profile.ErrNotFound)
	}
	secret, k := auth.NewKey(name, rate, burst)
	k.AccountID, k.CreatedAt = account, time.Unix(now, 0).UTC()
	db.keys = append(db.keys, &keyRow{hash: auth.Hash(secret), APIKey: *k})
	return secret, k, nil
}

// ListKeys returns every API key, revoked ones included, oldest first.
func (s *Store) ListKeys(ctx context.Context) ([]auth.APIKey, error) {
	s.db.mu.Lock()
	defer s.db.mu.Unlock()
	keys := make([]auth.APIKey, len(s.db.keys))
	for i, k := range s.db.keys {
		keys[i] = k.copy()
	}
	return keys, nil
}

// copy returns the key with pointers of its own.
func (k *keyRow) copy() auth.APIKey {
	c := k.APIKey
	if k.LastUsedAt != nil {
		t := *k.LastUsedAt
		c.LastUsedAt = &t
	}
	if k.RevokedAt != nil {
		t := *k.RevokedAt
		c.RevokedAt = &t
	}
	return c
}

// key returns the key with that id; db.mu is held.
func (db *Database) key(id string) (*keyRow, error) {
	for _, k := range db.keys {
		if k.ID == id {
			return k, nil
		}
	}
	return nil, fmt.Errorf("memory: key %s: %w", id, profile.ErrNotFound)
}

// RevokeKey revokes the key with that id; revoking it again changes
// nothing.
func (s *Store) RevokeKey(ctx context.Context, id string) error {
	s.db.mu.Lock()
	defer s.db.mu.Unlock()
	k, err := s.db.key(id)
	if err != nil {
		return err
	}
	if k.RevokedAt == nil {
		t := time.Unix(s.now().Unix(), 0).UTC()
		k.RevokedAt = &t
	}
	return nil
}

// SetKeyLimits changes the limits that are not nil and returns the key's
// limits afterwards.
func (s *Store) SetKeyLimits(ctx context.Context, id string, rate *float64, burst *int) (float64, int, error) {
	var r float64
	var bi int
	if rate != nil {
		r = *rate
	}
	if burst != nil {
		bi = *burst
	}
	if err := auth.CheckLimits(r, bi); err != nil {
		return 0, 0, fmt.Errorf("memory: set key limits: %w", err)
	}
	s.db.mu.Lock()
	defer s.db.mu.Unlock()
	k, err := s.db.key(id)
	if err != nil {
		return 0, 0, err
	}
	if rate != nil {
		k.Rate = r
	}
	if burst != nil {
		k.Burst = bi
	}
	return k.Rate, k.Burst, nil
}

// KeyByHash returns the key whose secret hashes to hash, revoked or not,
// or an error wrapping [auth.ErrUnauthorized].
func (s *Store) KeyByHash(ctx context.Context, hash [32]byte) (*auth.APIKey, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.db.mu.Lock()
	defer s.db.mu.Unlock()
	for _, k := range s.db.keys {
		if k.hash == hash {
			c := k.copy()
			return &c, nil
		}
	}
	return nil, fmt.Errorf("memory: key by hash: %w", auth.ErrUnauthorized)
}

// ActiveKeyHashes returns the hash of every key not revoked (see
// [auth.KeyLister]).
func (s *Store) ActiveKeyHashes(ctx context.Context) ([][32]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.db.mu.Lock()
	defer s.db.mu.Unlock()
	var hashes [][32]byte
	for _, k := range s.db.keys {
		if k.RevokedAt == nil {
			hashes = append(hashes, k.hash)
		}
	}
	return hashes, nil
}

// TouchKey records that the key was used at t, unless a later use is
// already recorded.
func (s *Store) TouchKey(ctx context.Context, id string, t time.Time) error {
	s.db.mu.Lock()
	defer s.db.mu.Unlock()
	k, err := s.db.key(id)
	if err != nil {
		return nil // like an UPDATE of no row
	}
	t = time.Unix(t.Unix(), 0).UTC()
	if k.LastUsedAt == nil || k.LastUsedAt.Before(t) {
		k.LastUsedAt = &t
	}
	return nil
}
