package wbopenai

import (
	"bytes"
	"encoding/json"
	"strconv"
	"unicode/utf8"

	"github.com/wbinstrument/wbinstrument/runtime/internal/jsonenc"
	"github.com/wbinstrument/wbinstrument/runtime/otlp"
)

// The span of a chat call is built from the bodies with the scanner
// (jsonscan.go's jcur: this file adds readers to it, not a walker of its
// own), which reads the request's parameters and messages and the
// answer's messages in one pass each and writes the GenAI message JSON
// straight from the bodies' bytes. Why: encoding/json, which decoded both
// bodies into structs and marshaled the messages back, cost most of the
// span (BenchmarkLogBreakdown). Its twin is genaiAttrs (genai.go and
// genai_content.go), the encoding/json path: like the scanner, this path
// gives up on whatever it could read differently from encoding/json
// (invalid JSON, a field of another type, content given as a list of
// parts, arguments json.Marshal would compact or escape...), and
// genaiAttrs does those calls. TestGenAIFastMatches and FuzzGenAIFast
// check that both give the same attributes and content.

// spanScratch holds a session's span buffers, reused from call to call.
type spanScratch struct {
	attrs   []otlp.KeyValue
	in, out []byte
	buf     []byte
	name    string // the last span name made, reused while it repeats
	calls   []fastToolCall
	stop    []string
}

// jstr is a JSON string as it is in a body: its raw contents and what
// they hold.
type jstr struct {
	raw       []byte
	esc, high bool
	set       bool
}

// appendJSON appends the string as json.Marshal writes its value.
func (s jstr) appendJSON(b []byte) []byte {
	if !s.esc && (!s.high || utf8.Valid(s.raw)) {
		return jsonenc.AppendString(b, s.raw)
	}
	return jsonenc.AppendString(b, unquote(s.raw, s.esc, s.high))
}

func (s jstr) empty() bool { return len(s.raw) == 0 }

// is tells whether the string's value is v.
func (s jstr) is(v string) bool {
	if s.esc {
		return unquote(s.raw, s.esc, s.high) == v
	}
	return string(s.raw) == v
}

// jstring reads a string value (null reads as unset).
func (c *jcur) jstring() jstr {
	if c.null() {
		return jstr{}
	}
	if c.peek() != '"' {
		c.fail = true
		return jstr{}
	}
	raw, esc, high := c.str()
	return jstr{raw: raw, esc: esc, high: high, set: true}
}

// genai is genaiAttrs, with the scanner for chat calls.
func (ss *spanScratch) genai(ev *event, c *callInfo, reqB, respB []byte, content bool) (name string, a []otlp.KeyValue, in, out []byte) {
	if c.kind == kindChat {
		var f genaiFields
		if in, out, ok := ss.chatFast(ev, c, reqB, respB, content, &f); ok {
			name, a = genaiFromFields(ev, c, &f, ss.attrs[:0], ss.name)
			ss.attrs, ss.name = a, name
			return name, a, in, out
		}
	}
	return genaiAttrs(ev, c, reqB, respB, content)
}

// Request members a chat span reads, by index into chatRequestKeys.
const (
	reqModel = iota
	reqTemperature
	reqTopP
	reqMaxTokens
	reqMaxCompletionTokens
	reqMaxOutputTokens
	reqFrequencyPenalty
	reqPresencePenalty
	reqSeed
	reqN
	reqStop
	reqMessages
)

var chatRequestKeys = [...]string{
	reqModel: "model", reqTemperature: "temperature", reqTopP: "top_p", reqMaxTokens: "max_tokens",
	reqMaxCompletionTokens: "max_completion_tokens", reqMaxOutputTokens: "max_output_tokens",
	reqFrequencyPenalty: "frequency_penalty", reqPresencePenalty: "presence_penalty",
	reqSeed: "seed", reqN: "n", reqStop: "stop", reqMessages: "messages",
}

// Message members, by index into messageMemberKeys.
const (
	msgType = iota
	msgRole
	msgName
	msgContent
	msgToolCallID
	msgToolCalls
)

var messageMemberKeys = [...]string{
	msgType: "type", msgRole: "role", msgName: "name", msgContent: "content",
	msgToolCallID: "tool_call_id", msgToolCalls: "tool_calls",
}

// genaiRequest and oaiMessage also decode members a chat span never
// uses (prompt, input, instructions; call_id, arguments, output): the
// scanner skips them, since encoding/json goes on decoding the rest
// after a type error in one.

// Answer members, by index into chatResponseKeys.
const (
	ansID = iota
	ansModel
	ansChoices
)

var chatResponseKeys = [...]string{ansID: "id", ansModel: "model", ansChoices: "choices"}

const (
	ansChoiceMessage = iota
	ansChoiceText
	ansChoiceFinishReason
)

var ansChoiceKeys = [...]string{ansChoiceMessage: "message", ansChoiceText: "text", ansChoiceFinishReason: "finish_reason"}

var fastToolCallKeys = [...]string{toolCallID: "id", toolCallFunction: "function"}

type fastToolCall struct {
	id, name, args jstr
}

// fastMessage is an oaiMessage as the scanner reads it.
type fastMessage struct {
	role, name, toolCallID jstr
	content                jstr // a string, or unset for null or no content
	calls                  []fastToolCall
}

// chatFast reads a chat call's span fields and content with the scanner;
// ok is false when genaiAttrs must do it.
func (ss *spanScratch) chatFast(ev *event, c *callInfo, reqB, respB []byte, content bool, f *genaiFields) (in, out []byte, ok bool) {
	if reqB != nil && !ev.reqBinary {
		in, ok = ss.chatRequest(reqB, content, f)
		if !ok {
			return nil, nil, false
		}
	} else if content {
		in = nil
	}
	if respB != nil && !c.failed {
		out, ok = ss.chatResponse(respB, content, f)
		if !ok {
			return nil, nil, false
		}
	} else if content {
		out = nil // no choices: json.Marshal of no messages is never made
	}
	if !content {
		in, out = nil, nil
	}
	return in, out, true
}

// chatRequest reads the request's parameters into f and, with content,
// writes gen_ai.input.messages.
func (ss *spanScratch) chatRequest(body []byte, content bool, f *genaiFields) (in []byte, ok bool) {
	c := &jcur{b: body}
	c.ws()
	b := ss.in[:0]
	nmsg := 0
	hasMessages := false
	var max [3]int64
	var maxSet [3]bool
	c.object(chatRequestKeys[:], func(k int) {
		switch k {
		case reqModel:
			f.reqModel = c.model()
		case reqTemperature:
			f.temperature, f.hasTemp = c.float()
		case reqTopP:
			f.topP, f.hasTopP = c.float()
		case reqMaxTokens, reqMaxCompletionTokens, reqMaxOutputTokens:
			n, set := c.integer()
			max[k-reqMaxTokens], maxSet[k-reqMaxTokens] = int64(n), set
		case reqFrequencyPenalty:
			f.freq, f.hasFreq = c.float()
		case reqPresencePenalty:
			f.pres, f.hasPres = c.float()
		case reqSeed:
			n, set := c.integer()
			f.seed, f.hasSeed = int64(n), set
		case reqN:
			n, set := c.integer()
			f.n, f.hasN = int64(n), set
		case reqStop:
			f.stop = ss.readStop(c)
		case reqMessages:
			start := len(b)
			b = append(b, '[')
			hasMessages = c.array(func() {
				var m fastMessage
				if c.null() {
					// A null message decodes as a zero one: no role.
				} else if !ss.message(c, &m) {
					c.fail = true
					return
				}
				if nmsg > 0 {
					b = append(b, ',')
				}
				nmsg++
				b = ss.appendMessage(b, &m, jstr{}, false)
			})
			if !hasMessages {
				b = b[:start]
				return
			}
			b = append(b, ']')
		}
	})
	if !c.end() {
		return nil, false
	}
	// The first of the three that is set, in that order, as genaiAttrs.
	for i := range max {
		if maxSet[i] {
			f.maxTokens, f.hasMax = max[i], true
			break
		}
	}
	ss.in = b
	if !content || !hasMessages || nmsg == 0 {
		return nil, true
	}
	return b, true
}

// readStop reads stop as genaiAttrs does: one non-empty string, or a
// non-empty list of strings.
func (ss *spanScratch) readStop(c *jcur) []string {
	if c.null() {
		return nil
	}
	switch c.peek() {
	case '"':
		s := c.string()
		if s == "" {
			return nil
		}
		return []string{s}
	case '[':
		var list []string
		c.array(func() {
			if c.peek() != '"' {
				c.fail = true
				return
			}
			list = append(list, c.string())
		})
		if c.fail {
			return nil
		}
		return list
	}
	c.fail = true
	return nil
}

// float decodes a value into a *float64 field: null leaves it unset.
func (c *jcur) float() (float64, bool) {
	if c.null() {
		return 0, false
	}
	start := c.i
	c.number()
	if c.fail {
		return 0, false
	}
	f, err := strconv.ParseFloat(string(c.b[start:c.i]), 64)
	if err != nil {
		c.fail = true
		return 0, false
	}
	return f, true
}

// message reads a chat message; false when it needs encoding/json.
func (ss *spanScratch) message(c *jcur, m *fastMessage) bool {
	if c.peek() != '{' {
		return false
	}
	ok := true
	c.object(messageMemberKeys[:], func(k int) {
		switch k {
		case msgType:
			t := c.jstring()
			if t.set && !t.is("") && !t.is("message") {
				ok = false // a Responses API item
			}
		case msgRole:
			m.role = c.jstring()
		case msgName:
			m.name = c.jstring()
		case msgContent:
			if c.null() {
				return
			}
			if c.peek() != '"' {
				ok = false // a list of parts
				c.skip()
				return
			}
			m.content = c.jstring()
		case msgToolCallID:
			m.toolCallID = c.jstring()
		case msgToolCalls:
			m.calls = ss.toolCalls(c)
		}
	})
	if c.fail || !ok {
		return false
	}
	return true
}

// toolCalls reads a message's tool calls into the scratch list.
func (ss *spanScratch) toolCalls(c *jcur) []fastToolCall {
	start := len(ss.calls)
	if !c.array(func() {
		var tc fastToolCall
		if !c.null() {
			c.object(fastToolCallKeys[:], func(k int) {
				switch k {
				case toolCallID:
					tc.id = c.jstring()
				case toolCallFunction:
					if c.null() {
						return
					}
					c.object(functionKeys[:], func(k int) {
						switch k {
						case functionName:
							tc.name = c.jstring()
						case functionArguments:
							tc.args = c.jstring()
						}
					})
				}
			})
		}
		ss.calls = append(ss.calls, tc)
	}) {
		return nil
	}
	return ss.calls[start:len(ss.calls):len(ss.calls)]
}

var assistantRole = jstr{raw: []byte("assistant"), set: true}

// appendMessage writes a message as json.Marshal writes the gaiMessage
// fromOpenAI makes of it; an answer's message (finish set) defaults its
// role to assistant and carries the finish reason.
func (ss *spanScratch) appendMessage(b []byte, m *fastMessage, finish jstr, answer bool) []byte {
	role := m.role
	if answer && role.empty() {
		role = assistantRole
	}
	b = append(b, `{"role":`...)
	b = role.appendJSON(b)
	b = append(b, `,"parts":[`...)
	if role.is("tool") {
		b = append(b, `{"type":"tool_call_response"`...)
		if !m.toolCallID.empty() {
			b = append(b, `,"id":`...)
			b = m.toolCallID.appendJSON(b)
		}
		b = append(b, `,"response":`...)
		if m.content.set {
			b = m.content.appendJSON(b)
		} else {
			b = append(b, `""`...)
		}
		b = append(b, "}]"...)
	} else {
		n := 0
		if m.content.set {
			b = append(b, `{"type":"text","content":`...)
			b = m.content.appendJSON(b)
			b = append(b, '}')
			n++
		}
		for i := range m.calls {
			tc := &m.calls[i]
			if n > 0 {
				b = append(b, ',')
			}
			n++
			b = append(b, `{"type":"tool_call"`...)
			if !tc.id.empty() {
				b = append(b, `,"id":`...)
				b = tc.id.appendJSON(b)
			}
			if !tc.name.empty() {
				b = append(b, `,"name":`...)
				b = tc.name.appendJSON(b)
			}
			b = append(b, `,"arguments":`...)
			b = appendArguments(b, tc.args)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if !m.name.empty() {
		b = append(b, `,"name":`...)
		b = m.name.appendJSON(b)
	}
	if !finish.empty() {
		b = append(b, `,"finish_reason":`...)
		b = finish.appendJSON(b)
	}
	return append(b, '}')
}

// appendArguments writes what json.Marshal makes of arguments(s): the
// arguments themselves when they are JSON (compacted and HTML-escaped, as
// json.Marshal writes a json.RawMessage), else as a JSON string.
func appendArguments(b []byte, s jstr) []byte {
	v := s.raw
	if s.esc || s.high {
		v = []byte(unquote(s.raw, s.esc, s.high))
	}
	if len(v) > 0 && validJSON(v) {
		start := len(b)
		b = append(b, v...)
		if compactPlain(v) {
			return b
		}
		// Rare: compact and escape as json.Marshal does.
		return appendMarshaledRaw(b[:start], v)
	}
	return jsonenc.AppendString(b, v)
}

// chatResponse reads the answer's id and model into f and, with content,
// writes gen_ai.output.messages.
func (ss *spanScratch) chatResponse(body []byte, content bool, f *genaiFields) (out []byte, ok bool) {
	c := &jcur{b: body}
	c.ws()
	b := ss.out[:0]
	n := 0
	fine := true
	c.object(chatResponseKeys[:], func(k int) {
		switch k {
		case ansID:
			f.respID = c.string()
		case ansModel:
			f.respModel = c.model()
		case ansChoices:
			c.array(func() {
				var m fastMessage
				var text, finish jstr
				if !c.null() {
					c.object(ansChoiceKeys[:], func(k int) {
						switch k {
						case ansChoiceMessage:
							if !c.null() && !ss.message(c, &m) {
								fine = false
							}
						case ansChoiceText:
							text = c.jstring()
						case ansChoiceFinishReason:
							finish = c.jstring()
						}
					})
				}
				if !fine || c.fail {
					c.fail = true
					return
				}
				if n == 0 {
					b = append(b, '[')
				} else {
					b = append(b, ',')
				}
				n++
				if text.set {
					b = append(b, `{"role":"assistant","parts":[{"type":"text","content":`...)
					b = text.appendJSON(b)
					b = append(b, "}]"...)
					if !finish.empty() {
						b = append(b, `,"finish_reason":`...)
						b = finish.appendJSON(b)
					}
					b = append(b, '}')
				} else {
					b = ss.appendMessage(b, &m, finish, true)
				}
			})
		}
	})
	if !c.end() {
		return nil, false
	}
	if n > 0 {
		b = append(b, ']')
	}
	ss.out = b
	if !content || n == 0 {
		return nil, true
	}
	return b, true
}

func validJSON(b []byte) bool { return json.Valid(b) }

// compactPlain tells whether json.Marshal writes the JSON v as it is:
// no white space to compact, no HTML characters or line separators to
// escape.
func compactPlain(v []byte) bool {
	for _, c := range v {
		switch c {
		case ' ', '\t', '\n', '\r', '<', '>', '&', 0xE2:
			return false
		}
	}
	return true
}

// appendMarshaledRaw appends what json.Marshal makes of the valid JSON
// v as a json.RawMessage: compacted, HTML characters escaped.
func appendMarshaledRaw(b, v []byte) []byte {
	var compact bytes.Buffer
	if json.Compact(&compact, v) != nil {
		return jsonenc.AppendString(b, v)
	}
	out := bytes.NewBuffer(b)
	json.HTMLEscape(out, compact.Bytes())
	return out.Bytes()
}
