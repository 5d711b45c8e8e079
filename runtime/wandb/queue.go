package wandb

import (
	"sync"
	"time"
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
	metric *MetricRecord
}

// queue is a bounded FIFO between the callers and the writer goroutine: a
// locked slice the writer swaps out whole, waking the writer only when the
// slice turns non-empty, so a burst of calls costs one wake-up.
type queue struct {
	mu     sync.Mutex
	items  []entry
	spare  []entry
	limit  int
	closed bool
	wake   chan struct{} // capacity 1
}

func newQueue(limit int) *queue {
	return &queue{limit: limit, wake: make(chan struct{}, 1)}
}

// push adds e unless the queue is closed or, unless force is set, full.
// It never blocks beyond the mutex.
func (q *queue) push(e entry, force bool) bool {
	q.mu.Lock()
	if q.closed || (!force && len(q.items) >= q.limit) {
		q.mu.Unlock()
		return false
	}
	q.items = append(q.items, e)
	first := len(q.items) == 1
	q.mu.Unlock()
	if first {
		select {
		case q.wake <- struct{}{}:
		default:
		}
	}
	return true
}

// take returns everything queued; the slice is only valid until the next
// take, which reuses it.
func (q *queue) take() []entry {
	q.mu.Lock()
	items := q.items
	for i := range q.spare {
		q.spare[i] = entry{} // drop references to rows already written
	}
	q.items = q.spare[:0]
	q.spare = items
	q.mu.Unlock()
	return items
}

// close makes later pushes fail; queued entries stay for take.
func (q *queue) close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
}
