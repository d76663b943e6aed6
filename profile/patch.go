package profile

import (
	"crypto/sha256"
	"strconv"
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
	// kind is the JSON kind of the field's values: kindString or kindInt.
	kind() kind
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

// col is a field of Go type T (string or int): Opt[T] in a Patch, and in a
// Profile either a T (value) or a *T that is nil when absent (ptr). A field
// of another type (a bool, a float) is one more case in kind, decode and
// hash, and one more kind for the scanner.
type col[T string | int] struct {
	patch func(*Patch) *Opt[T]
	value func(*Profile) *T
	ptr   func(*Profile) **T
}

func (c col[T]) kind() kind {
	var v T
	if _, ok := any(v).(string); ok {
		return kindString
	}
	return kindInt
}

func (c col[T]) state(p *Patch) (set, null bool) {
	o := c.patch(p)
	return o.Set, o.Null
}

// intRule ends the message for a value of an integer field that is not a
// plain JSON integer.
const intRule = " must be an integer written as a plain JSON integer"

func (c col[T]) decode(p *Patch, name string, k kind, sv []byte, iv int) error {
	switch o := any(c.patch(p)).(type) {
	case *Opt[string]:
		return setOpt(o, name, k, kindString, string(sv), " must be a string")
	case *Opt[int]:
		return setOpt(o, name, k, kindInt, iv, intRule)
	}
	panic("profile: a field of an unknown type")
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
// integer field as its Set and Null flags and its value. (A string field
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
// changed a birth field, so that the chart must be recomputed.
func (pr *Profile) apply(p *Patch) (birthChanged bool) {
	for i := range fields {
		f := &fields[i]
		if set, _ := f.col.state(p); set && f.col.apply(pr, p) && f.birth {
			birthChanged = true
		}
	}
	return birthChanged
}
