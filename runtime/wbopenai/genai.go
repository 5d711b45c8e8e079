package wbopenai

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/wbinstrument/wbinstrument/runtime/otlp"
)

// The OpenTelemetry GenAI semantic conventions (open-telemetry/
// semantic-conventions, docs/gen-ai/gen-ai-spans.md and
// gen-ai-input-messages.json / gen-ai-output-messages.json) map a call to
// span attributes; Weave reads the same names
// (wandb/weave weave/trace_server/opentelemetry/constants.py).

// genaiRequest is what a span takes from a request body.
type genaiRequest struct {
	Model               string          `json:"model"`
	Temperature         *float64        `json:"temperature"`
	TopP                *float64        `json:"top_p"`
	MaxTokens           *int64          `json:"max_tokens"`
	MaxCompletionTokens *int64          `json:"max_completion_tokens"`
	MaxOutputTokens     *int64          `json:"max_output_tokens"`
	FrequencyPenalty    *float64        `json:"frequency_penalty"`
	PresencePenalty     *float64        `json:"presence_penalty"`
	Seed                *int64          `json:"seed"`
	N                   *int64          `json:"n"`
	Stop                json.RawMessage `json:"stop"`
	// The messages, for gen_ai.input.messages.
	Messages     []oaiMessage    `json:"messages"`
	Prompt       json.RawMessage `json:"prompt"`
	Input        json.RawMessage `json:"input"`
	Instructions string          `json:"instructions"`
}

// genaiResponse is what a span takes from a response body.
type genaiResponse struct {
	ID    string `json:"id"`
	Model string `json:"model"`
	// The answer, for gen_ai.output.messages.
	Choices []struct {
		Message      oaiMessage `json:"message"`
		Text         *string    `json:"text"`
		FinishReason string     `json:"finish_reason"`
	} `json:"choices"`
	Output []oaiMessage `json:"output"`
	Status string       `json:"status"`
}

// operationName is gen_ai.operation.name for a kind of call, "" for calls
// the conventions do not cover (files, models, moderation...).
func operationName(k kind) string {
	switch k {
	case kindChat, kindResponses:
		return "chat"
	case kindCompletion:
		return "text_completion"
	case kindEmbedding:
		return "embeddings"
	}
	return ""
}

// genaiFields are what a span's attributes take from the bodies.
type genaiFields struct {
	reqModel, respModel, respID    string
	temperature, topP, freq, pres  float64
	hasTemp, hasTopP, hasFreq      bool
	hasPres, hasMax, hasSeed, hasN bool
	maxTokens, seed, n             int64
	stop                           []string
}

// genaiAttrs are a call's GenAI, server, error and code attributes, and
// with content its input and output messages as JSON. Each body is
// decoded once, with encoding/json: spanScratch.genai reads the common
// calls with the scanner instead, to the same results.
func genaiAttrs(ev *event, c *callInfo, reqB, respB []byte, content bool) (name string, a []otlp.KeyValue, in, out []byte) {
	var rq genaiRequest
	if c.kind.isLLM() && reqB != nil && !ev.reqBinary {
		_ = json.Unmarshal(reqB, &rq)
	}
	var rs genaiResponse
	if c.kind.isLLM() && respB != nil && !c.failed {
		_ = json.Unmarshal(respB, &rs)
	}
	if content && c.kind.isLLM() && c.kind != kindEmbedding {
		in, out = inputMessages(c.kind, &rq), outputMessages(c.kind, &rs)
	}
	f := genaiFields{reqModel: rq.Model, respModel: rs.Model, respID: rs.ID}
	if rq.Temperature != nil {
		f.temperature, f.hasTemp = *rq.Temperature, true
	}
	if rq.TopP != nil {
		f.topP, f.hasTopP = *rq.TopP, true
	}
	for _, m := range []*int64{rq.MaxTokens, rq.MaxCompletionTokens, rq.MaxOutputTokens} {
		if m != nil {
			f.maxTokens, f.hasMax = *m, true
			break
		}
	}
	if rq.FrequencyPenalty != nil {
		f.freq, f.hasFreq = *rq.FrequencyPenalty, true
	}
	if rq.PresencePenalty != nil {
		f.pres, f.hasPres = *rq.PresencePenalty, true
	}
	if rq.Seed != nil {
		f.seed, f.hasSeed = *rq.Seed, true
	}
	if rq.N != nil {
		f.n, f.hasN = *rq.N, true
	}
	if len(rq.Stop) > 0 {
		var one string
		var many []string
		if json.Unmarshal(rq.Stop, &one) == nil && one != "" {
			f.stop = []string{one}
		} else if json.Unmarshal(rq.Stop, &many) == nil && len(many) > 0 {
			f.stop = many
		}
	}
	name, a = genaiFromFields(ev, c, &f, nil, "")
	return name, a, in, out
}

// genaiFromFields makes the attributes, appended to a. nameModel and
// prevName are the span name made last time and the model it was made
// for, reused when the model repeats.
func genaiFromFields(ev *event, c *callInfo, f *genaiFields, a []otlp.KeyValue, prevName string) (name string, _ []otlp.KeyValue) {
	provider := "openai"
	if c.apiType == "azure" {
		provider = "azure.ai.openai"
	}
	op := operationName(c.kind)
	a = append(a, otlp.String("gen_ai.provider.name", provider), otlp.String("gen_ai.system", provider))
	reqModel := f.reqModel
	if reqModel == "" && !c.kind.isLLM() {
		reqModel = c.model
	}
	if op != "" {
		a = append(a, otlp.String("gen_ai.operation.name", op))
		name = op
		if reqModel != "" {
			if len(prevName) == len(op)+1+len(reqModel) && prevName[:len(op)] == op && prevName[len(op)+1:] == reqModel {
				name = prevName
			} else {
				name += " " + reqModel
			}
		}
	} else {
		name = "openai " + spanName(c)
	}
	if reqModel != "" {
		a = append(a, otlp.String("gen_ai.request.model", reqModel))
	}
	respModel := f.respModel
	if respModel == "" && c.kind.isLLM() && c.model != f.reqModel {
		respModel = c.model // a stream's model, from its chunks
	}
	if respModel != "" {
		a = append(a, otlp.String("gen_ai.response.model", respModel))
	}
	if f.respID != "" {
		a = append(a, otlp.String("gen_ai.response.id", f.respID))
	}
	if f.hasTemp {
		a = append(a, otlp.Float("gen_ai.request.temperature", f.temperature))
	}
	if f.hasTopP {
		a = append(a, otlp.Float("gen_ai.request.top_p", f.topP))
	}
	if f.hasMax {
		a = append(a, otlp.Int("gen_ai.request.max_tokens", f.maxTokens))
	}
	if f.hasFreq {
		a = append(a, otlp.Float("gen_ai.request.frequency_penalty", f.freq))
	}
	if f.hasPres {
		a = append(a, otlp.Float("gen_ai.request.presence_penalty", f.pres))
	}
	if f.hasSeed {
		a = append(a, otlp.Int("gen_ai.request.seed", f.seed))
	}
	if f.hasN && f.n != 1 {
		a = append(a, otlp.Int("gen_ai.request.choice.count", f.n))
	}
	if len(f.stop) > 0 {
		a = append(a, otlp.Strings("gen_ai.request.stop_sequences", f.stop))
	}
	if c.kind.isLLM() {
		a = append(a, otlp.Bool("gen_ai.request.stream", c.stream))
	}
	if len(c.finishReasons) > 0 {
		a = append(a, otlp.Strings("gen_ai.response.finish_reasons", c.finishReasons))
	}
	if c.kind.isLLM() && c.usage.has {
		a = append(a, otlp.Int("gen_ai.usage.input_tokens", int64(c.usage.prompt)))
		if c.kind != kindEmbedding {
			a = append(a, otlp.Int("gen_ai.usage.output_tokens", int64(c.usage.completion)))
		}
		if c.usage.hasCached {
			a = append(a, otlp.Int("gen_ai.usage.cache_read.input_tokens", int64(c.usage.cached)))
		}
		if c.usage.hasReasoning {
			a = append(a, otlp.Int("gen_ai.usage.reasoning.output_tokens", int64(c.usage.reasoning)))
		}
	}
	if c.ttftMs >= 0 {
		a = append(a, otlp.Float("gen_ai.response.time_to_first_chunk", c.ttftMs/1000))
	}
	if ev.url != nil {
		host := ev.url.Hostname()
		a = append(a, otlp.String("server.address", host))
		port := ev.url.Port()
		if port == "" {
			port = "443"
			if ev.url.Scheme == "http" {
				port = "80"
			}
		}
		if p, err := strconv.Atoi(port); err == nil {
			a = append(a, otlp.Int("server.port", int64(p)))
		}
	}
	if c.httpStatus != 0 {
		a = append(a, otlp.Int("http.response.status_code", int64(c.httpStatus)))
	}
	if c.requestID != "" {
		a = append(a, otlp.String("openai.request.id", c.requestID))
	}
	if c.failed {
		et := c.errType
		if et == "" && c.httpStatus >= 400 {
			et = strconv.Itoa(c.httpStatus)
		}
		if et == "" {
			et = "_OTHER"
		}
		a = append(a, otlp.String("error.type", et))
	}
	if c.site != "" {
		a = appendSiteAttrs(a, c.site)
	}
	a = append(a, otlp.String("wbinstrument.method", spanName(c)))
	return name, a
}

// siteAttrs are the code.* attributes of a call site
// "dir/file.go:42 pkg.(*T).Method".
func siteAttrs(site string) []otlp.KeyValue { return appendSiteAttrs(nil, site) }

func appendSiteAttrs(a []otlp.KeyValue, site string) []otlp.KeyValue {
	loc, fn := site, ""
	if i := strings.IndexByte(site, ' '); i >= 0 {
		loc, fn = site[:i], site[i+1:]
	}
	if i := strings.LastIndexByte(loc, ':'); i >= 0 {
		if n, err := strconv.Atoi(loc[i+1:]); err == nil {
			a = append(a, otlp.String("code.file.path", loc[:i]), otlp.Int("code.line.number", int64(n)))
			loc = ""
		}
	}
	if loc != "" {
		a = append(a, otlp.String("code.file.path", loc))
	}
	if fn != "" {
		a = append(a, otlp.String("code.function.name", fn))
	}
	return a
}
