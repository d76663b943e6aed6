package saju

// ΔT = TT − UT, the difference between dynamical (terrestrial) time, in which
// the Sun's theory runs, and universal time, in which clocks and the solar-term
// table run.

// deltaT returns ΔT in seconds at decimal year y, by the polynomials of
// F. Espenak and J. Meeus, "Five Millennium Canon of Solar Eclipses:
// −1999 to +3000" (NASA/TP–2006–214141), section 2.6, "Polynomial
// expressions for ΔT", also published on NASA's eclipse web site. They fit
// the observed ΔT to within about a second from 1860 to 2005 and extrapolate
// beyond; the canon's y is year + (month − 0.5)/12, here the continuous
// decimal year, which differs by at most a twentieth of a year
// (well under 0.1 s of ΔT).
//
// The fits hold from 1860; before that the 1860–1900 fit is extended (palja
// needs 1899–2101 only). After 2150 it is the canon's long-term parabola.
func deltaT(y float64) float64 {
	switch {
	case y < 1900:
		t := y - 1860
		// Espenak–Meeus, 1860–1900
		return 7.62 + t*(0.5737+t*(-0.251754+t*(0.01680668+t*(-0.0004473624+t/233174))))
	case y < 1920:
		t := y - 1900
		// Espenak–Meeus, 1900–1920
		return -2.79 + t*(1.494119+t*(-0.0598939+t*(0.0061966+t*-0.000197)))
	case y < 1941:
		t := y - 1920
		// Espenak–Meeus, 1920–1941
		return 21.20 + t*(0.84493+t*(-0.076100+t*0.0020936))
	case y < 1961:
		t := y - 1950
		// Espenak–Meeus, 1941–1961
		return 29.07 + t*(0.407+t*(-1.0/233+t/2547))
	case y < 1986:
		t := y - 1975
		// Espenak–Meeus, 1961–1986
		return 45.45 + t*(1.067+t*(-1.0/260-t/718))
	case y < 2005:
		t := y - 2000
		// Espenak–Meeus, 1986–2005
		return 63.86 + t*(0.3345+t*(-0.060374+t*(0.0017275+t*(0.000651814+t*0.00002373599))))
	case y < 2050:
		t := y - 2000
		// Espenak–Meeus, 2005–2050 (extrapolated)
		return 62.92 + t*(0.32217+t*0.005589)
	case y < 2150:
		u := (y - 1820) / 100
		// Espenak–Meeus, 2050–2150: the parabola, joined to the 2005–2050 fit
		return -20 + 32*u*u - 0.5628*(2150-y)
	default:
		u := (y - 1820) / 100
		return -20 + 32*u*u // Espenak–Meeus, after 2150
	}
}
