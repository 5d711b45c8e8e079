package otlp

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Options configures an Exporter. The defaults are those of OTel's
// BatchSpanProcessor (OTEL_BSP_*): a queue of 2048 spans, batches of 512,
// a batch at least every 5 s.
type Options struct {
	// Target returns where spans go; ok false means not known yet (an
	// online W&B run learns its entity from the server), and spans wait.
	// Nil means no sending: every span goes to Spool (an offline run).
	Target func() (t *Target, ok bool)
	// Spool, when set, is the file that receives the spans that cannot be
	// sent: those beyond the queue while the receiver is down or slow,
	// and those still unsent when Shutdown's deadline comes. Without it
	// they are dropped and counted.
	Spool     string
	MaxQueue  int
	BatchSize int
	Delay     time.Duration
	Timeout   time.Duration // per request; default 10 s (OTEL_EXPORTER_OTLP_TIMEOUT)
	Retry     Retry
	// Name names the receiver in warnings ("Weave", "the OTLP collector").
	Name string
	// Warn prints one warning line; the Exporter calls it at most once
	// per outage and once at Shutdown.
	Warn func(msg string)
}

// Stats counts what an Exporter did with its spans.
type Stats struct {
	Added, Sent, Spooled, Dropped int
}

// Exporter sends spans in batches from its own goroutine. Add never
// waits on the network or the disk.
type Exporter struct {
	o Options

	mu       sync.Mutex
	queue    [][]byte
	overflow [][]byte // beyond MaxQueue, for the spool; at most MaxQueue
	stats    Stats
	closed   bool
	warned   bool

	wake      chan struct{}
	spoolWake chan struct{}  // overflow waits for the spooler
	spoolMu   sync.Mutex     // one writer of the spool file at a time
	quit      chan time.Time // Shutdown's deadline
	done      chan struct{}
	ctx       context.Context
	cancel    context.CancelFunc
}

// NewExporter starts an exporter.
func NewExporter(o Options) *Exporter {
	if o.MaxQueue <= 0 {
		o.MaxQueue = 2048
	}
	if o.BatchSize <= 0 || o.BatchSize > o.MaxQueue {
		o.BatchSize = 512
		if o.BatchSize > o.MaxQueue {
			o.BatchSize = o.MaxQueue
		}
	}
	if o.Delay <= 0 {
		o.Delay = 5 * time.Second
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	if o.Retry.Base <= 0 {
		o.Retry = DefaultRetry
	}
	if o.Warn == nil {
		o.Warn = func(string) {}
	}
	if o.Name == "" {
		o.Name = "the OTLP receiver"
	}
	ctx, cancel := context.WithCancel(context.Background())
	e := &Exporter{o: o, wake: make(chan struct{}, 1), spoolWake: make(chan struct{}, 1), quit: make(chan time.Time, 1), done: make(chan struct{}), ctx: ctx, cancel: cancel}
	go e.loop()
	if o.Spool != "" {
		go e.spooler()
	}
	return e
}

// Add queues one span (the fields of a Span message). It takes ownership
// of span and never waits on the network: beyond the queue, spans go to
// the spool file, written by a goroutine of the exporter, or by Add
// itself when a burst outruns that goroutine (memory stays bounded).
func (e *Exporter) Add(span []byte) {
	e.mu.Lock()
	e.stats.Added++
	switch {
	case e.closed:
		e.stats.Dropped++
		e.mu.Unlock()
		return
	case len(e.queue) < e.o.MaxQueue:
		e.queue = append(e.queue, span)
		full := len(e.queue) >= e.o.BatchSize
		e.mu.Unlock()
		if full {
			select {
			case e.wake <- struct{}{}:
			default:
			}
		}
		return
	case e.o.Spool == "":
		e.stats.Dropped++
		e.mu.Unlock()
		return
	case len(e.overflow) < e.o.MaxQueue:
		e.overflow = append(e.overflow, span)
		e.mu.Unlock()
		select {
		case e.spoolWake <- struct{}{}:
		default:
		}
		return
	}
	overflow := append(e.overflow, span)
	e.overflow = nil
	e.mu.Unlock()
	e.spool(overflow)
}

// Stats returns the counts so far.
func (e *Exporter) Stats() Stats {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.stats
}

// Shutdown sends what is queued until deadline, spools (or drops) the
// rest, and stops the exporter. It returns the final counts.
func (e *Exporter) Shutdown(deadline time.Time) Stats {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		<-e.done
		return e.Stats()
	}
	e.closed = true
	e.mu.Unlock()
	stop := time.AfterFunc(time.Until(deadline), e.cancel)
	defer stop.Stop()
	e.quit <- deadline
	<-e.done
	e.cancel()
	st := e.Stats()
	switch {
	case e.o.Target == nil:
		// A spool-only exporter (an offline run) shares the run's disk,
		// whose failures the run reports itself, once.
	case st.Dropped > 0:
		e.o.Warn(fmt.Sprintf("%d of %d spans not delivered to %s", st.Dropped, st.Added, e.o.Name))
	case st.Spooled > 0 && e.o.Target != nil:
		e.o.Warn(fmt.Sprintf("%d of %d spans not delivered to %s yet; kept in %s for `wbinstrument sync`", st.Spooled, st.Added, e.o.Name, e.o.Spool))
	}
	return st
}

// spooler writes the spans beyond the queue to disk as they come, while
// the loop may be busy retrying a batch.
func (e *Exporter) spooler() {
	for {
		select {
		case <-e.spoolWake:
			e.mu.Lock()
			overflow := e.overflow
			e.overflow = nil
			e.mu.Unlock()
			e.spool(overflow)
		case <-e.done:
			return
		}
	}
}

func (e *Exporter) loop() {
	defer close(e.done)
	t := time.NewTicker(e.o.Delay)
	defer t.Stop()
	for {
		select {
		case <-e.wake:
			e.flush(false)
		case <-t.C:
			e.flush(false)
		case <-e.quit:
			e.flush(true)
			return
		}
	}
}

// take removes up to n queued spans (all with n < 0) and the overflow.
func (e *Exporter) take(n int) (batch, overflow [][]byte) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if n < 0 || n > len(e.queue) {
		n = len(e.queue)
	}
	batch = append([][]byte(nil), e.queue[:n]...)
	rest := copy(e.queue, e.queue[n:])
	for i := rest; i < len(e.queue); i++ {
		e.queue[i] = nil
	}
	e.queue = e.queue[:rest]
	overflow, e.overflow = e.overflow, nil
	return batch, overflow
}

// flush sends full batches (and, when last, every span) until the queue
// is empty or sending fails for good; last spools the remainder.
func (e *Exporter) flush(last bool) {
	for {
		batch, overflow := e.take(e.o.BatchSize)
		e.spool(overflow)
		if len(batch) == 0 {
			return
		}
		if e.o.Target == nil {
			e.spool(batch)
			continue
		}
		if !e.send(batch) {
			// Only Shutdown's deadline (or a final refusal) ends a send
			// unsent: what is left goes to the spool.
			e.spool(batch)
			if last || e.ctx.Err() != nil {
				rest, overflow := e.take(-1)
				e.spool(overflow)
				e.spool(rest)
				return
			}
		}
		if !last {
			e.mu.Lock()
			more := len(e.queue) >= e.o.BatchSize
			e.mu.Unlock()
			if !more {
				return
			}
		}
	}
}

// send delivers one batch, retrying until it succeeds, the failure is
// final or Shutdown's deadline passes. One warning marks an outage.
func (e *Exporter) send(batch [][]byte) bool {
	var t *Target
	for {
		var ok bool
		t, ok = e.o.Target()
		if ok {
			break
		}
		select {
		case <-e.ctx.Done():
			return false
		case <-time.After(100 * time.Millisecond):
		}
	}
	err := Send(e.ctx, t, Request(&t.Resource, batch), e.o.Timeout, e.o.Retry, func(_ int, err error) {
		e.mu.Lock()
		first := !e.warned
		e.warned = true
		e.mu.Unlock()
		if first {
			what := "retrying in the background"
			if se, ok := err.(*sendError); ok && !se.retryable {
				what = "not retrying"
				if e.o.Spool != "" {
					what = "keeping them for `wbinstrument sync`"
				}
			}
			e.o.Warn(fmt.Sprintf("sending spans to %s failed (%v); %s", e.o.Name, err, what))
		}
	})
	e.mu.Lock()
	defer e.mu.Unlock()
	if err != nil {
		return false
	}
	e.stats.Sent += len(batch)
	return true
}

// spool appends spans to the spool file, or counts them dropped.
func (e *Exporter) spool(spans [][]byte) {
	if len(spans) == 0 {
		return
	}
	err := fmt.Errorf("no spool")
	if e.o.Spool != "" {
		e.spoolMu.Lock()
		err = AppendSpool(e.o.Spool, spans)
		e.spoolMu.Unlock()
		if err != nil && e.o.Target != nil {
			e.o.Warn(fmt.Sprintf("keeping spans for later in %s: %v", e.o.Spool, err))
		}
	}
	e.mu.Lock()
	if err == nil {
		e.stats.Spooled += len(spans)
	} else {
		e.stats.Dropped += len(spans)
	}
	e.mu.Unlock()
}
