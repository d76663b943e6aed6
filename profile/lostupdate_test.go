package profile_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/palja/palja/profile"
	"github.com/palja/palja/saju"
)

// send is a request that is safe to call from any goroutine: it returns
// its errors instead of failing the test.
func (e *env) send(method, path, body string, headers ...string) (*resp, error) {
	req, err := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("X-API-Key", e.key)
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := e.srv.Client().Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, err
	}
	r := &resp{status: res.StatusCode, header: res.Header, body: b}
	if err := json.Unmarshal(b, &r.json); err != nil {
		return nil, fmt.Errorf("%s %s: %d %q: %v", method, path, res.StatusCode, b, err)
	}
	return r, nil
}

func version(r *resp) int {
	v, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(r.header.Get("ETag"), `"v`), `"`))
	if err != nil {
		return -1
	}
	return v
}

// TestNoLostUpdate gives each of seven concurrent clients one field of the
// same profile, which it updates in a loop with partial PUTs. Every PUT must
// succeed with a version of its own (two PUTs that both merged into the
// same version would have lost one another's update), and at the end every
// field holds its owner's last acknowledged value.
func TestNoLostUpdate(t *testing.T) {
	e := newEnv(t)
	id := e.create(`{"name":"시작","birth_year":1950,"birth_month":6,"birth_day":10,"birth_hour":5,"gender":"male","external_id":"start"}`).str("id")
	path := "/v1/profiles/" + id
	const rounds = 30

	// Each owner's value in round i. Days stay within 1–28 so that every
	// merge of the concurrent fields is a real date.
	type owner struct {
		field string
		value func(i int) any
	}
	owners := []owner{
		{"name", func(i int) any { return string(rune('가'+i)) + strings.Repeat("나", i%19) }}, // masked: unique first letter and length
		{"birth_year", func(i int) any { return 1901 + (i*7)%200 }},
		{"birth_month", func(i int) any { return 1 + (i*5)%12 }},
		{"birth_day", func(i int) any { return 1 + (i*11)%28 }},
		{"birth_hour", func(i int) any {
			if i%25 == 24 {
				return nil
			}
			return (i * 7) % 24
		}},
		{"gender", func(i int) any { return []string{"female", "male"}[i%2] }},
		{"external_id", func(i int) any { return fmt.Sprintf("owner-%d", i) }},
	}
	last := make([]any, len(owners))
	var (
		mu       sync.Mutex
		versions []int
		wg       sync.WaitGroup
	)
	for o, ow := range owners {
		wg.Go(func() {
			prev := 0
			for i := range rounds {
				v := ow.value(i)
				body, _ := json.Marshal(map[string]any{ow.field: v})
				r, err := e.send("PUT", path, string(body))
				if err != nil || r.status != 200 {
					t.Errorf("%s round %d: %v %v", ow.field, i, err, r)
					return
				}
				// The answer shows the owner's own value as it was merged.
				if want, ok := maskedField(ow.field, v); ok && r.json[ow.field] != want {
					t.Errorf("%s round %d: answer has %v, want %v", ow.field, i, r.json[ow.field], want)
				}
				ver := version(r)
				if ver <= prev {
					t.Errorf("%s round %d: version %d after %d", ow.field, i, ver, prev)
				}
				prev = ver
				last[o] = v
				mu.Lock()
				versions = append(versions, ver)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}

	// Every acknowledged PUT wrote a version of its own: 2, 3, … n+1.
	sort.Ints(versions)
	for i, v := range versions {
		if v != i+2 {
			t.Fatalf("acknowledged versions %v: %d is missing or repeated, an update was lost", versions, i+2)
		}
	}

	g := e.do("GET", path, e.key, "")
	if version(g) != len(owners)*rounds+1 {
		t.Errorf("ETag %s after %d updates", g.header.Get("ETag"), len(owners)*rounds)
	}
	for o, ow := range owners {
		if want, ok := maskedField(ow.field, last[o]); ok && g.json[ow.field] != want {
			t.Errorf("%s = %v, want its owner's last value %v", ow.field, g.json[ow.field], want)
		}
	}
	// The birth fields are masked in the profile; the pillars show them.
	b := saju.Birth{Year: last[1].(int), Month: last[2].(int), Day: last[3].(int)}
	if h, ok := last[4].(int); ok {
		b.Hour = &h
	}
	c, err := saju.Compute(b)
	if err != nil {
		t.Fatal(err)
	}
	want := c.Year.Hangul() + " " + c.Month.Hangul() + " " + c.Day.Hangul() + " "
	if c.HasHour {
		want += c.Hour.Hangul()
	} else {
		want += "-"
	}
	s := e.do("GET", path+"/saju", e.key, "")
	if got := pillarsOf(s); got != want {
		t.Errorf("pillars %q, want %q (birth %d-%d-%d hour %v)", got, want, b.Year, b.Month, b.Day, last[4])
	}
}

// maskedField is v as the Profile object shows field, and whether it shows
// enough of it to compare.
func maskedField(field string, v any) (any, bool) {
	switch field {
	case "name":
		return profile.MaskName(v.(string)), true
	case "gender", "external_id":
		return v, true
	}
	return nil, false
}

func pillarsOf(r *resp) string {
	ps, _ := r.json["pillars"].(map[string]any)
	var parts []string
	for _, k := range []string{"year", "month", "day", "hour"} {
		p, _ := ps[k].(map[string]any)
		if p == nil {
			parts = append(parts, "-")
			continue
		}
		parts = append(parts, p["hangul"].(string))
	}
	return strings.Join(parts, " ")
}

// TestIfMatchRace sends PUTs with the same If-Match at the same moment,
// many times: exactly one wins with the next version and its content, the
// others get 412 and change nothing.
func TestIfMatchRace(t *testing.T) {
	e := newEnv(t)
	path := "/v1/profiles/" + e.create(kim).str("id")
	const tries = 60
	for i := range tries {
		writers := 2
		if i%5 == 4 {
			writers = 5
		}
		g := e.do("GET", path, e.key, "")
		tag := g.header.Get("ETag")
		results := make([]*resp, writers)
		errs := make([]error, writers)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for w := range writers {
			wg.Go(func() {
				<-start
				name := string(rune('가'+w)) + strings.Repeat("다", i%10)
				results[w], errs[w] = e.send("PUT", path, `{"name":"`+name+`","birth_hour":`+strconv.Itoa(w)+`}`, "If-Match", tag)
			})
		}
		close(start)
		wg.Wait()
		var winner *resp
		for w := range writers {
			r := results[w]
			switch {
			case errs[w] != nil:
				t.Fatalf("try %d writer %d: %v", i, w, errs[w])
			case r.status == 200:
				if winner != nil {
					t.Fatalf("try %d: two writers with If-Match %s both won:\n%s\n%s", i, tag, winner.body, r.body)
				}
				winner = r
			case r.status == 412:
				if r.errType() != "precondition_failed" {
					t.Errorf("try %d: 412 %s", i, r.body)
				}
			default:
				t.Fatalf("try %d writer %d: %d %s", i, w, r.status, r.body)
			}
		}
		if winner == nil {
			t.Fatalf("try %d: no writer won with If-Match %s", i, tag)
		}
		if version(winner) != version(g)+1 {
			t.Errorf("try %d: winner has ETag %s after %s", i, winner.header.Get("ETag"), tag)
		}
		if after := e.do("GET", path, e.key, ""); string(after.body) != string(winner.body) {
			t.Fatalf("try %d: stored %s, the winner was told %s", i, after.body, winner.body)
		}
	}
}
