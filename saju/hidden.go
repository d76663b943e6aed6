package saju

// HiddenStem is one of the stems hidden in a branch (지장간 支藏干), with
// the days of the month (of 30) it governs in the Korean 월률분야 月律分野
// table, and its ten god against a day stem.
type HiddenStem struct {
	Stem Stem
	// Days is the number of days, of 30, that the stem governs.
	Days uint8
	// TenGod is the stem's ten god against the day stem: [Companion] when it
	// equals the day stem, never [DayMaster].
	TenGod TenGod
}

// HiddenStems returns the stems hidden in b, with their days and their ten
// gods against the day stem day, in the order 여기 餘氣, 중기 中氣, 정기 正氣
// (SAJU-DERIVED.md §4): the first n entries of hs are used, n being 2 for
// 子 卯 酉, which have no 중기, and 3 for the others. The last, hs[n−1], is
// always the main stem [Branch.MainStem].
func (b Branch) HiddenStems(day Stem) (hs [3]HiddenStem, n int) {
	h := &hiddenTable[b%12]
	for i := range h.n {
		hs[i] = HiddenStem{Stem: h.stem[i], Days: h.days[i], TenGod: day.TenGod(h.stem[i])}
	}
	return hs, int(h.n)
}

// hiddenEntry is one row of hiddenTable: n stems and their days.
type hiddenEntry struct {
	n    uint8
	stem [3]Stem
	days [3]uint8
}

// hiddenTable is the Korean 월률분야 月律分野 table of SAJU-DERIVED.md §4
// (table hidden_stems; as Korean manuals and apps show it, sajuplus,
// nangwol and the 月律分野 tables of Korean cafés), with 申's 여기 戊. It is
// a table of the tradition, not of a formula: TestDerivedTablesFollowRules
// checks that every row has 30 days and ends with the branch's 정기, and
// TestDerivedTablesMatchSpec that it is the document's table.
var hiddenTable = [12]hiddenEntry{
	{2, [3]Stem{8, 9}, [3]uint8{10, 20}},       // 자 子: 임 壬 10, 계 癸 20
	{3, [3]Stem{9, 7, 5}, [3]uint8{9, 3, 18}},  // 축 丑: 계 癸 9, 신 辛 3, 기 己 18
	{3, [3]Stem{4, 2, 0}, [3]uint8{7, 7, 16}},  // 인 寅: 무 戊 7, 병 丙 7, 갑 甲 16
	{2, [3]Stem{0, 1}, [3]uint8{10, 20}},       // 묘 卯: 갑 甲 10, 을 乙 20
	{3, [3]Stem{1, 9, 4}, [3]uint8{9, 3, 18}},  // 진 辰: 을 乙 9, 계 癸 3, 무 戊 18
	{3, [3]Stem{4, 6, 2}, [3]uint8{7, 7, 16}},  // 사 巳: 무 戊 7, 경 庚 7, 병 丙 16
	{3, [3]Stem{2, 5, 3}, [3]uint8{10, 9, 11}}, // 오 午: 병 丙 10, 기 己 9, 정 丁 11
	{3, [3]Stem{3, 1, 5}, [3]uint8{9, 3, 18}},  // 미 未: 정 丁 9, 을 乙 3, 기 己 18
	{3, [3]Stem{4, 8, 6}, [3]uint8{7, 7, 16}},  // 신 申: 무 戊 7, 임 壬 7, 경 庚 16
	{2, [3]Stem{6, 7}, [3]uint8{10, 20}},       // 유 酉: 경 庚 10, 신 辛 20
	{3, [3]Stem{7, 3, 4}, [3]uint8{9, 3, 18}},  // 술 戌: 신 辛 9, 정 丁 3, 무 戊 18
	{3, [3]Stem{4, 0, 8}, [3]uint8{7, 7, 16}},  // 해 亥: 무 戊 7, 갑 甲 7, 임 壬 16
}
