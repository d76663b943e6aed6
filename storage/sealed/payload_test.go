package sealed

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"reflect"
	"testing"

	"github.com/palja/palja/profile"
)

// personal returns p with only the fields that the payload holds.
func personal(p *profile.Profile) profile.Profile {
	q := *p
	q.ID, q.AccountID, q.ExternalID, q.Version = "", "", nil, 0
	q.CreatedAt, q.UpdatedAt = profile.Profile{}.CreatedAt, profile.Profile{}.UpdatedAt
	return q
}

func TestPayloadRoundTrip(t *testing.T) {
	hours := []profile.Opt[int]{{}, num(0), num(11), num(23)}
	genders := []profile.Opt[string]{{}, str("male"), str("female")}
	names := []string{"A", "김영희", "Zoë O'Neil", "가나다라마바사아자차카타파하가나다라마바"}
	longitudes := []profile.Opt[float64]{{}, deg(124), deg(126.978), deg(129.0756), deg(132)}
	i := 0
	for year := 1900; year <= 2100; year += 7 {
		i++
		patch := profile.Patch{
			BirthYear:      num(year),
			BirthMonth:     num(1 + i%12),
			BirthDay:       num(1 + i%28), // a day of every month, solar or lunar
			BirthHour:      hours[i%len(hours)],
			Gender:         genders[i%len(genders)],
			BirthLongitude: longitudes[i%len(longitudes)],
		}
		calendar := []string{"", "lunar", "solar"}[i%3]
		boundary := []string{"", "midnight", "jasi", "split"}[i%4]
		patch = conventions(t, patch, calendar, boundary)
		if patch.BirthHour.Set && i%2 == 0 {
			patch.BirthMinute = num(i % 60)
		}
		p := newProfile(t, "acct_x", names[i%len(names)], patch)
		checkRoundTrip(t, fmt.Sprint(year), p)
	}
	// A leap month, and the extremes of the minute.
	for _, patch := range []profile.Patch{
		conventions(t, profile.Patch{BirthYear: num(2023), BirthMonth: num(2), BirthDay: num(29), LeapMonth: flag(true),
			BirthHour: num(23), BirthMinute: num(59)}, "lunar", "split"),
		{BirthHour: num(0), BirthMinute: num(0), BirthLongitude: deg(127.5)},
	} {
		p := newProfile(t, "acct_x", "윤달", patch)
		if !p.LeapMonth && patch.LeapMonth.V {
			t.Fatal("no leap month")
		}
		checkRoundTrip(t, "extreme", p)
	}
}

// checkRoundTrip writes p's payload and reads it back: the current
// version, every field equal, every truncation and extension refused.
func checkRoundTrip(t *testing.T, what string, p *profile.Profile) {
	t.Helper()
	b, err := appendPayload(nil, p)
	if err != nil {
		t.Fatalf("%s: appendPayload: %v", what, err)
	}
	if b[0] != payloadV3 {
		t.Fatalf("%s: payload version %d, want %d", what, b[0], payloadV3)
	}
	var box profileBox
	if err := parsePayload(b, &box); err != nil {
		t.Fatalf("%s: parsePayload: %v", what, err)
	}
	if want := personal(p); !reflect.DeepEqual(box.p, want) {
		t.Errorf("%s: round trip = %+v\nwant %+v", what, box.p, want)
	}
	for n := range len(b) {
		if parsePayload(b[:n], new(profileBox)) == nil {
			t.Errorf("%s: parsePayload accepted %d of %d bytes", what, n, len(b))
		}
	}
	if parsePayload(append(b[:len(b):len(b)], 'x'), new(profileBox)) == nil {
		t.Errorf("%s: parsePayload accepted a trailing byte", what)
	}
}

func TestPayloadMalformed(t *testing.T) {
	p := newProfile(t, "acct_x", "Ada", profile.Patch{BirthHour: num(3), BirthMinute: num(5), BirthLongitude: deg(127), Gender: str("male")})
	good, err := appendPayload(nil, p)
	if err != nil {
		t.Fatal(err)
	}
	const ch = payloadV3Chart + 1 // where the chart starts
	c := int(good[payloadV3Chart])
	for _, tc := range []struct {
		name string
		edit func(b []byte)
	}{
		{"version 0", func(b []byte) { b[0] = 0 }},
		{"version 4", func(b []byte) { b[0] = 4 }},
		{"unknown flag", func(b []byte) { b[1] |= 64 }},
		{"unknown flag 128", func(b []byte) { b[1] |= 128 }},
		{"both genders", func(b []byte) { b[1] |= flagMale | flagFemale }},
		{"calendar", func(b []byte) { b[8] = 2 }},
		{"day boundary", func(b []byte) { b[9] = 3 }},
		{"longitude NaN", func(b []byte) { binary.BigEndian.PutUint64(b[10:], math.Float64bits(math.NaN())) }},
		{"longitude infinite", func(b []byte) { binary.BigEndian.PutUint64(b[10:], math.Float64bits(math.Inf(1))) }},
		{"chart length", func(b []byte) { b[payloadV3Chart]-- }},
		{"chart version", func(b []byte) { b[ch] = 0 }},
		{"pillar", func(b []byte) { b[ch+3] = 60 }},
		{"element", func(b []byte) { b[ch+c-1] = 5 }},
		{"name length", func(b []byte) { b[ch+c]++ }},
		{"name not UTF-8", func(b []byte) { b[len(b)-1] = 0xff }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := bytes.Clone(good)
			tc.edit(b)
			if parsePayload(b, new(profileBox)) == nil {
				t.Errorf("parsePayload accepted % x", b)
			}
		})
	}
	bad := *p
	g := "other"
	bad.Gender = &g
	if _, err := appendPayload(nil, &bad); err == nil {
		t.Error("appendPayload accepted an unknown gender")
	}
	bad = *p
	bad.Name = string(make([]byte, 256))
	if _, err := appendPayload(nil, &bad); err == nil {
		t.Error("appendPayload accepted a 256-byte name")
	}
	for _, edit := range []func(q *profile.Profile){
		func(q *profile.Profile) { q.Calendar = 2 },
		func(q *profile.Profile) { q.DayBoundary = 3 },
		func(q *profile.Profile) { m := 256; q.BirthMinute = &m },
		func(q *profile.Profile) { l := math.NaN(); q.BirthLongitude = &l },
	} {
		bad = *p
		edit(&bad)
		if b, err := appendPayload([]byte("x"), &bad); err == nil || string(b) != "x" {
			t.Errorf("appendPayload of %+v = %q, %v; want an error and b unchanged", bad, b, err)
		}
	}
	bad = *p
	bad.Chart.Weakest = 5
	if b, err := appendPayload([]byte("x"), &bad); err == nil || string(b) != "x" {
		t.Errorf("appendPayload of a chart with no binary form = %q, %v; want an error and b unchanged", b, err)
	}
}

// TestPayloadV2 reads payloads of version 2, as databases hold them, built
// byte by byte as version 2 wrote them (the chart in saju's binary form,
// opaque here): a Gregorian date on the wall clock, read at midnight.
func TestPayloadV2(t *testing.T) {
	want := personal(newProfile(t, "acct_x", "Ada", profile.Patch{
		BirthYear: num(1990), BirthMonth: num(5), BirthDay: num(15), BirthHour: num(10), Gender: str("female"),
	}))
	chart, err := want.Chart.AppendBinary(nil)
	if err != nil {
		t.Fatal(err)
	}
	v2 := []byte{
		2,          // version
		1 | 4,      // birth hour known, female
		0x07, 0xc6, // 1990
		5, 15, 10, // month, day, hour
		byte(len(chart)),
	}
	v2 = append(v2, chart...)
	v2 = append(v2, 3, 'A', 'd', 'a')
	var box profileBox
	if err := parsePayload(v2, &box); err != nil {
		t.Fatalf("parsePayload(v2): %v", err)
	}
	if !reflect.DeepEqual(box.p, want) {
		t.Errorf("v2 = %+v\nwant %+v", box.p, want)
	}
	if box.p.Calendar.String() != "solar" || box.p.LeapMonth || box.p.BirthMinute != nil || box.p.BirthLongitude != nil || box.p.DayBoundary.String() != "midnight" {
		t.Errorf("v2 read with conventions %+v", box.p)
	}
	// Version 2 knew no flag 8 (which version 3 uses for the minute).
	for _, edit := range []func(b []byte){
		func(b []byte) { b[1] |= 8 },
		func(b []byte) { b[1] |= 32 },
		func(b []byte) { b[len(b)-1] = 0xff },
	} {
		b := bytes.Clone(v2)
		edit(b)
		if parsePayload(b, new(profileBox)) == nil {
			t.Errorf("parsePayload accepted % x", b)
		}
	}
	for n := range len(v2) {
		if parsePayload(v2[:n], new(profileBox)) == nil {
			t.Errorf("parsePayload accepted %d of %d bytes of v2", n, len(v2))
		}
	}
	// Written again, it is version 3 and reads back the same.
	again, err := appendPayload(nil, &box.p)
	if err != nil || again[0] != payloadV3 {
		t.Fatalf("appendPayload of the v2 profile: % x, %v", again, err)
	}
	var box3 profileBox
	if err := parsePayload(again, &box3); err != nil || !reflect.DeepEqual(box3.p, want) {
		t.Errorf("v2 rewritten as v3 = %+v, %v\nwant %+v", box3.p, err, want)
	}
}

// TestPayloadV1 reads payloads of version 1, as databases hold them, built
// byte by byte as version 1 wrote them.
func TestPayloadV1(t *testing.T) {
	// 1990-05-15 10:00, male, "Ada": hour, day, month and year pillars
	// 신사 경진 신사 경오 (indexes 17, 16, 17, 6); four metal, three fire and
	// one earth, wood the weakest.
	want := personal(newProfile(t, "acct_x", "Ada", profile.Patch{
		BirthYear: num(1990), BirthMonth: num(5), BirthDay: num(15), BirthHour: num(10), Gender: str("male"),
	}))
	v1 := []byte{
		1,          // version
		1 | 2 | 8,  // birth hour known, male, chart has an hour pillar
		0x07, 0xc6, // 1990
		5, 15, 10, // month, day, hour
		6, 17, 16, 17, // year, month, day and hour pillars
		0, 3, 1, 4, 0, // wood, fire, earth, metal, water
		0,                // weakest: wood
		3, 'A', 'd', 'a', // name
	}
	if c := want.Chart; c.Year.Index() != 6 || c.Month.Index() != 17 || c.Day.Index() != 16 || c.Hour.Index() != 17 ||
		c.Elements != [5]int{0, 3, 1, 4, 0} || c.Weakest != 0 {
		t.Fatalf("the test's chart is not the computed one: %+v", c)
	}
	var box profileBox
	if err := parsePayload(v1, &box); err != nil {
		t.Fatalf("parsePayload(v1): %v", err)
	}
	if !reflect.DeepEqual(box.p, want) {
		t.Errorf("v1 = %+v\nwant %+v", box.p, want)
	}

	// Without birth hour nor gender: version 1 wrote 0 for the hour
	// pillar's index and ignored that byte on reading.
	wantNoHour := personal(newProfile(t, "acct_x", "김", profile.Patch{BirthYear: num(1990), BirthMonth: num(5), BirthDay: num(15)}))
	name := []byte("김")
	v1NoHour := append([]byte{1, 0, 0x07, 0xc6, 5, 15, 0, 6, 17, 16, 0, 0, 2, 1, 3, 0, 0, byte(len(name))}, name...)
	for _, hourByte := range []byte{0, 17} {
		v1NoHour[10] = hourByte
		box = profileBox{}
		if err := parsePayload(v1NoHour, &box); err != nil {
			t.Fatalf("parsePayload(v1 without hour, hour byte %d): %v", hourByte, err)
		}
		if !reflect.DeepEqual(box.p, wantNoHour) {
			t.Errorf("v1 without hour = %+v\nwant %+v", box.p, wantNoHour)
		}
	}

	for n := range len(v1) {
		if parsePayload(v1[:n], new(profileBox)) == nil {
			t.Errorf("parsePayload accepted %d of %d bytes of v1", n, len(v1))
		}
	}
	for _, tc := range []struct {
		name string
		edit func(b []byte)
	}{
		{"both genders", func(b []byte) { b[1] |= flagMale | flagFemale }},
		{"pillar", func(b []byte) { b[8] = 60 }},
		{"element", func(b []byte) { b[16] = 5 }},
		{"name not UTF-8", func(b []byte) { b[len(b)-1] = 0xff }},
		{"trailing byte", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := bytes.Clone(v1)
			if tc.edit == nil {
				b = append(b, 'x')
			} else {
				tc.edit(b)
			}
			if parsePayload(b, new(profileBox)) == nil {
				t.Errorf("parsePayload accepted % x", b)
			}
		})
	}
}

func TestPayloadAllocs(t *testing.T) {
	p := newProfile(t, "acct_x", "김영희", profile.Patch{BirthHour: num(3), Gender: str("female"), BirthMinute: num(7), BirthLongitude: deg(127)})
	buf := make([]byte, 0, 128)
	if n := testing.AllocsPerRun(100, func() { buf, _ = appendPayload(buf[:0], p) }); n != 0 {
		t.Errorf("appendPayload allocates %v times", n)
	}
	var box profileBox
	if n := testing.AllocsPerRun(100, func() { parsePayload(buf, &box) }); n > 1 {
		t.Errorf("parsePayload allocates %v times, want at most 1 (the name)", n)
	}
}

// FuzzParsePayload checks that no plaintext panics the decoder, and that a
// profile it accepts, of any version, is written (as the current version)
// and read back unchanged.
func FuzzParsePayload(f *testing.F) {
	for _, patch := range []profile.Patch{{}, {BirthHour: num(23), Gender: str("female")},
		conventions(f, profile.Patch{BirthHour: num(23), BirthMinute: num(59), BirthLongitude: deg(126.978)}, "lunar", "jasi")} {
		b, err := appendPayload(nil, newProfile(f, "acct_x", "김영희", patch))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte{1, 1 | 2 | 8, 0x07, 0xc6, 5, 15, 10, 6, 17, 16, 17, 0, 3, 1, 4, 0, 0, 3, 'A', 'd', 'a'})
	f.Fuzz(func(t *testing.T, b []byte) {
		var box profileBox
		if parsePayload(b, &box) != nil {
			return
		}
		again, err := appendPayload(nil, &box.p)
		if err != nil {
			t.Fatalf("accepted % x, but appendPayload of it: %v", b, err)
		}
		var box2 profileBox
		if err := parsePayload(again, &box2); err != nil || !reflect.DeepEqual(box2.p, box.p) {
			t.Errorf("accepted % x as %+v; written and read back: %+v, %v", b, box.p, box2.p, err)
		}
	})
}
