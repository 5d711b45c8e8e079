package view

import "github.com/wbinstrument/wbinstrument/runtime/prices"

// PricesAsOf dates the price table (runtime/prices, the one the runtime
// logs costs with); `view` prices with it only the calls of runs logged
// without costs.
const PricesAsOf = prices.AsOf

// modelCard is what the viewer shows of a model family: its list prices
// in dollars per million tokens and its limits, from runtime/prices.
type modelCard struct {
	Prefix        string  `json:"prefix"` // the table entry: the model name and its dated snapshots
	Family        string  `json:"family"`
	Input         float64 `json:"inputPerMTok"`
	CachedInput   float64 `json:"cachedInputPerMTok,omitempty"`
	Output        float64 `json:"outputPerMTok"`
	ContextWindow int     `json:"contextWindow,omitempty"`
	MaxOutput     int     `json:"maxOutputTokens,omitempty"`
	Kind          string  `json:"kind"` // chat, reasoning, embedding, legacy
}

// priceFor finds the table entry of a model.
func priceFor(model string) (modelCard, bool) {
	p, ok := prices.Default().Lookup(model)
	if !ok {
		return modelCard{}, false
	}
	c := modelCard{Prefix: p.Model, Family: p.Family, Input: p.Input, Output: p.Output,
		ContextWindow: p.ContextWindow, MaxOutput: p.MaxOutput, Kind: p.Kind}
	if p.HasCached {
		c.CachedInput = p.CachedInput
	}
	return c, true
}

// callCost is a call's cost in dollars: the one its row logged (the
// runtime priced it, or sync did), else, for a run logged without costs,
// its price in the table from its token counts (estimated ones
// included); -1 when neither is known.
func callCost(logged float64, hasLogged bool, model string, prompt, completion, cached int64) float64 {
	if hasLogged {
		return logged
	}
	p, ok := prices.Default().Lookup(model)
	if !ok {
		return -1
	}
	return p.Cost(prices.Usage{Input: prompt, CachedInput: cached, Output: completion}).Total()
}
