package saju

// Element is one of the five elements (오행), in the order wood, fire, earth,
// metal, water. The order breaks ties in [Chart.Weakest].
type Element uint8

// The five elements in their traditional generating order.
const (
	Wood  Element = iota // 목 木
	Fire                 // 화 火
	Earth                // 토 土
	Metal                // 금 金
	Water                // 수 水
)

var (
	elementNames  = [5]string{"wood", "fire", "earth", "metal", "water"}
	elementHangul = [5]string{"목", "화", "토", "금", "수"}
	elementHanja  = [5]string{"木", "火", "土", "金", "水"}
)

// String returns the English name of e in lower case: "wood", "fire", "earth",
// "metal" or "water"; the empty string if e is not one of the five.
func (e Element) String() string {
	if e > Water {
		return ""
	}
	return elementNames[e]
}

// Hangul returns the element in hangul: "목", "화", "토", "금" or "수".
func (e Element) Hangul() string {
	if e > Water {
		return ""
	}
	return elementHangul[e]
}

// Hanja returns the element in hanja: "木", "火", "土", "金" or "水".
func (e Element) Hanja() string {
	if e > Water {
		return ""
	}
	return elementHanja[e]
}

// Stem is a heavenly stem (천간), 0 갑 甲 to 9 계 癸.
type Stem uint8

var (
	stemHangul = [10]string{"갑", "을", "병", "정", "무", "기", "경", "신", "임", "계"}
	stemHanja  = [10]string{"甲", "乙", "丙", "丁", "戊", "己", "庚", "辛", "壬", "癸"}
)

// Hangul returns the stem in hangul, "갑" to "계"; the empty string for a
// value out of range.
func (s Stem) Hangul() string {
	if s > 9 {
		return ""
	}
	return stemHangul[s]
}

// Hanja returns the stem in hanja, "甲" to "癸"; the empty string for a value
// out of range.
func (s Stem) Hanja() string {
	if s > 9 {
		return ""
	}
	return stemHanja[s]
}

// Element returns the stem's element: 갑을 wood, 병정 fire, 무기 earth,
// 경신 metal, 임계 water (SAJU.md, "Derived data").
func (s Stem) Element() Element { return Element(s%10) / 2 }

// Branch is an earthly branch (지지), 0 자 子 to 11 해 亥.
type Branch uint8

var (
	branchHangul  = [12]string{"자", "축", "인", "묘", "진", "사", "오", "미", "신", "유", "술", "해"}
	branchHanja   = [12]string{"子", "丑", "寅", "卯", "辰", "巳", "午", "未", "申", "酉", "戌", "亥"}
	branchElement = [12]Element{Water, Earth, Wood, Wood, Earth, Fire, Fire, Earth, Metal, Metal, Earth, Water}
)

// Hangul returns the branch in hangul, "자" to "해"; the empty string for a
// value out of range.
func (b Branch) Hangul() string {
	if b > 11 {
		return ""
	}
	return branchHangul[b]
}

// Hanja returns the branch in hanja, "子" to "亥"; the empty string for a
// value out of range.
func (b Branch) Hanja() string {
	if b > 11 {
		return ""
	}
	return branchHanja[b]
}

// Element returns the branch's element: 인묘 wood, 사오 fire, 진술축미 earth,
// 신유 metal, 해자 water (SAJU.md, "Derived data").
func (b Branch) Element() Element { return branchElement[b%12] }

// Pillar is one pillar (주) of a chart: a stem over a branch. A valid pillar
// is one of the sixty pairs of the sexagenary cycle (60갑자), whose stem and
// branch have the same parity.
type Pillar struct {
	Stem   Stem
	Branch Branch
}

// pillarHangul and pillarHanja hold the names of every stem–branch pair, the
// 60 valid ones and the 60 that never occur, so that the methods below
// index a table and never allocate.
var pillarHangul, pillarHanja = func() (hangul, hanja [10][12]string) {
	for s := range 10 {
		for b := range 12 {
			hangul[s][b] = stemHangul[s] + branchHangul[b]
			hanja[s][b] = stemHanja[s] + branchHanja[b]
		}
	}
	return hangul, hanja
}()

// PillarFromIndex returns the pillar at index i of the sexagenary cycle:
// 0 is 갑자 甲子, 1 is 을축 乙丑, 59 is 계해 癸亥. Index i has stem i mod 10
// and branch i mod 12 (SAJU.md, "The pillars"); i is taken modulo 60, so
// any integer, negative included, names a pillar.
func PillarFromIndex(i int) Pillar {
	i %= 60
	if i < 0 {
		i += 60
	}
	return Pillar{Stem: Stem(i % 10), Branch: Branch(i % 12)}
}

// Index returns p's position 0..59 in the sexagenary cycle, the inverse of
// [PillarFromIndex]. For an invalid pillar (see [Pillar.Valid]) it returns -1.
func (p Pillar) Index() int {
	if !p.Valid() {
		return -1
	}
	// i ≡ s (mod 10) and i ≡ b (mod 12) by the Chinese remainder theorem:
	// 6s − 5b is ≡ s mod 10 and ≡ b mod 12 whenever s ≡ b (mod 2).
	return ((6*int(p.Stem)-5*int(p.Branch))%60 + 60) % 60
}

// Valid reports whether p is one of the sixty pairs of the cycle: stem and
// branch in range and of the same parity.
func (p Pillar) Valid() bool {
	return p.Stem < 10 && p.Branch < 12 && p.Stem%2 == Stem(p.Branch%2)
}

// Hangul returns the pillar in hangul, such as "갑자"; the empty string if
// stem or branch is out of range.
func (p Pillar) Hangul() string {
	if p.Stem > 9 || p.Branch > 11 {
		return ""
	}
	return pillarHangul[p.Stem][p.Branch]
}

// Hanja returns the pillar in hanja, such as "甲子"; the empty string if
// stem or branch is out of range.
func (p Pillar) Hanja() string {
	if p.Stem > 9 || p.Branch > 11 {
		return ""
	}
	return pillarHanja[p.Stem][p.Branch]
}

// String returns p.Hangul(), so that pillars print as "갑자".
func (p Pillar) String() string { return p.Hangul() }
