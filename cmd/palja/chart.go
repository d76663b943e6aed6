package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/palja/palja/profile"
	"github.com/palja/palja/saju"
)

const chartUsage = `usage: palja chart [--json] [--gender male|female] [--lunar [--leap]] [--longitude DEG] [--day-boundary SCHOOL] YYYY-MM-DD [HH[:MM]]

Prints the four pillars (사주) of a birth on the Asia/Seoul wall clock: the
date from 1900-01-01 to 2100-12-31 and the time HH or HH:MM (0-23, 0-59),
or no time if unknown, with what a 만세력 shows under them (십신, 지장간,
12운성, 12신살, 납음, 공망), the relations among the pillars and, with
--gender, the ten 대운. By default the date is Gregorian (양력), the time is
the wall clock and the day turns at midnight; the table says which
conventions it used.

  --lunar              the date is a Korean lunar date (음력), lunar
                       1899-12-01 to 2100-12-01
  --leap               with --lunar: in the year's leap month (윤달)
  --longitude DEG      the birthplace in degrees east, 124 to 132 (Seoul
                       126.98, Busan 129.08): with a known time, the day and
                       hour pillars follow the apparent solar time there
                       (진태양시)
  --day-boundary SCHOOL
                       how 23:00-23:59 is read: midnight (the default),
                       jasi (야자시: the day turns at 23:00) or split
                       (야자시/조자시: the day's pillar, the next day's hour
                       stem)
  --gender male|female decides the direction of the 대운 (without it, no 대운)
  --json               print the Saju object of the API (without
                       profile_id) instead of the table

Example: palja chart --lunar --leap 1990-05-15 10:30 --longitude 126.98 --day-boundary jasi
`

// runChart is "palja chart": it computes the chart of the birth given on the
// command line and prints it as the traditional four-column table, or as
// JSON with --json. Flags may come before or after the date.
func runChart(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("chart", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(fs.Output(), chartUsage) }
	asJSON := fs.Bool("json", false, "print the Saju object of the API as JSON")
	lunar := fs.Bool("lunar", false, "the date is a Korean lunar date")
	leap := fs.Bool("leap", false, "with --lunar: the date is in the leap month")
	longitude := fs.String("longitude", "", "the birthplace's longitude in degrees east, 124 to 132")
	school := fs.String("day-boundary", "midnight", "midnight, jasi or split")
	genderFlag := fs.String("gender", "", "male or female: decides the direction of the 대운 (without it, no 대운)")
	// Flags may come before or after the date and hour; "-1" is an hour,
	// not a flag, so that it gets the hour's message.
	if err := parseArgs(fs, args); err != nil {
		if errors.Is(err, errHelp) {
			return nil
		}
		return err
	}
	// Every usage error is "palja chart: <reason>", then the usage.
	fail := func(err error) error {
		fmt.Fprintf(stderr, "palja chart: %v\n\n%s", err, chartUsage)
		return errUsage
	}
	switch {
	case fs.NArg() == 0:
		return fail(errors.New("missing the date YYYY-MM-DD"))
	case fs.NArg() > 2:
		return fail(fmt.Errorf("unexpected argument %s after the date and time", quoteArg(fs.Arg(2))))
	}
	b, minute, err := parseBirth(fs.Arg(0), fs.Args()[1:])
	if err != nil {
		return fail(err)
	}
	var g saju.Gender
	switch *genderFlag {
	case "":
	case "male":
		g = saju.Male
	case "female":
		g = saju.Female
	default:
		return fail(errors.New(`the gender must be "male" or "female"`))
	}
	o := saju.Options{LeapMonth: *leap, Minute: minute}
	if *lunar {
		o.Calendar = saju.Lunar
	}
	// The field errors (a date, time or option out of range) are usage
	// errors too; the error still is the *saju.FieldError naming the field.
	fieldFail := func(fe *saju.FieldError) error {
		fail(fmt.Errorf("%s %s", fieldWords(fe.Field), fe.Message))
		return errors.Join(errUsage, fe)
	}
	if o.DayBoundary, err = saju.ParseDayBoundary(*school); err != nil {
		var fe *saju.FieldError
		errors.As(err, &fe)
		return fieldFail(fe)
	}
	if *longitude != "" {
		lon, err := strconv.ParseFloat(*longitude, 64)
		if err != nil {
			return fail(errors.New("the longitude must be a number of degrees east, such as 126.98"))
		}
		// The API's range (package profile), narrower than the engine's.
		if !(lon >= profile.MinLongitude && lon <= profile.MaxLongitude) {
			return fieldFail(&saju.FieldError{Field: "longitude", Message: "must be between 124 and 132 degrees east"})
		}
		o.Longitude = &lon
	}
	c, d, err := o.ComputeDerived(b, g)
	if err != nil {
		var fe *saju.FieldError
		if errors.As(err, &fe) {
			return fieldFail(fe)
		}
		return err
	}
	if *asJSON {
		return writeChartJSON(stdout, c, &d)
	}
	return writeChartTable(stdout, o, b, c, &d)
}

// fieldWords names a field of a *saju.FieldError as the command line
// gives it.
func fieldWords(field string) string {
	switch field {
	case "is_leap_month":
		return "--leap"
	case "day_boundary":
		return "--day-boundary"
	case "calendar":
		return "--lunar"
	}
	return "the " + field
}

// parseBirth reads the date YYYY-MM-DD and the optional time HH or HH:MM.
// Only the form is checked here; saju checks the ranges and names the
// field.
func parseBirth(date string, hour []string) (b saju.Birth, minute int, err error) {
	parts := strings.Split(date, "-")
	if len(parts) != 3 || len(parts[0]) != 4 || len(parts[1]) != 2 || len(parts[2]) != 2 {
		return b, 0, errors.New("the date must be written YYYY-MM-DD, such as 1990-05-15")
	}
	var nums [3]int
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || strings.ContainsAny(p, "+-") {
			return b, 0, errors.New("the date must be written YYYY-MM-DD, such as 1990-05-15")
		}
		nums[i] = n
	}
	b.Year, b.Month, b.Day = nums[0], nums[1], nums[2]
	if len(hour) == 1 {
		hh, mm, hasMinute := strings.Cut(hour[0], ":")
		h, err := strconv.Atoi(hh)
		if err != nil {
			return b, 0, errors.New("the time must be an hour from 0 to 23, or HH:MM, such as 10:30")
		}
		if hasMinute {
			if len(mm) != 2 || strings.ContainsAny(mm, "+-") {
				return b, 0, errors.New("the time must be an hour from 0 to 23, or HH:MM, such as 10:30")
			}
			if minute, err = strconv.Atoi(mm); err != nil {
				return b, 0, errors.New("the time must be an hour from 0 to 23, or HH:MM, such as 10:30")
			}
		}
		b.Hour = &h
	}
	return b, minute, nil
}

// writeChartJSON prints c and its derived data d as the Saju object of
// API.md without profile_id, as package profile writes it, indented by two
// spaces.
func writeChartJSON(w io.Writer, c saju.Chart, d *saju.Derived) error {
	var out bytes.Buffer
	if err := json.Indent(&out, profile.AppendChart(nil, c, d), "", "  "); err != nil {
		return fmt.Errorf("indent the chart: %w", err)
	}
	out.WriteByte('\n')
	_, err := w.Write(out.Bytes())
	return err
}

// writeChartTable prints the chart as a 만세력 lays it out: four columns
// read from right to left, year, month, day, hour, so the hour comes first
// on the left; in each column the 십신 of the stem over the stem (천간), the
// branch (지지) over the 십신 of its 정기, then its hidden stems (지장간),
// the day stem's 12운성 on it, its 12신살, its 납음 and whether it is void
// (공망). Under the table: the elements, the void branches, the relations
// among the pillars and the ten 대운 as a row of columns, also right to
// left, each under its starting age. Above it: the birth as computed (its Gregorian date
// and instant) and the conventions used: the calendar, the 23:00 school,
// and the clock or the apparent solar time (with that time).
func writeChartTable(w io.Writer, o saju.Options, b saju.Birth, c saju.Chart, derived *saju.Derived) error {
	y, m, d, err := o.SolarDate(b)
	if err != nil {
		return err
	}
	solar := saju.Birth{Year: y, Month: m, Day: d, Hour: b.Hour}
	instant, err := saju.Options{Minute: o.Minute}.Instant(solar)
	if err != nil {
		return err
	}
	utc := instant.Format("2006-01-02 15:04 UTC")
	when := fmt.Sprintf("%04d-%02d-%02d", y, m, d)
	if b.Hour != nil {
		when += fmt.Sprintf(" %02d:%02d Asia/Seoul (%s)", *b.Hour, o.Minute, utc)
	} else {
		when += fmt.Sprintf(", hour unknown (year and month at 12:00 Asia/Seoul, %s)", utc)
	}
	conventions := [][2]string{{"달력 曆", "양력 solar (Gregorian)"}}
	if o.Calendar == saju.Lunar {
		leap := ""
		if o.LeapMonth {
			leap = " 윤달 leap month"
		}
		conventions[0][1] = fmt.Sprintf("음력 lunar %04d-%02d-%02d%s (Korean calendar, KASI) = 양력 %04d-%02d-%02d", b.Year, b.Month, b.Day, leap, y, m, d)
	}
	schools := map[saju.DayBoundary]string{
		saju.Midnight: "midnight: the day turns at 00:00 (23:xx keeps its date)",
		saju.Jasi:     "jasi 야자시: the day turns at 23:00 (23:xx is the next day)",
		saju.Split:    "split 야자시/조자시: 23:xx keeps its day pillar, the next day's hour stem",
	}
	school := schools[o.DayBoundary]
	clock := "clock time, Asia/Seoul (no longitude: not true solar time)"
	switch {
	case b.Hour == nil:
		school += "; unused, the hour is unknown"
		clock = "hour unknown"
		if o.Longitude != nil {
			clock = fmt.Sprintf("hour unknown: no true solar time (%s° E unused)", strconv.FormatFloat(*o.Longitude, 'f', -1, 64))
		}
	case o.Longitude != nil:
		lat, _, err := o.ApparentSolarTime(b)
		if err != nil {
			return err
		}
		format := "15:04:05"
		if lat.Day() != d || int(lat.Month()) != m || lat.Year() != y {
			format = "2006-01-02 15:04:05"
		}
		clock = fmt.Sprintf("진태양시 apparent solar time at %s° E: %s (the day and hour pillars follow it)",
			strconv.FormatFloat(*o.Longitude, 'f', -1, 64), lat.Format(format))
	}
	conventions = append(conventions, [2]string{"자시 子時", school}, [2]string{"시각 時刻", clock})

	cell := func(hangul, hanja string, e saju.Element) string {
		return hangul + " " + hanja + " " + e.Hangul()
	}
	rows := [][]string{
		{"", "시주 時柱", "일주 日柱", "월주 月柱", "연주 年柱"},
		{"십신 十神"},
		{"천간 天干"},
		{"지지 地支"},
		{"십신 十神"},
		{"지장간 支藏干"},
		{"12운성 運星"},
		{"12신살 神殺"},
		{"납음 納音"},
		{"공망 空亡"},
	}
	for i, pos := range []saju.Position{saju.HourPillar, saju.DayPillar, saju.MonthPillar, saju.YearPillar} {
		if i == 0 && !c.HasHour {
			for r := 1; r < len(rows); r++ {
				rows[r] = append(rows[r], "   -")
			}
			continue
		}
		p := &derived.Pillars[pos]
		var hidden []string
		for _, h := range p.HiddenStems() {
			hidden = append(hidden, h.Stem.Hangul()+strconv.Itoa(int(h.Days)))
		}
		void := "-"
		if p.Void {
			void = "공망"
		}
		rows[1] = append(rows[1], p.StemTenGod.Hangul())
		rows[2] = append(rows[2], cell(p.Pillar.Stem.Hangul(), p.Pillar.Stem.Hanja(), p.StemElement()))
		rows[3] = append(rows[3], cell(p.Pillar.Branch.Hangul(), p.Pillar.Branch.Hanja(), p.BranchElement()))
		rows[4] = append(rows[4], p.BranchTenGod.Hangul())
		rows[5] = append(rows[5], strings.Join(hidden, " "))
		rows[6] = append(rows[6], p.Stage.Hangul())
		rows[7] = append(rows[7], p.Sinsal.Hangul())
		rows[8] = append(rows[8], p.Nayin.Hangul()+" "+p.Nayin.Hanja())
		rows[9] = append(rows[9], void)
	}

	var sb strings.Builder
	sb.WriteString(when + "\n")
	for _, cv := range conventions {
		sb.WriteString(cv[0] + strings.Repeat(" ", 10-displayWidth(cv[0])) + cv[1] + "\n")
	}
	sb.WriteString("\n")
	writeColumns(&sb, rows)
	sb.WriteString("\n오행 五行  ")
	for e := saju.Wood; e <= saju.Water; e++ {
		if e > saju.Wood {
			sb.WriteString(", ")
		}
		fmt.Fprintf(&sb, "%s %s %d", e.Hangul(), e, c.Elements[e])
	}
	fmt.Fprintf(&sb, "\n가장 약한 오행  %s %s\n", c.Weakest.Hangul(), c.Weakest)
	fmt.Fprintf(&sb, "일간 日干  %s (%s)\n", c.DayMaster(), c.DayMasterElement())
	fmt.Fprintf(&sb, "공망 空亡  %s %s (%s%s)\n", derived.VoidBranches[0].Hangul(), derived.VoidBranches[1].Hangul(),
		derived.VoidBranches[0].Hanja(), derived.VoidBranches[1].Hanja())

	sb.WriteString("\n합충 合沖")
	rels := derived.Relations()
	if len(rels) == 0 {
		sb.WriteString("  없음 (none)")
	}
	sb.WriteString("\n")
	for _, r := range rels {
		var names []string
		for _, pos := range r.Pillars() {
			names = append(names, positionName[pos])
		}
		line := "  " + r.Kind.Hangul() + " " + r.Kind.Hanja() + "  " + strings.Join(names, "·")
		if r.HasElement {
			line += " → " + r.Element.Hangul() + " " + r.Element.String()
		}
		sb.WriteString(line + "\n")
	}

	sb.WriteString("\n대운 大運  ")
	if !derived.HasLuck {
		sb.WriteString("성별 없이는 계산하지 않습니다 (no gender: give --gender male|female for the 대운)\n")
	} else {
		l := &derived.Luck
		dir := "순행 順行 forward"
		if l.Direction == saju.Backward {
			dir = "역행 逆行 backward"
		}
		fmt.Fprintf(&sb, "%s, 대운수 %d, 첫 대운 %s", dir, l.StartAge, l.StartAt().Format("2006-01-02 15:04 UTC"))
		if l.Approximate {
			sb.WriteString(" (시간 모름: 정오 기준, approximate)")
		}
		sb.WriteString("\n\n")
		luck := [][]string{{"나이"}, {"십신 十神"}, {"천간 天干"}, {"지지 地支"}, {"십신 十神"}, {"12운성 運星"}}
		for k := len(l.Pillars) - 1; k >= 0; k-- {
			p := &l.Pillars[k]
			luck[0] = append(luck[0], strconv.Itoa(p.StartAge))
			luck[1] = append(luck[1], p.StemTenGod.Hangul())
			luck[2] = append(luck[2], p.Pillar.Stem.Hangul()+" "+p.Pillar.Stem.Hanja())
			luck[3] = append(luck[3], p.Pillar.Branch.Hangul()+" "+p.Pillar.Branch.Hanja())
			luck[4] = append(luck[4], p.BranchTenGod.Hangul())
			luck[5] = append(luck[5], p.Stage.Hangul())
		}
		writeColumns(&sb, luck)
	}
	_, err = io.WriteString(w, sb.String())
	return err
}

// positionName names the pillars in the relations as the table's columns
// do.
var positionName = [4]string{"연주", "월주", "일주", "시주"}

// writeColumns writes rows as columns aligned on the terminal (hangul and
// hanja two columns wide), three spaces apart, without trailing spaces.
func writeColumns(sb *strings.Builder, rows [][]string) {
	var widths []int
	for _, r := range rows {
		for i, s := range r {
			if i == len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], displayWidth(s))
		}
	}
	for _, r := range rows {
		line := ""
		for i, s := range r {
			line += s + strings.Repeat(" ", widths[i]-displayWidth(s)+3)
		}
		sb.WriteString(strings.TrimRight(line, " ") + "\n")
	}
}

// displayWidth returns the number of terminal columns s takes: two for each
// hangul syllable or CJK ideograph, one for anything else.
func displayWidth(s string) int {
	n := 0
	for _, r := range s {
		switch {
		case r >= 0x1100 && r <= 0x115F, // hangul jamo, initial consonants
			r >= 0x2E80 && r <= 0xA4CF, // CJK radicals … Yi
			r >= 0xAC00 && r <= 0xD7A3, // hangul syllables
			r >= 0xF900 && r <= 0xFAFF, // CJK compatibility ideographs
			r >= 0xFF00 && r <= 0xFF60: // fullwidth forms
			n += 2
		default:
			n++
		}
	}
	return n
}
