package saju

import (
	"math"
	"testing"
	"time"
)

// moonLongitude returns the Moon's geocentric ecliptic longitude, referred
// to the mean equinox of date, in radians, at the Julian ephemeris day jde,
// by Meeus, Astronomical Algorithms, 2nd ed., ch. 47: the principal terms
// of the ELP-2000/82 theory of M. Chapront-Touzé and J. Chapront, Table
// 47.A, accurate to about 10″. It is the independent check of the new
// moons of ch. 49.
func moonLongitude(jde float64) float64 {
	const deg = math.Pi / 180
	t := (jde - j2000) / 36525
	// (47.1)–(47.5) p. 338: L′, D, M, M′, F in degrees.
	lp := 218.3164477 + t*(481267.88123421+t*(-0.0015786+t*(1.0/538841-t/65194000)))
	d := (297.8501921 + t*(445267.1114034+t*(-0.0018819+t*(1.0/545868-t/113065000)))) * deg
	m := (357.5291092 + t*(35999.0502909+t*(-0.0001535+t/24490000))) * deg
	mp := (134.9633964 + t*(477198.8675055+t*(0.0087414+t*(1.0/69699-t/14712000)))) * deg
	f := (93.2720950 + t*(483202.0175233+t*(-0.0036539+t*(-1.0/3526000+t/863310000)))) * deg
	// p. 338: A1, A2 and E (47.6).
	a1 := (119.75 + 131.849*t) * deg
	a2 := (53.09 + 479264.290*t) * deg
	e := 1 - t*(0.002516+t*0.0000074)
	// p. 338: Σl, in 10⁻⁶ degree, the terms with M multiplied by E and those
	// with 2M by E², and the additive terms for Venus, Jupiter and the
	// flattening of the Earth.
	var sum float64
	for _, r := range moonTable {
		s := r.l * math.Sin(r.d*d+r.m*m+r.mp*mp+r.f*f)
		switch math.Abs(r.m) {
		case 1:
			s *= e
		case 2:
			s *= e * e
		}
		sum += s
	}
	sum += 3958*math.Sin(a1) + 1962*math.Sin(lp*deg-f) + 318*math.Sin(a2)
	return math.Mod(lp+sum*1e-6, 360) * deg
}

// moonTable is Meeus's Table 47.A, pp. 339–340: the multiples of D, M, M′ and
// F and the coefficient Σl of the sine, in 10⁻⁶ degree (the Σr column is
// not needed here; the one row without a Σl term is left out).
var moonTable = [...]struct{ d, m, mp, f, l float64 }{
	{0, 0, 1, 0, 6288774}, {2, 0, -1, 0, 1274027}, {2, 0, 0, 0, 658314}, {0, 0, 2, 0, 213618},
	{0, 1, 0, 0, -185116}, {0, 0, 0, 2, -114332}, {2, 0, -2, 0, 58793}, {2, -1, -1, 0, 57066},
	{2, 0, 1, 0, 53322}, {2, -1, 0, 0, 45758}, {0, 1, -1, 0, -40923}, {1, 0, 0, 0, -34720},
	{0, 1, 1, 0, -30383}, {2, 0, 0, -2, 15327}, {0, 0, 1, 2, -12528}, {0, 0, 1, -2, 10980},
	{4, 0, -1, 0, 10675}, {0, 0, 3, 0, 10034}, {4, 0, -2, 0, 8548}, {2, 1, -1, 0, -7888},
	{2, 1, 0, 0, -6766}, {1, 0, -1, 0, -5163}, {1, 1, 0, 0, 4987}, {2, -1, 1, 0, 4036},
	{2, 0, 2, 0, 3994}, {4, 0, 0, 0, 3861}, {2, 0, -3, 0, 3665}, {0, 1, -2, 0, -2689},
	{2, 0, -1, 2, -2602}, {2, -1, -2, 0, 2390}, {1, 0, 1, 0, -2348}, {2, -2, 0, 0, 2236},
	{0, 1, 2, 0, -2120}, {0, 2, 0, 0, -2069}, {2, -2, -1, 0, 2048}, {2, 0, 1, -2, -1773},
	{2, 0, 0, 2, -1595}, {4, -1, -1, 0, 1215}, {0, 0, 2, 2, -1110}, {3, 0, -1, 0, -892},
	{2, 1, 1, 0, -810}, {4, -1, -2, 0, 759}, {0, 2, -1, 0, -713}, {2, 2, -1, 0, -700},
	{2, 1, -2, 0, 691}, {2, -1, 0, -2, 596}, {4, 0, 1, 0, 549}, {0, 0, 4, 0, 537},
	{4, -1, 0, 0, 520}, {1, 0, -2, 0, -487}, {2, 1, 0, -2, -399}, {0, 0, 2, -2, -381},
	{1, 1, 1, 0, 351}, {3, 0, -2, 0, -340}, {4, 0, -3, 0, 330}, {2, -1, 2, 0, 327},
	{0, 2, 1, 0, -323}, {1, 1, -1, 0, 299}, {2, 0, 3, 0, 294},
}

// conjunctionJDE returns the instant, near jde, at which the Moon's
// apparent longitude (ch. 47, plus the nutation) equals the Sun's
// (apparentSolarLongitude): the new moon by its definition, found by
// iteration to 10⁻⁸ day.
func conjunctionJDE(jde float64) float64 {
	const rate = 2 * math.Pi / 29.530588861 // radians a day, Moon minus Sun
	for range 20 {
		t := (jde - j2000) / 36525
		diff := math.Remainder(moonLongitude(jde)+nutationInLongitude(t)-apparentSolarLongitude(jde), 2*math.Pi)
		step := diff / rate
		jde -= step
		if math.Abs(step) < 1e-8 {
			break
		}
	}
	return jde
}

// TestMoonLongitude checks moonLongitude with Meeus's Example 47.a, p. 342:
// on 1992 April 12.0 TD (JDE 2448724.5), λ = 133.162655° (mean equinox of
// date, before nutation).
func TestMoonLongitude(t *testing.T) {
	got := moonLongitude(2448724.5) * 180 / math.Pi
	if got = math.Mod(got+360, 360); math.Abs(got-133.162655) > 1e-6 {
		t.Errorf("λ = %.6f°, want 133.162655°", got)
	}
}

// TestNewMoons checks the new moons of ch. 49 that the lunar table is built
// on: Meeus's Example 49.a to the printed digits; the published instants
// below to the minute they are given in (plus the rounding); and every new
// moon from 1899 to 2101 against the conjunction computed with the
// ch. 47 Moon and the VSOP87 Sun. Run with -v to see the worst
// differences.
func TestNewMoons(t *testing.T) {
	// Meeus Example 49.a, p. 353: the new moon of 1977 February, k = −283,
	// JDE 2443192.65118 (1977 February 18, 3h37m42s TD).
	if got := newMoonJDE(-283); math.Abs(got-2443192.65118) > 0.000006 {
		t.Errorf("Example 49.a: JDE %.5f, want 2443192.65118", got)
	}

	// Published instants of new moon, in UT, to the minute.
	published := []struct {
		when, source string
	}{
		// in-the-sky.org, "The Moon", phases of 2024 computed from NASA's
		// DE430 ephemeris by D. Ford: 11 Jan 2024 06:58 EST.
		{"2024-01-11T11:58:00Z", "in-the-sky.org (DE430)"},
		// lunaf.com, lunar calendar: "8 April 2024 at 18:21 UTC" (the
		// total solar eclipse) and "9 May 2043 at 03:21 UTC".
		{"2024-04-08T18:21:00Z", "lunaf.com"},
		{"2043-05-09T03:21:00Z", "lunaf.com"},
	}
	var worstPub float64
	var worstPubAt string
	for _, p := range published {
		want, err := time.Parse(time.RFC3339, p.when)
		if err != nil {
			t.Fatal(err)
		}
		k := int(math.Round(float64(want.Unix()/86400+unixEpochJDN-2451550) / 29.530588861))
		d := newMoonUnix(k) - float64(want.Unix())
		if math.Abs(d) > math.Abs(worstPub) {
			worstPub, worstPubAt = d, p.when+" "+p.source
		}
		// ±30 s of rounding, and ΔT models that differ by tens of seconds
		// in the 2040s.
		if math.Abs(d) > 90 {
			t.Errorf("%s (%s): computed %.0f s away", p.when, p.source, d)
		}
	}

	// Every lunation of the table against the ch. 47 conjunction, in
	// dynamical time (ΔT is the same on both sides).
	var worst float64
	var worstK int
	for k := -1255; k <= 1265; k++ {
		jde := newMoonJDE(float64(k))
		if d := (jde - conjunctionJDE(jde)) * secondsPerDay; math.Abs(d) > math.Abs(worst) {
			worst, worstK = d, k
		}
	}
	if math.Abs(worst) > 60 {
		t.Errorf("a new moon of ch. 49 is %.1f s from the ch. 47 conjunction (k = %d)", worst, worstK)
	}
	at := time.Unix(int64(newMoonUnix(worstK)), 0).UTC().Format(time.DateOnly)
	t.Logf("new moons (Meeus ch. 49): worst difference from the published instants %+.0f s (%s); "+
		"from the Meeus ch. 47 (ELP-2000/82) conjunction over 1899–2101 %+.1f s (k = %d, %s)",
		worstPub, worstPubAt, worst, worstK, at)
}
