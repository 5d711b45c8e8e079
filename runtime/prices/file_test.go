package prices

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const exampleFile = `{
  "version": "acme-negotiated-2026-01",
  "models": [
    {"model": "gpt-4o", "input": 2.00, "cached_input": 1.00, "output": 8.00},
    {"model": "azure-gpt-4o-eu", "input": 2.75, "cached_input": 1.375, "output": 11.00},
    {"prefix": "my-llama-", "input": 0.20, "output": 0.30}
  ],
  "azure_deployments": {"prod-chat": "azure-gpt-4o-eu", "embed": "text-embedding-3-large"}
}
`

// TestOverrideFile: the file's prices win over the built-in ones, extend
// them with new names and prefixes, and map Azure deployments; the table
// says which file it came from.
func TestOverrideFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "prices.json")
	if err := os.WriteFile(path, []byte(exampleFile), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv(EnvVar, path)
	tb, err := FromEnv()
	if err != nil {
		t.Fatal(err)
	}
	p, ok := tb.Lookup("gpt-4o-2024-08-06")
	if !ok || p.Input != 2.00 || p.CachedInput != 1.00 || p.Output != 8.00 || p.ContextWindow != 128000 {
		t.Errorf("gpt-4o = %+v", p)
	}
	if p, ok := tb.Lookup("gpt-4o-mini"); !ok || p.Input != 0.15 {
		t.Errorf("gpt-4o-mini (built in) = %+v, %v", p, ok)
	}
	if p, ok := tb.Lookup("my-llama-3-70b"); !ok || p.Output != 0.30 || p.HasCached {
		t.Errorf("my-llama- prefix = %+v, %v", p, ok)
	}
	if got := tb.Resolve("prod-chat", "prod-chat"); got != "azure-gpt-4o-eu" {
		t.Errorf("Resolve(deployment prod-chat) = %q", got)
	}
	if got := tb.Resolve("gpt-4o-2024-08-06", "prod-chat"); got != "azure-gpt-4o-eu" {
		t.Errorf("Resolve by the URL's deployment = %q", got)
	}
	if got := tb.Resolve("prod-chat", ""); got != "azure-gpt-4o-eu" {
		t.Errorf("Resolve by a model field naming the deployment = %q", got)
	}
	if got := tb.Resolve("gpt-4o", "other"); got != "gpt-4o" {
		t.Errorf("Resolve(unmapped) = %q", got)
	}
	d := tb.Describe()
	if d["override"] != path || d["override_version"] != "acme-negotiated-2026-01" || len(d["override_sha256"].(string)) != 64 || d["version"] != Version {
		t.Errorf("Describe = %v", d)
	}
	// The built-in table is not changed by a file.
	if p, _ := Default().Lookup("gpt-4o"); p.Input != 2.50 {
		t.Errorf("the built-in gpt-4o became %+v", p)
	}
}

// TestReplace: "replace" keeps only the file's prices.
func TestReplace(t *testing.T) {
	tb, err := Parse("p.json", []byte(`{"replace": true, "models": [{"model": "gpt-4o", "input": 1, "output": 2}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := tb.Lookup("o3"); ok {
		t.Error("o3 priced although the file replaces the built-in table")
	}
	// gpt-4o-mini has no entry of its own now: gpt-4o's prices it.
	if p, ok := tb.Lookup("gpt-4o-mini"); !ok || p.Input != 1 {
		t.Errorf("gpt-4o-mini = %+v", p)
	}
}

// TestFileErrors: a bad file says which file, which line and what is
// wrong.
func TestFileErrors(t *testing.T) {
	for _, c := range []struct{ name, text, want string }{
		{"syntax", "{\n  \"models\": [\n    {\"model\": \"gpt-4o\", \"input\": 2,}\n  ]\n}", "p.json:3: not valid JSON"},
		{"truncated", "{\n  \"models\": [\n", "p.json:3: not valid JSON: the file ends early"},
		{"not an object", "[1]", "p.json:1: the price file must be a JSON object"},
		{"empty", "  \n", "p.json: the price file is empty"},
		{"unknown key", "{\n \"models\": [],\n \"azure\": {}\n}", `p.json:3: unknown key "azure"`},
		{"unknown field", "{\"models\": [\n{\"model\": \"a\", \"input\": 1, \"output\": 1},\n{\"model\": \"b\", \"inptu\": 1, \"output\": 1}]}", `p.json:3: models[1]: unknown field "inptu"`},
		{"missing input", "{\"models\": [\n\n{\"model\": \"b\", \"output\": 1}]}", `p.json:3: models[0] (b): "input" is missing`},
		{"missing output", "{\"models\": [{\"model\": \"b\", \"input\": 1}]}", `p.json:1: models[0] (b): "output" is missing`},
		{"negative", "{\"models\": [\n{\"model\": \"b\", \"input\": 1, \"output\": -2}]}", `p.json:2: models[0] (b): "output" is negative (-2)`},
		{"string price", "{\"models\": [\n{\"model\": \"b\", \"input\": \"1.5\", \"output\": 2}]}", `p.json:2: models[0]: "input" must be a number`},
		{"no name", "{\"models\": [{\"input\": 1, \"output\": 2}]}", `p.json:1: models[0]: no "model"`},
		{"both names", "{\"models\": [{\"model\": \"a\", \"prefix\": \"a\", \"input\": 1, \"output\": 2}]}", `not both`},
		{"twice", "{\"models\": [\n{\"model\": \"a\", \"input\": 1, \"output\": 2},\n{\"model\": \"A\", \"input\": 1, \"output\": 2}]}", `p.json:3: models[1]: "A" is priced twice`},
		{"entry not object", "{\"models\": [1]}", `models[0]: an entry must be an object`},
		{"azure unpriced", "{\n\"azure_deployments\": {\n\"prod\": \"my-model\"}}", `p.json:3: azure_deployments: "prod" maps to model "my-model", which no price entry covers`},
		{"azure not string", "{\"azure_deployments\": {\"prod\": 1}}", `azure_deployments: "prod" must map to a model name`},
		{"replace nothing", "{\"replace\": true}", `"replace" is true but "models" lists no prices`},
		{"trailing", "{}\n{}", `p.json:2: text after the closing }`},
		{"version type", "{\"version\": 3}", `"version" must be a string`},
	} {
		tb, err := Parse("p.json", []byte(c.text))
		if err == nil {
			t.Errorf("%s: no error, table %v", c.name, tb.Describe())
			continue
		}
		if _, ok := err.(*FileError); !ok || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %q (%T), want it to contain %q", c.name, err, err, c.want)
		}
	}
	if _, err := Load(filepath.Join(t.TempDir(), "missing.json")); err == nil || !strings.Contains(err.Error(), "missing.json: cannot read the price file") {
		t.Errorf("missing file: %v", err)
	}
}
