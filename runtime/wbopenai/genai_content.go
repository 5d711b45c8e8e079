package wbopenai

import (
	"encoding/json"
)

// Message content in the GenAI conventions' JSON shape
// (gen-ai-input-messages.json, gen-ai-output-messages.json): a list of
// {role, parts: [{type: text|tool_call|tool_call_response, ...}]}, the
// output messages with their finish_reason.

type gaiPart struct {
	Type      string          `json:"type"`
	Content   interface{}     `json:"content,omitempty"`
	ID        string          `json:"id,omitempty"`
	Name      string          `json:"name,omitempty"`
	Arguments json.RawMessage `json:"arguments,omitempty"`
	Response  interface{}     `json:"response,omitempty"`
}

type gaiMessage struct {
	Role         string    `json:"role"`
	Parts        []gaiPart `json:"parts"`
	Name         string    `json:"name,omitempty"`
	FinishReason string    `json:"finish_reason,omitempty"`
}

// oaiMessage reads a chat message, a Responses API input item or output
// item.
type oaiMessage struct {
	Type       string          `json:"type"`
	Role       string          `json:"role"`
	Name       string          `json:"name"`
	Content    json.RawMessage `json:"content"`
	ToolCallID string          `json:"tool_call_id"`
	ToolCalls  []struct {
		ID       string `json:"id"`
		Function struct {
			Name      string `json:"name"`
			Arguments string `json:"arguments"`
		} `json:"function"`
	} `json:"tool_calls"`
	// Responses API function calls and their outputs.
	CallID    string          `json:"call_id"`
	Arguments string          `json:"arguments"`
	Output    json.RawMessage `json:"output"`
}

// textParts reads content that is a string or a list of typed parts
// ({type: text|input_text|output_text, text}); other parts (images,
// audio) are named by their type only.
func textParts(raw json.RawMessage) []gaiPart {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return []gaiPart{{Type: "text", Content: s}}
	}
	var list []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	if json.Unmarshal(raw, &list) != nil {
		return nil
	}
	parts := make([]gaiPart, 0, len(list))
	for _, p := range list {
		switch p.Type {
		case "text", "input_text", "output_text":
			parts = append(parts, gaiPart{Type: "text", Content: p.Text})
		default:
			parts = append(parts, gaiPart{Type: p.Type})
		}
	}
	return parts
}

// arguments keeps a tool call's arguments as JSON when they are, else as
// a JSON string.
func arguments(s string) json.RawMessage {
	if s != "" && json.Valid([]byte(s)) {
		return json.RawMessage(s)
	}
	b, _ := json.Marshal(s)
	return b
}

func fromOpenAI(m oaiMessage) (gaiMessage, bool) {
	g := gaiMessage{Role: m.Role, Name: m.Name}
	switch m.Type {
	case "function_call":
		g.Role = "assistant"
		g.Parts = []gaiPart{{Type: "tool_call", ID: m.CallID, Name: m.Name, Arguments: arguments(m.Arguments)}}
		g.Name = ""
		return g, true
	case "function_call_output":
		var out interface{}
		if json.Unmarshal(m.Output, &out) != nil {
			out = string(m.Output)
		}
		return gaiMessage{Role: "tool", Parts: []gaiPart{{Type: "tool_call_response", ID: m.CallID, Response: out}}}, true
	case "", "message":
	default:
		return g, false // reasoning items and other output items
	}
	if m.Role == "tool" {
		var out interface{} = ""
		if ps := textParts(m.Content); len(ps) == 1 {
			out = ps[0].Content
		}
		g.Parts = []gaiPart{{Type: "tool_call_response", ID: m.ToolCallID, Response: out}}
		return g, true
	}
	g.Parts = textParts(m.Content)
	for _, tc := range m.ToolCalls {
		g.Parts = append(g.Parts, gaiPart{Type: "tool_call", ID: tc.ID, Name: tc.Function.Name, Arguments: arguments(tc.Function.Arguments)})
	}
	if g.Parts == nil {
		g.Parts = []gaiPart{}
	}
	return g, true
}

// inputMessages is gen_ai.input.messages for a request, nil when
// the call has no messages the conventions describe.
func inputMessages(k kind, body *genaiRequest) []byte {
	var msgs []gaiMessage
	switch k {
	case kindChat:
		for _, m := range body.Messages {
			if g, ok := fromOpenAI(m); ok {
				msgs = append(msgs, g)
			}
		}
	case kindCompletion:
		if ps := textParts(body.Prompt); ps != nil {
			msgs = append(msgs, gaiMessage{Role: "user", Parts: ps})
		}
	case kindResponses:
		if body.Instructions != "" {
			msgs = append(msgs, gaiMessage{Role: "system", Parts: []gaiPart{{Type: "text", Content: body.Instructions}}})
		}
		var items []oaiMessage
		if ps := textParts(body.Input); ps != nil && len(body.Input) > 0 && body.Input[0] == '"' {
			msgs = append(msgs, gaiMessage{Role: "user", Parts: ps})
		} else if json.Unmarshal(body.Input, &items) == nil {
			for _, m := range items {
				if m.Role == "" && m.Type == "" {
					continue
				}
				if m.Role == "" && m.Type == "message" {
					m.Role = "user"
				}
				if g, ok := fromOpenAI(m); ok {
					msgs = append(msgs, g)
				}
			}
		}
	default:
		return nil
	}
	return marshalMessages(msgs)
}

// marshalMessages is the JSON of msgs, or nil for none.
func marshalMessages(msgs []gaiMessage) []byte {
	if msgs == nil {
		return nil
	}
	b, err := json.Marshal(msgs)
	if err != nil {
		return nil
	}
	return b
}

// outputMessages is gen_ai.output.messages for a response body (a
// stream's assembled response included).
func outputMessages(k kind, body *genaiResponse) []byte {
	var msgs []gaiMessage
	switch k {
	case kindChat, kindCompletion:
		for _, ch := range body.Choices {
			var g gaiMessage
			if ch.Text != nil {
				g = gaiMessage{Role: "assistant", Parts: []gaiPart{{Type: "text", Content: *ch.Text}}}
			} else {
				ch.Message.Type = ""
				if ch.Message.Role == "" {
					ch.Message.Role = "assistant"
				}
				g, _ = fromOpenAI(ch.Message)
			}
			g.FinishReason = ch.FinishReason
			msgs = append(msgs, g)
		}
	case kindResponses:
		var g gaiMessage
		g.Role = "assistant"
		for _, o := range body.Output {
			if m, ok := fromOpenAI(o); ok {
				g.Parts = append(g.Parts, m.Parts...)
			}
		}
		if g.Parts == nil {
			return nil
		}
		g.FinishReason = body.Status
		msgs = append(msgs, g)
	default:
		return nil
	}
	return marshalMessages(msgs)
}
