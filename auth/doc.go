// Package auth authenticates the requests of palja's API and limits their
// rate, as docs/design.md ("Rate limits and the key cache") and
// docs/load-testing.md document:
//
//   - An API key is "pj_live_" and 40 random base62 characters; only its
//     SHA-256 is stored ([Hash]). The [KeyStore] that holds the keys is an
//     adapter (storage/sqlite, storage/memory).
//   - Each key has one token bucket of its own rate and burst, or the
//     server defaults, kept by a [Limiter] ([Memory] in process). Every
//     request takes one token; with no token left the answer is 429 before
//     any database access.
//   - Keys are cached in memory: a key's revocation or new limits take
//     effect within 1 s, without a restart, and a flood with a known key,
//     admitted or refused, never waits for the database.
//   - Failed authentications are limited per client address, before any
//     key lookup.
//
// [Authenticate] is the HTTP middleware that puts these together. It writes
// no response body of its own: the API's error format belongs to the
// caller ([Config.WriteError]).
package auth
