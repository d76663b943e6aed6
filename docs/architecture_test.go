package docs_test

import (
	"bufio"
	"bytes"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/palja/palja"

// importRules are the import rules of architecture.md: for the packages
// whose path (below the module) has the key as prefix, the palja packages
// they may not import (by prefix; "" is every palja package), with the
// exceptions allowed. Only the packages' own code is checked, not their
// tests: an end-to-end test of profile runs it on real SQLite.
var importRules = []struct {
	pkg    string
	forbid []string
	except []string
	why    string
}{
	{pkg: "saju", forbid: []string{""}, why: "saju imports nothing of palja"},
	{pkg: "crypto", forbid: []string{""}, why: "crypto imports nothing of palja"},
	{pkg: "internal/", forbid: []string{""}, why: "internal helpers import nothing of palja"},
	{pkg: "auth", forbid: []string{""}, except: []string{"internal/"}, why: "auth imports only the standard library and x/time/rate"},
	{pkg: "profile", forbid: []string{"storage", "crypto", "cmd"}, why: "profile imports no storage, crypto or cmd package"},
	{pkg: "storage", forbid: []string{"saju", "cmd"}, why: "no storage package imports saju (the chart is saju's opaque binary form)"},
	{pkg: "", forbid: []string{"cmd"}, why: "nothing imports cmd"},
}

// TestImportRules enforces the import rules of docs/architecture.md on
// every package of the module, as `go list` sees them.
func TestImportRules(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}}{{range .Imports}} {{.}}{{end}}`, module+"/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	checked := 0
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		pkg := strings.TrimPrefix(strings.TrimPrefix(fields[0], module), "/")
		checked++
		for _, imp := range fields[1:] {
			if imp != module && !strings.HasPrefix(imp, module+"/") {
				continue // the standard library or a third-party module
			}
			dep := strings.TrimPrefix(strings.TrimPrefix(imp, module), "/")
			for _, r := range importRules {
				if !under(pkg, r.pkg) || under(dep, r.pkg) && r.pkg != "" {
					continue
				}
				if matchAny(dep, r.forbid) && !matchAny(dep, r.except) {
					t.Errorf("%s imports %s: %s", pkg, dep, r.why)
				}
			}
		}
	}
	if checked < 6 {
		t.Fatalf("go list named %d packages; the check saw too little", checked)
	}
}

// under reports whether package path p is the package prefix or below it
// ("" is everything; a prefix ending in "/" matches only below it).
func under(p, prefix string) bool {
	switch {
	case prefix == "":
		return true
	case strings.HasSuffix(prefix, "/"):
		return strings.HasPrefix(p, prefix)
	}
	return p == prefix || strings.HasPrefix(p, prefix+"/")
}

func matchAny(p string, prefixes []string) bool {
	for _, prefix := range prefixes {
		if under(p, prefix) {
			return true
		}
	}
	return false
}
