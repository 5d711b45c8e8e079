package view

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/wbinstrument/wbinstrument/internal/calls"
	"github.com/wbinstrument/wbinstrument/internal/tokens"
	"github.com/wbinstrument/wbinstrument/runtime/wandb/wandbfile"
)

// CallRef is what a snapshot keeps of each call besides its index entry:
// where its row is in the log, and the few values the table shows that
// the index does not hold. The full call (request, response, every
// attribute) is read again from the log by Snapshot.Call, because keeping
// every row of a 100k-call run decoded costs seconds at load and
// gigabytes of memory.
type CallRef struct {
	Offset        int64 // byte offset of the history record in the .wandb file
	Row           int   // history row number
	Step          int64
	StatusMessage string
	RequestID     string
	ErrorType     string
	// Estimated says the token counts were counted here with a tokenizer:
	// the server sent no usage (a stream from a server that ignores
	// stream_options), so the runtime logged usage_missing.
	Estimated bool
}

// callSummary is what the load reads of a history row that carries a
// trace: the values calls.FromRow would give the index, read with jscan.
type callSummary struct {
	CallRef
	timestamp, elapsed          float64 // unix seconds, seconds
	prompt, completion, total   int64
	cached                      int64
	startMS, endMS              float64
	status, method, model, site string
	endpoint, apiType           string
	stream                      bool
	ttft                        float64 // -1 when no attribute holds one
	cost                        float64 // cost/usd, when hasCost
	hasCost                     bool
}

// recResult is what a load worker makes of one record.
type recResult struct {
	off      int64
	err      error             // the payload does not decode: the log is damaged here
	rec      *wandbfile.Record // a record other than a history row
	history  bool
	hasTrace bool
	hasStats bool // the row references a stats table
	call     callSummary
	callErr  error // the row's trace cannot be read; the call is left out
}

// summarizer reads records on one load worker; its buffers and interned
// strings are reused from row to row.
type summarizer struct {
	span, text []byte
	strs       map[string]string
}

func newSummarizer() func(off int64, payload []byte) recResult {
	z := &summarizer{strs: map[string]string{}}
	return z.record
}

// intern shares the strings that repeat from call to call (model, site,
// status, method), so 100k calls do not hold 100k copies of each.
func (z *summarizer) intern(b []byte) string {
	if s, ok := z.strs[string(b)]; ok {
		return s
	}
	s := string(b)
	if len(z.strs) < 1<<14 {
		z.strs[s] = s
	}
	return s
}

func (z *summarizer) record(off int64, payload []byte) recResult {
	r := recResult{off: off}
	var trace []byte
	var nums [8]float64
	hasCost := false
	missing := false
	isHist, _, err := wandbfile.ScanHistory(payload, func(key, v []byte) {
		k := -1
		switch string(key) {
		case "usage_missing":
			missing = string(v) == "true"
		case "trace":
			trace, r.hasTrace = v, true
		case "stats":
			r.hasStats = true
		case "_step":
			k = 0
		case "_timestamp":
			k = 1
		case "usage/prompt_tokens":
			k = 2
		case "usage/completion_tokens":
			k = 3
		case "usage/total_tokens":
			k = 4
		case "usage/elapsed_time":
			k = 5
		case "usage/cached_tokens":
			k = 6
		case "cost/usd":
			k, hasCost = 7, true
		}
		if k >= 0 {
			// As calls.FromRow: what is not a number counts as 0.
			nums[k], _ = parseNumber(v)
		}
	})
	if err != nil {
		r.err = err
		return r
	}
	if !isHist {
		rec, err := wandbfile.DecodeRecord(payload)
		if err != nil {
			r.err = err
			return r
		}
		rec.Offset = off
		r.rec = rec
		return r
	}
	r.history = true
	if !r.hasTrace {
		return r
	}
	c := &r.call
	c.Offset = off
	c.Step, c.timestamp = int64(nums[0]), nums[1]
	c.prompt, c.completion, c.total = int64(nums[2]), int64(nums[3]), int64(nums[4])
	c.elapsed, c.cached = nums[5], int64(nums[6])
	c.cost, c.hasCost = nums[7], hasCost
	r.callErr = z.trace(trace, c)
	if missing && r.callErr == nil {
		estimate(payload, c)
	}
	return r
}

// estimate counts the tokens of a call the server sent no usage for, from
// its logged request and response. Such rows are rare (servers that ignore
// stream_options), so decoding them in full here costs little.
func estimate(payload []byte, c *callSummary) {
	row := map[string]json.RawMessage{}
	if _, _, err := wandbfile.ScanHistory(payload, func(k, v []byte) {
		row[string(k)] = append(json.RawMessage(nil), v...)
	}); err != nil {
		return
	}
	full, err := calls.FromRow(row)
	if err != nil {
		return
	}
	p, cpl, ok := tokens.Estimate(&full)
	if !ok {
		return
	}
	c.prompt, c.completion, c.total = int64(p), int64(cpl), int64(p+cpl)
	c.Estimated = true
}

// The span attributes the index reads.
const (
	attrMethod = iota
	attrModel
	attrSite
	attrEndpoint
	attrStream
	attrTTFT
	attrTTFTShort
	attrRequestID
	attrErrorType
	attrAPIType
	numAttrs
)

func attrSlot(key []byte) int {
	switch string(key) {
	case "method":
		return attrMethod
	case "model":
		return attrModel
	case "call_site":
		return attrSite
	case "endpoint":
		return attrEndpoint
	case "stream":
		return attrStream
	case "time_to_first_token_ms":
		return attrTTFT
	case "ttft_ms":
		return attrTTFTShort
	case "request_id":
		return attrRequestID
	case "error_type":
		return attrErrorType
	case "api_type":
		return attrAPIType
	}
	return -1
}

// trace reads the wb_trace_tree value of a row: its root span's timing,
// status and attributes. It fails where calls.FromRow fails, except for a
// broken model_dict_dumps, which only opening the call reports (reading
// it is most of the cost the load avoids).
func (z *summarizer) trace(b []byte, c *callSummary) error {
	s := jscan{b: b}
	var typeOK bool
	var dict, root []byte
	var dictEsc, rootEsc, haveRoot bool
	s.object(func(key []byte) {
		switch string(key) {
		case "_type":
			raw, esc := s.optString()
			typeOK = string(raw) == "wb_trace_tree" && !esc
			if esc {
				z.text, _ = unescape(z.text[:0], raw)
				typeOK = string(z.text) == "wb_trace_tree"
			}
		case "model_hash":
			s.optString()
		case "model_dict_dumps":
			dict, dictEsc = s.optString()
		case "root_span_dumps":
			root, rootEsc = s.optString()
			haveRoot = true
		default:
			s.skip()
		}
	})
	s.end()
	if s.err != nil {
		return fmt.Errorf("trace: %v", s.err)
	}
	if !typeOK {
		var tr struct {
			Type string `json:"_type"`
		}
		json.Unmarshal(b, &tr)
		return fmt.Errorf("trace: _type is %q, want wb_trace_tree", tr.Type)
	}
	span := root
	if rootEsc {
		var err error
		if z.span, err = unescape(z.span[:0], root); err != nil {
			return fmt.Errorf("trace: %v", err)
		}
		span = z.span
	}
	if !haveRoot || len(span) == 0 {
		return errors.New("trace root_span_dumps: unexpected end of JSON input")
	}
	if err := z.rootSpan(span, c); err != nil {
		return fmt.Errorf("trace root_span_dumps: %v", err)
	}
	if c.model == "" {
		c.model = modelInDict(dict, dictEsc)
	}
	return nil
}

// optString reads a string or null (nil), failing on other values.
func (s *jscan) optString() (raw []byte, escaped bool) {
	if s.peek() == 'n' {
		s.null()
		return nil, false
	}
	return s.str()
}

// rootSpan reads the root span.
func (z *summarizer) rootSpan(b []byte, c *callSummary) error {
	s := jscan{b: b}
	var attrs [numAttrs][]byte
	s.object(func(key []byte) {
		switch string(key) {
		case "start_time_ms":
			c.startMS = s.number()
		case "end_time_ms":
			c.endMS = s.number()
		case "status_code":
			raw, esc := s.optString()
			c.status = z.textOf(raw, esc, true)
		case "status_message":
			raw, esc := s.optString()
			c.StatusMessage = z.textOf(raw, esc, false)
		case "span_id", "name", "span_kind":
			s.optString()
		case "attributes":
			s.object(func(key []byte) {
				v := s.skip()
				if k := attrSlot(key); k >= 0 {
					attrs[k] = v
				}
			})
		case "results", "child_spans":
			if ch := s.peek(); ch != '[' && ch != 'n' {
				s.fail("cannot unmarshal %s into the span's %s list", s.what(), key)
				return
			}
			s.skip()
		default:
			s.skip()
		}
	})
	s.end()
	if s.err != nil {
		return s.err
	}
	c.method = z.attrText(attrs[attrMethod], true)
	c.model = z.attrText(attrs[attrModel], true)
	c.site = z.attrText(attrs[attrSite], true)
	c.endpoint = z.attrText(attrs[attrEndpoint], true)
	c.RequestID = z.attrText(attrs[attrRequestID], false)
	c.ErrorType = z.attrText(attrs[attrErrorType], true)
	c.apiType = z.attrText(attrs[attrAPIType], true)
	c.stream = z.attrText(attrs[attrStream], false) == "true"
	c.ttft = -1
	for _, raw := range [][]byte{attrs[attrTTFT], attrs[attrTTFTShort]} {
		if raw == nil {
			continue
		}
		if f, err := strconv.ParseFloat(strings.Trim(string(raw), `"`), 64); err == nil && f >= 0 {
			c.ttft = f
			break
		}
	}
	return nil
}

// textOf turns a string read by jscan into a Go string.
func (z *summarizer) textOf(raw []byte, esc, intern bool) string {
	if esc {
		var err error
		if z.text, err = unescape(z.text[:0], raw); err != nil {
			return string(raw)
		}
		raw = z.text
	}
	if len(raw) == 0 {
		return ""
	}
	if intern {
		return z.intern(raw)
	}
	return string(raw)
}

// attrText is calls.Call.Attr for a raw attribute value: strings
// unquoted, null and absent "", other values as written.
func (z *summarizer) attrText(raw []byte, intern bool) string {
	switch {
	case len(raw) == 0 || string(raw) == "null":
		return ""
	case raw[0] == '"':
		s := jscan{b: raw}
		str, esc := s.str()
		if s.err == nil && s.i == len(raw) {
			return z.textOf(str, esc, intern)
		}
	}
	if intern {
		return z.intern(raw)
	}
	return string(raw)
}

// modelInDict is the request's model in a model_dict_dumps string, for
// the rare call whose span does not name its model.
func modelInDict(raw []byte, esc bool) string {
	dict := raw
	if esc {
		var err error
		if dict, err = unescape(nil, raw); err != nil {
			return ""
		}
	}
	var d struct {
		Request json.RawMessage `json:"request"`
	}
	var r struct {
		Model string `json:"model"`
	}
	if len(dict) == 0 || json.Unmarshal(dict, &d) != nil || len(d.Request) == 0 || json.Unmarshal(d.Request, &r) != nil {
		return ""
	}
	return r.Model
}
