package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/palja/palja/profile"
	"github.com/palja/palja/saju"
)

// The crash test drives a real `palja serve` with concurrent writes, kills
// it with SIGKILL at a random moment, restarts it on the same database and
// checks what survived, several times over.
//
// Each worker owns its profiles and writes to each of them one request at a
// time, so at any moment at most one write per profile is unanswered, and
// what must be stored after a crash is exactly known:
//
//   - a profile whose last write was answered 2xx holds exactly that answer:
//     the same response body byte for byte (masked fields, times) and the
//     same ETag version, and its /saju pillars are those of the birth the
//     test wrote;
//   - a profile with a write in flight at the kill holds either its last
//     acknowledged state or the state of the write in flight (with the next
//     version), nothing else; a create in flight either did not happen or
//     happened with exactly the body sent;
//   - a request answered 4xx left no trace: rejected creates do not exist,
//     rejected updates did not change the version, and the account lists
//     no profile that the test cannot account for.
//
// The version chain makes every acknowledged update count: each answer
// carries the version it wrote, each was checked to be the previous one
// plus one with the merged content, and the stored version after the
// restart is the last acknowledged one (or one more for a write in flight).

const (
	crashRounds  = 5
	crashWorkers = 8
)

// crashState is the plaintext of a profile as the test wrote it.
type crashState struct {
	ext     string
	name    string
	y, m, d int
	hour    int    // -1: unknown
	gender  string // "": null
}

var namePool = []rune("김이박최정강조윤장임JAMüéZ한오서신권황안송류홍")

func randomName(rng *rand.Rand) string {
	n := 1 + rng.IntN(profile.MaxNameRunes)
	rs := make([]rune, n)
	for i := range rs {
		rs[i] = namePool[rng.IntN(len(namePool))]
	}
	return string(rs)
}

func randomState(rng *rand.Rand, ext string) crashState {
	s := crashState{ext: ext, name: randomName(rng), y: 1900 + rng.IntN(201), m: 1 + rng.IntN(12), d: 1 + rng.IntN(28), hour: rng.IntN(25) - 1}
	switch rng.IntN(3) {
	case 1:
		s.gender = "male"
	case 2:
		s.gender = "female"
	}
	return s
}

func (s crashState) createBody() string {
	var b strings.Builder
	fmt.Fprintf(&b, `{"external_id":%q,"name":%q,"birth_year":%d,"birth_month":%d,"birth_day":%d`, s.ext, s.name, s.y, s.m, s.d)
	if s.hour >= 0 {
		fmt.Fprintf(&b, `,"birth_hour":%d`, s.hour)
	}
	if s.gender != "" {
		fmt.Fprintf(&b, `,"gender":%q`, s.gender)
	}
	b.WriteString("}")
	return b.String()
}

func (s crashState) chart() saju.Chart {
	b := saju.Birth{Year: s.y, Month: s.m, Day: s.d}
	if s.hour >= 0 {
		h := s.hour
		b.Hour = &h
	}
	c, err := saju.Compute(b)
	if err != nil {
		panic(fmt.Sprintf("test generated an invalid birth %+v: %v", s, err))
	}
	return c
}

// masked is what the Profile object shows of s (all but id and times).
func (s crashState) masked() map[string]any {
	c := s.chart()
	m := map[string]any{
		"external_id": s.ext, "name": profile.MaskName(s.name), "birth_year": profile.MaskYear(s.y), "gender": nil,
		"day_master": c.DayMaster(), "day_master_element": c.DayMasterElement().String(), "weakest_element": c.Weakest.String(),
	}
	if s.gender != "" {
		m["gender"] = s.gender
	}
	return m
}

// pillars is the chart of s as GET …/saju spells it: "year month day hour".
func (s crashState) pillars() string {
	c := s.chart()
	hour := "-"
	if c.HasHour {
		hour = c.Hour.Hangul()
	}
	return c.Year.Hangul() + " " + c.Month.Hangul() + " " + c.Day.Hangul() + " " + hour
}

// mismatch describes how a Profile body differs from s, or returns "".
func (s crashState) mismatch(body []byte) string {
	got := (&apiResult{body: body}).fields()
	var diffs []string
	for k, want := range s.masked() {
		if got[k] != want {
			diffs = append(diffs, fmt.Sprintf("%s=%v want %v", k, got[k], want))
		}
	}
	return strings.Join(diffs, ", ")
}

// crashProfile is the test's record of one profile.
type crashProfile struct {
	ext, id, idem string
	createBody    string      // the body of its create, sent with Idempotency-Key idem
	created       bool        // its create was acknowledged (or found stored after a crash)
	cur           crashState  // the last acknowledged state
	ver           int64       // its version
	body          []byte      // the body of the answer that acknowledged cur (or of the read that found it)
	pend          *crashState // a write sent and not answered: it may or may not have landed
	dirty         bool        // written since the last check
}

func (p *crashProfile) ref(rng *rand.Rand) string {
	if rng.IntN(2) == 0 {
		return p.id
	}
	return p.ext
}

// crashStats are the figures of the test.
type crashStats struct {
	mu                          sync.Mutex
	ackCreates, ackUpdates      int // 2xx writes
	rejected                    int // 4xx writes, checked to leave no trace
	inFlight, inFlightLanded    int // writes unanswered at a kill, and how many of them were stored
	idemReplays, idemRecreates  int // creates in flight retried after the restart with their Idempotency-Key
	verifiedProfiles, killCount int // profiles read one by one after a restart; SIGKILLs
}

func (s *crashStats) add(f func(*crashStats)) {
	s.mu.Lock()
	f(s)
	s.mu.Unlock()
}

// acked returns how many writes were acknowledged so far.
func (s *crashStats) acked() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ackCreates + s.ackUpdates
}

// crashWorker writes to its own profiles, one request at a time.
type crashWorker struct {
	id    int
	rng   *rand.Rand
	n     int // creates so far, for unique external_ids
	owned []*crashProfile
	bad   []string // external_ids of invalid creates (refused, or unanswered at a kill): must never exist
	stats *crashStats
}

func etagOf(v int64) string { return `"v` + strconv.FormatInt(v, 10) + `"` }

func versionOf(r *apiResult) int64 {
	e := r.header.Get("ETag")
	if len(e) < 4 || e[:2] != `"v` || e[len(e)-1] != '"' {
		return -1
	}
	v, err := strconv.ParseInt(e[2:len(e)-1], 10, 64)
	if err != nil {
		return -1
	}
	return v
}

// run writes until a request goes unanswered (the server was killed).
func (w *crashWorker) run(t *testing.T, c *apiClient) {
	for {
		var ok bool
		switch r := w.rng.IntN(100); {
		case len(w.owned) == 0 || r < 5:
			ok = w.create(t, c)
		case r >= 5 && r < 15:
			ok = w.reject(t, c)
		default:
			ok = w.update(t, c)
		}
		if !ok {
			return
		}
	}
}

func (w *crashWorker) create(t *testing.T, c *apiClient) bool {
	w.n++
	s := randomState(w.rng, fmt.Sprintf("w%d-%d", w.id, w.n))
	p := &crashProfile{ext: s.ext, idem: "idem-" + s.ext, createBody: s.createBody(), pend: &s}
	w.owned = append(w.owned, p)
	r, err := c.do("POST", "/v1/profiles", p.createBody, "Idempotency-Key", p.idem)
	if err != nil {
		return false
	}
	if r.status != http.StatusCreated {
		t.Errorf("create %s: %d %s", s.ext, r.status, r.body)
		return false
	}
	if d := s.mismatch(r.body); d != "" || versionOf(r) != 1 {
		t.Errorf("create %s answered %s (ETag %s): %s", s.ext, r.body, r.header.Get("ETag"), d)
	}
	p.id, p.created, p.cur, p.ver, p.body, p.pend, p.dirty = r.str("id"), true, s, 1, r.body, nil, true
	w.stats.add(func(s *crashStats) { s.ackCreates++ })
	return true
}

// pick returns a random profile whose create was acknowledged.
func (w *crashWorker) pick() *crashProfile {
	for range 10 {
		if p := w.owned[w.rng.IntN(len(w.owned))]; p.created {
			return p
		}
	}
	return nil
}

func (w *crashWorker) update(t *testing.T, c *apiClient) bool {
	p := w.pick()
	if p == nil {
		return true
	}
	next := p.cur
	var parts []string
	for len(parts) == 0 {
		if w.rng.IntN(2) == 0 {
			next.name = randomName(w.rng)
			parts = append(parts, fmt.Sprintf(`"name":%q`, next.name))
		}
		if w.rng.IntN(3) == 0 {
			next.y = 1900 + w.rng.IntN(201)
			parts = append(parts, fmt.Sprintf(`"birth_year":%d`, next.y))
		}
		if w.rng.IntN(3) == 0 {
			next.m = 1 + w.rng.IntN(12)
			parts = append(parts, fmt.Sprintf(`"birth_month":%d`, next.m))
		}
		if w.rng.IntN(3) == 0 {
			next.d = 1 + w.rng.IntN(28) // valid in every month, so any merge is valid
			parts = append(parts, fmt.Sprintf(`"birth_day":%d`, next.d))
		}
		if w.rng.IntN(3) == 0 {
			if next.hour = w.rng.IntN(25) - 1; next.hour < 0 {
				parts = append(parts, `"birth_hour":null`)
			} else {
				parts = append(parts, fmt.Sprintf(`"birth_hour":%d`, next.hour))
			}
		}
		if w.rng.IntN(4) == 0 {
			next.gender = []string{"male", "female"}[w.rng.IntN(2)]
			parts = append(parts, fmt.Sprintf(`"gender":%q`, next.gender))
		}
	}
	var hdr []string
	if w.rng.IntN(4) == 0 {
		hdr = []string{"If-Match", etagOf(p.ver)} // current: must succeed
	}
	p.pend = &next
	r, err := c.do("PUT", "/v1/profiles/"+p.ref(w.rng), "{"+strings.Join(parts, ",")+"}", hdr...)
	if err != nil {
		return false
	}
	if r.status != http.StatusOK {
		t.Errorf("update %s: %d %s", p.ext, r.status, r.body)
		return false
	}
	if d := next.mismatch(r.body); d != "" || versionOf(r) != p.ver+1 {
		t.Errorf("update %s to v%d answered %s (ETag %s): %s", p.ext, p.ver+1, r.body, r.header.Get("ETag"), d)
	}
	p.cur, p.ver, p.body, p.pend, p.dirty = next, versionOf(r), r.body, nil, true
	w.stats.add(func(s *crashStats) { s.ackUpdates++ })
	return true
}

// reject sends a write that must be refused, and checks that it was.
func (w *crashWorker) reject(t *testing.T, c *apiClient) bool {
	var (
		r      *apiResult
		err    error
		status int
		typ    string
	)
	switch p := w.pick(); {
	case p == nil || w.rng.IntN(4) == 0:
		// An invalid create under a fresh external_id: it must not exist.
		w.n++
		s := randomState(w.rng, fmt.Sprintf("bad-w%d-%d", w.id, w.n))
		s.m, s.d = 2, 30
		w.bad = append(w.bad, s.ext)
		r, err = c.do("POST", "/v1/profiles", s.createBody(), "Idempotency-Key", "idem-"+s.ext)
		status, typ = 400, "validation_error"
	default:
		switch w.rng.IntN(5) {
		case 0: // the merged date is not real
			r, err = c.do("PUT", "/v1/profiles/"+p.ref(w.rng), `{"birth_month":2,"birth_day":30}`)
			status, typ = 400, "validation_error"
		case 1:
			r, err = c.do("PUT", "/v1/profiles/"+p.ref(w.rng), `{"name":"새이름","gender":null}`)
			status, typ = 400, "validation_error"
		case 2: // a stale ETag
			r, err = c.do("PUT", "/v1/profiles/"+p.ref(w.rng), `{"name":"새이름"}`, "If-Match", etagOf(p.ver-1))
			status, typ = 412, "precondition_failed"
		case 3: // a create reusing the profile's external_id
			s := randomState(w.rng, p.ext)
			w.n++
			r, err = c.do("POST", "/v1/profiles", s.createBody(), "Idempotency-Key", fmt.Sprintf("idem-dup-w%d-%d", w.id, w.n))
			status, typ = 409, "conflict"
		case 4: // taking another profile's external_id
			q := w.pick()
			if q == nil || q == p {
				return true
			}
			r, err = c.do("PUT", "/v1/profiles/"+p.id, fmt.Sprintf(`{"external_id":%q,"name":"새이름"}`, q.ext))
			status, typ = 409, "conflict"
		}
	}
	if err != nil {
		return false
	}
	checkAPIError(t, r, status, typ)
	w.stats.add(func(s *crashStats) { s.rejected++ })
	return true
}

// verifyCrash checks, on a freshly restarted server, everything the
// workers were told, and resolves the writes that were in flight at the
// kill. The list of the account must hold exactly the profiles the test
// accounts for, each byte for byte as last acknowledged; profiles written
// since the previous check are also read one by one (ETag version, /saju
// pillars).
func verifyCrash(t *testing.T, c *apiClient, workers []*crashWorker, stats *crashStats) {
	t.Helper()
	// First the profiles written since the last check, one by one. This
	// resolves the writes in flight (and retries the creates among them).
	for _, w := range workers {
		kept := w.owned[:0]
		for _, p := range w.owned {
			if (p.dirty || p.pend != nil) && !verifyProfile(t, c, p, stats) {
				continue
			}
			kept = append(kept, p)
		}
		w.owned = kept
		// Rejected creates must not exist: the list check below proves it
		// for all of them, and these reads once more by external_id.
		for _, ext := range w.bad {
			if r := c.must(t, "GET", "/v1/profiles/"+ext, ""); r.status != 404 {
				t.Errorf("rejected create %s left a profile: %d %s", ext, r.status, r.body)
			}
		}
		w.bad = w.bad[:0]
	}

	// Then the whole account, page by page.
	listed := map[string][]byte{}
	after := ""
	for {
		path := "/v1/profiles?limit=100"
		if after != "" {
			path += "&starting_after=" + after
		}
		r := c.must(t, "GET", path, "")
		var page struct {
			Data    []json.RawMessage `json:"data"`
			HasMore bool              `json:"has_more"`
		}
		if r.status != 200 || json.Unmarshal(r.body, &page) != nil {
			t.Fatalf("list: %d %s", r.status, r.body)
		}
		for _, d := range page.Data {
			var p struct {
				ID string `json:"id"`
			}
			json.Unmarshal(d, &p)
			listed[p.ID] = d
			after = p.ID
		}
		if !page.HasMore || len(page.Data) == 0 {
			break
		}
	}
	known := map[string]bool{}
	for _, w := range workers {
		for _, p := range w.owned {
			known[p.id] = true
			got, ok := listed[p.id]
			switch {
			case !ok:
				t.Errorf("profile %s (%s) was acknowledged but is not listed", p.ext, p.id)
			case !bytes.Equal(got, bytes.TrimSuffix(p.body, []byte("\n"))):
				t.Errorf("profile %s is listed as %s, acknowledged as %s", p.ext, got, p.body)
			}
			p.dirty = false
		}
	}
	for id, body := range listed {
		if !known[id] {
			t.Errorf("profile %s is stored but no acknowledged or in-flight write accounts for it: %s", id, body)
		}
	}
}

// verifyProfile reads one profile written since the last check; it returns
// false for a create that did not land and could not be retried.
func verifyProfile(t *testing.T, c *apiClient, p *crashProfile, stats *crashStats) bool {
	t.Helper()
	r := c.must(t, "GET", "/v1/profiles/"+p.ext, "")
	switch {
	case !p.created: // the create was in flight
		stats.add(func(s *crashStats) { s.inFlight++ })
		if r.status == 200 {
			if d := p.pend.mismatch(r.body); d != "" || versionOf(r) != 1 {
				t.Errorf("create %s in flight at the kill was stored as %s: %s", p.ext, r.body, d)
			}
			stats.add(func(s *crashStats) { s.inFlightLanded++ })
		} else if r.status != 404 {
			t.Errorf("GET %s: %d %s", p.ext, r.status, r.body)
			return false
		}
		// A client that never got its answer retries with the same
		// Idempotency-Key: it must get one profile, whether or not the
		// first attempt landed.
		retry := c.must(t, "POST", "/v1/profiles", p.pend.createBody(), "Idempotency-Key", p.idem)
		if retry.status != 201 || p.pend.mismatch(retry.body) != "" {
			t.Errorf("retry of create %s: %d %s", p.ext, retry.status, retry.body)
			return false
		}
		replayed := retry.header.Get("Idempotent-Replayed") == "true"
		if landed := r.status == 200; replayed != landed || landed && !bytes.Equal(retry.body, r.body) {
			t.Errorf("retry of create %s: replayed %v, but the first attempt landed: %v\n%s\n%s", p.ext, replayed, landed, r.body, retry.body)
		}
		stats.add(func(s *crashStats) {
			if replayed {
				s.idemReplays++
			} else {
				s.idemRecreates++
				s.ackCreates++
			}
		})
		p.id, p.created, p.cur, p.ver, p.body, p.pend = retry.str("id"), true, *p.pend, 1, retry.body, nil
	case r.status != 200:
		t.Errorf("acknowledged profile %s (v%d): %d %s", p.ext, p.ver, r.status, r.body)
		return false
	case p.pend == nil:
		if !bytes.Equal(r.body, p.body) || versionOf(r) != p.ver {
			t.Errorf("profile %s: stored %s (ETag %s), acknowledged %s (v%d)", p.ext, r.body, r.header.Get("ETag"), p.body, p.ver)
		}
	default: // an update was in flight
		stats.add(func(s *crashStats) { s.inFlight++ })
		switch v := versionOf(r); v {
		case p.ver:
			if !bytes.Equal(r.body, p.body) {
				t.Errorf("profile %s at v%d: stored %s, acknowledged %s", p.ext, v, r.body, p.body)
			}
		case p.ver + 1:
			if d := p.pend.mismatch(r.body); d != "" {
				t.Errorf("profile %s: the update in flight was stored as %s: %s", p.ext, r.body, d)
			}
			p.cur, p.ver = *p.pend, v
			stats.add(func(s *crashStats) { s.inFlightLanded++ })
		default:
			t.Errorf("profile %s: stored v%d, want v%d or, with the update in flight, v%d: %s", p.ext, v, p.ver, p.ver+1, r.body)
		}
		p.body, p.pend = r.body, nil
	}
	s := c.must(t, "GET", "/v1/profiles/"+p.id+"/saju", "")
	if got := sajuPillars(s.body); s.status != 200 || got != p.cur.pillars() {
		t.Errorf("profile %s: pillars %q (%d), want %q: the stored birth is not the acknowledged one", p.ext, got, s.status, p.cur.pillars())
	}
	stats.add(func(s *crashStats) { s.verifiedProfiles++ })
	return true
}

// sajuPillars reads "year month day hour" from a Saju body.
func sajuPillars(body []byte) string {
	var s struct {
		Pillars map[string]*struct {
			Hangul string `json:"hangul"`
		} `json:"pillars"`
	}
	if json.Unmarshal(body, &s) != nil {
		return ""
	}
	var parts []string
	for _, k := range []string{"year", "month", "day", "hour"} {
		if p := s.Pillars[k]; p != nil {
			parts = append(parts, p.Hangul)
		} else {
			parts = append(parts, "-")
		}
	}
	return strings.Join(parts, " ")
}

func TestCrashRecovery(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("PALJA_CRASH_SEED"); s != "" {
		seed, _ = strconv.ParseUint(s, 10, 64)
	}
	t.Logf("seed %d (rerun with PALJA_CRASH_SEED=%d)", seed, seed)
	rng := rand.New(rand.NewPCG(seed, 0))

	dir := t.TempDir()
	db := filepath.Join(dir, "crash.db")
	addr := freeAddr(t)
	key := createKey(t, db)

	stats := &crashStats{}
	workers := make([]*crashWorker, crashWorkers)
	for i := range workers {
		workers[i] = &crashWorker{id: i, rng: rand.New(rand.NewPCG(seed, uint64(i+1))), stats: stats}
	}
	start := time.Now()
	for round := 1; round <= crashRounds; round++ {
		p := startServe(t, db, addr)
		c := newAPIClient(p.base(), key)
		verifyCrash(t, c, workers, stats)
		if t.Failed() {
			t.Fatalf("round %d: state after the restart is wrong; log of the server:\n%s", round, p.stderr.String())
		}
		before := stats.acked()
		var wg sync.WaitGroup
		for _, w := range workers {
			wg.Go(func() { w.run(t, c) })
		}
		// The kill point: a random time after the round's first
		// acknowledged write, so that every round has writes to verify.
		for deadline := time.Now().Add(20 * time.Second); stats.acked() == before; time.Sleep(time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("round %d: no write acknowledged within 20s; log of the server:\n%s", round, p.stderr.String())
			}
		}
		delay := time.Duration(100+rng.IntN(1200)) * time.Millisecond
		time.Sleep(delay)
		p.kill()
		wg.Wait()
		c.close()
		stats.killCount++
		t.Logf("round %d: SIGKILL %v after the first acknowledged write, %d writes acknowledged in the round", round, delay, stats.acked()-before)
	}
	p := startServe(t, db, addr)
	c := newAPIClient(p.base(), key)
	verifyCrash(t, c, workers, stats)
	// Idempotency keys survive the kills: a retry of an old create (the
	// oldest profiles of each worker, created in the first round) is
	// answered with the profile as it is now, and creates nothing.
	replays := 0
	for _, w := range workers {
		for _, cp := range w.owned[:min(3, len(w.owned))] {
			r := c.must(t, "POST", "/v1/profiles", cp.createBody, "Idempotency-Key", cp.idem)
			if r.status != 201 || r.header.Get("Idempotent-Replayed") != "true" || !bytes.Equal(r.body, cp.body) {
				t.Errorf("retry of the create of %s after %d restarts: %d %s (replayed %q), want %s",
					cp.ext, crashRounds, r.status, r.body, r.header.Get("Idempotent-Replayed"), cp.body)
			}
			replays++
		}
	}
	verifyCrash(t, c, workers, stats) // and nothing new was stored
	c.close()
	p.kill()
	t.Logf("CRASH TEST: %d kill points (SIGKILL), %d acknowledged writes verified (%d creates, %d updates), "+
		"%d rejected writes verified to leave no trace, %d writes in flight at a kill (%d of them stored), "+
		"%d in-flight creates retried by Idempotency-Key (%d replayed, %d created anew), %d old creates replayed after the last restart, %d profile checks, %v",
		stats.killCount, stats.ackCreates+stats.ackUpdates, stats.ackCreates, stats.ackUpdates,
		stats.rejected, stats.inFlight, stats.inFlightLanded,
		stats.idemReplays+stats.idemRecreates, stats.idemReplays, stats.idemRecreates, replays, stats.verifiedProfiles, time.Since(start).Round(time.Millisecond))
}
