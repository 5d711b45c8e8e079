package wbopenai

import (
	"net/url"
	"reflect"
	"testing"

	"github.com/wbinstrument/wbinstrument/runtime/otlp"
)

// genaiFastCases are chat bodies the scanner path reads itself, and
// some it must hand to genaiAttrs; both must give the same span.
var genaiFastCases = []struct{ req, resp string }{
	{`{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Question number 7: what is W\u0026B?"}]}`,
		`{"id":"chatcmpl-1","object":"chat.completion","model":"gpt-4o-mini-2024-07-18","choices":[{"index":0,"message":{"role":"assistant","content":"Weights & Biases <b>","refusal":null},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":14,"completion_tokens":12,"total_tokens":26}}`},
	{`{"model":"m","messages":[{"role":"system","content":"be brief"},{"role":"user","content":[{"type":"text","text":"weather?"},{"type":"image_url","image_url":{"url":"x"}}]},
		{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"get","arguments":"{\"city\":\"Paris\"}"}}]},
		{"role":"tool","tool_call_id":"c1","content":"sunny"}]}`,
		`{"id":"x","choices":[{"index":0,"finish_reason":"tool_calls","message":{"role":"assistant","content":null,"tool_calls":[{"id":"c2","type":"function","function":{"name":"get","arguments":"not json"}}]}}]}`},
	{`{"model":"m","temperature":0.2,"top_p":1,"max_completion_tokens":5,"max_tokens":7,"frequency_penalty":-0.5,"presence_penalty":0,"seed":42,"n":2,"stop":["\n","END"],
		"messages":[{"role":"assistant","name":"bot","content":"hi\u2028there \ud83d\ude00","tool_calls":[{"id":"a","function":{"name":"f","arguments":"{\"x\": [1, 2]}"}},{"function":{"name":"g","arguments":""}},null]},
		{"role":"tool","content":null},null,{"role":"user","content":"é \"q\" \\ <&>"}]}`,
		`{"id":"r","model":"m2","choices":[{"text":"done","finish_reason":"length"},{"message":null},null,{"message":{"content":"x","role":"tool","tool_call_id":"t","name":"n"}}]}`},
	{`{"model":"m","stop":"END","max_output_tokens":3,"n":1,"messages":[]}`, `{"choices":[]}`},
	{`{"model":"m","stop":"","messages":null}`, `{"choices":null}`},
	{`{"model":"m","messages":[{"type":"function_call","call_id":"c","name":"f","arguments":"{}"}]}`, `{"choices":[{"message":{"content":[{"type":"text","text":"a"}]}}]}`},
	{`{"model":"m","Messages":[{"role":"user","content":"a"}]}`, `{"Model":"x","choices":[]}`},
	{`{"model":"m","temperature":"hot","messages":[{"role":"user","content":"a"}]}`, `{"id":5}`},
	{`{"model":"m","max_tokens":1.5,"messages":[{"role":"user","content":"a"}],"prompt":7}`, `not json`},
	{`{"model":"m","messages":[{"role":"user","content":"a","content":"b"}]}`, `{"id":"a","id":"b"}`},
	{`{"model":"m","seed":null,"temperature":null,"stop":null,"messages":[{"role":"user","content":"\u00e9t\u00e9","name":""}]}`, ``},
}

// TestGenAIFastMatches: the scanner path gives the span genaiAttrs gives,
// for the calls it reads and those it hands over.
func TestGenAIFastMatches(t *testing.T) {
	u, _ := url.Parse("http://127.0.0.1:8080/v1/chat/completions")
	var ss spanScratch
	for i, tc := range genaiFastCases {
		for _, content := range []bool{true, false} {
			for _, failed := range []bool{false, true} {
				checkGenAIFast(t, &ss, u, i, []byte(tc.req), []byte(tc.resp), content, failed)
			}
		}
	}
}

func checkGenAIFast(t *testing.T, ss *spanScratch, u *url.URL, i int, req, resp []byte, content, failed bool) {
	t.Helper()
	ev := &event{url: u}
	c := &callInfo{kind: kindChat, model: "gpt-4o-mini", apiType: "openai", ttftMs: -1, failed: failed,
		usage: usageInfo{prompt: 3, completion: 4, total: 7, has: true}, finishReasons: []string{"stop"}, site: "a.go:1 main.main"}
	if len(resp) == 0 {
		resp = nil
	}
	name, attrs, in, out := genaiAttrs(ev, c, req, resp, content)
	gname, gattrs, gin, gout := ss.genai(ev, c, req, resp, content)
	if name != gname || string(in) != string(gin) || string(out) != string(gout) || (in == nil) != (gin == nil) || (out == nil) != (gout == nil) {
		t.Errorf("case %d (content %v, failed %v):\n name %q / %q\n in  %s\n     %s\n out %s\n     %s", i, content, failed, name, gname, in, gin, out, gout)
	}
	if !reflect.DeepEqual(kvs(attrs), kvs(gattrs)) {
		t.Errorf("case %d (content %v, failed %v): attributes\n %v\n %v", i, content, failed, kvs(attrs), kvs(gattrs))
	}
}

func kvs(a []otlp.KeyValue) [][2]interface{} {
	var out [][2]interface{}
	for _, kv := range a {
		out = append(out, [2]interface{}{kv.Key, kv.Value()})
	}
	return out
}

// FuzzGenAIFast: for any request and response body, the scanner path
// and genaiAttrs agree.
func FuzzGenAIFast(f *testing.F) {
	for _, tc := range genaiFastCases {
		f.Add(tc.req, tc.resp)
	}
	u, _ := url.Parse("http://127.0.0.1:8080/v1/chat/completions")
	var ss spanScratch
	f.Fuzz(func(t *testing.T, req, resp string) {
		checkGenAIFast(t, &ss, u, 0, []byte(req), []byte(resp), true, false)
	})
}

// TestGenAIFastReads: the scanner path reads the common calls itself
// (a test of the path's reach, not of its results).
func TestGenAIFastReads(t *testing.T) {
	var ss spanScratch
	for _, i := range []int{0, 2, 3, 4} {
		var f genaiFields
		tc := genaiFastCases[i]
		c := &callInfo{kind: kindChat}
		if _, _, ok := ss.chatFast(&event{}, c, []byte(tc.req), []byte(tc.resp), true, &f); !ok {
			t.Errorf("case %d went to encoding/json", i)
		}
	}
}
