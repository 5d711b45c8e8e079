package wandb

import (
	"sync"
	"time"

	"github.com/wbinstrument/wbinstrument/runtime/wandb/wandbfile"
)

// defaultQueueCap bounds the entries waiting for the writer goroutine; at
// about 1 KiB a row that is ~10 MiB of rows before logging starts dropping.
const defaultQueueCap = 10000

type entryKind uint8

const (
	entryRow    entryKind = iota // a history row (values or build)
	entryMetric                  // a DefineMetric call
)

// entry is one queued call. The row's time is taken on the caller's path,
// so _timestamp is when Log was called, not when the row was written.
type entry struct {
	kind   entryKind
	t      time.Time
	values map[string]interface{}
	build  func(*Step) map[string]interface{}
	raw    *RawRow
	metric *wandbfile.MetricRecord
}

// queue is a bounded FIFO between the callers and the writer goroutine: a
// locked slice the writer swaps out whole. While the writer is busy it
// drains on a short timer, so a caller only pays for the lock and an
// append; it wakes the writer only when the writer is idle or the queue is
// half full.
type queue struct {
	mu       sync.Mutex
	items    []entry
	spare    []entry
	limit    int
	closed   bool
	sleeping bool          // the writer found the queue empty and waits for wake
	wake     chan struct{} // capacity 1
	room     chan struct{} // closed when take or close makes room for pushWait
}

func newQueue(limit int) *queue {
	return &queue{limit: limit, wake: make(chan struct{}, 1)}
}

// push adds e unless the queue is closed or, unless force is set, full;
// full reports the latter. It never blocks beyond the mutex.
func (q *queue) push(e entry, force bool) (ok, full bool) {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return false, false
	}
	if !force && len(q.items) >= q.limit {
		q.mu.Unlock()
		return false, true
	}
	q.appendUnlock(e)
	return true, false
}

// appendUnlock adds e, unlocks q.mu, and wakes the writer when it sleeps
// or the queue has just become half full.
func (q *queue) appendUnlock(e entry) {
	q.items = append(q.items, e)
	signal := q.sleeping || len(q.items) == q.limit/2
	q.sleeping = false
	q.mu.Unlock()
	if signal {
		q.signal()
	}
}

// signal wakes the writer if it is not awake already.
func (q *queue) signal() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// pushWait adds e, waiting while the queue is full until the writer takes
// it, or until deadline. It fails when the queue is closed, or still full
// at the deadline; full reports the latter, as push's does.
func (q *queue) pushWait(e entry, deadline time.Time) (ok, full bool) {
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	q.mu.Lock()
	for !q.closed && len(q.items) >= q.limit {
		if q.room == nil {
			q.room = make(chan struct{})
		}
		room := q.room
		q.mu.Unlock()
		q.signal()
		wait := time.Until(deadline)
		if wait <= 0 {
			return false, true
		}
		if timer == nil {
			timer = time.NewTimer(wait)
		} else {
			// Go before 1.23 keeps a fired timer's value in its channel.
			if !timer.Stop() {
				select {
				case <-timer.C:
				default:
				}
			}
			timer.Reset(wait)
		}
		select {
		case <-room:
		case <-timer.C:
			if time.Now().Before(deadline) {
				break // a stale tick: look again
			}
			return false, true
		}
		q.mu.Lock()
	}
	if q.closed {
		q.mu.Unlock()
		return false, false
	}
	q.appendUnlock(e)
	return true, false
}

// makeRoom wakes the pushWait callers; q.mu is held.
func (q *queue) makeRoom() {
	if q.room != nil {
		close(q.room)
		q.room = nil
	}
}

// take returns everything queued; the slice is only valid until the next
// take, which reuses it, and the writer clears it (outside the lock) when
// done so written rows can be collected. Finding nothing, it marks the writer as sleeping
// so the next push wakes it.
func (q *queue) take() []entry {
	q.mu.Lock()
	items := q.items
	if len(items) == 0 {
		q.sleeping = true
		q.mu.Unlock()
		return nil
	}
	q.items = q.spare[:0]
	q.spare = items
	q.makeRoom()
	q.mu.Unlock()
	return items
}

// close makes later pushes fail; queued entries stay for take.
func (q *queue) close() {
	q.mu.Lock()
	q.closed = true
	q.makeRoom()
	q.mu.Unlock()
}
