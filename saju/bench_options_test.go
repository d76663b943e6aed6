package saju

import "testing"

// benchmarkOptions computes the chart of one birth under o, as
// BenchmarkCompute does under the default options.
func benchmarkOptions(b *testing.B, o Options, birth Birth) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := o.Compute(birth); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkComputeLunar(b *testing.B) {
	h := 10
	benchmarkOptions(b, Options{Calendar: Lunar}, Birth{Year: 1990, Month: 5, Day: 15, Hour: &h})
}

func BenchmarkComputeLunarLeap(b *testing.B) {
	h := 10
	benchmarkOptions(b, Options{Calendar: Lunar, LeapMonth: true}, Birth{Year: 1990, Month: 5, Day: 15, Hour: &h})
}

func BenchmarkComputeJasi(b *testing.B) {
	h := 23
	benchmarkOptions(b, Options{DayBoundary: Jasi}, Birth{Year: 1990, Month: 5, Day: 15, Hour: &h})
}

func BenchmarkComputeSolarTime(b *testing.B) {
	h := 10
	lon := 126.978
	benchmarkOptions(b, Options{Minute: 30, Longitude: &lon}, Birth{Year: 1990, Month: 5, Day: 15, Hour: &h})
}

// BenchmarkComputeAllOptions uses every option at once: a lunar leap-month
// date at 23:30 in Seoul under jasi.
func BenchmarkComputeAllOptions(b *testing.B) {
	h := 23
	lon := 126.978
	benchmarkOptions(b, Options{Calendar: Lunar, LeapMonth: true, Minute: 30, Longitude: &lon, DayBoundary: Jasi},
		Birth{Year: 1990, Month: 5, Day: 15, Hour: &h})
}
