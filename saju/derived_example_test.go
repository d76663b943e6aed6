package saju_test

import (
	"fmt"
	"strings"

	"github.com/palja/palja/saju"
)

// The example of SAJU-DERIVED.md §11: a birth of 1990-05-17 14:00, male.
func ExampleDerive() {
	hour := 14
	birth := saju.Birth{Year: 1990, Month: 5, Day: 17, Hour: &hour}
	c, err := saju.Compute(birth)
	if err != nil {
		fmt.Println(err)
		return
	}
	instant, err := saju.Options{}.Instant(birth)
	if err != nil {
		fmt.Println(err)
		return
	}
	d, err := saju.Derive(c, instant, saju.Male)
	if err != nil {
		fmt.Println(err)
		return
	}
	for pos := saju.YearPillar; pos <= saju.HourPillar; pos++ {
		p := &d.Pillars[pos]
		var hidden []string
		for _, h := range p.HiddenStems() {
			hidden = append(hidden, fmt.Sprintf("%s%d %s", h.Stem.Hangul(), h.Days, h.TenGod))
		}
		fmt.Printf("%-5s %s %s/%s [%s] %s %s %s void=%v\n", pos, p.Pillar, p.StemTenGod, p.BranchTenGod,
			strings.Join(hidden, ", "), p.Stage, p.Nayin, p.Sinsal, p.Void)
	}
	fmt.Println("공망:", d.VoidBranches[0].Hangul(), d.VoidBranches[1].Hangul())
	for _, r := range d.Relations() {
		e := "-"
		if r.HasElement {
			e = r.Element.String()
		}
		fmt.Println(r.Kind, r.Pillars(), e)
	}
	fmt.Println("대운:", d.Luck.Direction, d.Luck.StartAge, d.Luck.Approximate)
	for _, p := range d.Luck.Pillars[:3] {
		fmt.Println(p.Index, p.Pillar, p.StartAge, p.StemTenGod, p.BranchTenGod, p.Stage)
	}
	// Output:
	// year  경오 편인/정재 [병10 편재, 기9 정관, 정11 정재] 태 노방토 장성살 void=false
	// month 신사 정인/편재 [무7 편관, 경7 편인, 병16 편재] 절 백랍금 망신살 void=false
	// day   임오 일간/정재 [병10 편재, 기9 정관, 정11 정재] 태 양류목 장성살 void=false
	// hour  정미 정재/정관 [정9 정재, 을3 상관, 기18 정관] 양 천하수 반안살 void=false
	// 공망: 신 유
	// 천간합 [day hour] wood
	// 육합 [year hour] -
	// 육합 [day hour] -
	// 방합 [year month hour] fire
	// 방합 [month day hour] fire
	// 형 [year day] -
	// 대운: forward 7 false
	// 1 임오 7 비견 정재 태
	// 2 계미 17 겁재 정관 양
	// 3 갑신 27 식신 편인 장생
}
