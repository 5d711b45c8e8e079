package view

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
)

// ModelInfo is the model page's row for one model name as requested.
type ModelInfo struct {
	Model            string     `json:"model"`
	Calls            int        `json:"calls"`
	Errors           int        `json:"errors"`
	PromptTokens     int64      `json:"promptTokens"`
	CompletionTokens int64      `json:"completionTokens"`
	TotalTokens      int64      `json:"totalTokens"`
	LatencyP50       float64    `json:"latencyP50"`
	LatencyP90       float64    `json:"latencyP90"`
	LatencyP99       float64    `json:"latencyP99"`
	TTFTP50          *float64   `json:"ttftP50"`
	Cost             *float64   `json:"cost"` // estimate; nil for unknown models
	Card             *modelCard `json:"card"` // known metadata; nil for unknown models
	// What the calls themselves say about the model, like the seed's
	// "model architecture" panel (which showed the logged model_dict).
	ResponseModels []string `json:"responseModels"` // snapshots the API answered with
	Methods        []string `json:"methods"`
	APITypes       []string `json:"apiTypes"`
	ModelHashes    int      `json:"modelHashes"` // distinct model_dict hashes
	Params         []KV     `json:"params"`      // request parameters and the values seen
	Sample         int      `json:"sample"`      // a call to open for its full model_dict
}

// maxParamValues bounds the distinct values listed per request parameter.
const maxParamValues = 5

// models computes the model page once per snapshot, on first request:
// it reads every request and response again, which load need not pay for.
func (s *Snapshot) models() ([]ModelInfo, error) {
	s.idx.modelsOnce.Do(func() { s.idx.modelStats, s.idx.modelsErr = s.computeModels() })
	return s.idx.modelStats, s.idx.modelsErr
}

// callModelFacts is what the models page needs of one call's bodies.
type callModelFacts struct {
	hash, respModel string
	params          []KV
}

// factReader reads callModelFacts on one worker of the pass over the
// bodies (see readBodies). It reads the bodies with jscan where the page
// once decoded them with encoding/json, which took three quarters of the
// pass: the answers are the same for the JSON the runtime writes, as
// jscan checks the values it steps over less strictly (see jscan). Most
// calls repeat the same few parameter values, so it also remembers what
// compact made of each.
type factReader struct {
	compact map[string]string
	buf     []byte
}

// maxCompactMemo bounds the values a factReader remembers.
const maxCompactMemo = 1 << 12

func newFactReader() *factReader {
	return &factReader{compact: map[string]string{}}
}

func (r *factReader) facts(hash, req, resp []byte) callModelFacts {
	return callModelFacts{hash: string(hash), respModel: r.respModel(resp), params: r.params(req)}
}

// respModel is the response's model as decoding it into a struct with a
// Model string field finds it: the key matched without regard to case,
// the last match kept, nothing when a match is not a string or null.
func (r *factReader) respModel(resp []byte) string {
	if len(resp) == 0 {
		return ""
	}
	s := jscan{b: resp}
	var model string
	bad := false
	s.object(func(key []byte) {
		if !bytes.EqualFold(key, []byte("model")) {
			s.skip()
			return
		}
		switch s.peek() {
		case '"':
			model, r.buf = s.text(r.buf)
		case 'n': // leaves the field as it was
			s.null()
		default:
			bad = true
			s.skip()
		}
	})
	s.end()
	if s.err != nil || bad {
		return ""
	}
	return model
}

// params is the request's parameters as requestParts lists them, less
// those the models page leaves out (the model, tool lists, long values).
func (r *factReader) params(req []byte) []KV {
	if len(req) == 0 {
		return nil
	}
	s := jscan{b: req}
	var out []KV
	s.object(func(key []byte) {
		v := s.skip()
		switch string(key) {
		case "messages", "input", "instructions", "prompt", // not parameters (see requestParts)
			"model", "tools", "functions":
			return
		}
		c, ok := r.compact[string(v)]
		if !ok {
			c = compact(v)
			if len(r.compact) < maxCompactMemo {
				r.compact[string(v)] = c
			}
		}
		for k := range out {
			if out[k].Key == string(key) { // a repeated key: the last counts
				out = append(out[:k], out[k+1:]...)
				break
			}
		}
		if len(c) <= 80 {
			out = append(out, KV{string(key), c})
		}
	})
	s.end()
	if s.err != nil {
		return nil
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

// computeModels reads the bodies if no text query or background pass has
// yet, and adds up the calls per model.
func (s *Snapshot) computeModels() ([]ModelInfo, error) {
	b, err := s.idx.bodies()
	if err != nil {
		return nil, fmt.Errorf("models: %v", err)
	}
	return s.modelsFrom(b.agg), nil
}

// modelsOf adds up the calls per model, with facts per call.
func (s *Snapshot) modelsOf(facts []callModelFacts) []ModelInfo {
	return s.modelsFrom(s.idx.aggregate(facts))
}

// modelsFrom adds up the calls per model, with the facts of their bodies
// added up per model id.
func (s *Snapshot) modelsFrom(aggs []*modelAgg) []ModelInfo {
	ix := s.idx
	type acc struct {
		info      ModelInfo
		lat, ttft []float64
		cost      float64
		priced    bool
		methods   map[string]bool
		api       map[string]bool
	}
	byID := make([]*acc, len(ix.models.names))
	for id, name := range ix.models.names {
		a := &acc{methods: map[string]bool{}, api: map[string]bool{}}
		a.info.Model = name
		a.info.Sample = -1
		if c, ok := priceFor(name); ok {
			c := c
			a.info.Card = &c
			a.priced = true
		}
		byID[id] = a
	}
	for i := range ix.entries {
		e := &ix.entries[i]
		a := byID[e.model]
		a.info.Calls++
		if ix.statuses.names[e.status] == "ERROR" {
			a.info.Errors++
		}
		if a.info.Sample < 0 {
			a.info.Sample = i
		}
		a.info.PromptTokens += e.prompt
		a.info.CompletionTokens += e.completion
		a.info.TotalTokens += e.total
		a.lat = append(a.lat, e.latency)
		if e.ttft >= 0 {
			a.ttft = append(a.ttft, e.ttft)
		}
		if e.cost >= 0 {
			a.cost += e.cost
		}
		a.methods[ix.methods.names[e.method]] = true
		if t := ix.apiTypes[i]; t != "" {
			a.api[t] = true
		}
	}
	out := make([]ModelInfo, 0, len(byID))
	for id, a := range byID {
		g := newModelAgg()
		if id < len(aggs) && aggs[id] != nil {
			g = aggs[id]
		}
		sort.Float64s(a.lat)
		a.info.LatencyP50 = percentile(a.lat, 50)
		a.info.LatencyP90 = percentile(a.lat, 90)
		a.info.LatencyP99 = percentile(a.lat, 99)
		if len(a.ttft) > 0 {
			sort.Float64s(a.ttft)
			p := percentile(a.ttft, 50)
			a.info.TTFTP50 = &p
		}
		if a.priced {
			c := a.cost
			a.info.Cost = &c
		}
		a.info.ResponseModels = keys(g.respM)
		a.info.Methods = keys(a.methods)
		a.info.APITypes = keys(a.api)
		a.info.ModelHashes = len(g.hashes) + len(g.other)
		a.info.Params = []KV{}
		for k := range g.params {
			a.info.Params = append(a.info.Params, KV{k, strings.Join(g.values(k), " | ")})
		}
		sort.Slice(a.info.Params, func(i, j int) bool { return a.info.Params[i].Key < a.info.Params[j].Key })
		out = append(out, a.info)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Calls != out[j].Calls {
			return out[i].Calls > out[j].Calls
		}
		return out[i].Model < out[j].Model
	})
	return out
}

// percentile uses the nearest-rank method on sorted values.
func percentile(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[nearestRank(len(sorted), p)]
}

// nearestRank is the index of the p-th percentile of n sorted values.
func nearestRank(n int, p float64) int {
	rank := int(p/100*float64(n)+0.999999) - 1
	if rank < 0 {
		rank = 0
	}
	if rank >= n {
		rank = n - 1
	}
	return rank
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
