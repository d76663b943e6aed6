//go:build race

package profile

// raceEnabled: under the race detector sync.Pool drops a quarter of what
// it is given, so that allocation counts of pooled paths mean nothing.
const raceEnabled = true
