package openaitest

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"testing"

	openai "github.com/sashabaranov/go-openai"

	"github.com/wbinstrument/wbinstrument/internal/fakeopenai"
	"github.com/wbinstrument/wbinstrument/internal/runtest"
	"github.com/wbinstrument/wbinstrument/runtime/wandb"
	"github.com/wbinstrument/wbinstrument/runtime/wandb/wandbfile"
	"github.com/wbinstrument/wbinstrument/runtime/wbopenai"
)

// secretKey is the API key every test client uses; no byte of a run may
// contain it.
const secretKey = "sk-test-SECRET-9f8e7d6c5b4a"

// env is one test's fake server and run directory.
type env struct {
	t   *testing.T
	srv *fakeopenai.Server
	dir string
}

// start starts a fake server and an offline run in a temp dir.
func start(t *testing.T) *env {
	t.Helper()
	e := &env{t: t, srv: fakeopenai.New(), dir: t.TempDir()}
	t.Cleanup(func() {
		wbopenai.Finish()
		e.srv.Close()
	})
	if err := wbopenai.Init(wandb.Options{Dir: e.dir, Mode: "offline", Project: "openaitest", Silent: true}); err != nil {
		t.Fatal(err)
	}
	return e
}

// instrumented is a client built the way rewritten code builds it.
func (e *env) instrumented() *openai.Client {
	cfg := openai.DefaultConfig(secretKey)
	cfg.BaseURL = e.srv.URL()
	return openai.NewClientWithConfig(wbopenai.Config(cfg))
}

// plain is an uninstrumented client of the same server.
func (e *env) plain() *openai.Client {
	cfg := openai.DefaultConfig(secretKey)
	cfg.BaseURL = e.srv.URL()
	return openai.NewClientWithConfig(cfg)
}

// finish ends the run and reads it back.
func (e *env) finish() *wandbfile.RunData {
	e.t.Helper()
	wbopenai.Finish()
	rd := runtest.ReadOneRun(e.t, e.dir, "offline-run-*")
	if rd.Exit == nil {
		e.t.Fatal("run has no exit record")
	}
	return rd
}

func chatReq(model, q string) openai.ChatCompletionRequest {
	return openai.ChatCompletionRequest{Model: model,
		Messages: []openai.ChatCompletionMessage{{Role: openai.ChatMessageRoleUser, Content: q}}}
}

// row is a decoded history row.
type row map[string]json.RawMessage

func (r row) int(t *testing.T, key string) int {
	t.Helper()
	var n int
	if err := json.Unmarshal(r[key], &n); err != nil {
		t.Fatalf("row[%q] = %s: %v", key, r[key], err)
	}
	return n
}

func (r row) has(key string) bool { _, ok := r[key]; return ok }

// spanOf is a decoded trace root span.
type spanOf struct {
	SpanID        string                     `json:"span_id"`
	Name          string                     `json:"name"`
	StartTimeMs   int64                      `json:"start_time_ms"`
	EndTimeMs     int64                      `json:"end_time_ms"`
	StatusCode    string                     `json:"status_code"`
	StatusMessage *string                    `json:"status_message"`
	Attributes    map[string]json.RawMessage `json:"attributes"`
	Results       []struct {
		Inputs  json.RawMessage `json:"inputs"`
		Outputs json.RawMessage `json:"outputs"`
	} `json:"results"`
	ChildSpans []json.RawMessage `json:"child_spans"`
	SpanKind   string            `json:"span_kind"`
}

func (s *spanOf) attr(key string) string {
	var v string
	if json.Unmarshal(s.Attributes[key], &v) != nil {
		return string(s.Attributes[key])
	}
	return v
}

// trace decodes and checks a row's wb_trace_tree value.
func (r row) trace(t *testing.T) (*spanOf, map[string]json.RawMessage) {
	t.Helper()
	var tr struct {
		Type      string `json:"_type"`
		ModelHash string `json:"model_hash"`
		ModelDict string `json:"model_dict_dumps"`
		RootSpan  string `json:"root_span_dumps"`
	}
	if err := json.Unmarshal(r["trace"], &tr); err != nil {
		t.Fatalf("trace %s: %v", r["trace"], err)
	}
	if tr.Type != "wb_trace_tree" {
		t.Fatalf("trace _type = %q", tr.Type)
	}
	sum := md5.Sum([]byte(tr.ModelDict))
	if tr.ModelHash != hex.EncodeToString(sum[:])[:16] {
		t.Fatalf("model_hash %q is not md5(model_dict_dumps)[:16]", tr.ModelHash)
	}
	var dict map[string]json.RawMessage
	if err := json.Unmarshal([]byte(tr.ModelDict), &dict); err != nil || string(dict["_kind"]) != `"openai"` {
		t.Fatalf("model_dict_dumps %s: %v", tr.ModelDict, err)
	}
	var sp spanOf
	if err := json.Unmarshal([]byte(tr.RootSpan), &sp); err != nil {
		t.Fatalf("root_span_dumps %s: %v", tr.RootSpan, err)
	}
	if sp.SpanKind == "" || sp.ChildSpans == nil || len(sp.Results) != 1 || sp.EndTimeMs < sp.StartTimeMs {
		t.Fatalf("malformed span %s", tr.RootSpan)
	}
	return &sp, dict
}

// rows returns the history rows that log calls.
func rows(rd *wandbfile.RunData) []row {
	var out []row
	for _, h := range rd.History {
		if _, ok := h["trace"]; ok {
			out = append(out, row(h))
		}
	}
	return out
}

func summaryInt(t *testing.T, rd *wandbfile.RunData, key string) int {
	t.Helper()
	var n int
	if err := json.Unmarshal(rd.Summary[key], &n); err != nil {
		t.Fatalf("summary[%q] = %s: %v", key, rd.Summary[key], err)
	}
	return n
}
