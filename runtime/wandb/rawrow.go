package wandb

import (
	"fmt"
	"sync/atomic"
	"time"

	"github.com/wbinstrument/wbinstrument/runtime/wandb/wandbfile"
)

// A logging goroutine that writes many rows of the same shape (wbopenai's,
// one row per API call) encodes them itself: a map of boxed values costs
// it a dozen allocations per row, and the writer as many again to sort,
// reflect over and encode them. RawRow is such a row, encoded.

// RawItem is one history key and its value as JSON.
type RawItem struct {
	Key  string
	JSON []byte // valid JSON, written verbatim
}

// RawTable is a table whose rows the caller encoded: Rows holds them
// joined by commas, each a JSON array of len(Columns) cells, as they go
// between the brackets of the table file's "data" member.
type RawTable struct {
	Key     string // the history key that references the table
	Columns []string
	Rows    []byte
	NRows   int
	// Release, when set, gets Rows back on the writer goroutine once the
	// table no longer needs them, for the caller to reuse: a batch's rows
	// are megabytes, which a fresh allocation has to zero again.
	Release RowsReleaser
}

// RowsReleaser takes back a RawTable's rows.
type RowsReleaser interface {
	ReleaseRows(rows []byte)
}

// StepHook is told the step of a RawRow once the row is in the log.
type StepHook interface {
	RowWritten(step int64)
}

// RawRow is a history row encoded by its caller (see Run.LogRowWait).
type RawRow struct {
	// Items are sorted by key, each key once, none of _step, _runtime or
	// _timestamp. The row's JSON is kept by reference for the summary:
	// the caller must not change it once logged.
	Items []RawItem
	// Table, when set, is written as a table file and referenced under
	// Table.Key, as Step.Table does; Table.Key sorts among Items.
	Table *RawTable
	// Written, when set, runs on the writer goroutine once the row is
	// written; it must not wait.
	Written StepHook
	// Time is when the row was logged (its _timestamp); zero means when
	// LogRowWait is called.
	Time time.Time
}

// LogRowWait is LogFuncWait for a row encoded by its caller, which it
// waits for room in the queue for as LogFuncWait does.
func (r *Run) LogRowWait(row *RawRow, deadline time.Time) bool {
	if r == nil || r.disabled || row == nil {
		return false
	}
	t := row.Time
	if t.IsZero() {
		t = r.h.now()
	}
	ok, full := r.q.pushWait(entry{kind: entryRow, t: t, raw: row}, deadline)
	if full {
		atomic.AddUint64(&r.dropped, 1)
	}
	return ok
}

// writeRawRow is writeRow for a RawRow.
func (w *writer) writeRawRow(e *entry) {
	r := w.run
	row := e.raw
	step := Step{Num: w.step, Runtime: e.t.Sub(r.start).Seconds(), Timestamp: float64(e.t.UnixNano()) / 1e9, w: w}
	var table []byte
	if t := row.Table; t != nil {
		if ref, err := step.rawTable(t); err == nil {
			table = ref
		}
	}
	tableKey := ""
	if table != nil {
		tableKey = row.Table.Key
	}
	for i := range row.Items {
		if m := w.metrics.expand(row.Items[i].Key); m != nil {
			w.write(&wandbfile.Record{Metric: m})
		}
	}
	if table != nil {
		if m := w.metrics.expand(tableKey); m != nil {
			w.write(&wandbfile.Record{Metric: m})
		}
	}

	w.num++
	b, start := wandbfile.BeginHistory(w.rec[:0], w.num)
	for i := range row.Items {
		it := &row.Items[i]
		if table != nil && tableKey < it.Key {
			b = wandbfile.AppendHistoryItem(b, tableKey, table)
			w.keepRaw(tableKey, table)
			table = nil
		}
		b = wandbfile.AppendHistoryItem(b, it.Key, it.JSON)
		w.keepRaw(it.Key, it.JSON)
	}
	if table != nil {
		b = wandbfile.AppendHistoryItem(b, tableKey, table)
		w.keepRaw(tableKey, table)
	}
	w.endRow(b, start, &step)
	if row.Written != nil {
		row.Written.RowWritten(step.Num)
	}
	w.writeFiles()
}

// keepRaw records a raw value as its key's latest, for the summary.
func (w *writer) keepRaw(key string, v []byte) {
	if w.lastRaw == nil {
		w.lastRaw = map[string][]byte{}
	}
	w.lastRaw[key] = v
	if len(w.last) > 0 {
		delete(w.last, key)
	}
}

// rawTable queues the table file of a RawTable and returns the history
// value that references it, as Table does.
func (s *Step) rawTable(t *RawTable) ([]byte, error) {
	if err := checkTableKey(t.Key); err != nil {
		return nil, err
	}
	w := s.w
	body := appendRawTableJSON(w.tables.bufferFor(len(t.Rows)+256), t.Columns, t.Rows)
	if t.Release != nil {
		t.Release.ReleaseRows(t.Rows)
	}
	ref, err := s.queueTable(t.Key, body, len(t.Columns), t.NRows)
	if err != nil {
		return nil, err
	}
	v, ok := w.encodeValue(t.Key, ref)
	if !ok {
		return nil, fmt.Errorf("wandb: table %q: its reference does not encode", t.Key)
	}
	return append([]byte(nil), v...), nil
}
