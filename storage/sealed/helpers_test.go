package sealed

import (
	"testing"
	"time"

	"github.com/palja/palja/profile"
	"github.com/palja/palja/storage/storetest"
)

func str(s string) profile.Opt[string] { return profile.Opt[string]{Set: true, V: s} }
func num(n int) profile.Opt[int]       { return profile.Opt[int]{Set: true, V: n} }

// newProfile builds a valid profile in account.
func newProfile(tb testing.TB, account, name string, patch profile.Patch) *profile.Profile {
	tb.Helper()
	return storetest.NewProfile(tb, account, name, patch, time.Unix(1736931600, 0).UTC())
}
