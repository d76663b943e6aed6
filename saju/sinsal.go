package saju

// Sinsal is one of the twelve 신살 (12신살 十二神殺) that a branch carries
// against the year branch (SAJU-DERIVED.md §7), in the traditional order
// from 겁살 to 화개살.
type Sinsal uint8

// The twelve 신살, in the order of SAJU-DERIVED.md §7.
const (
	Geopsal      Sinsal = iota // 겁살 劫殺
	Jaesal                     // 재살 災殺 (also 수옥살)
	Cheonsal                   // 천살 天殺
	Jisal                      // 지살 地殺
	Yeonsal                    // 연살 年殺 (also 년살, the 도화살 桃花殺)
	Wolsal                     // 월살 月殺
	Mangsinsal                 // 망신살 亡身殺
	Jangseongsal               // 장성살 將星殺
	Banansal                   // 반안살 攀鞍殺
	Yeokmasal                  // 역마살 驛馬殺
	Yukhaesal                  // 육해살 六害殺
	Hwagaesal                  // 화개살 華蓋殺
)

var (
	sinsalHangul = [12]string{"겁살", "재살", "천살", "지살", "연살", "월살", "망신살", "장성살", "반안살", "역마살", "육해살", "화개살"}
	sinsalHanja  = [12]string{"劫殺", "災殺", "天殺", "地殺", "年殺", "月殺", "亡身殺", "將星殺", "攀鞍殺", "驛馬殺", "六害殺", "華蓋殺"}
)

// Hangul returns the 신살 in hangul as palja returns it, "겁살" to "화개살"
// (연살 spelt so, not 년살); the empty string for a value out of range.
func (s Sinsal) Hangul() string {
	if s > Hwagaesal {
		return ""
	}
	return sinsalHangul[s]
}

// Hanja returns the 신살 in hanja, "劫殺" to "華蓋殺".
func (s Sinsal) Hanja() string {
	if s > Hwagaesal {
		return ""
	}
	return sinsalHanja[s]
}

// String returns s.Hangul().
func (s Sinsal) String() string { return s.Hangul() }

// Sinsal returns the 신살 that the branch x carries in a chart whose year
// branch (년지) is y (SAJU-DERIVED.md §7). It looks sinsalTable up.
func (y Branch) Sinsal(x Branch) Sinsal { return sinsalTable[y%4][x%12] }

// sinsalTable is the table sinsal of SAJU-DERIVED.md §7 turned round: row the
// 삼합 group of the year branch by its branches' b mod 4 (0 申子辰, 1 巳酉丑,
// 2 寅午戌, 3 亥卯未), column the branch 자 … 해, entry its 신살. The table is
// the same in every school ("the table itself is the same everywhere");
// reading it from the year branch is palja's convention (creativestudio.kr,
// y0708711.tistory.com). It follows sinsalRule.
var sinsalTable = [4][12]Sinsal{
	{Jangseongsal, Banansal, Yeokmasal, Yukhaesal, Hwagaesal, Geopsal, Jaesal, Cheonsal, Jisal, Yeonsal, Wolsal, Mangsinsal}, // 신자진 申子辰
	{Yukhaesal, Hwagaesal, Geopsal, Jaesal, Cheonsal, Jisal, Yeonsal, Wolsal, Mangsinsal, Jangseongsal, Banansal, Yeokmasal}, // 사유축 巳酉丑
	{Jaesal, Cheonsal, Jisal, Yeonsal, Wolsal, Mangsinsal, Jangseongsal, Banansal, Yeokmasal, Yukhaesal, Hwagaesal, Geopsal}, // 인오술 寅午戌
	{Yeonsal, Wolsal, Mangsinsal, Jangseongsal, Banansal, Yeokmasal, Yukhaesal, Hwagaesal, Geopsal, Jaesal, Cheonsal, Jisal}, // 해묘미 亥卯未
}

// sinsalRule is the rule sinsalTable follows (SAJU-DERIVED.md §7): the 지살
// branch is the 생지 of the year branch's 삼합 group, S = [8, 5, 2, 11][y mod
// 4], and the branch x carries entry (x − S + 3) mod 12.
func sinsalRule(y, x Branch) Sinsal {
	s := [4]int{8, 5, 2, 11}[y%4]
	return Sinsal((int(x) - s + 3 + 24) % 12)
}
