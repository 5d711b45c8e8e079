// Package wbopenai is what code rewritten by wbinstrument calls: it
// observes every request a go-openai or openai-go client makes and logs
// each call to a Weights & Biases run, in the schema of W&B's Python
// OpenAI autolog (usage/* metrics, a wb_trace_tree "trace"), with a
// "stats" table per batch of calls rather than per call (rowenc.go says
// why).
//
// It imports neither SDK, so that it cannot change the SDK version a
// program builds with: go-openai constructors are instrumented through
// reflection on the user's openai.ClientConfig, openai-go clients through
// the option.WithMiddleware function the rewritten package passes in,
// calls through generic wrappers, and everything else at the HTTP layer.
//
// The caller's path pays for timestamps, a tee of the response body into
// a pooled buffer and an append to a locked slice; parsing, encoding and
// all I/O happen on one logging goroutine.
//
// Where to start, following one call:
//
//   - Init, Finish and Disable (logger.go) start and end the session: the
//     run, the span exporter, the logging goroutine.
//   - The caller's path: Config, NewClient (config.go) put the HTTP hook
//     into a go-openai client; OpenAIMiddleware and OpenAIOptions
//     (openaigo.go) into an openai-go one; the call-site wrappers
//     (wrappers.go, openaigo_wrappers.go, generated from internal/arity)
//     mark the call's context with its site, and, when runtime/otelbridge
//     registered a CallTracer, wrap the call in a span of the program's own
//     tracing (bridge.go). doer.Do (transport.go) turns
//     each request into an event (event.go), tees the response
//     (capture.go, sse.go for streams) and queues the event.
//   - The logging goroutine: session.drain (logger.go) takes queued
//     events; logCall (rowenc.go) analyzes each (analyzeInto in parse.go,
//     parseStream in streamparse.go, both on the jcur scanner of
//     jsonscan.go), prices it (cost.go), encodes the history row and the
//     stats table row (rowenc.go, row.go, spanjson.go) and hands them to
//     the run (sink_wandb.go), and the GenAI span to the exporter
//     (otel.go, genai*.go).
//
// Environment: WBINSTRUMENT_MAX_BODY caps request and response bodies in
// traces (bytes, default 65536), WBINSTRUMENT_LOG_BODIES=false leaves
// bodies out entirely, WBINSTRUMENT_DRAIN_INTERVAL (default 20ms) sets how
// often the logging goroutine takes queued calls. The run itself is configured by the WANDB_*
// variables (see package wandb).
package wbopenai
