package saju

// TenGod is one of the ten gods (십신 十神): how a stem stands to the day
// stem (일간), by the cycle of the elements and by yin and yang
// (SAJU-DERIVED.md §3). The values 0 to 9 are the ten gods in their
// traditional order; [DayMaster] marks the day pillar's own stem.
type TenGod uint8

// The ten gods, in the order of SAJU-DERIVED.md §3: for each relation of
// elements, the god of the same yin/yang first.
const (
	Companion        TenGod = iota // 비견 比肩: same element, same yin/yang
	RobWealth                      // 겁재 劫財: same element, other yin/yang
	EatingGod                      // 식신 食神: the day stem produces it
	HurtingOfficer                 // 상관 傷官
	IndirectWealth                 // 편재 偏財: the day stem controls it
	DirectWealth                   // 정재 正財
	SevenKillings                  // 편관 偏官 (also 칠살): it controls the day stem
	DirectOfficer                  // 정관 正官
	IndirectResource               // 편인 偏印 (also 효신): it produces the day stem
	DirectResource                 // 정인 正印 (also 인수)

	// DayMaster is the day pillar's own stem, written 일간 日干 in place of
	// a ten god. Another stem equal to the day stem is a [Companion].
	DayMaster
)

var (
	tenGodHangul  = [11]string{"비견", "겁재", "식신", "상관", "편재", "정재", "편관", "정관", "편인", "정인", "일간"}
	tenGodHanja   = [11]string{"比肩", "劫財", "食神", "傷官", "偏財", "正財", "偏官", "正官", "偏印", "正印", "日干"}
	tenGodEnglish = [11]string{
		"Companion", "Rob Wealth", "Eating God", "Hurting Officer", "Indirect Wealth",
		"Direct Wealth", "Seven Killings", "Direct Officer", "Indirect Resource", "Direct Resource",
		"Day Master",
	}
)

// Hangul returns the ten god in hangul as palja returns it, "비견" to "정인",
// or "일간" for [DayMaster]; the empty string for a value out of range.
func (g TenGod) Hangul() string {
	if g > DayMaster {
		return ""
	}
	return tenGodHangul[g]
}

// Hanja returns the ten god in hanja, "比肩" to "正印", or "日干".
func (g TenGod) Hanja() string {
	if g > DayMaster {
		return ""
	}
	return tenGodHanja[g]
}

// English returns the English gloss of SAJU-DERIVED.md §3, such as
// "Rob Wealth".
func (g TenGod) English() string {
	if g > DayMaster {
		return ""
	}
	return tenGodEnglish[g]
}

// String returns g.Hangul().
func (g TenGod) String() string { return g.Hangul() }

// TenGod returns the ten god of the stem t seen from s as day stem (일간):
// [Companion] when t equals s, never [DayMaster]. It looks tenGodTable up.
func (s Stem) TenGod(t Stem) TenGod { return tenGodTable[s%10][t%10] }

// tenGodTable is the table ten_gods of SAJU-DERIVED.md §3, row the day stem
// 갑 … 계, column the other stem 갑 … 계. It follows tenGodRule
// (TestDerivedTablesFollowRules) and the document (TestDerivedTablesMatchSpec).
var tenGodTable = [10][10]TenGod{
	{Companion, RobWealth, EatingGod, HurtingOfficer, IndirectWealth, DirectWealth, SevenKillings, DirectOfficer, IndirectResource, DirectResource}, // 갑
	{RobWealth, Companion, HurtingOfficer, EatingGod, DirectWealth, IndirectWealth, DirectOfficer, SevenKillings, DirectResource, IndirectResource}, // 을
	{IndirectResource, DirectResource, Companion, RobWealth, EatingGod, HurtingOfficer, IndirectWealth, DirectWealth, SevenKillings, DirectOfficer}, // 병
	{DirectResource, IndirectResource, RobWealth, Companion, HurtingOfficer, EatingGod, DirectWealth, IndirectWealth, DirectOfficer, SevenKillings}, // 정
	{SevenKillings, DirectOfficer, IndirectResource, DirectResource, Companion, RobWealth, EatingGod, HurtingOfficer, IndirectWealth, DirectWealth}, // 무
	{DirectOfficer, SevenKillings, DirectResource, IndirectResource, RobWealth, Companion, HurtingOfficer, EatingGod, DirectWealth, IndirectWealth}, // 기
	{IndirectWealth, DirectWealth, SevenKillings, DirectOfficer, IndirectResource, DirectResource, Companion, RobWealth, EatingGod, HurtingOfficer}, // 경
	{DirectWealth, IndirectWealth, DirectOfficer, SevenKillings, DirectResource, IndirectResource, RobWealth, Companion, HurtingOfficer, EatingGod}, // 신
	{EatingGod, HurtingOfficer, IndirectWealth, DirectWealth, SevenKillings, DirectOfficer, IndirectResource, DirectResource, Companion, RobWealth}, // 임
	{HurtingOfficer, EatingGod, DirectWealth, IndirectWealth, DirectOfficer, SevenKillings, DirectResource, IndirectResource, RobWealth, Companion}, // 계
}

// tenGodRule is the rule tenGodTable follows (SAJU-DERIVED.md §3):
// rel = (⌊t/2⌋ − ⌊d/2⌋) mod 5 is 0 for the same element, 1 when d produces
// t, 2 when d controls t, 3 when t controls d, 4 when t produces d; the ten
// god is 2·rel, plus one when d and t differ in yin/yang.
func tenGodRule(d, t Stem) TenGod {
	rel := (int(t/2) - int(d/2) + 5) % 5
	return TenGod(2*rel + int(d%2^t%2))
}

// MainStem returns the branch's main hidden stem (정기 正氣), the last of
// its [Branch.HiddenStems] (SAJU-DERIVED.md §1, table branches): 子 癸,
// 丑 己, 寅 甲, 卯 乙, 辰 戊, 巳 丙, 午 丁, 未 己, 申 庚, 酉 辛, 戌 戊, 亥 壬.
func (b Branch) MainStem() Stem { return mainStem[b%12] }

// mainStem is the 정기 column of the table branches of SAJU-DERIVED.md §1.
var mainStem = [12]Stem{9, 5, 0, 1, 4, 2, 3, 5, 6, 7, 4, 8}

// BranchTenGod returns the ten god of the branch b seen from s as day
// stem: that of its main stem [Branch.MainStem] (SAJU-DERIVED.md §3), so
// that 甲 sees 子 as 정인 and 亥 as 편인.
func (s Stem) BranchTenGod(b Branch) TenGod { return s.TenGod(b.MainStem()) }
