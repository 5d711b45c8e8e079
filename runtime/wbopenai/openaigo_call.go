package wbopenai

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

// oaiCall is one logical openai-go call: what the user's code sees, made
// of one attempt or more (the SDK retries inside the method). Each attempt
// is observed like a go-openai call, and when the call is over its last
// attempt becomes the row, with every attempt as a child span.
//
// When the call is over: a call-site wrapper says when the method
// returned, and the last attempt ends when its body does (at once for
// most calls, at the end of a stream). Without a wrapper (a call on an
// instrumented client from code the rewrite did not touch), an attempt
// that openai-go is about to retry is parked until the retry comes, which
// carries the same request body (GetBody) and a higher
// X-Stainless-Retry-Count.
type oaiCall struct {
	site    string
	fnPC    uintptr
	start   time.Time
	wrapped bool      // a call-site wrapper will call returned
	key     attemptID // identifies the attempts of an unwrapped call, zero if none
	busy    int32     // an attempt is being recorded (by the outer middleware)

	mu       sync.Mutex
	started  int
	open     []*streamCall // attempts whose body has not ended
	done     []*event
	ret      bool
	retErr   error
	emitted  bool
	parkedAt *time.Timer
}

// attemptInfo is one attempt as a child span of the call's trace.
type attemptInfo struct {
	start, end time.Time
	status     int
	err        string
}

// begin counts an attempt starting, unless g has been logged already.
func (g *oaiCall) begin() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.emitted {
		return false
	}
	g.started++
	return true
}

// returned records that the wrapped method returned err, which ends the
// call once its last attempt has ended.
func (g *oaiCall) returned(err error) {
	g.mu.Lock()
	g.ret, g.retErr = true, err
	var out *event
	if g.started > 0 && g.started == len(g.done) {
		out = g.emitLocked()
	}
	started := g.started
	g.mu.Unlock()
	if started == 0 && atomic.LoadInt32(&tracing) != 0 {
		// No request went out (yet: a pager's first page is its own call).
		endUnlogged(g, g.fnPC, g.site, err)
	}
	if out != nil {
		enqueue(out)
	}
}

// attemptDone takes an attempt that has ended (called by enqueue).
func (g *oaiCall) attemptDone(ev *event) {
	g.mu.Lock()
	for i, sc := range g.open {
		if sc.ev == ev {
			g.open = append(g.open[:i], g.open[i+1:]...)
			break
		}
	}
	g.done = append(g.done, ev)
	var out *event
	switch {
	case g.emitted:
		// Cannot happen (attempts start only before); log it alone.
		ev.group = nil
		out = ev
	case g.wrapped:
		if g.ret && g.started == len(g.done) {
			out = g.emitLocked()
		}
	case g.key != (attemptID{}) && retried(ev):
		g.park()
	default:
		out = g.emitLocked()
	}
	g.mu.Unlock()
	if out != nil {
		enqueue(out)
	}
}

// emitLocked returns the event to log for the call: its last attempt,
// spanning the whole call, with the attempts as children when there were
// several. Callers hold g.mu and enqueue the event after releasing it.
func (g *oaiCall) emitLocked() *event {
	if g.emitted || len(g.done) == 0 {
		return nil
	}
	g.emitted = true
	final := g.done[len(g.done)-1]
	if len(g.done) > 1 {
		final.attempts = make([]attemptInfo, len(g.done))
		for i, ev := range g.done {
			a := attemptInfo{start: ev.start, end: ev.end, status: ev.status}
			if ev.err != nil {
				a.err = ev.err.Error()
			}
			final.attempts[i] = a
			if ev != final {
				ev.resp.release()
				ev.resp = nil
			}
		}
	}
	if g.start.Before(final.start) {
		final.start = g.start
	}
	if g.retErr != nil && final.err == nil {
		// What the method returned: an error the SDK made of the answer
		// (status, body that does not decode, a context ended while
		// waiting to retry).
		final.err = g.retErr
	}
	final.group = nil
	moveSpan(g, final)
	g.done = nil
	if g.key != (attemptID{}) {
		parked.mu.Lock()
		if parked.m[g.key] == g {
			delete(parked.m, g.key)
		}
		parked.mu.Unlock()
	}
	return final
}

// opened records an attempt whose body the user (or the SDK) reads next.
func (g *oaiCall) opened(sc *streamCall) {
	g.mu.Lock()
	g.open = append(g.open, sc)
	g.mu.Unlock()
}

// closeOpen ends the attempts whose body is still open when another
// attempt starts: the SDK gave up on them to retry. openai-go before v2
// retries without closing the previous answer (v3 closes it first).
func (g *oaiCall) closeOpen() {
	g.mu.Lock()
	open := append([]*streamCall(nil), g.open...)
	g.mu.Unlock()
	for _, sc := range open {
		sc.finish(false, nil)
	}
}

// retried tells whether openai-go retries after the attempt ev: it closed
// a retryable answer without reading it (it reads the body of the answer
// it keeps), or the request failed in the network (a context that ended
// is not retried). See shouldRetry in internal/requestconfig.
func retried(ev *event) bool {
	if ev.err != nil {
		return !errors.Is(ev.err, context.Canceled) && !errors.Is(ev.err, context.DeadlineExceeded)
	}
	if !ev.closedEarly || ev.resp != nil && ev.resp.total > 0 {
		return false
	}
	switch ev.respHeader.Get("X-Should-Retry") {
	case "true":
		return true
	case "false":
		return false
	}
	s := ev.status
	return s == http.StatusRequestTimeout || s == http.StatusConflict || s == http.StatusTooManyRequests || s >= 500
}

// parkTime bounds how long an attempt that should be retried waits for
// its retry: openai-go waits at most a minute (a Retry-After it accepts)
// before retrying.
var parkTime = 65 * time.Second

// parked are the unwrapped calls with a key whose row is not written
// yet (waiting for their attempt to end, or for a retry), by key.
var parked struct {
	mu sync.Mutex
	m  map[attemptID]*oaiCall
}

// park waits for g's retry; without one within parkTime (or by Finish),
// g is logged as it is. Callers hold g.mu.
func (g *oaiCall) park() {
	g.parkedAt = time.AfterFunc(parkTime, func() { unpark(g) })
}

// unpark logs g if it is still waiting for a retry.
func unpark(g *oaiCall) {
	g.mu.Lock()
	var out *event
	if g.parkedAt != nil && g.started == len(g.done) {
		out = g.emitLocked()
	}
	g.mu.Unlock()
	if out != nil {
		enqueue(out)
	}
}

// flushParked logs every call still waiting for a retry (at Finish).
func flushParked() {
	parked.mu.Lock()
	var all []*oaiCall
	for _, g := range parked.m {
		all = append(all, g)
	}
	parked.mu.Unlock()
	for _, g := range all {
		g.mu.Lock()
		if g.parkedAt != nil {
			g.parkedAt.Stop()
		}
		g.mu.Unlock()
		unpark(g)
	}
}

// loneCall returns the call an unwrapped attempt belongs to: the parked
// call it retries, or a new one.
func loneCall(req *http.Request, site string, fnPC uintptr) *oaiCall {
	key := attemptKey(req)
	if key != (attemptID{}) && retryCount(req) > 0 {
		parked.mu.Lock()
		g := parked.m[key]
		parked.mu.Unlock()
		if g != nil {
			g.closeOpen()
			if g.adopt() {
				return g
			}
		}
	}
	g := &oaiCall{key: key, site: site, fnPC: fnPC, start: time.Now()}
	if key != (attemptID{}) {
		parked.mu.Lock()
		if parked.m == nil {
			parked.m = make(map[attemptID]*oaiCall)
		}
		parked.m[key] = g
		parked.mu.Unlock()
	}
	return g
}

// adopt takes g, parked after an attempt, for its retry.
func (g *oaiCall) adopt() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.emitted || g.parkedAt == nil {
		return false
	}
	g.parkedAt.Stop()
	g.parkedAt = nil
	return true
}

// attemptID identifies the attempts of one unwrapped call. openai-go
// clones every attempt from one request (Execute in
// internal/requestconfig/requestconfig.go): the clones share the
// request's GetBody function and, unless a per-attempt timeout
// (option.WithRequestTimeout) gives each its own, its context.
type attemptID struct {
	body uintptr // the GetBody closure of a request with a body
	// A request without one (a GET, a DELETE) is known by its context's
	// type and data words and its method and URL: two such calls at once
	// on one context and URL may trade attempts, with no row lost.
	ctxType, ctxData uintptr
	target           string
}

// attemptKey returns the attemptID of req; zero for a request that has
// neither a body nor a context.
func attemptKey(req *http.Request) attemptID {
	if req.GetBody != nil {
		f := req.GetBody
		// A func value is a pointer to its closure, one per request.
		return attemptID{body: uintptr(*(*unsafe.Pointer)(unsafe.Pointer(&f)))}
	}
	ctx := req.Context()
	if ctx == nil || req.URL == nil {
		return attemptID{}
	}
	// An interface value is a type word and a data word; the clones of a
	// request hold the same interface value. Comparing the contexts
	// themselves could panic on a context type that is not comparable.
	w := *(*[2]uintptr)(unsafe.Pointer(&ctx))
	return attemptID{ctxType: w[0], ctxData: w[1], target: req.Method + " " + req.URL.String()}
}

// retryCount is the attempt's X-Stainless-Retry-Count (0 when absent).
func retryCount(req *http.Request) int {
	n, _ := strconv.Atoi(req.Header.Get("X-Stainless-Retry-Count"))
	return n
}
