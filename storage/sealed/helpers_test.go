package sealed

import (
	"testing"
	"time"

	"github.com/palja/palja/profile"
	"github.com/palja/palja/storage/storetest"
)

func str(s string) profile.Opt[string] { return profile.Opt[string]{Set: true, V: s} }
func num(n int) profile.Opt[int]       { return profile.Opt[int]{Set: true, V: n} }
func flag(v bool) profile.Opt[bool]    { return profile.Opt[bool]{Set: true, V: v} }

// conventions returns p with the calendar and day boundary of the body
// {"calendar": calendar, "day_boundary": boundary} (either may be ""), as
// the API decodes them: package storage does not name saju's types.
func conventions(tb testing.TB, p profile.Patch, calendar, boundary string) profile.Patch {
	tb.Helper()
	body := `{"name":"x"`
	if calendar != "" {
		body += `,"calendar":"` + calendar + `"`
	}
	if boundary != "" {
		body += `,"day_boundary":"` + boundary + `"`
	}
	q, err := profile.DecodePatch([]byte(body + "}"))
	if err != nil {
		tb.Fatal(err)
	}
	p.Calendar, p.DayBoundary = q.Calendar, q.DayBoundary
	return p
}
func deg(v float64) profile.Opt[float64] {
	return profile.Opt[float64]{Set: true, V: v}
}

// newProfile builds a valid profile in account.
func newProfile(tb testing.TB, account, name string, patch profile.Patch) *profile.Profile {
	tb.Helper()
	return storetest.NewProfile(tb, account, name, patch, time.Unix(1736931600, 0).UTC())
}
