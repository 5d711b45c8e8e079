package fakeopenai

import (
	"encoding/json"
	"net/http"
	"strings"
)

type completionRequest struct {
	Model         string          `json:"model"`
	Prompt        json.RawMessage `json:"prompt"`
	Stream        bool            `json:"stream"`
	StreamOptions *struct {
		IncludeUsage bool `json:"include_usage"`
	} `json:"stream_options"`
}

type completionChoice struct {
	Text         string      `json:"text"`
	Index        int         `json:"index"`
	FinishReason *string     `json:"finish_reason"`
	Logprobs     interface{} `json:"logprobs"`
}

type completion struct {
	ID      string             `json:"id"`
	Object  string             `json:"object"`
	Created int64              `json:"created"`
	Model   string             `json:"model"`
	Choices []completionChoice `json:"choices"`
	Usage   *Usage             `json:"usage,omitempty"`
}

// promptText flattens a completion prompt (string or list of strings).
func promptText(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var list []string
	if json.Unmarshal(raw, &list) == nil {
		return strings.Join(list, " ")
	}
	return ""
}

func (s *Server) completions(w http.ResponseWriter, r *http.Request, body []byte) {
	var req completionRequest
	if !decodeBody(w, body, &req) {
		return
	}
	if fault(r, w, req.Model) || rejectOptions(w, req.Model, req.StreamOptions != nil) {
		return
	}
	p := promptText(req.Prompt)
	answer := reply(p)
	prompt, compl := words(p)+1, words(answer)
	s.addTokens(prompt, compl)
	id := "cmpl-" + digest(req.Model, p)
	finish := "stop"
	if !req.Stream {
		writeJSON(w, http.StatusOK, completion{
			ID: id, Object: "text_completion", Created: Created, Model: req.Model,
			Choices: []completionChoice{{Text: answer, FinishReason: &finish}},
			Usage:   makeUsage(req.Model, prompt, compl),
		})
		return
	}
	withUsage := req.StreamOptions != nil && req.StreamOptions.IncludeUsage && !strings.HasPrefix(req.Model, "nousage-")
	out := startSSE(w)
	pieces := splitWords(answer)
	for i, piece := range pieces {
		var fr *string
		if i == len(pieces)-1 {
			fr = &finish
		}
		c := completion{ID: id, Object: "text_completion", Created: Created, Model: req.Model,
			Choices: []completionChoice{{Text: piece, FinishReason: fr}}}
		out.event("", withNullUsage(mustJSON(c), withUsage))
		if i == 1 && out.misbehave(r.Context(), req.Model) {
			return
		}
	}
	if withUsage {
		out.event("", mustJSON(completion{ID: id, Object: "text_completion", Created: Created, Model: req.Model,
			Choices: []completionChoice{}, Usage: makeUsage(req.Model, prompt, compl)}))
	}
	out.done()
}

// withNullUsage appends "usage":null to an encoded object, as the API does
// on every stream chunk when include_usage is set.
func withNullUsage(b []byte, on bool) []byte {
	if !on {
		return b
	}
	return append(b[:len(b)-1:len(b)-1], `,"usage":null}`...)
}
