package wbopenai

import (
	"bytes"
	"encoding/json"
	"github.com/wbinstrument/wbinstrument/runtime/internal/jsonenc"
	"sort"
	"strconv"
	"strings"
)

// streamChunk reads chat and completion stream chunks.
type streamChunk struct {
	ID      string            `json:"id"`
	Model   string            `json:"model"`
	Usage   *usageJSON        `json:"usage"`
	Choices []chunkChoiceJSON `json:"choices"`
	Error   *errorJSON        `json:"error"`

	// usageRaw is the usage object as the server sent it, details and
	// all, when the scanner decoded the chunk.
	usageRaw []byte
	// choicesBuf is the array decodeChunk reuses for the next chunk's
	// choices (set on the previous chunk it is given).
	choicesBuf []chunkChoiceJSON
}

type chunkChoiceJSON struct {
	Index int    `json:"index"`
	Text  string `json:"text"`
	Delta struct {
		Content   string              `json:"content"`
		ToolCalls []chunkToolCallJSON `json:"tool_calls"`
	} `json:"delta"`
	FinishReason *string `json:"finish_reason"`
}

type chunkToolCallJSON struct {
	Index    *int         `json:"index"`
	ID       string       `json:"id"`
	Function functionJSON `json:"function"`
}

const (
	chunkID = iota
	chunkModel
	chunkUsage
	chunkChoices
	chunkError
)

const (
	chunkChoiceIndex = iota
	chunkChoiceText
	chunkChoiceDelta
	chunkChoiceFinishReason
)

const (
	deltaContent = iota
	deltaToolCalls
)

const (
	chunkToolCallIndex = iota
	chunkToolCallID
	chunkToolCallFunction
)

var (
	chunkKeys       = [...]string{chunkID: "id", chunkModel: "model", chunkUsage: "usage", chunkChoices: "choices", chunkError: "error"}
	chunkChoiceKeys = [...]string{chunkChoiceIndex: "index", chunkChoiceText: "text", chunkChoiceDelta: "delta",
		chunkChoiceFinishReason: "finish_reason"}
	deltaKeys         = [...]string{deltaContent: "content", deltaToolCalls: "tool_calls"}
	chunkToolCallKeys = [...]string{chunkToolCallIndex: "index", chunkToolCallID: "id", chunkToolCallFunction: "function"}
)

// rawUsage is the usage member of a chunk encoding/json decoded, as sent.
func rawUsage(payload []byte) []byte {
	var v struct {
		Usage json.RawMessage `json:"usage"`
	}
	if json.Unmarshal(payload, &v) != nil {
		return nil
	}
	return v.Usage
}

// decodeChunk decodes a stream chunk into ch as json.Unmarshal does,
// with the scanner when it can. prev is the chunk before: its id and
// model, which every chunk repeats, are reused rather than copied again.
func decodeChunk(payload []byte, ch *streamChunk, prev *streamChunk) error {
	c := &jcur{b: payload}
	c.ws()
	c.chunk(ch, prev)
	scanned, err := orUnmarshal(c, ch)
	if !scanned && err == nil && ch.Usage != nil {
		ch.usageRaw = rawUsage(payload)
	}
	return err
}

func (c *jcur) chunk(ch *streamChunk, prev *streamChunk) {
	c.object(chunkKeys[:], func(f int) {
		switch f {
		case chunkID:
			ch.ID = c.same(prev.ID)
		case chunkModel:
			ch.Model = c.same(prev.Model)
		case chunkUsage:
			start := c.i
			ch.Usage = c.usage()
			if ch.Usage != nil {
				ch.usageRaw = bytes.TrimSpace(c.b[start:c.i])
			}
		case chunkChoices:
			// Into prev's buffer: a chunk's choices are read before the
			// next chunk is decoded.
			ch.Choices = objectsInto(c, prev.choicesBuf, c.chunkChoice)
			prev.choicesBuf = ch.Choices
		case chunkError:
			ch.Error = c.errorJSON()
		}
	})
}

func (c *jcur) chunkChoice(ch *chunkChoiceJSON) {
	c.object(chunkChoiceKeys[:], func(f int) {
		switch f {
		case chunkChoiceIndex:
			ch.Index, _ = c.integer()
		case chunkChoiceText:
			ch.Text = c.string()
		case chunkChoiceDelta:
			if !c.null() {
				c.object(deltaKeys[:], func(f int) {
					switch f {
					case deltaContent:
						ch.Delta.Content = c.string()
					case deltaToolCalls:
						ch.Delta.ToolCalls = objects(c, c.chunkToolCall)
					}
				})
			}
		case chunkChoiceFinishReason:
			ch.FinishReason = c.strPtr()
		}
	})
}

func (c *jcur) chunkToolCall(tc *chunkToolCallJSON) {
	c.object(chunkToolCallKeys[:], func(f int) {
		switch f {
		case chunkToolCallIndex:
			tc.Index = c.intPtr()
		case chunkToolCallID:
			tc.ID = c.string()
		case chunkToolCallFunction:
			c.function(&tc.Function)
		}
	})
}

// responsesEvent reads Responses API stream events.
type responsesEvent struct {
	Type     string          `json:"type"`
	Delta    string          `json:"delta"`
	Response json.RawMessage `json:"response"`
	Message  string          `json:"message"`
	Code     json.RawMessage `json:"code"`
}

const (
	eventType = iota
	eventDelta
	eventResponse
	eventMessage
	eventCode
)

var responsesEventKeys = [...]string{eventType: "type", eventDelta: "delta", eventResponse: "response", eventMessage: "message", eventCode: "code"}

// decodeResponsesEvent decodes a Responses API event into e as
// json.Unmarshal does, with the scanner when it can. Response and Code
// then point into payload rather than being copies.
func decodeResponsesEvent(payload []byte, e *responsesEvent) error {
	c := &jcur{b: payload}
	c.ws()
	c.responsesEvent(e)
	_, err := orUnmarshal(c, e)
	return err
}

func (c *jcur) responsesEvent(e *responsesEvent) {
	c.object(responsesEventKeys[:], func(f int) {
		switch f {
		case eventType:
			e.Type = c.string()
		case eventDelta:
			e.Delta = c.string()
		case eventResponse:
			e.Response = c.raw()
		case eventMessage:
			e.Message = c.string()
		case eventCode:
			e.Code = c.raw()
		}
	})
}

type choiceAcc struct {
	index  int
	text   []byte
	finish string
	tools  map[int]*toolCallInfo
}

// streamScratch is what parseStream reuses from stream to stream (it
// lives in the session's callInfo): the choices' accumulators, their
// text buffers, the chunks' choice lists.
type streamScratch struct {
	accs    []choiceAcc
	choices []chunkChoiceJSON
}

// acc is the accumulator of choice index, added if new.
func (sc *streamScratch) acc(index int) *choiceAcc {
	for i := range sc.accs {
		if sc.accs[i].index == index {
			return &sc.accs[i]
		}
	}
	n := len(sc.accs)
	if n < cap(sc.accs) {
		sc.accs = sc.accs[:n+1] // its text buffer is kept for reuse
	} else {
		sc.accs = append(sc.accs, choiceAcc{})
	}
	a := &sc.accs[n]
	a.index, a.text, a.finish, a.tools = index, a.text[:0], "", nil
	return a
}

// parseStream assembles a streamed answer (content, tool-call arguments,
// finish reasons, usage) from the server-sent events the user read.
func parseStream(c *callInfo, ev *event) {
	data := ev.resp.head
	if ev.resp.truncated() {
		c.note("stream_truncated_in_log", true)
	}
	if c.kind == kindResponses {
		parseResponsesStream(c, data)
		return
	}
	var id string
	var prev streamChunk
	if c.streamBuf == nil {
		c.streamBuf = &streamScratch{}
	}
	sc := c.streamBuf
	sc.accs = sc.accs[:0]
	prev.choicesBuf = sc.choices
	done, badChunk := false, false
	for payload, rest, ok := nextData(data); ok; payload, rest, ok = nextData(rest) {
		if string(payload) == "[DONE]" {
			done = true
			continue
		}
		var ch streamChunk
		if decodeChunk(payload, &ch, &prev) != nil {
			badChunk = true
			continue
		}
		prev.ID, prev.Model = ch.ID, ch.Model
		if ch.Error != nil {
			c.failed = true
			c.errMessage, c.errType, c.errCode = ch.Error.Message, ch.Error.Type, rawString(ch.Error.Code)
			continue
		}
		if ch.ID != "" {
			id = ch.ID
		}
		if ch.Model != "" {
			c.model = ch.Model
		}
		if ch.Usage != nil {
			c.usage = ch.Usage.info()
			c.usageRaw = ch.usageRaw
		}
		for _, d := range ch.Choices {
			acc := sc.acc(d.Index)
			acc.text = append(acc.text, d.Delta.Content...)
			acc.text = append(acc.text, d.Text...)
			if d.FinishReason != nil && *d.FinishReason != "" {
				acc.finish = *d.FinishReason
			}
			for _, tc := range d.Delta.ToolCalls {
				i := 0
				if tc.Index != nil {
					i = *tc.Index
				}
				if acc.tools == nil {
					acc.tools = map[int]*toolCallInfo{}
				}
				t := acc.tools[i]
				if t == nil {
					t = &toolCallInfo{}
					acc.tools[i] = t
				}
				if tc.ID != "" {
					t.ID = tc.ID
				}
				if tc.Function.Name != "" {
					t.Name = tc.Function.Name
				}
				t.Arguments += tc.Function.Arguments
			}
		}
	}
	if !c.usage.has && ev.resp.truncated() {
		c.usage = usageFromTail(ev.resp.tailBytes())
	}
	if !c.usage.has {
		c.usageMissing = true
	}
	// A capture cut in the middle can split a chunk; only a whole
	// capture tells a malformed stream.
	whole := !ev.resp.truncated()
	switch {
	case c.failed || ev.err != nil:
	case badChunk && whole:
		// go-openai hands the user the decoding error of that chunk.
		c.failed = true
		c.errType = "invalid_stream"
		c.errMessage = "the server sent a stream event that is not valid JSON"
	case !done && whole && !ev.closedEarly && !ev.abandoned && !finished(sc.accs):
		// The body ended without [DONE] or a finish reason: the user
		// got io.EOF from a stream that was cut short.
		c.failed = true
		c.errType = "stream_truncated"
		c.errMessage = "the stream ended before [DONE]"
	case !done:
		c.note("stream_incomplete", true)
	}
	sc.choices = prev.choicesBuf
	c.respBody = assembled(c, id, sc.accs)
	c.respValid = c.respBody != nil // json.Marshal wrote it
}

// assembled builds the response a non-streamed call would have returned,
// for the trace. It writes the bytes json.Marshal wrote for the struct
// (and maps) this was once built as, without their reflection and maps.
func assembled(c *callInfo, id string, accs []choiceAcc) []byte {
	// By index, as the map this was once built from was sorted: accs
	// are few, in the order their chunks came.
	for i := 1; i < len(accs); i++ {
		for j := i; j > 0 && accs[j].index < accs[j-1].index; j-- {
			accs[j], accs[j-1] = accs[j-1], accs[j]
		}
	}
	size := 256
	for i := range accs {
		acc := &accs[i]
		size += len(acc.text) + len(acc.text)/8 + 64
		for _, t := range acc.tools {
			size += len(t.Arguments) + len(t.Arguments)/4 + len(t.ID) + len(t.Name) + 64
		}
	}
	b := make([]byte, 0, size)
	b = append(b, '{')
	if id != "" {
		b = append(b, `"id":`...)
		b = appendString(b, id)
		b = append(b, ',')
	}
	object := ""
	if len(accs) > 0 {
		object = "chat.completion"
		if c.kind == kindCompletion {
			object = "text_completion"
		}
	}
	b = append(b, `"object":`...)
	b = appendString(b, object)
	if c.model != "" {
		b = append(b, `,"model":`...)
		b = appendString(b, c.model)
	}
	b = append(b, `,"choices":[`...)
	for n := range accs {
		acc := &accs[n]
		i := acc.index
		if acc.finish != "" {
			c.finishReasons = append(c.finishReasons, acc.finish)
		}
		if n > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"index":`...)
		b = strconv.AppendInt(b, int64(i), 10)
		if c.kind == kindCompletion {
			b = append(b, `,"text":`...)
			b = jsonenc.AppendString(b, acc.text)
		} else {
			b = append(b, `,"message":{"role":"assistant","content":`...)
			b = jsonenc.AppendString(b, acc.text)
			tidx := toolIndexes(make([]int, 0, len(acc.tools)), acc.tools)
			for k, j := range tidx {
				t := acc.tools[j]
				c.toolCalls = append(c.toolCalls, *t)
				if k == 0 {
					b = append(b, `,"tool_calls":[`...)
				} else {
					b = append(b, ',')
				}
				// Map keys, sorted as json.Marshal sorts them.
				b = append(b, `{"function":{"arguments":`...)
				b = appendString(b, t.Arguments)
				b = append(b, `,"name":`...)
				b = appendString(b, t.Name)
				b = append(b, `},"id":`...)
				b = appendString(b, t.ID)
				b = append(b, `,"type":"function"}`...)
			}
			if len(tidx) > 0 {
				b = append(b, ']')
			}
			b = append(b, '}')
		}
		b = append(b, `,"finish_reason":`...)
		b = appendString(b, acc.finish)
		b = append(b, '}')
	}
	b = append(b, ']')
	if len(c.usageRaw) > 0 && c.usage.has {
		// As sent: the token details (cached, reasoning, audio...) too.
		b = append(b, `,"usage":`...)
		b = append(b, c.usageRaw...)
	} else if c.usage.has {
		b = append(b, `,"usage":{"completion_tokens":`...)
		b = strconv.AppendInt(b, int64(c.usage.completion), 10)
		b = append(b, `,"prompt_tokens":`...)
		b = strconv.AppendInt(b, int64(c.usage.prompt), 10)
		b = append(b, `,"total_tokens":`...)
		b = strconv.AppendInt(b, int64(c.usage.total), 10)
		b = append(b, '}')
	}
	return append(b, '}')
}

// parseResponsesStream reads a Responses API stream: text deltas and the
// final response object, which carries the usage.
func parseResponsesStream(c *callInfo, data []byte) {
	var text strings.Builder
	var final json.RawMessage
	for payload, rest, ok := nextData(data); ok; payload, rest, ok = nextData(rest) {
		var e responsesEvent
		if decodeResponsesEvent(payload, &e) != nil {
			continue
		}
		switch e.Type {
		case "response.output_text.delta":
			text.WriteString(e.Delta)
		case "response.completed", "response.incomplete", "response.failed":
			final = e.Response
			if e.Type != "response.completed" {
				c.note("response_status", strings.TrimPrefix(e.Type, "response."))
			}
			if e.Type == "response.failed" {
				c.failed = true
			}
		case "error":
			c.failed = true
			c.errMessage, c.errCode = e.Message, rawString(e.Code)
		}
	}
	if final != nil {
		var r responseJSON
		if _, err := decodeResponse(final, &r); err == nil {
			if r.Model != "" {
				c.model = r.Model
			}
			c.usage = r.Usage.info()
			for _, o := range r.Output {
				if o.Type == "function_call" {
					c.toolCalls = append(c.toolCalls, toolCallInfo{ID: o.CallID, Name: o.Name, Arguments: o.Arguments})
				}
			}
			if r.Error != nil && r.Error.Message != "" {
				c.errMessage, c.errType = r.Error.Message, r.Error.Type
			}
		}
		// A value of an event that decoded: valid JSON.
		c.respBody, c.respValid = final, true
	} else {
		b, _ := json.Marshal(map[string]string{"output_text": text.String()})
		c.respBody, c.respValid = b, true
	}
	if !c.usage.has {
		c.usageMissing = true
	}
}

// nextData finds the next data line of the event stream in data: its
// payload, trimmed, and the stream after it; ok is false when none is
// left. Other lines (event:, id:, comments, blank lines) are passed over.
func nextData(data []byte) (payload, rest []byte, ok bool) {
	for len(data) > 0 {
		var line []byte
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			line, data = data, nil
		}
		line = bytes.TrimSpace(line)
		if bytes.HasPrefix(line, dataPrefix) {
			return bytes.TrimSpace(line[len(dataPrefix):]), data, true
		}
	}
	return nil, nil, false
}

// toolIndexes appends to tidx the indexes of a choice's tool calls in
// order, as json.Marshal sorts a map's keys.
func toolIndexes(tidx []int, tools map[int]*toolCallInfo) []int {
	for j := range tools {
		tidx = append(tidx, j)
	}
	sort.Ints(tidx)
	return tidx
}

// finished reports whether any choice of a stream got a finish reason.
func finished(accs []choiceAcc) bool {
	for i := range accs {
		if accs[i].finish != "" {
			return true
		}
	}
	return false
}
