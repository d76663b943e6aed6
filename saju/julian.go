package saju

// Julian days (Meeus, Astronomical Algorithms, 2nd ed., ch. 7).

const (
	// j2000 is the Julian ephemeris day of the epoch J2000.0, 2000-01-01 12:00 TT.
	j2000 = 2451545.0 // Meeus ch. 7 p. 62: 2000 January 1.5 = JD 2451545.0
	// unixEpochJD is the Julian day of 1970-01-01 00:00 UT.
	unixEpochJD = 2440587.5 // Meeus (7.1) for 1970 January 1.0
	// secondsPerDay is the number of SI seconds in a day of UT or TT.
	secondsPerDay = 86400
)

// julianDayNumber returns the Julian day number of the Gregorian civil date
// y-m-d, the integer that Meeus's Julian day JD of that date's 0h reaches at
// noon: JDN = JD + 0.5. Valid for every Gregorian date with y ≥ 1; the
// function works in integers, so it is exact.
func julianDayNumber(y, m, d int) int {
	// Meeus (7.1) p. 61: JD = INT(365.25(Y+4716)) + INT(30.6001(M+1)) + D + B − 1524.5
	// where January and February count as months 13 and 14 of the year before,
	// A = INT(Y/100) and B = 2 − A + INT(A/4) for the Gregorian calendar.
	// With integers, INT(365.25 x) = 36525x/100 and INT(30.6001 x) = 306001x/10000
	// for the positive x met here.
	if m <= 2 {
		y--
		m += 12
	}
	a := y / 100
	b := 2 - a + a/4
	return 36525*(y+4716)/100 + 306001*(m+1)/10000 + d + b - 1524
}

// julianDayFromUnix returns the Julian day (UT) of the instant unix seconds
// after 1970-01-01 00:00 UTC. Leap seconds are ignored, as Unix time ignores
// them.
func julianDayFromUnix(unix float64) float64 {
	return unixEpochJD + unix/secondsPerDay
}

// unixFromJulianDay is the inverse of julianDayFromUnix.
func unixFromJulianDay(jd float64) float64 {
	return (jd - unixEpochJD) * secondsPerDay
}

// daysInMonth returns the number of days of month m (1..12) of Gregorian
// year y.
func daysInMonth(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}
