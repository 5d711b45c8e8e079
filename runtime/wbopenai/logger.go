package wbopenai

import (
	"fmt"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wbinstrument/wbinstrument/runtime/wandb"
)

// sink is what the logging goroutine needs from a W&B run.
type sink interface {
	// LogRow queues a row encoded by the session. While the run's queue
	// is full it waits, but not past deadline.
	LogRow(row *wandb.RawRow, deadline time.Time) bool
	DefineMetric(name, stepMetric string)
	UpdateSummary(values map[string]interface{})
	FinishCode(code int) error
	// FinishTimeout bounds the run's finish; the session's last drain
	// waits for room in the run's queue as long at most.
	FinishTimeout() time.Duration
}

// openaiModules are the client modules whose versions a run's config
// records (wbinstrument.modules): which go-openai or openai-go the
// program was built with is what a Go user looks for on the run page.
var openaiModules = []string{
	"github.com/sashabaranov/go-openai",
	"github.com/openai/openai-go",
	"github.com/openai/openai-go/v2",
	"github.com/openai/openai-go/v3",
}

// openSink starts the run calls are logged to; tests replace it.
var openSink = func(opts wandb.Options) (sink, error) {
	if opts.Modules == nil {
		opts.Modules = openaiModules
	}
	r, err := wandb.Init(opts)
	if err != nil {
		return nil, err
	}
	return wandbSink{r}, nil
}

const (
	// drainEvery is how often the logging goroutine takes the queue: the
	// caller only appends, nobody is woken per call.
	drainEvery = 20 * time.Millisecond
	// maxQueue bounds the calls waiting to be logged; beyond it calls are
	// counted as dropped rather than slowing the program down.
	maxQueue = 100000
	// maxSpare bounds the queue array kept between drains.
	maxSpare = 4096
	// drainWait bounds how long one drain waits for room in the run's
	// queue: long enough for any burst, short enough that a stuck disk
	// turns into counted drops instead of a session stuck for good. The
	// last drain, at Finish, waits the run's FinishTimeout instead.
	drainWait = time.Minute
)

// drainIntervalFromEnv reads WBINSTRUMENT_DRAIN_INTERVAL (a duration such
// as "100ms"): longer intervals batch more calls per wake-up.
func drainIntervalFromEnv() time.Duration {
	v := os.Getenv("WBINSTRUMENT_DRAIN_INTERVAL")
	if v == "" {
		return drainEvery
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		warn("WBINSTRUMENT_DRAIN_INTERVAL=%q is not a positive duration; using %v", v, drainEvery)
		return drainEvery
	}
	return d
}

// state is the process-wide logging state.
var state struct {
	mu       sync.Mutex
	queue    []*event
	spare    []*event // the last batch's array, emptied, for the next queue
	sess     *session
	opts     *wandb.Options // from Init, for the next session
	disabled bool
	dropped  int64
}

// off is 1 after Disable, read without the lock on every request.
var off int32

func enabled() bool { return atomic.LoadInt32(&off) == 0 }

// open streams, so Finish can log those the user never closed.
var streams struct {
	mu  sync.Mutex
	set map[*streamCall]struct{}
}

func track(sc *streamCall) {
	streams.mu.Lock()
	if streams.set == nil {
		streams.set = make(map[*streamCall]struct{})
	}
	streams.set[sc] = struct{}{}
	streams.mu.Unlock()
}

func untrack(sc *streamCall) {
	streams.mu.Lock()
	delete(streams.set, sc)
	streams.mu.Unlock()
}

// enqueue hands a finished call to the logging goroutine, starting a
// session (and so a run) with the first call.
func enqueue(ev *event) {
	if atomic.LoadInt32(&tracing) != 0 {
		endCallSpan(ev)
	}
	if g := ev.group; g != nil {
		// One attempt of an openai-go call: its group logs the call.
		g.attemptDone(ev)
		return
	}
	state.mu.Lock()
	if state.disabled {
		state.mu.Unlock()
		ev.resp.release()
		dropSpan(ev)
		return
	}
	if len(state.queue) >= maxQueue {
		state.dropped++
		state.mu.Unlock()
		ev.resp.release()
		dropSpan(ev)
		return
	}
	state.queue = append(state.queue, ev)
	if state.sess == nil {
		state.sess = startSession(state.opts, nil, costState{})
	}
	state.mu.Unlock()
}

// Init starts the run calls are logged to now, with explicit options,
// like the Python autolog(init={...}); without it the run starts with
// the first call, configured from WANDB_* variables. It finishes a run
// in progress first, and undoes Disable.
func Init(opts wandb.Options) error {
	Finish()
	var cs costState
	cs.load()
	s, err := openSink(cs.withConfig(opts))
	if err != nil {
		return fmt.Errorf("wbopenai: starting the W&B run: %w", err)
	}
	state.mu.Lock()
	o := opts
	state.opts = &o
	state.disabled = false
	atomic.StoreInt32(&off, 0)
	state.sess = startSession(&o, s, cs)
	state.mu.Unlock()
	return nil
}

// Finish logs every call still pending (streams never closed included),
// then finishes the run. It is idempotent; a call made afterwards starts
// a new run.
//
// Called from a function deferred while its goroutine panics (the
// rewriter's defer in main), it records exit code 2, the code the Go
// runtime is about to exit with, so that the run shows as crashed: the
// panic itself goes on untouched.
func Finish() {
	code := 0
	if panicking() {
		code = 2
	}
	var open []*streamCall
	streams.mu.Lock()
	for sc := range streams.set {
		open = append(open, sc)
	}
	streams.mu.Unlock()
	for _, sc := range open {
		sc.finish(true, nil)
	}
	flushParked()
	state.mu.Lock()
	s := state.sess
	state.sess = nil
	state.mu.Unlock()
	if s != nil {
		s.stop(code)
	}
}

// panicking tells whether the calling goroutine runs deferred calls for
// a panic. It reads the stack instead of calling recover, which would
// stop the panic: the program must crash exactly as it would have.
func panicking() bool {
	var pcs [16]uintptr
	n := runtime.Callers(2, pcs[:])
	frames := runtime.CallersFrames(pcs[:n])
	for {
		f, more := frames.Next()
		if f.Function == "runtime.gopanic" {
			return true
		}
		if !more {
			return false
		}
	}
}

// Disable finishes the run and stops logging, like the Python
// autolog.disable(); Init enables it again.
func Disable() {
	atomic.StoreInt32(&off, 1)
	Finish()
	state.mu.Lock()
	state.disabled = true
	state.queue = nil
	state.mu.Unlock()
}

// session is one run's logging goroutine.
type session struct {
	opts    wandb.Options
	run     sink
	failed  bool
	quit    chan struct{}
	done    chan struct{}
	totals  totals
	defined bool
	id      string
	spans   int64
	bodies  bodyPolicy
	code    int       // the exit code Finish records, set before quit closes
	cost    costState // loaded with the run: by Init, or before the first drain opens it
	otel    *spanExport

	scratch     rowScratch
	spanScratch spanScratch
	stats       statsBatch
	held        *rowAlloc // the last row, until it is known whether the stats table goes with it
}

func startSession(opts *wandb.Options, run sink, cost costState) *session {
	s := &session{run: run, quit: make(chan struct{}), done: make(chan struct{}), id: newSessionID(), bodies: bodyPolicyFromEnv(), cost: cost}
	if opts != nil {
		s.opts = *opts
	}
	go s.loop()
	return s
}

// stop logs what is queued and finishes the run with the program's exit
// code.
func (s *session) stop(code int) {
	s.code = code
	close(s.quit)
	<-s.done
}

func (s *session) loop() {
	defer close(s.done)
	t := time.NewTicker(drainIntervalFromEnv())
	defer t.Stop()
	for {
		select {
		case <-t.C:
			s.drain(false)
		case <-s.quit:
			s.drain(true)
			if s.run != nil {
				// The spans' deadline is the run's: both finish within
				// one FinishTimeout.
				deadline := time.Now().Add(s.run.FinishTimeout())
				// The run reports its own failures (one line per
				// failing disk); a second line here would only repeat it.
				_ = s.run.FinishCode(s.code)
				s.otel.shutdown(deadline)
			}
			return
		}
	}
}

// drain logs every queued call, waiting for room in the run's queue for
// drainWait at most, or the run's FinishTimeout in the last drain.
func (s *session) drain(last bool) {
	state.mu.Lock()
	batch := state.queue
	state.queue, state.spare = state.spare, nil
	dropped := state.dropped
	state.dropped = 0
	state.mu.Unlock()
	if len(batch) == 0 && dropped == 0 {
		if s.held != nil && s.run != nil {
			// The program paused its calls: the held row takes the
			// stats table, once it is due.
			wait := drainWait
			if last {
				wait = s.run.FinishTimeout()
			}
			s.flushHeld(time.Now().Add(wait), last)
		}
		return
	}
	// Appending to a reused array spares the callers regrowing a new
	// one from nothing after every drain; one a burst grew large is let go.
	defer func() {
		for i := range batch {
			batch[i] = nil
		}
		state.mu.Lock()
		if state.spare == nil && !state.disabled && cap(batch) <= maxSpare {
			state.spare = batch[:0]
		}
		state.mu.Unlock()
	}()
	if s.run == nil && !s.failed {
		// Reading the price file here keeps it off the caller's path.
		s.cost.load()
		r, err := openSink(s.cost.withConfig(s.opts))
		if err != nil {
			// wandb.Init has printed why, once; say nothing more.
			s.failed = true
		}
		s.run = r
	}
	if s.run == nil {
		for _, ev := range batch {
			ev.resp.release()
			dropSpan(ev)
		}
		return
	}
	if !s.defined {
		s.run.DefineMetric("usage/*", "_timestamp")
		if s.cost.table != nil {
			s.run.DefineMetric(costGlob, "_timestamp")
		}
		s.totals.costs.on = s.cost.table != nil
		s.defined = true
		s.otel = startSpanExport(s.run, s.bodies)
	}
	s.totals.dropped += dropped
	wait := drainWait
	if last {
		wait = s.run.FinishTimeout()
	}
	deadline := time.Now().Add(wait)
	for _, ev := range batch {
		s.logCall(ev, deadline)
		ev.resp.release()
		ev.resp = nil
	}
	// The table goes with the drain's last row once it is due.
	s.flushHeld(deadline, last)
	s.run.UpdateSummary(s.totals.summary())
}

var warned sync.Map

// warn tells the user once per message that logging failed; the program
// itself carries on.
func warn(format string, args ...interface{}) {
	msg := fmt.Sprintf(format, args...)
	if _, dup := warned.LoadOrStore(msg, true); !dup {
		fmt.Fprintln(os.Stderr, "wbinstrument:", msg)
	}
}
