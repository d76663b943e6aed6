package saju

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// sharedFile returns the path of a reference file in ../shared/saju, which
// lies beside the repository's clone (../../shared/saju from this package).
func sharedFile(name string) string {
	return filepath.Join("..", "..", "shared", "saju", name)
}

// readTSV reads a tab-separated reference file: comment lines start with #,
// the first other line names the columns. It returns the rows as maps from
// column name to value, with their line numbers.
func readTSV(t *testing.T, name string) (rows []map[string]string, lines []int) {
	t.Helper()
	f, err := os.Open(sharedFile(name))
	if err != nil {
		t.Fatalf("reference vectors: %v", err)
	}
	defer f.Close()
	var header []string
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Split(line, "\t")
		if header == nil {
			header = fields
			continue
		}
		if len(fields) != len(header) {
			t.Fatalf("%s:%d: %d fields, want %d", name, n, len(fields), len(header))
		}
		row := make(map[string]string, len(header))
		for i, h := range header {
			row[h] = fields[i]
		}
		rows = append(rows, row)
		lines = append(lines, n)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(rows) == 0 {
		t.Fatalf("%s: no rows", name)
	}
	return rows, lines
}
