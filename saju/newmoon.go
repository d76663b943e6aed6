package saju

import "math"

// The instants of new moon, after Meeus, Astronomical Algorithms, 2nd ed.,
// ch. 49 ("Phases of the Moon"). Like the solar terms, this code runs only
// when the lunar calendar table is generated (see lunar_table.go), never on
// a request.

// newMoonJDE returns the Julian ephemeris day (dynamical time) of the new
// moon of lunation k, an integer: k = 0 is the new moon of 2000 January 6,
// k < 0 the ones before it. Meeus states the method's error against the
// ELP-2000/82 lunar theory as under 17 s over 1980–2020 (ch. 49 p. 354),
// growing slowly away from the present.
func newMoonJDE(k float64) float64 {
	const deg = math.Pi / 180
	t := k / 1236.85 // (49.3) p. 350: Julian centuries from J2000.0
	t2, t3, t4 := t*t, t*t*t, t*t*t*t

	// (49.1) p. 349: the mean phase.
	jde := 2451550.09766 + 29.530588861*k + 0.00015437*t2 - 0.000000150*t3 + 0.00000000073*t4

	// (47.6) p. 338: E, the decreasing eccentricity of the Earth's orbit, by
	// which the terms in M are multiplied (E² for those in 2M), p. 351.
	e := 1 - 0.002516*t - 0.0000074*t2
	// (49.4)–(49.7) p. 350: the Sun's mean anomaly M, the Moon's mean
	// anomaly M′, the Moon's argument of latitude F and the longitude of the
	// ascending node of its orbit Ω, at the mean phase.
	m := (2.5534 + 29.10535670*k - 0.0000014*t2 - 0.00000011*t3) * deg
	mp := (201.5643 + 385.81693528*k + 0.0107582*t2 + 0.00001238*t3 - 0.000000058*t4) * deg
	f := (160.7108 + 390.67050284*k - 0.0016118*t2 - 0.00000227*t3 + 0.000000011*t4) * deg
	om := (124.7746 - 1.56375588*k + 0.0020672*t2 + 0.00000215*t3) * deg

	// p. 351: the periodic terms for the new moon, in days, smallest last.
	jde += -0.40720*math.Sin(mp) +
		0.17241*e*math.Sin(m) +
		0.01608*math.Sin(2*mp) +
		0.01039*math.Sin(2*f) +
		0.00739*e*math.Sin(mp-m) +
		-0.00514*e*math.Sin(mp+m) +
		0.00208*e*e*math.Sin(2*m) +
		-0.00111*math.Sin(mp-2*f) +
		-0.00057*math.Sin(mp+2*f) +
		0.00056*e*math.Sin(2*mp+m) +
		-0.00042*math.Sin(3*mp) +
		0.00042*e*math.Sin(m+2*f) +
		0.00038*e*math.Sin(m-2*f) +
		-0.00024*e*math.Sin(2*mp-m) +
		-0.00017*math.Sin(om) +
		-0.00007*math.Sin(mp+2*m) +
		0.00004*math.Sin(2*mp-2*f) +
		0.00004*math.Sin(3*m) +
		0.00003*math.Sin(mp+m-2*f) +
		0.00003*math.Sin(2*mp+2*f) +
		-0.00003*math.Sin(mp+m+2*f) +
		0.00003*math.Sin(mp-m+2*f) +
		-0.00002*math.Sin(mp-m-2*f) +
		-0.00002*math.Sin(3*mp+m) +
		0.00002*math.Sin(4*mp)

	// p. 351–352: the additional corrections for all the phases, from the
	// planetary arguments A1–A14 (A1 with its T² term).
	a := [14]float64{
		299.77 + 0.107408*k - 0.009173*t2,
		251.88 + 0.016321*k,
		251.83 + 26.651886*k,
		349.42 + 36.412478*k,
		84.66 + 18.206239*k,
		141.74 + 53.303771*k,
		207.14 + 2.453732*k,
		154.84 + 7.306860*k,
		34.52 + 27.261239*k,
		207.19 + 0.121824*k,
		291.34 + 1.844379*k,
		161.72 + 24.198154*k,
		239.56 + 25.513099*k,
		331.55 + 3.592518*k,
	}
	coef := [14]float64{
		0.000325, 0.000165, 0.000164, 0.000126, 0.000110, 0.000062, 0.000060,
		0.000056, 0.000047, 0.000042, 0.000040, 0.000037, 0.000035, 0.000023,
	}
	for i := len(a) - 1; i >= 0; i-- {
		jde += coef[i] * math.Sin(a[i]*deg)
	}
	return jde
}

// newMoonUnix returns the instant of the new moon of lunation k as seconds
// of UT since 1970-01-01 00:00 UTC, ΔT as for the solar terms.
func newMoonUnix(k int) float64 {
	jde := newMoonJDE(float64(k))
	year := 2000 + (jde-j2000)/365.25
	return unixFromJulianDay(jde - deltaT(year)/secondsPerDay) // Meeus ch. 10: UT = TD − ΔT
}
