package wbopenai

import (
	"encoding/json"
	"testing"
)

// TestTraceValue: the dumps decode to the model dict and the span with
// its results, each body in both, as W&B reads them back.
func TestTraceValue(t *testing.T) {
	req := []byte(`{"model":"m","messages":[{"role":"user","content":"say \"<hi>\"\n\u2028é"}]}`)
	resp := []byte(`{"choices":[{"message":{"content":"hi"}}]}`)
	root, _ := appendSpan(nil, &spanInfo{id: "s-1", name: "CreateChatCompletion"}, []attr{{key: "model", s: "m"}})
	reqQ, respQ := quoted(req), quoted(resp)
	v := traceValue(req, resp, reqQ[1:len(reqQ)-1], respQ[1:len(respQ)-1], root)
	var tv struct {
		Type  string `json:"_type"`
		Dict  string `json:"model_dict_dumps"`
		Hash  string `json:"model_hash"`
		Spans string `json:"root_span_dumps"`
	}
	if err := json.Unmarshal(v, &tv); err != nil {
		t.Fatalf("trace %s: %v", v, err)
	}
	var dict map[string]json.RawMessage
	if err := json.Unmarshal([]byte(tv.Dict), &dict); err != nil {
		t.Fatalf("model_dict_dumps %s: %v", tv.Dict, err)
	}
	if string(dict["request"]) != string(req) || string(dict["response"]) != string(resp) || string(dict["_kind"]) != `"openai"` {
		t.Errorf("model_dict = %s", tv.Dict)
	}
	var sp struct {
		SpanID  string `json:"span_id"`
		Results []struct {
			Inputs, Outputs json.RawMessage
		} `json:"results"`
	}
	if err := json.Unmarshal([]byte(tv.Spans), &sp); err != nil {
		t.Fatalf("root_span_dumps %s: %v", tv.Spans, err)
	}
	if sp.SpanID != "s-1" || len(sp.Results) != 1 || string(sp.Results[0].Inputs) != string(req) || string(sp.Results[0].Outputs) != string(resp) {
		t.Errorf("root span = %s", tv.Spans)
	}
	if tv.Type != "wb_trace_tree" || len(tv.Hash) != 16 {
		t.Errorf("trace = %s", v)
	}
}

// checkAppendString fails unless appendString writes json.Marshal's
// bytes for s.
func checkAppendString(t *testing.T, s string) {
	t.Helper()
	want, _ := json.Marshal(s)
	if got := appendString(nil, s); string(got) != string(want) {
		t.Errorf("appendString(%q) = %s, json.Marshal %s", s, got, want)
	}
}
