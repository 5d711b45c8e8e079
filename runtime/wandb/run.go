// Package wandb writes Weights & Biases runs: the offline run directory with
// its .wandb transaction log, and, online, the W&B HTTP API. It knows nothing
// of OpenAI and uses the standard library only, because every instrumented
// program compiles it.
//
// A Run never blocks its callers on I/O and never panics on disk errors:
// calls enqueue into a bounded queue drained by one writer goroutine, which
// encodes values, frames records and hands whole records to the OS.
//
// The file format itself (framing, record codec, reader) is package
// wandbfile, which tools that read logs use on their own; uploading to
// W&B, live and with `wbinstrument sync`, is package online, which the
// writer hands every record to through the recordSink seam (sink.go).
// Here: the Run and its options (run.go, settings.go), the writer
// goroutine (queue.go, writer*.go, rawrow.go, media.go, table*.go), the run
// directory (rundir.go; its lock is internal/runlock), the environment
// (environment_gather.go) and the online seam (sink.go, target.go).
package wandb

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wbinstrument/wbinstrument/runtime/wandb/internal/runlock"
	"github.com/wbinstrument/wbinstrument/runtime/wandb/wandbfile"
)

// Version is written into every log's HeaderRecord as
// "wbinstrument <Version>".
const Version = "0.1.0"

// minConsumer is HeaderRecord.version_info.min_consumer as W&B's own writer
// sets it (the oldest W&B server version it supports).
const minConsumer = "0.40.0"

// Options configures a run. Every empty field is taken from the WANDB_*
// environment variable of the same meaning; explicit values win.
type Options struct {
	Project string   // WANDB_PROJECT; empty means the user's default project
	Entity  string   // WANDB_ENTITY; empty means the user's default entity
	Name    string   // WANDB_NAME (display name)
	Notes   string   // WANDB_NOTES
	Tags    []string // WANDB_TAGS, comma separated (used when Tags is nil)
	Group   string   // WANDB_RUN_GROUP
	JobType string   // WANDB_JOB_TYPE
	Config  map[string]interface{}
	Dir     string // WANDB_DIR: the run lands in Dir/wandb/; default the working directory
	Mode    string // WANDB_MODE: "offline" (default without an API key), "online", "disabled"; "dryrun" means offline
	RunID   string // WANDB_RUN_ID; default 8 random chars [a-z0-9]
	APIKey  string // WANDB_API_KEY; never written anywhere
	BaseURL string // WANDB_BASE_URL; default https://api.wandb.ai
	// Silent suppresses every line on stderr (WANDB_SILENT=true).
	Silent bool
	// FinishTimeout bounds how long Finish waits for queued records and
	// uploads (WANDB_FINISH_TIMEOUT, e.g. "30s" or "30"); default 30s.
	FinishTimeout time.Duration
	// Modules lists module paths (e.g. "github.com/sashabaranov/go-openai")
	// whose versions, as built into the program, the run config records
	// under wbinstrument.modules.
	Modules []string
}

// Run is one W&B run. Its methods are safe for concurrent use and never
// block on I/O: records go to a bounded queue drained by one goroutine. A
// nil or disabled *Run accepts every call and does nothing.
type Run struct {
	disabled bool
	opts     Options // resolved
	id       string
	dir      string
	start    time.Time
	h        hooks
	con      *console

	q        *queue
	w        *writer // owned by the writer goroutine once started
	finishCh chan finishRequest
	done     chan struct{} // closed when the writer goroutine ends
	dropped  uint64        // atomic: rows refused because the queue was full
	// deadline is Finish's deadline in unix nanoseconds (atomic; 0 until
	// Finish): the writer stops writing queued rows after it.
	deadline int64

	summaryMu    sync.Mutex
	summary      map[string]interface{} // UpdateSummary values, merged
	summaryDirty bool

	finishOnce sync.Once
	finishErr  error
}

// Step describes the history row being built by a LogFunc callback.
type Step struct {
	Num       int64   // _step, 0-based
	Runtime   float64 // _runtime, seconds since the run started
	Timestamp float64 // _timestamp, unix seconds
	w         *writer
}

// hooks are the process-wide things a run depends on, injectable so tests
// can make the writer deterministic.
type hooks struct {
	getenv   func(string) string
	now      func() time.Time
	stderr   io.Writer
	newID    func() string
	hostname func() (string, error)
	queueCap int
	// flushDelay is the longest a framed record waits in memory before it
	// is handed to the OS (the ~1 s crash-loss bound, with margin).
	flushDelay time.Duration
	// drainEvery is how often a busy writer takes what was queued; it
	// bounds the wake-ups per second under load.
	drainEvery time.Duration
	// summaryEvery spaces the periodic SummaryRecords, so a killed
	// program still leaves a summary behind.
	summaryEvery time.Duration
	// finishGrace is how much longer than FinishTimeout Finish waits for a
	// writer busy with one record before abandoning it.
	finishGrace time.Duration
	// wrapLog, when set, wraps the run log file (tests inject disk errors).
	wrapLog func(io.Writer) io.Writer
	// environment gathers the run's environment on the writer goroutine
	// (environment_gather.go); nil, or a nil result, records none.
	environment func(r *Run) *runEnvironment
}

func defaultHooks() hooks {
	return hooks{
		getenv:       os.Getenv,
		now:          time.Now,
		stderr:       os.Stderr,
		newID:        randomRunID,
		hostname:     os.Hostname,
		queueCap:     defaultQueueCap,
		flushDelay:   250 * time.Millisecond,
		drainEvery:   20 * time.Millisecond,
		summaryEvery: 10 * time.Second,
		finishGrace:  time.Second,
		environment:  gatherEnvironment,
	}
}

// randomRunID returns 8 characters of [a-z0-9], like W&B's generated ids.
func randomRunID() string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		// Without an entropy source, fall back on the clock: the id only
		// needs to be unique among this user's runs.
		n := uint64(time.Now().UnixNano())
		for i := range b {
			b[i] = byte(n >> (8 * i))
		}
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b[:])
}

// Init starts a run. It always returns a usable *Run: when the run cannot
// start (a bad option, an unwritable directory) it has printed one warning
// line and returns a disabled run together with the error, so the program
// keeps working without logging.
func Init(opts Options) (*Run, error) {
	return initRun(opts, defaultHooks())
}

func initRun(opts Options, h hooks) (*Run, error) {
	resolved, warnings, err := resolveOptions(opts, h.getenv)
	con := newConsole(h.stderr, resolved.Silent)
	for _, w := range warnings {
		con.line("wandb: warning: %s", w)
	}
	if err != nil {
		con.line("wandb: warning: %s; not logging to W&B", strings.TrimPrefix(err.Error(), "wandb: "))
		return &Run{disabled: true}, err
	}
	if resolved.Mode == modeDisabled {
		return &Run{disabled: true}, nil
	}
	if resolved.RunID == "" {
		resolved.RunID = h.newID()
	}
	r := &Run{
		opts:     resolved,
		id:       resolved.RunID,
		start:    h.now(),
		h:        h,
		con:      con,
		q:        newQueue(h.queueCap),
		finishCh: make(chan finishRequest, 1),
		done:     make(chan struct{}),
	}
	if err := r.open(); err != nil {
		con.line("wandb: warning: %s; not logging to W&B, the program continues", strings.TrimPrefix(err.Error(), "wandb: "))
		return &Run{disabled: true}, err
	}
	go r.w.loop()
	return r, nil
}

// ID is the run id ("" for a disabled run).
func (r *Run) ID() string {
	if r == nil || r.disabled {
		return ""
	}
	return r.id
}

// Dir is the run directory, ".../wandb/offline-run-YYYYMMDD_HHMMSS-<id>",
// or "" for a disabled run.
func (r *Run) Dir() string {
	if r == nil || r.disabled {
		return ""
	}
	return r.dir
}

// Log enqueues one history row and returns at once. It reports whether the
// row was queued: false when the run is disabled or finished, or when the
// queue is full (the drop is counted and reported at Finish). values are
// JSON-encoded later, on the writer goroutine, and the latest value of each
// key is encoded again for the summary, so the caller must not modify the
// map or anything it references (pooled buffers included) after the call.
// json.RawMessage values are written verbatim when valid, RawJSON values
// unchecked. The keys _step, _runtime and _timestamp are set by the run.
func (r *Run) Log(values map[string]interface{}) bool {
	if r == nil || r.disabled {
		return false
	}
	return r.enqueueRow(entry{kind: entryRow, t: r.h.now(), values: values})
}

// LogFunc is Log with the row built on the writer goroutine, off the
// caller's path: build gets the row's Step (and may call Step.Table) and
// returns the values; a nil map logs no row. The returned values are kept
// as Log's are. build must not call methods of this Run that wait (Finish);
// a panic in build loses its row, not the program.
func (r *Run) LogFunc(build func(s *Step) map[string]interface{}) bool {
	if r == nil || r.disabled || build == nil {
		return false
	}
	return r.enqueueRow(entry{kind: entryRow, t: r.h.now(), build: build})
}

// FinishTimeout is how long Finish waits for queued records: the
// option, else WANDB_FINISH_TIMEOUT, else 30 s.
func (r *Run) FinishTimeout() time.Duration { return r.opts.FinishTimeout }

// LogFuncWait is LogFunc for a caller that would rather wait than lose
// the row: while the queue is full, it waits until the writer takes it,
// but not past deadline (a stuck disk must not hold the caller for good).
// It is for a logging goroutine of one's own, between the program and the
// run (as wbopenai's is, which bounds and counts what it drops itself),
// never for the program's own path. It reports false when the run is
// disabled or finished, or the queue still full at the deadline; that drop
// is counted as LogFunc's are.
func (r *Run) LogFuncWait(build func(s *Step) map[string]interface{}, deadline time.Time) bool {
	if r == nil || r.disabled || build == nil {
		return false
	}
	ok, full := r.q.pushWait(entry{kind: entryRow, t: r.h.now(), build: build}, deadline)
	if full {
		atomic.AddUint64(&r.dropped, 1)
	}
	return ok
}

func (r *Run) enqueueRow(e entry) bool {
	ok, full := r.q.push(e, false)
	if full {
		atomic.AddUint64(&r.dropped, 1)
	}
	return ok
}

// DefineMetric writes a MetricRecord, like wandb.define_metric(name,
// step_metric=stepMetric). A name ending in "*" is a glob ("usage/*").
// Metric definitions bypass the queue limit: they are few and rows depend
// on them.
func (r *Run) DefineMetric(name, stepMetric string) {
	if r == nil || r.disabled || name == "" {
		return
	}
	m := &wandbfile.MetricRecord{StepMetric: stepMetric, Options: wandbfile.MetricOptions{Defined: true}}
	if stepMetric != "" {
		m.Options.StepSync = true
	}
	if name[len(name)-1] == '*' {
		m.GlobName = name
	} else {
		m.Name = name
	}
	r.q.push(entry{kind: entryMetric, metric: m}, true)
}

// UpdateSummary merges values into the run summary. Summary records are
// written periodically and at Finish; the final summary also holds the
// latest value of every history key, with these values taking precedence.
// As with Log, the values must not be modified after the call.
func (r *Run) UpdateSummary(values map[string]interface{}) {
	if r == nil || r.disabled || len(values) == 0 {
		return
	}
	r.summaryMu.Lock()
	if r.summary == nil {
		r.summary = make(map[string]interface{}, len(values))
	}
	for k, v := range values {
		r.summary[k] = v
	}
	r.summaryDirty = true
	r.summaryMu.Unlock()
}

// Finish is FinishCode(0).
func (r *Run) Finish() error { return r.FinishCode(0) }

// FinishCode drains the queue (waiting at most FinishTimeout), writes the
// summary and the exit record with the given exit code, and closes the run
// file. It prints one line saying what it did. Later calls return the first
// call's result; Log after Finish returns false.
func (r *Run) FinishCode(code int) error {
	if r == nil || r.disabled {
		return nil
	}
	r.finishOnce.Do(func() { r.finishErr = r.finish(code) })
	return r.finishErr
}

// finishRequest asks the writer goroutine to drain, write the exit record
// and stop.
type finishRequest struct {
	code     int
	deadline time.Time
	result   chan finishResult
}

type finishResult struct {
	rows, lost int64
	err        error
	diskErr    bool // err comes from the local log, not from an upload
}

func (r *Run) finish(code int) error {
	timeout := r.opts.FinishTimeout
	r.q.close()
	req := finishRequest{code: code, deadline: time.Now().Add(timeout), result: make(chan finishResult, 1)}
	atomic.StoreInt64(&r.deadline, req.deadline.UnixNano())
	r.finishCh <- req
	// The writer checks the deadline between records; the grace covers a
	// record in progress. A writer stuck beyond it (a LogFunc callback that
	// never returns, a hung disk) is abandoned rather than hanging exit.
	grace := time.NewTimer(timeout + r.h.finishGrace)
	defer grace.Stop()
	var res finishResult
	select {
	case res = <-req.result:
		// The writer is done with the log: it is complete, or as complete
		// as it will get, and no longer live.
		runlock.Remove(filepath.Join(r.dir, "run-"+r.id+".wandb"))
	case <-grace.C:
		err := fmt.Errorf("wandb: finish timed out after %s; %s may lack its last records and exit record", timeout, r.dir)
		r.con.line("%v", err)
		return err
	}
	dropped := atomic.LoadUint64(&r.dropped)
	kind := "offline run"
	if r.w.sink != nil {
		kind = "run"
	}
	msg := fmt.Sprintf("wandb: finished %s %s: %d rows", kind, r.id, res.rows)
	if dropped > 0 {
		msg += fmt.Sprintf(", %d dropped (queue full)", dropped)
	}
	if res.lost > 0 {
		msg += fmt.Sprintf(", %d not written", res.lost)
	}
	switch {
	case res.err != nil:
		msg += fmt.Sprintf("; error: %v", res.err)
		if r.w.sink != nil && !res.diskErr {
			msg += fmt.Sprintf("; upload the rest with `wbinstrument sync %s`", r.dir)
		}
	case r.w.sink != nil:
		msg += "; uploaded"
	default:
		msg += fmt.Sprintf("; sync with `wbinstrument sync %s`", r.dir)
	}
	r.con.line("%s", msg)
	r.con.closeDebug()
	if res.err == nil && dropped > 0 {
		return fmt.Errorf("wandb: %d rows dropped because the logging queue was full", dropped)
	}
	return res.err
}

// console prints the run's few stderr lines; a silent run prints none.
// Every line, and some more detail, also goes to the run's logs/debug.log
// once it exists, so a silent run still keeps its warnings.
type console struct {
	mu     sync.Mutex
	w      io.Writer
	debug  io.WriteCloser
	warned map[string]bool
}

func newConsole(w io.Writer, silent bool) *console {
	if silent || w == nil {
		w = io.Discard
	}
	return &console{w: w}
}

func (c *console) line(format string, args ...interface{}) {
	c.mu.Lock()
	defer c.mu.Unlock()
	msg := fmt.Sprintf(format, args...)
	fmt.Fprintln(c.w, msg)
	c.debugLocked(msg)
}

// warnOnce prints a warning the first time its key is seen, so a failing
// disk produces one line, not one per record.
func (c *console) warnOnce(key, format string, args ...interface{}) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.warned == nil {
		c.warned = map[string]bool{}
	}
	if c.warned[key] {
		return
	}
	c.warned[key] = true
	msg := "wandb: warning: " + fmt.Sprintf(format, args...)
	fmt.Fprintln(c.w, msg)
	c.debugLocked(msg)
}

// debugf writes to logs/debug.log only.
func (c *console) debugf(format string, args ...interface{}) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.debugLocked(fmt.Sprintf(format, args...))
}

func (c *console) debugLocked(msg string) {
	if c.debug == nil {
		return
	}
	// The debug log is a convenience: its write errors are not reported.
	fmt.Fprintf(c.debug, "%s %s\n", time.Now().UTC().Format("2006-01-02T15:04:05.000Z"), msg)
}

// closeDebug closes logs/debug.log; later lines go to stderr only.
func (c *console) closeDebug() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.debug != nil {
		c.debug.Close()
		c.debug = nil
	}
}

// errNoWriter is returned by Step.Table outside a LogFunc callback.
var errNoWriter = errors.New("wandb: Step.Table called outside a LogFunc callback")
