// Package profile is the domain of palja: a person's profile (name and birth
// data, stored encrypted by the adapter), its validation, the partial-update
// merge of PUT, masking, and the four pillars computed through package saju.
// It also serves the profile API over HTTP (see [NewHandler]).
//
// The package owns the interface it needs ([Store]); the adapters
// storage/sqlite and storage/memory implement it. Authentication and rate
// limits come from package auth. It never imports storage or crypto.
package profile

import (
	"errors"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/palja/palja/internal/random"
	"github.com/palja/palja/saju"
)

// Profile is one person's profile as the domain sees it: in plaintext, in
// memory only. Adapters must store Name, the birth fields, Gender and Chart
// encrypted.
type Profile struct {
	ID         string
	AccountID  string
	ExternalID *string // nil when not set

	Name       string
	BirthYear  int
	BirthMonth int
	BirthDay   int
	BirthHour  *int    // nil: unknown, no hour pillar
	Gender     *string // "male", "female" or nil

	// Calendar is the calendar of BirthYear, BirthMonth and BirthDay:
	// saju.Solar (the zero value) or saju.Lunar, a Korean lunar date, in
	// the year's leap month (윤달) when LeapMonth.
	Calendar  saju.Calendar
	LeapMonth bool
	// BirthMinute is the minute of BirthHour, 0–59, or nil (minute 0); it
	// exists only with a known hour.
	BirthMinute *int
	// BirthLongitude is the birthplace in degrees east, [MinLongitude] to
	// [MaxLongitude], or nil: with a known hour the day and hour pillars
	// then follow true solar time there. It is kept when the hour is
	// cleared.
	BirthLongitude *float64
	// DayBoundary is the school of the hour 23:00–23:59 (saju.Midnight,
	// the zero value, saju.Jasi or saju.Split).
	DayBoundary saju.DayBoundary

	Chart saju.Chart // derived from the birth fields by [Profile.Recompute]

	Version   int64 // starts at 1, +1 on every stored change; the ETag
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Field names of the API, used as ValidationError keys and error params.
const (
	FieldExternalID = "external_id"
	FieldName       = "name"
	FieldBirthYear  = "birth_year"
	FieldBirthMonth = "birth_month"
	FieldBirthDay   = "birth_day"
	FieldBirthHour  = "birth_hour"
	FieldGender     = "gender"

	FieldCalendar       = "calendar"
	FieldIsLeapMonth    = "is_leap_month"
	FieldBirthMinute    = "birth_minute"
	FieldBirthLongitude = "birth_longitude"
	FieldDayBoundary    = "day_boundary"
)

// Limits of the writable fields (API.md, "Writable fields").
const (
	MaxNameRunes    = 20
	MaxExternalID   = 64
	IDPrefix        = "prf_"
	idRandomLen     = 20
	genderMale      = "male"
	genderFemale    = "female"
	maxRefLen       = 128
	minIDRandomPart = 16

	// MinLongitude and MaxLongitude bound birth_longitude, in degrees
	// east: the Korean peninsula and its islands (API.md). The engine
	// accepts more (saju.MinLongitude to saju.MaxLongitude).
	MinLongitude = 124.0
	MaxLongitude = 132.0
)

// New builds a profile from a create body: the required fields must be
// present, the whole is validated and the chart computed. The caller's
// account, a fresh id and the creation time are set; Version is 1.
func New(account string, p *Patch, now time.Time) (*Profile, error) {
	if err := p.checkNulls(); err != nil {
		return nil, err
	}
	if err := p.checkRequired(); err != nil {
		return nil, err
	}
	pr := &Profile{AccountID: account, ID: NewID(IDPrefix), Version: 1}
	pr.apply(p)
	if err := pr.Validate(); err != nil {
		return nil, err
	}
	if err := pr.Recompute(); err != nil {
		return nil, err
	}
	now = now.UTC().Truncate(time.Second)
	pr.CreatedAt, pr.UpdatedAt = now, now
	return pr, nil
}

// Merge applies a PUT body to the stored profile: absent fields keep their
// values, "birth_hour": null clears the hour. The merged profile is validated
// as a whole, and the chart is recomputed only when a birth field changed.
// On error pr is left unchanged.
func (pr *Profile) Merge(p *Patch) (recomputed bool, err error) {
	if p.Empty() {
		return false, Invalid("body", "body must contain at least one writable field")
	}
	if err := p.checkNulls(); err != nil {
		return false, err
	}
	old := *pr // applied in place, restored on error
	birthChanged := pr.apply(p)
	if err := pr.Validate(); err != nil {
		*pr = old
		return false, err
	}
	if birthChanged {
		if err := pr.Recompute(); err != nil {
			*pr = old
			return false, err
		}
		recomputed = true
	}
	return recomputed, nil
}

// Clone returns a deep copy of pr: no pointer field of the copy shares
// its target with pr, so either may be changed without the other seeing
// it.
func (pr *Profile) Clone() *Profile {
	c := *pr
	c.ExternalID = clonePtr(pr.ExternalID)
	c.BirthHour = clonePtr(pr.BirthHour)
	c.Gender = clonePtr(pr.Gender)
	c.BirthMinute = clonePtr(pr.BirthMinute)
	c.BirthLongitude = clonePtr(pr.BirthLongitude)
	return &c
}

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

// Validate checks every field of the profile as a whole. The messages name the
// field and the rule, never the value.
func (pr *Profile) Validate() error {
	if pr.ExternalID != nil {
		if msg := checkExternalID(*pr.ExternalID); msg != "" {
			return Invalid(FieldExternalID, msg)
		}
	}
	if n := utf8.RuneCountInString(pr.Name); n < 1 || n > MaxNameRunes {
		return Invalid(FieldName, "name must be 1 to 20 characters")
	}
	if strings.TrimFunc(pr.Name, invisible) == "" {
		return Invalid(FieldName, "name must not be blank")
	}
	if !validText(pr.Name) {
		return Invalid(FieldName, "name must be valid UTF-8 without control characters")
	}
	if strings.ContainsFunc(pr.Name, bidiControl) {
		return Invalid(FieldName, "name must not contain bidirectional control characters")
	}
	if err := pr.validateBirth(); err != nil {
		return err
	}
	if pr.Gender != nil && *pr.Gender != genderMale && *pr.Gender != genderFemale {
		return Invalid(FieldGender, `gender must be "male" or "female"`)
	}
	return nil
}

// validateBirth checks the birth fields together, in the order of API.md's
// table: saju judges which dates exist (solar or lunar, leap month or not),
// the hour and the minute; then the minute needs a known hour and the
// longitude must lie in the API's range, which is narrower than the
// engine's (and checked here first, so that its message is the API's).
func (pr *Profile) validateBirth() error {
	o := pr.sajuOptions()
	lon := o.Longitude
	if lon != nil && !(*lon >= MinLongitude && *lon <= MaxLongitude) {
		o.Longitude = nil
	}
	if err := birthError(o.Validate(pr.birth())); err != nil {
		return err
	}
	if pr.BirthMinute != nil && pr.BirthHour == nil {
		return Invalid(FieldBirthMinute, "birth_minute needs a known birth_hour")
	}
	if lon != nil && o.Longitude == nil {
		return Invalid(FieldBirthLongitude, "birth_longitude must be between 124 and 132 degrees east")
	}
	return nil
}

// Recompute derives the chart from the birth fields through package saju.
func (pr *Profile) Recompute() error {
	c, err := pr.sajuOptions().Compute(pr.birth())
	if err != nil {
		return birthError(err)
	}
	pr.Chart = c
	return nil
}

// birth returns the birth date and hour as package saju reads them; the
// date is in pr.Calendar (see options).
func (pr *Profile) birth() saju.Birth {
	return saju.Birth{Year: pr.BirthYear, Month: pr.BirthMonth, Day: pr.BirthDay, Hour: pr.BirthHour}
}

// sajuOptions returns the saju options of the profile's birth: the one place
// where the birth fields beyond the date and the hour (calendar, leap month,
// minute, longitude, day boundary) become [saju.Options], for the chart
// ([Profile.Recompute]) and for the birth instant ([Profile.derived]) alike.
func (pr *Profile) sajuOptions() saju.Options {
	o := saju.Options{Calendar: pr.Calendar, LeapMonth: pr.LeapMonth, Longitude: pr.BirthLongitude, DayBoundary: pr.DayBoundary}
	if pr.BirthMinute != nil {
		o.Minute = *pr.BirthMinute
	}
	return o
}

// sajuGender returns the profile's gender as package saju names it;
// [saju.NoGender] when it is not set.
func (pr *Profile) sajuGender() saju.Gender {
	if pr.Gender != nil {
		switch *pr.Gender {
		case genderMale:
			return saju.Male
		case genderFemale:
			return saju.Female
		}
	}
	return saju.NoGender
}

// derived returns the derived data of the profile's chart
// (SAJU-DERIVED.md): the ten gods, hidden stems, stages, 납음, 신살 and void
// flags of the pillars, the void branches, the relations and, with a
// gender, the luck pillars.
//
// It is computed on read, from the stored chart, the birth instant and the
// gender, rather than stored with the chart, because reading is the
// cheaper side (BenchmarkSajuRead, BenchmarkGetSaju): [saju.Derive] with
// the birth instant ([saju.Options.Instant], 40 ns, only with a gender)
// costs about 270 ns without an allocation, a small part of the 5–10 µs of
// reading and opening a profile. Storing would put the derived data in
// every sealed payload (the Saju object's 4.6 KB as JSON, or ~700 bytes in
// a binary form that would need its own versioned layout), and opening
// 4.6 KB more of AES-GCM alone costs some 750 ns per read, more than the
// computation; it would also need a new payload version and a rewrite of
// the stored rows, and a rewrite on every change of gender. Computed on
// read, the derived data can never be stale: a change of gender, or of any
// birth field, shows in the next answer, and a correction of the engine's
// tables reaches every stored profile at once. The luck data pin the birth
// instant to the hour, so they stay as personal as the pillars: they exist
// only in the answer to the owning account.
func (pr *Profile) derived() (saju.Derived, error) {
	g := pr.sajuGender()
	var instant time.Time
	if g != saju.NoGender {
		t, err := pr.sajuOptions().Instant(pr.birth())
		if err != nil {
			return saju.Derived{}, err // a stored birth is valid: not the caller's error
		}
		instant = t
	}
	return saju.Derive(pr.Chart, instant, g)
}

// birthError turns saju's range errors into validation errors naming the
// API's field: "day" → "birth_day" for the date, hour, minute and
// longitude; calendar, is_leap_month and day_boundary are the API's names
// already. saju is the one judge of which dates exist and are in range.
func birthError(err error) error {
	if err == nil {
		return nil // without errors.As, whose target would be allocated
	}
	var fe *saju.FieldError
	if errors.As(err, &fe) {
		field := fe.Field
		switch field {
		case FieldCalendar, FieldIsLeapMonth, FieldDayBoundary:
		default:
			field = "birth_" + field
		}
		return Invalid(field, field+" "+fe.Message)
	}
	return err
}

// checkExternalID returns what is wrong with an external_id, or "".
func checkExternalID(s string) string {
	if len(s) < 1 || len(s) > MaxExternalID {
		return "external_id must be 1 to 64 characters"
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c > '~' || c == '/' {
			return "external_id must be printable ASCII without spaces or '/'"
		}
	}
	if strings.HasPrefix(s, IDPrefix) {
		return `external_id must not start with "prf_"`
	}
	if s == "." || s == ".." {
		// URLs collapse these path segments: such a profile could not be
		// addressed by its external_id.
		return `external_id must not be "." or ".."`
	}
	return ""
}

// invisible reports whether r shows nothing on its own: white space, format
// characters (zero-width space, byte order mark, joiners), nonspacing marks
// (combining marks, the combining grapheme joiner U+034F, variation
// selectors such as U+FE0F and U+E0100, the Mongolian free variation
// selectors, the Khmer inherent vowels), the Hangul fillers and the blank
// Braille pattern. A name made only of these is blank. docs/openapi.json's
// Name pattern spells the same set (\p{Z}, \p{Cf}, \p{Mn} and the four
// fillers).
func invisible(r rune) bool {
	switch r {
	case '\u115f', '\u1160', '\u3164', '\uffa0', // Hangul choseong, jungseong, compatibility and halfwidth fillers
		'\u2800': // Braille pattern blank
		return true
	}
	return unicode.IsSpace(r) || unicode.In(r, unicode.Z, unicode.Cf, unicode.Mn)
}

// bidiControl reports whether r is one of the characters that reorder the
// text around them (U+202A–U+202E embeddings and overrides, U+2066–U+2069
// isolates, the marks U+200E, U+200F and U+061C): in a name they make what
// is shown differ from what is stored ("\u202e" + name reads backwards).
// The joiners U+200C and U+200D, which some scripts need, stay allowed.
func bidiControl(r rune) bool {
	return '\u202a' <= r && r <= '\u202e' || '\u2066' <= r && r <= '\u2069' ||
		r == '\u200e' || r == '\u200f' || r == '\u061c'
}

// validText reports whether s is valid UTF-8 without control characters.
func validText(s string) bool {
	for _, r := range s {
		if unicode.IsControl(r) {
			return false
		}
	}
	return utf8.ValidString(s) // U+FFFD itself is valid; only bytes that are not UTF-8 are refused
}

// IsID reports whether ref has the shape of a profile id: "prf_" and 16 or
// more base62 characters.
func IsID(ref string) bool {
	if !strings.HasPrefix(ref, IDPrefix) || len(ref) < len(IDPrefix)+minIDRandomPart || len(ref) > maxRefLen {
		return false
	}
	for i := len(IDPrefix); i < len(ref); i++ {
		if strings.IndexByte(random.Alphabet, ref[i]) < 0 {
			return false
		}
	}
	return true
}

// ValidRef reports whether ref can name a profile at all: a profile id or a
// valid external_id. Anything else cannot exist and is answered 404.
func ValidRef(ref string) bool {
	if strings.HasPrefix(ref, IDPrefix) {
		return IsID(ref)
	}
	return checkExternalID(ref) == ""
}

// NewID returns prefix followed by 20 random base62 characters (119 bits).
func NewID(prefix string) string {
	return prefix + random.Base62(idRandomLen)
}

// MaskName keeps the first character and replaces every other with "*"; a
// one-character name becomes "*".
func MaskName(name string) string {
	n := utf8.RuneCountInString(name)
	if n <= 1 {
		return "*"
	}
	_, size := utf8.DecodeRuneInString(name)
	return name[:size] + strings.Repeat("*", n-1)
}

// MaskYear keeps the first two digits: 1990 → "19**".
func MaskYear(year int) string {
	if year < 1000 || year > 9999 {
		return "****"
	}
	return string([]byte{byte('0' + year/1000), byte('0' + year/100%10), '*', '*'})
}
