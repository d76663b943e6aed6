package main

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// flakyWriter fails its writes while broken is set.
type flakyWriter struct {
	buf    bytes.Buffer
	broken bool
}

func (f *flakyWriter) Write(p []byte) (int, error) {
	if f.broken {
		return 0, errors.New("no space left on device")
	}
	return f.buf.Write(p)
}

// TestBufferedLog checks what is written when. Its buffer is flushed only
// by what the test does: with the server's 100 ms, a slow run (-race on a
// busy machine) would see the timed flush write "first" early, and read
// out.buf while the flush goroutine writes it.
func TestBufferedLog(t *testing.T) {
	out := &flakyWriter{}
	b := newBufferedLogEvery(out, time.Hour)
	logger := slog.New(urgentHandler{slog.NewTextHandler(b, nil), b})
	logger.Info("first")
	if out.buf.Len() != 0 {
		t.Errorf("info written through at once: %q", out.buf.String())
	}
	logger.Warn("urgent")
	if !strings.Contains(out.buf.String(), "first") || !strings.Contains(out.buf.String(), "urgent") {
		t.Errorf("a warning did not flush: %q", out.buf.String())
	}
	// A failing output loses the lines of that moment, not every later one.
	b.mu.Lock()
	out.broken = true
	b.mu.Unlock()
	logger.Warn("lost")
	b.mu.Lock()
	out.broken = false
	b.mu.Unlock()
	logger.Info("after")
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if s := out.buf.String(); !strings.Contains(s, "after") || strings.Contains(s, "lost") {
		t.Errorf("after a failed write: %q", s)
	}
	logger.Info("closed")
	if !strings.Contains(out.buf.String(), "closed") {
		t.Error("a line after Close was not written through")
	}
}

// TestBufferedLogFlushesInTime: a line below Warn is written by the timed
// flush, without a Close.
func TestBufferedLogFlushesInTime(t *testing.T) {
	out := &flakyWriter{}
	b := newBufferedLogEvery(out, time.Millisecond)
	defer b.Close()
	slog.New(urgentHandler{slog.NewTextHandler(b, nil), b}).Info("later")
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		b.mu.Lock() // the flush writes out under b.mu
		written := strings.Contains(out.buf.String(), "later")
		b.mu.Unlock()
		if written {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("an info line was not flushed within 10s")
		}
	}
}
