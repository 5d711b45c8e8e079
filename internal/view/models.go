package view

import (
	"encoding/json"
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

func (s *Snapshot) computeModels() ([]ModelInfo, error) {
	ix := s.idx
	facts := make([]callModelFacts, len(s.Calls))
	err := s.eachDict(func(i int, hash, req, resp []byte) {
		f := &facts[i]
		f.hash = string(hash)
		var r struct {
			Model string `json:"model"`
		}
		if len(resp) > 0 && json.Unmarshal(resp, &r) == nil {
			f.respModel = r.Model
		}
		_, _, params := requestParts(req)
		for _, p := range params {
			if p.Key == "model" || p.Key == "tools" || p.Key == "functions" || len(p.Value) > 80 {
				continue
			}
			f.params = append(f.params, p)
		}
	})
	if err != nil {
		return nil, fmt.Errorf("models: reading the request and response bodies: %v", err)
	}
	type acc struct {
		info      ModelInfo
		lat, ttft []float64
		cost      float64
		priced    bool
		respM     map[string]bool
		methods   map[string]bool
		api       map[string]bool
		hashes    map[string]bool
		params    map[string][]string
	}
	byID := make([]*acc, len(ix.models.names))
	for id, name := range ix.models.names {
		a := &acc{respM: map[string]bool{}, methods: map[string]bool{}, api: map[string]bool{}, hashes: map[string]bool{}, params: map[string][]string{}}
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
		f := &facts[i]
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
		if f.hash != "" {
			a.hashes[f.hash] = true
		}
		if f.respModel != "" {
			a.respM[f.respModel] = true
		}
		for _, p := range f.params {
			vals := a.params[p.Key]
			if len(vals) < maxParamValues && !contains(vals, p.Value) {
				a.params[p.Key] = append(vals, p.Value)
			}
		}
	}
	out := make([]ModelInfo, 0, len(byID))
	for _, a := range byID {
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
		a.info.ResponseModels = keys(a.respM)
		a.info.Methods = keys(a.methods)
		a.info.APITypes = keys(a.api)
		a.info.ModelHashes = len(a.hashes)
		a.info.Params = []KV{}
		for k, vs := range a.params {
			a.info.Params = append(a.info.Params, KV{k, strings.Join(vs, " | ")})
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
	return out, nil
}

// percentile uses the nearest-rank method on sorted values.
func percentile(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(p/100*float64(len(sorted))+0.999999) - 1
	if rank < 0 {
		rank = 0
	}
	if rank >= len(sorted) {
		rank = len(sorted) - 1
	}
	return sorted[rank]
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
