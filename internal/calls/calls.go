// Package calls turns the history rows of a run written by the wbopenai
// runtime back into one Call per logged OpenAI call. The demo, `view` and
// the tests read runs through it, so the row schema is decoded in one place.
package calls

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/wbinstrument/wbinstrument/runtime/wandb/wandbfile"
)

// Call is one logged API call.
type Call struct {
	Step             int64
	Timestamp        float64 // _timestamp of the row, unix seconds
	Method           string  // go-openai method or endpoint
	Model            string
	Site             string // file:line function of the user's code
	Status           string // SUCCESS or ERROR
	StatusMessage    string
	PromptTokens     int64
	CompletionTokens int64
	TotalTokens      int64
	CachedTokens     int64 // of PromptTokens, read from the prompt cache
	ElapsedSeconds   float64
	StartMS, EndMS   float64
	Attributes       map[string]json.RawMessage
	Request          json.RawMessage // from the trace's model_dict
	Response         json.RawMessage
	Row              map[string]json.RawMessage // the raw history row

	// Estimated is true when the token counts were not reported by the
	// server but counted with a tokenizer (usage/estimated on the row, or
	// filled in by tokens.Fill).
	Estimated bool

	// SpanKind is the trace's span kind: LLM for token-billed calls, TOOL
	// for the other endpoints.
	SpanKind string
	// Cost is the call's logged price (cost/usd, cost/input_usd,
	// cost/output_usd) in US dollars, when HasCost; CostEstimated says it
	// was priced from estimated token counts, PricedAtSync that `sync`
	// priced it, the run having been logged without costs.
	HasCost                     bool
	CostUSD, CostInput, CostOut float64
	CostEstimated, PricedAtSync bool
}

// Trace is the wb_trace_tree value the runtime logs as "trace".
type Trace struct {
	Type           string `json:"_type"`
	ModelHash      string `json:"model_hash"`
	ModelDictDumps string `json:"model_dict_dumps"`
	RootSpanDumps  string `json:"root_span_dumps"`
}

// Span is a trace span as the autolog wrote it.
type Span struct {
	SpanID        string                     `json:"span_id"`
	Name          string                     `json:"name"`
	StartTimeMS   float64                    `json:"start_time_ms"`
	EndTimeMS     float64                    `json:"end_time_ms"`
	StatusCode    string                     `json:"status_code"`
	StatusMessage string                     `json:"status_message"`
	Attributes    map[string]json.RawMessage `json:"attributes"`
	Results       []json.RawMessage          `json:"results"`
	ChildSpans    []json.RawMessage          `json:"child_spans"`
	SpanKind      string                     `json:"span_kind"`
}

// FromRun decodes every history row of run that carries a trace.
func FromRun(run *wandbfile.RunData) ([]Call, error) {
	var out []Call
	for i, row := range run.History {
		if _, ok := row["trace"]; !ok {
			continue
		}
		c, err := FromRow(row)
		if err != nil {
			return out, fmt.Errorf("history row %d: %v", i, err)
		}
		out = append(out, c)
	}
	return out, nil
}

// FromRow decodes one history row.
func FromRow(row map[string]json.RawMessage) (Call, error) {
	c := Call{Row: row}
	c.Step = int64(num(row["_step"]))
	c.Timestamp = num(row["_timestamp"])
	c.PromptTokens = int64(num(row["usage/prompt_tokens"]))
	c.CompletionTokens = int64(num(row["usage/completion_tokens"]))
	c.TotalTokens = int64(num(row["usage/total_tokens"]))
	c.CachedTokens = int64(num(row["usage/cached_tokens"]))
	c.ElapsedSeconds = num(row["usage/elapsed_time"])
	c.Estimated = isTrue(row["usage/estimated"])
	if v, ok := row["cost/usd"]; ok {
		c.HasCost = true
		c.CostUSD, c.CostInput, c.CostOut = num(v), num(row["cost/input_usd"]), num(row["cost/output_usd"])
		c.CostEstimated, c.PricedAtSync = isTrue(row["cost/estimated"]), isTrue(row["cost/priced_at_sync"])
	}
	var tr Trace
	if err := json.Unmarshal(row["trace"], &tr); err != nil {
		return c, fmt.Errorf("trace: %v", err)
	}
	if tr.Type != "wb_trace_tree" {
		return c, fmt.Errorf("trace: _type is %q, want wb_trace_tree", tr.Type)
	}
	var span Span
	if err := json.Unmarshal([]byte(tr.RootSpanDumps), &span); err != nil {
		return c, fmt.Errorf("trace root_span_dumps: %v", err)
	}
	var dict struct {
		Request  json.RawMessage `json:"request"`
		Response json.RawMessage `json:"response"`
	}
	if tr.ModelDictDumps != "" {
		if err := json.Unmarshal([]byte(tr.ModelDictDumps), &dict); err != nil {
			return c, fmt.Errorf("trace model_dict_dumps: %v", err)
		}
	}
	c.Request, c.Response = dict.Request, dict.Response
	c.Status, c.StatusMessage = span.StatusCode, span.StatusMessage
	c.StartMS, c.EndMS = span.StartTimeMS, span.EndTimeMS
	c.Attributes = span.Attributes
	c.SpanKind = span.SpanKind
	c.Method = c.Attr("method")
	c.Model = c.Attr("model")
	c.Site = c.Attr("call_site")
	return c, nil
}

// Attr returns the attribute key of the call's span as text: strings
// unquoted, other JSON values as written, "" when absent.
func (c *Call) Attr(key string) string {
	raw, ok := c.Attributes[key]
	if !ok {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}

func num(raw json.RawMessage) float64 {
	if len(raw) == 0 {
		return 0
	}
	f, err := strconv.ParseFloat(string(raw), 64)
	if err != nil {
		return 0
	}
	return f
}
