package storage

import (
	"encoding/binary"
	"errors"
	"unicode/utf8"

	"github.com/palja/palja/profile"
	"github.com/palja/palja/saju"
)

// The payload is the plaintext of a profile's sealed column: every personal
// field in a small fixed binary layout, so that encoding appends to a
// reused buffer without allocating and decoding allocates only the name.
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
	payloadV1     = 1
	payloadHeader = 18

	flagHour      = 1
	flagMale      = 2
	flagFemale    = 4
	flagChartHour = 8

	genderMale   = "male"
	genderFemale = "female"
)

// errPayload describes a profile that cannot be encoded or a plaintext that
// does not decode. It never carries the values.
var errPayload = errors.New("malformed profile payload")

// appendPayload appends the payload of p's personal fields to b.
func appendPayload(b []byte, p *profile.Profile) ([]byte, error) {
	var flags byte
	hour := 0
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
	c := &p.Chart
	if c.HasHour {
		flags |= flagChartHour
	}
	if p.BirthYear < 0 || p.BirthYear > 0xffff || !isByte(p.BirthMonth) || !isByte(p.BirthDay) ||
		!isByte(hour) || len(p.Name) > 0xff || c.Weakest > saju.Water {
		return b, errPayload
	}
	b = append(b, payloadV1, flags, byte(p.BirthYear>>8), byte(p.BirthYear), byte(p.BirthMonth), byte(p.BirthDay), byte(hour))
	for k, pl := range [4]saju.Pillar{c.Year, c.Month, c.Day, c.Hour} {
		i := pl.Index()
		if k == 3 && !c.HasHour {
			i = 0
		}
		if i < 0 {
			return b, errPayload
		}
		b = append(b, byte(i))
	}
	for _, n := range c.Elements {
		if !isByte(n) {
			return b, errPayload
		}
		b = append(b, byte(n))
	}
	b = append(b, byte(c.Weakest), byte(len(p.Name)))
	return append(b, p.Name...), nil
}

func isByte(n int) bool { return 0 <= n && n <= 0xff }

// profileBox holds a decoded profile together with the values its pointer
// fields point to, so that decoding allocates once for all of them.
type profileBox struct {
	p      profile.Profile
	ext    string
	hour   int
	gender string
}

// parsePayload decodes b into the personal fields of box.p.
func parsePayload(b []byte, box *profileBox) error {
	if len(b) < payloadHeader || b[0] != payloadV1 || len(b) != payloadHeader+int(b[17]) {
		return errPayload
	}
	flags := b[1]
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
	c := &p.Chart
	c.HasHour = flags&flagChartHour != 0
	for i, dst := range [4]*saju.Pillar{&c.Year, &c.Month, &c.Day, &c.Hour} {
		if b[7+i] >= 60 {
			return errPayload
		}
		*dst = saju.PillarFromIndex(int(b[7+i]))
	}
	if !c.HasHour {
		c.Hour = saju.Pillar{}
	}
	for i := range c.Elements {
		c.Elements[i] = int(b[11+i])
	}
	if b[16] > byte(saju.Water) {
		return errPayload
	}
	c.Weakest = saju.Element(b[16])
	name := b[payloadHeader:]
	if !utf8.Valid(name) {
		return errPayload
	}
	p.Name = string(name)
	return nil
}
