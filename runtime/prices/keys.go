package prices

// The keys costs are logged under, shared by the runtime that logs them
// and the CLI that reads them and prices old runs at sync time.
const (
	// KeyUSD is a history row's price in US dollars; KeyInputUSD and
	// KeyOutputUSD are its input and output parts.
	KeyUSD       = "cost/usd"
	KeyInputUSD  = "cost/input_usd"
	KeyOutputUSD = "cost/output_usd"
	// KeyEstimated marks a row priced from estimated token counts (the
	// server reported none); KeyPricedAtSync a row `wbinstrument sync`
	// priced because the run was logged without costs.
	KeyEstimated    = "cost/estimated"
	KeyPricedAtSync = "cost/priced_at_sync"
	// Glob is the metric defined against _timestamp, as usage/* is.
	Glob = "cost/*"

	// SummaryPrefix starts the summary's totals: total_cost/usd,
	// total_cost/input_usd, total_cost/output_usd and
	// total_cost/<model>/usd. A summary key named like a history key would
	// replace that key's last value, which W&B shows for it.
	SummaryPrefix = "total_cost/"
	// KeyUnpriced counts the billed calls that could not be priced
	// (unknown model, or no usage reported).
	KeyUnpriced = "unpriced_calls"

	// ConfigKey is the run config key that says which table priced the
	// run (Table.Describe), or why the run has no costs;
	// ConfigKeyAtSync the table `sync` priced an old run's rows with.
	ConfigKey       = "wbinstrument_prices"
	ConfigKeyAtSync = "wbinstrument_prices_at_sync"
)
