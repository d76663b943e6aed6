package main

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"
)

// newLogger returns the server's logger (text, or JSON with
// PALJA_LOG_FORMAT=json; level from PALJA_LOG_LEVEL, default info), writing
// to w through a buffer, and the function that flushes it for good. An
// unknown level or format is an error.
func newLogger(getenv func(string) string, w io.Writer) (*slog.Logger, func() error, error) {
	var level slog.Level
	switch l := strings.ToLower(getenv("PALJA_LOG_LEVEL")); l {
	case "", "info":
		level = slog.LevelInfo
	case "debug":
		level = slog.LevelDebug
	case "warn":
		level = slog.LevelWarn
	case "error":
		level = slog.LevelError
	default:
		return nil, nil, errors.New("PALJA_LOG_LEVEL must be debug, info, warn or error")
	}
	format := strings.ToLower(getenv("PALJA_LOG_FORMAT"))
	if format != "" && format != "text" && format != "json" {
		return nil, nil, errors.New("PALJA_LOG_FORMAT must be text or json")
	}
	opts := &slog.HandlerOptions{Level: level}
	buf := newBufferedLog(w)
	var h slog.Handler = slog.NewTextHandler(buf, opts)
	if format == "json" {
		h = slog.NewJSONHandler(buf, opts)
	}
	return slog.New(urgentHandler{h, buf}), buf.Close, nil
}

// logFlushInterval bounds how long a log line may wait in the buffer.
const logFlushInterval = 100 * time.Millisecond

// bufferedLog gathers log lines in memory and writes them out at most every
// logFlushInterval, or when 64 KiB are pending: one write system call for
// many request lines instead of one each, which under load is the
// difference between logging costing a third of the throughput and
// costing little. Each slog record arrives in one Write and is kept whole.
// Lines at Warn and above are written at once.
type bufferedLog struct {
	mu     sync.Mutex
	out    io.Writer
	w      *bufio.Writer
	every  time.Duration // logFlushInterval but in tests
	stop   chan struct{}
	done   chan struct{}
	closed bool
}

func newBufferedLog(w io.Writer) *bufferedLog {
	return newBufferedLogEvery(w, logFlushInterval)
}

// newBufferedLogEvery is newBufferedLog flushing every d instead of every
// logFlushInterval, so that a test sees only the flushes it causes.
func newBufferedLogEvery(w io.Writer, d time.Duration) *bufferedLog {
	b := &bufferedLog{out: w, w: bufio.NewWriterSize(w, 64<<10), every: d, stop: make(chan struct{}), done: make(chan struct{})}
	go b.flushLoop()
	return b
}

func (b *bufferedLog) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	n, err := b.w.Write(p)
	if err == nil && b.closed {
		err = b.w.Flush()
	}
	return n, b.recover(err)
}

func (b *bufferedLog) flush() {
	b.mu.Lock()
	b.recover(b.w.Flush())
	b.mu.Unlock()
}

// recover drops what could not be written after a failed write (a full
// disk, a closed pipe): bufio.Writer would otherwise refuse every later
// line for good. Lines are lost while the output fails, not after. b.mu is
// held.
func (b *bufferedLog) recover(err error) error {
	if err != nil {
		b.w.Reset(b.out)
	}
	return err
}

func (b *bufferedLog) flushLoop() {
	defer close(b.done)
	t := time.NewTicker(b.every)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			b.flush()
		case <-b.stop:
			return
		}
	}
}

// Close flushes what is pending; later lines are written through at once.
func (b *bufferedLog) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	b.mu.Unlock()
	close(b.stop)
	<-b.done
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.recover(b.w.Flush())
}

// urgentHandler writes records at Warn and above through at once: errors
// must not wait for the next flush (or be lost in a crash).
type urgentHandler struct {
	slog.Handler
	log *bufferedLog
}

func (h urgentHandler) Handle(ctx context.Context, r slog.Record) error {
	err := h.Handler.Handle(ctx, r)
	if r.Level >= slog.LevelWarn {
		h.log.flush()
	}
	return err
}

func (h urgentHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return urgentHandler{h.Handler.WithAttrs(as), h.log}
}

func (h urgentHandler) WithGroup(name string) slog.Handler {
	return urgentHandler{h.Handler.WithGroup(name), h.log}
}
