package wbopenai

import (
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/wbinstrument/wbinstrument/runtime/otlp"
	"github.com/wbinstrument/wbinstrument/runtime/wandb"
)

// Each logged call also becomes one OpenTelemetry GenAI span: sent to
// W&B Weave for online runs (linked to the run and row through
// wandb.wb_run_id and wandb.wb_run_step), kept in the run directory for
// `wbinstrument sync` for offline ones, and sent to any OTLP collector
// the standard OTEL_EXPORTER_OTLP_* environment names. The span is built
// on the logging goroutine with the row; its step is only known when the
// run writes the row, so the span is handed to the exporters from the
// row's build function, which runs exactly for the rows that are written.

// SpoolName is where an offline run keeps its spans, relative to the run
// directory: outside files/, so they are not uploaded as run files.
const SpoolName = "otel/spans.otlp"

// maxContent is Weave's cut for an attribute value (256K characters):
// longer message content is left out rather than sent cut.
const maxContent = 256 << 10

// spanRunner is the run information span export needs; wandbSink has it,
// test sinks may.
type spanRunner interface {
	spanRun() spanRunInfo
}

type spanRunInfo struct {
	id, dir string
	online  bool
	opts    wandb.Options
	target  func() (entity, project string, ok bool)
}

func (w wandbSink) spanRun() spanRunInfo {
	return spanRunInfo{id: w.r.ID(), dir: w.r.Dir(), online: w.r.Online(), opts: w.r.Settings(), target: w.r.Target}
}

// spanExport is a session's span exporters: one to Weave (online) or to
// the run's spool (offline), one to an OTLP collector; either may be nil.
type spanExport struct {
	runID, runDir  string
	target         func() (entity, project string, ok bool)
	weave          *otlp.Exporter
	weaveContent   bool
	collector      *otlp.Exporter
	collectContent bool
}

// preparedSpan is a call's span without its step: its Span message
// fields, the message content last (from content on), with room after
// them for the step.
type preparedSpan struct {
	x       *spanExport
	b       []byte
	content int
	// bridged: the program's own TracerProvider exports this call's span
	// (same ids, with its parent), so the collector does not get it twice.
	bridged bool
}

// stepRoom is what the step's two attributes take at most.
const stepRoom = 2 * 40

var getenv = os.Getenv

// startSpanExport sets up the exporters for a run, from the environment.
func startSpanExport(run sink, bodies bodyPolicy) *spanExport {
	sr, ok := run.(spanRunner)
	if !ok {
		return nil
	}
	info := sr.spanRun()
	if info.id == "" {
		return nil
	}
	env := otlp.EnvFrom(getenv)
	for _, w := range env.Warnings {
		warn("%s", w)
	}
	x := &spanExport{runID: info.id, runDir: info.dir, target: info.target}
	scope := otlp.Resource{ScopeName: "github.com/wbinstrument/wbinstrument/runtime/wbopenai", ScopeVersion: wandb.Version}
	if weaveOn() && info.dir != "" {
		o := otlp.Options{Spool: filepath.Join(info.dir, filepath.FromSlash(SpoolName)), Name: "Weave",
			MaxQueue: env.MaxQueue, BatchSize: env.BatchSize, Delay: env.Delay, Timeout: env.Timeout,
			Warn: func(m string) { warn("%s", m) }}
		if info.online && info.opts.APIKey != "" {
			endpoint := strings.TrimSpace(getenv("WBINSTRUMENT_WEAVE_ENDPOINT"))
			if endpoint == "" {
				endpoint = otlp.WeaveEndpoint(info.opts.BaseURL)
			}
			key, resAttrs, target := info.opts.APIKey, env.Resource, info.target
			var ready *otlp.Target
			o.Target = func() (*otlp.Target, bool) {
				if ready != nil {
					return ready, true
				}
				entity, project, ok := target()
				if !ok {
					return nil, false
				}
				ready = otlp.WeaveTarget(endpoint, key, entity, project, resAttrs)
				ready.Resource.ScopeName, ready.Resource.ScopeVersion = scope.ScopeName, scope.ScopeVersion
				return ready, true
			}
		}
		if o.Target == nil && o.Delay == 0 {
			// Spooling costs no request: write spans about as soon as
			// the rows, so a killed program loses as little of either.
			o.Delay = time.Second
		}
		x.weave = otlp.NewExporter(o)
		x.weaveContent = !bodies.off
	}
	if env.Target != nil {
		t := env.Target
		t.Resource.ScopeName, t.Resource.ScopeVersion = scope.ScopeName, scope.ScopeVersion
		x.collector = otlp.NewExporter(otlp.Options{
			Target:   func() (*otlp.Target, bool) { return t, true },
			MaxQueue: env.MaxQueue, BatchSize: env.BatchSize, Delay: env.Delay, Timeout: env.Timeout,
			Name: "the OTLP collector", Warn: func(m string) { warn("%s", m) },
		})
		x.collectContent = env.CaptureContent && !bodies.off
	}
	if x.weave == nil && x.collector == nil {
		return nil
	}
	return x
}

// weaveOn reads WBINSTRUMENT_WEAVE: spans go to Weave (or the offline
// spool) unless it is false.
func weaveOn() bool {
	switch strings.ToLower(strings.TrimSpace(getenv("WBINSTRUMENT_WEAVE"))) {
	case "false", "0", "no", "off":
		return false
	}
	return true
}

// prepareInto builds a call's span on the logging goroutine, into p; it
// reports false when there is no exporter. reqB and respB are the bodies
// with credentials scrubbed.
func (x *spanExport) prepareInto(p *preparedSpan, ev *event, c *callInfo, reqB, respB []byte, errText string, ss *spanScratch) bool {
	// First, with or without an exporter: it also lets go of the call's
	// span in the program's own tracing.
	traceID, spanID, bridged := bridgedIDs(ev)
	if x == nil {
		return false
	}
	content := (x.weaveContent || x.collectContent) && !ev.reqBinary
	name, attrs, in, out := ss.genai(ev, c, reqB, respB, content)
	attrs = append(attrs, otlp.String("wandb.wb_run_id", x.runID))
	sp := otlp.Span{Name: name, Kind: otlp.KindClient, Start: ev.start, End: ev.end, Attributes: attrs}
	sp.TraceID, sp.SpanID = otlp.NewIDs()
	if bridged {
		sp.TraceID, sp.SpanID = traceID, spanID
	}
	if c.failed {
		sp.StatusCode, sp.StatusMessage = otlp.StatusError, errText
	}
	b := sp.Append(ss.buf[:0])
	n := len(b)
	if in != nil && len(in) <= maxContent {
		b = otlp.AppendStringBytes(b, otlp.SpanAttributes, "gen_ai.input.messages", in)
	}
	if out != nil && len(out) <= maxContent {
		b = otlp.AppendStringBytes(b, otlp.SpanAttributes, "gen_ai.output.messages", out)
	}
	ss.buf = b
	p.x, p.content, p.bridged = x, n, bridged
	p.b = append(make([]byte, 0, len(b)+stepRoom), b...)
	return true
}

// emit hands a prepared span to the exporters with the row's step. It
// runs on the run's writer goroutine and never waits.
func (x *spanExport) emit(p *preparedSpan, n int64, hasStep bool) {
	if x == nil || p == nil {
		return
	}
	var stepBuf [stepRoom]byte
	step := stepBuf[:0]
	if hasStep {
		step = otlp.AppendKeyValue(step, otlp.SpanAttributes, otlp.Int("wandb.wb_run_step", n))
		step = otlp.AppendKeyValue(step, otlp.SpanAttributes, otlp.Int("wandb.wb_run_step_end", n))
	}
	build := func(content, last bool) []byte {
		b := p.b
		if !content {
			b = b[:p.content]
		}
		if last && cap(b)-len(b) >= len(step) {
			// The exporter takes p.b itself: nothing else uses it now.
			return append(b, step...)
		}
		out := make([]byte, 0, len(b)+len(step))
		out = append(out, b...)
		return append(out, step...)
	}
	collect := x.collector != nil && !p.bridged
	if x.weave != nil {
		x.weave.Add(build(x.weaveContent, !collect))
	}
	if collect {
		x.collector.Add(build(x.collectContent, true))
	}
}

// shutdown sends what is left until deadline.
func (x *spanExport) shutdown(deadline time.Time) {
	if x == nil {
		return
	}
	done := make(chan struct{}, 2)
	n := 0
	for _, e := range []*otlp.Exporter{x.weave, x.collector} {
		if e != nil {
			n++
			go func(e *otlp.Exporter) { e.Shutdown(deadline); done <- struct{}{} }(e)
		}
	}
	for ; n > 0; n-- {
		<-done
	}
	// Spans left for sync go to the project W&B filed the run in, which
	// sync cannot learn again once the run is marked synced.
	if x.weave != nil && SpansPending(x.runDir) {
		if entity, project, ok := x.target(); ok {
			writeSpoolTarget(x.runDir, entity, project)
		}
	}
}
