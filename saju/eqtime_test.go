package saju

import (
	"math"
	"testing"
	"time"
)

// equationOfTimeVSOP87 is Meeus (28.1) with the Sun of solarterm.go: the
// VSOP87 longitude of Appendix III with FK5, nutation (IAU 1980, Table
// 22.A) and aberration, and the true obliquity ε₀ + Δε (Δε to 0.1″ by the
// four terms of p. 144). It checks the fast equationOfTime.
func equationOfTimeVSOP87(unix float64) float64 {
	const deg = math.Pi / 180
	jd := julianDayFromUnix(unix)
	jde := jd + deltaT(2000+(jd-j2000)/365.25)/secondsPerDay
	t := (jde - j2000) / 36525
	lambda := apparentSolarLongitude(jde)
	om := (125.04452 - 1934.136261*t) * deg
	l := (280.4665 + 36000.7698*t) * deg
	lm := (218.3165 + 481267.8813*t) * deg
	deps := (9.20*math.Cos(om) + 0.57*math.Cos(2*l) + 0.10*math.Cos(2*lm) - 0.09*math.Cos(2*om)) * arcsecond
	eps := meanObliquity(t)*deg + deps
	alpha := math.Atan2(math.Cos(eps)*math.Sin(lambda), math.Cos(lambda)) // (13.3), β ≈ 0
	return equationFromAlpha(t/10, alpha, nutationInLongitude(t), eps)
}

// TestEquationOfTime checks Meeus's Example 28.a, p. 184 (1992 October
// 13.0 TD: E = +13m42.6s, 3.427351°), and compares the fast equation of
// time of the request path with the VSOP87 computation every 5 days from
// 1900 to 2100: run with -v to see the worst difference.
func TestEquationOfTime(t *testing.T) {
	// 1992 October 13.0 TD is JDE 2448908.5; as UT, ΔT earlier.
	jde := 2448908.5
	unix := unixFromJulianDay(jde - deltaT(1992.78)/secondsPerDay)
	if e := equationOfTimeVSOP87(unix); math.Abs(e-3.427351*240) > 0.1 {
		t.Errorf("VSOP87: E = %.2f s, want 822.56 s (13m42.6s)", e)
	}
	if e := equationOfTime(unix); math.Abs(e-3.427351*240) > 1 {
		t.Errorf("fast: E = %.2f s, want 822.56 s (13m42.6s)", e)
	}
	var worst float64
	var worstAt time.Time
	for d := time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC); d.Year() <= 2100; d = d.Add(5*24*time.Hour + 7*time.Hour) {
		u := float64(d.Unix())
		if diff := equationOfTime(u) - equationOfTimeVSOP87(u); math.Abs(diff) > math.Abs(worst) {
			worst, worstAt = diff, d
		}
	}
	if math.Abs(worst) > 0.5 {
		t.Errorf("fast equation of time %.2f s from the VSOP87 one at %s", worst, worstAt)
	}
	t.Logf("worst difference of the fast equation of time from Meeus (28.1) with VSOP87: %+.2f s at %s", worst, worstAt.Format(time.DateTime))
}

// TestVSOPOrder checks what evalAbove relies on: in each series, the
// terms come largest first.
func TestVSOPOrder(t *testing.T) {
	for name, s := range map[string]vsopSeries{"L": earthL, "R": earthR} {
		for k, terms := range s {
			for i := 1; i < len(terms); i++ {
				if terms[i].a > terms[i-1].a {
					t.Errorf("%s%d: term %d (%v) larger than term %d", name, k, i, terms[i].a, i-1)
				}
			}
		}
	}
}
