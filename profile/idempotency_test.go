package profile_test

import (
	"strings"
	"sync"
	"testing"
)

func TestIdempotencyKey(t *testing.T) {
	e := newEnv(t)
	body := `{"name":"김영희","birth_year":1990,"birth_month":5,"birth_day":15}`
	first := e.do("POST", "/v1/profiles", e.key, body, "Idempotency-Key", "order-1")
	if first.status != 201 {
		t.Fatalf("%d %s", first.status, first.body)
	}
	// The same body, spelled differently: the first response again.
	again := e.do("POST", "/v1/profiles", e.key, `{ "birth_day":15, "birth_month":5, "birth_year":1990, "name":"김영희" }`, "Idempotency-Key", "order-1")
	if again.status != 201 || again.str("id") != first.str("id") || again.header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("replay: %d %s %v", again.status, again.body, again.header)
	}
	if first.header.Get("Idempotent-Replayed") != "" {
		t.Errorf("first response marked as a replay")
	}
	// Another body with the same key: 409.
	other := e.do("POST", "/v1/profiles", e.key, `{"name":"박","birth_year":1990,"birth_month":5,"birth_day":15}`, "Idempotency-Key", "order-1")
	if other.status != 409 || other.errType() != "conflict" || other.errParam() != "Idempotency-Key" {
		t.Errorf("other body: %d %s", other.status, other.body)
	}
	// The key is per account: another account may use it.
	otherKey, _ := e.newKey("", 100, 100)
	if r := e.do("POST", "/v1/profiles", otherKey, body, "Idempotency-Key", "order-1"); r.status != 201 || r.str("id") == first.str("id") {
		t.Errorf("other account: %d %s", r.status, r.body)
	}
	if l := e.do("GET", "/v1/profiles", e.key, ""); len(l.json["data"].([]any)) != 1 {
		t.Errorf("%d profiles, want 1", len(l.json["data"].([]any)))
	}
	for _, bad := range []string{strings.Repeat("x", 256), "tab\there", "한글"} {
		r := e.do("POST", "/v1/profiles", e.key, body, "Idempotency-Key", bad)
		if r.status != 400 || r.errParam() != "Idempotency-Key" {
			t.Errorf("Idempotency-Key %q: %d %s", bad, r.status, r.body)
		}
	}
}

// TestIdempotencyConcurrent sends one key from many clients at once: one
// profile, and every answer names it.
func TestIdempotencyConcurrent(t *testing.T) {
	e := newEnv(t)
	body := `{"name":"김영희","birth_year":1990,"birth_month":5,"birth_day":15}`
	const n = 16
	ids := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := e.do("POST", "/v1/profiles", e.key, body, "Idempotency-Key", "same")
			if r.status != 201 {
				t.Errorf("%d %s", r.status, r.body)
			}
			ids[i] = r.str("id")
		}()
	}
	wg.Wait()
	for _, id := range ids {
		if id != ids[0] {
			t.Fatalf("two profiles for one key: %v", ids)
		}
	}
	if l := e.do("GET", "/v1/profiles", e.key, ""); len(l.json["data"].([]any)) != 1 {
		t.Errorf("%d profiles, want 1", len(l.json["data"].([]any)))
	}
}

// TestIdempotencyKeyConventions: the fields of lunar dates, minutes, true
// solar time and schools take part in "the same body": the same values in
// another spelling replay, another value of any of them is a 409.
func TestIdempotencyKeyConventions(t *testing.T) {
	e := newEnv(t)
	const base = `"name":"박서준","birth_year":1990,"birth_month":5,"birth_day":15,"birth_hour":10`
	body := `{` + base + `,"calendar":"lunar","is_leap_month":true,"birth_minute":30,"birth_longitude":126.98,"day_boundary":"jasi"}`
	first := e.do("POST", "/v1/profiles", e.key, body, "Idempotency-Key", "lunar-1")
	if first.status != 201 {
		t.Fatalf("%d %s", first.status, first.body)
	}
	again := e.do("POST", "/v1/profiles", e.key,
		`{"day_boundary":"jasi","birth_longitude":12.698e1,"birth_minute":30,"is_leap_month":true,"calendar":"lunar",`+base+`}`, "Idempotency-Key", "lunar-1")
	if again.status != 201 || again.str("id") != first.str("id") || again.header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("replay: %d %s", again.status, again.body)
	}
	for _, other := range []string{
		`{` + base + `,"calendar":"lunar","is_leap_month":true,"birth_minute":30,"birth_longitude":126.98}`,
		`{` + base + `,"calendar":"lunar","is_leap_month":true,"birth_minute":30,"birth_longitude":126.98,"day_boundary":"split"}`,
		`{` + base + `,"calendar":"lunar","is_leap_month":true,"birth_minute":31,"birth_longitude":126.98,"day_boundary":"jasi"}`,
		`{` + base + `,"calendar":"lunar","is_leap_month":true,"birth_minute":30,"birth_longitude":126.99,"day_boundary":"jasi"}`,
		`{` + base + `,"calendar":"lunar","is_leap_month":false,"birth_minute":30,"birth_longitude":126.98,"day_boundary":"jasi"}`,
		`{` + base + `,"birth_minute":30,"birth_longitude":126.98,"day_boundary":"jasi"}`,
	} {
		if r := e.do("POST", "/v1/profiles", e.key, other, "Idempotency-Key", "lunar-1"); r.status != 409 || r.errParam() != "Idempotency-Key" {
			t.Errorf("%s: %d %s, want 409", other, r.status, r.body)
		}
	}
	if l := e.do("GET", "/v1/profiles", e.key, ""); len(l.json["data"].([]any)) != 1 {
		t.Errorf("%d profiles, want 1", len(l.json["data"].([]any)))
	}
}
