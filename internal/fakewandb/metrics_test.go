package fakewandb_test

import (
	"encoding/json"
	"testing"

	"github.com/wbinstrument/wbinstrument/internal/fakewandb"
	"github.com/wbinstrument/wbinstrument/runtime/wandb"
)

// metricEntries decodes _wandb.m of the run's last uploaded config.
func metricEntries(t *testing.T, run fakewandb.Run) []map[string]json.RawMessage {
	t.Helper()
	cfg, err := run.ConfigValues()
	if err != nil {
		t.Fatal(err)
	}
	var internal struct {
		M []map[string]json.RawMessage `json:"m"`
	}
	if err := json.Unmarshal(cfg["_wandb"], &internal); err != nil {
		t.Fatalf("config _wandb = %s: %v", cfg["_wandb"], err)
	}
	if string(cfg["model"]) != `"gpt-4o"` {
		t.Errorf("the user's config was lost next to _wandb: %s", mustJSON(cfg))
	}
	return internal.M
}

// checkUsageMetrics asserts that usage/total_tokens is defined with the
// _timestamp step, by index, as the W&B app reads it.
func checkUsageMetrics(t *testing.T, m []map[string]json.RawMessage) {
	t.Helper()
	index := map[string]int{}
	for i, e := range m {
		var name string
		json.Unmarshal(e["1"], &name)
		index[name] = i + 1
	}
	ts, ok := index["_timestamp"]
	if !ok {
		t.Fatalf("_wandb.m has no _timestamp entry: %s", mustJSON(m))
	}
	tok, ok := index["usage/total_tokens"]
	if !ok {
		t.Fatalf("_wandb.m has no usage/total_tokens entry: %s", mustJSON(m))
	}
	if got := string(m[tok-1]["5"]); got != mustJSON(ts) {
		t.Errorf("usage/total_tokens steps on entry %s, want %d (_timestamp): %s", got, ts, mustJSON(m))
	}
	for name := range index {
		if name == "i" || name == "text" {
			t.Errorf("%s matched the usage/* glob: %s", name, mustJSON(m))
		}
	}
}

// TestUploadsMetricDefinitions: the metric definitions reach the server's
// config, whether the run is sent online or synced after an offline run.
func TestUploadsMetricDefinitions(t *testing.T) {
	for _, mode := range []string{"online", "offline"} {
		t.Run(mode, func(t *testing.T) {
			env(t)
			srv := fakewandb.New(key)
			defer srv.Close()
			opts := onlineOpts(srv, t.TempDir())
			opts.Mode = mode
			r, err := wandb.Init(opts)
			if err != nil {
				t.Fatal(err)
			}
			r.DefineMetric("usage/*", "_timestamp")
			logRows(t, r, 20)
			if err := r.Finish(); err != nil {
				t.Fatalf("Finish: %v", err)
			}
			if mode == "offline" {
				syncRun(t, srv, r.Dir())
			}
			run := checkRun(t, srv, fakewandb.DefaultEntity, "proj", r.ID(), 20, 0)
			checkUsageMetrics(t, metricEntries(t, run))
		})
	}
}
