// Package prices is wbinstrument's one price table: what an OpenAI call
// cost, from its model and its token usage. The runtime prices every
// logged call with it on its logging goroutine, `wbinstrument sync`
// prices runs logged before costs were, and `view` falls back on it for
// such runs. The built-in table (openai.go) is dated and versioned; users
// extend or replace it with a JSON file named by WBINSTRUMENT_PRICES
// (file.go). Standard library only, like the rest of the runtime module.
package prices

import (
	"os"
	"sort"
	"strings"
)

// Price is one model's price, in US dollars per million tokens.
type Price struct {
	// Model is the name priced. A model entry prices that name and every
	// name that continues it after a "-" or ":" (its dated snapshots and
	// fine-tunes: "gpt-4o" prices "gpt-4o-2024-08-06", not "gpt-4o1");
	// a prefix entry (Prefix true) prices every name that starts with it.
	// The longest matching entry wins.
	Model  string
	Prefix bool
	// Input prices the input (prompt) tokens not read from the prompt
	// cache; CachedInput those read from it, when HasCached (a model
	// without a cached rate bills cached tokens as input). Output prices
	// the output (completion) tokens, reasoning tokens included.
	Input, CachedInput, Output float64
	HasCached                  bool

	// Family, Kind ("chat", "reasoning", "embedding", "legacy"),
	// ContextWindow and MaxOutput describe the model for `view`; pricing
	// does not use them.
	Family, Kind             string
	ContextWindow, MaxOutput int
}

// Usage is what a call is billed for, in tokens, as the API reports it:
// chat and completions' prompt_tokens, completion_tokens and
// prompt_tokens_details.cached_tokens, or the Responses API's
// input_tokens, output_tokens and input_tokens_details.cached_tokens.
type Usage struct {
	Input       int64 // every input token, cached ones included
	CachedInput int64 // of Input, those read from the prompt cache
	// Output counts every output token. Reasoning tokens are part of it
	// (completion_tokens_details.reasoning_tokens is a breakdown, not an
	// addition), so they are billed at the output rate, once.
	Output int64
}

// Cost is a call's price in US dollars, split as the bill splits it.
type Cost struct {
	Input  float64 // input tokens, cached ones at the cached rate
	Output float64 // output tokens, reasoning included
}

// Total is the call's whole price.
func (c Cost) Total() float64 { return c.Input + c.Output }

// Cost prices u. Cached tokens beyond Input (a server's inconsistent
// report) are taken as Input, and negative counts as 0.
func (p *Price) Cost(u Usage) Cost {
	in, cached, out := nonNeg(u.Input), nonNeg(u.CachedInput), nonNeg(u.Output)
	if cached > in {
		cached = in
	}
	cachedRate := p.Input
	if p.HasCached {
		cachedRate = p.CachedInput
	}
	return Cost{
		Input:  (float64(in-cached)*p.Input + float64(cached)*cachedRate) / 1e6,
		Output: float64(out) * p.Output / 1e6,
	}
}

func nonNeg(n int64) int64 {
	if n < 0 {
		return 0
	}
	return n
}

// Table is a set of prices and Azure deployment names. A Table is not
// changed after it is built, so goroutines may share it.
type Table struct {
	// Version, AsOf and Source identify the built-in table; Override and
	// OverrideSHA256 the file that extended or replaced it, and Label
	// that file's own "version", if it gave one.
	Version        int
	AsOf, Source   string
	Override       string
	OverrideSHA256 string
	Label          string
	Replaced       bool // the file replaced the built-in prices

	prices   []Price
	byName   map[string]int // model entries, by lower-case name
	prefixes []int          // prefix entries, longest first
	azure    map[string]string
}

// newTable indexes ps; later entries of the same name win.
func newTable(ps []Price) *Table {
	t := &Table{byName: make(map[string]int, len(ps))}
	for _, p := range ps {
		p.Model = strings.ToLower(p.Model)
		if i, ok := t.byName[p.Model]; ok && !p.Prefix && !t.prices[i].Prefix {
			t.prices[i] = p
			continue
		}
		t.prices = append(t.prices, p)
		if p.Prefix {
			t.prefixes = append(t.prefixes, len(t.prices)-1)
		} else {
			t.byName[p.Model] = len(t.prices) - 1
		}
	}
	sort.SliceStable(t.prefixes, func(a, b int) bool {
		return len(t.prices[t.prefixes[a]].Model) > len(t.prices[t.prefixes[b]].Model)
	})
	return t
}

// Lookup finds the price of a model name: the longest model entry that
// is the name or a "-"/":"-separated beginning of it, or a longer prefix
// entry. Case does not matter, and a provider path ("openai/gpt-4o") is
// ignored. It does not allocate for lower-case names.
func (t *Table) Lookup(model string) (*Price, bool) {
	if t == nil || model == "" {
		return nil, false
	}
	name := model
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		name = name[i+1:]
	}
	if hasUpper(name) {
		name = strings.ToLower(name)
	}
	best := -1
	for n := name; n != ""; {
		if i, ok := t.byName[n]; ok {
			best = i
			break
		}
		j := strings.LastIndexAny(n, "-:")
		if j <= 0 {
			break
		}
		n = n[:j]
	}
	for _, i := range t.prefixes {
		p := t.prices[i].Model
		if best >= 0 && len(p) <= len(t.prices[best].Model) {
			break // the rest are shorter still
		}
		if strings.HasPrefix(name, p) {
			best = i
			break
		}
	}
	if best < 0 {
		return nil, false
	}
	return &t.prices[best], true
}

func hasUpper(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			return true
		}
	}
	return false
}

// Resolve names the model to price a call by: the model an Azure
// deployment is mapped to (by the call's deployment, from its URL, or by
// its model field, which Azure callers often set to the deployment
// name), else model itself.
func (t *Table) Resolve(model, deployment string) string {
	if t == nil || len(t.azure) == 0 {
		return model
	}
	if m, ok := t.azure[deployment]; ok && deployment != "" {
		return m
	}
	if m, ok := t.azure[model]; ok {
		return m
	}
	return model
}

// AzureDeployment is the deployment an Azure OpenAI URL path or endpoint
// names ("POST /openai/deployments/NAME/chat/completions"), or "".
func AzureDeployment(path string) string {
	const marker = "/openai/deployments/"
	i := strings.Index(path, marker)
	if i < 0 {
		return ""
	}
	rest := path[i+len(marker):]
	if j := strings.IndexByte(rest, '/'); j >= 0 {
		rest = rest[:j]
	}
	return rest
}

// Describe is what the run's config records of the table that priced
// it: the built-in table's version, date and source, and the override
// file's path, SHA-256 and label.
func (t *Table) Describe() map[string]interface{} {
	d := map[string]interface{}{"version": t.Version, "as_of": t.AsOf, "source": t.Source}
	if t.Override != "" {
		d["override"] = t.Override
		d["override_sha256"] = t.OverrideSHA256
		if t.Label != "" {
			d["override_version"] = t.Label
		}
		if t.Replaced {
			d["override_replaces_builtin"] = true
		}
	}
	return d
}

// EnvVar names the override file.
const EnvVar = "WBINSTRUMENT_PRICES"

// FromEnv is the table calls are priced with: the built-in one, extended
// or replaced by the file WBINSTRUMENT_PRICES names. A file that cannot
// be read or is not valid gives a *FileError and no table.
func FromEnv() (*Table, error) {
	path := os.Getenv(EnvVar)
	if path == "" {
		return Default(), nil
	}
	return Load(path)
}
