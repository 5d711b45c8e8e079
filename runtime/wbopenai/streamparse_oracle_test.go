package wbopenai

import (
	"encoding/json"
	"reflect"
	"sort"
	"testing"
)

// oracleAssembled is assembled as it was, with json.Marshal: it builds the response a non-streamed call would have returned,
// for the trace.
func oracleAssembled(c *callInfo, id string, choices map[int]*choiceAcc) []byte {
	idx := make([]int, 0, len(choices))
	for i := range choices {
		idx = append(idx, i)
	}
	sort.Ints(idx)
	type message struct {
		Role      string                   `json:"role"`
		Content   string                   `json:"content"`
		ToolCalls []map[string]interface{} `json:"tool_calls,omitempty"`
	}
	type choice struct {
		Index        int      `json:"index"`
		Message      *message `json:"message,omitempty"`
		Text         *string  `json:"text,omitempty"`
		FinishReason string   `json:"finish_reason"`
	}
	out := struct {
		ID      string                 `json:"id,omitempty"`
		Object  string                 `json:"object"`
		Model   string                 `json:"model,omitempty"`
		Choices []choice               `json:"choices"`
		Usage   map[string]interface{} `json:"usage,omitempty"`
	}{ID: id, Model: c.model, Choices: []choice{}}
	for _, i := range idx {
		acc := choices[i]
		ch := choice{Index: i, FinishReason: acc.finish}
		if acc.finish != "" {
			c.finishReasons = append(c.finishReasons, acc.finish)
		}
		if c.kind == kindCompletion {
			out.Object = "text_completion"
			t := string(acc.text)
			ch.Text = &t
		} else {
			out.Object = "chat.completion"
			m := &message{Role: "assistant", Content: string(acc.text)}
			for _, j := range toolIndexes(nil, acc.tools) {
				t := acc.tools[j]
				c.toolCalls = append(c.toolCalls, *t)
				m.ToolCalls = append(m.ToolCalls, map[string]interface{}{
					"id": t.ID, "type": "function",
					"function": map[string]string{"name": t.Name, "arguments": t.Arguments},
				})
			}
			ch.Message = m
		}
		out.Choices = append(out.Choices, ch)
	}
	if c.usage.has {
		out.Usage = map[string]interface{}{
			"prompt_tokens": c.usage.prompt, "completion_tokens": c.usage.completion, "total_tokens": c.usage.total,
		}
	}
	b, err := json.Marshal(out)
	if err != nil {
		return nil
	}
	return b
}

// TestAssembledBytesAreJSONMarshals: chat and completion streams, with
// and without tool calls, usage, id and model, and text json.Marshal
// escapes.
func TestAssembledBytesAreJSONMarshals(t *testing.T) {
	mk := func(text, finish string, tools map[int]*toolCallInfo) *choiceAcc {
		return &choiceAcc{finish: finish, tools: tools, text: []byte(text)}
	}
	for _, k := range []kind{kindChat, kindCompletion} {
		for _, tc := range []struct {
			id, model string
			usage     usageInfo
			choices   map[int]*choiceAcc
		}{
			{"", "", usageInfo{}, map[int]*choiceAcc{}},
			{"chatcmpl-<1>", "gpt-4o", usageInfo{prompt: 3, completion: 1, total: 4, has: true},
				map[int]*choiceAcc{0: mk("Hello <b>&\"\n\xff\u2028", "stop", nil)}},
			{"c", "", usageInfo{}, map[int]*choiceAcc{
				2: mk("", "tool_calls", map[int]*toolCallInfo{1: {ID: "call_2", Name: "g", Arguments: `{"x":"<y>"}`}, 0: {Arguments: "{"}}),
				0: mk("a", "", nil),
				1: mk("b", "length", map[int]*toolCallInfo{})}},
		} {
			c1 := &callInfo{kind: k, model: tc.model, usage: tc.usage}
			c2 := &callInfo{kind: k, model: tc.model, usage: tc.usage}
			var accs []choiceAcc
			for i, acc := range tc.choices {
				a := *acc
				a.index = i
				accs = append(accs, a)
			}
			got, want := assembled(c1, tc.id, accs), oracleAssembled(c2, tc.id, tc.choices)
			if string(got) != string(want) {
				t.Errorf("assembled = %s\njson.Marshal %s", got, want)
			}
			if !reflect.DeepEqual(c1, c2) {
				t.Errorf("callInfo = %+v, want %+v", c1, c2)
			}
		}
	}
}
