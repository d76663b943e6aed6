// Package saju computes the four pillars (사주, 四柱) of a birth in Korea:
// the year, month, day and hour pillars of the sexagenary cycle, with the
// count of the five elements, the weakest element and the day master.
//
//	hour := 10
//	c, err := saju.Compute(saju.Birth{Year: 1990, Month: 5, Day: 15, Hour: &hour})
//	// c.Hour, c.Day, c.Month, c.Year: 신사 경진 신사 경오; c.DayMaster(): 경금
//
// The package follows the conventions of docs/SAJU.md exactly; in short
// (the default first, then the other conventions that [Options] selects):
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
// "midnight" school, the default; the others, lunar dates, minutes and true
// solar time are fields of [Options], whose zero value is everything above.
//
// # Options: lunar dates (음력)
//
// With [Options.Calendar] = [Lunar], the birth date is a date of the Korean
// lunar calendar, in the year's leap month (윤달) if [Options.LeapMonth]. It
// is converted to its Gregorian date and everything above applies
// unchanged: the year still turns at 입춘, not at 설날, and the month at the
// 절, whatever the lunar month. Valid lunar dates run from 1899-12-01
// (1900-01-01) to 2100-12-01 (2100-12-31); [LunarDate.Solar] and [ToLunar]
// convert both ways.
//
// The calendar is KASI's, computed by its rules: a month begins on the
// civil date at UTC+9 of a new moon; the month holding the winter solstice
// (동지) is the 11th; when 13 months lie between two 11th months, the first
// without a 중기 (the odd-numbered solar terms 대한, 우수, …, 동지, dated at
// UTC+9 too) is the leap month, numbered as the month before it. The new
// moons come from Meeus ch. 49 with the ΔT of the solar terms, the 중기 from
// the solar-term computation above; the table is generated once into
// lunar_table.go (go generate), one 32-bit word a year. It equals SAJU.md's
// reference, lunar_months.tsv, in all 2,487 months of 1899-12 to 2100-12
// (KASI's table to 2050, the same rules computed with lunar-javascript's
// new moons after), with nine months taken from the reference rather than
// the computation, each a day earlier or later:
//
//   - the eight months of 1900–1911 that Korea, on the Qing calendar then,
//     began a day earlier than a UTC+9 computation (1903-09, 1903-12,
//     1904-10, 1905-04, 1907-06, 1908-04, 1909-08, 1911-11). Computing
//     those years on Beijing local time (116.4° E) instead gives the eight
//     but also moves 1906-04, whose new moon falls at 01:06 KST, which KASI
//     does not;
//   - 2096-12, whose new moon this computation puts at 2097-01-13 23:59:55
//     KST, 5 s before midnight (the ch. 47 conjunction of the tests at
//     23:59:48), and the reference after it (2097-01-14).
//
// The other five months after 2050 that SAJU.md calls uncertain (new moon
// within five minutes of midnight) come out as the reference has them:
// 2051-10 from 2051-11-03, 2052-09 from 2052-10-23, 2071-03 from
// 2071-04-01, 2074-07 from 2074-08-22, 2092-01 from 2092-02-08. Before 2051
// the new moons closest to Korean midnight are 51 s (1908-09-25 23:59:10
// KST) and 53 s (2005-12-02 00:00:52 KST) away from it, twice the worst
// error of the new moons below.
//
// Those errors, printed by the tests: against the conjunction computed
// with the Moon of Meeus ch. 47 (ELP-2000/82) and the VSOP87 Sun, every new
// moon of 1899–2101 agrees within 25.2 s (1965-06-29); Meeus's Example 49.a
// to the printed digits; published instants (in-the-sky.org from DE430,
// lunaf.com, to the minute) within 42 s.
//
// # Options: the 23:00 schools (야자시, 조자시)
//
// [Options.DayBoundary] chooses how the hour 23:00–23:59 is read; every
// other hour, the hour branch (자) and the year and month pillars are the
// same in all schools:
//
//   - [Midnight] (the default): 23:xx has its date's day pillar and its hour
//     stem from that day, sharing the hour pillar of the same date's 00:xx;
//   - [Jasi]: the day turns at 23:00, so 23:xx has the next day's day pillar
//     and hour stem;
//   - [Split]: 23:xx is the night 자시 of its date: that date's day pillar,
//     the next day's hour stem.
//
// An unknown hour ignores the school.
//
// # Options: minutes and true solar time (진태양시)
//
// [Options.Minute] refines the clock time: the birth instant is HH:MM, which
// decides births in the hour of a 절. With [Options.Longitude] (degrees
// east) and a known hour, the day and hour pillars follow the local apparent
// solar time at the birthplace, LAT = UT + longitude × 4 min/° + E, E being
// the equation of time at the birth instant. (Equivalently, the clock time
// plus 4 minutes for each degree east of the meridian of the offset in
// force, 135° for +9, 127.5° for +8:30, 150° and 142.5° in summer time,
// 126.97° for local mean time, plus E.) The hour branch comes from LAT to
// the second, the day pillar from LAT's date, the hour stem from that day,
// and the school acts on LAT's 23:00 hour; the year and month pillars stay
// those of the instant. An unknown hour ignores the minute and the
// longitude. [Options.ApparentSolarTime] returns LAT.
//
// E is Meeus (28.1) with the Sun above and the true obliquity; as that
// sums some 230 terms, eot_table.go (go generate) holds for each year a
// Chebyshev series fitted to it, and a chart evaluates the series: within
// 0.061 s of the full computation over 1900–2100, and within 0.09 s of
// SAJU.md's vectors (astronomia, full VSOP87).
//
// # Elements
//
// Stems 갑을 and branches 인묘 are wood, 병정 and 사오 fire, 무기 and 진술축미
// earth, 경신 and 신유 metal, 임계 and 해자 water. [Chart.Elements] counts
// them over the eight characters (six without an hour); [Chart.Weakest] is
// the least frequent, ties going to the first in the order wood, fire,
// earth, metal, water; the day master is the day stem and its element.
//
// # Binary form
//
// A [Chart] has a versioned binary form of [ChartBinarySize] bytes
// ([Chart.AppendBinary], [Chart.MarshalBinary], [Chart.UnmarshalBinary]),
// which a store can keep as opaque bytes: the layout is known only here,
// and every version once written stays readable.
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
//     ch. 7 (Julian day and its inverse), ch. 10 (ΔT), ch. 13 (right
//     ascension), ch. 22 (nutation and obliquity), ch. 25 (solar
//     coordinates), ch. 27 (iteration for equinoxes and solstices), ch. 28
//     (equation of time), ch. 32 and Appendix III (VSOP87 for the Earth),
//     ch. 47 (the Moon's longitude, for the tests) and ch. 49 (new moons).
//   - P. Bretagnon and G. Francou, "Planetary theories in rectangular and
//     spherical variables: VSOP87 solutions", Astronomy and Astrophysics
//     202, 309–315 (1988).
//   - F. Espenak and J. Meeus, Five Millennium Canon of Solar Eclipses:
//     −1999 to +3000, NASA/TP–2006–214141, section 2.6 (ΔT polynomials).
//   - The IANA tz database, zone Asia/Seoul.
//   - The Korea Astronomy and Space Science Institute (KASI, 한국천문연구원)
//     for the rules of the Korean lunar calendar and its table to 2050.
//   - palja's docs/SAJU.md for the conventions, and its reference vectors
//     pillars.tsv, solar_terms.tsv, lunar_months.tsv, lunar.tsv,
//     lunar_invalid.tsv, schools.tsv, solartime.tsv and derived.jsonl for
//     the tests; docs/SAJU-DERIVED.md for the derived data and its tables.
package saju
