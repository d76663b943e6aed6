package saju

// VoidBranches returns the two void branches (공망 空亡) of the decade (순 旬)
// of p, in the order SAJU-DERIVED.md §8 lists them: the two branches that
// the decade beginning at a 갑 pillar does not reach (순중공망 旬中空亡).
// palja reads them from the day pillar. For an invalid pillar it returns
// out-of-range branches.
func (p Pillar) VoidBranches() [2]Branch {
	i := p.Index()
	if i < 0 {
		return [2]Branch{12, 12}
	}
	return voidTable[i/10]
}

// voidTable is the table void of SAJU-DERIVED.md §8, by decade: 갑자순 술해,
// 갑술순 신유, 갑신순 오미, 갑오순 진사, 갑진순 인묘, 갑인순 자축. It follows
// voidRule.
var voidTable = [6][2]Branch{
	{10, 11}, // 갑자순 甲子旬: 술해 戌亥
	{8, 9},   // 갑술순 甲戌旬: 신유 申酉
	{6, 7},   // 갑신순 甲申旬: 오미 午未
	{4, 5},   // 갑오순 甲午旬: 진사 辰巳
	{2, 3},   // 갑진순 甲辰旬: 인묘 寅卯
	{0, 1},   // 갑인순 甲寅旬: 자축 子丑
}

// voidRule is the rule voidTable follows (SAJU-DERIVED.md §8): with
// x = (b − s) mod 12 for the pillar's stem s and branch b, the void
// branches are (x + 10) mod 12 and (x + 11) mod 12.
func voidRule(p Pillar) [2]Branch {
	x := (int(p.Branch) - int(p.Stem) + 12) % 12
	return [2]Branch{Branch((x + 10) % 12), Branch((x + 11) % 12)}
}
