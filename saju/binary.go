package saju

import "errors"

// The binary form of a [Chart] is a fixed 12 bytes, so that it can be
// stored without anyone else knowing its layout:
//
//	offset  size  field
//	0       1     format version, 1
//	1       1     flags: 1 the chart has an hour pillar
//	2       4     year, month, day and hour pillars as sexagenary indexes
//	              0–59 (hour 0 when the chart has no hour pillar)
//	6       5     element counts: wood, fire, earth, metal, water
//	11      1     weakest element
//
// A change of layout takes a new version byte; [Chart.UnmarshalBinary]
// keeps reading every version that was ever written.
const (
	// ChartBinarySize is the length of a chart's binary form.
	ChartBinarySize = 12

	chartV1       = 1
	chartFlagHour = 1
)

// ErrChartBinary is returned for a chart that has no binary form (a
// pillar outside the cycle, element counts that no chart has) and for
// bytes that are not the binary form of a chart. It never carries the
// values.
var ErrChartBinary = errors.New("saju: malformed chart")

// AppendBinary appends the binary form of c to b, without allocating when
// b has room for [ChartBinarySize] more bytes. It implements
// encoding.BinaryAppender. It fails with [ErrChartBinary] (and returns b
// unchanged) for a chart that [Chart.UnmarshalBinary] would refuse.
func (c Chart) AppendBinary(b []byte) ([]byte, error) {
	if !c.valid() {
		return b, ErrChartBinary
	}
	var flags byte
	hour := 0
	if c.HasHour {
		flags |= chartFlagHour
		hour = c.Hour.Index()
	}
	b = append(b, chartV1, flags, byte(c.Year.Index()), byte(c.Month.Index()), byte(c.Day.Index()), byte(hour))
	for _, n := range c.Elements {
		b = append(b, byte(n))
	}
	return append(b, byte(c.Weakest)), nil
}

// MarshalBinary returns the binary form of c; see [Chart.AppendBinary]. It
// implements encoding.BinaryMarshaler.
func (c Chart) MarshalBinary() ([]byte, error) {
	return c.AppendBinary(make([]byte, 0, ChartBinarySize))
}

// UnmarshalBinary sets c to the chart whose binary form is b, which must be
// exactly one chart of a known version. It implements
// encoding.BinaryUnmarshaler and does not allocate. Bytes that are not a
// chart (an unknown version or flag, a pillar index of 60 or more, a
// non-zero hour without an hour pillar, element counts that do not add up
// to two per pillar, a weakest element that is not the first of the
// lowest counts) fail with [ErrChartBinary] and leave c unchanged.
func (c *Chart) UnmarshalBinary(b []byte) error {
	if len(b) != ChartBinarySize || b[0] != chartV1 || b[1]&^chartFlagHour != 0 {
		return ErrChartBinary
	}
	var d Chart
	d.HasHour = b[1]&chartFlagHour != 0
	for i, dst := range [4]*Pillar{&d.Year, &d.Month, &d.Day, &d.Hour} {
		if b[2+i] >= 60 {
			return ErrChartBinary
		}
		*dst = PillarFromIndex(int(b[2+i]))
	}
	if !d.HasHour {
		if b[5] != 0 {
			return ErrChartBinary
		}
		d.Hour = Pillar{}
	}
	for i := range d.Elements {
		d.Elements[i] = int(b[6+i])
	}
	if b[11] > byte(Water) {
		return ErrChartBinary
	}
	d.Weakest = Element(b[11])
	if !d.valid() {
		return ErrChartBinary
	}
	*c = d
	return nil
}

// valid reports whether c can be written in binary form: its pillars are in
// the cycle (the hour pillar zero without an hour), its element counts add
// up to two per pillar, and Weakest is the first of the lowest counts, as
// [Options.Compute] makes them.
func (c *Chart) valid() bool {
	n := 3
	if c.HasHour {
		n = 4
		if !c.Hour.Valid() {
			return false
		}
	} else if c.Hour != (Pillar{}) {
		return false
	}
	if !c.Year.Valid() || !c.Month.Valid() || !c.Day.Valid() || c.Weakest > Water {
		return false
	}
	sum := 0
	for e, k := range c.Elements {
		if k < 0 || k > 2*n {
			return false
		}
		sum += k
		if k < c.Elements[c.Weakest] || (k == c.Elements[c.Weakest] && Element(e) < c.Weakest) {
			return false
		}
	}
	return sum == 2*n
}
