package tokens

import (
	"encoding/json"
	"strings"

	"github.com/wbinstrument/wbinstrument/internal/calls"
)

// request is the part of a logged request body that carries prompt text,
// for every endpoint whose usage can be missing.
type request struct {
	Model        string          `json:"model"`
	Messages     []Message       `json:"messages"`  // chat
	Tools        []Tool          `json:"tools"`     // chat
	Functions    []Function      `json:"functions"` // chat, legacy
	Prompt       json.RawMessage `json:"prompt"`    // completions
	Input        json.RawMessage `json:"input"`     // responses, embeddings
	Instructions string          `json:"instructions"`
}

// response is the part of a logged response that carries generated text:
// the message the runtime assembled from a chat or completion stream, or
// a Responses API result (output_text when the stream ended without its
// final response object).
type response struct {
	Choices []struct {
		Text    string `json:"text"`
		Message struct {
			Content   json.RawMessage `json:"content"`
			ToolCalls []ToolCall      `json:"tool_calls"`
		} `json:"message"`
	} `json:"choices"`
	OutputText string `json:"output_text"`
	Output     []struct {
		Type      string `json:"type"`
		Name      string `json:"name"`
		Arguments string `json:"arguments"`
		Content   []struct {
			Text string `json:"text"`
		} `json:"content"`
	} `json:"output"`
}

// Estimate counts the prompt and completion tokens of a logged call from
// its request and response bodies. It returns ok false when the bodies
// are not in the trace as JSON (WBINSTRUMENT_LOG_BODIES=false, or cut at
// WBINSTRUMENT_MAX_BODY): a count of part of a prompt would pass for a
// real one.
//
// The prompt is counted by endpoint: chat messages and tool definitions
// with the cookbook's overheads, completion prompts and embedding inputs
// as plain text, Responses API input items as chat messages (with the
// instructions as a system message). The completion is the response text
// plus the name and arguments of every tool call.
func Estimate(c *calls.Call) (prompt, completion int, ok bool) {
	var req request
	if !decodeObject(c.Request, &req) {
		return 0, 0, false
	}
	var resp response
	if !decodeObject(c.Response, &resp) {
		return 0, 0, false
	}
	model := c.Model
	if model == "" {
		model = req.Model
	}
	prompt = promptTokens(model, endpointOf(c), &req)
	completion = completionTokens(model, &resp)
	return prompt, completion, true
}

// decodeObject decodes a JSON object, refusing the runtime's markers for
// bodies it left out or cut ({"_omitted":...}, {"_truncated":...},
// {"_binary":...}).
func decodeObject(raw json.RawMessage, v interface{}) bool {
	var keys map[string]json.RawMessage
	if json.Unmarshal(raw, &keys) != nil || keys == nil {
		return false
	}
	for _, marker := range []string{"_omitted", "_truncated", "_binary"} {
		if _, ok := keys[marker]; ok {
			return false
		}
	}
	return json.Unmarshal(raw, v) == nil
}

// endpointOf names the kind of call: "chat", "completions", "responses"
// or "embeddings", from the span's endpoint or method.
func endpointOf(c *calls.Call) string {
	s := strings.ToLower(c.Attr("endpoint") + " " + c.Method)
	switch {
	case strings.Contains(s, "chat"):
		return "chat"
	case strings.Contains(s, "embedding"):
		return "embeddings"
	case strings.Contains(s, "response"):
		return "responses"
	case strings.Contains(s, "completion"):
		return "completions"
	}
	return ""
}

func promptTokens(model, endpoint string, req *request) int {
	switch {
	case endpoint == "chat" || (endpoint == "" && req.Messages != nil):
		fns := make([]Function, 0, len(req.Tools)+len(req.Functions))
		for _, t := range req.Tools {
			fns = append(fns, t.Function)
		}
		fns = append(fns, req.Functions...)
		return ChatPrompt(model, req.Messages) + ToolsPrompt(model, fns)
	case endpoint == "completions" || (endpoint == "" && req.Prompt != nil):
		return textTokens(model, req.Prompt)
	case endpoint == "embeddings":
		return textTokens(model, req.Input)
	}
	return responsesInput(model, req)
}

// textTokens counts a prompt or input that is a string or a list of
// strings. Lists of token ids are already tokens: their length counts.
func textTokens(model string, raw json.RawMessage) int {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return Count(model, s)
	}
	var list []string
	if json.Unmarshal(raw, &list) == nil {
		n := 0
		for _, s := range list {
			n += Count(model, s)
		}
		return n
	}
	var ids []int
	if json.Unmarshal(raw, &ids) == nil {
		return len(ids)
	}
	var idLists [][]int
	if json.Unmarshal(raw, &idLists) == nil {
		n := 0
		for _, l := range idLists {
			n += len(l)
		}
		return n
	}
	return 0
}

// responsesInput counts a Responses API input: a string is one user
// message; a list holds messages (role and content) and tool items.
func responsesInput(model string, req *request) int {
	var msgs []Message
	if req.Instructions != "" {
		b, _ := json.Marshal(req.Instructions)
		msgs = append(msgs, Message{Role: "system", Content: b})
	}
	var s string
	if json.Unmarshal(req.Input, &s) == nil {
		b, _ := json.Marshal(s)
		msgs = append(msgs, Message{Role: "user", Content: b})
		return ChatPrompt(model, msgs)
	}
	var items []struct {
		Type      string          `json:"type"`
		Role      string          `json:"role"`
		Content   json.RawMessage `json:"content"`
		Name      string          `json:"name"`
		Arguments string          `json:"arguments"`
		Output    string          `json:"output"`
	}
	if json.Unmarshal(req.Input, &items) != nil {
		return ChatPrompt(model, msgs)
	}
	extra := 0
	for _, it := range items {
		switch {
		case it.Role != "":
			msgs = append(msgs, Message{Role: it.Role, Content: it.Content})
		case it.Type == "function_call":
			extra += Count(model, it.Name) + Count(model, it.Arguments)
		case it.Type == "function_call_output":
			extra += Count(model, it.Output)
		}
	}
	return ChatPrompt(model, msgs) + extra
}

func completionTokens(model string, resp *response) int {
	n := 0
	for _, ch := range resp.Choices {
		n += Count(model, ch.Text)
		n += Count(model, contentText(ch.Message.Content))
		for _, tc := range ch.Message.ToolCalls {
			n += Count(model, tc.Function.Name) + Count(model, tc.Function.Arguments)
		}
	}
	if len(resp.Output) > 0 {
		for _, o := range resp.Output {
			for _, part := range o.Content {
				n += Count(model, part.Text)
			}
			if o.Type == "function_call" {
				n += Count(model, o.Name) + Count(model, o.Arguments)
			}
		}
	} else {
		n += Count(model, resp.OutputText)
	}
	return n
}

// Fill estimates the usage of every call the runtime marked usage_missing
// and not estimated yet: it sets PromptTokens, CompletionTokens,
// TotalTokens and Estimated. It returns how many calls it filled; calls
// whose bodies are not in the trace keep zero counts.
func Fill(cs []calls.Call) int {
	n := 0
	for i := range cs {
		c := &cs[i]
		if !c.UsageMissing() || c.Estimated {
			continue
		}
		p, cpl, ok := Estimate(c)
		if !ok {
			continue
		}
		c.PromptTokens, c.CompletionTokens, c.TotalTokens = int64(p), int64(cpl), int64(p+cpl)
		c.Estimated = true
		n++
	}
	return n
}

// EstimateRow returns a history row of a call the runtime marked
// usage_missing with its usage filled in by estimation: a copy of row
// with usage/prompt_tokens, usage/completion_tokens, usage/total_tokens
// and usage/estimated: true added (usage_missing stays, the server still
// did not report usage). Any other row, a row that has usage already, or
// one whose bodies are not in its trace, comes back unchanged with false;
// row itself is never modified. `wbinstrument sync` calls it on every
// history row before upload.
func EstimateRow(row map[string]json.RawMessage) (map[string]json.RawMessage, bool) {
	if _, has := row["usage/prompt_tokens"]; has {
		return row, false
	}
	if _, has := row["trace"]; !has {
		return row, false
	}
	c, err := calls.FromRow(row)
	if err != nil || !c.UsageMissing() || c.Estimated {
		return row, false
	}
	p, cpl, ok := Estimate(&c)
	if !ok {
		return row, false
	}
	out := make(map[string]json.RawMessage, len(row)+4)
	for k, v := range row {
		out[k] = v
	}
	out["usage/prompt_tokens"] = itoa(p)
	out["usage/completion_tokens"] = itoa(cpl)
	out["usage/total_tokens"] = itoa(p + cpl)
	out["usage/estimated"] = json.RawMessage("true")
	return out, true
}

func itoa(n int) json.RawMessage {
	b, _ := json.Marshal(n)
	return b
}
