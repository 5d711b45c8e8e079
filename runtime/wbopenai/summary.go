package wbopenai

import (
	"crypto/rand"
	"encoding/hex"
	"strconv"
	"time"

	"github.com/wbinstrument/wbinstrument/runtime/prices"
)

// totals are the running counts a session keeps in the run summary.
type totals struct {
	calls, errors, dropped    int64
	prompt, completion, total int64
	perModel                  map[string]*modelTotals
	costs                     costTotals
}

type modelTotals struct {
	calls, prompt, completion, total int64
	cost                             float64 // dollars, of the priced calls
	priced                           bool    // some call of the model was priced
}

// costTotals sum the rows' costs in the order they were logged, so that
// each total is exactly the sum of the rows' values.
type costTotals struct {
	on                 bool // the session prices calls
	usd, input, output float64
	unpriced           int64
}

func (t *totals) add(c *callInfo, cost callCost) {
	t.calls++
	if c.failed {
		t.errors++
	}
	if t.perModel == nil {
		t.perModel = make(map[string]*modelTotals)
	}
	model := c.model
	if model == "" {
		model = "unknown"
	}
	m := t.perModel[model]
	if m == nil {
		m = &modelTotals{}
		t.perModel[model] = m
	}
	m.calls++
	if cost.priced {
		total := cost.cost.Total()
		t.costs.usd += total
		t.costs.input += cost.cost.Input
		t.costs.output += cost.cost.Output
		m.cost += total
		m.priced = true
	}
	if cost.unpriced {
		t.costs.unpriced++
	}
	if c.usage.has {
		t.prompt += int64(c.usage.prompt)
		t.completion += int64(c.usage.completion)
		t.total += int64(c.usage.total)
		m.prompt += int64(c.usage.prompt)
		m.completion += int64(c.usage.completion)
		m.total += int64(c.usage.total)
	}
}

// summary returns the totals as summary keys: calls, errors,
// tokens/{prompt,completion,total} and per model calls/<model> and
// tokens/<model>/{prompt,completion,total}; when calls are priced,
// total_cost/{usd,input_usd,output_usd}, total_cost/<model>/usd and
// unpriced_calls.
func (t *totals) summary() map[string]interface{} {
	s := map[string]interface{}{
		"calls":             t.calls,
		"errors":            t.errors,
		"tokens/prompt":     t.prompt,
		"tokens/completion": t.completion,
		"tokens/total":      t.total,
	}
	if t.dropped > 0 {
		s["dropped_calls"] = t.dropped
	}
	if t.costs.on {
		s[prices.SummaryPrefix+"usd"] = t.costs.usd
		s[prices.SummaryPrefix+"input_usd"] = t.costs.input
		s[prices.SummaryPrefix+"output_usd"] = t.costs.output
		s[prices.KeyUnpriced] = t.costs.unpriced
	}
	for name, m := range t.perModel {
		if m.priced {
			// A model never priced has no total: $0 would read as free.
			s[prices.SummaryPrefix+name+"/usd"] = m.cost
		}
		s["calls/"+name] = m.calls
		s["tokens/"+name+"/prompt"] = m.prompt
		s["tokens/"+name+"/completion"] = m.completion
		s["tokens/"+name+"/total"] = m.total
	}
	return s
}

// newSessionID identifies one process's logging session in the stats
// table, like the autolog's session_id.
func newSessionID() string {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return strconv.FormatInt(time.Now().UnixNano(), 36)
	}
	return hex.EncodeToString(b[:])
}
