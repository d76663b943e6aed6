// Package crypto seals and opens small records with AES-256-GCM under a
// [Keyring] of named keys, so that the data palja stores at rest can be
// authenticated, bound to where it is stored, and re-keyed.
//
// A [Keyring] has one primary key, used by [Keyring.Seal], and any number of
// older keys that [Keyring.Open] still accepts. Each ciphertext names the key
// that sealed it, so Open never has to guess.
//
// The package uses the standard library only and knows nothing of palja's
// tables or types: callers pass the associated data.
//
// # Format
//
// A ciphertext is
//
//	version (1 byte, 0x01) ‖ len(id) (1 byte, 1–32) ‖ id ‖ nonce (12 bytes) ‖ GCM ciphertext ‖ GCM tag (16 bytes)
//
// The key id is 1 to 32 ASCII characters from [A-Za-z0-9_-] and is stored in
// the clear: it says which key sealed the record, nothing about the record.
// The nonce is 96 random bits from crypto/rand, fresh for every seal. The GCM
// output is AES-256-GCM (NIST SP 800-38D) of the plaintext with the caller's
// associated data, exactly as [crypto/cipher.AEAD.Seal] produces it. The
// header (version and key id) is not part of the GCM associated data; a
// changed header selects another key or is rejected, and either way fails.
//
// With random 96-bit nonces a single key must seal fewer than 2³² records
// (NIST SP 800-38D §8.3); rotate well before that.
//
// # Rotation
//
// Keys come from PALJA_ENCRYPTION_KEYS, a comma-separated list of
// id:base64(32 bytes) read by [ParseKeys], or from the generated key file
// read by [LoadOrCreateKeyFile]. The first key in the list is the primary.
// To rotate:
//
//  1. Create a key ([GenerateKey], or `palja encryption-key`), and put it first in the
//     list, keeping the old key after it: "k2:…,k1:…". New and updated records
//     are now sealed under k2; records under k1 still open.
//  2. Run `palja reencrypt`, which opens every record not sealed under the
//     primary key and seals it again under it. [KeyIDOf] tells which key a
//     stored ciphertext names without opening it.
//  3. Remove the old key from the list: "k2:…". A record still sealed under
//     k1 now fails with [ErrUnknownKey], whose message names k1.
//
// # Associated data
//
// Seal and Open take associated data: bytes that are authenticated but neither
// encrypted nor stored. Callers bind each ciphertext to where it lives by
// naming table, column and row (and owner), for example
//
//	profiles.sealed|acct_…|prf_…
//
// so that a ciphertext copied to another row, column or account fails to open
// with [ErrDecrypt] rather than decrypting as someone else's data.
//
// # Errors
//
// Open fails with one of two sentinels, matched with [errors.Is]:
// [ErrUnknownKey] when the ciphertext names a key the ring does not hold (the
// error names the key id), and [ErrDecrypt] for everything else: truncated or
// malformed input, a wrong key, altered bytes or wrong associated data. It
// never says which, and never returns partial plaintext.
package crypto
