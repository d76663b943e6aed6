package saju

import "testing"

// BenchmarkComputeDerived is BenchmarkCompute's birth with all the derived
// data: the chart, the birth instant and Derive with the luck pillars.
func BenchmarkComputeDerived(b *testing.B) {
	h := 10
	birth := Birth{Year: 1990, Month: 5, Day: 15, Hour: &h}
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := (Options{}).ComputeDerived(birth, Male); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkComputeDerivedVaried spreads the births over the whole range,
// both kinds of hour and both genders, as BenchmarkComputeVaried does.
func BenchmarkComputeDerivedVaried(b *testing.B) {
	births := variedBirths()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, _, err := (Options{}).ComputeDerived(births[i%len(births)], Gender(1+i%2)); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkDerive measures Derive alone, from a computed chart and instant.
func BenchmarkDerive(b *testing.B) {
	h := 10
	birth := Birth{Year: 1990, Month: 5, Day: 15, Hour: &h}
	c, err := Compute(birth)
	if err != nil {
		b.Fatal(err)
	}
	t, err := Options{}.Instant(birth)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Derive(c, t, Male); err != nil {
			b.Fatal(err)
		}
	}
}
