package wandb

import (
	"os"
	"time"

	"github.com/wbinstrument/wbinstrument/runtime/wandb/wandbfile"
)

// Table files are written late. Creating a file costs 25-250 µs of kernel
// time on slow disks, and an instrumented program logs a table per API
// call: written at once, a burst of calls would pay for a burst of file
// creations on a CPU the program is using. So Step.Table only encodes the
// table (its sha256 names it and goes into the history row, which is
// written at once) and queues the bytes; the writer goroutine creates the
// files later:
//
//   - when it has been idle for tableTiming.quiet: the program paused its
//     calls, or waits for a response, and the CPU is free;
//   - when the oldest queued file is tableTiming.maxAge old, or the queue
//     holds more than maxFiles files or maxBytes bytes: only as many as
//     bring the queue back under, so sustained load trickles files out
//     instead of stalling on all of them at once;
//   - at Finish, before the summary and the exit record.
//
// A file's FilesRecord is written to the log only once the file exists, so
// the online sender, which reads a file when it sees its FilesRecord, and
// `wbinstrument sync` always find it. A killed program (kill -9) loses the
// queued files, at most maxAge worth plus what the bounds allow: their rows
// stay in the log and reference files that are not there, and no
// FilesRecord announces them, which W&B shows as a missing table.

// tableTiming holds the queue's limits; a variable so tests can make them
// small. The quiet period exceeds the 20 ms at which busy callers (the
// wbopenai session, the writer's own drain timer) hand rows over.
var tableTiming = struct {
	quiet, maxAge      time.Duration
	maxFiles, maxBytes int
}{
	quiet:    80 * time.Millisecond,
	maxAge:   2 * time.Second,
	maxFiles: 2048,
	maxBytes: 16 << 20,
}

// maxFreeTableBufs bounds the encoding buffers kept for reuse once their
// files are written: enough for a steady trickle without holding a burst's
// memory for good.
const maxFreeTableBufs = 8

// maxBigTableBufs bounds the free buffers over 1 MiB (batch tables).
const maxBigTableBufs = 2

// queuedTable is a table file waiting to be written.
type queuedTable struct {
	rel    string // path under files/, slash separated (the FilesItem path)
	full   string // path on disk
	body   []byte
	queued time.Time
}

// tableQueue is the FIFO of table files not yet written, owned by the
// writer goroutine.
type tableQueue struct {
	items []queuedTable // items[head:] are queued, oldest first
	head  int
	bytes int
	free  [][]byte // encoding buffers for reuse
	last  int      // size of the last table queued
}

func (q *tableQueue) len() int { return len(q.items) - q.head }

// buffer returns an empty buffer to encode a table into.
func (q *tableQueue) buffer() []byte {
	if n := len(q.free); n > 0 {
		b := q.free[n-1]
		q.free[n-1] = nil
		q.free = q.free[:n-1]
		return b[:0]
	}
	// Per-call tables are about the same size: room for the last one and
	// some saves growing a new buffer step by step.
	return make([]byte, 0, q.last+q.last/4+512)
}

func (q *tableQueue) push(t queuedTable) {
	q.items = append(q.items, t)
	q.bytes += len(t.body)
	q.last = len(t.body)
}

// pop removes the oldest table; the caller gives its body back with
// recycle once written.
func (q *tableQueue) pop() queuedTable {
	t := q.items[q.head]
	q.items[q.head] = queuedTable{}
	q.head++
	q.bytes -= len(t.body)
	switch {
	case q.head == len(q.items):
		q.items, q.head = q.items[:0], 0
	case q.head >= 64 && q.head*2 >= len(q.items):
		// Under sustained load the queue never empties: slide it down
		// rather than let the slice grow.
		n := copy(q.items, q.items[q.head:])
		for i := n; i < len(q.items); i++ {
			q.items[i] = queuedTable{}
		}
		q.items, q.head = q.items[:n], 0
	}
	return t
}

func (q *tableQueue) recycle(b []byte) {
	if len(q.free) >= maxFreeTableBufs {
		return
	}
	if cap(b) > 1<<20 {
		// Batch tables are megabytes: keep at most maxBigTableBufs of
		// them, so that a run logging them reuses rather than zeroes
		// fresh memory for each, and a burst's are let go.
		big := 0
		for _, f := range q.free {
			if cap(f) > 1<<20 {
				big++
			}
		}
		if big >= maxBigTableBufs || cap(b) > 64<<20 {
			return
		}
	}
	q.free = append(q.free, b)
}

// bufferFor returns an empty buffer for a table of about n bytes: a free
// one big enough if there is one.
func (q *tableQueue) bufferFor(n int) []byte {
	for i := len(q.free) - 1; i >= 0; i-- {
		if b := q.free[i]; cap(b) >= n {
			q.free = append(q.free[:i], q.free[i+1:]...)
			return b[:0]
		}
	}
	if n <= q.last+q.last/4+512 {
		return q.buffer()
	}
	return make([]byte, 0, n+n/8)
}

// overBound reports whether the queue holds more than its limits allow.
func (q *tableQueue) overBound() bool {
	return q.len() > tableTiming.maxFiles || q.bytes > tableTiming.maxBytes
}

// writeDueTables writes the queued tables that are due at now: the oldest
// first, while the queue is over its bounds or the oldest has reached the
// max age. Their FilesItems go to pendingFiles; the caller writes them.
func (w *writer) writeDueTables(now time.Time) {
	q := &w.tables
	for q.len() > 0 && (q.overBound() || now.Sub(q.items[q.head].queued) >= tableTiming.maxAge) {
		w.writeTable(q.pop())
	}
}

// writeAllTables writes every queued table.
func (w *writer) writeAllTables() {
	for w.tables.len() > 0 {
		w.writeTable(w.tables.pop())
	}
}

// writeTable creates one table file and, once it exists, queues its
// FilesItem. A disk error loses that file (with one warning for the run)
// and its FilesItem, not the run.
func (w *writer) writeTable(t queuedTable) {
	// One open, write and close, as os.WriteFile does: the cost is the
	// kernel's file creation, which no flag of os.OpenFile avoids.
	if err := os.WriteFile(t.full, t.body, 0o644); err != nil {
		w.run.con.warnOnce("disk", "writing tables: %v; logging to this run may be incomplete, the program continues", err)
	} else {
		w.pendingFiles = append(w.pendingFiles, wandbfile.FilesItem{Path: t.rel, Policy: wandbfile.PolicyNow, Type: wandbfile.FileMedia})
	}
	w.tables.recycle(t.body)
}

// nextTableDue is when the writer must next look at the queue: the end of
// the quiet period after its last busy moment, or when the oldest table
// reaches the max age, whichever comes first. ok is false when nothing is
// queued.
func (w *writer) nextTableDue() (due time.Time, ok bool) {
	q := &w.tables
	if q.len() == 0 {
		return time.Time{}, false
	}
	due = w.busyAt.Add(tableTiming.quiet)
	if old := q.items[q.head].queued.Add(tableTiming.maxAge); old.Before(due) {
		due = old
	}
	return due, true
}

// tablesTimer runs when nextTableDue has come: after a quiet period it
// writes every queued table, else those due by age. It announces what it
// wrote.
func (w *writer) tablesTimer(now time.Time) {
	if now.Sub(w.busyAt) >= tableTiming.quiet {
		w.writeAllTables()
	} else {
		w.writeDueTables(now)
	}
	w.writeFiles()
}
