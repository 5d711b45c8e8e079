package wbopenai

import (
	"github.com/wbinstrument/wbinstrument/runtime/prices"
	"github.com/wbinstrument/wbinstrument/runtime/wandb"
)

// The cost keys (see package prices): a priced row carries costKey and
// its input and output parts; the summary keeps the totals under
// total_cost/ and counts the calls that could not be priced.
const (
	costGlob        = prices.Glob
	costKey         = prices.KeyUSD
	costInputKey    = prices.KeyInputUSD
	costOutputKey   = prices.KeyOutputUSD
	pricesConfigKey = prices.ConfigKey
)

// costState is how a session prices calls.
type costState struct {
	table  *prices.Table // nil: costs are off (a bad override file)
	loaded bool
	config map[string]interface{} // the pricesConfigKey value
}

// load reads the price table once per session: the built-in one, or the
// WBINSTRUMENT_PRICES file. A bad file costs a warning and the run's
// costs, never the program.
func (cs *costState) load() {
	if cs.loaded {
		return
	}
	cs.loaded = true
	t, err := prices.FromEnv()
	if err != nil {
		warn("%s: %v; this run logs no costs (fix the file, or unset %s for the built-in prices of %s)",
			prices.EnvVar, err, prices.EnvVar, prices.AsOf)
		cs.config = map[string]interface{}{"error": err.Error(), "costs": "off"}
		return
	}
	cs.table = t
	cs.config = t.Describe()
}

// withConfig returns opts with the price table recorded in its config
// (a copy: the caller's map is not changed). A key of the user's own
// under the same name is kept.
func (cs *costState) withConfig(opts wandb.Options) wandb.Options {
	if cs.config == nil {
		return opts
	}
	if _, mine := opts.Config[pricesConfigKey]; mine {
		return opts
	}
	c := make(map[string]interface{}, len(opts.Config)+1)
	for k, v := range opts.Config {
		c[k] = v
	}
	c[pricesConfigKey] = cs.config
	opts.Config = c
	return opts
}

// callCost is what pricing made of one call.
type callCost struct {
	priced   bool // cost holds its price
	unpriced bool // a billed call that could not be priced: unknown model, or no usage
	cost     prices.Cost
}

// price prices a call from its model and its usage. Only token-billed
// endpoints (chat, completions, embeddings, responses) are priced; a
// failed call that reports no usage was not billed and is neither priced
// nor counted as unpriced.
func (cs *costState) price(c *callInfo) callCost {
	if cs.table == nil || !c.kind.isLLM() {
		return callCost{}
	}
	if !c.usage.has {
		return callCost{unpriced: !c.failed}
	}
	model := cs.table.Resolve(c.model, prices.AzureDeployment(c.endpoint))
	p, ok := cs.table.Lookup(model)
	if !ok {
		return callCost{unpriced: true}
	}
	u := prices.Usage{Input: int64(c.usage.prompt), Output: int64(c.usage.completion)}
	if c.usage.hasCached {
		u.CachedInput = int64(c.usage.cached)
	}
	return callCost{priced: true, cost: p.Cost(u)}
}

// newRow makes a row's map. A priced row has more keys than a map holds
// before it grows (usage, cost, trace, stats): made big enough at once,
// it costs one allocation instead of a rehash into a second one.
func (cs *costState) newRow() map[string]interface{} {
	if cs.table != nil {
		return make(map[string]interface{}, 16)
	}
	return make(map[string]interface{})
}

// addTo puts a priced call's cost into its row.
func (cc callCost) addTo(row map[string]interface{}) {
	if !cc.priced {
		return
	}
	row[costKey] = cc.cost.Total()
	row[costInputKey] = cc.cost.Input
	row[costOutputKey] = cc.cost.Output
}
