package main

import (
	"io"
	"net/http"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
)

func TestDebugServer(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", ":0", "10.1.2.3:0", "example.com:0", "127.0.0.1"} {
		if _, _, err := debugServer(addr); err == nil {
			t.Errorf("debugServer(%q) accepted a non-loopback or malformed address", addr)
		}
	}
	srv, ln, err := debugServer("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	defer srv.Close()
	resp, err := http.Get("http://" + ln.Addr().String() + "/debug/pprof/goroutine?debug=1")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.Contains(string(body), "goroutine profile") {
		t.Errorf("goroutine profile: %d %.80q", resp.StatusCode, body)
	}
}

// TestServeWriterMetricsAndProfiler runs palja serve with --debug-addr: its
// /metrics shows the SQLite writer's group commits, and the profiler
// answers on the debug address only.
func TestServeWriterMetricsAndProfiler(t *testing.T) {
	db := filepath.Join(t.TempDir(), "palja.db")
	debug := freeAddr(t)
	p := startServe(t, db, freeAddr(t), "--debug-addr", debug)
	res, err := http.Get(p.base() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	text := string(body)
	// Start-up wrote (the first key at least): one group or more.
	for _, want := range []string{"\npalja_sqlite_write_groups_total ", "\npalja_sqlite_write_ops_total ",
		"\npalja_sqlite_write_group_seconds_bucket{le=\"0.0005\"} ", "\npalja_sqlite_write_group_seconds_count "} {
		if !strings.Contains(text, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if strings.Contains(text, "\npalja_sqlite_write_groups_total 0\n") {
		t.Error("no write group counted after start-up")
	}
	if res, err := http.Get(p.base() + "/debug/pprof/"); err != nil || res.StatusCode != 404 {
		t.Errorf("the API's address serves the profiler: %v %v", res.StatusCode, err)
	}
	res, err = http.Get("http://" + debug + "/debug/pprof/cmdline")
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("profiler on --debug-addr: %v %v", res, err)
	}
	res.Body.Close()
}

func TestTuneGC(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	tuneGC(func(string) string { return "" })
	if got := debug.SetGCPercent(100); got != serveGOGC {
		t.Errorf("GOGC %d with none in the environment, want %d", got, serveGOGC)
	}
	tuneGC(func(k string) string { return map[string]string{"GOGC": "50"}[k] })
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("GOGC %d after tuneGC with GOGC set, want it left alone (100)", got)
	}
}
