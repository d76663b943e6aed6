package profile

import (
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/palja/palja/docs"
)

// ifMatchPattern is the If-Match schema's pattern of docs/openapi.json.
func ifMatchPattern(tb testing.TB) *regexp.Regexp {
	var doc struct {
		Components struct {
			Parameters map[string]struct {
				Schema struct{ Pattern string }
			}
		}
	}
	if err := json.Unmarshal(docs.OpenAPI, &doc); err != nil {
		tb.Fatal(err)
	}
	return regexp.MustCompile(doc.Components.Parameters["If-Match"].Schema.Pattern)
}

// FuzzIfMatch: for any If-Match line that HTTP can carry, ifMatchOf does
// not panic, refuses it with a validation error naming If-Match or returns
// "*" alone or entity tags only, and accepts it exactly when
// docs/openapi.json's pattern does: the document says what the server does.
func FuzzIfMatch(f *testing.F) {
	for _, s := range []string{``, ` `, `,`, `*`, `"v1"`, `W/"v1"`, `"v1", "v2"`, ` , "v1" ,`, `*, "v1"`, `v1`, `"v 1"`, `"vé"`, `W/`, `""`} {
		f.Add(s)
	}
	pattern := ifMatchPattern(f)
	f.Fuzz(func(t *testing.T, v string) {
		if strings.ContainsFunc(v, func(r rune) bool { return r < ' ' && r != '\t' || r == 0x7f }) ||
			strings.TrimSpace(v) != strings.Trim(v, " \t") {
			return // net/http refuses control characters before any handler, and trims the value
		}
		r := &http.Request{Header: http.Header{"If-Match": {v}}}
		tags, err := ifMatchOf(r)
		if err != nil {
			var ve *ValidationError
			if !errors.As(err, &ve) || ve.Field != "If-Match" {
				t.Fatalf("ifMatchOf(%q): %v", v, err)
			}
		} else {
			for _, tag := range tags {
				if tag == "*" && len(tags) != 1 || tag != "*" && entityTagLen(tag) != len(tag) {
					t.Fatalf("ifMatchOf(%q) = %q", v, tags)
				}
			}
		}
		if doc := pattern.MatchString(v); doc != (err == nil) {
			t.Fatalf("If-Match %q: the server's answer (error %v) and the document's pattern (match %v) differ", v, err, doc)
		}
	})
}

// FuzzNameMatchesDocument: a name is valid exactly when docs/openapi.json's
// Name schema (1–20 characters and its pattern, read by Go's regexp, whose
// \p{…} tables are the unicode package's) accepts it: blank names included.
func FuzzNameMatchesDocument(f *testing.F) {
	for _, s := range []string{"김영희", " ", "\u200b", "\u034f\ufe0f", "\U000e0100", "\u180b\u17b4", "e\u0301", "\ufffd",
		"\u3164", "a\u0085", "\u2028x", "\u00a0", strings.Repeat("가", 21)} {
		f.Add(s)
	}
	var doc struct {
		Components struct {
			Schemas map[string]struct {
				Pattern   string
				MinLength int
				MaxLength int
			}
		}
	}
	if err := json.Unmarshal(docs.OpenAPI, &doc); err != nil {
		f.Fatal(err)
	}
	schema := doc.Components.Schemas["Name"]
	pattern := regexp.MustCompile(schema.Pattern)
	f.Fuzz(func(t *testing.T, name string) {
		if !utf8.ValidString(name) {
			return // not a JSON string: the decoder refuses it before any rule
		}
		pr := newTestProfile(t)
		pr.Name = name
		err := pr.Validate()
		n := utf8.RuneCountInString(name)
		documented := n >= schema.MinLength && n <= schema.MaxLength && pattern.MatchString(name)
		if documented != (err == nil) {
			t.Fatalf("name %+q: Validate says %v, docs/openapi.json's Name says %v", name, err, documented)
		}
	})
}
