package saju

import "testing"

func TestPillarIndex(t *testing.T) {
	seen := map[string]bool{}
	for i := range 60 {
		p := PillarFromIndex(i)
		if int(p.Stem) != i%10 || int(p.Branch) != i%12 {
			t.Errorf("PillarFromIndex(%d) = %d,%d", i, p.Stem, p.Branch)
		}
		if !p.Valid() || p.Index() != i {
			t.Errorf("PillarFromIndex(%d).Index() = %d, valid %v", i, p.Index(), p.Valid())
		}
		if seen[p.Hangul()] {
			t.Errorf("%s twice", p.Hangul())
		}
		seen[p.Hangul()] = true
		if PillarFromIndex(i+60) != p || PillarFromIndex(i-60) != p {
			t.Errorf("PillarFromIndex is not periodic at %d", i)
		}
	}
	for s := range Stem(10) {
		for b := range Branch(12) {
			p := Pillar{s, b}
			if p.Valid() != (s%2 == Stem(b%2)) {
				t.Errorf("%s valid = %v", p.Hangul(), p.Valid())
			}
			if !p.Valid() && p.Index() != -1 {
				t.Errorf("%s index %d", p.Hangul(), p.Index())
			}
		}
	}
	for _, c := range []struct {
		i             int
		hangul, hanja string
	}{
		{0, "갑자", "甲子"}, {1, "을축", "乙丑"}, {10, "갑술", "甲戌"}, {42, "병오", "丙午"}, {59, "계해", "癸亥"}, {-1, "계해", "癸亥"},
	} {
		p := PillarFromIndex(c.i)
		if p.Hangul() != c.hangul || p.Hanja() != c.hanja || p.String() != c.hangul {
			t.Errorf("PillarFromIndex(%d) = %s %s, want %s %s", c.i, p.Hangul(), p.Hanja(), c.hangul, c.hanja)
		}
	}
	if (Pillar{Stem: 10}).Hangul() != "" || (Pillar{Branch: 12}).Hanja() != "" || (Pillar{Stem: 10}).Valid() {
		t.Error("out-of-range pillar has a name")
	}
}

func TestNames(t *testing.T) {
	stems := []struct {
		hangul, hanja string
		e             Element
	}{
		{"갑", "甲", Wood}, {"을", "乙", Wood}, {"병", "丙", Fire}, {"정", "丁", Fire}, {"무", "戊", Earth},
		{"기", "己", Earth}, {"경", "庚", Metal}, {"신", "辛", Metal}, {"임", "壬", Water}, {"계", "癸", Water},
	}
	for i, c := range stems {
		s := Stem(i)
		if s.Hangul() != c.hangul || s.Hanja() != c.hanja || s.Element() != c.e {
			t.Errorf("Stem(%d) = %s %s %s, want %s %s %s", i, s.Hangul(), s.Hanja(), s.Element(), c.hangul, c.hanja, c.e)
		}
	}
	branches := []struct {
		hangul, hanja string
		e             Element
	}{
		{"자", "子", Water}, {"축", "丑", Earth}, {"인", "寅", Wood}, {"묘", "卯", Wood}, {"진", "辰", Earth}, {"사", "巳", Fire},
		{"오", "午", Fire}, {"미", "未", Earth}, {"신", "申", Metal}, {"유", "酉", Metal}, {"술", "戌", Earth}, {"해", "亥", Water},
	}
	for i, c := range branches {
		b := Branch(i)
		if b.Hangul() != c.hangul || b.Hanja() != c.hanja || b.Element() != c.e {
			t.Errorf("Branch(%d) = %s %s %s, want %s %s %s", i, b.Hangul(), b.Hanja(), b.Element(), c.hangul, c.hanja, c.e)
		}
	}
	elements := []struct{ en, hangul, hanja string }{
		{"wood", "목", "木"}, {"fire", "화", "火"}, {"earth", "토", "土"}, {"metal", "금", "金"}, {"water", "수", "水"},
	}
	for i, c := range elements {
		e := Element(i)
		if e.String() != c.en || e.Hangul() != c.hangul || e.Hanja() != c.hanja {
			t.Errorf("Element(%d) = %s %s %s", i, e, e.Hangul(), e.Hanja())
		}
	}
	if Element(5).String() != "" || Stem(10).Hangul() != "" || Branch(12).Hanja() != "" {
		t.Error("out-of-range value has a name")
	}
}
