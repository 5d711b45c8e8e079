package wbopenai

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/wbinstrument/wbinstrument/runtime/otlp"
)

// A program that uses OpenTelemetry gets each call's span from its own
// TracerProvider too, as a child of the span in the call's context: the
// module github.com/wbinstrument/wbinstrument/runtime/otelbridge, which
// the rewrite adds only to modules that require go.opentelemetry.io/otel,
// registers a CallTracer from its init. The runtime itself stays
// standard library only and pays one atomic load per call while nothing
// is registered.
//
// The span starts when the call-site wrapper starts the call, so the
// context the call goes on with (and the program's own HTTP
// instrumentation, otelhttp, under it) carries it; it ends on the
// goroutine that ends the call, when the call ends (the method returns,
// or a stream's body ends), with the GenAI attributes of the runtime's
// own span. Ending it there rather than on the logging goroutine keeps
// OpenTelemetry's order: a span ends before its parent does, and before
// a deferred TracerProvider.Shutdown, which runs before wbiFinish.

// CallTracer starts the span of each call made through a call-site
// wrapper in the program's own tracing.
type CallTracer interface {
	// StartCall starts the span of a call made with ctx at start. It
	// returns the context the call goes on with, which carries the new
	// span, and the span, or a nil span to leave the call alone.
	StartCall(ctx context.Context, start time.Time) (context.Context, CallSpan)
}

// CallSpan is the span of one call in the program's own tracing.
type CallSpan interface {
	// End ends the span. It is called once, when the call ends.
	End(e CallEnd)
	// IDs returns the span's trace and span ids when the program's
	// tracing records and exports it: the runtime's own span of the call
	// (to Weave) then carries the same ids, and the runtime does not send
	// it to the OTLP collector a second time.
	IDs() (trace [16]byte, span [8]byte, ok bool)
}

// CallEnd is how a call ended, as the runtime's own span tells it.
type CallEnd struct {
	// Name is the span name, "{gen_ai.operation.name} {gen_ai.request.model}"
	// for GenAI calls.
	Name string
	// End is when the call ended.
	End time.Time
	// Attributes are the GenAI, server, error and code attributes, and
	// the messages when OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT
	// is true and bodies are logged.
	Attributes []otlp.KeyValue
	// Failed is set for a call that failed, with Message the error's
	// text, credentials removed.
	Failed  bool
	Message string
}

// SetCallTracer registers t; call it from an init function, before any
// call is made. Registering nil stops starting spans.
func SetCallTracer(t CallTracer) {
	bridge.mu.Lock()
	bridge.tracer = t
	bridge.mu.Unlock()
	on := int32(0)
	if t != nil {
		on = 1
	}
	atomic.StoreInt32(&tracing, on)
}

// tracing is 1 while a CallTracer is registered: the only thing a call
// pays for the bridge without one.
var tracing int32

// bridge holds the open spans, by the event that ends them (or, until
// the call has one, by its marker's event or openai-go call). A map
// rather than a field of the event: the caller's one allocation per call
// is exactly a size class, which a field would push into the next one
// for every program, traced or not.
var bridge struct {
	mu     sync.Mutex
	tracer CallTracer
	spans  map[interface{}]*bridgeSpan
	// content reads the capture variable once, when the first span ends.
	content     bool
	contentOnce sync.Once
}

type bridgeSpan struct {
	span  CallSpan
	ended bool
	// from is the context the span started under and ctx the one that
	// carries it: the retries of an unwrapped openai-go call go on with
	// ctx when they come with from (loneSpan).
	from, ctx context.Context
}

// startSpan starts the span of a call with ctx, kept under key, and
// returns the context the call goes on with.
func startSpan(ctx context.Context, start time.Time, key interface{}) context.Context {
	bridge.mu.Lock()
	t := bridge.tracer
	bridge.mu.Unlock()
	if t == nil {
		return ctx
	}
	nctx, sp := t.StartCall(ctx, start)
	if sp == nil || nctx == nil {
		return ctx
	}
	bridge.mu.Lock()
	if bridge.spans == nil {
		bridge.spans = make(map[interface{}]*bridgeSpan)
	}
	bridge.spans[key] = &bridgeSpan{span: sp, from: ctx, ctx: nctx}
	bridge.mu.Unlock()
	return nctx
}

// loneSpan returns the context an attempt of the openai-go call g, which
// no call-site wrapper saw, goes on with; base is the context the
// attempt came with. The first attempt starts g's span under base, as
// the transport does for a go-openai call no wrapper saw; the span is
// filed under g until emitLocked moves it to the event that ends the
// call, so it ends once, with the last attempt. A retry goes on with the
// span's context when it comes with the first attempt's context, which
// openai-go gives every attempt unless a per-attempt timeout
// (option.WithRequestTimeout) gives each its own: that one is kept, its
// deadline is the attempt's, and its requests nest under the program's
// span rather than the call's. Call it before g.begin.
func loneSpan(g *oaiCall, base context.Context) context.Context {
	if base == nil {
		return base
	}
	g.mu.Lock()
	first := g.started == 0
	g.mu.Unlock()
	if first {
		return startSpan(base, g.start, g)
	}
	bridge.mu.Lock()
	b := bridge.spans[g]
	bridge.mu.Unlock()
	if b != nil && !b.ended && sameContext(b.from, base) {
		return b.ctx
	}
	return base
}

// sameContext tells whether a and b are the same context value, by their
// type and data words: == on the interfaces could panic on a context
// type that is not comparable.
func sameContext(a, b context.Context) bool {
	if a == nil || b == nil {
		return false
	}
	return *(*[2]uintptr)(unsafe.Pointer(&a)) == *(*[2]uintptr)(unsafe.Pointer(&b))
}

// moveSpan files the span kept under from under to: the event that
// will end the call.
func moveSpan(from, to interface{}) {
	if atomic.LoadInt32(&tracing) == 0 {
		return
	}
	bridge.mu.Lock()
	if b, ok := bridge.spans[from]; ok {
		delete(bridge.spans, from)
		bridge.spans[to] = b
	}
	bridge.mu.Unlock()
}

// takeSpan removes and returns the span kept under key.
func takeSpan(key interface{}) *bridgeSpan {
	bridge.mu.Lock()
	b := bridge.spans[key]
	delete(bridge.spans, key)
	bridge.mu.Unlock()
	return b
}

// endCallSpan ends the span of the call ev ends, on the goroutine that
// ends it. The span stays filed until the logging goroutine has taken
// its ids (bridgedIDs) or dropSpan lets it go.
func endCallSpan(ev *event) {
	bridge.mu.Lock()
	b := bridge.spans[ev]
	if b == nil || b.ended {
		bridge.mu.Unlock()
		return
	}
	b.ended = true
	bridge.mu.Unlock()
	b.span.End(callEnd(ev))
}

// callEnd describes ev as the runtime's own span does. analyze and the
// span's attributes only read ev, so the logging goroutine reads it again
// as before: the work is paid twice, and only by traced programs. A chat
// call's attributes come from the scanner (spanScratch.genai), which
// costs a few microseconds where encoding/json cost tens.
func callEnd(ev *event) CallEnd {
	bridge.contentOnce.Do(func() {
		bridge.content = otlp.EnvFrom(getenv).CaptureContent && !bodyPolicyFromEnv().off
	})
	c := analyze(ev)
	sc := scrubber(ev.secrets[:])
	reqB, _ := sc.bytes(c.reqBody)
	respB, _ := sc.bytes(c.respBody)
	var ss spanScratch // the span's attributes and content live in it
	name, attrs, in, out := ss.genai(ev, c, reqB, respB, bridge.content && !ev.reqBinary)
	if in != nil && len(in) <= maxContent {
		attrs = append(attrs, otlp.String("gen_ai.input.messages", string(in)))
	}
	if out != nil && len(out) <= maxContent {
		attrs = append(attrs, otlp.String("gen_ai.output.messages", string(out)))
	}
	e := CallEnd{Name: name, End: ev.end, Attributes: attrs}
	if c.failed {
		e.Failed, e.Message = true, sc.text(c.errMessage)
		if e.Message == "" {
			e.Message = "failed"
		}
	}
	return e
}

// endUnlogged ends the span kept under key of a call that is not logged
// (it never reached the server, or logging is off): a span of the
// method, failed when it returned an error.
func endUnlogged(key interface{}, fnPC uintptr, site string, err error) {
	b := takeSpan(key)
	if b == nil || b.ended {
		return
	}
	c := &callInfo{method: methodName(fnPC), site: site}
	e := CallEnd{Name: "openai " + spanName(c), End: time.Now(),
		Attributes: []otlp.KeyValue{otlp.String("gen_ai.provider.name", "openai"), otlp.String("gen_ai.system", "openai")}}
	if site != "" {
		e.Attributes = append(e.Attributes, siteAttrs(site)...)
	}
	e.Attributes = append(e.Attributes, otlp.String("wbinstrument.method", spanName(c)))
	if err != nil {
		e.Failed, e.Message = true, err.Error()
		e.Attributes = append(e.Attributes, otlp.String("error.type", errorKind(err)))
	}
	b.span.End(e)
}

// dropSpan lets go of the span of an event that will not be logged,
// ending it if the call's end did not.
func dropSpan(ev *event) {
	if atomic.LoadInt32(&tracing) == 0 {
		return
	}
	endCallSpan(ev)
	takeSpan(ev)
}

// bridgedIDs takes the span of a call being logged and returns the ids
// the runtime's own span of it takes, if the program's tracing exports
// it.
func bridgedIDs(ev *event) (trace [16]byte, span [8]byte, ok bool) {
	if atomic.LoadInt32(&tracing) == 0 {
		return trace, span, false
	}
	endCallSpan(ev) // a call whose end did not pass through enqueue
	b := takeSpan(ev)
	if b == nil {
		return trace, span, false
	}
	return b.span.IDs()
}
