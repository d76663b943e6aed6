package profile

import (
	"testing"
	"time"
)

// BenchmarkDecodeMerge decodes a PUT body and merges it into a profile
// (validation and recompute included), for a body of the first seven
// fields and one with every field of lunar dates, minutes, true solar time
// and schools.
func BenchmarkDecodeMerge(b *testing.B) {
	for _, c := range []struct{ name, body string }{
		{"date and hour", `{"birth_year":1990,"birth_month":5,"birth_day":15,"birth_hour":10}`},
		{"every convention", `{"birth_year":1990,"birth_month":5,"birth_day":15,"birth_hour":10,"calendar":"lunar","is_leap_month":true,"birth_minute":30,"birth_longitude":126.98,"day_boundary":"jasi"}`},
	} {
		b.Run(c.name, func(b *testing.B) {
			p, err := DecodePatch([]byte(`{"name":"김영희","birth_year":1988,"birth_month":4,"birth_day":29,"birth_hour":23}`))
			if err != nil {
				b.Fatal(err)
			}
			base, err := New("acct_1", p, time.Unix(0, 0))
			if err != nil {
				b.Fatal(err)
			}
			body := []byte(c.body)
			b.ReportAllocs()
			for b.Loop() {
				pr := *base
				var patch Patch
				if err := decodePatch(body, &patch); err != nil {
					b.Fatal(err)
				}
				if _, err := pr.Merge(&patch); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
