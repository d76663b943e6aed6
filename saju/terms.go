package saju

//go:generate go test -run TestTermsTableGenerated -update

// The twelve 절 (節) that begin the saju months, in the order of jieTable's
// columns: k = 0 소한 小寒 285° (축월) in early January, 1 입춘 立春 315° (인월,
// the first month and the start of the saju year), …, 11 대설 大雪 255°
// (자월) in early December. 절 k is solar term 2k of the Gregorian year
// (see termLongitude) and falls in month k+1.
//
// jieTable (terms_table.go) holds their instants for 1899–2101, computed
// astronomically by solarTermUnix and written by the test
// TestTermsTableGenerated with -update (go generate); a request only looks
// them up.

// jieAt returns the latest 절 at or before the instant unix (seconds since
// 1970 UTC): the Gregorian year whose table row holds it and its column k
// (0 소한 … 11 대설). civilYear and civilMonth are the birth's civil date;
// every 절 falls between the 3rd and the 9th of its month (checked by
// TestJieTable), so the 절 of that month, or the one before it, is the answer. The instant must lie within
// the table, as it does for every valid birth.
func jieAt(unix int64, civilYear, civilMonth int) (year, k int) {
	i := (civilYear-jieFirstYear)*12 + civilMonth - 1
	// Step to the right entry; at most one step is ever taken, but the
	// loops keep the lookup right whatever the guess.
	for i > 0 && unix < jieTable[i] {
		i--
	}
	for i+1 < len(jieTable) && unix >= jieTable[i+1] {
		i++
	}
	return jieFirstYear + i/12, i % 12
}
