// Package saju computes the four pillars (사주, 四柱) of a birth in Korea:
// the year, month, day and hour pillars of the sexagenary cycle, with the
// count of the five elements, the weakest element and the day master.
//
//	hour := 10
//	c, err := saju.Compute(saju.Birth{Year: 1990, Month: 5, Day: 15, Hour: &hour})
//	// c.Hour, c.Day, c.Month, c.Year: 신사 경진 신사 경오; c.DayMaster(): 경금
//
// The package follows the conventions of docs/SAJU.md exactly; in short:
//
// # Input and the birth instant
//
// A [Birth] is a Gregorian civil date from 1900-01-01 to 2100-12-31 and a
// clock hour 0–23, or none, as written in Korea: the wall clock of the zone
// Asia/Seoul with its history, loaded from the tz database (the time/tzdata
// package embeds a copy in every binary), never a fixed +9. Korea kept local
// mean time (+8:27:52) until 1908-04-01, +8:30 in 1908–1911 and 1954–1961,
// and summer time in 1948–1951, 1955–1960 and 1987–1988. The birth instant
// is the wall clock HH:00 of the birth date, or 12:00 when the hour is
// unknown; a wall time that occurred twice is the earlier instant, one that
// was skipped is read with the offset in force before the skip (see
// [Options.Instant]).
//
// # Year and month: solar terms
//
// The saju year begins at 입춘 立春 and each month at one of the twelve 절 節:
// the instants when the Sun's apparent geocentric longitude reaches 315°
// (입춘, 인월), 345° (경칩, 묘월), …, 285° (소한, 축월). An instant equal to or
// later than a 절 belongs to the new month. The year pillar has index
// (saju year − 4) mod 60, 1984 being 갑자; the month stems follow the
// year stem (갑·기 years begin at 병인, 을·경 at 무인, 병·신 at 경인, 정·임 at
// 임인, 무·계 at 갑인).
//
// The 절 are computed astronomically, once, by go generate: the Sun's
// apparent longitude from the Earth's VSOP87 series as truncated in Meeus's
// Appendix III, referred to FK5, with nutation (IAU 1980, Meeus ch. 22) and
// aberration (Meeus ch. 25); dynamical time is converted to universal time
// with the ΔT polynomials of Espenak and Meeus; the instant is found by
// iteration to a millisecond and stored rounded to the second in
// terms_table.go for 1899–2101. Computing a chart only looks the table up.
//
// Against the reference table of SAJU.md (manseryeok 2.0.0: lunar-javascript
// 1.7.7's computation, rounded to the minute) every instant from 1900 to 2100
// agrees within 59 seconds (the tests print the worst difference). Most of
// that is the rounding (±30 s); the rest is ΔT, whose Espenak–Meeus
// extrapolation reaches 93 s in 2050 where the reference assumes about
// 71 s, and the truncation of the Appendix III series (up to 10 s).
//
// # Day and hour
//
// The day pillar depends on the civil date alone and changes at midnight:
// index (JDN + 49) mod 60, JDN being the Julian day number (1900-01-01 is
// 갑술). The hour branch comes from the clock hour as given, 23:00 and
// 00:00 both being 자시 (子時); the hour stem follows the same civil day's
// stem (갑·기 days begin at 갑자, …, 무·계 days at 임자). This is the
// "midnight" school; the 야자시 schools, true solar time by longitude and
// lunar-calendar dates are not implemented, and would be fields of
// [Options].
//
// # Elements
//
// Stems 갑을 and branches 인묘 are wood, 병정 and 사오 fire, 무기 and 진술축미
// earth, 경신 and 신유 metal, 임계 and 해자 water. [Chart.Elements] counts
// them over the eight characters (six without an hour); [Chart.Weakest] is
// the least frequent, ties going to the first in the order wood, fire,
// earth, metal, water; the day master is the day stem and its element.
//
// # Derived data
//
// [Derive] (or [Options.ComputeDerived]) adds what a Korean 만세력 shows
// under the pillars, exactly as docs/SAJU-DERIVED.md specifies: for each
// pillar ([PillarInfo]) the ten gods (십신) of its stem and of its branch's
// main stem (정기), read against the day stem, the day pillar's own stem
// being 일간 ([DayMaster]); the hidden stems (지장간) of the Korean 월률분야
// table with their days, 여기 → 중기 → 정기, the 정기 last; the day stem's
// twelve stage (12운성) on the branch, 화토동궁 with yin stems counted
// backwards; the 납음; the 12신살 from the year branch; and whether the
// branch is void (공망, from the day pillar's decade). For the chart it adds
// the relations among the pillars ([Relation]: 합, 충, 형, 파, 해, 원진 and
// 귀문, membership only, without 합화; sorted by kind, then positions) and,
// when the gender is known, the ten luck pillars ([Luck], 대운): forward
// for a yang year stem and a male or a yin one and a female, from the
// month pillar; the 대운수 is the distance D to the 절 divided by three
// days, rounded half up, at least 1; the first pillar starts D × 365.2425 / 3
// after the birth instant, each next one 3652.425 days later (an exact
// duration, not calendar arithmetic), timed by the same 절 table as the
// month pillar. Every table is Go data beside the rule that generates it,
// with the source SAJU-DERIVED.md cites, and the tests check both against
// the document and its reference vectors. Names are the document's: hangul
// (Hangul, String) and hanja (Hanja) methods return static strings, and
// [Derived] is a value of fixed size without pointers, so computing it
// allocates nothing.
//
// # Sources
//
//   - J. Meeus, Astronomical Algorithms, 2nd ed., Willmann-Bell, 1998:
//     ch. 7 (Julian day), ch. 10 (ΔT), ch. 22 (nutation), ch. 25 (solar
//     coordinates), ch. 27 (iteration for equinoxes and solstices), ch. 32
//     and Appendix III (VSOP87 for the Earth).
//   - P. Bretagnon and G. Francou, "Planetary theories in rectangular and
//     spherical variables: VSOP87 solutions", Astronomy and Astrophysics
//     202, 309–315 (1988).
//   - F. Espenak and J. Meeus, Five Millennium Canon of Solar Eclipses:
//     −1999 to +3000, NASA/TP–2006–214141, section 2.6 (ΔT polynomials).
//   - The IANA tz database, zone Asia/Seoul.
//   - palja's docs/SAJU.md for the conventions, and its reference vectors
//     pillars.tsv and solar_terms.tsv for the tests.
package saju
