package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// TestJSONLogsEveryStderrLine: with PALJA_LOG_FORMAT=json, every line serve
// writes on stderr is a JSON object, the key-file warning and the first API
// key notice included (the secret in its own field "api_key", and shown
// only on a new database); in text mode both stay plain lines.
func TestJSONLogsEveryStderrLine(t *testing.T) {
	db := filepath.Join(t.TempDir(), "p.db")
	start := func(level string) string {
		p := serveInProcess(t, map[string]string{"PALJA_DB": db, "PALJA_LOG_FORMAT": "json", "PALJA_LOG_LEVEL": level})
		p.call(t, "pj_live_nope", "GET", "/v1/profiles", "")
		p.stop(t)
		return p.stderr.String()
	}
	records := func(log string) []map[string]any {
		var rs []map[string]any
		if log == "" {
			return nil
		}
		for i, line := range strings.Split(strings.TrimSuffix(log, "\n"), "\n") {
			var r map[string]any
			if err := json.Unmarshal([]byte(line), &r); err != nil {
				t.Errorf("stderr line %d is not JSON: %v: %q", i+1, err, line)
				continue
			}
			if r["msg"] == nil || r["level"] == nil || r["time"] == nil {
				t.Errorf("stderr line %d lacks time, level or msg: %q", i+1, line)
			}
			rs = append(rs, r)
		}
		return rs
	}

	first := start("error") // the notices are shown whatever the level
	var warned, key bool
	for _, r := range records(first) {
		msg, _ := r["msg"].(string)
		if strings.Contains(msg, "PALJA_ENCRYPTION_KEYS is not set") && strings.Contains(msg, ".keys") {
			warned = true
		}
		if secret, _ := r["api_key"].(string); secret != "" {
			key = true
			if !strings.HasPrefix(secret, "pj_live_") || strings.Contains(msg, secret) {
				t.Errorf("first key record: %v", r)
			}
			if id, _ := r["key_id"].(string); !strings.HasPrefix(id, "key_") {
				t.Errorf("first key record without key_id: %v", r)
			}
		}
	}
	if !warned || !key {
		t.Errorf("key-file warning %v, first key %v, in JSON:\n%s", warned, key, first)
	}

	second := start("debug") // every log line is JSON too; the database exists: no key file made, no key shown
	for _, r := range records(second) {
		if r["api_key"] != nil || strings.Contains(r["msg"].(string), "generated a new encryption key") {
			t.Errorf("second start repeats a notice: %v", r)
		}
	}
	if len(records(second)) < 3 {
		t.Errorf("too few log lines at debug:\n%s", second)
	}
	if strings.Contains(second, "pj_live_") {
		t.Errorf("second start shows a key:\n%s", second)
	}
}

// TestTextNoticesStayPlain: in text mode the notices are the plain lines
// the README shows.
func TestTextNoticesStayPlain(t *testing.T) {
	p := serveInProcess(t, map[string]string{"PALJA_DB": filepath.Join(t.TempDir(), "p.db")})
	p.stop(t)
	log := p.stderr.String()
	for _, want := range []string{"palja: WARNING: PALJA_ENCRYPTION_KEYS is not set", "palja: created the first API key key_", "\n    pj_live_"} {
		if !strings.Contains(log, want) {
			t.Errorf("stderr lacks %q:\n%s", want, log)
		}
	}
}
