// Package otelbridgetest runs go-openai calls with the runtime's
// OpenTelemetry bridge imported, as the glue of a program that uses
// OpenTelemetry imports it, and the OpenTelemetry SDK as the program's
// TracerProvider. It is a package of its own: the bridge's init registers
// it for the whole test binary.
package otelbridgetest

import (
	"context"
	"errors"
	"io"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/wbinstrument/wbinstrument/internal/fakeopenai"
	"github.com/wbinstrument/wbinstrument/internal/fakeweave"
	"github.com/wbinstrument/wbinstrument/internal/runtest"
	_ "github.com/wbinstrument/wbinstrument/runtime/otelbridge"
	"github.com/wbinstrument/wbinstrument/runtime/otlp"
	"github.com/wbinstrument/wbinstrument/runtime/wandb"
	"github.com/wbinstrument/wbinstrument/runtime/wbopenai"
)

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func attrs(s sdktrace.ReadOnlySpan) map[string]attribute.Value {
	m := map[string]attribute.Value{}
	for _, kv := range s.Attributes() {
		m[string(kv.Key)] = kv.Value
	}
	return m
}

// TestCallsAreChildSpans: with the program's TracerProvider set after the
// bridge's init, each call is a CLIENT span "chat {model}" under the
// span of its context, exported as soon as the call ends (a stream's when
// its body does), with the GenAI attributes and an error status for a
// failed call, whether or not a call-site wrapper saw the call; the
// program's own transport sees the call's span in the request's context; the runtime's own span of each call (kept offline
// for Weave) has the same trace and span ids, and the OTLP collector of
// OTEL_EXPORTER_OTLP_ENDPOINT does not get the call a second time.
func TestCallsAreChildSpans(t *testing.T) {
	col := fakeweave.New("")
	defer col.Close()
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", col.Base()+"/otel")
	t.Setenv("OTEL_BSP_SCHEDULE_DELAY", "20")
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	defer tp.Shutdown(context.Background())
	otel.SetTracerProvider(tp)

	srv := fakeopenai.New()
	defer srv.Close()
	dir := t.TempDir()
	if err := wbopenai.Init(wandb.Options{Dir: dir, Mode: "offline", Project: "otelbridge", Silent: true}); err != nil {
		t.Fatal(err)
	}
	var inTransport []trace.SpanContext
	cfg := openai.DefaultConfig("sk-test-SECRET-1234")
	cfg.BaseURL = srv.URL()
	cfg.HTTPClient = &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		inTransport = append(inTransport, trace.SpanContextFromContext(r.Context()))
		return http.DefaultTransport.RoundTrip(r)
	})}
	client := openai.NewClientWithConfig(wbopenai.Config(cfg))
	ctx, parent := tp.Tracer("example.com/server").Start(context.Background(), "POST /ask")
	req := openai.ChatCompletionRequest{Model: "gpt-4o-mini", Temperature: 0.5,
		Messages: []openai.ChatCompletionMessage{{Role: openai.ChatMessageRoleUser, Content: "What is 2+2?"}}}

	resp, err := wbopenai.Call1(client.CreateChatCompletion, "main.go:30 main.ask")(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	got := exp.GetSpans().Snapshots()
	if len(got) != 1 {
		t.Fatalf("%d spans exported when the call returned, want 1", len(got))
	}
	chat := got[0]
	a := attrs(chat)
	if chat.Name() != "chat gpt-4o-mini" || chat.SpanKind() != trace.SpanKindClient ||
		chat.Parent().SpanID() != parent.SpanContext().SpanID() || chat.SpanContext().TraceID() != parent.SpanContext().TraceID() ||
		chat.InstrumentationScope().Name != "github.com/wbinstrument/wbinstrument/runtime/otelbridge" {
		t.Errorf("span %q kind %v parent %v trace %v scope %q", chat.Name(), chat.SpanKind(), chat.Parent().SpanID(), chat.SpanContext().TraceID(), chat.InstrumentationScope().Name)
	}
	if a["gen_ai.operation.name"].AsString() != "chat" || a["gen_ai.provider.name"].AsString() != "openai" ||
		a["gen_ai.request.model"].AsString() != "gpt-4o-mini" || a["gen_ai.request.temperature"].AsFloat64() != 0.5 ||
		a["gen_ai.usage.input_tokens"].AsInt64() != int64(resp.Usage.PromptTokens) ||
		a["gen_ai.usage.output_tokens"].AsInt64() != int64(resp.Usage.CompletionTokens) ||
		a["gen_ai.response.id"].AsString() != resp.ID || a["code.function.name"].AsString() != "main.ask" ||
		len(a["gen_ai.response.finish_reasons"].AsStringSlice()) != 1 || chat.Status().Code != codes.Unset {
		t.Errorf("attributes %v, status %v", a, chat.Status())
	}
	if _, has := a["gen_ai.input.messages"]; has {
		t.Error("messages without OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT")
	}
	if len(inTransport) != 1 || inTransport[0].SpanID() != chat.SpanContext().SpanID() {
		t.Errorf("the program's transport saw %v, want the call's span %v", inTransport, chat.SpanContext().SpanID())
	}
	if chat.EndTime().Before(chat.StartTime()) || chat.EndTime().After(time.Now()) {
		t.Errorf("span from %v to %v", chat.StartTime(), chat.EndTime())
	}

	// A stream's span ends with its body.
	st, err := wbopenai.Call1(client.CreateChatCompletionStream, "main.go:40 main.stream")(ctx, openai.ChatCompletionRequest{Model: "gpt-4o-mini", Stream: true,
		Messages: []openai.ChatCompletionMessage{{Role: openai.ChatMessageRoleUser, Content: "stream please"}}})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(exp.GetSpans()); n != 1 {
		t.Fatalf("%d spans exported while the stream is open, want 1", n)
	}
	for {
		if _, err := st.Recv(); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	got = exp.GetSpans().Snapshots()
	if len(got) != 2 {
		t.Fatalf("%d spans after the stream, want 2", len(got))
	}
	if s := got[1]; s.Name() != "chat gpt-4o-mini" || !attrs(s)["gen_ai.request.stream"].AsBool() || attrs(s)["gen_ai.usage.output_tokens"].AsInt64() == 0 ||
		s.Parent().SpanID() != parent.SpanContext().SpanID() {
		t.Errorf("stream span %q parent %v attributes %v", s.Name(), s.Parent().SpanID(), attrs(s))
	}

	// A failed call.
	if _, err := wbopenai.Call1(client.CreateChatCompletion, "main.go:50 main.fail")(ctx, openai.ChatCompletionRequest{Model: "fail-429",
		Messages: []openai.ChatCompletionMessage{{Role: openai.ChatMessageRoleUser, Content: "x"}}}); err == nil {
		t.Fatal("fail-429 did not fail")
	}
	got = exp.GetSpans().Snapshots()
	if len(got) != 3 {
		t.Fatalf("%d spans after the failed call, want 3", len(got))
	}
	if s := got[2]; s.Status().Code != codes.Error || s.Status().Description == "" ||
		attrs(s)["http.response.status_code"].AsInt64() != 429 || attrs(s)["error.type"].AsString() == "" {
		t.Errorf("failed span status %v attributes %v", s.Status(), attrs(s))
	}
	// A call no wrapper sees (made through an interface, or by a
	// library on an instrumented client) gets its span at the transport.
	var chatter interface {
		CreateChatCompletion(context.Context, openai.ChatCompletionRequest) (openai.ChatCompletionResponse, error)
	} = client
	if _, err := chatter.CreateChatCompletion(ctx, req); err != nil {
		t.Fatal(err)
	}
	got = exp.GetSpans().Snapshots()
	if len(got) != 4 {
		t.Fatalf("%d spans after the call through an interface, want 4", len(got))
	}
	if s := got[3]; s.Name() != "chat gpt-4o-mini" || s.Parent().SpanID() != parent.SpanContext().SpanID() ||
		inTransport[len(inTransport)-1].SpanID() != s.SpanContext().SpanID() || attrs(s)["code.function.name"].AsString() == "" {
		t.Errorf("unwrapped call's span %q parent %v attributes %v", s.Name(), s.Parent().SpanID(), attrs(s))
	}
	parent.End()
	wbopenai.Finish()

	// The runtime's own spans, kept for Weave, carry the same ids.
	run := runtest.OneRun(t, dir, "offline-run-*")
	raw, _, err := otlp.ReadSpool(filepath.Join(run, filepath.FromSlash(wbopenai.SpoolName)), 0)
	if err != nil || len(raw) != 4 {
		t.Fatalf("spool: %d spans, %v", len(raw), err)
	}
	ids := map[trace.SpanID]trace.TraceID{}
	for _, s := range exp.GetSpans().Snapshots()[:4] {
		ids[s.SpanContext().SpanID()] = s.SpanContext().TraceID()
	}
	for _, b := range raw {
		var sp tracepb.Span
		if err := proto.Unmarshal(b, &sp); err != nil {
			t.Fatal(err)
		}
		var sid trace.SpanID
		var tid trace.TraceID
		copy(sid[:], sp.SpanId)
		copy(tid[:], sp.TraceId)
		if want, ok := ids[sid]; !ok || want != tid || len(sp.ParentSpanId) != 0 {
			t.Errorf("Weave span %x/%x (parent %x) is none of the program's", sp.TraceId, sp.SpanId, sp.ParentSpanId)
		}
	}
	if n, _ := col.Spans(); n != 0 {
		t.Errorf("the collector got %d spans the program's TracerProvider exports already", n)
	}
}
