package docs_test

import (
	"encoding/json"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/palja/palja/auth"
	"github.com/palja/palja/docs"
)

// TestOpenAPIPlainText: the document's text holds no raw control
// character (U+007F–U+009F included: YAML-based tools refuse them), format
// character, separator other than the space, nonspacing mark or Hangul
// filler: such characters, where a pattern needs them, are written as
// JSON escapes (\u2800), so that every tool reads them and a reader sees them.
func TestOpenAPIPlainText(t *testing.T) {
	line := 1
	for i, r := range string(docs.OpenAPI) {
		switch {
		case r == '\n':
			line++
		case r == utf8.RuneError:
			t.Errorf("line %d (byte %d): invalid UTF-8", line, i)
		case r == ' ':
		case unicode.IsControl(r), unicode.In(r, unicode.Cf, unicode.Z, unicode.Mn, unicode.Me, unicode.Co),
			r == '\u115f', r == '\u1160', r == '\u3164', r == '\uffa0', r == '\u2800':
			t.Errorf("line %d (byte %d): raw %U: write it as a JSON escape", line, i, r)
		}
	}
}

// patterns returns every "pattern" of the document, by where it is.
func patterns(t *testing.T) map[string]string {
	var doc any
	if err := json.Unmarshal(docs.OpenAPI, &doc); err != nil {
		t.Fatal(err)
	}
	found := map[string]string{}
	var walk func(where string, v any)
	walk = func(where string, v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if s, ok := x.(string); ok && k == "pattern" {
					found[where] = s
					continue
				}
				walk(where+"/"+k, x)
			}
		case []any:
			for i, x := range v {
				walk(where+"/"+strconv.Itoa(i), x)
			}
		}
	}
	walk("#", doc)
	if len(found) < 10 {
		t.Fatalf("only %d patterns found", len(found))
	}
	return found
}

// categories are the Unicode general categories that ECMA-262 (u flag) and
// Go's regexp both name with \p{…}; scripts (\p{Han}) they spell apart.
var categories = map[string]bool{"L": true, "Lu": true, "Ll": true, "Lo": true, "M": true, "Mn": true, "Mc": true,
	"Me": true, "N": true, "Nd": true, "P": true, "S": true, "Z": true, "Zs": true, "Zl": true, "Zp": true, "Cc": true, "Cf": true}

// portable reports what in pattern ECMA-262 and Go's regexp read
// differently, or "": "." (ECMA-262's stops at U+2028 and U+2029), \s \d \w
// \b (Unicode in one, ASCII in the other), \u and \x{…} (each has only
// one), script names and groups with "(?".
func portable(pattern string) string {
	inClass := false
	for i := 0; i < len(pattern); i++ {
		c := pattern[i]
		switch {
		case c == '\\':
			if i+1 >= len(pattern) {
				return "a trailing backslash"
			}
			i++
			switch e := pattern[i]; {
			case e == 'x':
				if i+2 >= len(pattern) || !isHex(pattern[i+1]) || !isHex(pattern[i+2]) {
					return `\x not followed by two hex digits`
				}
				i += 2
			case e == 'p' || e == 'P':
				end := strings.IndexByte(pattern[i:], '}')
				if i+1 >= len(pattern) || pattern[i+1] != '{' || end < 0 || !categories[pattern[i+2:i+end]] {
					return `\p{…} with a name that is not a general category`
				}
				i += end
			case e == 't' || e == 'n' || e == 'r' || strings.IndexByte(`\/^$.|?*+()[]{}-`, e) >= 0:
			default:
				return `\` + string(e)
			}
		case inClass:
			if c == ']' {
				inClass = false
			}
		case c == '[':
			inClass = true
			if strings.HasPrefix(pattern[i:], "[^]") || strings.HasPrefix(pattern[i:], "[]") {
				return "an empty class"
			}
		case c == '.':
			return `"." outside a class`
		case c == '(' && i+1 < len(pattern) && pattern[i+1] == '?':
			return `"(?"`
		}
	}
	return ""
}

func isHex(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

// TestOpenAPIPatterns: every pattern compiles in Go and means the same in
// ECMA-262, which OpenAPI 3.1 names and JavaScript validators use (the
// masked name's "^.?\*+$" failed for a name starting with U+2028 there).
func TestOpenAPIPatterns(t *testing.T) {
	all := patterns(t)
	for where, p := range all {
		if _, err := regexp.Compile(p); err != nil {
			t.Errorf("%s: %q does not compile: %v", where, p, err)
		}
		if why := portable(p); why != "" {
			t.Errorf("%s: %q: %s reads differently in ECMA-262 and Go", where, p, why)
		}
	}
	// The cases Go's validator does not reach: an empty header is read as
	// absent, but the schema refuses it.
	ifMatch := regexp.MustCompile(all["#/components/parameters/If-Match/schema"])
	for _, v := range []string{"", " ", ",", "v1", `*, "v1"`, "\"v1\"\x01"} {
		if ifMatch.MatchString(v) {
			t.Errorf("the If-Match pattern accepts %q, which the server refuses", v)
		}
	}
	for _, v := range []string{`"v1"`, `*`, ` "v1", "v2" `, `W/"v1"`, `, "v1",,`} {
		if !ifMatch.MatchString(v) {
			t.Errorf("the If-Match pattern refuses %q, which the server accepts", v)
		}
	}
	masked := regexp.MustCompile(all["#/components/schemas/Profile/properties/name"])
	for _, v := range []string{"*", "\u2028*", "김**", "\U000e0100***"} {
		if !masked.MatchString(v) {
			t.Errorf("the masked name pattern refuses %q", v)
		}
	}
}

// TestLicense: Apache-2.0 in LICENSE, the document and the README.
func TestLicense(t *testing.T) {
	var doc struct {
		Info struct {
			License struct{ Name, Identifier string }
		}
	}
	if err := json.Unmarshal(docs.OpenAPI, &doc); err != nil {
		t.Fatal(err)
	}
	if l := doc.Info.License; l.Identifier != "Apache-2.0" || l.Name != "Apache-2.0" {
		t.Errorf("info.license = %+v", l)
	}
	license, err := os.ReadFile("../LICENSE")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Apache License\n                           Version 2.0, January 2004", "END OF TERMS AND CONDITIONS", "limitations under the License."} {
		if !strings.Contains(string(license), want) {
			t.Errorf("LICENSE lacks %q", want)
		}
	}
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), "Apache-2.0") || !strings.Contains(string(readme), "(LICENSE)") {
		t.Errorf("README does not state the license with a link to LICENSE")
	}
}

// TestKeyLengthOneTruth: the document and the README give the length of
// an API key that palja creates, and no other.
func TestKeyLengthOneTruth(t *testing.T) {
	secret, _ := auth.NewSecret()
	want := strconv.Itoa(len(secret) - len(auth.KeyPrefix))
	said := regexp.MustCompile("pj_live_`? (?:\\+|and) ([0-9]+)( or more)? (?:random )?base62")
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for name, text := range map[string]string{"docs/openapi.json": string(docs.OpenAPI), "README.md": string(readme)} {
		found := said.FindAllStringSubmatch(text, -1)
		if len(found) == 0 {
			t.Errorf("%s does not say how long a key is", name)
		}
		for _, m := range found {
			if m[1] != want || m[2] != "" {
				t.Errorf("%s: %q; palja's keys are pj_live_ + %s base62 characters", name, m[0], want)
			}
		}
	}
}
