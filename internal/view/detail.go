package view

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/wbinstrument/wbinstrument/internal/calls"
	"github.com/wbinstrument/wbinstrument/internal/msgcontent"
	"github.com/wbinstrument/wbinstrument/runtime/wandb/wandbfile"
)

// Message is one request message, reduced to text for display.
type Message struct {
	Role       string     `json:"role"`
	Name       string     `json:"name,omitempty"`
	Content    string     `json:"content"`
	ToolCalls  []ToolCall `json:"toolCalls,omitempty"`
	ToolCallID string     `json:"toolCallId,omitempty"`
}

// ToolCall is a function call the model asked for (or a request message
// carried).
type ToolCall struct {
	ID        string `json:"id,omitempty"`
	Name      string `json:"name"`
	Arguments string `json:"arguments"`
}

// KV is one attribute as display text, in a stable order.
type KV struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// CallError is what went wrong with a failed call.
type CallError struct {
	Message    string `json:"message"`
	Type       string `json:"type,omitempty"`
	Code       string `json:"code,omitempty"`
	HTTPStatus string `json:"httpStatus,omitempty"`
}

// Detail is everything the call page shows.
type Detail struct {
	Row
	Index         int             `json:"index"`
	End           float64         `json:"end"`
	StatusMessage string          `json:"statusMessage,omitempty"`
	Cached        int64           `json:"cachedTokens"`
	Reasoning     int64           `json:"reasoningTokens"`
	Messages      []Message       `json:"messages"`
	Input         string          `json:"input,omitempty"` // prompt or input that is not a message list
	Params        []KV            `json:"params"`          // other request fields (temperature, ...)
	ResponseText  string          `json:"responseText"`
	ToolCalls     []ToolCall      `json:"toolCalls"`
	FinishReasons []string        `json:"finishReasons"`
	Attributes    []KV            `json:"attributes"`
	RateLimits    []KV            `json:"rateLimits"`
	Error         *CallError      `json:"error"`
	Usage         []KV            `json:"usage"` // the row's usage/* keys
	Request       json.RawMessage `json:"request"`
	Response      json.RawMessage `json:"response"`
	Stats         *StatsTable     `json:"stats"`
	StatsError    string          `json:"statsError,omitempty"`
	Prev          int             `json:"prev"` // -1 at the first call
	Next          int             `json:"next"` // -1 at the last call
}

// StatsTable is the call's row of the W&B stats table that holds it: the
// runtime logs one table per batch of calls, with the batch's last call.
type StatsTable struct {
	Path    string          `json:"path"`
	Columns []string        `json:"columns"`
	Data    [][]interface{} `json:"data"`  // the call's row only
	Rows    int             `json:"rows"`  // rows in the table
	Index   int             `json:"index"` // the call's row in it, from 0
}

// TableRef is a history row that references a stats table.
type TableRef struct {
	Row    int   // history row number
	Offset int64 // byte offset of its record in the .wandb file
}

// detail builds the call page for call i, reading the call from the log.
func (s *Snapshot) detail(i int) (*Detail, error) {
	call, err := s.Call(i)
	if err != nil {
		return nil, err
	}
	c := &call
	d := &Detail{Row: s.row(int32(i)), Index: i, End: s.idx.entries[i].end, StatusMessage: c.StatusMessage}
	d.Prev, d.Next = i-1, i+1
	if d.Next >= len(s.Calls) {
		d.Next = -1
	}
	d.Cached = int64(rowNumber(c.Row, "usage/cached_tokens"))
	d.Reasoning = int64(rowNumber(c.Row, "usage/reasoning_tokens"))
	d.Request, d.Response = c.Request, c.Response
	if len(d.Request) == 0 {
		d.Request = nil
	}
	if len(d.Response) == 0 {
		d.Response = nil
	}
	d.Messages, d.Input, d.Params = requestParts(c.Request)
	d.ResponseText, d.ToolCalls, d.FinishReasons = responseParts(c.Response)
	if d.Messages == nil {
		d.Messages = []Message{}
	}
	if d.ToolCalls == nil {
		d.ToolCalls = attrToolCalls(c)
	}
	if d.FinishReasons == nil {
		d.FinishReasons = attrStrings(c, "finish_reasons")
	}
	d.Attributes, d.RateLimits = splitAttributes(c.Attributes)
	d.Error = callError(c)
	for k, v := range c.Row {
		if strings.HasPrefix(k, "usage/") {
			d.Usage = append(d.Usage, KV{k, string(v)})
		}
	}
	sort.Slice(d.Usage, func(a, b int) bool { return d.Usage[a].Key < d.Usage[b].Key })
	d.Stats, d.StatsError = s.statsTable(i, c)
	return d, nil
}

// requestParts reduces a request body to its messages (chat), its prompt
// or input as text (completions, embeddings, Responses API) and the
// remaining parameters.
func requestParts(raw json.RawMessage) (msgs []Message, input string, params []KV) {
	var req map[string]json.RawMessage
	if len(raw) == 0 || json.Unmarshal(raw, &req) != nil {
		return nil, "", []KV{}
	}
	for k, v := range req {
		switch k {
		case "messages":
			msgs = decodeMessages(v)
		case "input":
			if m := decodeMessages(v); len(m) > 0 {
				msgs = append(msgs, m...)
			} else {
				input = contentText(v)
			}
		case "instructions":
			msgs = append([]Message{{Role: "instructions", Content: contentText(v)}}, msgs...)
		case "prompt":
			input = contentText(v)
		default:
			params = append(params, KV{k, compact(v)})
		}
	}
	sort.Slice(params, func(a, b int) bool { return params[a].Key < params[b].Key })
	if params == nil {
		params = []KV{}
	}
	return msgs, input, params
}

// wireToolCall is a tool call as OpenAI sends it, in a request's
// messages and in a response's choices.
type wireToolCall struct {
	ID       string `json:"id"`
	Function struct {
		Name      string `json:"name"`
		Arguments string `json:"arguments"`
	} `json:"function"`
}

func decodeMessages(raw json.RawMessage) []Message {
	var in []struct {
		Role       string          `json:"role"`
		Name       string          `json:"name"`
		Content    json.RawMessage `json:"content"`
		ToolCallID string          `json:"tool_call_id"`
		ToolCalls  []wireToolCall  `json:"tool_calls"`
		Type       string          `json:"type"`
	}
	if json.Unmarshal(raw, &in) != nil {
		return nil
	}
	out := make([]Message, 0, len(in))
	for _, m := range in {
		role := m.Role
		if role == "" {
			role = m.Type
		}
		msg := Message{Role: role, Name: m.Name, Content: contentText(m.Content), ToolCallID: m.ToolCallID}
		for _, tc := range m.ToolCalls {
			msg.ToolCalls = append(msg.ToolCalls, ToolCall{tc.ID, tc.Function.Name, tc.Function.Arguments})
		}
		out = append(out, msg)
	}
	return out
}

// contentText renders a message content: a string as is, a list of parts
// as their texts, images as a placeholder (data URLs are not worth showing).
func contentText(raw json.RawMessage) string {
	s, parts, ok := msgcontent.Decode[shownPart](raw)
	if !ok {
		return compact(raw)
	}
	if parts == nil {
		return s
	}
	var b strings.Builder
	for i, p := range parts {
		if i > 0 {
			b.WriteByte('\n')
		}
		switch {
		case p.Text != "":
			b.WriteString(p.Text)
		case p.ImageURL != nil:
			u := p.ImageURL.URL
			if strings.HasPrefix(u, "data:") {
				u = u[:strings.IndexByte(u+",", ',')] + ",…"
			}
			fmt.Fprintf(&b, "[image: %s]", u)
		default:
			fmt.Fprintf(&b, "[%s part]", p.Type)
		}
	}
	return b.String()
}

// shownPart is a content part with what contentText shows of an image.
type shownPart struct {
	msgcontent.Part
	ImageURL *struct {
		URL string `json:"url"`
	} `json:"image_url"`
}

// responseParts finds the answer text, tool calls and finish reasons of
// the shapes the runtime logs: chat completions (also assembled streams),
// legacy completions, the Responses API, embeddings.
func responseParts(raw json.RawMessage) (text string, tools []ToolCall, finish []string) {
	if len(raw) == 0 {
		return "", nil, nil
	}
	var r struct {
		Choices []struct {
			Text         string `json:"text"`
			FinishReason string `json:"finish_reason"`
			Message      *struct {
				Content   json.RawMessage `json:"content"`
				Refusal   string          `json:"refusal"`
				ToolCalls []wireToolCall  `json:"tool_calls"`
			} `json:"message"`
			Delta *struct {
				Content string `json:"content"`
			} `json:"delta"`
		} `json:"choices"`
		Output []struct {
			Type      string `json:"type"`
			CallID    string `json:"call_id"`
			Name      string `json:"name"`
			Arguments string `json:"arguments"`
			Content   []struct {
				Type string `json:"type"`
				Text string `json:"text"`
			} `json:"content"`
		} `json:"output"`
		Data []struct {
			Embedding json.RawMessage `json:"embedding"`
		} `json:"data"`
		Object string `json:"object"`
	}
	if json.Unmarshal(raw, &r) != nil {
		// Not JSON (a truncated or non-JSON body): show it as text.
		return string(raw), nil, nil
	}
	var b strings.Builder
	add := func(s string) {
		if s == "" {
			return
		}
		if b.Len() > 0 {
			b.WriteString("\n\n")
		}
		b.WriteString(s)
	}
	for _, ch := range r.Choices {
		if ch.FinishReason != "" {
			finish = append(finish, ch.FinishReason)
		}
		switch {
		case ch.Message != nil:
			add(contentText(ch.Message.Content))
			if ch.Message.Refusal != "" {
				add("[refusal] " + ch.Message.Refusal)
			}
			for _, tc := range ch.Message.ToolCalls {
				tools = append(tools, ToolCall{tc.ID, tc.Function.Name, tc.Function.Arguments})
			}
		case ch.Delta != nil:
			add(ch.Delta.Content)
		default:
			add(ch.Text)
		}
	}
	for _, o := range r.Output {
		switch o.Type {
		case "function_call":
			tools = append(tools, ToolCall{o.CallID, o.Name, o.Arguments})
		default:
			for _, c := range o.Content {
				add(c.Text)
			}
		}
	}
	if len(r.Data) > 0 && b.Len() == 0 {
		var v []json.RawMessage
		dims := 0
		if json.Unmarshal(r.Data[0].Embedding, &v) == nil {
			dims = len(v)
		}
		add(fmt.Sprintf("[%d embedding(s), %d dimensions]", len(r.Data), dims))
	}
	return b.String(), tools, finish
}

func attrToolCalls(c *calls.Call) []ToolCall {
	var tcs []ToolCall
	if raw, ok := c.Attributes["tool_calls"]; ok {
		if json.Unmarshal(raw, &tcs) != nil {
			var s string
			if json.Unmarshal(raw, &s) == nil {
				_ = json.Unmarshal([]byte(s), &tcs)
			}
		}
	}
	if tcs == nil {
		tcs = []ToolCall{}
	}
	return tcs
}

func attrStrings(c *calls.Call, key string) []string {
	var out []string
	if raw, ok := c.Attributes[key]; ok {
		if json.Unmarshal(raw, &out) != nil {
			if s := c.Attr(key); s != "" {
				out = strings.Split(s, ",")
			}
		}
	}
	if out == nil {
		out = []string{}
	}
	return out
}

// splitAttributes renders the span attributes as text and sets the
// rate-limit ones apart, whether logged flat ("x-ratelimit-...") or as
// one object ("ratelimit": {...}).
func splitAttributes(attrs map[string]json.RawMessage) (other, limits []KV) {
	other, limits = []KV{}, []KV{}
	for k, v := range attrs {
		if !strings.Contains(strings.ToLower(k), "ratelimit") && !strings.Contains(strings.ToLower(k), "rate_limit") {
			other = append(other, KV{k, textOf(v)})
			continue
		}
		var m map[string]json.RawMessage
		if json.Unmarshal(v, &m) == nil {
			for k2, v2 := range m {
				limits = append(limits, KV{k2, textOf(v2)})
			}
			continue
		}
		limits = append(limits, KV{k, textOf(v)})
	}
	sort.Slice(other, func(a, b int) bool { return other[a].Key < other[b].Key })
	sort.Slice(limits, func(a, b int) bool { return limits[a].Key < limits[b].Key })
	return other, limits
}

func callError(c *calls.Call) *CallError {
	if statusOf(c) != "ERROR" && c.Attr("error_type") == "" && c.Attr("error") == "" {
		return nil
	}
	e := &CallError{Message: c.StatusMessage, Type: c.Attr("error_type"), Code: c.Attr("error_code"), HTTPStatus: c.Attr("http_status")}
	if e.Message == "" {
		e.Message = c.Attr("error")
	}
	if e.Message == "" {
		var r struct {
			Error struct {
				Message string `json:"message"`
			} `json:"error"`
		}
		if json.Unmarshal(c.Response, &r) == nil {
			e.Message = r.Error.Message
		}
	}
	return e
}

// statsTable reads the call's row of the stats table that holds it: the
// table of the first row at or after the call's that references one,
// whose last row is that row's, one row per history row before it. It
// never reads outside the run's files/ directory.
func (s *Snapshot) statsTable(i int, c *calls.Call) (*StatsTable, string) {
	callRow := s.Calls[i].Row
	k := sort.Search(len(s.Tables), func(k int) bool { return s.Tables[k].Row >= callRow })
	if k == len(s.Tables) {
		return nil, ""
	}
	ref := s.Tables[k]
	raw := c.Row["stats"]
	if ref.Row != callRow {
		var err error
		if raw, err = s.rowValue(ref.Offset, "stats"); err != nil {
			return nil, fmt.Sprintf("stats: %v", err)
		}
	}
	var tref struct {
		Type  string `json:"_type"`
		Path  string `json:"path"`
		NRows int    `json:"nrows"`
	}
	if err := json.Unmarshal(raw, &tref); err != nil || tref.Path == "" {
		return nil, "stats: not a table-file reference"
	}
	rel := filepath.FromSlash(tref.Path)
	if filepath.IsAbs(rel) || strings.HasPrefix(filepath.Clean(rel), "..") {
		return nil, fmt.Sprintf("stats: table path %q leaves the run's files directory", tref.Path)
	}
	dir := filepath.Dir(s.Data.Path)
	full := filepath.Join(dir, "files", rel)
	b, err := os.ReadFile(full)
	if err != nil {
		return nil, fmt.Sprintf("stats: %v", err)
	}
	t := &StatsTable{Path: tref.Path}
	if err := json.Unmarshal(b, t); err != nil {
		return nil, fmt.Sprintf("stats: %s: %v", full, err)
	}
	t.Path, t.Rows = tref.Path, len(t.Data)
	t.Index = len(t.Data) - 1 - (ref.Row - callRow)
	if t.Index < 0 {
		return nil, fmt.Sprintf("stats: %s has %d rows, not the call's (history row %d, the table's row is %d)", full, len(t.Data), callRow, ref.Row)
	}
	t.Data = t.Data[t.Index : t.Index+1]
	return t, ""
}

// rowValue reads one value of the history row at offset.
func (s *Snapshot) rowValue(offset int64, key string) (json.RawMessage, error) {
	f, err := os.Open(s.Data.Path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	p, _, err := wandbfile.NewReaderAt(f, offset).NextPayload()
	if err != nil {
		return nil, fmt.Errorf("%s: byte %d: %v", s.Data.Path, offset, err)
	}
	var v json.RawMessage
	if _, _, err := wandbfile.ScanHistory(p, func(k, val []byte) {
		if string(k) == key {
			v = append(json.RawMessage(nil), val...)
		}
	}); err != nil || v == nil {
		return nil, fmt.Errorf("%s: byte %d: no %s in the row (%v)", s.Data.Path, offset, key, err)
	}
	return v, nil
}

// textOf shows a JSON value as text: strings unquoted, the rest compact.
func textOf(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return compact(raw)
}

func compact(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var v interface{}
	if json.Unmarshal(raw, &v) != nil {
		return string(raw)
	}
	// The text is shown, not embedded in HTML: keep <, > and & readable.
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if enc.Encode(v) != nil {
		return string(raw)
	}
	return strings.TrimSuffix(b.String(), "\n")
}
