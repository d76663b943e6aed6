package profile

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/palja/palja/auth"
	"github.com/palja/palja/saju"
)

// Error types of the API (API.md, "Errors").
const (
	typeValidation   = "validation_error"
	typeAuth         = "authentication_error"
	typeNotFound     = "not_found"
	typeConflict     = "conflict"
	typePrecondition = "precondition_failed"
	typeTooLarge     = "payload_too_large"
	typeMediaType    = "unsupported_media_type"
	typeRateLimited  = "rate_limited"
	typeAPI          = "api_error"
)

// apiError is an error the handlers answer as is.
type apiError struct {
	status int
	typ    string
	msg    string
	param  string
	// head is the body up to the request id's value, written once for
	// the fixed errors below; nil for the others, written per answer.
	head []byte
}

func (e *apiError) Error() string { return e.msg }

// fixedError returns an apiError of its own, with its body's head.
func fixedError(status int, typ, msg string) *apiError {
	ae := &apiError{status: status, typ: typ, msg: msg}
	ae.head = appendErrorHead(nil, ae)
	return ae
}

var (
	errTooLarge  = fixedError(http.StatusRequestEntityTooLarge, typeTooLarge, "request body is larger than 64 KiB")
	errMediaType = fixedError(http.StatusUnsupportedMediaType, typeMediaType, "Content-Type must be application/json (UTF-8)")
	errEncoding  = fixedError(http.StatusUnsupportedMediaType, typeMediaType, "Content-Encoding is not supported: send the body uncompressed")
	errNoKey     = fixedError(http.StatusUnauthorized, typeAuth, "missing or invalid API key: send it in the X-API-Key header")
	errNotFound  = fixedError(http.StatusNotFound, typeNotFound, "no such profile")
	errRoute     = fixedError(http.StatusNotFound, typeNotFound, "no such endpoint")
	errMethod    = fixedError(http.StatusMethodNotAllowed, "method_not_allowed", "method not allowed on this endpoint")
	errStale     = fixedError(http.StatusPreconditionFailed, typePrecondition, "the profile has changed since the ETag in If-Match")
	errInternal  = fixedError(http.StatusInternalServerError, typeAPI, "internal error; retry later or quote the request_id")

	errRateLimited = fixedError(http.StatusTooManyRequests, typeRateLimited, "rate limit exceeded; retry after the number of seconds in Retry-After")
)

// errorWriter writes errors in the API's one format (see
// [errorWriter.writeError]); it logs and counts the unexpected ones.
type errorWriter struct {
	logger  *slog.Logger
	metrics Metrics
}

// writeError maps err to the one error format of the API: a validation
// error 400 naming the field, [auth.ErrUnauthorized] 401,
// [auth.ErrRateLimited] 429 (its headers set by package auth),
// [ErrNotFound] 404, a conflict 409, [ErrPreconditionFailed] 412.
// Unexpected errors are logged with the request id and answered 500
// without internals. It is also the [auth.Config.WriteError] of the API.
func (ew errorWriter) writeError(w http.ResponseWriter, r *http.Request, err error) {
	// The sentinels of the hot paths (a flood of 429s, of 401s) first,
	// without the allocations of errors.As.
	switch err {
	case auth.ErrRateLimited:
		writeAPIError(w, r, errRateLimited)
		return
	case auth.ErrUnauthorized:
		writeAPIError(w, r, errNoKey)
		return
	}
	var (
		ae *apiError
		ve *ValidationError
		ce *ConflictError
	)
	switch {
	case errors.As(err, &ae):
	case errors.As(err, &ve):
		ae = &apiError{status: http.StatusBadRequest, typ: typeValidation, msg: ve.Message, param: ve.Field}
	case errors.As(err, &ce):
		ae = &apiError{status: http.StatusConflict, typ: typeConflict, msg: ce.Message, param: ce.Param}
	case errors.Is(err, ErrNotFound):
		ae = errNotFound
	case errors.Is(err, auth.ErrUnauthorized):
		ae = errNoKey
	case errors.Is(err, auth.ErrRateLimited):
		ae = errRateLimited
	case errors.Is(err, ErrPreconditionFailed):
		ae = errStale
	case errors.Is(err, ErrConflict):
		ae = &apiError{status: http.StatusConflict, typ: typeConflict, msg: "conflict"}
	case errors.Is(err, context.Canceled):
		// The client went away; nobody reads the answer.
		ae = &apiError{status: 499, typ: typeAPI, msg: "request cancelled"}
	default:
		ew.logger.LogAttrs(r.Context(), slog.LevelError, "request failed",
			slog.String("request_id", requestID(r.Context())),
			slog.String("method", r.Method), slog.String("route", routePattern(r)),
			slog.String("error", err.Error()))
		ew.metrics.DBError()
		ae = errInternal
	}
	writeAPIError(w, r, ae)
}

// appendErrorHead appends the error body of ae up to the request id's
// value.
func appendErrorHead(b []byte, ae *apiError) []byte {
	b = append(b, `{"error":{"type":`...)
	b = appendString(b, ae.typ)
	b = append(b, `,"message":`...)
	b = appendString(b, ae.msg)
	if ae.param != "" {
		b = append(b, `,"param":`...)
		b = appendString(b, ae.param)
	}
	return append(b, `,"request_id":`...)
}

func writeAPIError(w http.ResponseWriter, r *http.Request, ae *apiError) {
	bp := getBody()
	b := *bp
	if ae.head != nil {
		b = append(b, ae.head...)
	} else {
		b = appendErrorHead(b, ae)
	}
	// A request id is "req_" and base62 (newRequestID), or "" outside
	// observe: nothing in it to escape.
	b = appendName(b, requestID(r.Context()))
	b = append(b, "}}\n"...)
	writeJSON(w, ae.status, b)
	putBody(bp, b)
}

func writeJSON(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h["Content-Type"] = jsonContentType
	h["Content-Length"] = contentLength(len(body))
	w.WriteHeader(status)
	w.Write(body)
}

var jsonContentType = []string{"application/json; charset=utf-8"}

// contentLengths holds the Content-Length values of bodies shorter than
// 8 KiB (every answer but long lists), each made when a body of that length
// is first written and shared by the answers after it, so that setting the
// header does not allocate. A header value is never changed in place (like
// auth's RateLimit values, which are shared the same way); each slice has
// a capacity of one, so that an append copies it.
var contentLengths [8 << 10]atomic.Pointer[[1]string]

func contentLength(n int) []string {
	if n < 0 || n >= len(contentLengths) {
		return []string{strconv.Itoa(n)}
	}
	v := contentLengths[n].Load()
	if v == nil {
		v = &[1]string{strconv.Itoa(n)}
		contentLengths[n].Store(v) // two first answers of a length may both store: either will do
	}
	return v[:]
}

// bodyBufferSize is the capacity of the buffers of [getBody]: a Profile
// object, an error, the first items of a list.
const bodyBufferSize = 1 << 10

// bodyBuffers holds the buffers in which the answers of up to a few KiB are
// written: the buffer is free again once the body is written (a Writer must
// not retain what it is given), so each answer reuses one instead of
// allocating it.
var bodyBuffers = sync.Pool{New: func() any { b := make([]byte, 0, bodyBufferSize); return &b }}

// getBody returns an empty buffer of [bodyBuffers].
func getBody() *[]byte {
	bp := bodyBuffers.Get().(*[]byte)
	*bp = (*bp)[:0]
	return bp
}

// putBody gives back the buffer of bp, b being what it became, unless it
// grew beyond a few times its size.
func putBody(bp *[]byte, b []byte) {
	if cap(b) <= 4*bodyBufferSize {
		*bp = b
		bodyBuffers.Put(bp)
	}
}

const hexDigits = "0123456789abcdef"

// plainByte[c] reports whether the byte c stands for itself in a JSON
// string of [appendString]: an ASCII byte that is not a control character, a
// quote, a backslash, or one of <, > and & (escaped as encoding/json does).
// The bytes of multi-byte UTF-8 sequences are not plain: they are decoded.
var plainByte = func() (t [256]bool) {
	for c := byte(0x20); c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return t
}()

// appendString appends s as a JSON string. s is valid UTF-8 (the decoder and
// the domain guarantee it); invalid bytes are replaced all the same.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if plainByte[c] {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			if r == utf8.RuneError {
				b = append(b, `\ufffd`...)
			} else {
				b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			}
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

func appendTime(b []byte, t time.Time) []byte {
	b = append(b, '"')
	b = t.UTC().AppendFormat(b, time.RFC3339)
	return append(b, '"')
}

func appendNullableString(b []byte, s *string) []byte {
	if s == nil {
		return append(b, "null"...)
	}
	return appendString(b, *s)
}

// appendMaskedName appends [MaskName] of name as a JSON string, without
// making the masked string first.
func appendMaskedName(b []byte, name string) []byte {
	n := utf8.RuneCountInString(name)
	if n <= 1 {
		return append(b, `"*"`...)
	}
	_, size := utf8.DecodeRuneInString(name)
	b = appendString(b, name[:size])
	b = b[:len(b)-1] // the closing quote, after the stars
	for range n - 1 {
		b = append(b, '*')
	}
	return append(b, '"')
}

// appendMaskedYear appends [MaskYear] of year as a JSON string.
func appendMaskedYear(b []byte, year int) []byte {
	if year < 1000 || year > 9999 {
		return append(b, `"****"`...)
	}
	return append(b, '"', byte('0'+year/1000), byte('0'+year/100%10), '*', '*', '"')
}

// appendProfile appends the masked Profile object of API.md.
func appendProfile(b []byte, p *Profile) []byte {
	b = append(b, `{"id":`...)
	b = appendString(b, p.ID)
	b = append(b, `,"external_id":`...)
	b = appendNullableString(b, p.ExternalID)
	b = append(b, `,"name":`...)
	b = appendMaskedName(b, p.Name)
	b = append(b, `,"birth_year":`...)
	b = appendMaskedYear(b, p.BirthYear)
	b = append(b, `,"gender":`...)
	b = appendNullableString(b, p.Gender)
	b = append(b, `,"calendar":`...)
	b = appendString(b, p.Calendar.String())
	b = append(b, `,"day_boundary":`...)
	b = appendString(b, p.DayBoundary.String())
	b = append(b, `,"day_master":`...)
	b = appendString(b, p.Chart.DayMaster())
	b = append(b, `,"day_master_element":`...)
	b = appendString(b, p.Chart.DayMasterElement().String())
	b = append(b, `,"weakest_element":`...)
	b = appendString(b, p.Chart.Weakest.String())
	b = append(b, `,"created_at":`...)
	b = appendUnixUTC(b, p.CreatedAt.Unix())
	b = append(b, `,"updated_at":`...)
	b = appendUnixUTC(b, p.UpdatedAt.Unix())
	return append(b, '}')
}

// appendSaju appends the Saju object of API.md for p, whose derived data
// (see [Profile.derived]) is d.
func appendSaju(b []byte, p *Profile, d *saju.Derived) []byte {
	b = append(b, `{"profile_id":`...)
	b = appendString(b, p.ID)
	b = append(b, ',')
	b = appendChartMembers(b, &p.Chart, d)
	return append(b, '}')
}

// AppendChart appends the Saju object of API.md without profile_id,
// compact, for the chart c and its derived data d ([saju.Derive] of c, at
// the birth instant, for the owner's gender): what palja chart --json
// prints (indented). It is the one writer of the Saju object; the API's
// answer is the same bytes after "profile_id".
func AppendChart(b []byte, c saju.Chart, d *saju.Derived) []byte {
	b = append(b, '{')
	b = appendChartMembers(b, &c, d)
	return append(b, '}')
}

// appendChartMembers appends the members of the Saju object that describe
// the chart: everything but profile_id, in the order of SAJU-DERIVED.md §11
// (the four fields of API.md, then void_branches, relations and luck).
func appendChartMembers(b []byte, c *saju.Chart, d *saju.Derived) []byte {
	b = append(b, `"pillars":{"year":`...)
	b = appendPillar(b, &d.Pillars[saju.YearPillar])
	b = append(b, `,"month":`...)
	b = appendPillar(b, &d.Pillars[saju.MonthPillar])
	b = append(b, `,"day":`...)
	b = appendPillar(b, &d.Pillars[saju.DayPillar])
	b = append(b, `,"hour":`...)
	if c.HasHour {
		b = appendPillar(b, &d.Pillars[saju.HourPillar])
	} else {
		b = append(b, "null"...)
	}
	b = append(b, `},"day_master":`...)
	b = appendName(b, c.DayMaster())
	b = append(b, `,"day_master_element":`...)
	b = appendName(b, c.DayMasterElement().String())
	b = append(b, `,"elements":{`...)
	for e := range len(c.Elements) {
		if e > 0 {
			b = append(b, ',')
		}
		b = appendName(b, saju.Element(e).String())
		b = append(b, ':')
		b = strconv.AppendInt(b, int64(c.Elements[e]), 10)
	}
	b = append(b, `},"weakest_element":`...)
	b = appendName(b, c.Weakest.String())
	b = append(b, `,"void_branches":[`...)
	b = appendName(b, d.VoidBranches[0].Hangul())
	b = append(b, ',')
	b = appendName(b, d.VoidBranches[1].Hangul())
	b = append(b, `],"relations":[`...)
	for i, r := range d.Relations() {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendRelation(b, &r)
	}
	b = append(b, `],"luck":`...)
	if d.HasLuck {
		b = appendLuck(b, &d.Luck)
	} else {
		b = append(b, "null"...)
	}
	return b
}

// appendName appends s, a name from package saju's tables (hangul, hanja
// or an English word such as "wood" or "forward"), as a JSON string. No
// such name holds a character that JSON escapes (TestNamesArePlain checks
// every one), so it is copied as it is, without appendString's scan: the
// Saju object is some 300 of them.
func appendName(b []byte, s string) []byte {
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// appendPillarNames appends the four members that name a pillar: stem,
// branch, hangul, hanja.
func appendPillarNames(b []byte, p saju.Pillar) []byte {
	b = append(b, `"stem":`...)
	b = appendName(b, p.Stem.Hangul())
	b = append(b, `,"branch":`...)
	b = appendName(b, p.Branch.Hangul())
	b = append(b, `,"hangul":`...)
	b = appendName(b, p.Hangul())
	b = append(b, `,"hanja":`...)
	return appendName(b, p.Hanja())
}

// appendPillar appends a pillar object of SAJU-DERIVED.md §11: its names,
// then its derived fields.
func appendPillar(b []byte, p *saju.PillarInfo) []byte {
	b = append(b, '{')
	b = appendPillarNames(b, p.Pillar)
	b = append(b, `,"stem_element":`...)
	b = appendName(b, p.StemElement().String())
	b = append(b, `,"branch_element":`...)
	b = appendName(b, p.BranchElement().String())
	b = append(b, `,"stem_ten_god":`...)
	b = appendName(b, p.StemTenGod.Hangul())
	b = append(b, `,"branch_ten_god":`...)
	b = appendName(b, p.BranchTenGod.Hangul())
	b = append(b, `,"hidden_stems":[`...)
	for i, h := range p.HiddenStems() {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"stem":`...)
		b = appendName(b, h.Stem.Hangul())
		b = append(b, `,"hanja":`...)
		b = appendName(b, h.Stem.Hanja())
		b = append(b, `,"days":`...)
		b = strconv.AppendUint(b, uint64(h.Days), 10)
		b = append(b, `,"ten_god":`...)
		b = appendName(b, h.TenGod.Hangul())
		b = append(b, '}')
	}
	b = append(b, `],"twelve_stage":`...)
	b = appendName(b, p.Stage.Hangul())
	b = append(b, `,"nayin":{"name":`...)
	b = appendName(b, p.Nayin.Hangul())
	b = append(b, `,"hanja":`...)
	b = appendName(b, p.Nayin.Hanja())
	b = append(b, `,"element":`...)
	b = appendName(b, p.Nayin.Element().String())
	b = append(b, `},"sinsal":`...)
	b = appendName(b, p.Sinsal.Hangul())
	b = append(b, `,"void":`...)
	b = strconv.AppendBool(b, p.Void)
	return append(b, '}')
}

// appendRelation appends a relation object: kind, the positions it joins,
// and the element of a 합 or null.
func appendRelation(b []byte, r *saju.Relation) []byte {
	b = append(b, `{"kind":`...)
	b = appendName(b, r.Kind.Hangul())
	b = append(b, `,"pillars":[`...)
	for i, pos := range r.Pillars() {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendName(b, pos.String())
	}
	b = append(b, `],"element":`...)
	if r.HasElement {
		b = appendName(b, r.Element.String())
	} else {
		b = append(b, "null"...)
	}
	return append(b, '}')
}

// appendUnixUTC appends the instant unix (seconds since 1970 UTC) as a JSON
// string in RFC 3339, UTC, seconds: what appendTime writes, for years 0000
// to 9999, without the general formatter (a Saju object has eleven).
func appendUnixUTC(b []byte, unix int64) []byte {
	t := time.Unix(unix, 0).UTC()
	year, month, day := t.Date()
	hour, minute, sec := t.Clock()
	if year < 0 || year > 9999 {
		return appendTime(b, t)
	}
	return append(b, '"',
		byte('0'+year/1000), byte('0'+year/100%10), byte('0'+year/10%10), byte('0'+year%10), '-',
		byte('0'+month/10), byte('0'+month%10), '-', byte('0'+day/10), byte('0'+day%10), 'T',
		byte('0'+hour/10), byte('0'+hour%10), ':', byte('0'+minute/10), byte('0'+minute%10), ':',
		byte('0'+sec/10), byte('0'+sec%10), 'Z', '"')
}

// appendLuck appends the luck object of SAJU-DERIVED.md §10: direction,
// 대운수, start, whether approximate, and the ten luck pillars.
func appendLuck(b []byte, l *saju.Luck) []byte {
	b = append(b, `{"direction":`...)
	b = appendName(b, l.Direction.String())
	b = append(b, `,"start_age":`...)
	b = strconv.AppendInt(b, int64(l.StartAge), 10)
	b = append(b, `,"start_at":`...)
	b = appendUnixUTC(b, l.Start)
	b = append(b, `,"approximate":`...)
	b = strconv.AppendBool(b, l.Approximate)
	b = append(b, `,"pillars":[`...)
	for i := range l.Pillars {
		p := &l.Pillars[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"index":`...)
		b = strconv.AppendInt(b, int64(p.Index), 10)
		b = append(b, ',')
		b = appendPillarNames(b, p.Pillar)
		b = append(b, `,"start_age":`...)
		b = strconv.AppendInt(b, int64(p.StartAge), 10)
		b = append(b, `,"start_at":`...)
		b = appendUnixUTC(b, p.Start)
		b = append(b, `,"stem_ten_god":`...)
		b = appendName(b, p.StemTenGod.Hangul())
		b = append(b, `,"branch_ten_god":`...)
		b = appendName(b, p.BranchTenGod.Hangul())
		b = append(b, `,"twelve_stage":`...)
		b = appendName(b, p.Stage.Hangul())
		b = append(b, '}')
	}
	return append(b, "]}"...)
}

// respondProfile answers status with the Profile object of p and its ETag.
func respondProfile(w http.ResponseWriter, status int, p *Profile) {
	bp := getBody()
	b := appendProfile(*bp, p)
	b = append(b, '\n')
	w.Header()["Etag"] = []string{etag(p)}
	writeJSON(w, status, b)
	putBody(bp, b)
}

// sajuBodySize is the capacity of the Saju object's buffers: the largest
// answers (four pillars, a gender, 24 relations) stay under it
// (FuzzAppendChart checks it), so that writing one never grows them.
const sajuBodySize = 6 << 10

// sajuBuffers holds the buffers of [respondSaju]: a Saju object is some
// 5 KB, and the buffer is free again once the body is written (a Writer
// must not retain what it is given), so each answer reuses one instead
// of allocating it.
var sajuBuffers = sync.Pool{New: func() any { b := make([]byte, 0, sajuBodySize); return &b }}

// respondSaju answers 200 with the Saju object of p, whose derived data is
// d.
func respondSaju(w http.ResponseWriter, p *Profile, d *saju.Derived) {
	bp := sajuBuffers.Get().(*[]byte)
	b := appendSaju((*bp)[:0], p, d)
	b = append(b, '\n')
	writeJSON(w, http.StatusOK, b)
	if cap(b) <= sajuBodySize {
		*bp = b
		sajuBuffers.Put(bp)
	}
}

// respondList answers 200 with a list of Profile objects.
func respondList(w http.ResponseWriter, ps []*Profile, more bool) {
	bp := getBody()
	b := slices.Grow(*bp, 64+384*len(ps))
	b = append(b, `{"object":"list","data":[`...)
	for i, p := range ps {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendProfile(b, p)
	}
	b = append(b, `],"has_more":`...)
	b = strconv.AppendBool(b, more)
	b = append(b, "}\n"...)
	writeJSON(w, http.StatusOK, b)
	putBody(bp, b)
}

// etag is the strong validator of a profile version: "v" and the version,
// quoted.
func etag(p *Profile) string {
	var b [24]byte
	return string(append(strconv.AppendInt(append(b[:0], '"', 'v'), p.Version, 10), '"'))
}
