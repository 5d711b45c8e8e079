package openaitest

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	resourcepb "go.opentelemetry.io/proto/otlp/resource/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	openai "github.com/sashabaranov/go-openai"

	"github.com/wbinstrument/wbinstrument/internal/fakeopenai"
	"github.com/wbinstrument/wbinstrument/internal/fakewandb"
	"github.com/wbinstrument/wbinstrument/internal/fakeweave"
	"github.com/wbinstrument/wbinstrument/internal/runtest"
	"github.com/wbinstrument/wbinstrument/runtime/otlp"
	"github.com/wbinstrument/wbinstrument/runtime/wandb"
	"github.com/wbinstrument/wbinstrument/runtime/wbopenai"
)

// wandbKey is the W&B key of the online tests; no file may hold it.
const wandbKey = "wandb-SECRET-key-0123456789abcdef0123456789"

// decodedSpan is a span decoded with the official OTLP types, with the
// resource it came under.
type decodedSpan struct {
	span     *tracepb.Span
	attrs    map[string]interface{}
	resource map[string]interface{}
}

func anyValue(v *commonpb.AnyValue) interface{} {
	switch x := v.GetValue().(type) {
	case *commonpb.AnyValue_StringValue:
		return x.StringValue
	case *commonpb.AnyValue_BoolValue:
		return x.BoolValue
	case *commonpb.AnyValue_IntValue:
		return x.IntValue
	case *commonpb.AnyValue_DoubleValue:
		return x.DoubleValue
	case *commonpb.AnyValue_ArrayValue:
		var out []interface{}
		for _, e := range x.ArrayValue.GetValues() {
			out = append(out, anyValue(e))
		}
		return out
	}
	return nil
}

func attrMap(t *testing.T, kvs []*commonpb.KeyValue) map[string]interface{} {
	m := map[string]interface{}{}
	for _, kv := range kvs {
		if _, dup := m[kv.Key]; dup {
			t.Errorf("attribute %s twice", kv.Key)
		}
		m[kv.Key] = anyValue(kv.Value)
	}
	return m
}

// decodeAll decodes every accepted request with the official types.
func decodeAll(t *testing.T, reqs []fakeweave.Request) []decodedSpan {
	t.Helper()
	var out []decodedSpan
	for _, r := range reqs {
		var req coltracepb.ExportTraceServiceRequest
		if err := proto.Unmarshal(r.Body, &req); err != nil {
			t.Fatalf("the official types cannot decode a request: %v", err)
		}
		for _, rs := range req.ResourceSpans {
			res := attrMap(t, rs.GetResource().GetAttributes())
			for _, ss := range rs.ScopeSpans {
				if ss.GetScope().GetName() != "github.com/wbinstrument/wbinstrument/runtime/wbopenai" {
					t.Errorf("scope %q", ss.GetScope().GetName())
				}
				for _, sp := range ss.Spans {
					out = append(out, decodedSpan{span: sp, attrs: attrMap(t, sp.Attributes), resource: res})
				}
			}
		}
	}
	return out
}

func TestOTLPEncodingOracle(t *testing.T) {
	long := strings.Repeat("x", 20000) // lengths of 1, 2 and 3 varint bytes
	start := time.Unix(1700000000, 123456789)
	sp := otlp.Span{
		TraceID: [16]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16},
		SpanID:  [8]byte{8, 7, 6, 5, 4, 3, 2, 1}, ParentSpanID: [8]byte{9, 9, 9, 9, 9, 9, 9, 9},
		Name: "chat gpt-4o-mini", Kind: otlp.KindClient, Start: start, End: start.Add(1500 * time.Millisecond),
		Attributes: []otlp.KeyValue{
			otlp.String("s", "v"), otlp.String("empty", ""), otlp.String("long", long),
			otlp.Bool("t", true), otlp.Bool("f", false), otlp.Int("n", 42), otlp.Int("neg", -7),
			otlp.Float("pi", 3.25), otlp.Strings("list", []string{"stop", "", "length"}),
		},
		StatusCode: otlp.StatusError, StatusMessage: "boom",
	}
	b := sp.Append(nil)
	b = otlp.AppendKeyValue(b, otlp.SpanAttributes, otlp.Int("wandb.wb_run_step", 300))
	res := &otlp.Resource{Attributes: []otlp.KeyValue{otlp.String("wandb.entity", "e"), otlp.String("service.name", long)}, ScopeName: "scope", ScopeVersion: "1.2"}
	var req coltracepb.ExportTraceServiceRequest
	if err := proto.Unmarshal(otlp.Request(res, [][]byte{b, sp.Append(nil)}), &req); err != nil {
		t.Fatal(err)
	}
	want := &coltracepb.ExportTraceServiceRequest{}
	str := func(k, v string) *commonpb.KeyValue {
		return &commonpb.KeyValue{Key: k, Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: v}}}
	}
	val := func(k string, v *commonpb.AnyValue) *commonpb.KeyValue { return &commonpb.KeyValue{Key: k, Value: v} }
	strs := func(ss ...string) *commonpb.AnyValue {
		var vs []*commonpb.AnyValue
		for _, s := range ss {
			vs = append(vs, &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: s}})
		}
		return &commonpb.AnyValue{Value: &commonpb.AnyValue_ArrayValue{ArrayValue: &commonpb.ArrayValue{Values: vs}}}
	}
	span := func(extra ...*commonpb.KeyValue) *tracepb.Span {
		return &tracepb.Span{
			TraceId: sp.TraceID[:], SpanId: sp.SpanID[:], ParentSpanId: sp.ParentSpanID[:],
			Name: sp.Name, Kind: tracepb.Span_SPAN_KIND_CLIENT,
			StartTimeUnixNano: uint64(start.UnixNano()), EndTimeUnixNano: uint64(start.Add(1500 * time.Millisecond).UnixNano()),
			Attributes: append([]*commonpb.KeyValue{
				str("s", "v"), str("empty", ""), str("long", long),
				val("t", &commonpb.AnyValue{Value: &commonpb.AnyValue_BoolValue{BoolValue: true}}),
				val("f", &commonpb.AnyValue{Value: &commonpb.AnyValue_BoolValue{BoolValue: false}}),
				val("n", &commonpb.AnyValue{Value: &commonpb.AnyValue_IntValue{IntValue: 42}}),
				val("neg", &commonpb.AnyValue{Value: &commonpb.AnyValue_IntValue{IntValue: -7}}),
				val("pi", &commonpb.AnyValue{Value: &commonpb.AnyValue_DoubleValue{DoubleValue: 3.25}}),
				val("list", strs("stop", "", "length")),
			}, extra...),
			Status: &tracepb.Status{Code: tracepb.Status_STATUS_CODE_ERROR, Message: "boom"},
		}
	}
	want.ResourceSpans = []*tracepb.ResourceSpans{{
		Resource: &resourcepb.Resource{Attributes: []*commonpb.KeyValue{str("wandb.entity", "e"), str("service.name", long)}},
		ScopeSpans: []*tracepb.ScopeSpans{{
			Scope: &commonpb.InstrumentationScope{Name: "scope", Version: "1.2"},
			Spans: []*tracepb.Span{span(val("wandb.wb_run_step", &commonpb.AnyValue{Value: &commonpb.AnyValue_IntValue{IntValue: 300}})), span()},
		}},
	}}
	if !proto.Equal(&req, want) {
		t.Errorf("decoded request differs:\n got %v\nwant %v", shorten(protojson.Format(&req)), shorten(protojson.Format(want)))
	}
}

func shorten(s string) string { return strings.ReplaceAll(s, strings.Repeat("x", 20000), "x*20000") }

// online starts a fake OpenAI, a fake W&B and a fake Weave, and an
// online run whose entity W&B resolves (so the spans wait for it).
func online(t *testing.T, project string) (*fakeopenai.Server, *fakewandb.Server, *fakeweave.Server, string) {
	t.Helper()
	ai, wb, wv := fakeopenai.New(), fakewandb.New(wandbKey), fakeweave.New(wandbKey)
	dir := t.TempDir()
	t.Cleanup(func() {
		wbopenai.Finish()
		ai.Close()
		wv.Close()
		wb.Close()
	})
	t.Setenv("WBINSTRUMENT_WEAVE_ENDPOINT", wv.URL())
	t.Setenv("OTEL_BSP_SCHEDULE_DELAY", "50")
	saved := otlp.DefaultRetry
	otlp.DefaultRetry = otlp.Retry{Base: 20 * time.Millisecond, Max: 200 * time.Millisecond}
	t.Cleanup(func() { otlp.DefaultRetry = saved })
	if err := wbopenai.Init(wandb.Options{Dir: dir, Mode: "online", APIKey: wandbKey, BaseURL: wb.URL(), Project: project, Silent: true}); err != nil {
		t.Fatal(err)
	}
	return ai, wb, wv, dir
}

func clientOf(ai *fakeopenai.Server) *openai.Client {
	cfg := openai.DefaultConfig(secretKey)
	cfg.BaseURL = ai.URL()
	return openai.NewClientWithConfig(wbopenai.Config(cfg))
}

func itoa(n int) string { return strconv.Itoa(n) }

func equalJSON(a, b interface{}) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

func TestSpansToWeave(t *testing.T) {
	ai, _, wv, dir := online(t, "otelproj")
	c := clientOf(ai)
	ctx := context.Background()
	q := chatReq("gpt-4o-mini", "What is 2+2?")
	q.Temperature = 0.5
	q.MaxTokens = 64
	if _, err := c.CreateChatCompletion(ctx, q); err != nil {
		t.Fatal(err)
	}
	st, err := c.CreateChatCompletionStream(ctx, chatReq("gpt-4o-mini", "stream please"))
	if err != nil {
		t.Fatal(err)
	}
	drain(t, st)
	if _, err := c.CreateChatCompletion(ctx, chatReq("fail-429", "x")); err == nil {
		t.Fatal("fail-429 did not fail")
	}
	wbopenai.Finish()

	rd := runtest.ReadOneRun(t, dir, "run-*")
	if len(rd.History) != 3 {
		t.Fatalf("%d rows, want 3", len(rd.History))
	}
	if n, dup := wv.Spans(); n != 3 || dup != 0 {
		t.Fatalf("Weave got %d spans (%d duplicates), want 3 once each", n, dup)
	}
	for _, r := range wv.Accepted() {
		if r.Header.Get("wandb-api-key") != wandbKey || r.Header.Get("project_id") != fakewandb.DefaultEntity+"/otelproj" {
			t.Errorf("request headers: project_id %q, key set %v", r.Header.Get("project_id"), r.Header.Get("wandb-api-key") != "")
		}
	}
	spans := decodeAll(t, wv.Accepted())
	byStep := map[int64]decodedSpan{}
	for _, s := range spans {
		if s.resource["wandb.entity"] != fakewandb.DefaultEntity || s.resource["wandb.project"] != "otelproj" {
			t.Errorf("resource %v", s.resource)
		}
		if s.attrs["wandb.wb_run_id"] != rd.Run.RunID {
			t.Errorf("wb_run_id %v, run %s", s.attrs["wandb.wb_run_id"], rd.Run.RunID)
		}
		step, _ := s.attrs["wandb.wb_run_step"].(int64)
		if s.attrs["wandb.wb_run_step_end"] != step {
			t.Errorf("step %d, step_end %v", step, s.attrs["wandb.wb_run_step_end"])
		}
		byStep[step] = s
		if s.span.Kind != tracepb.Span_SPAN_KIND_CLIENT || len(s.span.TraceId) != 16 || len(s.span.SpanId) != 8 {
			t.Errorf("span kind %v, ids %x %x", s.span.Kind, s.span.TraceId, s.span.SpanId)
		}
		if f, _ := s.attrs["code.file.path"].(string); f != "otel_test.go" || s.attrs["code.line.number"] == nil {
			t.Errorf("call site %v:%v", s.attrs["code.file.path"], s.attrs["code.line.number"])
		}
		if s.attrs["gen_ai.provider.name"] != "openai" || s.attrs["gen_ai.operation.name"] != "chat" {
			t.Errorf("provider %v, operation %v", s.attrs["gen_ai.provider.name"], s.attrs["gen_ai.operation.name"])
		}
	}
	for step, h := range rd.History {
		if _, ok := byStep[int64(step)]; !ok || string(h["_step"]) != itoa(step) {
			t.Errorf("row %d (_step %s) has no span", step, h["_step"])
		}
	}
	chat, stream, failed := byStep[0], byStep[1], byStep[2]
	for k, want := range map[string]interface{}{
		"gen_ai.request.model": "gpt-4o-mini", "gen_ai.request.temperature": 0.5, "gen_ai.request.max_tokens": int64(64),
		"gen_ai.request.stream": false, "gen_ai.response.finish_reasons": []interface{}{"stop"},
		"server.address": "127.0.0.1", "http.response.status_code": int64(200),
	} {
		if !equalJSON(chat.attrs[k], want) {
			t.Errorf("chat %s = %#v, want %#v", k, chat.attrs[k], want)
		}
	}
	for _, k := range []string{"gen_ai.response.id", "gen_ai.response.model", "gen_ai.usage.input_tokens", "gen_ai.usage.output_tokens", "gen_ai.input.messages", "gen_ai.output.messages"} {
		if chat.attrs[k] == nil || stream.attrs[k] == nil {
			t.Errorf("%s: chat %v, stream %v", k, chat.attrs[k], stream.attrs[k])
		}
	}
	if in, _ := chat.attrs["gen_ai.input.messages"].(string); in != `[{"role":"user","parts":[{"type":"text","content":"What is 2+2?"}]}]` {
		t.Errorf("input messages %s", in)
	}
	if out, _ := chat.attrs["gen_ai.output.messages"].(string); !strings.HasPrefix(out, `[{"role":"assistant","parts":[{"type":"text","content":`) || !strings.Contains(out, `"finish_reason":"stop"`) {
		t.Errorf("output messages %s", out)
	}
	if stream.attrs["gen_ai.request.stream"] != true || stream.attrs["gen_ai.response.time_to_first_chunk"] == nil {
		t.Errorf("stream attributes %v", stream.attrs)
	}
	if chat.span.Status.GetCode() == tracepb.Status_STATUS_CODE_ERROR || failed.span.Status.GetCode() != tracepb.Status_STATUS_CODE_ERROR ||
		failed.attrs["error.type"] == nil || failed.attrs["http.response.status_code"] != int64(429) {
		t.Errorf("status: chat %v, failed %v %v", chat.span.Status, failed.span.Status, failed.attrs["error.type"])
	}
	if chat.span.EndTimeUnixNano <= chat.span.StartTimeUnixNano {
		t.Errorf("times %d..%d", chat.span.StartTimeUnixNano, chat.span.EndTimeUnixNano)
	}
	if wbopenai.SpansPending(filepath.Dir(rd.Path)) {
		t.Error("spans left in the spool although Weave took them all")
	}
	assertNoKey(t, dir, wandbKey)
	if testing.Verbose() {
		t.Logf("chat span:\n%s", protojson.Format(chat.span))
		t.Logf("stream span:\n%s", protojson.Format(stream.span))
	}
}

// assertNoKey fails if any file under dir holds key.
func assertNoKey(t *testing.T, dir, key string) {
	t.Helper()
	filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err == nil && info.Mode().IsRegular() {
			if b, _ := os.ReadFile(p); strings.Contains(string(b), key) {
				t.Errorf("%s holds a key", p)
			}
		}
		return nil
	})
}
