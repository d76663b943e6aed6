package saju

import (
	"bytes"
	"errors"
	"testing"
	"time"
)

// TestChartBinaryRoundTrip writes and reads back the chart of every date
// from 1900 to 2100, without an hour and at an hour that walks the day.
func TestChartBinaryRoundTrip(t *testing.T) {
	buf := make([]byte, 0, ChartBinarySize)
	i := 0
	for d := time.Date(MinYear, 1, 1, 0, 0, 0, 0, time.UTC); d.Year() <= MaxYear; d = d.AddDate(0, 0, 1) {
		for _, h := range []*int{nil, hour(i % 24)} {
			b := Birth{Year: d.Year(), Month: int(d.Month()), Day: d.Day(), Hour: h}
			c, err := Compute(b)
			if err != nil {
				t.Fatalf("%v: %v", b, err)
			}
			buf, err = c.AppendBinary(buf[:0])
			if err != nil || len(buf) != ChartBinarySize {
				t.Fatalf("%v: AppendBinary = %d bytes, %v", b, len(buf), err)
			}
			var got Chart
			if err := got.UnmarshalBinary(buf); err != nil {
				t.Fatalf("%v: UnmarshalBinary(% x): %v", b, buf, err)
			}
			if got != c {
				t.Fatalf("%v: round trip = %+v, want %+v", b, got, c)
			}
		}
		i++
	}
	c, _ := Compute(Birth{Year: 1990, Month: 5, Day: 15, Hour: hour(10)})
	m, err := c.MarshalBinary()
	if a, _ := c.AppendBinary(nil); err != nil || !bytes.Equal(m, a) {
		t.Errorf("MarshalBinary = % x, %v; want % x", m, err, a)
	}
}

// TestChartBinaryMalformed checks that UnmarshalBinary refuses every
// truncation, extension and corruption of a chart's bytes, and leaves the
// chart as it was, and that AppendBinary refuses a chart that no birth has.
func TestChartBinaryMalformed(t *testing.T) {
	c, _ := Compute(Birth{Year: 1990, Month: 5, Day: 15, Hour: hour(10)})
	good, err := c.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	noHour, _ := Compute(Birth{Year: 1990, Month: 5, Day: 15})
	goodNoHour, err := noHour.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	refuse := func(t *testing.T, b []byte) {
		t.Helper()
		got := c
		if err := got.UnmarshalBinary(b); !errors.Is(err, ErrChartBinary) {
			t.Errorf("UnmarshalBinary(% x) = %v, want ErrChartBinary", b, err)
		}
		if got != c {
			t.Errorf("UnmarshalBinary(% x) changed the chart to %+v", b, got)
		}
	}
	t.Run("length", func(t *testing.T) {
		for n := range len(good) {
			refuse(t, good[:n])
		}
		refuse(t, append(good[:len(good):len(good)], 0))
	})
	for _, tc := range []struct {
		name string
		base []byte
		edit func(b []byte)
	}{
		{"version 0", good, func(b []byte) { b[0] = 0 }},
		{"version 2", good, func(b []byte) { b[0] = 2 }},
		{"unknown flag", good, func(b []byte) { b[1] |= 2 }},
		{"year pillar 60", good, func(b []byte) { b[2] = 60 }},
		{"month pillar 255", good, func(b []byte) { b[3] = 255 }},
		{"day pillar 60", good, func(b []byte) { b[4] = 60 }},
		{"hour pillar 60", good, func(b []byte) { b[5] = 60 }},
		{"hour pillar without an hour", goodNoHour, func(b []byte) { b[5] = 1 }},
		{"hour flag cleared", good, func(b []byte) { b[1] = 0; b[5] = 0 }},
		{"hour flag set", goodNoHour, func(b []byte) { b[1] = chartFlagHour }},
		{"element count too high", good, func(b []byte) { b[6] = 9 }},
		{"element counts do not add up", good, func(b []byte) { b[6]++ }},
		{"element moved", good, func(b []byte) { b[6], b[7] = b[6]+1, b[7]-1 }},
		{"weakest out of range", good, func(b []byte) { b[11] = 5 }},
		{"weakest not the lowest", good, func(b []byte) { b[11] = byte((c.Weakest + 1) % 5) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := bytes.Clone(tc.base)
			tc.edit(b)
			if bytes.Equal(b, tc.base) {
				t.Fatal("the edit changed nothing")
			}
			refuse(t, b)
		})
	}

	for _, tc := range []struct {
		name string
		edit func(c *Chart)
	}{
		{"invalid pillar", func(c *Chart) { c.Day = Pillar{Stem: 0, Branch: 1} }},
		{"stem out of range", func(c *Chart) { c.Year.Stem = 10 }},
		{"hour pillar without an hour", func(c *Chart) { c.HasHour = false }},
		{"negative element", func(c *Chart) { c.Elements[0] = -1 }},
		{"elements too many", func(c *Chart) { c.Elements[1] += 300 }},
		{"weakest out of range", func(c *Chart) { c.Weakest = 5 }},
	} {
		t.Run("append "+tc.name, func(t *testing.T) {
			bad := c
			tc.edit(&bad)
			b, err := bad.AppendBinary([]byte("x"))
			if !errors.Is(err, ErrChartBinary) || string(b) != "x" {
				t.Errorf("AppendBinary = %q, %v; want ErrChartBinary and b unchanged", b, err)
			}
		})
	}
}

func TestChartBinaryAllocs(t *testing.T) {
	c, _ := Compute(Birth{Year: 1990, Month: 5, Day: 15, Hour: hour(10)})
	buf := make([]byte, 0, 64)
	if n := testing.AllocsPerRun(100, func() { buf, _ = c.AppendBinary(buf[:0]) }); n != 0 {
		t.Errorf("AppendBinary allocates %v times", n)
	}
	var got Chart
	if n := testing.AllocsPerRun(100, func() { got.UnmarshalBinary(buf) }); n != 0 {
		t.Errorf("UnmarshalBinary allocates %v times", n)
	}
}

// FuzzChartUnmarshalBinary checks that no input panics, and that what is
// accepted is written back byte for byte.
func FuzzChartUnmarshalBinary(f *testing.F) {
	for _, h := range []*int{nil, hour(0), hour(23)} {
		c, _ := Compute(Birth{Year: 1990, Month: 5, Day: 15, Hour: h})
		b, _ := c.MarshalBinary()
		f.Add(b)
	}
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		var c Chart
		if c.UnmarshalBinary(b) != nil {
			return
		}
		again, err := c.AppendBinary(nil)
		if err != nil || !bytes.Equal(again, b) {
			t.Errorf("accepted % x, written back as % x, %v", b, again, err)
		}
	})
}
