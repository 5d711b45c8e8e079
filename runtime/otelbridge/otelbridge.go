// Package otelbridge makes every OpenAI call that wbinstrument logs a span
// of the program's own OpenTelemetry tracing too: a CLIENT span named
// "{gen_ai.operation.name} {gen_ai.request.model}", child of the span in
// the call's context, started through the TracerProvider set with
// otel.SetTracerProvider (looked up at each call, so one set after this
// package's init is used), with the OpenTelemetry GenAI attributes and an
// error status for a failed call. The context the call goes on with
// carries the new span, so the program's own HTTP instrumentation
// (otelhttp) nests under it.
//
// Programs do not import it by hand: `wbinstrument rewrite` adds a blank
// import of it to the generated glue of modules that require
// go.opentelemetry.io/otel, and nothing to the others, which so never
// gain the dependency. It requires the lowest OpenTelemetry API version
// with what it uses, so that it never raises a program's own.
package otelbridge

import (
	"context"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/wbinstrument/wbinstrument/runtime/wbopenai"
)

// ScopeName is the instrumentation scope of the spans.
const ScopeName = "github.com/wbinstrument/wbinstrument/runtime/otelbridge"

func init() { wbopenai.SetCallTracer(tracer{}) }

type tracer struct{}

// cached is the tracer of the last provider seen: otel.GetTracerProvider
// is read at every call, and Tracer of a real provider takes a lock.
var cached atomic.Value // providerTracer

type providerTracer struct {
	p trace.TracerProvider
	t trace.Tracer
}

func currentTracer() trace.Tracer {
	p := otel.GetTracerProvider()
	if c, ok := cached.Load().(providerTracer); ok && c.p == p {
		return c.t
	}
	t := p.Tracer(ScopeName)
	cached.Store(providerTracer{p, t})
	return t
}

// StartCall starts the call's span; its name is set when the call ends,
// once the model is known.
func (tracer) StartCall(ctx context.Context, start time.Time) (context.Context, wbopenai.CallSpan) {
	ctx, sp := currentTracer().Start(ctx, "openai", trace.WithSpanKind(trace.SpanKindClient), trace.WithTimestamp(start))
	sc := sp.SpanContext()
	// A span the program's tracing does not record and export (no SDK
	// installed, or sampled out) lends its ids to nothing: without an SDK
	// it is the parent's own span context.
	return ctx, &span{sp: sp, export: sp.IsRecording() && sc.IsSampled() && sc.IsValid()}
}

type span struct {
	sp     trace.Span
	export bool
}

// End sets the span's name, attributes and status and ends it at the
// call's end.
func (s *span) End(e wbopenai.CallEnd) {
	if !s.sp.IsRecording() {
		s.sp.End()
		return
	}
	s.sp.SetName(e.Name)
	attrs := make([]attribute.KeyValue, 0, len(e.Attributes))
	for _, a := range e.Attributes {
		switch v := a.Value().(type) {
		case string:
			attrs = append(attrs, attribute.String(a.Key, v))
		case bool:
			attrs = append(attrs, attribute.Bool(a.Key, v))
		case int64:
			attrs = append(attrs, attribute.Int64(a.Key, v))
		case float64:
			attrs = append(attrs, attribute.Float64(a.Key, v))
		case []string:
			attrs = append(attrs, attribute.StringSlice(a.Key, v))
		}
	}
	s.sp.SetAttributes(attrs...)
	if e.Failed {
		s.sp.SetStatus(codes.Error, e.Message)
	}
	s.sp.End(trace.WithTimestamp(e.End))
}

// IDs are the span's trace and span ids, when the program exports it.
func (s *span) IDs() (traceID [16]byte, spanID [8]byte, ok bool) {
	if !s.export {
		return traceID, spanID, false
	}
	sc := s.sp.SpanContext()
	return sc.TraceID(), sc.SpanID(), true
}
