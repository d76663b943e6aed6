package saju

import "math"

// The equation of time, apparent minus mean solar time, after Meeus,
// Astronomical Algorithms, 2nd ed., ch. 28, formula (28.1). Unlike the solar
// terms and the new moons it is evaluated on the request path (for true
// solar time), so it takes the Sun's longitude from the largest terms of
// the VSOP87 series only, those of 5·10⁻⁶ radian (1″) and more: 34
// cosines instead of 226. TestEquationOfTime measures the difference from
// the full series over 1900–2100: a third of a second at most.

// eotMinTerm is the smallest VSOP87 amplitude that equationOfTime keeps,
// in the series' units of 10⁻⁸ radian or AU.
const eotMinTerm = 500

// equationOfTime returns the equation of time E, in seconds of time, at the
// instant unix (seconds of UT since 1970-01-01): local apparent solar time
// is local mean time plus E.
func equationOfTime(unix float64) float64 {
	const deg = math.Pi / 180
	jd := julianDayFromUnix(unix)
	jde := jd + deltaT(2000+(jd-j2000)/365.25)/secondsPerDay // Meeus ch. 10: TD = UT + ΔT
	t := (jde - j2000) / 36525                               // (25.1) p. 163
	tau := t / 10

	// The Sun's apparent longitude as in apparentSolarLongitude (Meeus
	// ch. 25 p. 166, ch. 32), from the largest VSOP87 terms.
	l := earthL.evalAbove(tau, eotMinTerm) * 1e-8
	r := earthR.evalAbove(tau, eotMinTerm) * 1e-8
	// p. 144: Ω and the nutation in longitude Δψ and obliquity Δε to 0.5″
	// and 0.1″, from the mean longitudes of the Sun and the Moon.
	om := (125.04452 - 1934.136261*t) * deg
	ls := (280.4665 + 36000.7698*t) * deg
	lm := (218.3165 + 481267.8813*t) * deg
	dpsi := (-17.20*math.Sin(om) - 1.32*math.Sin(2*ls) - 0.23*math.Sin(2*lm) + 0.21*math.Sin(2*om)) * arcsecond
	deps := (9.20*math.Cos(om) + 0.57*math.Cos(2*ls) + 0.10*math.Cos(2*lm) - 0.09*math.Cos(2*om)) * arcsecond
	// ☉ = L + 180°, to FK5 (25.9), nutation, aberration (25.10).
	lambda := l + math.Pi - 0.09033*arcsecond + dpsi - 20.4898*arcsecond/r
	// (22.2) p. 147 and p. 147: the true obliquity ε = ε₀ + Δε; (13.3)
	// p. 93 with β = 0: the apparent right ascension α.
	eps := meanObliquity(t)*deg + deps
	alpha := math.Atan2(math.Cos(eps)*math.Sin(lambda), math.Cos(lambda))
	return equationFromAlpha(tau, alpha, dpsi, eps)
}

// evalAbove is [vsopSeries.eval] with the terms of amplitude least and more
// only; each series of Appendix III lists its terms largest first
// (TestVSOPOrder).
func (s vsopSeries) evalAbove(tau, least float64) float64 {
	var sum float64
	for k := len(s) - 1; k >= 0; k-- {
		var part float64
		for _, t := range s[k] {
			if t.a < least {
				break
			}
			part += t.a * math.Cos(t.b+t.c*tau)
		}
		sum = sum*tau + part
	}
	return sum
}

// meanObliquity returns the mean obliquity of the ecliptic ε₀ in degrees at
// T Julian centuries of dynamical time from J2000.0: Meeus (22.2) p. 147,
// 23°26′21.448″ − 46.8150″ T − 0.00059″ T² + 0.001813″ T³.
func meanObliquity(t float64) float64 {
	return 23 + 26.0/60 + (21.448-t*(46.8150+t*(0.00059-t*0.001813)))/3600
}

// equationFromAlpha returns Meeus (28.1) p. 183, E = L₀ − 0.0057183° − α +
// Δψ cos ε, in seconds of time: tau is in Julian millennia of dynamical
// time from J2000.0, alpha the Sun's apparent right ascension, dpsi the
// nutation in longitude and eps the true obliquity, all in radians.
func equationFromAlpha(tau, alpha, dpsi, eps float64) float64 {
	// (28.2) p. 183: the Sun's mean longitude, in degrees.
	l0 := 280.4664567 + tau*(360007.6982779+tau*(0.03032028+tau*(1.0/49931+tau*(-1.0/15300-tau/2000000))))
	e := l0 - 0.0057183 - alpha*180/math.Pi + dpsi*180/math.Pi*math.Cos(eps)
	// E is small: bring the difference of two longitudes into (−180°, 180°].
	e = math.Remainder(e, 360)
	return e * 240 // 1° of hour angle is 4 minutes of time
}
