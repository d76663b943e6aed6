package saju

// Nayin is one of the thirty 납음 納音 of the sexagenary cycle, 0 해중금
// 海中金 to 29 대해수 大海水: pillars 2k and 2k + 1 share 납음 k
// (SAJU-DERIVED.md §6).
type Nayin uint8

// Nayin returns the 납음 of p: entry ⌊i/2⌋ for the pillar of index i. For
// an invalid pillar (see [Pillar.Valid]) it returns a value out of range,
// whose names are empty.
func (p Pillar) Nayin() Nayin {
	i := p.Index()
	if i < 0 {
		return Nayin(len(nayinTable))
	}
	return Nayin(i / 2)
}

// Hangul returns the 납음 in hangul as palja returns it, such as "해중금";
// the empty string for a value out of range.
func (n Nayin) Hangul() string {
	if int(n) >= len(nayinTable) {
		return ""
	}
	return nayinTable[n].hangul
}

// Hanja returns the 납음 in traditional hanja, such as "海中金".
func (n Nayin) Hanja() string {
	if int(n) >= len(nayinTable) {
		return ""
	}
	return nayinTable[n].hanja
}

// Element returns the 납음's element, the last character of its name
// (a value out of range gives an out-of-range Element).
func (n Nayin) Element() Element {
	if int(n) >= len(nayinTable) {
		return Water + 1
	}
	return nayinTable[n].element
}

// String returns n.Hangul().
func (n Nayin) String() string { return n.Hangul() }

// nayinEntry is one row of nayinTable.
type nayinEntry struct {
	hangul, hanja string
	element       Element
}

// nayinTable is the table nayin of SAJU-DERIVED.md §6, the traditional
// 六十甲子納音 with traditional hanja (路傍土, where lunar-javascript prints
// 路旁土). The names are of the tradition, not of a formula; the elements
// follow nayinElementRule.
var nayinTable = [30]nayinEntry{
	{"해중금", "海中金", Metal}, // 0 갑자 을축
	{"노중화", "爐中火", Fire},  // 1 병인 정묘
	{"대림목", "大林木", Wood},  // 2 무진 기사
	{"노방토", "路傍土", Earth}, // 3 경오 신미
	{"검봉금", "劍鋒金", Metal}, // 4 임신 계유
	{"산두화", "山頭火", Fire},  // 5 갑술 을해
	{"간하수", "澗下水", Water}, // 6 병자 정축
	{"성두토", "城頭土", Earth}, // 7 무인 기묘
	{"백랍금", "白蠟金", Metal}, // 8 경진 신사
	{"양류목", "楊柳木", Wood},  // 9 임오 계미
	{"천중수", "泉中水", Water}, // 10 갑신 을유
	{"옥상토", "屋上土", Earth}, // 11 병술 정해
	{"벽력화", "霹靂火", Fire},  // 12 무자 기축
	{"송백목", "松柏木", Wood},  // 13 경인 신묘
	{"장류수", "長流水", Water}, // 14 임진 계사
	{"사중금", "沙中金", Metal}, // 15 갑오 을미
	{"산하화", "山下火", Fire},  // 16 병신 정유
	{"평지목", "平地木", Wood},  // 17 무술 기해
	{"벽상토", "壁上土", Earth}, // 18 경자 신축
	{"금박금", "金箔金", Metal}, // 19 임인 계묘
	{"복등화", "覆燈火", Fire},  // 20 갑진 을사
	{"천하수", "天河水", Water}, // 21 병오 정미
	{"대역토", "大驛土", Earth}, // 22 무신 기유
	{"차천금", "釵釧金", Metal}, // 23 경술 신해
	{"상자목", "桑柘木", Wood},  // 24 임자 계축
	{"대계수", "大溪水", Water}, // 25 갑인 을묘
	{"사중토", "沙中土", Earth}, // 26 병진 정사
	{"천상화", "天上火", Fire},  // 27 무오 기미
	{"석류목", "石榴木", Wood},  // 28 경신 신유
	{"대해수", "大海水", Water}, // 29 임술 계해
}

// nayinElementRule is the rule the elements of nayinTable follow
// (SAJU-DERIVED.md §6): they repeat with period 15.
func nayinElementRule(k int) Element {
	return [15]Element{Metal, Fire, Wood, Earth, Metal, Fire, Water, Earth, Metal, Wood, Water, Earth, Fire, Wood, Water}[k%15]
}
