package view

import (
	"sort"
	"strconv"
)

// modelAgg is what the models page shows of one model's bodies, added up
// while the bodies are read rather than kept per call: a million calls'
// facts were hundreds of megabytes.
type modelAgg struct {
	respM  map[string]bool
	hashes map[uint64]bool // model_hash, 16 hex digits as the runtime writes it
	other  map[string]bool // a model_hash of another form
	params map[string][]firstValue
}

// firstValue is a request parameter's value and the first call it was
// seen in: the page lists the first maxParamValues distinct values in
// call order, and the pass reads calls on every core, out of order.
type firstValue struct {
	value string
	call  int
}

func newModelAgg() *modelAgg {
	return &modelAgg{respM: map[string]bool{}, hashes: map[uint64]bool{}, other: map[string]bool{}, params: map[string][]firstValue{}}
}

// add adds call i's facts.
func (a *modelAgg) add(i int, f *callModelFacts) {
	if f.hash != "" {
		if len(f.hash) == 16 {
			if h, err := strconv.ParseUint(f.hash, 16, 64); err == nil {
				a.hashes[h] = true
			} else {
				a.other[f.hash] = true
			}
		} else {
			a.other[f.hash] = true
		}
	}
	if f.respModel != "" {
		a.respM[f.respModel] = true
	}
	for _, p := range f.params {
		a.params[p.Key] = addFirst(a.params[p.Key], p.Value, i)
	}
}

// addFirst keeps the maxParamValues distinct values first seen, by call.
// A value it drops has maxParamValues values seen before it, which stay.
func addFirst(vs []firstValue, v string, i int) []firstValue {
	last := -1
	for k := range vs {
		if vs[k].value == v {
			if i < vs[k].call {
				vs[k].call = i
			}
			return vs
		}
		if last < 0 || vs[k].call > vs[last].call {
			last = k
		}
	}
	if len(vs) < maxParamValues {
		return append(vs, firstValue{v, i})
	}
	if i < vs[last].call {
		vs[last] = firstValue{v, i}
	}
	return vs
}

// merge adds b into a.
func (a *modelAgg) merge(b *modelAgg) {
	for k := range b.respM {
		a.respM[k] = true
	}
	for k := range b.hashes {
		a.hashes[k] = true
	}
	for k := range b.other {
		a.other[k] = true
	}
	for key, vs := range b.params {
		for _, v := range vs {
			a.params[key] = addFirst(a.params[key], v.value, v.call)
		}
	}
}

// clone copies a, for live mode to add to without changing what is served.
func (a *modelAgg) clone() *modelAgg {
	c := newModelAgg()
	c.merge(a)
	return c
}

// values is the parameter's values in the order they were first seen.
func (a *modelAgg) values(key string) []string {
	vs := append([]firstValue(nil), a.params[key]...)
	sort.Slice(vs, func(i, j int) bool { return vs[i].call < vs[j].call })
	out := make([]string, len(vs))
	for k, v := range vs {
		out[k] = v.value
	}
	return out
}

// aggregate adds up per-call facts by the index's model ids.
func (ix *index) aggregate(facts []callModelFacts) []*modelAgg {
	aggs := make([]*modelAgg, len(ix.models.names))
	for i := range facts {
		m := ix.entries[i].model
		if aggs[m] == nil {
			aggs[m] = newModelAgg()
		}
		aggs[m].add(i, &facts[i])
	}
	return aggs
}

// mergeAggs adds b's per-model aggregates into a's (grown to b's length).
func mergeAggs(a, b []*modelAgg) []*modelAgg {
	for len(a) < len(b) {
		a = append(a, nil)
	}
	for m, x := range b {
		if x == nil {
			continue
		}
		if a[m] == nil {
			a[m] = newModelAgg()
		}
		a[m].merge(x)
	}
	return a
}
