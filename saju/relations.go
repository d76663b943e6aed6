package saju

// Position names a pillar of the chart: year, month, day, hour, always in
// that order.
type Position uint8

// The four positions, in chart order.
const (
	YearPillar Position = iota
	MonthPillar
	DayPillar
	HourPillar
)

var positionNames = [4]string{"year", "month", "day", "hour"}

// String returns the position's name as the API writes it: "year",
// "month", "day" or "hour"; the empty string for a value out of range.
func (p Position) String() string {
	if p > HourPillar {
		return ""
	}
	return positionNames[p]
}

// RelationKind is a kind of relation among the pillars of a chart
// (SAJU-DERIVED.md §9): a combination (합), clash (충), punishment (형),
// breaking (파), harm (해), 원진 or 귀문, between stems or branches. The
// values are in the order in which relations are listed.
type RelationKind uint8

// The twelve kinds of relation, in the order of the table relations of
// SAJU-DERIVED.md §9.
const (
	StemCombine   RelationKind = iota // 천간합 天干合: two stems
	StemClash                         // 천간충 天干沖: two stems
	SixCombine                        // 육합 六合: two branches
	ThreeCombine                      // 삼합 三合: three branches
	HalfCombine                       // 반합 半合: two branches of a 삼합, one its 왕지
	SeasonCombine                     // 방합 方合: three branches of one season
	Clash                             // 충 沖: two branches
	Punishment                        // 형 刑: two branches
	Breaking                          // 파 破: two branches
	Harm                              // 해 害: two branches
	Resentment                        // 원진 怨嗔: two branches
	GhostGate                         // 귀문 鬼門: two branches
)

var (
	relationHangul = [12]string{"천간합", "천간충", "육합", "삼합", "반합", "방합", "충", "형", "파", "해", "원진", "귀문"}
	relationHanja  = [12]string{"天干合", "天干沖", "六合", "三合", "半合", "方合", "沖", "刑", "破", "害", "怨嗔", "鬼門"}
)

// Hangul returns the kind in hangul as palja returns it, such as "천간합" or
// "형"; the empty string for a value out of range.
func (k RelationKind) Hangul() string {
	if k > GhostGate {
		return ""
	}
	return relationHangul[k]
}

// Hanja returns the kind in hanja, such as "天干合" or "刑".
func (k RelationKind) Hanja() string {
	if k > GhostGate {
		return ""
	}
	return relationHanja[k]
}

// String returns k.Hangul().
func (k RelationKind) String() string { return k.Hangul() }

// Triple reports whether the kind joins three pillars (삼합, 방합) rather
// than two.
func (k RelationKind) Triple() bool { return k == ThreeCombine || k == SeasonCombine }

// Relation is one relation among the pillars of a chart: its kind, the
// positions it joins (two, or three for 삼합 and 방합) and, for a 합, the
// element it produces.
type Relation struct {
	Kind RelationKind
	// Element is the result element of a 합 (천간합, 육합, 삼합, 반합, 방합),
	// valid only when HasElement is true; HasElement is false for every
	// other kind and for the 육합 午未, on which the schools disagree.
	Element    Element
	HasElement bool

	n         uint8
	positions [3]Position
}

// Pillars returns the positions that r joins, in ascending order. The slice
// shares r's memory.
func (r *Relation) Pillars() []Position { return r.positions[:r.n] }

// maxRelations bounds the number of relations of a chart: at most one stem
// relation per pair of positions (6), at most 13 branch relations over the
// six pairs and at most 4 triples; TestMaxRelations checks the bound over
// every combination of branches.
const maxRelations = 24

// pairMember is one member of a pair kind in relationPairTable.
type pairMember struct {
	kind       RelationKind
	a, b       uint8 // two stems for 천간합 and 천간충, two branches otherwise
	element    Element
	hasElement bool
}

// relationPairTable is the table relations of SAJU-DERIVED.md §9 for the
// kinds between two pillars, member by member, as the document writes them
// (membership only, no 합화; 천간충 only 甲庚 乙辛 丙壬 丁癸; 반합 only with the
// 왕지; 午未 육합 without element). It follows relationPairRule.
var relationPairTable = [...]pairMember{
	{StemCombine, 0, 5, Earth, true}, // 갑기 甲己
	{StemCombine, 1, 6, Metal, true}, // 을경 乙庚
	{StemCombine, 2, 7, Water, true}, // 병신 丙辛
	{StemCombine, 3, 8, Wood, true},  // 정임 丁壬
	{StemCombine, 4, 9, Fire, true},  // 무계 戊癸

	{StemClash, 0, 6, 0, false}, // 갑경 甲庚
	{StemClash, 1, 7, 0, false}, // 을신 乙辛
	{StemClash, 2, 8, 0, false}, // 병임 丙壬
	{StemClash, 3, 9, 0, false}, // 정계 丁癸

	{SixCombine, 0, 1, Earth, true},  // 자축 子丑
	{SixCombine, 2, 11, Wood, true},  // 인해 寅亥
	{SixCombine, 3, 10, Fire, true},  // 묘술 卯戌
	{SixCombine, 4, 9, Metal, true},  // 진유 辰酉
	{SixCombine, 5, 8, Water, true},  // 사신 巳申
	{SixCombine, 6, 7, 0, false},     // 오미 午未: 火 or 土, palja does not choose
	{HalfCombine, 8, 0, Water, true}, // 신자 申子
	{HalfCombine, 0, 4, Water, true}, // 자진 子辰
	{HalfCombine, 11, 3, Wood, true}, // 해묘 亥卯
	{HalfCombine, 3, 7, Wood, true},  // 묘미 卯未
	{HalfCombine, 2, 6, Fire, true},  // 인오 寅午
	{HalfCombine, 6, 10, Fire, true}, // 오술 午戌
	{HalfCombine, 5, 9, Metal, true}, // 사유 巳酉
	{HalfCombine, 9, 1, Metal, true}, // 유축 酉丑

	{Clash, 0, 6, 0, false},  // 자오 子午
	{Clash, 1, 7, 0, false},  // 축미 丑未
	{Clash, 2, 8, 0, false},  // 인신 寅申
	{Clash, 3, 9, 0, false},  // 묘유 卯酉
	{Clash, 4, 10, 0, false}, // 진술 辰戌
	{Clash, 5, 11, 0, false}, // 사해 巳亥

	{Punishment, 2, 5, 0, false},   // 인사 寅巳
	{Punishment, 5, 8, 0, false},   // 사신 巳申
	{Punishment, 2, 8, 0, false},   // 인신 寅申
	{Punishment, 1, 10, 0, false},  // 축술 丑戌
	{Punishment, 10, 7, 0, false},  // 술미 戌未
	{Punishment, 1, 7, 0, false},   // 축미 丑未
	{Punishment, 0, 3, 0, false},   // 자묘 子卯
	{Punishment, 4, 4, 0, false},   // 진진 辰辰 (자형 自刑)
	{Punishment, 6, 6, 0, false},   // 오오 午午
	{Punishment, 9, 9, 0, false},   // 유유 酉酉
	{Punishment, 11, 11, 0, false}, // 해해 亥亥

	{Breaking, 0, 9, 0, false},  // 자유 子酉
	{Breaking, 1, 4, 0, false},  // 축진 丑辰
	{Breaking, 2, 11, 0, false}, // 인해 寅亥
	{Breaking, 3, 6, 0, false},  // 묘오 卯午
	{Breaking, 5, 8, 0, false},  // 사신 巳申
	{Breaking, 7, 10, 0, false}, // 미술 未戌

	{Harm, 0, 7, 0, false},  // 자미 子未
	{Harm, 1, 6, 0, false},  // 축오 丑午
	{Harm, 2, 5, 0, false},  // 인사 寅巳
	{Harm, 3, 4, 0, false},  // 묘진 卯辰
	{Harm, 8, 11, 0, false}, // 신해 申亥
	{Harm, 9, 10, 0, false}, // 유술 酉戌

	{Resentment, 0, 7, 0, false},  // 자미 子未
	{Resentment, 1, 6, 0, false},  // 축오 丑午
	{Resentment, 2, 9, 0, false},  // 인유 寅酉
	{Resentment, 3, 8, 0, false},  // 묘신 卯申
	{Resentment, 4, 11, 0, false}, // 진해 辰亥
	{Resentment, 5, 10, 0, false}, // 사술 巳戌

	{GhostGate, 0, 9, 0, false},  // 자유 子酉
	{GhostGate, 1, 6, 0, false},  // 축오 丑午
	{GhostGate, 2, 7, 0, false},  // 인미 寅未
	{GhostGate, 3, 8, 0, false},  // 묘신 卯申
	{GhostGate, 4, 11, 0, false}, // 진해 辰亥
	{GhostGate, 5, 10, 0, false}, // 사술 巳戌
}

// tripleMember is one group of a triple kind in relationTripleTable.
type tripleMember struct {
	kind    RelationKind
	b       [3]uint8
	element Element
}

// relationTripleTable is the table relations of SAJU-DERIVED.md §9 for 삼합
// and 방합. It follows relationTripleRule.
var relationTripleTable = [8]tripleMember{
	{ThreeCombine, [3]uint8{8, 0, 4}, Water},   // 신자진 申子辰
	{ThreeCombine, [3]uint8{11, 3, 7}, Wood},   // 해묘미 亥卯未
	{ThreeCombine, [3]uint8{2, 6, 10}, Fire},   // 인오술 寅午戌
	{ThreeCombine, [3]uint8{5, 9, 1}, Metal},   // 사유축 巳酉丑
	{SeasonCombine, [3]uint8{2, 3, 4}, Wood},   // 인묘진 寅卯辰
	{SeasonCombine, [3]uint8{5, 6, 7}, Fire},   // 사오미 巳午未
	{SeasonCombine, [3]uint8{8, 9, 10}, Metal}, // 신유술 申酉戌
	{SeasonCombine, [3]uint8{11, 0, 1}, Water}, // 해자축 亥子丑
}

// pairCell is what relationPairTable says of one pair of stems or branches:
// the set of kinds (bit k for kind k) and the element of its 합, if any (a
// pair is in at most one kind that has an element).
type pairCell struct {
	kinds      uint16
	element    Element
	hasElement bool
}

// stemPairs and branchPairs index relationPairTable by the two stems or
// branches, in either order; tripleGroup gives for each branch and triple
// kind the index of its group in relationTripleTable.
var stemPairs, branchPairs, tripleGroup = func() (s [10][10]pairCell, b [12][12]pairCell, g [2][12]uint8) {
	for _, m := range relationPairTable {
		cells := func(x, y uint8) *pairCell {
			if m.kind <= StemClash {
				return &s[x][y]
			}
			return &b[x][y]
		}
		for _, c := range [2]*pairCell{cells(m.a, m.b), cells(m.b, m.a)} {
			c.kinds |= 1 << m.kind
			if m.hasElement {
				c.element, c.hasElement = m.element, true
			}
		}
	}
	for i, t := range relationTripleTable {
		for _, x := range t.b {
			g[i/4][x] = uint8(i)
		}
	}
	return s, b, g
}()

// The pairs and triples of positions, in the order SAJU-DERIVED.md §9 rule
// 7 lists relations of one kind: compared as lists of position indexes.
var (
	positionPairs   = [6][2]Position{{0, 1}, {0, 2}, {0, 3}, {1, 2}, {1, 3}, {2, 3}}
	positionTriples = [4][3]Position{{0, 1, 2}, {0, 1, 3}, {0, 2, 3}, {1, 2, 3}}
)

// relations writes the relations among the first n pillars of ps (3 without
// the hour, 4 with it) to out, in the order of SAJU-DERIVED.md §9 (by kind,
// then by positions), and returns how many it wrote.
func relations(ps *[4]Pillar, n int, out *[maxRelations]Relation) int {
	var (
		stem, branch [6]pairCell
		pairOK       [6]bool
		triple       [2][4]int8 // group in relationTripleTable per kind and triple, or -1
	)
	var present uint16 // the pair kinds found in any pair
	for i, pq := range positionPairs {
		p, q := ps[pq[0]], ps[pq[1]]
		if int(pq[1]) < n {
			pairOK[i] = true
			stem[i] = stemPairs[p.Stem%10][q.Stem%10]
			branch[i] = branchPairs[p.Branch%12][q.Branch%12]
			present |= stem[i].kinds | branch[i].kinds
		}
	}
	var covered [6]bool // pairs of positions inside a listed 삼합
	for j, t := range positionTriples {
		triple[0][j], triple[1][j] = -1, -1
		if int(t[2]) >= n {
			continue
		}
		x, y, z := ps[t[0]].Branch%12, ps[t[1]].Branch%12, ps[t[2]].Branch%12
		if x == y || y == z || x == z {
			continue
		}
		for k := range 2 {
			if g := tripleGroup[k][x]; g == tripleGroup[k][y] && g == tripleGroup[k][z] {
				triple[k][j] = int8(g)
			}
		}
		if triple[0][j] >= 0 {
			for i, pq := range positionPairs {
				if in3(pq[0], t) && in3(pq[1], t) {
					covered[i] = true
				}
			}
		}
	}

	m := 0
	emitPair := func(k RelationKind, i int, c pairCell) {
		r := &out[m]
		*r = Relation{Kind: k, n: 2, positions: [3]Position{positionPairs[i][0], positionPairs[i][1]}}
		if k == StemCombine || k == SixCombine || k == HalfCombine {
			r.Element, r.HasElement = c.element, c.hasElement
		}
		m++
	}
	for k := StemCombine; k <= GhostGate; k++ {
		if k.Triple() {
			t := &triple[0]
			if k == SeasonCombine {
				t = &triple[1]
			}
			for j, g := range t {
				if g >= 0 {
					out[m] = Relation{Kind: k, Element: relationTripleTable[g].element, HasElement: true, n: 3, positions: positionTriples[j]}
					m++
				}
			}
			continue
		}
		if present&(1<<k) == 0 {
			continue
		}
		cells := &branch
		if k <= StemClash {
			cells = &stem
		}
		for i := range positionPairs {
			if pairOK[i] && cells[i].kinds&(1<<k) != 0 && !(k == HalfCombine && covered[i]) {
				emitPair(k, i, cells[i])
			}
		}
	}
	return m
}

// in3 reports whether p is one of the positions of t.
func in3(p Position, t [3]Position) bool { return p == t[0] || p == t[1] || p == t[2] }

// relationPairRule is the rule relationPairTable follows, the index forms of
// SAJU-DERIVED.md §9 (stems mod 10, branches mod 12): 천간합 t = s + 5;
// 천간충 {s, s + 6} with s < 4; 육합 b1 + b2 ≡ 1; 반합 two distinct members of
// one 삼합 (same b mod 4), one of them its 왕지 (b mod 3 = 0); 충 b + 6; 형 the
// pairs of 寅巳申 and 丑戌未, 子卯, and 자형 of 辰午酉亥; 파 a yang b with b + 9;
// 해 b1 + b2 ≡ 7; 원진 a yang b with b + 7; 귀문 = 원진 with 子酉, 寅未 in place
// of 子未, 寅酉. x and y are stems for the two stem kinds, branches otherwise.
func relationPairRule(k RelationKind, x, y int) bool {
	yang := func(d int) bool { // a yang one of x, y with the other d after it
		return x%2 == 0 && (x+d)%12 == y || y%2 == 0 && (y+d)%12 == x
	}
	set := func(pairs ...[2]int) bool {
		for _, p := range pairs {
			if p == [2]int{x, y} || p == [2]int{y, x} {
				return true
			}
		}
		return false
	}
	switch k {
	case StemCombine:
		return (x+5)%10 == y || (y+5)%10 == x
	case StemClash:
		return x < 4 && y == x+6 || y < 4 && x == y+6
	case SixCombine:
		return (x+y)%12 == 1
	case HalfCombine:
		return x != y && x%4 == y%4 && (x%3 == 0 || y%3 == 0)
	case Clash:
		return (x+6)%12 == y
	case Punishment:
		return set([2]int{2, 5}, [2]int{5, 8}, [2]int{2, 8}, [2]int{1, 10}, [2]int{10, 7}, [2]int{1, 7}, [2]int{0, 3}) ||
			x == y && (x == 4 || x == 6 || x == 9 || x == 11)
	case Breaking:
		return yang(9)
	case Harm:
		return (x+y)%12 == 7
	case Resentment:
		return yang(7)
	case GhostGate:
		if set([2]int{0, 7}, [2]int{2, 9}) {
			return false
		}
		return yang(7) || set([2]int{0, 9}, [2]int{2, 7})
	}
	return false
}

// relationTripleRule is the rule relationTripleTable follows
// (SAJU-DERIVED.md §9): the three branches of a 삼합 share b mod 4, those of
// a 방합 share ⌊((b − 2) mod 12) / 3⌋.
func relationTripleRule(k RelationKind, b Branch) int {
	if k == ThreeCombine {
		return int(b) % 4
	}
	return (int(b) + 10) % 12 / 3
}
