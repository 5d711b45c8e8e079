package prices

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"testing"
)

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-12*math.Max(1, math.Abs(b)) }

// TestLookup: names find their family's entry, a dated snapshot priced on
// its own finds its own, fine-tunes find the fine-tune rates, and names
// that merely start like a model do not.
func TestLookup(t *testing.T) {
	for _, c := range []struct{ model, want string }{
		{"gpt-4o-mini", "gpt-4o-mini"},
		{"gpt-4o-mini-2024-07-18", "gpt-4o-mini"},
		{"gpt-4o-2024-08-06", "gpt-4o"},
		{"gpt-4o-2024-05-13", "gpt-4o-2024-05-13"},
		{"GPT-4o", "gpt-4o"},
		{"openai/gpt-4.1-nano", "gpt-4.1-nano"},
		{"gpt-4.1-2025-04-14", "gpt-4.1"},
		{"gpt-5-chat-latest", "gpt-5"},
		{"gpt-5-mini-2025-08-07", "gpt-5-mini"},
		{"o3-mini-2025-01-31", "o3-mini"},
		{"o1-pro-2025-03-19", "o1-pro"},
		{"gpt-4-0613", "gpt-4"},
		{"gpt-4-turbo-2024-04-09", "gpt-4-turbo"},
		{"gpt-4-32k-0613", "gpt-4-32k"},
		{"gpt-3.5-turbo-0125", "gpt-3.5-turbo"},
		{"gpt-3.5-turbo-16k-0613", "gpt-3.5-turbo-16k"},
		{"text-embedding-3-small", "text-embedding-3-small"},
		{"ft:gpt-4o-mini-2024-07-18:acme::A1b2C3", "ft:gpt-4o-mini"},
		{"ft:gpt-4o-2024-08-06:acme:run-7:X9", "ft:gpt-4o"},
	} {
		p, ok := Default().Lookup(c.model)
		if !ok || p.Model != c.want {
			got := "<none>"
			if ok {
				got = p.Model
			}
			t.Errorf("Lookup(%q) = %s, want %s", c.model, got, c.want)
		}
	}
	for _, m := range []string{"", "gpt-4o1", "gpt-5.1", "llama-3-70b", "ft:gpt-4-0613:acme::x", "o2", "gpt"} {
		if p, ok := Default().Lookup(m); ok {
			t.Errorf("Lookup(%q) = %s, want none", m, p.Model)
		}
	}
}

// TestLookupAllocs: the logging goroutine looks up every call's model.
func TestLookupAllocs(t *testing.T) {
	tb := Default()
	if n := testing.AllocsPerRun(100, func() { tb.Lookup("gpt-4o-mini-2024-07-18") }); n != 0 {
		t.Errorf("Lookup allocates %v times", n)
	}
}

// TestGoldenCosts pins the dollars of typical calls to the table's
// prices, worked out by hand from the list prices per million tokens.
func TestGoldenCosts(t *testing.T) {
	for _, c := range []struct {
		name, model   string
		u             Usage
		wantIn, wantO float64
	}{
		// gpt-4o-mini: $0.15 in, $0.60 out.
		{"chat", "gpt-4o-mini-2024-07-18", Usage{Input: 1000, Output: 500}, 1000 * 0.15 / 1e6, 500 * 0.60 / 1e6},
		// gpt-4o: 600 uncached at $2.50, 400 cached at $1.25, 200 out at $10.
		{"cached input", "gpt-4o", Usage{Input: 1000, CachedInput: 400, Output: 200}, (600*2.50 + 400*1.25) / 1e6, 200 * 10.0 / 1e6},
		// o3: the 1,500 output tokens include 1,200 reasoning tokens,
		// billed once at $8.
		{"reasoning", "o3-2025-04-16", Usage{Input: 100, Output: 1500}, 100 * 2.0 / 1e6, 1500 * 8.0 / 1e6},
		// text-embedding-3-small: $0.02 per million input tokens.
		{"embedding", "text-embedding-3-small", Usage{Input: 8000}, 8000 * 0.02 / 1e6, 0},
		// gpt-3.5-turbo has no cached rate: cached tokens bill as input.
		{"no cached rate", "gpt-3.5-turbo", Usage{Input: 2000, CachedInput: 1000, Output: 10}, 2000 * 0.50 / 1e6, 10 * 1.50 / 1e6},
		// gpt-4o-2024-05-13 is priced apart from gpt-4o.
		{"snapshot", "gpt-4o-2024-05-13", Usage{Input: 1e6, Output: 1e6}, 5.0, 15.0},
	} {
		p, ok := Default().Lookup(c.model)
		if !ok {
			t.Errorf("%s: %s not priced", c.name, c.model)
			continue
		}
		got := p.Cost(c.u)
		if !near(got.Input, c.wantIn) || !near(got.Output, c.wantO) || !near(got.Total(), c.wantIn+c.wantO) {
			t.Errorf("%s: %s %+v costs %+v, want input %v output %v", c.name, c.model, c.u, got, c.wantIn, c.wantO)
		}
	}
}

// TestCostOddUsage: a cached count beyond the input is capped, negative
// counts are nothing.
func TestCostOddUsage(t *testing.T) {
	p, _ := Default().Lookup("gpt-4o")
	if got := p.Cost(Usage{Input: 10, CachedInput: 50, Output: -3}); !near(got.Input, 10*1.25/1e6) || got.Output != 0 {
		t.Errorf("cost = %+v", got)
	}
}

// TestTableIsSane: every built-in entry has a positive input price, a
// cached rate below its input rate, and a unique name.
func TestTableIsSane(t *testing.T) {
	seen := map[string]bool{}
	for _, p := range openAI {
		if seen[p.Model] {
			t.Errorf("%s listed twice", p.Model)
		}
		seen[p.Model] = true
		if p.Input <= 0 || p.Output < 0 || (p.HasCached && (p.CachedInput <= 0 || p.CachedInput >= p.Input)) {
			t.Errorf("%s: implausible prices %+v", p.Model, p)
		}
		if p.Kind != "embedding" && p.Output <= 0 {
			t.Errorf("%s: no output price", p.Model)
		}
	}
	d := Default().Describe()
	if d["version"] != Version || d["as_of"] != AsOf || d["source"] != Source {
		t.Errorf("Describe = %v", d)
	}
}

// tableDigests pins the built-in prices of each Version: a price changed
// without a new Version (and AsOf) would leave runs unable to say which
// prices their costs came from.
var tableDigests = map[int]string{
	1: "845ad16c74f199415662320eeb6d6fa5a3087dbb90896bab545eab9dd8713037",
}

func TestVersionPinsPrices(t *testing.T) {
	h := sha256.New()
	for _, p := range openAI {
		fmt.Fprintf(h, "%s %v %v %v %v %v\n", p.Model, p.Prefix, p.Input, p.CachedInput, p.HasCached, p.Output)
	}
	got := hex.EncodeToString(h.Sum(nil))
	if want, ok := tableDigests[Version]; !ok || got != want {
		t.Errorf("the built-in prices digest to %s, but version %d pins %q: a price changed, so bump Version and AsOf and pin the new digest", got, Version, want)
	}
}
