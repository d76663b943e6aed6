package saju

import (
	"math"
	"strconv"
	"testing"
	"time"
)

// termTolerance is the largest difference allowed between a computed solar
// term and the reference table (SAJU.md): the table is rounded to the
// minute, and ΔT models differ by tens of seconds near 1900 and 2100.
const termTolerance = 90 * time.Second

// TestSolarTermsReference compares every instant of
// ../shared/saju/solar_terms.tsv (manseryeok 2.0.0, minute precision) with
// the astronomical computation, and each 절 also with the generated table.
// Run with -v to see the worst difference.
func TestSolarTermsReference(t *testing.T) {
	rows, lines := readTSV(t, "solar_terms.tsv")
	var worst time.Duration
	var worstAt string
	for i, r := range rows {
		where := "solar_terms.tsv:" + strconv.Itoa(lines[i]) + " " + r["year"] + " " + r["name"]
		y, err1 := strconv.Atoi(r["year"])
		idx, err2 := strconv.Atoi(r["index"])
		lon, err3 := strconv.ParseFloat(r["longitude"], 64)
		want, err4 := time.Parse(time.RFC3339, r["instant_utc"])
		if err1 != nil || err2 != nil || err3 != nil || err4 != nil {
			t.Fatalf("%s: bad row", where)
		}
		if termLongitude(idx) != lon {
			t.Fatalf("%s: term %d is at %v°, the file says %v°", where, idx, termLongitude(idx), lon)
		}
		sec := solarTermUnix(y, idx)
		whole := math.Floor(sec)
		got := time.Unix(int64(whole), int64((sec-whole)*1e9))
		d := got.Sub(want)
		if d.Abs() > worst.Abs() {
			worst, worstAt = d, where
		}
		if d.Abs() > termTolerance {
			t.Errorf("%s: computed %s, reference %s: %v apart, more than %v",
				where, got.UTC().Format(time.RFC3339), r["instant_utc"], d.Round(time.Second), termTolerance)
		}
		if idx%2 == 0 && y >= jieFirstYear && y < jieFirstYear+len(jieTable)/12 {
			if tab := jieTable[(y-jieFirstYear)*12+idx/2]; tab != int64(math.Round(sec)) {
				t.Errorf("%s: table holds %d, computation gives %.1f", where, tab, sec)
			}
		}
	}
	t.Logf("%d solar terms within %v; worst difference %.1f s (%s; positive = computed later)",
		len(rows), termTolerance, worst.Seconds(), worstAt)
}

// TestApparentSolarLongitude checks the Sun's position against Meeus's
// Example 25.b, p. 169: 1992 October 13.0 TD (JDE 2448908.5), computed with
// the Appendix III series: L = −43.63484796 rad, R = 0.99760775 AU,
// Δψ = +15.908″, λ = 199°54′21.818″.
func TestApparentSolarLongitude(t *testing.T) {
	const jde = 2448908.5
	tau := (jde - j2000) / 365250
	if l := earthL.eval(tau) * 1e-8; math.Abs(l-(-43.63484796)) > 1e-8 {
		t.Errorf("L = %.8f rad, want −43.63484796", l)
	}
	if r := earthR.eval(tau) * 1e-8; math.Abs(r-0.99760775) > 1e-8 {
		t.Errorf("R = %.8f AU, want 0.99760775", r)
	}
	if dpsi := nutationInLongitude((jde-j2000)/36525) / arcsecond; math.Abs(dpsi-15.908) > 0.0005 {
		t.Errorf("Δψ = %.4f″, want 15.908″", dpsi)
	}
	want := 199 + 54.0/60 + 21.818/3600
	if got := apparentSolarLongitude(jde) * 180 / math.Pi; math.Abs(got-want)*3600 > 0.001 {
		t.Errorf("λ = %.7f°, want %.7f° (199°54′21.818″)", got, want)
	}
}

// TestNutation checks Meeus's Example 22.a, p. 148: on 1987 April 10.0 TD
// (JDE 2446895.5), Δψ = −3.788″.
func TestNutation(t *testing.T) {
	if got := nutationInLongitude((2446895.5-j2000)/36525) / arcsecond; math.Abs(got-(-3.788)) > 0.0005 {
		t.Errorf("Δψ = %.4f″, want −3.788″", got)
	}
}

// TestSolarTermLongitude checks that the iteration lands on the term: the
// apparent longitude at the computed instant is the term's to 0.001″.
func TestSolarTermLongitude(t *testing.T) {
	for _, y := range []int{1899, 1900, 1950, 2000, 2050, 2100, 2101} {
		for i := range 24 {
			jde := solarTermJDE(y, i)
			lon := apparentSolarLongitude(jde) * 180 / math.Pi
			d := math.Remainder(lon-termLongitude(i), 360) * 3600
			if math.Abs(d) > 0.001 {
				t.Errorf("%d term %d: longitude off by %.4f″", y, i, d)
			}
			// The term falls in the right month: 소한 in January, 입춘 in
			// February, …, 동지 in December.
			if m := time.Unix(int64(solarTermUnix(y, i)), 0).UTC(); m.Year() != y || int(m.Month()) != i/2+1 {
				t.Errorf("%d term %d falls on %s", y, i, m.Format(time.DateOnly))
			}
		}
	}
}

// TestDeltaT checks the Espenak–Meeus polynomials at values printed in the
// canon's section 2.6 (the constant terms at each polynomial's epoch) and
// that the pieces join without a jump larger than 0.1 s.
func TestDeltaT(t *testing.T) {
	for _, c := range []struct{ y, want float64 }{
		{1860, 7.62}, {1900, -2.79}, {1920, 21.20}, {1950, 29.07},
		{1975, 45.45}, {2000, 63.86},
	} {
		if got := deltaT(c.y); math.Abs(got-c.want) > 1e-9 {
			t.Errorf("ΔT(%v) = %.3f s, want %.2f s", c.y, got, c.want)
		}
	}
	for _, y := range []float64{1900, 1920, 1941, 1961, 1986, 2005, 2050, 2150} {
		const eps = 1e-9
		if jump := deltaT(y) - deltaT(y-eps); math.Abs(jump) > 0.1 {
			t.Errorf("ΔT jumps by %.2f s at %v", jump, y)
		}
	}
}

// TestJulianDayNumber checks dates from Meeus ch. 7 (Example 7.a, p. 61,
// and the list on p. 62) and SAJU.md.
func TestJulianDayNumber(t *testing.T) {
	for _, c := range []struct {
		name       string
		y, m, d, n int
	}{
		{"Example 7.a: 1957 Oct 4.81 = JD 2436116.31", 1957, 10, 4, 2436116},
		{"p. 62: 2000 Jan 1.0 = JD 2451544.5", 2000, 1, 1, 2451545},
		{"p. 62: 1987 Jan 27.0 = JD 2446822.5", 1987, 1, 27, 2446823},
		{"p. 62: 1988 June 19.5 = JD 2447332.0", 1988, 6, 19, 2447332},
		{"p. 62: 1600 Dec 31.0 = JD 2305812.5", 1600, 12, 31, 2305813},
		{"SAJU.md: 1900-01-01 is JDN 2415021, a 갑술 day", 1900, 1, 1, 2415021},
		{"2100-12-31 = 2100-01-01 + 364 days = JD 2488069.5 + 364", 2100, 12, 31, 2488434},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := julianDayNumber(c.y, c.m, c.d); got != c.n {
				t.Errorf("JDN(%d-%02d-%02d) = %d, want %d", c.y, c.m, c.d, got, c.n)
			}
		})
	}
	// The Unix epoch, 1970-01-01 00:00 UTC.
	if got, want := julianDayFromUnix(0), float64(julianDayNumber(1970, 1, 1))-0.5; got != want {
		t.Errorf("JD(1970-01-01) = %v, want %v", got, want)
	}
}
