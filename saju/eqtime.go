package saju

import "math"

//go:generate go test -run TestEOTTableGenerated -update

// The equation of time, apparent minus mean solar time, after Meeus,
// Astronomical Algorithms, 2nd ed., ch. 28, formula (28.1), with the Sun of
// solarterm.go (VSOP87 as in Appendix III, FK5, nutation, aberration).
//
// That computation sums some 230 periodic terms, too slow for a request, so
// it runs only when eot_table.go is generated: for each Gregorian year, the
// Chebyshev series of degree eotDegree−1 that fits it over the year, the
// one short-period term a yearly series cannot follow (the Earth's monthly
// motion about the Earth–Moon barycentre) being left out of the fit and
// added back on evaluation. A request evaluates the series (Clenshaw's
// recurrence) and that term: TestEquationOfTime measures the difference
// from the full computation, a few hundredths of a second.

// eotDegree is the number of Chebyshev coefficients per year.
const eotDegree = 24

// eotUnit is the unit of eotTable's coefficients, in seconds of time.
const eotUnit = 1e-4

// equationOfTime returns the equation of time E, in seconds of time, at the
// instant unix (seconds of UT since 1970-01-01), which must lie in the
// years of eotTable: local apparent solar time is local mean time plus E.
func equationOfTime(unix float64) float64 {
	jdn := int(math.Floor(unix/secondsPerDay)) + unixEpochJDN
	y := gregorianFromJDN(jdn).Year
	a, b := eotYear(y)
	x := (2*unix - a - b) / (b - a) // the year mapped onto [−1, 1]
	// Clenshaw's recurrence for Σ′ c_j T_j(x), the first term halved.
	c := &eotTable[y-eotFirstYear]
	var b1, b2 float64
	for j := eotDegree - 1; j >= 1; j-- {
		b1, b2 = 2*x*b1-b2+float64(c[j]), b1
	}
	return (x*b1-b2+float64(c[0])/2)*eotUnit + eotMoon(unix)
}

// eotYear returns the span of Gregorian year y in UT, from 1 January 0h to
// the next 1 January 0h, in seconds since 1970.
func eotYear(y int) (from, to float64) {
	return float64(julianDayNumber(y, 1, 1)-unixEpochJDN) * secondsPerDay,
		float64(julianDayNumber(y+1, 1, 1)-unixEpochJDN) * secondsPerDay
}

// eotMoon returns the part of E due to the largest short-period term of the
// Earth's VSOP87 longitude, the Earth's monthly motion about the Earth–Moon
// barycentre (Meeus Appendix III, L0: 3136·10⁻⁸ cos(3.6277 + 77713.7715 τ)
// radian). It enters the Sun's longitude, and so −α, with the opposite
// sign; its effect on α is taken as equal to that on λ (to within 9%, a few
// hundredths of a second).
func eotMoon(unix float64) float64 {
	tau := (julianDayFromUnix(unix) - j2000) / 365250
	return -3136e-8 * math.Cos(3.6277+77713.7715*tau) * secondsPerDay / (2 * math.Pi)
}

// equationOfTimeVSOP87 returns E in seconds of time at the instant unix by
// Meeus (28.1): the Sun's apparent longitude of apparentSolarLongitude, the
// true obliquity ε₀ + Δε (Δε to 0.1″ by the four terms of p. 144) and the
// nutation in longitude of Table 22.A. It is what eot_table.go is fitted
// to.
func equationOfTimeVSOP87(unix float64) float64 {
	const deg = math.Pi / 180
	jd := julianDayFromUnix(unix)
	jde := jd + deltaT(2000+(jd-j2000)/365.25)/secondsPerDay // Meeus ch. 10: TD = UT + ΔT
	t := (jde - j2000) / 36525                               // (25.1) p. 163
	lambda := apparentSolarLongitude(jde)
	// p. 144: Δε from Ω and the mean longitudes of the Sun and the Moon.
	om := (125.04452 - 1934.136261*t) * deg
	l := (280.4665 + 36000.7698*t) * deg
	lm := (218.3165 + 481267.8813*t) * deg
	deps := (9.20*math.Cos(om) + 0.57*math.Cos(2*l) + 0.10*math.Cos(2*lm) - 0.09*math.Cos(2*om)) * arcsecond
	eps := meanObliquity(t)*deg + deps
	// (13.3) p. 93 with β = 0: the apparent right ascension α.
	alpha := math.Atan2(math.Cos(eps)*math.Sin(lambda), math.Cos(lambda))
	return equationFromAlpha(t/10, alpha, nutationInLongitude(t), eps)
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
