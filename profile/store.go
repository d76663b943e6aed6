package profile

import (
	"context"
	"time"
)

// Store keeps profiles. Implementations store the personal fields encrypted,
// scope every call to the given account (a profile of another account is
// [ErrNotFound]), and resolve ref as a profile id when [IsID] holds and as an
// external_id otherwise.
type Store interface {
	// Create stores p (its ID, AccountID, Version and times already set). An
	// external_id already used in the account is a *[ConflictError] for
	// "external_id". With idem set, a retry within [IdempotencyTTL] with the
	// same key and fingerprint returns the profile of the first request with
	// replayed true and stores nothing, unless that profile has been deleted
	// since: Delete forgets the keys that created it, so the retry creates a
	// new profile. The same key with another fingerprint is a
	// *ConflictError for "Idempotency-Key". Fingerprints are derived from
	// personal data: implementations store them only encrypted.
	Create(ctx context.Context, p *Profile, idem *Idempotency) (stored *Profile, replayed bool, err error)
	// Get returns the profile named by ref in account.
	Get(ctx context.Context, account, ref string) (*Profile, error)
	// Update runs read, fn and write as one step against the latest stored
	// state, so concurrent updates never lose one another. fn mutates the
	// profile; if it returns an error nothing is written and that error is
	// returned. A store may run fn more than once (on a state read ahead,
	// then again on the latest one if that changed meanwhile): the last run
	// decides, so fn must depend on its argument alone. On success the
	// store increments Version, sets UpdatedAt and returns the stored
	// profile.
	Update(ctx context.Context, account, ref string, fn func(*Profile) error) (*Profile, error)
	// Delete removes the profile, its ciphertext and the idempotency keys
	// that created it. A non-nil precondition gets the stored version in
	// the same transaction; if it returns an error, nothing is deleted and
	// that error is returned.
	Delete(ctx context.Context, account, ref string, precondition func(version int64) error) error
	// List returns up to limit profiles of account, newest first, starting
	// after the profile with id startingAfter ("" for the first page), and
	// whether more follow. An unknown startingAfter is [ErrNotFound].
	List(ctx context.Context, account string, limit int, startingAfter string) (profiles []*Profile, hasMore bool, err error)
}

// Idempotency identifies a retried create: the client's Idempotency-Key and
// a fingerprint of the request body.
type Idempotency struct {
	Key         string
	Fingerprint [32]byte
}

// IdempotencyTTL is how long an Idempotency-Key is remembered.
const IdempotencyTTL = 24 * time.Hour
