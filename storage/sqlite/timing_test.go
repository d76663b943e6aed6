package sqlite

import (
	"strings"
	"testing"
	"time"

	"github.com/palja/palja/profile"
)

// TestForeignIDSameWork: every statement that finds a profile by id (GET,
// DELETE, the list cursor) searches the index on (account_id, id), so
// another account's existing id is a miss of the same b-tree descent as an
// id that does not exist, not a hit on the id index followed by a
// comparison of the account. It logs the time of both, which the plan
// makes equal up to noise.
func TestForeignIDSameWork(t *testing.T) {
	db := mustOpen(t)
	raw := rawDB(t, db.path)
	for _, id := range []stmtID{stProfileByID, stSeqOf, stDeleteByID} {
		q := statements[id].query
		rows, err := raw.Query("EXPLAIN QUERY PLAN "+q, "acct_x", "prf_x")
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		var plan []string
		for rows.Next() {
			var a, b, c int
			var detail string
			if err := rows.Scan(&a, &b, &c, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		if p := strings.Join(plan, "; "); !strings.Contains(p, "INDEX profiles_account_id (account_id=? AND id=?)") {
			t.Errorf("%s\n  plan %q, want a search of profiles_account_id on (account_id, id)", q, p)
		}
	}

	mine, theirs := newAccount(t, db), newAccount(t, db)
	p, _, err := db.Profiles().Create(ctx, newProfile(t, theirs, "Ada", profile.Patch{}), nil)
	if err != nil {
		t.Fatal(err)
	}
	missing := p.ID[:len(p.ID)-1] + "z"
	if missing == p.ID {
		missing = p.ID[:len(p.ID)-1] + "y"
	}
	measure := func(id string) time.Duration {
		best := time.Hour
		for range 2000 {
			start := time.Now()
			db.Profiles().Get(ctx, mine, id)
			best = min(best, time.Since(start))
		}
		return best
	}
	measure(missing) // warm up
	t.Logf("GET of another account's id: %v, of a missing id: %v (fastest of 2000)", measure(p.ID), measure(missing))
}
