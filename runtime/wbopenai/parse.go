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
	method   string // go-openai method, when known
	endpoint string // "POST /v1/chat/completions"
	// endpoint was made from these, and is reused while they repeat.
	endpointMethod, endpointURL string
	streamBuf                   *streamScratch // parseStream's buffers, reused
	kind                        kind
	model                       string
	requestID                   string
	rateLimit                   rateLimits
	site                        string
	apiType                     string

	reqBody  []byte // raw, uncapped; nil when unknown or binary
	respBody []byte // raw response (assembled for streams)
	reqSize  int64
	respSize int64
	// reqValid and respValid say that reqBody and respBody are known to
	// be valid JSON (the scanner read them), so the trace need not check.
	reqValid, respValid bool

	usage         usageInfo
	usageRaw      []byte // a stream's usage object as sent, valid until the event is released
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
	PromptTokens            *int           `json:"prompt_tokens"`
	CompletionTokens        *int           `json:"completion_tokens"`
	TotalTokens             *int           `json:"total_tokens"`
	InputTokens             *int           `json:"input_tokens"`
	OutputTokens            *int           `json:"output_tokens"`
	PromptTokensDetails     *cachedJSON    `json:"prompt_tokens_details"`
	InputTokensDetails      *cachedJSON    `json:"input_tokens_details"`
	CompletionTokensDetails *reasoningJSON `json:"completion_tokens_details"`
	OutputTokensDetails     *reasoningJSON `json:"output_tokens_details"`
}

type cachedJSON struct {
	CachedTokens *int `json:"cached_tokens"`
}

type reasoningJSON struct {
	ReasoningTokens *int `json:"reasoning_tokens"`
}

// The members the scanner reads, by index into their key lists.
const (
	usagePrompt = iota
	usageCompletion
	usageTotal
	usageInput
	usageOutput
	usagePromptDetails
	usageInputDetails
	usageCompletionDetails
	usageOutputDetails
)

var usageKeys = [...]string{
	usagePrompt: "prompt_tokens", usageCompletion: "completion_tokens", usageTotal: "total_tokens",
	usageInput: "input_tokens", usageOutput: "output_tokens",
	usagePromptDetails: "prompt_tokens_details", usageInputDetails: "input_tokens_details",
	usageCompletionDetails: "completion_tokens_details", usageOutputDetails: "output_tokens_details",
}

// usage decodes a *usageJSON field.
func (c *jcur) usage() *usageJSON {
	return newObject(c, func(u *usageJSON) {
		c.object(usageKeys[:], func(f int) {
			switch f {
			case usagePrompt:
				u.PromptTokens = c.intPtr()
			case usageCompletion:
				u.CompletionTokens = c.intPtr()
			case usageTotal:
				u.TotalTokens = c.intPtr()
			case usageInput:
				u.InputTokens = c.intPtr()
			case usageOutput:
				u.OutputTokens = c.intPtr()
			case usagePromptDetails:
				u.PromptTokensDetails = c.cached()
			case usageInputDetails:
				u.InputTokensDetails = c.cached()
			case usageCompletionDetails:
				u.CompletionTokensDetails = c.reasoning()
			case usageOutputDetails:
				u.OutputTokensDetails = c.reasoning()
			}
		})
	})
}

var cachedKeys, reasoningKeys = [...]string{"cached_tokens"}, [...]string{"reasoning_tokens"}

func (c *jcur) cached() *cachedJSON {
	return newObject(c, func(d *cachedJSON) {
		c.object(cachedKeys[:], func(f int) { d.CachedTokens = c.intPtr() })
	})
}

func (c *jcur) reasoning() *reasoningJSON {
	return newObject(c, func(d *reasoningJSON) {
		c.object(reasoningKeys[:], func(f int) { d.ReasoningTokens = c.intPtr() })
	})
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
// ID and Status are not used, but a server that sends them with another
// type sends an answer go-openai cannot decode.
type responseJSON struct {
	ID      string       `json:"id"`
	Model   string       `json:"model"`
	Usage   *usageJSON   `json:"usage"`
	Choices []choiceJSON `json:"choices"`
	Output  []outputJSON `json:"output"`
	Status  string       `json:"status"`
	Error   *errorJSON   `json:"error"`
}

type choiceJSON struct {
	FinishReason string `json:"finish_reason"`
	Message      struct {
		ToolCalls []toolCallJSON `json:"tool_calls"`
	} `json:"message"`
}

type toolCallJSON struct {
	ID       string       `json:"id"`
	Function functionJSON `json:"function"`
}

type functionJSON struct {
	Name      string `json:"name"`
	Arguments string `json:"arguments"`
}

type outputJSON struct {
	Type      string `json:"type"`
	CallID    string `json:"call_id"`
	Name      string `json:"name"`
	Arguments string `json:"arguments"`
}

type errorJSON struct {
	Message string          `json:"message"`
	Type    string          `json:"type"`
	Code    json.RawMessage `json:"code"`
}

const (
	respID = iota
	respModel
	respUsage
	respChoices
	respOutput
	respStatus
	respError
)

const (
	choiceFinishReason = iota
	choiceMessage
)

const (
	toolCallID = iota
	toolCallFunction
)

const (
	functionName = iota
	functionArguments
)

const (
	outputType = iota
	outputCallID
	outputName
	outputArguments
)

const (
	errorMessage = iota
	errorType
	errorCode
)

var (
	responseKeys = [...]string{respID: "id", respModel: "model", respUsage: "usage", respChoices: "choices",
		respOutput: "output", respStatus: "status", respError: "error"}
	choiceKeys   = [...]string{choiceFinishReason: "finish_reason", choiceMessage: "message"}
	messageKeys  = [...]string{"tool_calls"}
	toolCallKeys = [...]string{toolCallID: "id", toolCallFunction: "function"}
	functionKeys = [...]string{functionName: "name", functionArguments: "arguments"}
	outputKeys   = [...]string{outputType: "type", outputCallID: "call_id", outputName: "name", outputArguments: "arguments"}
	errorKeys    = [...]string{errorMessage: "message", errorType: "type", errorCode: "code"}
)

// decodeResponse decodes body into r as json.Unmarshal does. It reports
// whether the scanner did it (so body is valid JSON) rather than
// encoding/json, which it falls back to for what the scanner leaves.
func decodeResponse(body []byte, r *responseJSON) (scanned bool, err error) {
	c := &jcur{b: body}
	c.ws()
	c.response(r)
	return orUnmarshal(c, r)
}

// orUnmarshal ends the scanner's decoding of c's document into v: when
// the scanner has left it (or more follows), v is decoded anew with
// json.Unmarshal. It reports whether the scanner did it, so the document
// is valid JSON.
func orUnmarshal[T any](c *jcur, v *T) (scanned bool, err error) {
	if c.end() {
		return true, nil
	}
	// A local, so that v does not escape on the scanner's path.
	var u T
	err = json.Unmarshal(c.b, &u)
	*v = u
	return false, err
}

// response decodes a responseJSON, leaving ID and Status empty (their
// types are checked).
func (c *jcur) response(r *responseJSON) {
	c.object(responseKeys[:], func(f int) {
		switch f {
		case respID, respStatus:
			c.checkString()
		case respModel:
			r.Model = c.model()
		case respUsage:
			r.Usage = c.usage()
		case respChoices:
			r.Choices = objects(c, c.choice)
		case respOutput:
			r.Output = objects(c, c.output)
		case respError:
			r.Error = c.errorJSON()
		}
	})
}

func (c *jcur) choice(ch *choiceJSON) {
	c.object(choiceKeys[:], func(f int) {
		switch f {
		case choiceFinishReason:
			ch.FinishReason = c.finishReason()
		case choiceMessage:
			if !c.null() {
				c.object(messageKeys[:], func(f int) {
					ch.Message.ToolCalls = objects(c, c.toolCall)
				})
			}
		}
	})
}

func (c *jcur) toolCall(tc *toolCallJSON) {
	c.object(toolCallKeys[:], func(f int) {
		switch f {
		case toolCallID:
			tc.ID = c.string()
		case toolCallFunction:
			c.function(&tc.Function)
		}
	})
}

// function decodes a function name and arguments (a struct: null leaves
// it as it is).
func (c *jcur) function(fn *functionJSON) {
	if c.null() {
		return
	}
	c.object(functionKeys[:], func(f int) {
		switch f {
		case functionName:
			fn.Name = c.string()
		case functionArguments:
			fn.Arguments = c.string()
		}
	})
}

func (c *jcur) output(o *outputJSON) {
	c.object(outputKeys[:], func(f int) {
		switch f {
		case outputType:
			o.Type = c.string()
		case outputCallID:
			o.CallID = c.string()
		case outputName:
			o.Name = c.string()
		case outputArguments:
			o.Arguments = c.string()
		}
	})
}

func (c *jcur) errorJSON() *errorJSON {
	return newObject(c, func(e *errorJSON) {
		c.object(errorKeys[:], func(f int) {
			switch f {
			case errorMessage:
				e.Message = c.string()
			case errorType:
				e.Type = c.string()
			case errorCode:
				e.Code = c.raw()
			}
		})
	})
}

// requestModel is the model a request body names, as json.Unmarshal
// reads it, and whether the scanner read it (so the body is valid JSON).
func requestModel(body []byte) (model string, scanned bool) {
	c := &jcur{b: body}
	c.ws()
	c.object(modelKeys[:], func(f int) { model = c.model() })
	if c.end() {
		return model, true
	}
	var req struct {
		Model string `json:"model"`
	}
	_ = json.Unmarshal(body, &req)
	return req.Model, false
}

var modelKeys = [...]string{"model"}

// rateLimitHeaders are the response headers copied into span attributes,
// under their lower-case names.
var rateLimitHeaders = [...]string{
	"x-ratelimit-limit-requests", "x-ratelimit-remaining-requests", "x-ratelimit-reset-requests",
	"x-ratelimit-limit-tokens", "x-ratelimit-remaining-tokens", "x-ratelimit-reset-tokens",
}

// rateLimits holds a call's values of rateLimitHeaders, by index ("" where
// the response had none): a call's record is reused, and an array needs
// no map made per call.
type rateLimits [len(rateLimitHeaders)]string

// rateLimitKeys are rateLimitHeaders in canonical form, the keys of an
// http.Header map.
var rateLimitKeys = func() []string {
	k := make([]string, len(rateLimitHeaders))
	for i, h := range rateLimitHeaders {
		k[i] = http.CanonicalHeaderKey(h)
	}
	return k
}()

// analyze decodes an event. It runs on the logging goroutine.
func analyze(ev *event) *callInfo { return analyzeInto(&callInfo{}, ev) }

// analyzeInto is analyze into a callInfo reused from call to call: its
// lists keep their arrays.
func analyzeInto(c *callInfo, ev *event) *callInfo {
	ev.readHeader()
	*c = callInfo{kind: ev.kind, stream: ev.stream, ttftMs: -1, httpStatus: ev.status, apiType: "openai",
		finishReasons: c.finishReasons[:0], toolCalls: c.toolCalls[:0], endpointURL: c.endpointURL, endpointMethod: c.endpointMethod, endpoint: c.endpoint,
		streamBuf: c.streamBuf}
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
	if ev.url == nil {
		c.endpoint, c.endpointMethod = "", "\x00" // matches no request
	} else {
		// go-openai makes a URL per request, but its path repeats.
		if c.endpointMethod != ev.method || c.endpointURL != ev.url.Path {
			c.endpoint = ev.method + " " + ev.url.Path
			c.endpointMethod, c.endpointURL = ev.method, ev.url.Path
		}
		// Query parses (and allocates) anew on every call: only an Azure
		// URL has a query at all.
		if strings.Contains(ev.url.Path, "/openai/") || (ev.url.RawQuery != "" && ev.url.Query().Get("api-version") != "") {
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
		c.requestID = headerValue(h, "X-Request-Id")
		for i, k := range rateLimitKeys {
			c.rateLimit[i] = headerValue(h, k)
		}
	}
	if c.reqBody != nil {
		c.model, c.reqValid = requestModel(c.reqBody)
	}

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
	scanned, err := decodeResponse(body, &r)
	c.respValid = scanned
	if err != nil {
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
