package wbopenai

import (
	"encoding/json"
	"net/url"
	"testing"
)

func decodeReq(t *testing.T, s string) *genaiRequest {
	var r genaiRequest
	if err := json.Unmarshal([]byte(s), &r); err != nil {
		t.Fatal(err)
	}
	return &r
}

func decodeResp(t *testing.T, s string) *genaiResponse {
	var r genaiResponse
	if err := json.Unmarshal([]byte(s), &r); err != nil {
		t.Fatal(err)
	}
	return &r
}

// TestGenAIMessages pins gen_ai.input.messages and gen_ai.output.messages
// for chat with tools, legacy completions and the Responses API, in the
// shape of the GenAI conventions' message schemas.
func TestGenAIMessages(t *testing.T) {
	cases := []struct {
		name    string
		k       kind
		req     string
		resp    string
		in, out string
	}{{
		name: "chat with a tool round trip",
		k:    kindChat,
		req: `{"model":"m","messages":[{"role":"system","content":"be brief"},{"role":"user","content":[{"type":"text","text":"weather?"},{"type":"image_url","image_url":{"url":"x"}}]},
			{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"get","arguments":"{\"city\":\"Paris\"}"}}]},
			{"role":"tool","tool_call_id":"c1","content":"sunny"}]}`,
		resp: `{"id":"x","choices":[{"index":0,"finish_reason":"tool_calls","message":{"role":"assistant","content":null,"tool_calls":[{"id":"c2","type":"function","function":{"name":"get","arguments":"not json"}}]}}]}`,
		in: `[{"role":"system","parts":[{"type":"text","content":"be brief"}]},{"role":"user","parts":[{"type":"text","content":"weather?"},{"type":"image_url"}]},` +
			`{"role":"assistant","parts":[{"type":"tool_call","id":"c1","name":"get","arguments":{"city":"Paris"}}]},{"role":"tool","parts":[{"type":"tool_call_response","id":"c1","response":"sunny"}]}]`,
		out: `[{"role":"assistant","parts":[{"type":"tool_call","id":"c2","name":"get","arguments":"not json"}],"finish_reason":"tool_calls"}]`,
	}, {
		name: "completion",
		k:    kindCompletion,
		req:  `{"model":"m","prompt":"Once"}`,
		resp: `{"choices":[{"text":" upon","finish_reason":"length"}]}`,
		in:   `[{"role":"user","parts":[{"type":"text","content":"Once"}]}]`,
		out:  `[{"role":"assistant","parts":[{"type":"text","content":" upon"}],"finish_reason":"length"}]`,
	}, {
		name: "responses",
		k:    kindResponses,
		req:  `{"model":"m","instructions":"be brief","input":[{"role":"user","content":[{"type":"input_text","text":"hi"}]},{"type":"function_call_output","call_id":"c","output":"{\"ok\":true}"}]}`,
		resp: `{"status":"completed","output":[{"type":"reasoning","summary":[]},{"type":"message","role":"assistant","content":[{"type":"output_text","text":"hello"}]},{"type":"function_call","call_id":"c3","name":"f","arguments":"{}"}]}`,
		in: `[{"role":"system","parts":[{"type":"text","content":"be brief"}]},{"role":"user","parts":[{"type":"text","content":"hi"}]},` +
			`{"role":"tool","parts":[{"type":"tool_call_response","id":"c","response":"{\"ok\":true}"}]}]`,
		out: `[{"role":"assistant","parts":[{"type":"text","content":"hello"},{"type":"tool_call","id":"c3","name":"f","arguments":{}}],"finish_reason":"completed"}]`,
	}, {
		name: "responses, input as a string",
		k:    kindResponses,
		req:  `{"model":"m","input":"hi"}`,
		resp: `{"status":"completed","output":[]}`,
		in:   `[{"role":"user","parts":[{"type":"text","content":"hi"}]}]`,
		out:  ``,
	}}
	for _, c := range cases {
		in := string(inputMessages(c.k, decodeReq(t, c.req)))
		out := string(outputMessages(c.k, decodeResp(t, c.resp)))
		if in != c.in {
			t.Errorf("%s: input\n got %s\nwant %s", c.name, in, c.in)
		}
		if out != c.out {
			t.Errorf("%s: output\n got %s\nwant %s", c.name, out, c.out)
		}
	}
}

// TestGenAIAttrsEmbeddingAndOther: an embeddings call is named after its
// operation and has no output tokens; a non-LLM call is named after its
// method, without gen_ai.operation.name; a failure has error.type.
func TestGenAIAttrsEmbeddingAndOther(t *testing.T) {
	u, _ := url.Parse("http://localhost:8080/v1/embeddings")
	ev := &event{url: u}
	c := &callInfo{kind: kindEmbedding, model: "text-embedding-3-small", apiType: "openai", ttftMs: -1,
		usage: usageInfo{prompt: 7, total: 7, has: true}, site: "a/b.go:12 b.F"}
	name, attrs, in, out := genaiAttrs(ev, c, []byte(`{"model":"text-embedding-3-small","input":"x"}`), nil, true)
	got := map[string]interface{}{}
	for _, kv := range attrs {
		got[kv.Key] = kv.Value()
	}
	if name != "embeddings text-embedding-3-small" || in != nil || out != nil {
		t.Errorf("name %q, content %s %s", name, in, out)
	}
	for k, v := range map[string]interface{}{"gen_ai.operation.name": "embeddings", "gen_ai.usage.input_tokens": int64(7),
		"server.address": "localhost", "server.port": int64(8080), "code.file.path": "a/b.go", "code.line.number": int64(12), "code.function.name": "b.F"} {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
	if _, has := got["gen_ai.usage.output_tokens"]; has {
		t.Error("an embedding has output tokens")
	}
	c = &callInfo{kind: kindOther, method: "ListModels", apiType: "azure", ttftMs: -1, failed: true, httpStatus: 503}
	name, attrs, _, _ = genaiAttrs(&event{}, c, nil, nil, true)
	got = map[string]interface{}{}
	for _, kv := range attrs {
		got[kv.Key] = kv.Value()
	}
	if name != "openai ListModels" || got["gen_ai.operation.name"] != nil || got["gen_ai.provider.name"] != "azure.ai.openai" || got["error.type"] != "503" {
		t.Errorf("name %q, attributes %v", name, got)
	}
}
