package saju_test

import (
	"fmt"

	"github.com/palja/palja/saju"
)

func ExampleOptions_Compute() {
	// Born on lunar 1990-05-15 (윤달 no) at 23:40, in Busan (129.075° E).
	hour := 23
	lon := 129.075
	b := saju.Birth{Year: 1990, Month: 5, Day: 15, Hour: &hour}
	o := saju.Options{Calendar: saju.Lunar, Minute: 40}

	y, m, d, _ := o.SolarDate(b)
	fmt.Printf("solar date: %d-%02d-%02d\n", y, m, d)
	for _, school := range []saju.DayBoundary{saju.Midnight, saju.Jasi, saju.Split} {
		o.DayBoundary = school
		c, _ := o.Compute(b)
		fmt.Printf("%-8s day %s hour %s\n", school, c.Day, c.Hour)
	}

	// With the birthplace, the day and hour follow the apparent solar time:
	// 129.075° E is 23.7 minutes of time west of the +9 meridian (135°), and
	// the equation of time is +1.2 minutes in June, so 23:17, still 자시
	// (and the school still acts).
	o.Longitude = &lon
	o.DayBoundary = saju.Midnight
	lat, _, _ := o.ApparentSolarTime(b)
	c, _ := o.Compute(b)
	fmt.Println("apparent solar time:", lat.Format("15:04:05"), "day", c.Day, "hour", c.Hour)

	// A lunar date that does not exist is a *FieldError naming the field.
	_, err := saju.Options{Calendar: saju.Lunar, LeapMonth: true}.Compute(saju.Birth{Year: 1990, Month: 6, Day: 1})
	fmt.Println(err)
	// Output:
	// solar date: 1990-06-07
	// midnight day 계묘 hour 임자
	// jasi     day 갑진 hour 갑자
	// split    day 계묘 hour 갑자
	// apparent solar time: 23:17:30 day 계묘 hour 임자
	// saju: is_leap_month must be false: that lunar year's leap month follows another month
}

func ExampleToLunar() {
	d, _ := saju.ToLunar(2023, 4, 19)
	fmt.Printf("lunar %d-%02d-%02d leap=%v\n", d.Year, d.Month, d.Day, d.Leap)
	y, m, day, _ := d.Solar()
	fmt.Printf("and back: %d-%02d-%02d\n", y, m, day)
	// Output:
	// lunar 2023-02-29 leap=true
	// and back: 2023-04-19
}
