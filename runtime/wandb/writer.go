package wandb

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/wbinstrument/wbinstrument/runtime/wandb/wandbfile"
)

// flushThreshold hands buffered records to the OS early under load, so
// memory stays bounded and writes stay large.
const flushThreshold = 256 << 10

// writer is the state of the writer goroutine: the only code that encodes
// values, numbers records and touches the run's files after Init.
type writer struct {
	run  *Run
	f    *os.File
	lw   *wandbfile.LogWriter
	sink recordSink

	num  int64 // last Record.num written
	step int64 // next _step

	rec  []byte       // scratch for one record's protobuf
	jbuf bytes.Buffer // scratch for one value's JSON
	enc  *json.Encoder
	keys []string

	// last holds the latest value of every history key, the W&B default
	// summary, by reference (callers do not modify logged values): copying
	// each row's JSON would cost more than the rest of the row. lastStep
	// is the latest _step, or -1; its row's _runtime and _timestamp follow.
	last                   map[string]interface{}
	lastRaw                map[string][]byte // the same for RawRow values (rawrow.go)
	lastStep               int64
	lastRuntime, lastStamp float64
	pendingFiles           []wandbfile.FilesItem
	tableDirs              map[string]bool // directories Step.Table has made
	tables                 tableQueue      // table files not yet written (media.go)
	busyAt                 time.Time       // when the loop last had entries to process

	rows, lost  int64
	lastSummary time.Time // wall clock of the last periodic summary
	rowsAtSum   int64

	metrics writerMetrics // definitions so far, for glob expansion
}

func newWriter(r *Run, f *os.File) *writer {
	var out io.Writer = f
	if r.h.wrapLog != nil {
		out = r.h.wrapLog(f)
	}
	w := &writer{run: r, f: f, lw: wandbfile.NewLogWriter(out), last: map[string]interface{}{}, lastStep: -1, lastSummary: time.Now()}
	w.enc = json.NewEncoder(&w.jbuf)
	// Python's json.dumps, which W&B's SDK uses, does not escape <, >, &.
	w.enc.SetEscapeHTML(false)
	return w
}

// write numbers, encodes and frames one record.
func (w *writer) write(rec *wandbfile.Record) {
	w.num++
	rec.Num = w.num
	b, err := wandbfile.AppendRecord(w.rec[:0], rec)
	if err != nil {
		// Only a record without a type fails: a bug here, but never one
		// worth crashing the program or corrupting the log for.
		w.num--
		w.run.con.warnOnce("encode", "internal error: %v", err)
		return
	}
	w.rec = b
	w.frame(b)
}

func (w *writer) frame(payload []byte) {
	w.lw.Add(payload)
	if w.sink != nil {
		w.sink.Record(w.num, payload)
	}
}

// failed reports whether the log can no longer be written (a disk error
// was seen); the writer then only counts what it could not write.
func (w *writer) failed() bool { return w.lw.Err() != nil }

// loop drains the queue until Finish asks it to stop: while rows come in it
// takes them every drainEvery, when idle it sleeps until a push wakes it.
func (w *writer) loop() {
	r := w.run
	defer close(r.done)
	w.writeEnvironment()
	var flushT, drainT, tableT idleTimer
	for {
		if items := r.q.take(); len(items) > 0 {
			w.process(items)
			for i := range items {
				items[i] = entry{}
			}
			w.busyAt = time.Now()
			if w.tables.len() > 0 {
				w.writeDueTables(w.busyAt)
				w.writeFiles()
			}
			if w.lw.Pending() >= flushThreshold {
				w.flush()
			}
			drainT.arm(r.h.drainEvery)
		}
		if w.lw.Pending() > 0 && !w.failed() {
			flushT.arm(r.h.flushDelay)
		}
		// Queued table files wait for the writer to be quiet, or for
		// their max age (media.go).
		if due, ok := w.nextTableDue(); ok && !tableT.on {
			tableT.arm(time.Until(due))
		}
		select {
		case <-r.q.wake:
		case <-drainT.c():
			drainT.on = false
		case <-flushT.c():
			flushT.on = false
			w.periodicSummary()
			w.flush()
		case now := <-tableT.c():
			tableT.on = false
			w.tablesTimer(now)
		case req := <-r.finishCh:
			flushT.stop()
			drainT.stop()
			tableT.stop()
			req.result <- w.finish(req)
			return
		}
	}
}

// writeEnvironment gathers the run's environment and writes it, first
// thing on the writer goroutine, so the caller never waits for it: the
// EnvironmentRecord W&B's client writes at start, and the Go facts it has
// no field for as the config's "wbinstrument" entry.
func (w *writer) writeEnvironment() {
	if w.run.h.environment == nil {
		return
	}
	env := w.run.h.environment(w.run)
	if env == nil {
		return
	}
	if len(env.config) > 0 {
		if items := configItems(map[string]interface{}{"wbinstrument": env.config}, w.run.con); len(items) > 0 {
			w.write(&wandbfile.Record{Config: &wandbfile.ConfigRecord{Update: items}})
		}
	}
	if env.record != nil {
		w.write(&wandbfile.Record{Environment: env.record})
	}
}

// idleTimer is a reusable timer that is either armed or off; its channel
// is nil while off so a select ignores it.
type idleTimer struct {
	t  *time.Timer
	on bool
}

func (t *idleTimer) arm(d time.Duration) {
	if t.on {
		return
	}
	if t.t == nil {
		t.t = time.NewTimer(d)
	} else {
		t.t.Reset(d) // stopped or fired and received: safe to reset
	}
	t.on = true
}

func (t *idleTimer) c() <-chan time.Time {
	if !t.on {
		return nil
	}
	return t.t.C
}

func (t *idleTimer) stop() {
	if t.t != nil {
		t.t.Stop()
	}
}

// process writes queued entries. Once Finish has set its deadline, the
// entries it leaves no time for are counted as lost.
func (w *writer) process(items []entry) {
	for i := range items {
		if w.failed() || w.pastDeadline() {
			w.lost += int64(len(items) - i)
			return
		}
		e := &items[i]
		switch e.kind {
		case entryMetric:
			w.metrics.note(e.metric)
			w.write(&wandbfile.Record{Metric: e.metric})
		case entryRow:
			if e.raw != nil {
				w.writeRawRow(e)
			} else {
				w.writeRow(e)
			}
		}
		if w.lw.Pending() >= flushThreshold {
			w.flush()
		}
	}
}

func (w *writer) pastDeadline() bool {
	d := atomic.LoadInt64(&w.run.deadline)
	return d != 0 && time.Now().UnixNano() > d
}

func (w *writer) flush() {
	if w.failed() {
		return
	}
	if err := w.lw.Flush(); err != nil {
		w.run.con.warnOnce("disk", "writing %s: %v; logging to this run stopped, the program continues", w.f.Name(), err)
	}
}

// writeRow encodes one history row straight into the record buffer: keys
// sorted, each user value as JSON, then _step, _runtime and _timestamp.
// Flat keys go into nested_key as a one-element list, as W&B's writer does.
func (w *writer) writeRow(e *entry) {
	r := w.run
	step := &Step{
		Num:       w.step,
		Runtime:   e.t.Sub(r.start).Seconds(),
		Timestamp: float64(e.t.UnixNano()) / 1e9,
		w:         w,
	}
	values := e.values
	if e.build != nil {
		values = w.build(e.build, step)
		step.w = nil
	}
	if values == nil {
		w.writeFiles()
		return
	}

	w.keys = w.keys[:0]
	for k := range values {
		if k == "_step" || k == "_runtime" || k == "_timestamp" {
			continue
		}
		w.keys = append(w.keys, k)
	}
	sort.Strings(w.keys)
	// Definitions for new keys matching a glob go first, as W&B's
	// handler writes them (writer_metrics.go).
	for _, k := range w.keys {
		if m := w.metrics.expand(k); m != nil {
			w.write(&wandbfile.Record{Metric: m})
		}
	}

	w.num++
	b, start := wandbfile.BeginHistory(w.rec[:0], w.num)
	for _, k := range w.keys {
		v, ok := w.encodeValue(k, values[k])
		if !ok {
			continue
		}
		b = wandbfile.AppendHistoryItem(b, k, v)
		w.last[k] = values[k]
		if len(w.lastRaw) > 0 {
			delete(w.lastRaw, k)
		}
	}
	w.endRow(b, start, step)
	w.writeFiles()
}

// build runs a LogFunc callback. A panic in it loses that row, not the
// program: the callback runs on our goroutine, where nobody could recover.
func (w *writer) build(fn func(*Step) map[string]interface{}, s *Step) (values map[string]interface{}) {
	defer func() {
		if p := recover(); p != nil {
			w.run.con.warnOnce("build-panic", "a LogFunc callback panicked (%v); its row was not logged", p)
			values = nil
		}
	}()
	return fn(s)
}

// appendFloatJSON writes a float the way Python's json.dumps does for the
// fields W&B itself adds (always with a decimal point).
func appendFloatJSON(b []byte, f float64) []byte {
	start := len(b)
	b = strconv.AppendFloat(b, f, 'f', -1, 64)
	for _, c := range b[start:] {
		if c == '.' {
			return b
		}
	}
	return append(b, '.', '0')
}

// encodeValue returns the JSON of one value, valid until the next call.
// RawJSON passes through unchecked, json.RawMessage as is when it is valid
// (checking costs about as much as the rest of a 1 KiB row); what encoding/json
// cannot encode (NaN, channels...) is left out with one warning per key.
func (w *writer) encodeValue(key string, v interface{}) ([]byte, bool) {
	switch x := v.(type) {
	case RawJSON:
		if len(x) == 0 {
			return []byte("null"), true
		}
		return x, true
	case json.RawMessage:
		if json.Valid(x) {
			return x, true
		}
		w.run.con.warnOnce("value:"+key, "history key %q left out: invalid json.RawMessage", key)
		return nil, false
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			w.run.con.warnOnce("value:"+key, "history key %q left out: %v is not valid JSON", key, x)
			return nil, false
		}
	}
	w.jbuf.Reset()
	if err := w.enc.Encode(v); err != nil {
		w.run.con.warnOnce("value:"+key, "history key %q left out: %v", key, err)
		return nil, false
	}
	out := w.jbuf.Bytes()
	return out[:len(out)-1], true // Encode adds a newline
}

// writeFiles announces the table files written since the last call; each
// exists on disk before its FilesRecord reaches the log (media.go).
func (w *writer) writeFiles() {
	if len(w.pendingFiles) == 0 {
		return
	}
	if !w.failed() {
		w.write(&wandbfile.Record{Files: &wandbfile.FilesRecord{Files: w.pendingFiles}})
	}
	// write encoded the record: the slice can be reused.
	for i := range w.pendingFiles {
		w.pendingFiles[i] = wandbfile.FilesItem{}
	}
	w.pendingFiles = w.pendingFiles[:0]
}

// periodicSummary writes the summary now and then while rows arrive, so a
// program that never reaches Finish still leaves one.
func (w *writer) periodicSummary() {
	r := w.run
	r.summaryMu.Lock()
	dirty := r.summaryDirty
	r.summaryMu.Unlock()
	if !dirty && w.rows == w.rowsAtSum {
		return
	}
	if time.Since(w.lastSummary) < r.h.summaryEvery {
		return
	}
	w.writeSummary()
}

// summaryItems merges the latest history values with UpdateSummary values
// (which win), sorted by key, plus W&B's "_wandb" runtime entry.
func (w *writer) summaryItems(runtime int32) []wandbfile.Item {
	r := w.run
	merged := make(map[string][]byte, len(w.last)+len(w.lastRaw)+4)
	for k, v := range w.lastRaw {
		merged[k] = v
	}
	for k, v := range w.last {
		if b, ok := w.encodeValue(k, v); ok {
			merged[k] = append([]byte(nil), b...)
		}
	}
	if w.lastStep >= 0 {
		merged["_step"] = strconv.AppendInt(nil, w.lastStep, 10)
		merged["_runtime"] = appendFloatJSON(nil, w.lastRuntime)
		merged["_timestamp"] = appendFloatJSON(nil, w.lastStamp)
	}
	r.summaryMu.Lock()
	user := make(map[string]interface{}, len(r.summary))
	for k, v := range r.summary {
		user[k] = v
	}
	r.summaryDirty = false
	r.summaryMu.Unlock()
	for k, v := range user {
		b, err := json.Marshal(v)
		if err != nil {
			r.con.warnOnce("summary:"+k, "summary key %q left out: %v", k, err)
			continue
		}
		merged[k] = b
	}
	merged["_wandb"] = []byte(fmt.Sprintf(`{"runtime":%d}`, runtime))
	keys := make([]string, 0, len(merged))
	for k := range merged {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	items := make([]wandbfile.Item, len(keys))
	for i, k := range keys {
		items[i] = wandbfile.Item{Key: k, ValueJSON: merged[k]}
	}
	return items
}

func (w *writer) runtimeSeconds() int32 {
	return int32(w.run.h.now().Sub(w.run.start) / time.Second)
}

func (w *writer) writeSummary() []wandbfile.Item {
	items := w.summaryItems(w.runtimeSeconds())
	w.write(&wandbfile.Record{Summary: &wandbfile.SummaryRecord{Update: items}})
	w.lastSummary = time.Now()
	w.rowsAtSum = w.rows
	return items
}

// finish drains what is queued (until the deadline), then writes the
// summary, files/wandb-summary.json and the one exit record, and closes
// the log.
func (w *writer) finish(req finishRequest) finishResult {
	r := w.run
	w.process(r.q.take())
	// The rows are in; their table files go to disk, and into the log,
	// before the summary and exit record end it. Past the deadline too:
	// their rows are written already, and a queue within its bounds takes
	// well under a second.
	w.writeAllTables()
	w.writeFiles()
	runtime := w.runtimeSeconds()
	if !w.failed() {
		items := w.summaryItems(runtime)
		w.write(&wandbfile.Record{Summary: &wandbfile.SummaryRecord{Update: items}})
		w.writeSummaryFile(items)
		w.write(&wandbfile.Record{Exit: &wandbfile.RunExitRecord{ExitCode: int32(req.code), Runtime: runtime}})
		w.flush()
	}
	err := w.lw.Err()
	if err == nil {
		err = w.f.Sync()
	}
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		err = fmt.Errorf("writing %s: %w", w.f.Name(), err)
	}
	res := finishResult{rows: w.rows, lost: w.lost, err: err, diskErr: err != nil}
	if w.sink != nil {
		if serr := w.sink.Finish(req.deadline); res.err == nil {
			res.err = serr
		}
	}
	return res
}

// writeSummaryFile writes files/wandb-summary.json for local viewing. No
// FilesRecord announces it: W&B's sync builds that file itself from the
// SummaryRecords, as W&B's own writer expects.
func (w *writer) writeSummaryFile(items []wandbfile.Item) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, it := range items {
		if i > 0 {
			b.WriteString(", ")
		}
		k, _ := json.Marshal(it.Key)
		b.Write(k)
		b.WriteString(": ")
		b.Write(it.ValueJSON)
	}
	b.WriteString("}\n")
	path := filepath.Join(w.run.dir, "files", "wandb-summary.json")
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		w.run.con.warnOnce("disk", "writing %s: %v", path, err)
	}
}

// endRow ends the history record b (begun at start) with the step's own
// items, as W&B's handler appends them last, and writes it.
func (w *writer) endRow(b []byte, start int, step *Step) {
	var num [40]byte
	b = wandbfile.AppendHistoryItem(b, "_step", strconv.AppendInt(num[:0], step.Num, 10))
	b = wandbfile.AppendHistoryItem(b, "_runtime", appendFloatJSON(num[:0], step.Runtime))
	b = wandbfile.AppendHistoryItem(b, "_timestamp", appendFloatJSON(num[:0], step.Timestamp))
	w.lastStep, w.lastRuntime, w.lastStamp = step.Num, step.Runtime, step.Timestamp
	b = wandbfile.EndHistory(b, start, step.Num)
	w.rec = b
	w.frame(b)
	w.step++
	w.rows++
}
