// Package sealed is what every palja storage backend does with a row that
// is not SQL: it encodes a profile's personal fields into a payload, seals
// it, opens it again, runs the step of an update between read and seal
// ([Update]: what the store owns, not the caller), seals the fingerprints
// of idempotency keys and decides what a retried create gets, verifies the
// keyring against the stored key check values at start-up
// ([Sealer.VerifyKeys]), and re-seals a row under the keyring's primary
// key. A backend (storage/sqlite, storage/postgres, storage/memory) stores
// and fetches the bytes this package makes and writes only its queries.
//
// # Encryption at rest
//
// Every personal field of a profile (name; birth date, hour and minute;
// calendar and leap month; birthplace longitude; 23:00 school; gender and
// the chart derived from them) is encoded into one small payload (see
// payload.go) and sealed with [crypto.Keyring.Seal] into one column, the
// profile's sealed ciphertext. The associated data is
// "profiles.sealed|<account id>|<profile id>" ([AppendProfileAD]), so a
// ciphertext copied to another row or account does not open. A backend
// keeps the key id of each ciphertext beside it ([Sealer.Primary] at the
// time of sealing), so that re-encryption finds the rows still under old
// keys and [Sealer.CheckKeys] can refuse to start without a key in use;
// [Sealer.VerifyKeys] refuses wrong key material given under a right id.
//
// The fingerprint of a create's body that an Idempotency-Key is checked
// against is a hash of those same personal fields, which a guess of the
// name would let anyone reverse; it too is stored only sealed
// ([Sealer.SealFingerprint]), with the associated data
// "idempotency_keys.fingerprint|<account id>|<Idempotency-Key>"
// ([AppendFingerprintAD]), and re-encryption seals it again under the
// primary key with the profiles (the key is read from the ciphertext's
// header). A backend deletes a profile's idempotency keys with the
// profile. Only ids, external ids, Idempotency-Keys, versions and times
// are stored in the clear.
//
// # Buffers
//
// Sealing appends into the [Buffers] its caller passes, so that a writer
// goroutine that keeps one Buffers seals without allocating. A Buffers
// belongs to one goroutine at a time.
package sealed
