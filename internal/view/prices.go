package view

import "strings"

// PricesAsOf dates the price table; prices change, so every cost shown is
// labelled an estimate.
const PricesAsOf = "2025-06"

// modelCard is what the viewer knows about a model family without asking
// anyone: list prices in dollars per million tokens and its limits.
type modelCard struct {
	Prefix        string  `json:"prefix"` // matches the model name and its dated snapshots
	Family        string  `json:"family"`
	Input         float64 `json:"inputPerMTok"`
	CachedInput   float64 `json:"cachedInputPerMTok,omitempty"`
	Output        float64 `json:"outputPerMTok"`
	ContextWindow int     `json:"contextWindow,omitempty"`
	MaxOutput     int     `json:"maxOutputTokens,omitempty"`
	Kind          string  `json:"kind"` // chat, reasoning, embedding, legacy
}

// modelCards is ordered longest prefix first within a family, so
// "gpt-4o-mini-2024-07-18" finds gpt-4o-mini before gpt-4o.
var modelCards = []modelCard{
	{"gpt-5-nano", "GPT-5", 0.05, 0.005, 0.40, 400000, 128000, "reasoning"},
	{"gpt-5-mini", "GPT-5", 0.25, 0.025, 2.00, 400000, 128000, "reasoning"},
	{"gpt-5", "GPT-5", 1.25, 0.125, 10.00, 400000, 128000, "reasoning"},
	{"gpt-4.1-nano", "GPT-4.1", 0.10, 0.025, 0.40, 1047576, 32768, "chat"},
	{"gpt-4.1-mini", "GPT-4.1", 0.40, 0.10, 1.60, 1047576, 32768, "chat"},
	{"gpt-4.1", "GPT-4.1", 2.00, 0.50, 8.00, 1047576, 32768, "chat"},
	{"gpt-4o-mini", "GPT-4o", 0.15, 0.075, 0.60, 128000, 16384, "chat"},
	{"gpt-4o", "GPT-4o", 2.50, 1.25, 10.00, 128000, 16384, "chat"},
	{"gpt-4-turbo", "GPT-4", 10.00, 0, 30.00, 128000, 4096, "chat"},
	{"gpt-4-32k", "GPT-4", 60.00, 0, 120.00, 32768, 4096, "chat"},
	{"gpt-4", "GPT-4", 30.00, 0, 60.00, 8192, 4096, "chat"},
	{"gpt-3.5-turbo-instruct", "GPT-3.5", 1.50, 0, 2.00, 4096, 4096, "legacy"},
	{"gpt-3.5-turbo", "GPT-3.5", 0.50, 0, 1.50, 16385, 4096, "chat"},
	{"o4-mini", "o-series", 1.10, 0.275, 4.40, 200000, 100000, "reasoning"},
	{"o3-mini", "o-series", 1.10, 0.55, 4.40, 200000, 100000, "reasoning"},
	{"o3", "o-series", 2.00, 0.50, 8.00, 200000, 100000, "reasoning"},
	{"o1-mini", "o-series", 1.10, 0.55, 4.40, 128000, 65536, "reasoning"},
	{"o1", "o-series", 15.00, 7.50, 60.00, 200000, 100000, "reasoning"},
	{"text-embedding-3-small", "Embeddings", 0.02, 0, 0, 8191, 0, "embedding"},
	{"text-embedding-3-large", "Embeddings", 0.13, 0, 0, 8191, 0, "embedding"},
	{"text-embedding-ada-002", "Embeddings", 0.10, 0, 0, 8191, 0, "embedding"},
	{"davinci-002", "GPT base", 2.00, 0, 2.00, 16384, 16384, "legacy"},
	{"babbage-002", "GPT base", 0.40, 0, 0.40, 16384, 16384, "legacy"},
}

// priceFor finds the card of a model: an exact prefix followed by the end
// of the name or a "-" (so "gpt-4o" does not claim "gpt-4o1-custom").
func priceFor(model string) (modelCard, bool) {
	m := strings.ToLower(model)
	if i := strings.LastIndexByte(m, '/'); i >= 0 { // "openai/gpt-4o" style names
		m = m[i+1:]
	}
	for _, c := range modelCards {
		if m == c.Prefix || strings.HasPrefix(m, c.Prefix+"-") {
			return c, true
		}
	}
	return modelCard{}, false
}

// cost estimates a call's price in dollars; cached prompt tokens are
// billed at the cached rate when the card has one.
func (c modelCard) cost(prompt, completion, cached int64) float64 {
	if cached > prompt || c.CachedInput == 0 {
		cached = 0
	}
	return (float64(prompt-cached)*c.Input + float64(cached)*c.CachedInput + float64(completion)*c.Output) / 1e6
}
