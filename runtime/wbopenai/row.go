package wbopenai

import (
	"bytes"
	"encoding/json"
	"os"
	"strconv"
	"strings"
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

// traceValue is the wb_trace_tree value, encoded once as the JSON the
// writer copies verbatim: the two dumps are long strings, and a map would
// have the writer sort, reflect over and escape them again. Keys are in
// sorted order and HTML characters unescaped, as the writer and W&B's own
// json.dumps write them.
//
// Both dumps hold both bodies, which are most of a row: escReq and
// escResp are req and resp escaped once (the stats table shares them).
// root is the span without its results, which are added as its last key.
func traceValue(req, resp, escReq, escResp, root []byte) wandb.RawJSON {
	var dict []byte
	return wandb.RawJSON(appendTrace(nil, &dict, req, resp, escReq, escResp, root))
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
