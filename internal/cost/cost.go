// Package cost prices logged calls on the CLI side, with the runtime's
// own price table (runtime/prices) and by the runtime's rules: `sync`
// prices with it the rows of runs logged without costs.
package cost

import (
	"github.com/wbinstrument/wbinstrument/internal/calls"
	"github.com/wbinstrument/wbinstrument/runtime/prices"
)

// Result is what pricing made of one call.
type Result struct {
	Priced    bool // Cost holds its price
	Unpriced  bool // a billed call that could not be priced: unknown model, or no usage
	Cost      prices.Cost
	Estimated bool // priced from estimated token counts
}

// Call prices a logged call as the runtime would have: only token-billed
// calls (span kind LLM), from their token counts (estimated ones
// included, and then marked), by their model or the model their Azure
// deployment maps to. A failed call without usage was not billed.
func Call(c *calls.Call, t *prices.Table) Result {
	if t == nil || (c.SpanKind != "" && c.SpanKind != "LLM") {
		return Result{}
	}
	_, hasPrompt := c.Row["usage/prompt_tokens"]
	_, hasTotal := c.Row["usage/total_tokens"]
	if !hasPrompt && !hasTotal && !c.Estimated {
		return Result{Unpriced: c.Status != "ERROR"}
	}
	p, ok := t.Lookup(t.Resolve(c.Model, prices.AzureDeployment(c.Attr("endpoint"))))
	if !ok {
		return Result{Unpriced: true}
	}
	u := prices.Usage{Input: c.PromptTokens, CachedInput: c.CachedTokens, Output: c.CompletionTokens}
	return Result{Priced: true, Cost: p.Cost(u), Estimated: c.Estimated}
}
