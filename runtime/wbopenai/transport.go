package wbopenai

import (
	"io"
	"net/http"
	"runtime"
	"strings"
	"sync/atomic"
	"time"
)

// httpDoer is go-openai's HTTPDoer (v1.29+), matched structurally.
type httpDoer interface {
	Do(*http.Request) (*http.Response, error)
}

// doer wraps the HTTPDoer of a go-openai config (v1.29+).
type doer struct{ next httpDoer }

// Do sends req through the wrapped doer and logs the call.
func (d *doer) Do(req *http.Request) (*http.Response, error) {
	return observe(req, d.next, doerFrames)
}

// roundTripper wraps the Transport of a copied *http.Client (go-openai
// before v1.29).
type roundTripper struct{ next http.RoundTripper }

// RoundTrip sends req through the wrapped transport and logs the call.
func (t *roundTripper) RoundTrip(req *http.Request) (*http.Response, error) {
	return observe(req, rtDoer{t.next}, maxPCs)
}

type rtDoer struct{ rt http.RoundTripper }

func (d rtDoer) Do(req *http.Request) (*http.Response, error) { return d.rt.RoundTrip(req) }

// classify maps a request path to the kind of call it is.
func classify(method, path string) kind {
	if method != http.MethodPost {
		return kindOther
	}
	switch {
	case strings.HasSuffix(path, "/chat/completions"):
		return kindChat
	case strings.HasSuffix(path, "/completions"):
		return kindCompletion
	case strings.HasSuffix(path, "/embeddings"):
		return kindEmbedding
	case strings.HasSuffix(path, "/responses"):
		return kindResponses
	}
	return kindOther
}

// binaryType tells whether a content type is one whose bytes never go
// into logs.
func binaryType(ct string) bool {
	return strings.HasPrefix(ct, "multipart/") || strings.HasPrefix(ct, "audio/") ||
		strings.HasPrefix(ct, "image/") || strings.HasPrefix(ct, "video/") ||
		strings.HasPrefix(ct, "application/octet-stream")
}

// observe sends req through next and arranges for the call to be logged
// once its response body is done. It hands back exactly what next
// returned, apart from a response body that copies what the user reads.
//
// frames bounds the stack unwound to find the call site, which costs
// per frame: go-openai calls a doer directly, while a RoundTripper sits
// under five frames of net/http.
func observe(req *http.Request, next httpDoer, frames int) (*http.Response, error) {
	return observeIn(req, next, frames, nil)
}

// observeIn is observe for one attempt of the openai-go call g (nil for
// go-openai's calls, which have no attempts).
func observeIn(req *http.Request, next httpDoer, frames int, g *oaiCall) (*http.Response, error) {
	if !enabled() {
		return next.Do(req)
	}
	var c *call
	if g != nil {
		c = &call{ev: event{start: time.Now(), group: g, site: g.site, fnPC: g.fnPC}}
		if g.site == "" {
			c.ev.pcs = new([maxPCs]uintptr)
			c.ev.npc = runtime.Callers(3, c.ev.pcs[:frames])
		}
	} else if m := markerFrom(req.Context()); m != nil {
		// The call started when the user's code called go-openai.
		if m.claim() {
			c = &m.c
			c.ev.start = m.start
		} else {
			c = &call{ev: event{start: time.Now()}}
		}
		c.ev.site, c.ev.fnPC = m.site, m.fnPC
	} else {
		c = &call{ev: event{start: time.Now()}}
		c.ev.pcs = new([maxPCs]uintptr)
		c.ev.npc = runtime.Callers(3, c.ev.pcs[:frames])
		if atomic.LoadInt32(&tracing) != 0 {
			// A call no wrapper saw (through an interface, or from a
			// library): its span starts here, under the request's context.
			if ctx := req.Context(); ctx != nil {
				if nctx := startSpan(ctx, c.ev.start, &c.ev); !sameContext(nctx, ctx) {
					req = req.WithContext(nctx)
				}
			}
		}
	}
	ev := &c.ev
	ev.method, ev.url = req.Method, req.URL
	ev.kind = classify(req.Method, req.URL.Path)
	ev.reqSize = req.ContentLength
	ev.reqHeader = req.Header
	if req.GetBody != nil && req.Body != nil && req.Body != http.NoBody {
		ev.getBody = req.GetBody
	}
	ev.stream = req.Header.Get("Accept") == "text/event-stream"
	if g != nil && !ev.stream && (ev.kind == kindChat || ev.kind == kindCompletion) && ev.getBody != nil {
		// openai-go asks for JSON on streams too: the method called (a
		// ...Streaming one) or else the body says stream.
		if g.fnPC != 0 {
			ev.stream = oaiStreaming(g.fnPC)
		} else {
			ev.stream = streamRequested(ev.getBody, req.ContentLength)
		}
	}
	send := req
	if ev.stream && (ev.kind == kindChat || ev.kind == kindCompletion) && ev.getBody != nil {
		send = injectUsage(req, ev)
	}
	resp, err := next.Do(send)
	if send != req && resp != nil && err == nil && rejectedOption(resp) {
		// The server refuses stream_options: send the user's request as it was.
		ev.injected = false
		resp, err = next.Do(req)
	}
	if err != nil || resp == nil {
		ev.end = time.Now()
		ev.err = err
		enqueue(ev)
		return resp, err
	}
	ev.status = resp.StatusCode
	ev.respHeader = resp.Header
	if resp.Body == nil || resp.Body == http.NoBody {
		ev.end = time.Now()
		enqueue(ev)
		return resp, err
	}
	ct := resp.Header.Get("Content-Type")
	sc := &c.sc
	sc.ev = ev
	if g != nil {
		g.opened(sc)
	}
	switch {
	case binaryType(ct):
		ev.respBinary = true
		// go-openai hands binary bodies (CreateSpeech) to the user, who may
		// never read or close them: they are logged at Finish or when
		// collected, like streams (and so get a response copy too).
		cp := *resp
		resp = &cp
		// Its own allocation: a finalizer needs the start of one.
		tb := &teeBody{rc: resp.Body, sc: sc}
		sc.tracked = true
		track(sc)
		runtime.SetFinalizer(tb, func(b *teeBody) { b.sc.finish(true, nil) })
		resp.Body = tb
	case resp.StatusCode == http.StatusOK && strings.HasPrefix(ct, "text/event-stream"):
		ev.stream = true
		ev.resp = newCapture(-1)
		// The user gets a copy of the response: net/http's connection
		// goroutine keeps the original alive until its body is consumed,
		// and a body reachable from there would never be finalized, so an
		// abandoned stream would wait for Finish.
		cp := *resp
		resp = &cp
		resp.Body = newSSEBody(resp.Body, sc)
	default:
		if n := resp.ContentLength; n >= 0 && n <= exactCapture {
			c.capt.head = make([]byte, 0, n)
			ev.resp = &c.capt
		} else {
			ev.resp = newCapture(n)
		}
		c.tb = teeBody{rc: resp.Body, sc: sc}
		resp.Body = &c.tb
	}
	return resp, err
}

// call is what the caller's path keeps of one call, in one allocation:
// the event, its guard, the usual body wrapper and response copy.
type call struct {
	ev   event
	sc   streamCall
	tb   teeBody
	capt capture // the response copy when its size is known and small
}

// teeBody copies a response body into the event's capture as the user
// reads it; the call ends at EOF, a read error or Close.
type teeBody struct {
	rc io.ReadCloser
	sc *streamCall
}

func (b *teeBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	b.sc.record(p[:n], err)
	return n, err
}

func (b *teeBody) Close() error {
	err := b.rc.Close()
	b.sc.finish(false, nil)
	if b.sc.tracked {
		runtime.SetFinalizer(b, nil)
	}
	return err
}

// record adds bytes the user read and ends the call on a read error.
func (sc *streamCall) record(p []byte, err error) {
	sc.mu.Lock()
	if sc.done {
		sc.mu.Unlock()
		return
	}
	ev := sc.ev
	if len(p) > 0 {
		if ev.stream && ev.firstByte.IsZero() {
			ev.firstByte = time.Now()
		}
		if ev.resp != nil {
			ev.resp.write(p)
		} else {
			ev.respBinarySize += int64(len(p))
		}
	}
	if err == nil {
		sc.mu.Unlock()
		return
	}
	if err != io.EOF {
		ev.err = err
	}
	sc.done = true
	ev.end = time.Now()
	sc.mu.Unlock()
	if sc.tracked {
		untrack(sc)
	}
	enqueue(ev)
}

// finish ends the call when the body is closed (or abandoned) before a
// read returned an error.
func (sc *streamCall) finish(abandoned bool, err error) {
	sc.mu.Lock()
	if sc.done {
		sc.mu.Unlock()
		return
	}
	sc.done = true
	ev := sc.ev
	ev.end = time.Now()
	ev.abandoned = abandoned
	ev.closedEarly = !abandoned
	if err != nil && ev.err == nil {
		ev.err = err
	}
	sc.mu.Unlock()
	if sc.tracked {
		untrack(sc)
	}
	enqueue(ev)
}
