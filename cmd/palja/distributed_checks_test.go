package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"
)

// The checks of TestDistributedThreeProcesses that need the three
// instances alive, each spreading its requests over them.

// checkRevocationEverywhere revokes a key in use on every instance with
// `palja keys revoke --database-url` (the real binary) and measures, on
// each instance, how long after the command returned the key gets 401:
// within 1 s everywhere (API.md, Many instances). It returns the delays.
func checkRevocationEverywhere(t *testing.T, ps []*proc, dbURL string, vars map[string]string) []time.Duration {
	key, id := distributedKey(t, vars, "--rate", "100000", "--burst", "100000")
	var clients []*apiClient
	for _, p := range ps {
		c := newAPIClient(p.base(), key)
		defer c.close()
		clients = append(clients, c)
		if r := c.must(t, "GET", "/v1/profiles?limit=1", ""); r.status != 200 {
			t.Fatalf("before the revocation: %d %s", r.status, r.body)
		}
	}
	// Every instance keeps the key in use until the revocation, so that it
	// answers from its cache (the case the 1 s promise is about).
	stop := make(chan struct{})
	var warm sync.WaitGroup
	for _, c := range clients {
		warm.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if r, err := c.do("GET", "/v1/profiles?limit=1", ""); err != nil || r.status != 200 {
					t.Errorf("before the revocation: %v %v", err, r)
					return
				}
				time.Sleep(10 * time.Millisecond)
			}
		})
	}
	time.Sleep(300 * time.Millisecond) // a few cached answers on each
	close(stop)
	warm.Wait()

	began := time.Now()
	paljaCmd(t, "", "keys", "revoke", "--database-url", dbURL, id)
	revoked := time.Now()
	delays := make([]time.Duration, len(ps))
	var wg sync.WaitGroup
	for i, c := range clients {
		wg.Go(func() {
			deadline := revoked.Add(3 * time.Second)
			for {
				r, err := c.do("GET", "/v1/profiles?limit=1", "")
				if err != nil {
					t.Errorf("instance %d: %v", i, err)
					return
				}
				if r.status == 401 {
					delays[i] = time.Since(revoked)
					return
				}
				if r.status != 200 || time.Now().After(deadline) {
					t.Errorf("instance %d: %d %s %v after the revocation", i, r.status, r.body, time.Since(revoked))
					return
				}
				time.Sleep(5 * time.Millisecond)
			}
		})
	}
	wg.Wait()
	t.Logf("revocation (keys revoke took %v): 401 on the three instances after %v (polled every 5 ms)",
		revoked.Sub(began).Round(time.Millisecond), roundAll(delays))
	for i, d := range delays {
		if d > time.Second {
			t.Errorf("instance %d answered 401 only %v after the revocation, want within 1 s", i, d)
		}
	}
	return delays
}

func roundAll(ds []time.Duration) []time.Duration {
	out := make([]time.Duration, len(ds))
	for i, d := range ds {
		out[i] = d.Round(time.Millisecond)
	}
	return out
}

// checkFieldOwners: six clients each own one field of one profile and PUT
// it n times concurrently, each PUT to the next instance in turn. Nothing
// is lost: the 200s carry versions 2 … 1 + 6n, each once (every
// acknowledged PUT is one version), the profile's ETag is the last of them
// on every instance, the fields the API returns (name masked, external_id,
// gender, day_boundary) are their owners' last values, and the Saju
// object, which follows birth_day and birth_hour, is that of a profile
// created with every owner's last value.
func checkFieldOwners(t *testing.T, clients []*apiClient) {
	r := clients[0].must(t, "POST", "/v1/profiles", `{"external_id":"owners","name":"주인","birth_year":1985,"birth_month":6,"birth_day":1,"birth_hour":0}`)
	if r.status != 201 {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	id := r.str("id")
	const n = 20
	boundaries := []string{"jasi", "split", "midnight"}
	owners := []struct {
		field string
		value func(j int) string // a JSON value, never the one before it
		shown func(j int) string // as the Profile object shows it ("" for a field it does not show)
	}{
		{"name", func(j int) string { return fmt.Sprintf(`"%c영희"`, 'A'+j) }, func(j int) string { return fmt.Sprintf("%c**", 'A'+j) }},
		{"external_id", func(j int) string { return fmt.Sprintf(`"own-%d"`, j) }, func(j int) string { return fmt.Sprintf("own-%d", j) }},
		{"gender", func(j int) string { return []string{`"female"`, `"male"`}[j%2] }, func(j int) string { return []string{"female", "male"}[j%2] }},
		{"day_boundary", func(j int) string { return `"` + boundaries[j%3] + `"` }, func(j int) string { return boundaries[j%3] }},
		{"birth_day", func(j int) string { return fmt.Sprint(2 + j%27) }, nil},        // another day pillar each time
		{"birth_hour", func(j int) string { return fmt.Sprint((2*j + 1) % 24) }, nil}, // another hour branch each time
	}
	var mu sync.Mutex
	var versions []string
	var wg sync.WaitGroup
	for o, owner := range owners {
		wg.Go(func() {
			for j := range n {
				c := clients[(o+j)%len(clients)]
				r, err := c.do("PUT", "/v1/profiles/"+id, fmt.Sprintf(`{%q:%s}`, owner.field, owner.value(j)))
				if err != nil || r.status != 200 {
					t.Errorf("PUT %s: %v %v", owner.field, err, r)
					return
				}
				mu.Lock()
				versions = append(versions, r.header.Get("ETag"))
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	total := len(owners) * n
	slices.Sort(versions)
	var want []string
	for v := 2; v <= 1+total; v++ {
		want = append(want, fmt.Sprintf(`"v%d"`, v))
	}
	slices.Sort(want)
	if !slices.Equal(versions, want) {
		t.Errorf("the 200s of %d PUTs carried the versions %v, want each of 2 … %d once", total, versions, 1+total)
	}

	// The reference: a profile created with every owner's last value.
	last := `{"birth_year":1985,"birth_month":6`
	for _, owner := range owners {
		v := owner.value(n - 1)
		if owner.field == "external_id" {
			v = `"owners-reference"`
		}
		last += fmt.Sprintf(`,%q:%s`, owner.field, v)
	}
	ref := clients[1].must(t, "POST", "/v1/profiles", last+"}")
	if ref.status != 201 {
		t.Fatalf("reference create: %d %s", ref.status, ref.body)
	}
	refSaju := sajuWithoutID(t, clients[1].must(t, "GET", "/v1/profiles/"+ref.str("id")+"/saju", ""))
	for i, c := range clients {
		r := c.must(t, "GET", "/v1/profiles/"+id, "")
		if etag := r.header.Get("ETag"); etag != fmt.Sprintf(`"v%d"`, 1+total) {
			t.Errorf("instance %d: ETag %s after %d PUTs, want \"v%d\"", i, etag, total, 1+total)
		}
		for _, owner := range owners {
			if owner.shown != nil && r.str(owner.field) != owner.shown(n-1) {
				t.Errorf("instance %d: %s is %q after the PUTs, want its owner's last value %q: an update was lost", i, owner.field, r.str(owner.field), owner.shown(n-1))
			}
		}
		if got := sajuWithoutID(t, c.must(t, "GET", "/v1/profiles/"+id+"/saju", "")); got != refSaju {
			t.Errorf("instance %d: the Saju object after the PUTs is not that of the owners' last values (birth_day %s, birth_hour %s): an update was lost\ngot  %.300s\nwant %.300s",
				i, owners[4].value(n-1), owners[5].value(n-1), got, refSaju)
		}
	}
	t.Logf("field owners: %d PUTs by %d owners spread over 3 instances: %d × 200, versions 2…%d each once; fields and pillars checked on every instance",
		total, len(owners), len(versions), 1+total)
}

// sajuWithoutID returns a Saju object's JSON without its profile_id.
func sajuWithoutID(t *testing.T, r *apiResult) string {
	t.Helper()
	if r.status != 200 {
		t.Fatalf("GET saju: %d %s", r.status, r.body)
	}
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatal(err)
	}
	delete(m, "profile_id")
	b, _ := json.Marshal(m)
	return string(b)
}

// checkIdempotencyEverywhere sends one Idempotency-Key and body to all
// three instances at once, three times each: one profile is created; the
// one first answer is 201 and the eight others replay it (201, same id,
// Idempotent-Replayed: true); the account holds that one profile.
func checkIdempotencyEverywhere(t *testing.T, clients []*apiClient) {
	body := `{"name":"한번","birth_year":1992,"birth_month":8,"birth_day":9,"birth_hour":10}`
	type answer struct {
		status   int
		id       string
		replayed bool
	}
	var answers []answer
	var mu sync.Mutex
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range 9 {
		wg.Go(func() {
			<-start
			r, err := clients[i%3].do("POST", "/v1/profiles", body, "Idempotency-Key", "three-idem-1")
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			answers = append(answers, answer{r.status, r.str("id"), r.header.Get("Idempotent-Replayed") == "true"})
			mu.Unlock()
		})
	}
	close(start)
	wg.Wait()
	first, ids := 0, map[string]bool{}
	for _, a := range answers {
		if a.status != 201 {
			t.Errorf("one Idempotency-Key through three instances: an answer %d, want every one 201 (the first or its replay)", a.status)
		}
		ids[a.id] = true
		if !a.replayed {
			first++
		}
	}
	if len(answers) != 9 || len(ids) != 1 || first != 1 {
		t.Errorf("one Idempotency-Key through three instances: %+v; want one profile id, one first answer and eight replays", answers)
	}
	r := clients[2].must(t, "GET", "/v1/profiles?limit=10", "")
	var list struct{ Data []struct{ ID string } }
	json.Unmarshal(r.body, &list)
	if len(list.Data) != 1 || !ids[list.Data[0].ID] {
		t.Errorf("the account holds %s after nine creates with one Idempotency-Key, want the one profile", r.body)
	}
	t.Logf("idempotency: 9 concurrent creates with one key over 3 instances: %d profile, %d first answer, %d replays", len(ids), first, len(answers)-first)
}

// checkIfMatchRace: rounds of two PUTs with one If-Match sent at once to
// two different instances (each pair of instances in turn) give exactly
// one 200 and one 412 every round, and the version moves on by one.
func checkIfMatchRace(t *testing.T, clients []*apiClient) {
	r := clients[0].must(t, "POST", "/v1/profiles", `{"external_id":"race3","name":"경주","birth_year":1980,"birth_month":1,"birth_day":2,"birth_hour":3}`)
	if r.status != 201 {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	etag := r.header.Get("ETag")
	const rounds = 12
	for round := range rounds {
		pair := []*apiClient{clients[round%3], clients[(round+1)%3]}
		codes := make([]int, 2)
		winner := ""
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i, c := range pair {
			wg.Go(func() {
				<-start
				r, err := c.do("PUT", "/v1/profiles/race3", fmt.Sprintf(`{"birth_day":%d}`, 3+(2*round+i)%26), "If-Match", etag)
				if err != nil {
					t.Error(err)
					return
				}
				codes[i] = r.status
				if r.status == 200 {
					winner = r.header.Get("ETag")
				}
			})
		}
		close(start)
		wg.Wait()
		slices.Sort(codes)
		if !slices.Equal(codes, []int{200, 412}) {
			t.Fatalf("round %d: two PUTs with If-Match %s through instances %d and %d: %v; want one 200 and one 412", round, etag, round%3, (round+1)%3, codes)
		}
		if want := fmt.Sprintf(`"v%d"`, 2+round); winner != want {
			t.Fatalf("round %d: the winner's ETag %s, want %s", round, winner, want)
		}
		etag = winner
	}
	t.Logf("If-Match race: %d rounds of two PUTs on one ETag through two instances: one 200 and one 412 each", rounds)
}

// readyz returns the status and body of GET /readyz on p.
func readyz(t *testing.T, p *proc) (int, string) {
	t.Helper()
	c := &http.Client{Timeout: 5 * time.Second}
	res, err := c.Get(p.base() + "/readyz")
	if err != nil {
		t.Fatalf("/readyz: %v", err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// waitReadyz polls /readyz on p until it answers status and body, for up
// to 5 s, and fails with the last answer otherwise.
func waitReadyz(t *testing.T, p *proc, status int, body string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		s, b := readyz(t, p)
		if s == status && b == body+"\n" {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("%s /readyz: %d %s, want %d %s", p.addr, s, b, status, body)
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// pgProxy stands between the instances and PostgreSQL, so that the test
// can make the database unreachable (cut: every connection is closed and
// new ones are closed at once) and reachable again (restore).
type pgProxy struct {
	mu    sync.Mutex
	cut   bool
	conns map[net.Conn]struct{}
}

// newPGProxy starts a proxy to the PostgreSQL of dbURL (a unix socket
// directory in host=…, or a TCP host:port) and returns it with the URL
// that goes through it.
func newPGProxy(t *testing.T, dbURL string) (*pgProxy, string) {
	t.Helper()
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	port := u.Port()
	if port == "" {
		port = "5432"
	}
	var ln net.Listener
	var network, target string
	if h := q.Get("host"); len(h) > 0 && h[0] == '/' {
		dir, err := os.MkdirTemp("", "pgproxy")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.RemoveAll(dir) })
		network, target = "unix", filepath.Join(h, ".s.PGSQL."+port)
		if ln, err = net.Listen("unix", filepath.Join(dir, ".s.PGSQL."+port)); err != nil {
			t.Fatal(err)
		}
		q.Set("host", dir)
	} else {
		network, target = "tcp", net.JoinHostPort(u.Hostname(), port)
		if ln, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			t.Fatal(err)
		}
		u.Host = ln.Addr().String()
	}
	u.RawQuery = q.Encode()
	p := &pgProxy{conns: map[net.Conn]struct{}{}}
	t.Cleanup(func() { ln.Close(); p.setCut(true) })
	go func() {
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			go p.serve(in, network, target)
		}
	}()
	return p, u.String()
}

func (p *pgProxy) serve(in net.Conn, network, target string) {
	out, err := net.Dial(network, target)
	if err != nil {
		in.Close()
		return
	}
	p.mu.Lock()
	if p.cut {
		p.mu.Unlock()
		in.Close()
		out.Close()
		return
	}
	p.conns[in], p.conns[out] = struct{}{}, struct{}{}
	p.mu.Unlock()
	done := make(chan struct{}, 2)
	go func() { io.Copy(out, in); done <- struct{}{} }()
	go func() { io.Copy(in, out); done <- struct{}{} }()
	<-done
	in.Close()
	out.Close()
	p.mu.Lock()
	delete(p.conns, in)
	delete(p.conns, out)
	p.mu.Unlock()
}

// setCut makes the database unreachable through the proxy (true) or
// reachable again (false).
func (p *pgProxy) setCut(cut bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut = cut
	if cut {
		for c := range p.conns {
			c.Close()
		}
	}
}
