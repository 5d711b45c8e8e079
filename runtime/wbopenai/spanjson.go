package wbopenai

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strconv"

	"github.com/wbinstrument/wbinstrument/runtime/internal/jsonenc"
)

// The root span is encoded here rather than by json.Marshal of a struct
// holding an attributes map: reflecting over the map and sorting it cost
// about 20 allocations and a fifth of a small call's logging. The bytes
// are json.Marshal's (HTML characters escaped, keys sorted), which a test
// checks against the struct and map the span was encoded from before.

// spanInfo is the root span without its results.
type spanInfo struct {
	id            string
	seq           int64 // when > 0, the id is id-seq
	name          string
	startMs       int64
	endMs         int64
	statusCode    string
	statusMessage *string
	kind          string
	children      []attemptInfo // an openai-go call's attempts, when it retried
}

// attrKind says which field of an attr holds its value.
type attrKind uint8

const (
	attrString attrKind = iota
	attrBool
	attrInt
	attrFloat
	attrStrings
	attrToolCalls
	attrAny
)

// attr is one span attribute.
type attr struct {
	key   string
	kind  attrKind
	s     string
	n     int64
	f     float64
	strs  []string
	tools []toolCallInfo
	any   interface{}
}

// attrs are the span's attributes, in the order a map would have been
// written: a later attribute of the same key replaces an earlier one.
func (c *callInfo) attrs(a []attr) []attr {
	str := func(k, v string) { a = append(a, attr{key: k, kind: attrString, s: v}) }
	num := func(k string, n int64) { a = append(a, attr{key: k, kind: attrInt, n: n}) }
	boolean := func(k string, v bool) {
		var n int64
		if v {
			n = 1
		}
		a = append(a, attr{key: k, kind: attrBool, n: n})
	}
	str("method", spanName(c))
	str("model", c.model)
	str("call_site", c.site)
	boolean("stream", c.stream)
	str("api_type", c.apiType)
	if c.endpoint != "" {
		str("endpoint", c.endpoint)
	}
	if c.requestID != "" {
		str("request_id", c.requestID)
	}
	for i, v := range c.rateLimit {
		if v != "" {
			str(rateLimitHeaders[i], v)
		}
	}
	if c.httpStatus != 0 {
		num("http_status", int64(c.httpStatus))
	}
	if c.ttftMs >= 0 {
		a = append(a, attr{key: "time_to_first_token_ms", kind: attrFloat, f: c.ttftMs})
	}
	if len(c.finishReasons) > 0 {
		a = append(a, attr{key: "finish_reasons", kind: attrStrings, strs: c.finishReasons})
	}
	if len(c.toolCalls) > 0 {
		a = append(a, attr{key: "tool_calls", kind: attrToolCalls, tools: c.toolCalls})
	}
	if c.usageMissing {
		boolean("usage_missing", true)
	}
	if c.failed {
		if c.errType != "" {
			str("error_type", c.errType)
		}
		if c.errCode != "" {
			str("error_code", c.errCode)
		}
	}
	if !c.kind.isLLM() {
		num("request_size", c.reqSize)
		num("response_size", c.respSize)
	}
	for k, v := range c.notes {
		a = append(a, attr{key: k, kind: attrAny, any: v})
	}
	return a
}

// sortAttrs sorts attributes by key, as json.Marshal sorts map keys, and
// keeps the last of equal keys, as a map would have.
func sortAttrs(a []attr) []attr {
	for i := 1; i < len(a); i++ { // insertion sort: stable, and a is short
		for j := i; j > 0 && a[j].key < a[j-1].key; j-- {
			a[j], a[j-1] = a[j-1], a[j]
		}
	}
	out := a[:0]
	for i := range a {
		if i+1 < len(a) && a[i+1].key == a[i].key {
			continue
		}
		out = append(out, a[i])
	}
	return out
}

// appendSpan appends the root span's JSON.
func appendSpan(b []byte, sp *spanInfo, attrs []attr) ([]byte, error) {
	b = append(b, `{"span_id":`...)
	b = appendSpanID(b, sp, 0)
	b = append(b, `,"name":`...)
	b = appendString(b, sp.name)
	b = append(b, `,"start_time_ms":`...)
	b = strconv.AppendInt(b, sp.startMs, 10)
	b = append(b, `,"end_time_ms":`...)
	b = strconv.AppendInt(b, sp.endMs, 10)
	b = append(b, `,"status_code":`...)
	b = appendString(b, sp.statusCode)
	b = append(b, `,"status_message":`...)
	if sp.statusMessage == nil {
		b = append(b, "null"...)
	} else {
		b = appendString(b, *sp.statusMessage)
	}
	b = append(b, `,"attributes":{`...)
	var err error
	sorted := sortAttrs(attrs)
	for i := range sorted {
		a := &sorted[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, a.key)
		b = append(b, ':')
		if b, err = appendAttr(b, a); err != nil {
			return nil, err
		}
	}
	b = append(b, `},"child_spans":[`...)
	for i := range sp.children {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendAttempt(b, sp, i)
	}
	b = append(b, `],"span_kind":`...)
	b = appendString(b, sp.kind)
	return append(b, '}'), nil
}

func appendAttr(b []byte, a *attr) ([]byte, error) {
	switch a.kind {
	case attrString:
		return appendString(b, a.s), nil
	case attrBool:
		return strconv.AppendBool(b, a.n != 0), nil
	case attrInt:
		return strconv.AppendInt(b, a.n, 10), nil
	case attrFloat:
		return appendFloat(b, a.f)
	case attrStrings:
		b = append(b, '[')
		for i, s := range a.strs {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, s)
		}
		return append(b, ']'), nil
	case attrToolCalls:
		b = append(b, '[')
		for i, t := range a.tools {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, '{')
			if t.ID != "" {
				b = append(b, `"id":`...)
				b = appendString(b, t.ID)
				b = append(b, ',')
			}
			if t.Name != "" {
				b = append(b, `"name":`...)
				b = appendString(b, t.Name)
				b = append(b, ',')
			}
			b = append(b, `"arguments":`...)
			b = appendString(b, t.Arguments)
			b = append(b, '}')
		}
		return append(b, ']'), nil
	}
	switch v := a.any.(type) {
	case bool:
		return strconv.AppendBool(b, v), nil
	case string:
		return appendString(b, v), nil
	}
	j, err := json.Marshal(a.any)
	if err != nil {
		return nil, err
	}
	return append(b, j...), nil
}

// appendFloat writes f as json.Marshal writes a float64, and like it
// refuses NaN and infinities, which JSON cannot hold.
func appendFloat(b []byte, f float64) ([]byte, error) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return nil, fmt.Errorf("wbopenai: span attribute: unsupported value %v", f)
	}
	return jsonenc.AppendFloat(b, f), nil
}

// appendSpanID appends the span's id as a JSON string, with "-attempt"
// after it when attempt > 0, without making the id a string first.
func appendSpanID(b []byte, sp *spanInfo, attempt int) []byte {
	var buf [96]byte
	id := append(buf[:0], sp.id...)
	if sp.seq > 0 {
		id = strconv.AppendInt(append(id, '-'), sp.seq, 10)
	}
	if attempt > 0 {
		id = strconv.AppendInt(append(id, '-'), int64(attempt), 10)
	}
	return jsonenc.AppendString(b, id)
}

// appendAttempt appends the child span of attempt i of an openai-go call:
// its timing, status and HTTP status, in the span schema of the root.
func appendAttempt(b []byte, sp *spanInfo, i int) []byte {
	a := &sp.children[i]
	status := "SUCCESS"
	msg := a.err
	if a.err != "" || a.status >= 400 {
		status = "ERROR"
		if msg == "" {
			msg = strconv.Itoa(a.status) + " " + http.StatusText(a.status)
		}
	}
	b = append(b, `{"span_id":`...)
	b = appendSpanID(b, sp, i+1)
	b = append(b, `,"name":`...)
	b = appendString(b, "attempt "+strconv.Itoa(i+1))
	b = append(b, `,"start_time_ms":`...)
	b = strconv.AppendInt(b, a.start.UnixNano()/1e6, 10)
	b = append(b, `,"end_time_ms":`...)
	b = strconv.AppendInt(b, a.end.UnixNano()/1e6, 10)
	b = append(b, `,"status_code":`...)
	b = appendString(b, status)
	b = append(b, `,"status_message":`...)
	if status == "SUCCESS" {
		b = append(b, "null"...)
	} else {
		b = appendString(b, msg)
	}
	b = append(b, `,"attributes":{"attempt":`...)
	b = strconv.AppendInt(b, int64(i+1), 10)
	if a.status != 0 {
		b = append(b, `,"http_status":`...)
		b = strconv.AppendInt(b, int64(a.status), 10)
	}
	b = append(b, `,"latency_ms":`...)
	b = jsonenc.AppendFloat(b, float64(a.end.Sub(a.start).Microseconds())/1000)
	return append(b, `},"results":null,"child_spans":[],"span_kind":"LLM"}`...)
}
