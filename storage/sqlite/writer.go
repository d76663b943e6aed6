package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mattn/go-sqlite3"

	"github.com/palja/palja/storage/sealed"
)

// maxBatch caps how many write ops share one transaction, so that one
// commit's latency stays bounded under load.
const maxBatch = 256

// ErrClosed is returned for a write submitted after [DB.Close].
var ErrClosed = errors.New("sqlite: database closed")

// ErrWriterFailed is returned for every write after the writer met an I/O
// error at a commit (see [DB.Failed]).
var ErrWriterFailed = errors.New("sqlite: a commit failed with an I/O error; no more writes until the database is reopened")

// A writer owns the database's only write connection. Every write is an op
// handed to its goroutine, which commits them in groups: while one commit
// (and its fsync) is in flight, the ops that arrive queue up, and the next
// transaction takes all of them at once. Each op runs inside its own
// SAVEPOINT, or writes its own change with a single statement (the
// prepared updates of [wtx.update]), so one failing op is rolled back
// alone; the ops of a group are answered only after the COMMIT that holds
// them, and a failed COMMIT fails all of them. With synchronous=FULL every
// acknowledged write is on disk, yet the cost of a sync is shared by the
// whole group.
type writer struct {
	conn  *sql.Conn
	st    stmts // prepared on conn
	tx    wtx
	queue chan *op
	done  chan struct{} // closed when run returns

	started bool // run was started; set before Open returns

	batches, ops atomic.Int64 // committed or failed groups, and their ops
	commits      commitTimes

	mu     sync.RWMutex // held for reading while sending to queue
	closed bool

	// failure is set, and failed closed, once a commit met an I/O error.
	failure    atomic.Pointer[error]
	failed     chan struct{}
	failedOnce sync.Once
}

// An op is one write: either fn, which runs on the writer goroutine inside
// the group's transaction and whose error rolls back its own changes only,
// or upd, a profile update prepared by its caller (see [wtx.update]).
type op struct {
	ctx      context.Context
	fn       func(*wtx) error
	upd      *update
	err      error
	panicked any
	answer   chan struct{}
}

var opPool = sync.Pool{New: func() any { return &op{answer: make(chan struct{}, 1)} }}

// wtx is what an op sees of the transaction it runs in: the writer's
// connection and prepared statements, and the scratch buffers of sealing,
// which the writer goroutine reuses from op to op.
type wtx struct {
	db   *DB
	ctx  context.Context // never cancelled: see [writer.do]
	conn *sql.Conn
	st   *stmts
	buf  sealed.Buffers
	// scrub is set by an op that deleted personal data: after the commit
	// the WAL is checkpointed and truncated (see [writer.scrubWAL]).
	scrub bool
	// latest holds, by seq, the state in this transaction of the profiles
	// that update ops changed, some not yet written (see [wtx.update]). It
	// is emptied before and after every other op, and after the
	// transaction.
	latest map[int64]*latest
	// broken is set by an update op when the group cannot commit: writing
	// the pending states of earlier ops failed (see [wtx.flush]), or SQLite
	// rolled the transaction back after its error.
	broken error
	// cacheChanges are what the ops did to rows that the row cache may
	// hold, made there once the transaction has committed.
	cacheChanges []cacheChange
}

func newWriter(db *DB, conn *sql.Conn, queue int) *writer {
	w := &writer{
		conn:   conn,
		queue:  make(chan *op, queue),
		done:   make(chan struct{}),
		failed: make(chan struct{}),
	}
	w.tx = wtx{db: db, ctx: context.Background(), conn: conn, st: &w.st, latest: make(map[int64]*latest)}
	return w
}

// do runs fn on the writer goroutine in the next group and returns its
// error once the group's transaction has committed (or the commit's error).
// An op whose ctx is done before it runs is skipped with ctx.Err(). Once
// queued, an op is always answered, so do waits for the answer even if ctx
// ends meanwhile: the caller must learn whether its write was committed.
//
// The statements of an op run with a context that is never cancelled: with
// SQLite, interrupting a statement inside a transaction may roll back the
// whole transaction, and with it the ops of other callers.
//
// A panic in fn is re-raised in the caller's goroutine after its savepoint
// has been rolled back (a lone op has none: then the whole transaction
// is).
func (w *writer) do(ctx context.Context, fn func(*wtx) error) error {
	return w.submit(ctx, fn, nil)
}

// update runs the prepared update u in the next group, as do runs a
// function (see [wtx.update]).
func (w *writer) update(ctx context.Context, u *update) error {
	return w.submit(ctx, nil, u)
}

func (w *writer) submit(ctx context.Context, fn func(*wtx) error, u *update) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if f := w.failure.Load(); f != nil {
		return *f
	}
	o := opPool.Get().(*op)
	o.ctx, o.fn, o.upd = ctx, fn, u
	w.mu.RLock()
	if w.closed {
		w.mu.RUnlock()
		*o = op{answer: o.answer}
		opPool.Put(o)
		return ErrClosed
	}
	select {
	case w.queue <- o:
		w.mu.RUnlock()
	case <-ctx.Done():
		w.mu.RUnlock()
		*o = op{answer: o.answer}
		opPool.Put(o)
		return ctx.Err()
	}
	<-o.answer
	err, p := o.err, o.panicked
	*o = op{answer: o.answer}
	opPool.Put(o)
	if p != nil {
		panic(p)
	}
	return err
}

// close stops accepting ops, lets the writer run those already queued, and
// waits for it to exit.
func (w *writer) close() {
	w.mu.Lock()
	if !w.closed {
		w.closed = true
		close(w.queue)
	}
	w.mu.Unlock()
	<-w.done
}

// run is the writer goroutine.
func (w *writer) run() {
	defer close(w.done)
	batch := make([]*op, 0, maxBatch)
	for o := range w.queue {
		batch = append(batch[:0], o)
	gather:
		for len(batch) < maxBatch {
			select {
			case o, ok := <-w.queue:
				if !ok {
					break gather
				}
				batch = append(batch, o)
			default:
				break gather
			}
		}
		w.batches.Add(1)
		w.ops.Add(int64(len(batch)))
		start := time.Now()
		w.commit(batch)
		w.commits.observe(time.Since(start))
		clear(batch)
	}
}

// commit runs batch in one transaction and answers every op.
func (w *writer) commit(batch []*op) {
	defer func() {
		for _, o := range batch {
			o.answer <- struct{}{}
		}
	}()
	tx, st := &w.tx, &w.st
	if f := w.failure.Load(); f != nil {
		for _, o := range batch {
			o.err = *f
		}
		return
	}
	if _, err := st[stBegin].ExecContext(tx.ctx); err != nil {
		err = fmt.Errorf("sqlite: begin: %w", err)
		for _, o := range batch {
			o.err = err
		}
		return
	}
	defer func() {
		clear(tx.latest)
		tx.discardCacheChanges() // of a group rolled back
		tx.broken = nil
	}()
	for _, o := range batch {
		if o.upd != nil {
			// No savepoint needed: an update op writes its row with one
			// statement, which SQLite undoes alone if it fails. It may
			// also write the pending states of earlier ops first; if that
			// fails, or SQLite rolled back the whole transaction after
			// an error, the group fails (see [wtx.broken]).
			if o.err = w.call(o); tx.broken == nil && w.endsGroup(o.err) {
				tx.broken = o.err
			}
			if err := tx.broken; err != nil {
				w.rollback(batch, othersError(err)) // o keeps its own error
				return
			}
			continue
		}
		// Other ops see the profiles as stored, and may change any.
		if err := tx.flush(); err != nil {
			w.abort(batch, err)
			return
		}
		clear(tx.latest)
		if len(batch) == 1 {
			// A lone op needs no savepoint: if it fails, the transaction
			// is rolled back as a whole.
			if o.err = w.call(o); o.err != nil {
				w.abort(batch, nil)
				return
			}
			continue
		}
		if _, err := st[stSavepoint].ExecContext(tx.ctx); err != nil {
			w.abort(batch, fmt.Errorf("sqlite: savepoint: %w", err))
			return
		}
		if o.err = w.call(o); o.err != nil {
			if _, err := st[stRollbackTo].ExecContext(tx.ctx); err != nil {
				// SQLite rolled the whole transaction back (an I/O
				// error, a full disk): nothing of the group holds.
				w.abort(batch, fmt.Errorf("sqlite: rollback to savepoint: %w", err))
				return
			}
		}
		if _, err := st[stRelease].ExecContext(tx.ctx); err != nil {
			w.abort(batch, fmt.Errorf("sqlite: release savepoint: %w", err))
			return
		}
		clear(tx.latest)
	}
	if err := tx.flush(); err != nil {
		w.abort(batch, err)
		return
	}
	if _, err := st[stCommit].ExecContext(tx.ctx); err != nil {
		w.abort(batch, fmt.Errorf("sqlite: commit: %w", err))
		return
	}
	tx.db.rows.apply(tx.cacheChanges) // cleared by the deferred reset
	if tx.scrub {
		w.scrubWAL()
	}
}

// scrubWAL copies the WAL into the database file and truncates it to zero
// bytes, before the ops of the group are answered: the frames that held a
// deleted profile (its ciphertext and its external_id in the clear) and
// its earlier versions are then gone from the WAL file, as secure_delete
// has overwritten them in the database file. A checkpoint kept from
// finishing (a reader of another process on an older snapshot beyond the
// busy timeout) is tried again after the next commit.
func (w *writer) scrubWAL() {
	var busy, logFrames, done int
	err := w.conn.QueryRowContext(w.tx.ctx, "PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &logFrames, &done)
	if err == nil && busy == 0 {
		w.tx.scrub = false
	} else if isIOError(err) {
		w.fail(err)
	}
}

// fail stops the writer for good after an I/O error of err at a commit, a
// rollback or a savepoint. The transaction's frames may have reached the
// write-ahead log even though the sync failed (so that its writes appear
// after a restart), and after a failed fsync the kernel may have dropped
// pages that it reported as written: committing more on top of that log
// could make the recovery after a crash drop acknowledged transactions
// (WAL frames are checksummed as a chain). So no later write is run or
// acknowledged on this handle: each fails with [ErrWriterFailed], [DB.Ping]
// fails, and [DB.Failed] is closed, for the process to stop and be
// restarted: reopening the database replays the log and tells what it holds.
func (w *writer) fail(err error) {
	f := fmt.Errorf("%w (%v)", ErrWriterFailed, err)
	w.failure.CompareAndSwap(nil, &f)
	w.failedOnce.Do(func() { close(w.failed) })
}

// call runs one op, unless its context is already done.
func (w *writer) call(o *op) (err error) {
	if err := o.ctx.Err(); err != nil {
		return err
	}
	defer func() {
		if p := recover(); p != nil {
			o.panicked = p
			err = errors.New("sqlite: write op panicked")
		}
	}()
	if o.upd != nil {
		err = w.tx.update(o.upd)
	} else {
		err = o.fn(&w.tx)
	}
	if isWriteIOError(err) {
		w.fail(err)
	}
	return err
}

// abort rolls the transaction back and fails with err every op that had
// succeeded so far, or not run yet (ops that failed keep their own error).
// err nil only rolls back. An I/O error of err, met at a commit, a
// savepoint or a flush, stops the writer (see [writer.fail]).
func (w *writer) abort(batch []*op, err error) {
	w.rollback(batch, err)
	if isIOError(err) {
		w.fail(err)
	}
}

// rollback is abort without stopping the writer: for the error of an
// update op, which stops it only if it is an error of writing, and then
// has already (see [writer.call]).
func (w *writer) rollback(batch []*op, err error) {
	w.st[stRollback].ExecContext(w.tx.ctx) // fails harmlessly if SQLite already rolled back
	if err == nil {
		return
	}
	for _, o := range batch {
		if o.err == nil {
			o.err = err
		}
	}
}

// errGroupFailed is the error of the writes of a group that failed
// because of another write of the group.
var errGroupFailed = errors.New("sqlite: another write of the same transaction failed, and the transaction was rolled back")

// othersError is what the other writes of a group get when err, one
// update op's error, made it fail: SQLite's error without the op's
// context, which names a profile that may be another account's.
func othersError(err error) error {
	if se, ok := sqliteError(err); ok {
		return fmt.Errorf("%w: %w", errGroupFailed, se)
	}
	return errGroupFailed
}

// endsGroup reports whether err, an update op's, fails the whole group:
// an error of SQLite's that stopped the writer (see [writer.call]), or
// after which the connection is no longer in the group's transaction.
// After some errors (an I/O error, a full disk, no memory, a trigger's
// RAISE(ROLLBACK)) SQLite rolls the transaction back by itself. When it
// cannot tell, it says the group ends, which is safe.
func (w *writer) endsGroup(err error) bool {
	if !isSQLiteError(err) {
		return false // fn's, or the store's own: nothing was written
	}
	if w.failure.Load() != nil {
		return true
	}
	in := false
	w.conn.Raw(func(dc any) error {
		if c, ok := dc.(*sqlite3.SQLiteConn); ok {
			in = !c.AutoCommit()
		}
		return nil
	})
	return !in
}
