package saju

import "math"

// The Sun's apparent geocentric longitude and the instants of the 24 solar
// terms (절기), after Meeus, Astronomical Algorithms, 2nd ed., ch. 25
// ("higher accuracy"), ch. 27 and ch. 32. This code runs only when the
// term table is generated (see terms_table.go), never on a request.

// apparentSolarLongitude returns the Sun's apparent geocentric ecliptic
// longitude, referred to the true equinox of date, in radians in [0, 2π), at
// the Julian ephemeris day jde (dynamical time).
func apparentSolarLongitude(jde float64) float64 {
	t := (jde - j2000) / 36525 // Meeus (25.1) p. 163: Julian centuries from J2000.0
	tau := t / 10              // Meeus ch. 32: τ, Julian millennia
	l := earthL.eval(tau) * 1e-8
	r := earthR.eval(tau) * 1e-8

	// Meeus ch. 25 p. 166: the geocentric longitude of the Sun is the Earth's
	// heliocentric longitude plus 180° (☉ = L + 180°).
	lon := l + math.Pi
	// Meeus (25.9) p. 166 and (32.3) p. 219: from VSOP87's dynamical ecliptic
	// to the FK5 system, Δ☉ = −0.09033″ (the latitude-dependent part is below
	// 10⁻⁵″ for the Sun).
	lon -= 0.09033 * arcsecond
	// Meeus ch. 25 p. 166: nutation in longitude Δψ (ch. 22) refers the
	// longitude to the true equinox of date.
	lon += nutationInLongitude(t)
	// Meeus (25.10) p. 167: aberration, −20.4898″ / R.
	lon -= 20.4898 * arcsecond / r

	lon = math.Mod(lon, 2*math.Pi)
	if lon < 0 {
		lon += 2 * math.Pi
	}
	return lon
}

// termLongitude returns the Sun's apparent longitude, in degrees, at solar
// term i (0..23) counted in Gregorian-year order from 소한: 소한 285°,
// 대한 300°, 입춘 315°, …, 동지 270° (SAJU.md, "Solar terms").
func termLongitude(i int) float64 {
	return math.Mod(285+15*float64(i), 360)
}

// solarTermJDE returns the Julian ephemeris day at which the Sun's apparent
// longitude reaches termLongitude(i) in Gregorian year y, to better than
// 10⁻⁸ day (a millisecond).
func solarTermJDE(y, i int) float64 {
	target := termLongitude(i) * math.Pi / 180
	// First guess: 소한 falls about 5 January and the terms follow each other
	// every 365.2422/24 days on average; the Sun's uneven speed moves them by
	// at most two days from this.
	jde := float64(julianDayNumber(y, 1, 1)) - 0.5 + 5 + float64(i)*365.2422/24
	// Meeus (27.1) p. 180: JDE ← JDE + 58 sin(target − λ), the Sun taking
	// about 365.2422/2π ≈ 58 days to move one radian; each step divides the
	// error by about 30.
	for range 20 {
		c := 58 * math.Sin(target-apparentSolarLongitude(jde))
		jde += c
		if math.Abs(c) < 1e-8 {
			break
		}
	}
	return jde
}

// solarTermUnix returns the instant of solar term i (0..23) of Gregorian year
// y as seconds of UT since 1970-01-01 00:00 UTC (leap seconds not counted,
// as in Unix time).
func solarTermUnix(y, i int) float64 {
	jde := solarTermJDE(y, i)
	// The decimal year for ΔT; ΔT changes by under 2 s a year, so the tenth of a
	// second separating TT from UT does not matter here.
	year := 2000 + (jde-j2000)/365.25
	jd := jde - deltaT(year)/secondsPerDay // JD(UT) = JDE − ΔT, Meeus ch. 10
	return unixFromJulianDay(jd)
}
