package saju_test

import (
	"fmt"

	"github.com/palja/palja/saju"
)

func ExampleCompute() {
	hour := 10
	c, err := saju.Compute(saju.Birth{Year: 1990, Month: 5, Day: 15, Hour: &hour})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("hour day month year:", c.Hour.Hangul(), c.Day.Hangul(), c.Month.Hangul(), c.Year.Hangul())
	fmt.Println("in hanja:", c.Hour.Hanja(), c.Day.Hanja(), c.Month.Hanja(), c.Year.Hanja())
	fmt.Println("day master:", c.DayMaster(), c.DayMasterElement())
	for e := saju.Wood; e <= saju.Water; e++ {
		fmt.Printf("%s %s %d\n", e, e.Hangul(), c.Elements[e])
	}
	fmt.Println("weakest:", c.Weakest)
	// Output:
	// hour day month year: 신사 경진 신사 경오
	// in hanja: 辛巳 庚辰 辛巳 庚午
	// day master: 경금 metal
	// wood 목 0
	// fire 화 3
	// earth 토 1
	// metal 금 4
	// water 수 0
	// weakest: wood
}

func ExampleCompute_unknownHour() {
	// Born on 1984-02-05, hour unknown: the year and month are taken at noon,
	// less than twelve hours after 입춘 (1984-02-05 00:19 KST): the year is
	// already 갑자.
	c, err := saju.Compute(saju.Birth{Year: 1984, Month: 2, Day: 5})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c.Year, c.Month, c.Day, c.HasHour)
	// An impossible date is a *FieldError naming the field.
	_, err = saju.Compute(saju.Birth{Year: 1990, Month: 2, Day: 30})
	fmt.Println(err)
	// Output:
	// 갑자 병인 기사 false
	// saju: day must be between 1 and 28 in that month
}
