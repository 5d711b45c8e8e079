package fakeopenai

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/wbinstrument/wbinstrument/internal/msgcontent"
)

// chatRequest is the part of a chat request the fake looks at.
type chatRequest struct {
	Model    string `json:"model"`
	Messages []struct {
		Role    string          `json:"role"`
		Content json.RawMessage `json:"content"`
	} `json:"messages"`
	Stream        bool `json:"stream"`
	StreamOptions *struct {
		IncludeUsage bool `json:"include_usage"`
	} `json:"stream_options"`
	Tools []struct {
		Function struct {
			Name string `json:"name"`
		} `json:"function"`
	} `json:"tools"`
}

// text returns a message content as text: a string, or the text parts of
// a multi-part content.
func text(raw json.RawMessage) string {
	s, parts, _ := msgcontent.Decode[msgcontent.Part](raw)
	if parts == nil {
		return s
	}
	var b strings.Builder
	for _, p := range parts {
		b.WriteString(p.Text)
		b.WriteByte(' ')
	}
	return b.String()
}

// Usage is OpenAI's usage object for chat and completions.
type Usage struct {
	PromptTokens        int `json:"prompt_tokens"`
	CompletionTokens    int `json:"completion_tokens"`
	TotalTokens         int `json:"total_tokens"`
	PromptTokensDetails struct {
		CachedTokens int `json:"cached_tokens"`
	} `json:"prompt_tokens_details"`
	CompletionTokensDetails struct {
		ReasoningTokens int `json:"reasoning_tokens"`
	} `json:"completion_tokens_details"`
}

func makeUsage(model string, prompt, completion int) *Usage {
	u := &Usage{PromptTokens: prompt, CompletionTokens: completion, TotalTokens: prompt + completion}
	u.PromptTokensDetails.CachedTokens, u.CompletionTokensDetails.ReasoningTokens = usageDetails(model, prompt, completion)
	return u
}

type toolCall struct {
	Index    *int   `json:"index,omitempty"`
	ID       string `json:"id,omitempty"`
	Type     string `json:"type,omitempty"`
	Function struct {
		Name      string `json:"name,omitempty"`
		Arguments string `json:"arguments"`
	} `json:"function"`
}

type chatMessage struct {
	Role      string     `json:"role,omitempty"`
	Content   *string    `json:"content"`
	ToolCalls []toolCall `json:"tool_calls,omitempty"`
}

type chatChoice struct {
	Index        int          `json:"index"`
	Message      *chatMessage `json:"message,omitempty"`
	Delta        *chatMessage `json:"delta,omitempty"`
	FinishReason *string      `json:"finish_reason"`
}

type chatCompletion struct {
	ID                string       `json:"id"`
	Object            string       `json:"object"`
	Created           int64        `json:"created"`
	Model             string       `json:"model"`
	SystemFingerprint string       `json:"system_fingerprint"`
	Choices           []chatChoice `json:"choices"`
	Usage             *Usage       `json:"usage,omitempty"`
}

// chatChunk is a stream chunk. With include_usage the API sends
// "usage":null on every chunk and the usage on one extra last chunk.
type chatChunk struct {
	chatCompletion
	Usage     *Usage `json:"-"`
	withUsage bool
}

func (c chatChunk) MarshalJSON() ([]byte, error) {
	base := c.chatCompletion
	base.Usage = nil
	b, err := json.Marshal(base)
	if err != nil || !c.withUsage {
		return b, err
	}
	u := []byte("null")
	if c.Usage != nil {
		if u, err = json.Marshal(c.Usage); err != nil {
			return nil, err
		}
	}
	out := append(b[:len(b)-1:len(b)-1], `,"usage":`...)
	out = append(out, u...)
	return append(out, '}'), nil
}

func str(s string) *string { return &s }

// argsFor is the deterministic tool-call argument JSON for a prompt.
func argsFor(prompt string) string {
	return string(mustJSON(map[string]string{"query": strings.Join(strings.Fields(prompt), " ")}))
}

func (s *Server) chat(w http.ResponseWriter, r *http.Request, body []byte) {
	var req chatRequest
	if !decodeBody(w, body, &req) {
		return
	}
	if len(req.Messages) == 0 {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "", "[] is too short - 'messages'")
		return
	}
	if fault(r, w, req.Model) || rejectOptions(w, req.Model, req.StreamOptions != nil) {
		return
	}
	var last string
	prompt := 0
	for _, m := range req.Messages {
		t := text(m.Content)
		prompt += words(t) + 1
		if m.Role == "user" {
			last = t
		}
	}
	answer := reply(last)
	id := "chatcmpl-" + digest(req.Model, last)
	var calls []toolCall
	if len(req.Tools) > 0 {
		var tc toolCall
		tc.ID = "call_" + digest("tool", last)
		tc.Type = "function"
		tc.Function.Name = req.Tools[0].Function.Name
		tc.Function.Arguments = argsFor(last)
		calls = append(calls, tc)
	}
	completion := words(answer)
	if calls != nil {
		completion = words(calls[0].Function.Arguments) + 3
	}
	s.addTokens(prompt, completion)
	if req.Stream {
		withUsage := req.StreamOptions != nil && req.StreamOptions.IncludeUsage && !strings.HasPrefix(req.Model, "nousage-")
		s.chatStream(w, r, &req, id, answer, calls, makeUsage(req.Model, prompt, completion), withUsage)
		return
	}
	msg := &chatMessage{Role: "assistant", Content: str(answer)}
	finish := "stop"
	if calls != nil {
		msg.Content, msg.ToolCalls, finish = nil, calls, "tool_calls"
	}
	writeJSON(w, http.StatusOK, chatCompletion{
		ID: id, Object: "chat.completion", Created: Created, Model: req.Model, SystemFingerprint: "fp_fake",
		Choices: []chatChoice{{Index: 0, Message: msg, FinishReason: &finish}},
		Usage:   makeUsage(req.Model, prompt, completion),
	})
}

func (s *Server) chatStream(w http.ResponseWriter, r *http.Request, req *chatRequest, id, answer string, calls []toolCall, usage *Usage, withUsage bool) {
	out := startSSE(w)
	chunk := func(delta *chatMessage, finish *string) {
		out.event("", mustJSON(chatChunk{withUsage: withUsage, chatCompletion: chatCompletion{
			ID: id, Object: "chat.completion.chunk", Created: Created, Model: req.Model, SystemFingerprint: "fp_fake",
			Choices: []chatChoice{{Index: 0, Delta: delta, FinishReason: finish}},
		}}))
	}
	chunk(&chatMessage{Role: "assistant", Content: str("")}, nil)
	finish := "stop"
	if calls != nil {
		finish = "tool_calls"
		zero := 0
		first := calls[0]
		first.Index = &zero
		first.Function.Arguments = ""
		chunk(&chatMessage{ToolCalls: []toolCall{first}}, nil)
		args := calls[0].Function.Arguments
		for i := 0; i < len(args); i += 8 {
			j := i + 8
			if j > len(args) {
				j = len(args)
			}
			var part toolCall
			part.Index = &zero
			part.Function.Arguments = args[i:j]
			chunk(&chatMessage{ToolCalls: []toolCall{part}}, nil)
			if i == 8 && out.misbehave(r.Context(), req.Model) {
				return
			}
		}
	} else {
		for i, piece := range splitWords(answer) {
			chunk(&chatMessage{Content: str(piece)}, nil)
			if i == 1 && out.misbehave(r.Context(), req.Model) {
				return
			}
		}
	}
	chunk(&chatMessage{}, &finish)
	if withUsage {
		out.event("", mustJSON(chatChunk{withUsage: true, Usage: usage, chatCompletion: chatCompletion{
			ID: id, Object: "chat.completion.chunk", Created: Created, Model: req.Model, SystemFingerprint: "fp_fake",
			Choices: []chatChoice{},
		}}))
	}
	out.done()
}
