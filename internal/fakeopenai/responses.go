package fakeopenai

import (
	"encoding/json"
	"net/http"
)

type responsesRequest struct {
	Model        string          `json:"model"`
	Input        json.RawMessage `json:"input"`
	Instructions string          `json:"instructions"`
	Stream       bool            `json:"stream"`
}

// inputText returns the last user text of a Responses API input: a string
// or a list of messages.
func inputText(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var msgs []struct {
		Role    string          `json:"role"`
		Content json.RawMessage `json:"content"`
	}
	if json.Unmarshal(raw, &msgs) != nil {
		return ""
	}
	last := ""
	for _, m := range msgs {
		if m.Role == "user" {
			last = text(m.Content)
			var parts []struct {
				Text string `json:"text"`
			}
			if last == "" && json.Unmarshal(m.Content, &parts) == nil {
				for _, p := range parts {
					last += p.Text + " "
				}
			}
		}
	}
	return last
}

type responseUsage struct {
	InputTokens        int `json:"input_tokens"`
	InputTokensDetails struct {
		CachedTokens int `json:"cached_tokens"`
	} `json:"input_tokens_details"`
	OutputTokens        int `json:"output_tokens"`
	OutputTokensDetails struct {
		ReasoningTokens int `json:"reasoning_tokens"`
	} `json:"output_tokens_details"`
	TotalTokens int `json:"total_tokens"`
}

type outputContent struct {
	Type        string        `json:"type"`
	Text        string        `json:"text"`
	Annotations []interface{} `json:"annotations"`
}

type outputItem struct {
	ID      string          `json:"id"`
	Type    string          `json:"type"`
	Status  string          `json:"status"`
	Role    string          `json:"role"`
	Content []outputContent `json:"content"`
}

type responseObject struct {
	ID        string         `json:"id"`
	Object    string         `json:"object"`
	CreatedAt int64          `json:"created_at"`
	Status    string         `json:"status"`
	Model     string         `json:"model"`
	Output    []outputItem   `json:"output"`
	Usage     *responseUsage `json:"usage"`
}

type responseEvent struct {
	Type           string          `json:"type"`
	SequenceNumber int             `json:"sequence_number"`
	Response       *responseObject `json:"response,omitempty"`
	ItemID         string          `json:"item_id,omitempty"`
	OutputIndex    int             `json:"output_index"`
	ContentIndex   int             `json:"content_index"`
	Delta          string          `json:"delta,omitempty"`
	Text           string          `json:"text,omitempty"`
}

func (s *Server) responses(w http.ResponseWriter, r *http.Request, body []byte) {
	var req responsesRequest
	if !decodeBody(w, body, &req) {
		return
	}
	if fault(r, w, req.Model) {
		return
	}
	last := inputText(req.Input)
	answer := reply(last)
	in, out := words(last)+words(req.Instructions)+1, words(answer)
	s.addTokens(in, out)
	u := &responseUsage{InputTokens: in, OutputTokens: out, TotalTokens: in + out}
	u.InputTokensDetails.CachedTokens, u.OutputTokensDetails.ReasoningTokens = usageDetails(req.Model, in, out)
	id := "resp_" + digest(req.Model, last)
	item := outputItem{ID: "msg_" + digest("msg", last), Type: "message", Status: "completed", Role: "assistant",
		Content: []outputContent{{Type: "output_text", Text: answer, Annotations: []interface{}{}}}}
	done := &responseObject{ID: id, Object: "response", CreatedAt: Created, Status: "completed", Model: req.Model,
		Output: []outputItem{item}, Usage: u}
	if !req.Stream {
		writeJSON(w, http.StatusOK, done)
		return
	}
	sse := startSSE(w)
	seq := 0
	emit := func(ev responseEvent) {
		ev.SequenceNumber = seq
		seq++
		sse.event(ev.Type, mustJSON(ev))
	}
	emit(responseEvent{Type: "response.created", Response: &responseObject{ID: id, Object: "response",
		CreatedAt: Created, Status: "in_progress", Model: req.Model, Output: []outputItem{}}})
	for i, piece := range splitWords(answer) {
		emit(responseEvent{Type: "response.output_text.delta", ItemID: item.ID, Delta: piece})
		if i == 1 && sse.misbehave(r.Context(), req.Model) {
			return
		}
	}
	emit(responseEvent{Type: "response.output_text.done", ItemID: item.ID, Text: answer})
	emit(responseEvent{Type: "response.completed", Response: done})
}
