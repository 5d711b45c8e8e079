package wbopenai

import (
	"bytes"
	"crypto/md5"
	"encoding/json"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wbinstrument/wbinstrument/runtime/wandb"
)

// statsColumns are the autolog's stats table columns plus call_site and
// error.
var statsColumns = []string{
	"request", "response", "model", "start_time", "end_time", "request_id", "api_type",
	"session_id", "elapsed_time", "prompt_tokens", "completion_tokens", "total_tokens",
	"call_site", "error",
}

// bodyPolicy says how much of a body goes into traces.
type bodyPolicy struct {
	max int  // WBINSTRUMENT_MAX_BODY, bytes
	off bool // WBINSTRUMENT_LOG_BODIES=false
}

const defaultMaxBody = 64 << 10

func bodyPolicyFromEnv() bodyPolicy {
	p := bodyPolicy{max: defaultMaxBody}
	if v := os.Getenv("WBINSTRUMENT_MAX_BODY"); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n >= 0 {
			p.max = n
		} else {
			warn("WBINSTRUMENT_MAX_BODY=%q is not a byte count; using %d", v, defaultMaxBody)
		}
	}
	if v := strings.ToLower(os.Getenv("WBINSTRUMENT_LOG_BODIES")); v == "false" || v == "0" || v == "no" || v == "off" {
		p.off = true
	}
	return p
}

// scrubber removes credentials from logged text.
type scrubber []string

func (s scrubber) text(t string) string {
	for _, k := range s {
		if k != "" && strings.Contains(t, k) {
			t = strings.ReplaceAll(t, k, "[redacted]")
		}
	}
	return t
}

// bytes returns b with credentials replaced, and whether it replaced any.
func (s scrubber) bytes(b []byte) ([]byte, bool) {
	changed := false
	for _, k := range s {
		// bytes.Contains, not strings.Contains(string(b), ...): the
		// conversion would copy every body once per credential.
		if k != "" && bytes.Contains(b, []byte(k)) {
			b = bytes.ReplaceAll(b, []byte(k), []byte("[redacted]"))
			changed = true
		}
	}
	return b, changed
}

// body renders a body for a trace: the JSON itself when it is valid and
// within the cap, else a marker with its size and the capped head as text.
// valid says the scanner has already checked b.
func (p bodyPolicy) body(b []byte, size int64, binary, valid bool) interface{} {
	if binary {
		return map[string]interface{}{"_binary": true, "size": size}
	}
	if p.off {
		return map[string]interface{}{"_omitted": true, "size": int64(len(b))}
	}
	if b == nil {
		return map[string]interface{}{}
	}
	if len(b) <= p.max && (valid || json.Valid(b)) {
		return json.RawMessage(b)
	}
	head := b
	if len(head) > p.max {
		head = head[:p.max]
		for len(head) > 0 && !utf8.Valid(head[len(head)-1:]) && !utf8.FullRune(head[len(head)-1:]) {
			head = head[:len(head)-1]
		}
	}
	return map[string]interface{}{"_truncated": true, "size": int64(len(b)), "head": string(head)}
}

// log turns one call into one history row, waiting for room in the run's
// queue until deadline at most.
func (s *session) log(ev *event, deadline time.Time) {
	c := analyze(ev)
	sc := scrubber(ev.secrets[:])
	// A body the scanner read is valid JSON, unless scrubbing changed it.
	reqB, reqChanged := sc.bytes(c.reqBody)
	respB, respChanged := sc.bytes(c.respBody)
	reqV := s.bodies.body(reqB, c.reqSize, ev.reqBinary, c.reqValid && !reqChanged)
	respV := s.bodies.body(respB, c.respSize, ev.respBinary, c.respValid && !respChanged)
	c.errMessage = sc.text(c.errMessage)

	elapsed := ev.end.Sub(ev.start).Seconds()
	row := s.cost.newRow()
	row["usage/elapsed_time"] = elapsed
	if c.kind.isLLM() && c.usage.has {
		row["usage/prompt_tokens"] = c.usage.prompt
		row["usage/completion_tokens"] = c.usage.completion
		row["usage/total_tokens"] = c.usage.total
		if c.usage.hasCached {
			row["usage/cached_tokens"] = c.usage.cached
		}
		if c.usage.hasReasoning {
			row["usage/reasoning_tokens"] = c.usage.reasoning
		}
	}
	if c.kind.isLLM() && c.usageMissing && !c.failed {
		row["usage_missing"] = true
	}
	cost := s.cost.price(c)
	cost.addTo(row)

	s.spans++
	sp := spanInfo{
		id:         s.id + "-" + strconv.FormatInt(s.spans, 10),
		name:       spanName(c),
		startMs:    ev.start.UnixNano() / 1e6,
		endMs:      ev.end.UnixNano() / 1e6,
		statusCode: "SUCCESS",
		kind:       "LLM",
		children:   ev.attempts,
	}
	if !c.kind.isLLM() {
		sp.kind = "TOOL"
	}
	errText := ""
	if c.failed {
		sp.statusCode = "ERROR"
		errText = c.errMessage
		if errText == "" {
			errText = "failed"
		}
		sp.statusMessage = &errText
	}
	// The table's request and response cells are the trace's bodies as
	// JSON strings: escaped once, shared with the trace.
	var reqCell, respCell interface{} = "", ""
	reqJ, err1 := bodyJSON(reqV)
	respJ, err2 := bodyJSON(respV)
	if err1 == nil && err2 == nil {
		reqQ := quoted(reqJ)
		respQ := reqQ
		if !bytes.Equal(reqJ, respJ) {
			respQ = quoted(respJ)
		}
		reqCell, respCell = wandb.RawJSON(reqQ), wandb.RawJSON(respQ)
		var buf [24]attr // the most a call has, on the stack
		root, err := appendSpan(make([]byte, 0, 512), &sp, c.attrs(buf[:0]))
		if err == nil {
			row["trace"] = traceValue(reqJ, respJ, reqQ[1:len(reqQ)-1], respQ[1:len(respQ)-1], root)
		}
	}
	stats := [][]interface{}{{
		reqCell, respCell, c.model,
		float64(ev.start.UnixNano()) / 1e9, float64(ev.end.UnixNano()) / 1e9,
		c.requestID, c.apiType, s.id, elapsed,
		c.usage.prompt, c.usage.completion, c.usage.total, c.site, errText,
	}}
	s.totals.add(c, cost)
	span := s.otel.prepare(ev, c, reqB, respB, errText)
	s.run.LogFunc(func(t tabler) map[string]interface{} {
		s.otel.emit(span, t)
		v, err := t.Table("stats", statsColumns, stats)
		if err != nil {
			// The run has warned about its disk once; the row goes
			// without its table.
			return row
		}
		row["stats"] = v
		return row
	}, deadline)
}

// bodyJSON is a trace body's JSON: the body's own bytes when body kept
// it (it checked them with json.Valid), else the small marker encoded.
func bodyJSON(v interface{}) ([]byte, error) {
	if raw, ok := v.(json.RawMessage); ok {
		return raw, nil
	}
	return json.Marshal(v)
}

// quoted is body's JSON text as a JSON string, escaped as encoding/json
// escapes strings but without HTML escapes, as W&B's json.dumps writes
// them (so a table cell with <, > or & differs in bytes, not in value,
// from json.Marshal's).
func quoted(body []byte) []byte {
	q := make([]byte, 0, len(body)+len(body)/8+8)
	q = append(q, '"')
	q = appendEscaped(q, body)
	return append(q, '"')
}

// traceValue encodes the wb_trace_tree value once, here, as the JSON the
// writer copies verbatim: the two dumps are long strings, and a map would
// have the writer sort, reflect over and escape them again. Keys are in
// sorted order and HTML characters unescaped, as the writer and W&B's own
// json.dumps write them.
//
// Both dumps hold both bodies, which are most of a row: escReq and
// escResp are req and resp escaped once (the stats table shares them),
// instead of json.Marshal checking each body again for model_dict and
// for the span and then escaping each dump as a whole. root is the span
// without its results, which are added here as its last key.
func traceValue(req, resp, escReq, escResp, root []byte) wandb.RawJSON {
	const (
		dictReq  = `{"request":`
		dictResp = `,"response":`
		dictEnd  = `,"_kind":"openai"}`
		spanIn   = `,"results":[{"inputs":`
		spanOut  = `,"outputs":`
		spanEnd  = `}]}`
	)
	h := md5.New()
	h.Write([]byte(dictReq))
	h.Write(req)
	h.Write([]byte(dictResp))
	h.Write(resp)
	h.Write([]byte(dictEnd))
	var sum [md5.Size]byte
	h.Sum(sum[:0])

	b := make([]byte, 0, 2*(len(escReq)+len(escResp))+len(root)+len(root)/8+256)
	b = append(b, `{"_type":"wb_trace_tree","model_dict_dumps":"`...)
	b = appendEscaped(b, []byte(dictReq))
	b = append(b, escReq...)
	b = appendEscaped(b, []byte(dictResp))
	b = append(b, escResp...)
	b = appendEscaped(b, []byte(dictEnd))
	b = append(b, `","model_hash":"`...)
	for _, x := range sum[:8] {
		b = append(b, hexDigits[x>>4], hexDigits[x&0xF])
	}
	b = append(b, `","root_span_dumps":"`...)
	b = appendEscaped(b, root[:len(root)-1]) // without its closing brace
	b = appendEscaped(b, []byte(spanIn))
	b = append(b, escReq...)
	b = appendEscaped(b, []byte(spanOut))
	b = append(b, escResp...)
	b = appendEscaped(b, []byte(spanEnd))
	b = append(b, `"}`...)
	return wandb.RawJSON(b)
}

// spanName is the go-openai method when known, else the endpoint.
func spanName(c *callInfo) string {
	if c.method != "" {
		return c.method
	}
	if c.endpoint != "" {
		return c.endpoint
	}
	return "openai"
}
