package sqlite

import (
	"sync/atomic"
	"time"
)

// CommitBounds are the upper bounds, in seconds, of the buckets of
// [WriterStats.Commits].
var CommitBounds = [...]float64{0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1}

// WriterStats is what the writer has done since [Open], for metrics: how
// many groups (transactions) it committed or failed, how many write ops
// they held (Ops/Groups is the mean group size: how many writes shared one
// fsync), and how long the writer spent on each group: running its ops,
// BEGIN to the end of COMMIT with its fsync, a checkpoint if one ran, and
// answering the ops (failed groups too).
type WriterStats struct {
	Groups, Ops int64
	// Commits[i] counts the groups that took at most CommitBounds[i]
	// seconds (cumulative, as a Prometheus histogram has it); groups that
	// took longer than the last bound are in Groups only.
	Commits    [len(CommitBounds)]uint64
	CommitTime time.Duration // all groups together
}

// commitTimes is the writer's side of [WriterStats.Commits], written by
// the writer goroutine only, read by anyone.
type commitTimes struct {
	buckets [len(CommitBounds)]atomic.Uint64 // not cumulative
	nanos   atomic.Int64
}

func (c *commitTimes) observe(d time.Duration) {
	c.nanos.Add(int64(d))
	for i, b := range CommitBounds {
		if d.Seconds() <= b {
			c.buckets[i].Add(1)
			return
		}
	}
}

// WriterStats returns the writer's counts so far.
func (db *DB) WriterStats() WriterStats {
	c := &db.w.commits
	st := WriterStats{Groups: db.w.batches.Load(), Ops: db.w.ops.Load(), CommitTime: time.Duration(c.nanos.Load())}
	var sum uint64
	for i := range c.buckets {
		sum += c.buckets[i].Load()
		st.Commits[i] = sum
	}
	return st
}
