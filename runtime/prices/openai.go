package prices

import "sync"

// The built-in table: OpenAI's list prices for the Standard processing
// tier (not Batch, Flex or Priority), in US dollars per million tokens,
// as published at Source on AsOf. Version goes up with every change of a
// price, so a run's config says which prices its costs came from.
const (
	Version = 1
	AsOf    = "2025-08-15"
	Source  = "https://platform.openai.com/docs/pricing"
)

// openAI lists the prices. Dated snapshots and variants are priced by
// their family's entry ("gpt-4o-mini-2024-07-18" by "gpt-4o-mini");
// a snapshot priced differently from its family has its own, longer
// entry ("gpt-4o-2024-05-13"). Fine-tuned models ("ft:gpt-4o-mini-...")
// have their own, higher rates; a fine-tune of a base not listed is not
// priced rather than priced as its base.
var openAI = []Price{
	// GPT-5
	chat("gpt-5", "GPT-5", 1.25, 0.125, 10.00, 400000, 128000, "reasoning"),
	chat("gpt-5-mini", "GPT-5", 0.25, 0.025, 2.00, 400000, 128000, "reasoning"),
	chat("gpt-5-nano", "GPT-5", 0.05, 0.005, 0.40, 400000, 128000, "reasoning"),
	// GPT-4.1
	chat("gpt-4.1", "GPT-4.1", 2.00, 0.50, 8.00, 1047576, 32768, "chat"),
	chat("gpt-4.1-mini", "GPT-4.1", 0.40, 0.10, 1.60, 1047576, 32768, "chat"),
	chat("gpt-4.1-nano", "GPT-4.1", 0.10, 0.025, 0.40, 1047576, 32768, "chat"),
	// GPT-4o
	chat("gpt-4o", "GPT-4o", 2.50, 1.25, 10.00, 128000, 16384, "chat"),
	noCache("gpt-4o-2024-05-13", "GPT-4o", 5.00, 15.00, 128000, 4096, "chat"),
	chat("gpt-4o-mini", "GPT-4o", 0.15, 0.075, 0.60, 128000, 16384, "chat"),
	chat("gpt-4o-realtime-preview", "GPT-4o", 5.00, 2.50, 20.00, 128000, 4096, "chat"),
	chat("gpt-4o-mini-realtime-preview", "GPT-4o", 0.60, 0.30, 2.40, 128000, 4096, "chat"),
	noCache("gpt-4o-audio-preview", "GPT-4o", 2.50, 10.00, 128000, 16384, "chat"),
	noCache("gpt-4o-mini-audio-preview", "GPT-4o", 0.15, 0.60, 128000, 16384, "chat"),
	noCache("gpt-4o-search-preview", "GPT-4o", 2.50, 10.00, 128000, 16384, "chat"),
	noCache("gpt-4o-mini-search-preview", "GPT-4o", 0.15, 0.60, 128000, 16384, "chat"),
	noCache("chatgpt-4o-latest", "GPT-4o", 5.00, 15.00, 128000, 16384, "chat"),
	chat("gpt-4.5-preview", "GPT-4.5", 75.00, 37.50, 150.00, 128000, 16384, "chat"),
	// o-series
	chat("o1", "o-series", 15.00, 7.50, 60.00, 200000, 100000, "reasoning"),
	chat("o1-preview", "o-series", 15.00, 7.50, 60.00, 128000, 32768, "reasoning"),
	chat("o1-mini", "o-series", 1.10, 0.55, 4.40, 128000, 65536, "reasoning"),
	noCache("o1-pro", "o-series", 150.00, 600.00, 200000, 100000, "reasoning"),
	chat("o3", "o-series", 2.00, 0.50, 8.00, 200000, 100000, "reasoning"),
	chat("o3-mini", "o-series", 1.10, 0.55, 4.40, 200000, 100000, "reasoning"),
	noCache("o3-pro", "o-series", 20.00, 80.00, 200000, 100000, "reasoning"),
	chat("o3-deep-research", "o-series", 10.00, 2.50, 40.00, 200000, 100000, "reasoning"),
	chat("o4-mini", "o-series", 1.10, 0.275, 4.40, 200000, 100000, "reasoning"),
	chat("o4-mini-deep-research", "o-series", 2.00, 0.50, 8.00, 200000, 100000, "reasoning"),
	chat("codex-mini-latest", "o-series", 1.50, 0.375, 6.00, 200000, 100000, "reasoning"),
	noCache("computer-use-preview", "Computer use", 3.00, 12.00, 8192, 1024, "chat"),
	// GPT-4 and GPT-3.5 (legacy)
	noCache("gpt-4-turbo", "GPT-4", 10.00, 30.00, 128000, 4096, "chat"),
	noCache("gpt-4-0125-preview", "GPT-4", 10.00, 30.00, 128000, 4096, "chat"),
	noCache("gpt-4-1106-preview", "GPT-4", 10.00, 30.00, 128000, 4096, "chat"),
	noCache("gpt-4-1106-vision-preview", "GPT-4", 10.00, 30.00, 128000, 4096, "chat"),
	noCache("gpt-4-vision-preview", "GPT-4", 10.00, 30.00, 128000, 4096, "chat"),
	noCache("gpt-4", "GPT-4", 30.00, 60.00, 8192, 8192, "chat"),
	noCache("gpt-4-32k", "GPT-4", 60.00, 120.00, 32768, 32768, "chat"),
	noCache("gpt-3.5-turbo", "GPT-3.5", 0.50, 1.50, 16385, 4096, "chat"),
	noCache("gpt-3.5-turbo-1106", "GPT-3.5", 1.00, 2.00, 16385, 4096, "chat"),
	noCache("gpt-3.5-turbo-0613", "GPT-3.5", 1.50, 2.00, 4096, 4096, "chat"),
	noCache("gpt-3.5-turbo-0301", "GPT-3.5", 1.50, 2.00, 4096, 4096, "chat"),
	noCache("gpt-3.5-turbo-16k", "GPT-3.5", 3.00, 4.00, 16385, 4096, "chat"),
	noCache("gpt-3.5-turbo-instruct", "GPT-3.5", 1.50, 2.00, 4096, 4096, "legacy"),
	noCache("davinci-002", "GPT base", 2.00, 2.00, 16384, 16384, "legacy"),
	noCache("babbage-002", "GPT base", 0.40, 0.40, 16384, 16384, "legacy"),
	// Embeddings: input tokens only.
	noCache("text-embedding-3-small", "Embeddings", 0.02, 0, 8191, 0, "embedding"),
	noCache("text-embedding-3-large", "Embeddings", 0.13, 0, 8191, 0, "embedding"),
	noCache("text-embedding-ada-002", "Embeddings", 0.10, 0, 8191, 0, "embedding"),
	// Fine-tuned models: inference on a fine-tune costs more than on its base.
	chat("ft:gpt-4.1", "Fine-tuned", 3.00, 0.75, 12.00, 1047576, 32768, "chat"),
	chat("ft:gpt-4.1-mini", "Fine-tuned", 0.80, 0.20, 3.20, 1047576, 32768, "chat"),
	chat("ft:gpt-4.1-nano", "Fine-tuned", 0.20, 0.05, 0.80, 1047576, 32768, "chat"),
	chat("ft:gpt-4o", "Fine-tuned", 3.75, 1.875, 15.00, 128000, 16384, "chat"),
	chat("ft:gpt-4o-mini", "Fine-tuned", 0.30, 0.15, 1.20, 128000, 16384, "chat"),
	noCache("ft:gpt-3.5-turbo", "Fine-tuned", 3.00, 6.00, 16385, 4096, "chat"),
	noCache("ft:davinci-002", "Fine-tuned", 12.00, 12.00, 16384, 16384, "legacy"),
	noCache("ft:babbage-002", "Fine-tuned", 1.60, 1.60, 16384, 16384, "legacy"),
}

func chat(model, family string, in, cached, out float64, ctx, maxOut int, kind string) Price {
	return Price{Model: model, Input: in, CachedInput: cached, HasCached: true, Output: out,
		Family: family, Kind: kind, ContextWindow: ctx, MaxOutput: maxOut}
}

func noCache(model, family string, in, out float64, ctx, maxOut int, kind string) Price {
	return Price{Model: model, Input: in, Output: out, Family: family, Kind: kind, ContextWindow: ctx, MaxOutput: maxOut}
}

var builtin struct {
	once sync.Once
	t    *Table
}

// Default is the built-in table.
func Default() *Table {
	builtin.once.Do(func() {
		t := newTable(openAI)
		t.Version, t.AsOf, t.Source = Version, AsOf, Source
		builtin.t = t
	})
	return builtin.t
}
