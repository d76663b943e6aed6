package saju

import "math"

// Nutation in longitude, Meeus, Astronomical Algorithms, 2nd ed., ch. 22:
// the IAU 1980 theory with the terms of Meeus's Table 22.A, those smaller
// than 0.0003″ neglected.

// nutationTerm is one row of Meeus Table 22.A: the multiples of D, M, M′, F
// and Ω in the argument, and the coefficient of its sine in Δψ, s0 + s1 T, in
// units of 0.0001″. (The cosine coefficients for Δε are not needed here.)
type nutationTerm struct {
	d, m, mp, f, om float64
	s0, s1          float64
}

// nutationInLongitude returns Δψ in radians at T Julian centuries of
// dynamical time from J2000.0.
func nutationInLongitude(t float64) float64 {
	const deg = math.Pi / 180
	// Meeus ch. 22, the fundamental arguments in degrees (T in Julian
	// centuries of dynamical time from J2000.0):
	// D, mean elongation of the Moon from the Sun
	d := (297.85036 + t*(445267.111480+t*(-0.0019142+t/189474))) * deg
	// M, mean anomaly of the Sun (Earth)
	m := (357.52772 + t*(35999.050340+t*(-0.0001603-t/300000))) * deg
	// M′, mean anomaly of the Moon
	mp := (134.96298 + t*(477198.867398+t*(0.0086972+t/56250))) * deg
	// F, the Moon's argument of latitude
	f := (93.27191 + t*(483202.017538+t*(-0.0036825+t/327270))) * deg
	// Ω, longitude of the ascending node of the Moon's mean orbit
	om := (125.04452 + t*(-1934.136261+t*(0.0020708+t/450000))) * deg

	// Meeus ch. 22: Δψ = Σ (s0 + s1 T) sin(argument), summed smallest first.
	var sum float64
	for i := len(nutationTable) - 1; i >= 0; i-- {
		r := &nutationTable[i]
		arg := r.d*d + r.m*m + r.mp*mp + r.f*f + r.om*om
		sum += (r.s0 + r.s1*t) * math.Sin(arg)
	}
	return sum * 0.0001 * arcsecond
}

// arcsecond is one second of arc in radians.
const arcsecond = math.Pi / (180 * 3600)

// nutationTable is Meeus's Table 22.A: the multiples of D, M, M′, F and Ω,
// and the sine coefficients of Δψ in 0.0001″.
var nutationTable = [...]nutationTerm{
	{0, 0, 0, 0, 1, -171996, -174.2},
	{-2, 0, 0, 2, 2, -13187, -1.6},
	{0, 0, 0, 2, 2, -2274, -0.2},
	{0, 0, 0, 0, 2, 2062, 0.2},
	{0, 1, 0, 0, 0, 1426, -3.4},
	{0, 0, 1, 0, 0, 712, 0.1},
	{-2, 1, 0, 2, 2, -517, 1.2},
	{0, 0, 0, 2, 1, -386, -0.4},
	{0, 0, 1, 2, 2, -301, 0},
	{-2, -1, 0, 2, 2, 217, -0.5},
	{-2, 0, 1, 0, 0, -158, 0},
	{-2, 0, 0, 2, 1, 129, 0.1},
	{0, 0, -1, 2, 2, 123, 0},
	{2, 0, 0, 0, 0, 63, 0},
	{0, 0, 1, 0, 1, 63, 0.1},
	{2, 0, -1, 2, 2, -59, 0},
	{0, 0, -1, 0, 1, -58, -0.1},
	{0, 0, 1, 2, 1, -51, 0},
	{-2, 0, 2, 0, 0, 48, 0},
	{0, 0, -2, 2, 1, 46, 0},
	{2, 0, 0, 2, 2, -38, 0},
	{0, 0, 2, 2, 2, -31, 0},
	{0, 0, 2, 0, 0, 29, 0},
	{-2, 0, 1, 2, 2, 29, 0},
	{0, 0, 0, 2, 0, 26, 0},
	{-2, 0, 0, 2, 0, -22, 0},
	{0, 0, -1, 2, 1, 21, 0},
	{0, 2, 0, 0, 0, 17, -0.1},
	{2, 0, -1, 0, 1, 16, 0},
	{-2, 2, 0, 2, 2, -16, 0.1},
	{0, 1, 0, 0, 1, -15, 0},
	{-2, 0, 1, 0, 1, -13, 0},
	{0, -1, 0, 0, 1, -12, 0},
	{0, 0, 2, -2, 0, 11, 0},
	{2, 0, -1, 2, 1, -10, 0},
	{2, 0, 1, 2, 2, -8, 0},
	{0, 1, 0, 2, 2, 7, 0},
	{-2, 1, 1, 0, 0, -7, 0},
	{0, -1, 0, 2, 2, -7, 0},
	{2, 0, 0, 2, 1, -7, 0},
	{2, 0, 1, 0, 0, 6, 0},
	{-2, 0, 2, 2, 2, 6, 0},
	{-2, 0, 1, 2, 1, 6, 0},
	{2, 0, -2, 0, 1, -6, 0},
	{2, 0, 0, 0, 1, -6, 0},
	{0, -1, 1, 0, 0, 5, 0},
	{-2, -1, 0, 2, 1, -5, 0},
	{-2, 0, 0, 0, 1, -5, 0},
	{0, 0, 2, 2, 1, -5, 0},
	{-2, 0, 2, 0, 1, 4, 0},
	{-2, 1, 0, 2, 1, 4, 0},
	{0, 0, 1, -2, 0, 4, 0},
	{-1, 0, 1, 0, 0, -4, 0},
	{-2, 1, 0, 0, 0, -4, 0},
	{1, 0, 0, 0, 0, -4, 0},
	{0, 0, 1, 2, 0, 3, 0},
	{0, 0, -2, 2, 2, -3, 0},
	{-1, -1, 1, 0, 0, -3, 0},
	{0, 1, 1, 0, 0, -3, 0},
	{0, -1, 1, 2, 2, -3, 0},
	{2, -1, -1, 2, 2, -3, 0},
	{0, 0, 3, 2, 2, -3, 0},
	{2, -1, 0, 2, 2, -3, 0},
}
