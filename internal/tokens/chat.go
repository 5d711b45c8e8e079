package tokens

import (
	"encoding/json"
	"strings"

	"github.com/wbinstrument/wbinstrument/internal/msgcontent"
)

// Message is a chat message as it travels in a request body. Content is
// either a string or a list of parts (go-openai's MultiContent).
type Message struct {
	Role       string          `json:"role"`
	Content    json.RawMessage `json:"content"`
	Name       string          `json:"name"`
	ToolCallID string          `json:"tool_call_id"`
	ToolCalls  []ToolCall      `json:"tool_calls"`
}

// ToolCall is a tool call in an assistant message or a response.
type ToolCall struct {
	Function struct {
		Name      string `json:"name"`
		Arguments string `json:"arguments"`
	} `json:"function"`
}

// The chat format's fixed costs, from OpenAI's cookbook ("How to count
// tokens with tiktoken"): every message is wrapped in
// <|start|>{role/name}\n{content}<|end|>\n, and the reply is primed with
// <|start|>assistant<|message|>.
const (
	tokensPerMessage = 3
	tokensPerName    = 1
	replyPriming     = 3
)

// ChatPrompt counts the prompt tokens of a chat request's messages the
// way OpenAI's cookbook does: 3 per message, the tokens of each field's
// text, 1 more per name, and 3 for the reply priming. gpt-3.5-turbo-0301
// used 4 per message and -1 per name. Text parts of multi-part content
// count as text; image and audio parts cannot be counted from the request
// and add nothing.
func ChatPrompt(model string, msgs []Message) int {
	perMessage, perName := tokensPerMessage, tokensPerName
	if strings.HasPrefix(strings.ToLower(model), "gpt-3.5-turbo-0301") {
		perMessage, perName = 4, -1
	}
	n := 0
	for _, m := range msgs {
		n += perMessage
		n += Count(model, m.Role)
		n += Count(model, contentText(m.Content))
		if m.Name != "" {
			n += Count(model, m.Name) + perName
		}
		n += Count(model, m.ToolCallID)
		for _, tc := range m.ToolCalls {
			n += Count(model, tc.Function.Name) + Count(model, tc.Function.Arguments)
		}
	}
	return n + replyPriming
}

// contentText returns the text of a message content: the string itself,
// or the text of its text parts joined by newlines.
func contentText(raw json.RawMessage) string {
	s, parts, ok := msgcontent.Decode[msgcontent.Part](raw)
	if !ok || parts == nil {
		return s
	}
	var b strings.Builder
	for _, p := range parts {
		if p.Text == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(p.Text)
	}
	return b.String()
}

// Tool is a function tool definition of a chat request (the "tools" list,
// or a legacy "functions" entry, which is the function itself).
type Tool struct {
	Type     string   `json:"type"`
	Function Function `json:"function"`
}

// Function is a tool's function definition.
type Function struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Parameters  struct {
		Properties map[string]struct {
			Type        interface{} `json:"type"`
			Description string      `json:"description"`
			Enum        []string    `json:"enum"`
		} `json:"properties"`
	} `json:"parameters"`
}

// ToolsPrompt counts what tool definitions add to a prompt, with the
// per-function, per-property and per-enum-item costs of OpenAI's cookbook
// (num_tokens_for_tools); the gpt-4o family starts a function at 7
// tokens, older models at 10.
func ToolsPrompt(model string, fns []Function) int {
	if len(fns) == 0 {
		return 0
	}
	const propInit, propKey, enumInit, enumItem, funcEnd = 3, 3, -3, 3, 12
	funcInit := 10
	if EncodingFor(model) == O200k {
		funcInit = 7
	}
	n := 0
	for _, f := range fns {
		n += funcInit
		n += Count(model, f.Name+":"+strings.TrimSuffix(f.Description, "."))
		props := f.Parameters.Properties
		if len(props) == 0 {
			continue
		}
		n += propInit
		for name, p := range props {
			n += propKey
			if len(p.Enum) > 0 {
				n += enumInit
				for _, item := range p.Enum {
					n += enumItem + Count(model, item)
				}
			}
			typ, _ := p.Type.(string)
			n += Count(model, name+":"+typ+":"+strings.TrimSuffix(p.Description, "."))
		}
	}
	return n + funcEnd
}
