package saju

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestDerivedTablesFollowRules checks that every table of the derived data
// equals the formula written beside it (SAJU-DERIVED.md gives both).
func TestDerivedTablesFollowRules(t *testing.T) {
	for d := range Stem(10) {
		for s := range Stem(10) {
			if got, want := tenGodTable[d][s], tenGodRule(d, s); got != want {
				t.Errorf("tenGodTable[%s][%s] = %s, rule says %s", d.Hangul(), s.Hangul(), got, want)
			}
		}
		for b := range Branch(12) {
			if got, want := stageTable[d][b], stageRule(d, b); got != want {
				t.Errorf("stageTable[%s][%s] = %s, rule says %s", d.Hangul(), b.Hangul(), got, want)
			}
		}
	}
	for y := range Branch(12) {
		for x := range Branch(12) {
			if got, want := y.Sinsal(x), sinsalRule(y, x); got != want {
				t.Errorf("sinsal of %s against %s = %s, rule says %s", x.Hangul(), y.Hangul(), got, want)
			}
		}
	}
	for i := range 60 {
		p := PillarFromIndex(i)
		if got, want := p.VoidBranches(), voidRule(p); got != want {
			t.Errorf("%s: void branches %v, rule says %v", p, got, want)
		}
		if got, want := p.Nayin(), Nayin(i/2); got != want {
			t.Errorf("%s: 납음 %d, want %d", p, got, want)
		}
	}
	for k, n := range nayinTable {
		if got, want := n.element, nayinElementRule(k); got != want {
			t.Errorf("nayinTable[%d] %s: element %s, rule says %s", k, n.hangul, got, want)
		}
		if !strings.HasSuffix(n.hanja, Element(n.element).Hanja()) {
			t.Errorf("nayinTable[%d] %s: element %s is not the last character of %s", k, n.hangul, n.element, n.hanja)
		}
	}
	for b := range Branch(12) {
		h := hiddenTable[b]
		days := 0
		for i := range h.n {
			days += int(h.days[i])
		}
		want := uint8(3)
		if b == 0 || b == 3 || b == 9 { // 子 卯 酉 have no 중기
			want = 2
		}
		if days != 30 || h.n != want || h.stem[h.n-1] != b.MainStem() {
			t.Errorf("hiddenTable[%s] = %+v: want %d stems, 30 days, the 정기 %s last", b.Hangul(), h, want, b.MainStem().Hangul())
		}
		// The 정기 has the branch's element and yin/yang, except that the
		// yang/yin water and fire branches 子 午 巳 亥 hold the stem of the
		// other parity (SAJU-DERIVED.md §3).
		m := b.MainStem()
		swapped := b == 0 || b == 5 || b == 6 || b == 11
		if m.Element() != b.Element() || (m%2 == Stem(b%2)) == swapped {
			t.Errorf("정기 of %s is %s", b.Hangul(), m.Hangul())
		}
	}

	// Relations: the member tables against the index forms, for every pair
	// of stems or branches and every kind.
	for k := StemCombine; k <= GhostGate; k++ {
		if k.Triple() {
			continue
		}
		n := 12
		if k <= StemClash {
			n = 10
		}
		for x := range n {
			for y := range n {
				cell := branchPairs[x%12][y%12]
				if k <= StemClash {
					cell = stemPairs[x%10][y%10]
				}
				if got, want := cell.kinds&(1<<k) != 0, relationPairRule(k, x, y); got != want {
					t.Errorf("%s of %d and %d: table says %v, rule says %v", k, x, y, got, want)
				}
			}
		}
	}
	for _, m := range relationPairTable {
		switch {
		case m.kind == SixCombine:
			// Checked against the document only.
		case m.kind == HalfCombine:
			if want := relationTripleTable[tripleGroup[0][m.a]].element; m.element != want || !m.hasElement {
				t.Errorf("반합 %d %d → %s, its 삼합 gives %s", m.a, m.b, m.element, want)
			}
		case m.kind == StemCombine:
			// 甲己 earth, 乙庚 metal, 丙辛 water, 丁壬 wood, 戊癸 fire: the
			// generating cycle from earth.
			if want := Element((int(Earth) + int(m.a%5)) % 5); m.element != want {
				t.Errorf("천간합 %d %d → %s, want %s", m.a, m.b, m.element, want)
			}
		case m.hasElement:
			t.Errorf("%s %d %d has an element", m.kind, m.a, m.b)
		}
	}
	for i, m := range relationTripleTable {
		for x := range Branch(12) {
			in := slices.Contains(m.b[:], uint8(x))
			if got, want := in, relationTripleRule(m.kind, x) == relationTripleRule(m.kind, Branch(m.b[0])); got != want {
				t.Errorf("relationTripleTable[%d] %s: %s member %v, rule says %v", i, m.kind, x.Hangul(), got, want)
			}
		}
		if m.kind == SeasonCombine && m.element != Branch(m.b[1]).Element() {
			t.Errorf("방합 %v → %s, its middle branch is %s", m.b, m.element, Branch(m.b[1]).Element())
		}
		if m.kind == ThreeCombine && m.element != Branch(m.b[1]).Element() {
			t.Errorf("삼합 %v → %s, its 왕지 is %s", m.b, m.element, Branch(m.b[1]).Element())
		}
	}
}

// TestMaxRelations checks the bound maxRelations over every combination of
// four branches (with the most stem relations that four stems can have),
// and that it is reached within six of the bound.
func TestMaxRelations(t *testing.T) {
	var out [maxRelations]Relation
	most := 0
	for i := range 12 * 12 * 12 * 12 {
		var ps [4]Pillar
		for j, x := 0, i; j < len(ps); j, x = j+1, x/12 {
			ps[j].Branch = Branch(x % 12)
			ps[j].Stem = ps[j].Branch.MainStem() % 2 // 갑 or 을: no stem relation
		}
		most = max(most, relations(&ps, 4, &out))
	}
	// At most one stem relation per pair of positions: 천간합 and 천간충 never
	// share a pair.
	for x := range 10 {
		for y := range 10 {
			if c := stemPairs[x][y].kinds; c&(c-1) != 0 {
				t.Errorf("stems %d %d in two kinds", x, y)
			}
		}
	}
	if most+6 > maxRelations {
		t.Errorf("%d branch relations, plus 6 of stems, exceed maxRelations %d", most, maxRelations)
	}
	t.Logf("at most %d branch relations among four pillars; maxRelations = %d", most, maxRelations)
}

// specTable returns the rows of the table marked <!-- table:name --> in
// SAJU-DERIVED.md, header first, each cell trimmed.
func specTable(t *testing.T, doc, name string) [][]string {
	t.Helper()
	_, rest, ok := strings.Cut(doc, "<!-- table:"+name+" -->\n")
	if !ok {
		t.Fatalf("SAJU-DERIVED.md: no table %s", name)
	}
	body, _, _ := strings.Cut(rest, "<!-- /table -->")
	var rows [][]string
	for _, line := range strings.Split(strings.TrimSpace(body), "\n") {
		if strings.HasPrefix(line, "|---") {
			continue
		}
		cells := strings.Split(strings.Trim(line, "| "), "|")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		rows = append(rows, cells)
	}
	if len(rows) < 2 {
		t.Fatalf("SAJU-DERIVED.md: table %s is empty", name)
	}
	return rows
}

// Names as the document writes them in its tables: "갑 甲", "자 子".
func stemCell(s Stem) string     { return s.Hangul() + " " + s.Hanja() }
func branchCell(b Branch) string { return b.Hangul() + " " + b.Hanja() }

// TestDerivedTablesMatchSpec checks every table of the package against the
// table of SAJU-DERIVED.md that it transcribes, cell by cell.
func TestDerivedTablesMatchSpec(t *testing.T) {
	doc := readSpec(t)
	check := func(table string, row int, got, want string) {
		t.Helper()
		if got != want {
			t.Errorf("table %s, row %d: %q, document says %q", table, row, got, want)
		}
	}
	yinyang := [2]string{"yang", "yin"}
	for i, r := range specTable(t, doc, "stems")[1:] {
		s := Stem(i)
		check("stems", i, strings.Join([]string{strconv.Itoa(i), stemCell(s), s.Element().String(), yinyang[s%2]}, "|"), strings.Join(r, "|"))
	}
	for i, r := range specTable(t, doc, "branches")[1:] {
		b := Branch(i)
		check("branches", i, strings.Join([]string{strconv.Itoa(i), branchCell(b), b.Element().String(), stemCell(b.MainStem())}, "|"), strings.Join(r, "|"))
	}
	for _, name := range []string{"ten_gods", "branch_ten_gods", "stages"} {
		rows := specTable(t, doc, name)
		for i, r := range rows[1:] {
			d := Stem(i)
			cells := []string{stemCell(d)}
			for x := range len(rows[0]) - 1 {
				switch name {
				case "ten_gods":
					cells = append(cells, d.TenGod(Stem(x)).Hangul())
				case "branch_ten_gods":
					cells = append(cells, d.BranchTenGod(Branch(x)).Hangul())
				case "stages":
					cells = append(cells, d.Stage(Branch(x)).Hangul())
				}
			}
			check(name, i, strings.Join(cells, "|"), strings.Join(r, "|"))
		}
		// The header names the columns in index order.
		for x, h := range rows[0][1:] {
			var want string
			if name == "ten_gods" {
				want = stemCell(Stem(x))
			} else {
				want = branchCell(Branch(x))
				if name == "branch_ten_gods" {
					want += " (" + Branch(x).MainStem().Hanja() + ")"
				}
			}
			check(name, 0, h, want)
		}
	}
	for i, r := range specTable(t, doc, "hidden_stems")[1:] {
		b := Branch(i)
		hs, n := b.HiddenStems(0)
		cells := []string{branchCell(b)}
		entry := func(h HiddenStem) string { return stemCell(h.Stem) + " " + strconv.Itoa(int(h.Days)) }
		var order []string
		for _, h := range hs[:n] {
			order = append(order, h.Stem.Hangul())
		}
		if n == 2 {
			cells = append(cells, entry(hs[0]), "—", entry(hs[1]))
		} else {
			cells = append(cells, entry(hs[0]), entry(hs[1]), entry(hs[2]))
		}
		cells = append(cells, strings.Join(order, " → "))
		check("hidden_stems", i, strings.Join(cells, "|"), strings.Join(r, "|"))
	}
	for i, r := range specTable(t, doc, "nayin")[1:] {
		for half := range 2 {
			k := i + 15*half
			p, q := PillarFromIndex(2*k), PillarFromIndex(2*k+1)
			n := p.Nayin()
			got := strings.Join([]string{
				strconv.Itoa(k),
				fmt.Sprintf("%s %s (%s %s)", p.Hangul(), q.Hangul(), p.Hanja(), q.Hanja()),
				n.Hangul() + " " + n.Hanja(), n.Element().String(),
			}, "|")
			if q.Nayin() != n {
				t.Errorf("%s and %s have different 납음", p, q)
			}
			check("nayin", i, got, strings.Join(r[4*half:4*half+4], "|"))
		}
	}
	rows := specTable(t, doc, "sinsal")
	for j, h := range rows[0][1:] {
		s := Sinsal(j)
		check("sinsal", 0, h, s.Hangul()+" "+s.Hanja())
	}
	for i, r := range rows[1:] {
		first := []Branch{8, 2, 5, 11}[i] // the rows' groups: 申子辰, 寅午戌, 巳酉丑, 亥卯未
		group := []Branch{first, (first + 4) % 12, (first + 8) % 12}
		name := ""
		for _, b := range group {
			name += b.Hangul()
		}
		name += " "
		for _, b := range group {
			name += b.Hanja()
		}
		cells := []string{name}
		for s := range Sinsal(12) {
			for x := range Branch(12) {
				if first.Sinsal(x) == s {
					cells = append(cells, branchCell(x))
				}
			}
		}
		check("sinsal", i, strings.Join(cells, "|"), strings.Join(r, "|"))
		for _, y := range group { // every branch of the group gives the row
			for x := range Branch(12) {
				if y.Sinsal(x) != first.Sinsal(x) {
					t.Errorf("sinsal: %s and %s disagree", y.Hangul(), first.Hangul())
				}
			}
		}
	}
	for i, r := range specTable(t, doc, "void")[1:] {
		head, last := PillarFromIndex(10*i), PillarFromIndex(10*i+9)
		v := head.VoidBranches()
		got := strings.Join([]string{
			head.Hangul() + "순 " + head.Hanja() + "旬",
			fmt.Sprintf("%s … %s (%d–%d)", head.Hangul(), last.Hangul(), 10*i, 10*i+9),
			v[0].Hangul() + v[1].Hangul() + " " + v[0].Hanja() + v[1].Hanja(),
			fmt.Sprintf("[%q, %q]", v[0].Hangul(), v[1].Hangul()),
		}, "|")
		check("void", i, got, strings.Join(r, "|"))
		for j := range 10 {
			if PillarFromIndex(10*i+j).VoidBranches() != v {
				t.Errorf("void: %s is not of its decade", PillarFromIndex(10*i+j))
			}
		}
	}

	// Relations: the members of each kind, with their elements, as a set.
	type member struct {
		kind    RelationKind
		members string // hanja in the document's order
		element string
	}
	var doc3, ours []member
	for i, r := range specTable(t, doc, "relations")[1:] {
		k := RelationKind(i)
		check("relations", i, strings.Join(r[:3], "|"), fmt.Sprintf("%d|`%s` %s|%s", i+1, k.Hangul(), k.Hanja(), map[bool]string{true: "3 branches", false: "2 " + map[bool]string{true: "stems", false: "branches"}[k <= StemClash]}[k.Triple()]))
		for _, m := range strings.Split(r[3], ", ") {
			names, element, _ := strings.Cut(m, " → ")
			_, hanja, _ := strings.Cut(names, " ")
			doc3 = append(doc3, member{k, hanja, element})
		}
	}
	for _, m := range relationPairTable {
		var h string
		if m.kind <= StemClash {
			h = Stem(m.a).Hanja() + Stem(m.b).Hanja()
		} else {
			h = Branch(m.a).Hanja() + Branch(m.b).Hanja()
		}
		e := ""
		if m.hasElement {
			e = m.element.String()
		}
		ours = append(ours, member{m.kind, h, e})
	}
	for _, m := range relationTripleTable {
		ours = append(ours, member{m.kind, Branch(m.b[0]).Hanja() + Branch(m.b[1]).Hanja() + Branch(m.b[2]).Hanja(), m.element.String()})
	}
	slices.SortStableFunc(ours, func(a, b member) int { return int(a.kind) - int(b.kind) })
	if !slices.Equal(doc3, ours) {
		t.Errorf("relations:\n ours %v\n document %v", ours, doc3)
	}
}
