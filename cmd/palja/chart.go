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

const chartUsage = `usage: palja chart [--json] YYYY-MM-DD [HOUR]

Prints the four pillars (사주) of a birth on the Asia/Seoul wall clock: the
date from 1900-01-01 to 2100-12-31 and the hour 0-23, or no hour if unknown.
--json prints the Saju object of the API (without profile_id).
`

// runChart is "palja chart": it computes the chart of the birth given on the
// command line and prints it as the traditional four-column table, or as
// JSON with --json. Flags may come before or after the date.
func runChart(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("chart", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(fs.Output(), chartUsage) }
	asJSON := fs.Bool("json", false, "print the Saju object of the API as JSON")
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
		return fail(fmt.Errorf("unexpected argument %s after the date and hour", quoteArg(fs.Arg(2))))
	}
	b, err := parseBirth(fs.Arg(0), fs.Args()[1:])
	if err != nil {
		return fail(err)
	}
	c, err := saju.Compute(b)
	if err != nil {
		var fe *saju.FieldError
		if errors.As(err, &fe) {
			// A date or hour out of range is a usage error too; the
			// error still is the *saju.FieldError naming the field.
			fail(fmt.Errorf("the %s %s", fe.Field, fe.Message))
			return errors.Join(errUsage, fe)
		}
		return err
	}
	if *asJSON {
		return writeChartJSON(stdout, c)
	}
	instant, err := saju.Options{}.Instant(b)
	if err != nil {
		return err
	}
	return writeChartTable(stdout, b, instant.Format("2006-01-02 15:04 UTC"), c)
}

// parseBirth reads the date YYYY-MM-DD and the optional hour. Only the form
// is checked here; saju.Compute checks the ranges and names the field.
func parseBirth(date string, hour []string) (saju.Birth, error) {
	var b saju.Birth
	parts := strings.Split(date, "-")
	if len(parts) != 3 || len(parts[0]) != 4 || len(parts[1]) != 2 || len(parts[2]) != 2 {
		return b, errors.New("the date must be written YYYY-MM-DD, such as 1990-05-15")
	}
	var nums [3]int
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || strings.ContainsAny(p, "+-") {
			return b, errors.New("the date must be written YYYY-MM-DD, such as 1990-05-15")
		}
		nums[i] = n
	}
	b.Year, b.Month, b.Day = nums[0], nums[1], nums[2]
	if len(hour) == 1 {
		h, err := strconv.Atoi(hour[0])
		if err != nil {
			return b, errors.New("the hour must be a whole number from 0 to 23")
		}
		b.Hour = &h
	}
	return b, nil
}

// writeChartJSON prints c as the Saju object of API.md without
// profile_id, as package profile writes it, indented by two spaces.
func writeChartJSON(w io.Writer, c saju.Chart) error {
	var out bytes.Buffer
	if err := json.Indent(&out, profile.AppendChart(nil, c, &saju.Derived{}), "", "  "); err != nil {
		return fmt.Errorf("indent the chart: %w", err)
	}
	out.WriteByte('\n')
	_, err := w.Write(out.Bytes())
	return err
}

// writeChartTable prints the chart as it is written traditionally: four
// columns read from right to left, year, month, day, hour, so the hour
// comes first on the left; the stem (천간) over the branch (지지), each
// with its element.
func writeChartTable(w io.Writer, b saju.Birth, utc string, c saju.Chart) error {
	when := fmt.Sprintf("%04d-%02d-%02d", b.Year, b.Month, b.Day)
	if b.Hour != nil {
		when += fmt.Sprintf(" %02d:00 Asia/Seoul (%s)", *b.Hour, utc)
	} else {
		when += fmt.Sprintf(", hour unknown (year and month at 12:00 Asia/Seoul, %s)", utc)
	}

	cell := func(hangul, hanja string, e saju.Element) string {
		return hangul + " " + hanja + " " + e.Hangul()
	}
	rows := [][]string{
		{"", "시주 時柱", "일주 日柱", "월주 月柱", "연주 年柱"},
		{"천간 天干"},
		{"지지 地支"},
	}
	for i, p := range []saju.Pillar{c.Hour, c.Day, c.Month, c.Year} {
		if i == 0 && !c.HasHour {
			rows[1] = append(rows[1], "   -")
			rows[2] = append(rows[2], "   -")
			continue
		}
		rows[1] = append(rows[1], cell(p.Stem.Hangul(), p.Stem.Hanja(), p.Stem.Element()))
		rows[2] = append(rows[2], cell(p.Branch.Hangul(), p.Branch.Hanja(), p.Branch.Element()))
	}

	var sb strings.Builder
	sb.WriteString(when + "\n\n")
	var widths [5]int
	for _, r := range rows {
		for i, s := range r {
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
	sb.WriteString("\n오행 五行  ")
	for e := saju.Wood; e <= saju.Water; e++ {
		if e > saju.Wood {
			sb.WriteString(", ")
		}
		fmt.Fprintf(&sb, "%s %s %d", e.Hangul(), e, c.Elements[e])
	}
	fmt.Fprintf(&sb, "\n가장 약한 오행  %s %s\n", c.Weakest.Hangul(), c.Weakest)
	fmt.Fprintf(&sb, "일간 日干  %s (%s)\n", c.DayMaster(), c.DayMasterElement())
	_, err := io.WriteString(w, sb.String())
	return err
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
