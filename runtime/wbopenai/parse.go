package wbopenai

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
)

type usageInfo struct {
	prompt, completion, total, cached, reasoning int
	has, hasCached, hasReasoning                 bool
}

type toolCallInfo struct {
	ID        string `json:"id,omitempty"`
	Name      string `json:"name,omitempty"`
	Arguments string `json:"arguments"`
}

// callInfo is an event decoded on the logging goroutine.
type callInfo struct {
	method    string // go-openai method, when known
	endpoint  string // "POST /v1/chat/completions"
	kind      kind
	model     string
	requestID string
	rateLimit map[string]string
	site      string
	apiType   string

	reqBody  []byte // raw, uncapped; nil when unknown or binary
	respBody []byte // raw response (assembled for streams)
	reqSize  int64
	respSize int64

	usage         usageInfo
	usageMissing  bool
	finishReasons []string
	toolCalls     []toolCallInfo
	stream        bool
	ttftMs        float64 // -1 when not a stream
	httpStatus    int

	failed     bool
	errType    string
	errCode    string
	errMessage string
	notes      map[string]interface{} // extra span attributes
}

// usageJSON reads both usage shapes: chat/completions/embeddings
// (prompt_/completion_tokens) and the Responses API (input_/output_tokens).
type usageJSON struct {
	PromptTokens        *int `json:"prompt_tokens"`
	CompletionTokens    *int `json:"completion_tokens"`
	TotalTokens         *int `json:"total_tokens"`
	InputTokens         *int `json:"input_tokens"`
	OutputTokens        *int `json:"output_tokens"`
	PromptTokensDetails *struct {
		CachedTokens *int `json:"cached_tokens"`
	} `json:"prompt_tokens_details"`
	InputTokensDetails *struct {
		CachedTokens *int `json:"cached_tokens"`
	} `json:"input_tokens_details"`
	CompletionTokensDetails *struct {
		ReasoningTokens *int `json:"reasoning_tokens"`
	} `json:"completion_tokens_details"`
	OutputTokensDetails *struct {
		ReasoningTokens *int `json:"reasoning_tokens"`
	} `json:"output_tokens_details"`
}

func pick(a, b *int) (int, bool) {
	if a != nil {
		return *a, true
	}
	if b != nil {
		return *b, true
	}
	return 0, false
}

func (u *usageJSON) info() usageInfo {
	var ui usageInfo
	if u == nil {
		return ui
	}
	var okP, okC, okT bool
	ui.prompt, okP = pick(u.PromptTokens, u.InputTokens)
	ui.completion, okC = pick(u.CompletionTokens, u.OutputTokens)
	ui.total, okT = pick(u.TotalTokens, nil)
	if !okT {
		ui.total = ui.prompt + ui.completion
	}
	ui.has = okP || okC || okT
	if d := u.PromptTokensDetails; d != nil && d.CachedTokens != nil {
		ui.cached, ui.hasCached = *d.CachedTokens, true
	} else if d := u.InputTokensDetails; d != nil && d.CachedTokens != nil {
		ui.cached, ui.hasCached = *d.CachedTokens, true
	}
	if d := u.CompletionTokensDetails; d != nil && d.ReasoningTokens != nil {
		ui.reasoning, ui.hasReasoning = *d.ReasoningTokens, true
	} else if d := u.OutputTokensDetails; d != nil && d.ReasoningTokens != nil {
		ui.reasoning, ui.hasReasoning = *d.ReasoningTokens, true
	}
	return ui
}

// responseJSON is what the logger reads from any non-streamed response.
type responseJSON struct {
	ID      string     `json:"id"`
	Model   string     `json:"model"`
	Usage   *usageJSON `json:"usage"`
	Choices []struct {
		FinishReason string `json:"finish_reason"`
		Message      struct {
			ToolCalls []struct {
				ID       string `json:"id"`
				Function struct {
					Name      string `json:"name"`
					Arguments string `json:"arguments"`
				} `json:"function"`
			} `json:"tool_calls"`
		} `json:"message"`
	} `json:"choices"`
	Output []struct {
		Type      string `json:"type"`
		CallID    string `json:"call_id"`
		Name      string `json:"name"`
		Arguments string `json:"arguments"`
	} `json:"output"`
	Status string `json:"status"`
	Error  *struct {
		Message string          `json:"message"`
		Type    string          `json:"type"`
		Code    json.RawMessage `json:"code"`
	} `json:"error"`
}

// rateLimitHeaders are the response headers copied into span attributes.
var rateLimitHeaders = []string{
	"x-ratelimit-limit-requests", "x-ratelimit-remaining-requests", "x-ratelimit-reset-requests",
	"x-ratelimit-limit-tokens", "x-ratelimit-remaining-tokens", "x-ratelimit-reset-tokens",
}

// analyze decodes an event. It runs on the logging goroutine.
func analyze(ev *event) *callInfo {
	c := &callInfo{kind: ev.kind, stream: ev.stream, ttftMs: -1, httpStatus: ev.status, apiType: "openai"}
	c.method = methodName(ev.fnPC)
	c.site = ev.site
	if ev.npc > 0 {
		site, m := callerSite(ev.pcs[:ev.npc])
		if c.site == "" {
			c.site = site
		}
		if c.method == "" {
			c.method = m
		}
	}
	if ev.url != nil {
		c.endpoint = ev.method + " " + ev.url.Path
		if strings.Contains(ev.url.Path, "/openai/") || ev.url.Query().Get("api-version") != "" {
			c.apiType = "azure"
		}
	}
	if ev.source == sourceCallSite {
		c.kind = kindOfMethod(c.method)
		c.reqBody = ev.args
		c.respBody = ev.result
	} else {
		c.reqBody = requestBody(ev)
		if ev.resp != nil {
			c.respSize = ev.resp.total
			c.respBody = ev.resp.head
		} else {
			c.respSize = ev.respBinarySize
		}
	}
	c.reqSize = ev.reqSize
	if c.reqSize <= 0 && c.reqBody != nil {
		c.reqSize = int64(len(c.reqBody))
	}
	if h := ev.respHeader; h != nil {
		c.requestID = h.Get("x-request-id")
		for _, k := range rateLimitHeaders {
			if v := h.Get(k); v != "" {
				if c.rateLimit == nil {
					c.rateLimit = make(map[string]string)
				}
				c.rateLimit[k] = v
			}
		}
	}
	var req struct {
		Model string `json:"model"`
	}
	if c.reqBody != nil {
		_ = json.Unmarshal(c.reqBody, &req)
	}
	c.model = req.Model

	switch {
	case ev.stream && ev.status == http.StatusOK && ev.resp != nil:
		parseStream(c, ev)
	case c.respBody != nil:
		parseResponse(c, ev)
	}
	if ev.stream && !ev.firstByte.IsZero() {
		c.ttftMs = float64(ev.firstByte.Sub(ev.start).Microseconds()) / 1000
	}
	if ev.status >= 400 {
		c.failed = true
		if c.errMessage == "" {
			c.errMessage = http.StatusText(ev.status)
		}
	}
	if ev.err != nil {
		c.failed = true
		info := errorInfo(ev.err)
		if info.status != 0 {
			c.httpStatus = info.status
		}
		if c.errType == "" {
			c.errType = info.typ
		}
		if c.errCode == "" {
			c.errCode = info.code
		}
		c.errMessage = ev.err.Error()
		if c.errType == "" {
			c.errType = errorKind(ev.err)
		}
	}
	if ev.abandoned {
		c.note("stream_abandoned", true)
	}
	if ev.closedEarly && ev.stream {
		c.note("stream_closed_by_user", true)
	}
	if ev.reqBinary {
		c.reqBody = nil
	}
	return c
}

func (c *callInfo) note(k string, v interface{}) {
	if c.notes == nil {
		c.notes = make(map[string]interface{})
	}
	c.notes[k] = v
}

// errorKind names a transport-level failure.
func errorKind(err error) string {
	s := err.Error()
	switch {
	case strings.Contains(s, "context canceled"):
		return "context_canceled"
	case strings.Contains(s, "deadline exceeded") || strings.Contains(s, "Client.Timeout"):
		return "timeout"
	case strings.Contains(s, "unexpected EOF") || strings.Contains(s, "connection reset"):
		return "connection_lost"
	}
	return "network_error"
}

// requestBody returns the body the user sent (before any include_usage
// we added), read through GetBody so the caller never paid for a copy.
func requestBody(ev *event) []byte {
	if ev.reqBinary {
		return nil
	}
	if ev.reqBody != nil {
		return ev.reqBody
	}
	if ev.getBody == nil {
		return nil
	}
	rc, err := ev.getBody()
	if err != nil {
		return nil
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, captureLimit))
	if err != nil {
		return nil
	}
	return b
}

// parseResponse reads a non-streamed response (or an error body).
func parseResponse(c *callInfo, ev *event) {
	body := c.respBody
	var r responseJSON
	if err := json.Unmarshal(body, &r); err != nil {
		if ev.resp != nil && ev.resp.truncated() {
			// The head alone is not JSON: usage and model are near the end.
			c.usage = usageFromTail(ev.resp.tailBytes())
			return
		}
		if ev.status < 400 && ev.err == nil && !ev.closedEarly &&
			strings.HasPrefix(ev.respHeader.Get("Content-Type"), "application/json") {
			// go-openai fails to decode it too: the user's call failed.
			c.failed = true
			c.errType = "invalid_response"
			c.errMessage = "the response body is not valid JSON: " + err.Error()
		}
		return
	}
	if r.Model != "" {
		c.model = r.Model
	}
	c.usage = r.Usage.info()
	for _, ch := range r.Choices {
		if ch.FinishReason != "" {
			c.finishReasons = append(c.finishReasons, ch.FinishReason)
		}
		for _, tc := range ch.Message.ToolCalls {
			c.toolCalls = append(c.toolCalls, toolCallInfo{ID: tc.ID, Name: tc.Function.Name, Arguments: tc.Function.Arguments})
		}
	}
	for _, o := range r.Output {
		if o.Type == "function_call" {
			c.toolCalls = append(c.toolCalls, toolCallInfo{ID: o.CallID, Name: o.Name, Arguments: o.Arguments})
		}
	}
	if r.Error != nil && (ev.status >= 400 || r.Error.Message != "") {
		c.errMessage = r.Error.Message
		c.errType = r.Error.Type
		c.errCode = rawString(r.Error.Code)
		if ev.status < 400 {
			c.failed = true
		}
	}
}

// usageFromTail finds the last usage object in the tail of a large body.
func usageFromTail(tail []byte) usageInfo {
	key := []byte(`"usage":`)
	i := bytes.LastIndex(tail, key)
	if i < 0 {
		return usageInfo{}
	}
	var u usageJSON
	if json.NewDecoder(bytes.NewReader(tail[i+len(key):])).Decode(&u) != nil {
		return usageInfo{}
	}
	return u.info()
}

// rawString renders a JSON scalar (string or number) as text.
func rawString(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}
