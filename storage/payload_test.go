package storage

import (
	"reflect"
	"testing"

	"github.com/palja/palja/profile"
)

func TestPayloadRoundTrip(t *testing.T) {
	hours := []profile.Opt[int]{{}, num(0), num(11), num(23)}
	genders := []profile.Opt[string]{{}, str("male"), str("female")}
	names := []string{"A", "김영희", "Zoë O'Neil", "가나다라마바사아자차카타파하가나다라마바"}
	i := 0
	for year := 1900; year <= 2100; year += 7 {
		i++
		patch := profile.Patch{
			BirthYear:  num(year),
			BirthMonth: num(1 + i%12),
			BirthDay:   num(1 + i%28),
			BirthHour:  hours[i%len(hours)],
			Gender:     genders[i%len(genders)],
		}
		p := newProfile(t, "acct_x", names[i%len(names)], patch)
		b, err := appendPayload(nil, p)
		if err != nil {
			t.Fatalf("%d: appendPayload: %v", year, err)
		}
		var box profileBox
		if err := parsePayload(b, &box); err != nil {
			t.Fatalf("%d: parsePayload: %v", year, err)
		}
		want := *p
		want.ID, want.AccountID, want.ExternalID, want.Version = "", "", nil, 0
		want.CreatedAt, want.UpdatedAt = box.p.CreatedAt, box.p.UpdatedAt
		if !reflect.DeepEqual(box.p, want) {
			t.Errorf("%d: round trip = %+v\nwant %+v", year, box.p, want)
		}
		// Every truncation and extension fails.
		for n := range len(b) {
			if parsePayload(b[:n], new(profileBox)) == nil {
				t.Errorf("%d: parsePayload accepted %d of %d bytes", year, n, len(b))
			}
		}
		if parsePayload(append(b[:len(b):len(b)], 'x'), new(profileBox)) == nil {
			t.Errorf("%d: parsePayload accepted a trailing byte", year)
		}
	}
}

func TestPayloadMalformed(t *testing.T) {
	p := newProfile(t, "acct_x", "Ada", profile.Patch{BirthHour: num(3), Gender: str("male")})
	good, err := appendPayload(nil, p)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		edit func(b []byte)
	}{
		{"version", func(b []byte) { b[0] = 2 }},
		{"both genders", func(b []byte) { b[1] |= flagMale | flagFemale }},
		{"pillar", func(b []byte) { b[8] = 60 }},
		{"element", func(b []byte) { b[16] = 5 }},
		{"name not UTF-8", func(b []byte) { b[len(b)-1] = 0xff }},
	} {
		b := append([]byte(nil), good...)
		tc.edit(b)
		if parsePayload(b, new(profileBox)) == nil {
			t.Errorf("%s: parsePayload accepted it", tc.name)
		}
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
}

func TestPayloadAllocs(t *testing.T) {
	p := newProfile(t, "acct_x", "김영희", profile.Patch{BirthHour: num(3), Gender: str("female")})
	buf := make([]byte, 0, 128)
	if n := testing.AllocsPerRun(100, func() { buf, _ = appendPayload(buf[:0], p) }); n != 0 {
		t.Errorf("appendPayload allocates %v times", n)
	}
	var box profileBox
	if n := testing.AllocsPerRun(100, func() { parsePayload(buf, &box) }); n > 1 {
		t.Errorf("parsePayload allocates %v times, want at most 1 (the name)", n)
	}
}
