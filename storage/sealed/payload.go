package sealed

import (
	"encoding/binary"
	"errors"
	"math"
	"unicode/utf8"

	"github.com/palja/palja/profile"
)

// The payload is the plaintext of a profile's sealed column: every personal
// field in a small binary layout, so that encoding appends to a reused
// buffer without allocating and decoding allocates only the name. The chart
// is saju's own binary form (saju's Chart.AppendBinary), opaque here: the
// profile's Chart is written and read by its own methods.
//
// Version 3, written since births carry a calendar, a minute, a longitude
// and a 23:00 school (issue 12):
//
//	offset  size  field
//	0       1     format version, 3
//	1       1     flags: 1 birth hour known, 2 gender "male", 4 gender
//	              "female", 8 birth minute known, 16 birth longitude
//	              known, 32 leap month (윤달)
//	2       2     birth year, big endian (the lunar year of a lunar date)
//	4       1     birth month
//	5       1     birth day
//	6       1     birth hour (0 when unknown)
//	7       1     birth minute (0 when unknown)
//	8       1     calendar: 0 solar, 1 lunar (saju.Calendar)
//	9       1     day boundary: 0 midnight, 1 jasi, 2 split
//	              (saju.DayBoundary)
//	10      8     birth longitude in degrees east, IEEE 754 binary64, big
//	              endian (0 when unknown)
//	18      1     length c of the chart
//	19      c     the chart, in saju's binary form
//	19+c    1     length n of the name in bytes
//	20+c    n     name, UTF-8
//
// Version 2, still read (a Gregorian date, the wall clock, midnight):
//
//	offset  size  field
//	0       1     format version, 2
//	1       1     flags: 1 birth hour known, 2 gender "male", 4 gender
//	              "female"
//	2       2     birth year, big endian
//	4       1     birth month
//	5       1     birth day
//	6       1     birth hour (0 when unknown)
//	7       1     length c of the chart
//	8       c     the chart, in saju's binary form
//	8+c     1     length n of the name in bytes
//	9+c     n     name, UTF-8
//
// Version 1, still read (databases hold it):
//
//	offset  size  field
//	0       1     format version, 1
//	1       1     flags: 1 birth hour known, 2 gender "male", 4 gender
//	              "female", 8 chart has an hour pillar
//	2       2     birth year, big endian
//	4       1     birth month
//	5       1     birth day
//	6       1     birth hour (0 when unknown)
//	7       4     year, month, day and hour pillars as sexagenary indexes
//	              0–59 (hour 0 when the chart has no hour pillar)
//	11      5     element counts: wood, fire, earth, metal, water
//	16      1     weakest element
//	17      1     length of the name in bytes
//	18      n     name, UTF-8
//
// A change of layout takes a new version byte, so that payloads already
// stored stay readable beside the new ones.
const (
	payloadV1       = 1
	payloadV1Header = 18
	payloadV2       = 2
	payloadV2Fixed  = 9 // every byte of version 2 but the chart and the name
	payloadV3       = 3
	payloadV3Fixed  = 20 // every byte of version 3 but the chart and the name
	payloadV3Chart  = 18 // offset of the chart's length in version 3

	flagHour        = 1
	flagMale        = 2
	flagFemale      = 4
	flagV1ChartHour = 8 // version 1 only
	flagMinute      = 8 // version 3
	flagLongitude   = 16
	flagLeapMonth   = 32

	genderMale   = "male"
	genderFemale = "female"

	// chartV1Size and chartV1 are the length and version byte of version 1
	// of saju's binary form of a chart, into which a version 1 payload's
	// chart fields are rearranged: a frozen layout, as every version of it
	// stays readable (saju/binary.go).
	chartV1Size = 12
	chartV1     = 1
)

// errPayload describes a profile that cannot be encoded or a plaintext that
// does not decode. It never carries the values.
var errPayload = errors.New("malformed profile payload")

// appendPayload appends the payload (version 3) of p's personal fields to b.
func appendPayload(b []byte, p *profile.Profile) ([]byte, error) {
	var flags byte
	hour, minute, lon := 0, 0, 0.0
	if p.BirthHour != nil {
		flags |= flagHour
		hour = *p.BirthHour
	}
	if p.Gender != nil {
		switch *p.Gender {
		case genderMale:
			flags |= flagMale
		case genderFemale:
			flags |= flagFemale
		default:
			return b, errPayload
		}
	}
	if p.BirthMinute != nil {
		flags |= flagMinute
		minute = *p.BirthMinute
	}
	if p.BirthLongitude != nil {
		flags |= flagLongitude
		lon = *p.BirthLongitude
	}
	if p.LeapMonth {
		flags |= flagLeapMonth
	}
	if p.BirthYear < 0 || p.BirthYear > 0xffff || !isByte(p.BirthMonth) || !isByte(p.BirthDay) ||
		!isByte(hour) || !isByte(minute) || math.IsNaN(lon) || math.IsInf(lon, 0) ||
		p.Calendar.String() == "" || p.DayBoundary.String() == "" || len(p.Name) > 0xff {
		return b, errPayload
	}
	start := len(b)
	b = append(b, payloadV3, flags, byte(p.BirthYear>>8), byte(p.BirthYear), byte(p.BirthMonth), byte(p.BirthDay), byte(hour),
		byte(minute), byte(p.Calendar), byte(p.DayBoundary))
	b = binary.BigEndian.AppendUint64(b, math.Float64bits(lon))
	b = append(b, 0)
	b, err := p.Chart.AppendBinary(b)
	if err != nil {
		return b[:start], errPayload
	}
	n := len(b) - start - payloadV3Chart - 1
	if n > 0xff {
		return b[:start], errPayload
	}
	b[start+payloadV3Chart] = byte(n)
	b = append(b, byte(len(p.Name)))
	return append(b, p.Name...), nil
}

// setByte stores the byte v in a field of saju's one-byte enums
// (saju.Calendar, saju.DayBoundary), which package storage cannot name:
// their String method then tells a value it does not know ("").
func setByte[T ~uint8](dst *T, v byte) { *dst = T(v) }

func isByte(n int) bool { return 0 <= n && n <= 0xff }

// profileBox holds a decoded profile together with the values its pointer
// fields point to, so that decoding allocates once for all of them.
type profileBox struct {
	p         profile.Profile
	ext       string
	hour      int
	gender    string
	minute    int
	longitude float64
}

// parsePayload decodes b, of any version, into the personal fields of
// box.p.
func parsePayload(b []byte, box *profileBox) error {
	if len(b) == 0 {
		return errPayload
	}
	var name []byte
	switch b[0] {
	case payloadV3:
		if len(b) < payloadV3Fixed {
			return errPayload
		}
		c := int(b[payloadV3Chart])
		if len(b) < payloadV3Fixed+c || len(b) != payloadV3Fixed+c+int(b[payloadV3Chart+1+c]) {
			return errPayload
		}
		if b[1]&^(flagHour|flagMale|flagFemale|flagMinute|flagLongitude|flagLeapMonth) != 0 {
			return errPayload
		}
		p := &box.p
		setByte(&p.Calendar, b[8])
		setByte(&p.DayBoundary, b[9])
		lon := math.Float64frombits(binary.BigEndian.Uint64(b[10:]))
		if p.Calendar.String() == "" || p.DayBoundary.String() == "" || math.IsNaN(lon) || math.IsInf(lon, 0) {
			return errPayload
		}
		if p.Chart.UnmarshalBinary(b[payloadV3Chart+1:payloadV3Chart+1+c]) != nil {
			return errPayload
		}
		p.LeapMonth = b[1]&flagLeapMonth != 0
		if b[1]&flagMinute != 0 {
			box.minute = int(b[7])
			p.BirthMinute = &box.minute
		}
		if b[1]&flagLongitude != 0 {
			box.longitude = lon
			p.BirthLongitude = &box.longitude
		}
		name = b[payloadV3Fixed+c:]
	case payloadV2:
		if len(b) < payloadV2Fixed {
			return errPayload
		}
		c := int(b[7])
		if len(b) < payloadV2Fixed+c || len(b) != payloadV2Fixed+c+int(b[8+c]) {
			return errPayload
		}
		if b[1]&^(flagHour|flagMale|flagFemale) != 0 {
			return errPayload
		}
		if box.p.Chart.UnmarshalBinary(b[8:8+c]) != nil {
			return errPayload
		}
		name = b[payloadV2Fixed+c:]
	case payloadV1:
		if len(b) < payloadV1Header || len(b) != payloadV1Header+int(b[17]) {
			return errPayload
		}
		var chart [chartV1Size]byte
		chart[0] = chartV1
		copy(chart[2:], b[7:17]) // pillars, elements, weakest
		if b[1]&flagV1ChartHour != 0 {
			chart[1] = 1
		} else {
			chart[5] = 0 // version 1 ignored the hour pillar's byte then
		}
		if box.p.Chart.UnmarshalBinary(chart[:]) != nil {
			return errPayload
		}
		name = b[payloadV1Header:]
	default:
		return errPayload
	}
	flags := b[1] & (flagHour | flagMale | flagFemale)
	p := &box.p
	p.BirthYear = int(binary.BigEndian.Uint16(b[2:]))
	p.BirthMonth = int(b[4])
	p.BirthDay = int(b[5])
	if flags&flagHour != 0 {
		box.hour = int(b[6])
		p.BirthHour = &box.hour
	}
	switch flags & (flagMale | flagFemale) {
	case 0:
	case flagMale:
		box.gender = genderMale
		p.Gender = &box.gender
	case flagFemale:
		box.gender = genderFemale
		p.Gender = &box.gender
	default:
		return errPayload
	}
	if !utf8.Valid(name) {
		return errPayload
	}
	p.Name = string(name)
	return nil
}
