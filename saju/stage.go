package saju

// Stage is one of the twelve stages (12운성 十二運星) of a stem on a branch,
// in cycle order (SAJU-DERIVED.md §5).
type Stage uint8

// The twelve stages in cycle order.
const (
	LongLife   Stage = iota // 장생 長生
	Bath                    // 목욕 沐浴
	CapBelt                 // 관대 冠帶
	Thriving                // 건록 建祿 (also 임관)
	Emperor                 // 제왕 帝旺
	Decline                 // 쇠 衰
	Sickness                // 병 病
	Death                   // 사 死
	Tomb                    // 묘 墓
	Extinction              // 절 絶 (also 포)
	Conception              // 태 胎
	Nurture                 // 양 養
)

var (
	stageHangul = [12]string{"장생", "목욕", "관대", "건록", "제왕", "쇠", "병", "사", "묘", "절", "태", "양"}
	stageHanja  = [12]string{"長生", "沐浴", "冠帶", "建祿", "帝旺", "衰", "病", "死", "墓", "絶", "胎", "養"}
)

// Hangul returns the stage in hangul as palja returns it, "장생" to "양";
// the empty string for a value out of range.
func (g Stage) Hangul() string {
	if g > Nurture {
		return ""
	}
	return stageHangul[g]
}

// Hanja returns the stage in hanja, "長生" to "養".
func (g Stage) Hanja() string {
	if g > Nurture {
		return ""
	}
	return stageHanja[g]
}

// String returns g.Hangul().
func (g Stage) String() string { return g.Hangul() }

// Stage returns the twelve stage of the stem s on the branch b (봉법): palja
// reads the day stem against each pillar's branch (SAJU-DERIVED.md §5). It
// looks stageTable up.
func (s Stem) Stage(b Branch) Stage { return stageTable[s%10][b%12] }

// stageTable is the table stages of SAJU-DERIVED.md §5, row the stem 갑 … 계,
// column the branch 자 … 해: 화토동궁 (戊 as 丙, 己 as 丁), yin stems
// counted backwards, the dominant modern Korean reading (namestory.kr on
// 최산태·김만태 2021) and the table of lunar-javascript, tyme4ts and
// @gracefullight/saju. It follows stageRule.
var stageTable = [10][12]Stage{
	{Bath, CapBelt, Thriving, Emperor, Decline, Sickness, Death, Tomb, Extinction, Conception, Nurture, LongLife}, // 갑
	{Sickness, Decline, Emperor, Thriving, CapBelt, Bath, LongLife, Nurture, Conception, Extinction, Tomb, Death}, // 을
	{Conception, Nurture, LongLife, Bath, CapBelt, Thriving, Emperor, Decline, Sickness, Death, Tomb, Extinction}, // 병
	{Extinction, Tomb, Death, Sickness, Decline, Emperor, Thriving, CapBelt, Bath, LongLife, Nurture, Conception}, // 정
	{Conception, Nurture, LongLife, Bath, CapBelt, Thriving, Emperor, Decline, Sickness, Death, Tomb, Extinction}, // 무
	{Extinction, Tomb, Death, Sickness, Decline, Emperor, Thriving, CapBelt, Bath, LongLife, Nurture, Conception}, // 기
	{Death, Tomb, Extinction, Conception, Nurture, LongLife, Bath, CapBelt, Thriving, Emperor, Decline, Sickness}, // 경
	{LongLife, Nurture, Conception, Extinction, Tomb, Death, Sickness, Decline, Emperor, Thriving, CapBelt, Bath}, // 신
	{Emperor, Decline, Sickness, Death, Tomb, Extinction, Conception, Nurture, LongLife, Bath, CapBelt, Thriving}, // 임
	{Thriving, CapBelt, Bath, LongLife, Nurture, Conception, Extinction, Tomb, Death, Sickness, Decline, Emperor}, // 계
}

// longLifeBranch is L of SAJU-DERIVED.md §5: the 장생 branch of 甲 … 癸,
// 亥 午 寅 酉 寅 酉 巳 子 申 卯 (戊 as 丙, 己 as 丁).
var longLifeBranch = [10]int{11, 6, 2, 9, 2, 9, 5, 0, 8, 3}

// stageRule is the rule stageTable follows (SAJU-DERIVED.md §5): the stage
// index is (b − L[s]) mod 12 for a yang stem and (L[s] − b) mod 12 for a yin
// stem.
func stageRule(s Stem, b Branch) Stage {
	d := int(b) - longLifeBranch[s]
	if s%2 == 1 {
		d = -d
	}
	return Stage((d + 12) % 12)
}
