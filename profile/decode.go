package profile

import (
	"errors"
	"math"
	"unicode/utf16"
	"unicode/utf8"
)

// The request bodies of palja are flat JSON objects of strings, numbers,
// booleans and null, so they are read by a small strict scanner rather than encoding/json:
// it rejects what encoding/json silently accepts (duplicate keys, keys that
// differ only in case, fractions and exponents for integers, "-0", invalid
// UTF-8, lone surrogates, control characters) and names the field at fault,
// never its value. Nested objects and arrays are refused at their first byte,
// so nesting depth costs nothing.

// value kinds seen by the scanner
type kind uint8

const (
	kindString kind = iota + 1
	kindInt
	kindNull
	kindBool   // true or false: the value is 1 or 0
	kindNumber // a number that is not a plain integer: a fraction, an exponent, -0
	kindOther  // an object or array
)

// maxKeyReport bounds how much of an unknown key is echoed in an error.
const maxKeyReport = 64

var errSyntax = errors.New("body is not valid JSON")

type scanner struct {
	data []byte
	pos  int
	buf  []byte // scratch for unescaping
}

// DecodePatch parses a create or update body into a Patch.
func DecodePatch(data []byte) (*Patch, error) {
	var p Patch
	if err := decodePatch(data, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

func decodePatch(data []byte, p *Patch) error {
	s := scanner{data: data}
	s.skipSpace()
	if s.pos >= len(s.data) {
		return Invalid("body", "body must be a JSON object")
	}
	if s.data[s.pos] != '{' {
		if s.skipValueStart() {
			return Invalid("body", "body must be a JSON object")
		}
		return Invalid("body", errSyntax.Error())
	}
	s.pos++
	s.skipSpace()
	if s.peek() == '}' {
		s.pos++
		return s.end()
	}
	for {
		s.skipSpace()
		if s.peek() != '"' {
			return Invalid("body", errSyntax.Error())
		}
		key, err := s.str()
		if err != nil {
			return Invalid("body", err.Error())
		}
		// key is scratch memory: copy what outlives the next str call.
		field := fieldOf(key)
		s.skipSpace()
		if s.peek() != ':' {
			return Invalid("body", errSyntax.Error())
		}
		s.pos++
		s.skipSpace()
		if field == nil {
			name := reportKey(key)
			if name == "" {
				return Invalid("body", `body has a field named ""`)
			}
			if readOnly(name) {
				return Invalid(name, name+" is read-only")
			}
			return Invalid(name, "unknown field "+name)
		}
		k, sv, iv, err := s.value()
		if errors.Is(err, errBadString) {
			// Readable JSON, but a string the field cannot hold.
			if rule := field.col.typeRule(); rule != " must be a string" {
				return Invalid(field.name, field.name+rule)
			}
			return Invalid(field.name, field.name+" must be valid UTF-8 without control characters")
		}
		if err != nil {
			return Invalid("body", err.Error())
		}
		if err := field.col.decode(p, field.name, k, sv, iv); err != nil {
			return err
		}
		s.skipSpace()
		switch s.peek() {
		case ',':
			s.pos++
			continue
		case '}':
			s.pos++
			return s.end()
		}
		return Invalid("body", errSyntax.Error())
	}
}

// end accepts only white space after the object.
func (s *scanner) end() error {
	s.skipSpace()
	if s.pos != len(s.data) {
		return Invalid("body", "body must hold a single JSON object and nothing after it")
	}
	return nil
}

func (s *scanner) peek() byte {
	if s.pos < len(s.data) {
		return s.data[s.pos]
	}
	return 0
}

func (s *scanner) skipSpace() {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

// skipValueStart reports whether the next byte can start a JSON value.
func (s *scanner) skipValueStart() bool {
	switch c := s.peek(); {
	case c == '[', c == '"', c == 't', c == 'f', c == 'n', c == '-', '0' <= c && c <= '9':
		return true
	}
	return false
}

// value scans one value. Strings are unescaped into s.buf (valid until the
// next call); numbers are returned as their text, plain integers also
// parsed, saturating far outside every range; true and false are 1 and 0.
func (s *scanner) value() (k kind, sv []byte, iv int, err error) {
	switch c := s.peek(); {
	case c == '"':
		sv, err = s.str()
		return kindString, sv, 0, err
	case c == '-' || '0' <= c && c <= '9':
		return s.number()
	case c == 'n':
		return kindNull, nil, 0, s.literal("null")
	case c == 't':
		return kindBool, nil, 1, s.literal("true")
	case c == 'f':
		return kindBool, nil, 0, s.literal("false")
	case c == '{' || c == '[':
		// A nested value is never valid here; refuse it without scanning it.
		return kindOther, nil, 0, nil
	}
	return 0, nil, 0, errSyntax
}

func (s *scanner) literal(lit string) error {
	if len(s.data)-s.pos < len(lit) || string(s.data[s.pos:s.pos+len(lit)]) != lit {
		return errSyntax
	}
	s.pos += len(lit)
	return nil
}

// number scans a JSON number. Only -?(0|[1-9][0-9]*) other than "-0" is an
// integer; any other valid number (fraction, exponent, -0) is kindNumber.
func (s *scanner) number() (kind, []byte, int, error) {
	start := s.pos
	neg := false
	if s.peek() == '-' {
		neg = true
		s.pos++
	}
	digits := s.pos
	switch c := s.peek(); {
	case c == '0':
		s.pos++
	case '1' <= c && c <= '9':
		for '0' <= s.peek() && s.peek() <= '9' {
			s.pos++
		}
	default:
		return 0, nil, 0, errSyntax
	}
	intEnd := s.pos
	plain := true
	if s.peek() == '.' {
		plain = false
		s.pos++
		if !isDigit(s.peek()) {
			return 0, nil, 0, errSyntax
		}
		for isDigit(s.peek()) {
			s.pos++
		}
	}
	if c := s.peek(); c == 'e' || c == 'E' {
		plain = false
		s.pos++
		if c := s.peek(); c == '+' || c == '-' {
			s.pos++
		}
		if !isDigit(s.peek()) {
			return 0, nil, 0, errSyntax
		}
		for isDigit(s.peek()) {
			s.pos++
		}
	}
	if !plain || (neg && intEnd-digits == 1 && s.data[digits] == '0') {
		return kindNumber, s.data[start:s.pos], 0, nil
	}
	n := 0
	for _, c := range s.data[digits:intEnd] {
		if n > math.MaxInt32/10 {
			n = math.MaxInt32 // saturate: outside every field's range
			break
		}
		n = n*10 + int(c-'0')
	}
	if neg {
		n = -n
	}
	return kindInt, s.data[start:s.pos], n, nil
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

var (
	errBadString = errors.New("strings must be valid UTF-8 without control characters")
	errBadEscape = errors.New("body has an invalid escape in a string")
)

// str scans a string at s.pos and returns its unescaped bytes: the body's
// own bytes for a string without escapes (the common case, which copies
// nothing), else in s.buf. It rejects invalid UTF-8, raw and escaped control
// characters, and lone surrogates.
func (s *scanner) str() ([]byte, error) {
	s.pos++ // opening quote
	start := s.pos
	for s.pos < len(s.data) {
		c := s.data[s.pos]
		switch {
		case c == '"':
			s.pos++
			return s.data[start : s.pos-1], nil
		case c == '\\':
			s.buf = append(s.buf[:0], s.data[start:s.pos]...)
			return s.escaped()
		case c < 0x20, c == 0x7f:
			return nil, errBadString
		case c < utf8.RuneSelf:
			s.pos++
		default:
			r, size := utf8.DecodeRune(s.data[s.pos:])
			if r == utf8.RuneError && size == 1 || isControl(r) { // a real U+FFFD is valid UTF-8
				return nil, errBadString
			}
			s.pos += size
		}
	}
	return nil, errSyntax
}

// escaped scans the rest of a string at s.pos, from its first escape on,
// unescaping it after what s.buf holds of it.
func (s *scanner) escaped() ([]byte, error) {
	for {
		if s.pos >= len(s.data) {
			return nil, errSyntax
		}
		c := s.data[s.pos]
		switch {
		case c == '"':
			s.pos++
			return s.buf, nil
		case c == '\\':
			if err := s.escape(); err != nil {
				return nil, err
			}
		case c < 0x20, c == 0x7f:
			return nil, errBadString
		case c < utf8.RuneSelf:
			s.buf = append(s.buf, c)
			s.pos++
		default:
			r, size := utf8.DecodeRune(s.data[s.pos:])
			if r == utf8.RuneError && size == 1 || isControl(r) { // a real U+FFFD is valid UTF-8
				return nil, errBadString
			}
			s.buf = append(s.buf, s.data[s.pos:s.pos+size]...)
			s.pos += size
		}
	}
}

func (s *scanner) escape() error {
	if s.pos+1 >= len(s.data) {
		return errSyntax
	}
	c := s.data[s.pos+1]
	s.pos += 2
	switch c {
	case '"', '\\', '/':
		s.buf = append(s.buf, c)
		return nil
	case 'b', 'f', 'n', 'r', 't':
		return errBadString // control characters
	case 'u':
		r, ok := s.hex4()
		if !ok {
			return errBadEscape
		}
		if utf16.IsSurrogate(r) {
			if r >= 0xDC00 || s.pos+1 >= len(s.data) || s.data[s.pos] != '\\' || s.data[s.pos+1] != 'u' {
				return errBadString // lone surrogate
			}
			s.pos += 2
			r2, ok := s.hex4()
			if !ok {
				return errBadEscape
			}
			if r = utf16.DecodeRune(r, r2); r == utf8.RuneError {
				return errBadString
			}
		}
		if isControl(r) {
			return errBadString
		}
		s.buf = utf8.AppendRune(s.buf, r)
		return nil
	}
	return errBadEscape
}

func (s *scanner) hex4() (rune, bool) {
	if len(s.data)-s.pos < 4 {
		return 0, false
	}
	var r rune
	for _, c := range s.data[s.pos : s.pos+4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	s.pos += 4
	return r, true
}

// isControl matches Unicode category Cc: C0, DEL and C1.
func isControl(r rune) bool { return r < 0x20 || 0x7f <= r && r < 0xa0 }

// reportKey makes an unknown key safe to echo: at most 64 characters.
func reportKey(key []byte) string {
	if utf8.RuneCount(key) <= maxKeyReport {
		return string(key)
	}
	n := 0
	for i := range string(key) {
		if n == maxKeyReport {
			return string(key[:i]) + "…"
		}
		n++
	}
	return string(key)
}
