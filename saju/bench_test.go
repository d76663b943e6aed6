package saju

import "testing"

func BenchmarkCompute(b *testing.B) {
	h := 10
	birth := Birth{Year: 1990, Month: 5, Day: 15, Hour: &h}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compute(birth); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkComputeVaried spreads the births over the whole range and both
// kinds of hour, so that neither caches nor branch prediction flatter the
// figure.
func BenchmarkComputeVaried(b *testing.B) {
	births := variedBirths()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := Compute(births[i%len(births)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// variedBirths returns 1024 births spread over the whole range, two thirds
// of them with an hour, for the benchmarks that must not be flattered by
// caches or branch prediction.
func variedBirths() []Birth {
	births := make([]Birth, 0, 1024)
	for i := range cap(births) {
		y := MinYear + i*7919%(MaxYear-MinYear+1)
		birth := Birth{Year: y, Month: 1 + i*31%12, Day: 1 + i*17%28}
		if i%3 != 0 {
			h := i % 24
			birth.Hour = &h
		}
		births = append(births, birth)
	}
	return births
}
