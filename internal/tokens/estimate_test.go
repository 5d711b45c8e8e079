package tokens

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/wbinstrument/wbinstrument/internal/calls"
)

// traceRow builds a history row the way the runtime logs a stream whose
// server ignored include_usage: usage_missing, no usage/* token keys.
func traceRow(t *testing.T, endpoint, model string, request, response interface{}) map[string]json.RawMessage {
	t.Helper()
	dict, err := json.Marshal(map[string]interface{}{"request": request, "response": response, "_kind": "openai"})
	if err != nil {
		t.Fatal(err)
	}
	span, _ := json.Marshal(map[string]interface{}{
		"span_id": "s-1", "name": "CreateChatCompletionStream", "status_code": "SUCCESS",
		"attributes":  map[string]interface{}{"model": model, "endpoint": endpoint, "usage_missing": true, "stream": true},
		"results":     []interface{}{map[string]interface{}{"inputs": request, "outputs": response}},
		"child_spans": []interface{}{}, "span_kind": "LLM",
	})
	trace, _ := json.Marshal(map[string]string{
		"_type": "wb_trace_tree", "model_hash": "0", "model_dict_dumps": string(dict), "root_span_dumps": string(span),
	})
	return map[string]json.RawMessage{
		"trace": trace, "usage_missing": json.RawMessage("true"),
		"usage/elapsed_time": json.RawMessage("0.25"), "_step": json.RawMessage("3"),
	}
}

func raw(t *testing.T, s string) json.RawMessage {
	t.Helper()
	if !json.Valid([]byte(s)) {
		t.Fatalf("invalid JSON %s", s)
	}
	return json.RawMessage(s)
}

func TestEstimateRowChat(t *testing.T) {
	msgs, _ := json.Marshal(cookbookMessages(t))
	req := raw(t, `{"model":"gpt-4","stream":true,"messages":`+string(msgs)+`}`)
	resp := raw(t, `{"object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"hello world"},"finish_reason":"stop"}]}`)
	row := traceRow(t, "POST /v1/chat/completions", "gpt-4", req, resp)
	before := make(map[string]json.RawMessage, len(row))
	for k, v := range row {
		before[k] = v
	}

	out, ok := EstimateRow(row)
	if !ok {
		t.Fatal("EstimateRow did not estimate a usage_missing chat row")
	}
	want := map[string]string{
		"usage/prompt_tokens": "129", "usage/completion_tokens": "2", "usage/total_tokens": "131",
		"usage/estimated": "true", "usage_missing": "true", "usage/elapsed_time": "0.25", "_step": "3",
	}
	for k, v := range want {
		if string(out[k]) != v {
			t.Errorf("out[%q] = %s, want %s", k, out[k], v)
		}
	}
	if !reflect.DeepEqual(row, before) {
		t.Error("EstimateRow modified its argument")
	}

	c, err := calls.FromRow(out)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Estimated || c.PromptTokens != 129 || c.TotalTokens != 131 {
		t.Errorf("decoded estimated row: Estimated=%v prompt=%d total=%d", c.Estimated, c.PromptTokens, c.TotalTokens)
	}
	// An estimated row is not estimated twice.
	if _, again := EstimateRow(out); again {
		t.Error("EstimateRow estimated a row that has usage")
	}
}

func TestEstimateRowLeavesOthers(t *testing.T) {
	req := raw(t, `{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}`)
	resp := raw(t, `{"choices":[{"message":{"content":"hello"}}]}`)

	reported := traceRow(t, "POST /v1/chat/completions", "gpt-4o", req, resp)
	delete(reported, "usage_missing")
	reported["usage/prompt_tokens"] = raw(t, "9")
	if out, ok := EstimateRow(reported); ok || string(out["usage/prompt_tokens"]) != "9" {
		t.Errorf("row with reported usage: ok=%v prompt=%s", ok, out["usage/prompt_tokens"])
	}

	omitted := traceRow(t, "POST /v1/chat/completions", "gpt-4o", raw(t, `{"_omitted":true,"size":120}`), resp)
	if _, ok := EstimateRow(omitted); ok {
		t.Error("estimated a row whose request body was left out (WBINSTRUMENT_LOG_BODIES=false)")
	}
	cut := traceRow(t, "POST /v1/chat/completions", "gpt-4o", req, raw(t, `{"_truncated":true,"size":99999,"head":"{\"choices\""}`))
	if _, ok := EstimateRow(cut); ok {
		t.Error("estimated a row whose response was cut at WBINSTRUMENT_MAX_BODY")
	}
	if _, ok := EstimateRow(map[string]json.RawMessage{"usage_missing": raw(t, "true")}); ok {
		t.Error("estimated a row without a trace")
	}
}

func TestEstimateEndpoints(t *testing.T) {
	hello := Count("gpt-4o", "hello world")
	for _, tc := range []struct {
		name, endpoint, model, req, resp string
		prompt, completion               int
	}{
		{
			name: "chat tool call", endpoint: "POST /v1/chat/completions", model: "gpt-4o",
			req:  `{"messages":[{"role":"user","content":"hello world"}]}`,
			resp: `{"choices":[{"message":{"content":"","tool_calls":[{"id":"c1","type":"function","function":{"name":"search","arguments":"{\"q\":\"hello world\"}"}}]}}]}`,
			// 3 per message + "user" (1) + content + 3 priming.
			prompt:     3 + 1 + hello + 3,
			completion: Count("gpt-4o", "search") + Count("gpt-4o", `{"q":"hello world"}`),
		},
		{
			name: "chat multi-part content", endpoint: "POST /v1/chat/completions", model: "gpt-4o",
			req:    `{"messages":[{"role":"user","content":[{"type":"text","text":"hello world"},{"type":"image_url","image_url":{"url":"x"}}]}]}`,
			resp:   `{"choices":[{"message":{"content":"hello world"}}]}`,
			prompt: 3 + 1 + hello + 3, completion: hello,
		},
		{
			name: "completion with a list prompt", endpoint: "POST /v1/completions", model: "gpt-3.5-turbo-instruct",
			req:    `{"prompt":["hello world","hello world"]}`,
			resp:   `{"object":"text_completion","choices":[{"index":0,"text":"hello world"}]}`,
			prompt: 2 * Count("gpt-3.5-turbo-instruct", "hello world"), completion: Count("gpt-3.5-turbo-instruct", "hello world"),
		},
		{
			name: "responses text", endpoint: "POST /v1/responses", model: "gpt-4o",
			req:    `{"input":"hello world","instructions":"be brief"}`,
			resp:   `{"output_text":"hello world"}`,
			prompt: (3 + Count("gpt-4o", "system") + Count("gpt-4o", "be brief")) + (3 + 1 + hello) + 3, completion: hello,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := calls.FromRow(traceRow(t, tc.endpoint, tc.model, raw(t, tc.req), raw(t, tc.resp)))
			if err != nil {
				t.Fatal(err)
			}
			p, cpl, ok := Estimate(&c)
			if !ok || p != tc.prompt || cpl != tc.completion {
				t.Errorf("Estimate = %d, %d, %v; want %d, %d, true", p, cpl, ok, tc.prompt, tc.completion)
			}
		})
	}
}

func TestToolsPrompt(t *testing.T) {
	var tools []Tool
	if err := json.Unmarshal([]byte(`[{"type":"function","function":{"name":"get_weather","description":"Get the weather.",
		"parameters":{"type":"object","properties":{"city":{"type":"string","description":"The city."}}}}}]`), &tools); err != nil {
		t.Fatal(err)
	}
	fn := tools[0].Function
	m := "gpt-4o"
	// 7 to start the function, its "name:description" (without the final
	// period), 3 for the properties, 3 and "name:type:description" for
	// the property, 12 to end the list.
	want := 7 + Count(m, "get_weather:Get the weather") + 3 + 3 + Count(m, "city:string:The city") + 12
	if got := ToolsPrompt(m, []Function{fn}); got != want {
		t.Errorf("ToolsPrompt(gpt-4o) = %d, want %d", got, want)
	}
	if got := ToolsPrompt("gpt-4", []Function{fn}); got != want+3 {
		t.Errorf("ToolsPrompt(gpt-4) = %d, want %d (functions start at 10 tokens)", got, want+3)
	}
	p := fn.Parameters.Properties["city"]
	p.Enum = []string{"Paris", "Rome"}
	fn.Parameters.Properties["city"] = p
	enum := -3 + 3 + Count(m, "Paris") + 3 + Count(m, "Rome")
	if got := ToolsPrompt(m, []Function{fn}); got != want+enum {
		t.Errorf("ToolsPrompt with an enum = %d, want %d", got, want+enum)
	}
	if ToolsPrompt(m, nil) != 0 {
		t.Error("no tools must cost nothing")
	}
}

func TestFill(t *testing.T) {
	req := raw(t, `{"model":"gpt-4o","messages":[{"role":"user","content":"hello world"}]}`)
	resp := raw(t, `{"choices":[{"message":{"content":"hello world"}}]}`)
	missing, _ := calls.FromRow(traceRow(t, "POST /v1/chat/completions", "gpt-4o", req, resp))
	reportedRow := traceRow(t, "POST /v1/chat/completions", "gpt-4o", req, resp)
	delete(reportedRow, "usage_missing")
	reportedRow["usage/prompt_tokens"] = raw(t, "42")
	reported, _ := calls.FromRow(reportedRow)
	// The span still says usage_missing in traceRow; a reported call must
	// not carry it, so drop it there too.
	delete(reported.Attributes, "usage_missing")

	cs := []calls.Call{missing, reported}
	if n := Fill(cs); n != 1 {
		t.Fatalf("Fill filled %d calls, want 1", n)
	}
	if !cs[0].Estimated || cs[0].PromptTokens != 3+1+2+3 || cs[0].CompletionTokens != 2 || cs[0].TotalTokens != 11 {
		t.Errorf("filled call: %+v", cs[0])
	}
	if cs[1].Estimated || cs[1].PromptTokens != 42 {
		t.Errorf("reported call changed: Estimated=%v prompt=%d", cs[1].Estimated, cs[1].PromptTokens)
	}
	if n := Fill(cs); n != 0 {
		t.Errorf("second Fill filled %d calls", n)
	}
}
