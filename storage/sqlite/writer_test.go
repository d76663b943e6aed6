package sqlite

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// holdWriter blocks the writer goroutine in an op until the returned func
// is called, so that the ops submitted meanwhile queue up and are committed
// together in the next group.
func holdWriter(t *testing.T, db *DB) (release func()) {
	t.Helper()
	started, rel, done := make(chan struct{}), make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		db.w.do(ctx, func(*wtx) error { close(started); <-rel; return nil })
	}()
	<-started
	return func() { close(rel); <-done }
}

// waitQueued waits until n ops are queued for the writer.
func waitQueued(t *testing.T, db *DB, n int) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); len(db.w.queue) < n; {
		if time.Now().After(deadline) {
			t.Fatalf("%d ops queued, want %d", len(db.w.queue), n)
		}
		time.Sleep(time.Millisecond)
	}
}

func insertAccount(tx *wtx, id string) error {
	_, err := tx.conn.ExecContext(tx.ctx, "INSERT INTO accounts (id, created_at) VALUES (?, 0)", id)
	return err
}

func accountIDs(t *testing.T, db *DB, prefix string) map[string]bool {
	t.Helper()
	var ids []string
	if err := db.rdb.Select(&ids, "SELECT id FROM accounts WHERE id LIKE ?", prefix+"%"); err != nil {
		t.Fatal(err)
	}
	m := make(map[string]bool, len(ids))
	for _, id := range ids {
		m[id] = true
	}
	return m
}

// TestGroupCommitIsolation commits one group in which some ops fail in
// different ways after writing: their writes are rolled back, the others'
// are committed, and every op gets its own answer.
func TestGroupCommitIsolation(t *testing.T) {
	db := mustOpen(t)
	errOp := errors.New("op failed")
	cctx, cancel := context.WithCancel(ctx)
	type result struct {
		err      error
		panicked any
	}
	kinds := []string{"ok", "fail", "sqlfail", "panic", "cancelled"}
	const per = 6
	results := make(map[string]result)
	var mu sync.Mutex
	var wg sync.WaitGroup

	release := holdWriter(t, db)
	before := db.w.batches.Load()
	for i := range per {
		for _, kind := range kinds {
			id := fmt.Sprintf("t_%s_%d", kind, i)
			c := ctx
			if kind == "cancelled" {
				c = cctx
			}
			wg.Go(func() {
				var r result
				defer func() {
					r.panicked = recover()
					mu.Lock()
					results[id] = r
					mu.Unlock()
				}()
				r.err = db.w.do(c, func(tx *wtx) error {
					if err := insertAccount(tx, id); err != nil {
						return err
					}
					switch kind {
					case "fail":
						return errOp
					case "sqlfail":
						return insertAccount(tx, id) // duplicate primary key
					case "panic":
						panic("boom")
					}
					return nil
				})
			})
		}
	}
	waitQueued(t, db, per*len(kinds))
	cancel()
	release()
	wg.Wait()
	if got := db.w.batches.Load() - before; got != 1 {
		t.Errorf("%d groups after the blocker's, want 1", got)
	}

	stored := accountIDs(t, db, "t_")
	for i := range per {
		for _, kind := range kinds {
			id := fmt.Sprintf("t_%s_%d", kind, i)
			r := results[id]
			var ok bool
			switch kind {
			case "ok":
				ok = r.err == nil && r.panicked == nil && stored[id]
			case "fail":
				ok = r.err == errOp && !stored[id]
			case "sqlfail":
				ok = r.err != nil && strings.Contains(r.err.Error(), "UNIQUE") && !stored[id]
			case "panic":
				ok = r.panicked == "boom" && !stored[id]
			case "cancelled":
				ok = errors.Is(r.err, context.Canceled) && !stored[id]
			}
			if !ok {
				t.Errorf("%s: err %v, panic %v, stored %v", id, r.err, r.panicked, stored[id])
			}
		}
	}
}

// TestGroupCommitFailedCommit makes the COMMIT of a group fail (a deferred
// foreign key violation): every op of the group fails, and nothing of it
// is stored.
func TestGroupCommitFailedCommit(t *testing.T) {
	db := mustOpen(t)
	const n = 8
	errs := make([]error, n+1)
	var wg sync.WaitGroup
	release := holdWriter(t, db)
	for i := range n {
		wg.Go(func() {
			errs[i] = db.w.do(ctx, func(tx *wtx) error { return insertAccount(tx, fmt.Sprintf("c_%d", i)) })
		})
	}
	wg.Go(func() {
		errs[n] = db.w.do(ctx, func(tx *wtx) error {
			if _, err := tx.conn.ExecContext(tx.ctx, "PRAGMA defer_foreign_keys = ON"); err != nil {
				return err
			}
			_, err := tx.conn.ExecContext(tx.ctx, `INSERT INTO api_keys (id, account_id, name, prefix, hash, created_at)
				VALUES ('key_x', 'acct_missing', 'x', 'x', X'00', 0)`)
			return err
		})
	})
	waitQueued(t, db, n+1)
	release()
	wg.Wait()
	for i, err := range errs {
		if err == nil || !strings.Contains(err.Error(), "commit") {
			t.Errorf("op %d: %v, want the commit's error", i, err)
		}
	}
	if got := accountIDs(t, db, "c_"); len(got) != 0 {
		t.Errorf("stored %v after a failed commit", got)
	}
	// The writer carries on.
	if err := db.w.do(ctx, func(tx *wtx) error { return insertAccount(tx, "c_after") }); err != nil {
		t.Fatal(err)
	}
	if got := accountIDs(t, db, "c_"); !got["c_after"] {
		t.Error("write after the failed commit not stored")
	}
}

// TestGroupCommitBatches checks that concurrent writes share commits.
func TestGroupCommitBatches(t *testing.T) {
	db := mustOpen(t)
	const n = 600
	release := holdWriter(t, db)
	before := db.w.batches.Load()
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			if err := db.w.do(ctx, func(tx *wtx) error { return insertAccount(tx, fmt.Sprintf("b_%d", i)) }); err != nil {
				t.Error(err)
			}
		})
	}
	waitQueued(t, db, n)
	release()
	wg.Wait()
	// After the blocker's group, ceil(600/maxBatch) = 3.
	if got := db.w.batches.Load() - before; got != (n+maxBatch-1)/maxBatch {
		t.Errorf("%d groups for %d queued writes", got, n)
	}
	if got := accountIDs(t, db, "b_"); len(got) != n {
		t.Errorf("%d stored, want %d", len(got), n)
	}
}

// expiring is a context whose deadline passes when expire is called, not
// on the wall clock: Done is closed and Err is
// context.DeadlineExceeded from then on.
type expiring struct {
	context.Context
	done chan struct{}
	once sync.Once
}

func newExpiring() *expiring {
	return &expiring{Context: context.Background(), done: make(chan struct{})}
}

func (c *expiring) expire()               { c.once.Do(func() { close(c.done) }) }
func (c *expiring) Done() <-chan struct{} { return c.done }

func (c *expiring) Err() error {
	select {
	case <-c.done:
		return context.DeadlineExceeded
	default:
		return nil
	}
}

// TestWriterContext checks that a caller whose context ends while its op
// waits in the queue is answered with the context's error, and that the op
// is not run.
func TestWriterContext(t *testing.T) {
	db := mustOpen(t)
	release := holdWriter(t, db)
	c := newExpiring()
	errc := make(chan error)
	ran := make(chan struct{}, 1)
	go func() {
		errc <- db.w.do(c, func(tx *wtx) error { ran <- struct{}{}; return insertAccount(tx, "late") })
	}()
	waitQueued(t, db, 1) // the op is in the queue, behind the held one
	c.expire()
	select {
	case err := <-errc:
		t.Fatalf("do returned %v before its queued op was answered", err)
	default:
	}
	release()
	if err := <-errc; !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("do = %v, want DeadlineExceeded", err)
	}
	select {
	case <-ran:
		t.Error("an op whose context ended before it ran was run")
	default:
	}
	if got := accountIDs(t, db, "late"); len(got) != 0 {
		t.Error("an op whose context ended before it ran was committed")
	}
}

// TestWriterStats checks the counts of [DB.WriterStats] after known groups.
func TestWriterStats(t *testing.T) {
	db := mustOpen(t)
	before := db.WriterStats()
	release := holdWriter(t, db)
	var wg sync.WaitGroup
	for i := range 5 {
		wg.Go(func() {
			if err := db.w.do(ctx, func(tx *wtx) error { return insertAccount(tx, fmt.Sprintf("s_%d", i)) }); err != nil {
				t.Error(err)
			}
		})
	}
	waitQueued(t, db, 5)
	release()
	wg.Wait()
	st := db.WriterStats()
	if g, o := st.Groups-before.Groups, st.Ops-before.Ops; g != 2 || o != 6 {
		t.Errorf("%d groups of %d ops, want the holder's and one of 5", g, o)
	}
	last := st.Commits[len(st.Commits)-1]
	for i := 1; i < len(st.Commits); i++ {
		if st.Commits[i] < st.Commits[i-1] {
			t.Errorf("buckets not cumulative: %v", st.Commits)
		}
	}
	if last > uint64(st.Groups) || last < uint64(st.Groups)-1 { // the holder's group took as long as the test
		t.Errorf("%d groups in the buckets of %d", last, st.Groups)
	}
	if st.CommitTime <= before.CommitTime {
		t.Errorf("commit time %v, was %v", st.CommitTime, before.CommitTime)
	}
}
