package cost

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/wbinstrument/wbinstrument/internal/calls"
	"github.com/wbinstrument/wbinstrument/runtime/prices"
)

// call is a logged call as calls.FromRow decodes it.
func call(kind, status, model, endpoint string, row map[string]json.RawMessage) *calls.Call {
	c := &calls.Call{SpanKind: kind, Status: status, Model: model, Row: row,
		Attributes: map[string]json.RawMessage{"endpoint": json.RawMessage(`"` + endpoint + `"`)}}
	c.PromptTokens = int64(num(row["usage/prompt_tokens"]))
	c.CompletionTokens = int64(num(row["usage/completion_tokens"]))
	c.CachedTokens = int64(num(row["usage/cached_tokens"]))
	c.Estimated = string(row["usage/estimated"]) == "true"
	return c
}

func num(raw json.RawMessage) float64 {
	var f float64
	json.Unmarshal(raw, &f)
	return f
}

// TestCallRules: the CLI prices a logged call by the runtime's rules.
func TestCallRules(t *testing.T) {
	usage := map[string]json.RawMessage{"usage/prompt_tokens": json.RawMessage("1000"), "usage/completion_tokens": json.RawMessage("100"),
		"usage/total_tokens": json.RawMessage("1100"), "usage/cached_tokens": json.RawMessage("400")}
	tb, err := prices.Parse("p.json", []byte(`{"models": [{"model": "eu-4o", "input": 3, "output": 12}], "azure_deployments": {"prod": "eu-4o"}}`))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name     string
		c        *calls.Call
		priced   bool
		unpriced bool
		usd      float64
	}{
		{"chat", call("LLM", "SUCCESS", "gpt-4o-2024-08-06", "POST /v1/chat/completions", usage), true, false, (600*2.5 + 400*1.25 + 100*10) / 1e6},
		{"azure deployment", call("LLM", "SUCCESS", "gpt-4o-2024-08-06", "POST /openai/deployments/prod/chat/completions", usage), true, false, (1000*3 + 100*12) / 1e6},
		{"unknown model", call("LLM", "SUCCESS", "mystery", "POST /v1/chat/completions", usage), false, true, 0},
		{"no usage", call("LLM", "SUCCESS", "gpt-4o", "POST /v1/chat/completions", map[string]json.RawMessage{}), false, true, 0},
		{"failed", call("LLM", "ERROR", "gpt-4o", "POST /v1/chat/completions", map[string]json.RawMessage{}), false, false, 0},
		{"not token-billed", call("TOOL", "SUCCESS", "whisper-1", "POST /v1/audio/transcriptions", usage), false, false, 0},
	} {
		r := Call(c.c, tb)
		if r.Priced != c.priced || r.Unpriced != c.unpriced || math.Abs(r.Cost.Total()-c.usd) > 1e-15 {
			t.Errorf("%s: %+v, want priced %v unpriced %v $%v", c.name, r, c.priced, c.unpriced, c.usd)
		}
	}
	if r := Call(call("LLM", "SUCCESS", "gpt-4o", "", usage), nil); r.Priced || r.Unpriced {
		t.Errorf("no table: %+v", r)
	}
}
