package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/palja/palja/profile"
)

// TestTwoServersOneDatabase starts two `palja serve` processes on one new
// database file at the same moment (both migrate it), then writes through
// both at once: each creates profiles, and both update one shared profile,
// each owning one field. SQLite's WAL mode, the busy timeout and BEGIN
// IMMEDIATE make the two processes take turns: every write succeeds, no
// update is lost across processes, and each server reads what the other
// wrote.
func TestTwoServersOneDatabase(t *testing.T) {
	db := filepath.Join(t.TempDir(), "shared.db")
	a := launchServe(t, db, freeAddr(t))
	b := launchServe(t, db, freeAddr(t))
	a.waitReady()
	b.waitReady()
	key := createKey(t, db) // a third process, while both run
	ca, cb := newAPIClient(a.base(), key), newAPIClient(b.base(), key)
	defer ca.close()
	defer cb.close()

	if r := ca.must(t, "POST", "/v1/profiles", `{"external_id":"shared","name":"공유","birth_year":1970,"birth_month":7,"birth_day":7,"birth_hour":7}`); r.status != 201 {
		t.Fatalf("create on A: %d %s", r.status, r.body)
	}

	const n = 40
	type created struct{ ext, body string }
	var (
		mu       sync.Mutex
		acked    []created
		versions []int64
		lastName string
		lastHour int
		wg       sync.WaitGroup
	)
	for s, c := range []*apiClient{ca, cb} {
		srv := string(rune('A' + s))
		// Creates through this server.
		wg.Go(func() {
			for i := range n {
				ext := fmt.Sprintf("%s-%d", srv, i)
				r, err := c.do("POST", "/v1/profiles", fmt.Sprintf(`{"external_id":%q,"name":"%s%d","birth_year":1980,"birth_month":1,"birth_day":%d}`, ext, srv, i, 1+i%28))
				if err != nil || r.status != 201 {
					t.Errorf("create %s: %v %v", ext, err, r)
					return
				}
				mu.Lock()
				acked = append(acked, created{ext, string(r.body)})
				mu.Unlock()
			}
		})
		// Updates of the shared profile: A owns the name, B the hour.
		wg.Go(func() {
			for i := range n {
				var body string
				name := strings.Repeat("가", 1+i%20)
				if srv == "A" {
					name = string(rune('가'+i)) + name[3:]
					body = fmt.Sprintf(`{"name":%q}`, name)
				} else {
					body = fmt.Sprintf(`{"birth_hour":%d}`, i%24)
				}
				r, err := c.do("PUT", "/v1/profiles/shared", body)
				if err != nil || r.status != 200 {
					t.Errorf("update through %s: %v %v", srv, err, r)
					return
				}
				mu.Lock()
				versions = append(versions, versionOf(r))
				if srv == "A" {
					lastName = name
				} else {
					lastHour = i % 24
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		t.Fatalf("logs:\nA:\n%s\nB:\n%s", a.stderr.String(), b.stderr.String())
	}

	// No update was lost across the processes: each got its own version.
	sort.Slice(versions, func(i, j int) bool { return versions[i] < versions[j] })
	for i, v := range versions {
		if v != int64(i+2) {
			t.Fatalf("versions of the shared profile %v: %d missing or repeated", versions, i+2)
		}
	}
	ra, rb := ca.must(t, "GET", "/v1/profiles/shared", ""), cb.must(t, "GET", "/v1/profiles/shared", "")
	if !bytes.Equal(ra.body, rb.body) || versionOf(ra) != 2*n+1 || ra.str("name") != profile.MaskName(lastName) {
		t.Errorf("shared profile: A reads %s, B reads %s; want v%d with the name of A's last update", ra.body, rb.body, 2*n+1)
	}
	if s := cb.must(t, "GET", "/v1/profiles/shared/saju", ""); !strings.Contains(string(s.body), `"hour":{`) {
		t.Errorf("saju: %s", s.body)
	} else if want := (crashState{y: 1970, m: 7, d: 7, hour: lastHour}).pillars(); sajuPillars(s.body) != want {
		t.Errorf("pillars %q, want %q: B's last hour %d was lost", sajuPillars(s.body), want, lastHour)
	}

	// Each server reads every profile the other created, as acknowledged.
	for _, p := range acked {
		other := cb
		if strings.HasPrefix(p.ext, "B-") {
			other = ca
		}
		if r := other.must(t, "GET", "/v1/profiles/"+p.ext, ""); string(r.body) != p.body {
			t.Errorf("%s through the other server: %d %s, acknowledged %s", p.ext, r.status, r.body, p.body)
		}
	}
	count := func(c *apiClient) int {
		total, after := 0, ""
		for {
			path := "/v1/profiles?limit=100"
			if after != "" {
				path += "&starting_after=" + after
			}
			var page struct {
				Data    []struct{ ID string }
				HasMore bool `json:"has_more"`
			}
			json.Unmarshal(c.must(t, "GET", path, "").body, &page)
			total += len(page.Data)
			if !page.HasMore || len(page.Data) == 0 {
				return total
			}
			after = page.Data[len(page.Data)-1].ID
		}
	}
	if na, nb := count(ca), count(cb); na != 2*n+1 || nb != 2*n+1 {
		t.Errorf("A lists %d profiles, B %d, want %d", na, nb, 2*n+1)
	}
	for name, p := range map[string]*proc{"A": a, "B": b} {
		if log := p.stderr.String(); strings.Contains(log, "level=ERROR") || strings.Contains(log, "locked") {
			t.Errorf("server %s logged errors:\n%s", name, log)
		}
	}
	// Both started on a new file: count the first keys they printed.
	boot := strings.Count(a.stderr.String(), "created the first API key") + strings.Count(b.stderr.String(), "created the first API key")
	t.Logf("%d creates and %d updates of one profile through two processes; %d bootstrap key(s) printed", 2*n, 2*n, boot)
}
