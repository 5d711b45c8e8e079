package wbopenai

import (
	"encoding/json"
	"math"
	"testing"
)

// oracleSpan and oracleAttributes are the span struct and attributes map
// json.Marshal encoded before appendSpan: its bytes must stay theirs.
type oracleSpan struct {
	SpanID        string                 `json:"span_id"`
	Name          string                 `json:"name"`
	StartTimeMs   int64                  `json:"start_time_ms"`
	EndTimeMs     int64                  `json:"end_time_ms"`
	StatusCode    string                 `json:"status_code"`
	StatusMessage *string                `json:"status_message"`
	Attributes    map[string]interface{} `json:"attributes"`
	ChildSpans    []oracleSpan           `json:"child_spans"`
	SpanKind      string                 `json:"span_kind"`
}

func oracleAttributes(c *callInfo) map[string]interface{} {
	a := map[string]interface{}{
		"method":    spanName(c),
		"model":     c.model,
		"call_site": c.site,
		"stream":    c.stream,
		"api_type":  c.apiType,
	}
	if c.endpoint != "" {
		a["endpoint"] = c.endpoint
	}
	if c.requestID != "" {
		a["request_id"] = c.requestID
	}
	for i, v := range c.rateLimit {
		if v != "" {
			a[rateLimitHeaders[i]] = v
		}
	}
	if c.httpStatus != 0 {
		a["http_status"] = c.httpStatus
	}
	if c.ttftMs >= 0 {
		a["time_to_first_token_ms"] = c.ttftMs
	}
	if len(c.finishReasons) > 0 {
		a["finish_reasons"] = c.finishReasons
	}
	if len(c.toolCalls) > 0 {
		a["tool_calls"] = c.toolCalls
	}
	if c.usageMissing {
		a["usage_missing"] = true
	}
	if c.failed {
		if c.errType != "" {
			a["error_type"] = c.errType
		}
		if c.errCode != "" {
			a["error_code"] = c.errCode
		}
	}
	if !c.kind.isLLM() {
		a["request_size"] = c.reqSize
		a["response_size"] = c.respSize
	}
	for k, v := range c.notes {
		a[k] = v
	}
	return a
}

func checkSpan(t *testing.T, c *callInfo, sp spanInfo) {
	t.Helper()
	want, werr := json.Marshal(oracleSpan{SpanID: sp.id, Name: sp.name, StartTimeMs: sp.startMs, EndTimeMs: sp.endMs,
		StatusCode: sp.statusCode, StatusMessage: sp.statusMessage, Attributes: oracleAttributes(c),
		ChildSpans: []oracleSpan{}, SpanKind: sp.kind})
	var buf [24]attr
	got, err := appendSpan(nil, &sp, c.attrs(buf[:0]))
	if (err == nil) != (werr == nil) || string(got) != string(want) {
		t.Fatalf("appendSpan = %s (%v)\njson.Marshal %s (%v)", got, err, want, werr)
	}
}

// TestSpanBytesAreJSONMarshals: every attribute kind, with text that
// json.Marshal escapes (HTML, control characters, invalid UTF-8, line
// separators) and floats in both notations.
func TestSpanBytesAreJSONMarshals(t *testing.T) {
	msg := "bad <key> & \"x\"\n\t\x01 \xff \u2028 é"
	full := &callInfo{
		method: "CreateChatCompletion", endpoint: "POST /v1/chat/completions", kind: kindChat, model: "gpt-<4>",
		requestID: "req&1", site: "main.go:3 main.(*Bot).Ask", apiType: "azure",
		rateLimit: rateLimits{4: "9", 2: "1s"}, // x-ratelimit-remaining-tokens, x-ratelimit-reset-requests
		stream:    true, ttftMs: 312.25, httpStatus: 429, usageMissing: true, failed: true, errType: "rate<limit>",
		errCode: "429", finishReasons: []string{"stop", "tool_calls"},
		toolCalls: []toolCallInfo{{ID: "call_1", Name: "f", Arguments: `{"a":"<b>"}`}, {Arguments: ""}},
		notes:     map[string]interface{}{"stream_abandoned": true, "response_status": "incomplete", "z_other": 3},
	}
	checkSpan(t, full, spanInfo{id: "s-1", name: "CreateChatCompletion", startMs: 1700000000123, endMs: 1700000001456,
		statusCode: "ERROR", statusMessage: &msg, kind: "LLM"})
	for _, f := range []float64{0, 1e-7, 5e-324, 1e21, 123456789.125, -0.5, 1e20, 0.000001} {
		c := &callInfo{kind: kindOther, ttftMs: f, reqSize: 12, respSize: -1, endpoint: "GET /v1/models"}
		checkSpan(t, c, spanInfo{id: "s-2", name: spanName(c), statusCode: "SUCCESS", kind: "TOOL"})
	}
	c := &callInfo{kind: kindChat, ttftMs: math.NaN()}
	checkSpan(t, c, spanInfo{id: "s-3", kind: "LLM"})
}
