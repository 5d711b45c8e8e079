package openaitest

import (
	"path/filepath"
	"testing"

	"github.com/wbinstrument/wbinstrument/internal/fakeweave"
	"github.com/wbinstrument/wbinstrument/runtime/wbopenai"
)

// TestSpansToCollector: the standard OTEL_EXPORTER_OTLP_* environment
// sends the spans of an offline run to a collector too, with its headers
// and resource, and message content only when the GenAI capture variable
// asks for it.
func TestSpansToCollector(t *testing.T) {
	for _, capture := range []bool{false, true} {
		col := fakeweave.New("")
		t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", col.Base()+"/otel")
		t.Setenv("OTEL_EXPORTER_OTLP_HEADERS", "x-team=blue%20team")
		t.Setenv("OTEL_SERVICE_NAME", "chatbot")
		t.Setenv("OTEL_RESOURCE_ATTRIBUTES", "deployment.environment=test")
		t.Setenv("OTEL_BSP_SCHEDULE_DELAY", "20")
		if capture {
			t.Setenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", "true")
		}
		e := start(t)
		calls(t, e.srv, 3)
		rd := e.finish()
		if n, dup := col.Spans(); n != 3 || dup != 0 {
			t.Fatalf("collector got %d spans, %d duplicates", n, dup)
		}
		for _, r := range col.Accepted() {
			if r.Header.Get("x-team") != "blue team" {
				t.Errorf("headers %v", r.Header)
			}
		}
		for _, s := range decodeAll(t, col.Accepted()) {
			if s.resource["service.name"] != "chatbot" || s.resource["deployment.environment"] != "test" || s.resource["wandb.entity"] != nil {
				t.Errorf("resource %v", s.resource)
			}
			if s.attrs["wandb.wb_run_id"] != rd.Run.RunID || s.attrs["gen_ai.request.model"] != "gpt-4o-mini" {
				t.Errorf("attributes %v", s.attrs)
			}
			if _, has := s.attrs["gen_ai.input.messages"]; has != capture {
				t.Errorf("capture %v: input messages present %v", capture, has)
			}
		}
		// The offline run keeps its own copy for Weave, content included.
		if !wbopenai.SpansPending(filepath.Dir(rd.Path)) {
			t.Error("the offline run kept no spans for Weave")
		}
		col.Close()
	}
}
