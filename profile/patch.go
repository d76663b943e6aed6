package profile

import (
	"crypto/sha256"
	"math"
	"strconv"

	"github.com/palja/palja/saju"
)

// Opt is one field of a [Patch]: absent (Set false), null (Set and Null), or a
// value.
type Opt[T any] struct {
	Set  bool
	Null bool
	V    T
}

// Patch is a decoded create or update body. Only fields with Set are applied.
// Its fields are described once, in [fields].
type Patch struct {
	ExternalID Opt[string]
	Name       Opt[string]
	BirthYear  Opt[int]
	BirthMonth Opt[int]
	BirthDay   Opt[int]
	BirthHour  Opt[int]
	Gender     Opt[string]

	Calendar       Opt[saju.Calendar]    // decoded from "solar" or "lunar"
	LeapMonth      Opt[bool]             // is_leap_month
	BirthMinute    Opt[int]              // null clears it
	BirthLongitude Opt[float64]          // null clears it
	DayBoundary    Opt[saju.DayBoundary] // decoded from "midnight", "jasi" or "split"
}

// A field is one writable field of the API: its name, the rules that hold
// for it whatever its value, and where it lives in a [Patch] and in a
// [Profile]. Decoding ([fieldOf]), the null rules ([Patch.checkNulls]), the
// required fields of a create ([Patch.checkRequired]), applying a patch
// and detecting a change of the birth ([Profile.apply]) and the
// idempotency fingerprint ([Patch.fingerprint]) all read [fields], so a new
// field is one row there (and its Go field in Patch and Profile). Value
// rules (ranges, lengths) are [Profile.Validate]'s.
type field struct {
	name     string
	nullable bool // null is a value (birth_hour: unknown); otherwise it is refused
	required bool // a create must give it
	birth    bool // part of the birth: a change recomputes the chart
	// hashAbsent: the fingerprint encodes the field even when absent, as
	// it has always done for the first seven fields. A field added later
	// leaves it false: it adds nothing to the fingerprint of a body
	// without it, so fingerprints stored before it existed still match,
	// and its name before its value when present, so that two such
	// fields cannot be mistaken for one another.
	hashAbsent bool
	col        column // the field's JSON kind, its place in Patch and Profile
}

// fields is the one table of the writable fields, in the order of API.md:
// the order of the fingerprint and of the checks (the first problem found
// is the one reported).
var fields = [...]field{
	{name: FieldExternalID, hashAbsent: true,
		col: col[string]{patch: func(p *Patch) *Opt[string] { return &p.ExternalID }, ptr: func(p *Profile) **string { return &p.ExternalID }}},
	{name: FieldName, required: true, hashAbsent: true,
		col: col[string]{patch: func(p *Patch) *Opt[string] { return &p.Name }, value: func(p *Profile) *string { return &p.Name }}},
	{name: FieldBirthYear, required: true, birth: true, hashAbsent: true,
		col: col[int]{patch: func(p *Patch) *Opt[int] { return &p.BirthYear }, value: func(p *Profile) *int { return &p.BirthYear }}},
	{name: FieldBirthMonth, required: true, birth: true, hashAbsent: true,
		col: col[int]{patch: func(p *Patch) *Opt[int] { return &p.BirthMonth }, value: func(p *Profile) *int { return &p.BirthMonth }}},
	{name: FieldBirthDay, required: true, birth: true, hashAbsent: true,
		col: col[int]{patch: func(p *Patch) *Opt[int] { return &p.BirthDay }, value: func(p *Profile) *int { return &p.BirthDay }}},
	{name: FieldBirthHour, nullable: true, birth: true, hashAbsent: true,
		col: col[int]{patch: func(p *Patch) *Opt[int] { return &p.BirthHour }, ptr: func(p *Profile) **int { return &p.BirthHour }}},
	{name: FieldGender, hashAbsent: true,
		col: col[string]{patch: func(p *Patch) *Opt[string] { return &p.Gender }, ptr: func(p *Profile) **string { return &p.Gender }}},
	// The fields of issue 12 (lunar dates, minutes, true solar time, the
	// 23:00 schools): hashed only when present.
	{name: FieldCalendar, birth: true,
		col: col[saju.Calendar]{patch: func(p *Patch) *Opt[saju.Calendar] { return &p.Calendar }, value: func(p *Profile) *saju.Calendar { return &p.Calendar }}},
	{name: FieldIsLeapMonth, birth: true,
		col: col[bool]{patch: func(p *Patch) *Opt[bool] { return &p.LeapMonth }, value: func(p *Profile) *bool { return &p.LeapMonth }}},
	{name: FieldBirthMinute, nullable: true, birth: true,
		col: col[int]{patch: func(p *Patch) *Opt[int] { return &p.BirthMinute }, ptr: func(p *Profile) **int { return &p.BirthMinute }}},
	{name: FieldBirthLongitude, nullable: true, birth: true,
		col: col[float64]{patch: func(p *Patch) *Opt[float64] { return &p.BirthLongitude }, ptr: func(p *Profile) **float64 { return &p.BirthLongitude }}},
	{name: FieldDayBoundary, birth: true,
		col: col[saju.DayBoundary]{patch: func(p *Patch) *Opt[saju.DayBoundary] { return &p.DayBoundary }, value: func(p *Profile) *saju.DayBoundary { return &p.DayBoundary }}},
}

// readOnlyFields are the fields of the answers that a body cannot write:
// naming one is "read-only" rather than "unknown field".
var readOnlyFields = []string{"id", "object", "day_master", "day_master_element", "weakest_element", "created_at", "updated_at", "pillars", "elements", "account_id"}

func readOnly(name string) bool {
	for _, f := range readOnlyFields {
		if f == name {
			return true
		}
	}
	return false
}

// fieldOf matches a key exactly (case-sensitive); nil for unknown keys.
func fieldOf(key []byte) *field {
	for i := range fields {
		if string(key) == fields[i].name {
			return &fields[i]
		}
	}
	return nil
}

// column is where a field lives; [col] implements it for each Go type.
type column interface {
	// typeRule ends the message for a value of the wrong JSON type, such
	// as " must be a string".
	typeRule() string
	// state reports whether the patch has the field, and whether as null.
	state(p *Patch) (set, null bool)
	// decode stores a scanned value of the field in p.
	decode(p *Patch, name string, k kind, sv []byte, iv int) error
	// apply copies the patch's field to pr and reports whether that
	// changed pr's value; the patch has the field.
	apply(pr *Profile, p *Patch) (changed bool)
	// hash appends the patch's field to a fingerprint.
	hash(b []byte, p *Patch) []byte
}

// col is a field of Go type T: Opt[T] in a Patch, and in a Profile either
// a T (value) or a *T that is nil when absent (ptr). Strings, integers,
// booleans and numbers are the JSON kinds of the same names; a saju enum
// (Calendar, DayBoundary) is a JSON string holding one of its names, parsed
// by saju. Another type is one more case in typeRule, decode and hash.
type col[T string | int | bool | float64 | saju.Calendar | saju.DayBoundary] struct {
	patch func(*Patch) *Opt[T]
	value func(*Profile) *T
	ptr   func(*Profile) **T
}

func (c col[T]) state(p *Patch) (set, null bool) {
	o := c.patch(p)
	return o.Set, o.Null
}

// intRule ends the message for a value of an integer field that is not a
// plain JSON integer.
const intRule = " must be an integer written as a plain JSON integer"

func (c col[T]) typeRule() string {
	switch any(c.patch(&Patch{})).(type) {
	case *Opt[int]:
		return intRule
	case *Opt[bool]:
		return " must be true or false"
	case *Opt[float64]:
		return " must be a number"
	}
	return " must be a string"
}

// decode stores the scanned value in p: sv is a string's unescaped bytes,
// or a number's text (iv its value when it is a plain integer).
func (c col[T]) decode(p *Patch, name string, k kind, sv []byte, iv int) error {
	switch o := any(c.patch(p)).(type) {
	case *Opt[string]:
		return setOpt(o, name, k, kindString, string(sv), " must be a string")
	case *Opt[int]:
		return setOpt(o, name, k, kindInt, iv, intRule)
	case *Opt[bool]:
		return setOpt(o, name, k, kindBool, iv == 1, " must be true or false")
	case *Opt[float64]:
		var v float64
		if k == kindInt || k == kindNumber {
			// Any JSON number: 127, 126.978, 1.27e2. Out of float64's
			// range it is ±Inf or 0, refused by the range rule.
			v, _ = strconv.ParseFloat(string(sv), 64)
			k = kindNumber
		}
		return setOpt(o, name, k, kindNumber, v, " must be a number")
	case *Opt[saju.Calendar]:
		return setEnum(o, name, k, sv, saju.ParseCalendar)
	case *Opt[saju.DayBoundary]:
		return setEnum(o, name, k, sv, saju.ParseDayBoundary)
	}
	panic("profile: a field of an unknown type")
}

// setEnum stores in o the value named by the string sv, as parse reads it;
// a name parse refuses is a validation error of the field, with saju's
// message (which lists the names).
func setEnum[T saju.Calendar | saju.DayBoundary](o *Opt[T], name string, k kind, sv []byte, parse func(string) (T, error)) error {
	var v T
	if k == kindString {
		var err error
		if v, err = parse(string(sv)); err != nil {
			if o.Set {
				return Invalid(name, "duplicate field "+name)
			}
			return birthError(err)
		}
	}
	return setOpt(o, name, k, kindString, v, " must be a string")
}

// setOpt stores a value of kind want, or null, in o; any other kind is a
// validation error ending in typeRule, and so is a second value for o.
func setOpt[T any](o *Opt[T], name string, k, want kind, v T, typeRule string) error {
	if o.Set {
		return Invalid(name, "duplicate field "+name)
	}
	switch k {
	case kindNull:
		*o = Opt[T]{Set: true, Null: true}
	case want:
		*o = Opt[T]{Set: true, V: v}
	default:
		return Invalid(name, name+typeRule)
	}
	return nil
}

func (c col[T]) apply(pr *Profile, p *Patch) (changed bool) {
	o := c.patch(p)
	if c.value != nil {
		v := c.value(pr)
		changed = *v != o.V
		*v = o.V
		return changed
	}
	cur := c.ptr(pr)
	if o.Null {
		changed = *cur != nil
		*cur = nil
		return changed
	}
	changed = *cur == nil || **cur != o.V
	v := o.V
	*cur = &v
	return changed
}

// hash appends a string field as its Set flag and its quoted value, an
// integer field as its Set and Null flags and its value (the encoding of
// the first seven fields, which stored fingerprints depend on). The later
// kinds, hashed only when present and after their name: a boolean as true
// or false, a number as its Null flag and its shortest decimal form (so
// 127 and 1.27e2 hash alike), an enum as its quoted name. (A string field
// is never null here: the nulls are refused before the fingerprint.)
func (c col[T]) hash(b []byte, p *Patch) []byte {
	switch o := any(c.patch(p)).(type) {
	case *Opt[string]:
		b = strconv.AppendBool(b, o.Set)
		return strconv.AppendQuote(b, o.V)
	case *Opt[int]:
		b = strconv.AppendBool(b, o.Set)
		b = strconv.AppendBool(b, o.Null)
		return strconv.AppendInt(b, int64(o.V), 10)
	case *Opt[bool]:
		return strconv.AppendBool(b, o.V)
	case *Opt[float64]:
		b = strconv.AppendBool(b, o.Null)
		v := o.V
		if v == 0 || math.IsNaN(v) {
			v = 0 // -0 as 0; NaN never decodes
		}
		return strconv.AppendFloat(b, v, 'g', -1, 64)
	case *Opt[saju.Calendar]:
		return strconv.AppendQuote(b, o.V.String())
	case *Opt[saju.DayBoundary]:
		return strconv.AppendQuote(b, o.V.String())
	}
	panic("profile: a field of an unknown type")
}

// Empty reports whether no field is present.
func (p *Patch) Empty() bool {
	for i := range fields {
		if set, _ := fields[i].col.state(p); set {
			return false
		}
	}
	return true
}

// checkNulls rejects null for every field that is not nullable.
func (p *Patch) checkNulls() error {
	for i := range fields {
		f := &fields[i]
		if _, null := f.col.state(p); null && !f.nullable {
			return Invalid(f.name, f.name+" must not be null")
		}
	}
	return nil
}

// checkRequired rejects a create body without one of the required fields.
func (p *Patch) checkRequired() error {
	for i := range fields {
		f := &fields[i]
		if set, _ := f.col.state(p); !set && f.required {
			return Invalid(f.name, f.name+" is required")
		}
	}
	return nil
}

// fingerprint identifies a create body by its meaning: the same fields with
// the same values give the same fingerprint whatever their order or spacing.
// Stores keep fingerprints for [IdempotencyTTL]: the encoding must not
// change (TestFingerprintVectors pins it).
func (p *Patch) fingerprint() [32]byte {
	var b []byte
	for i := range fields {
		f := &fields[i]
		set, _ := f.col.state(p)
		switch {
		case f.hashAbsent:
			b = f.col.hash(b, p)
		case set:
			b = strconv.AppendQuote(b, f.name)
			b = f.col.hash(b, p)
		}
	}
	return sha256.Sum256(b)
}

// apply copies the fields present in p to pr and reports whether that
// changed a birth field, so that the chart must be recomputed. The one
// implicit change: "birth_hour": null clears birth_minute too, unless the
// patch gives birth_minute itself (then the whole is validated).
func (pr *Profile) apply(p *Patch) (birthChanged bool) {
	for i := range fields {
		f := &fields[i]
		if set, _ := f.col.state(p); set && f.col.apply(pr, p) && f.birth {
			birthChanged = true
		}
	}
	if p.BirthHour.Null && !p.BirthMinute.Set {
		pr.BirthMinute = nil
	}
	return birthChanged
}
