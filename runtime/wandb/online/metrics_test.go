package online

import (
	"encoding/json"
	"testing"

	"github.com/wbinstrument/wbinstrument/runtime/wandb/wandbfile"
)

func usageRow(keys ...string) *wandbfile.HistoryRecord {
	h := &wandbfile.HistoryRecord{}
	for _, k := range keys {
		h.Items = append(h.Items, wandbfile.Item{NestedKey: []string{k}, ValueJSON: json.RawMessage(`1`)})
	}
	return h
}

// TestMetricConfigMatchesWandbCore pins _wandb.m for the autolog's
// define_metric("usage/*", step_metric="_timestamp") after one row, as
// W&B's Go core builds it (github.com/wandb/wandb,
// core/internal/runmetric/runconfigmetrics.go ToRunConfigData with
// definedmetric.go With/ToRecord and runmetric.go createGlobMetrics,
// encoded by core/internal/corelib/protolib.go ProtoEncodeToDict):
//   - the glob itself is not listed (client-side expansion); each matching
//     key gets an entry, which W&B's sender sees as a record naming the key,
//     so options hold step_sync (1) and defined (3);
//   - "_timestamp" and the other "_" keys never match; _timestamp gets an
//     empty entry of its own right after the first metric stepping on it,
//     and the metrics name it by one-based index in field 5;
//   - options (6) and summary (7) are always present, [] when all false;
//     unset strings, ints and enums are absent.
//
// W&B iterates Go maps, so its entry and key order varies from run to
// run; this is one of the orders it produces, and the one we always do.
func TestMetricConfigMatchesWandbCore(t *testing.T) {
	u := newUploader(nil, "")
	u.add(&wandbfile.Record{Metric: &wandbfile.MetricRecord{GlobName: "usage/*", StepMetric: "_timestamp",
		Options: wandbfile.MetricOptions{StepSync: true, Defined: true}}})
	if !u.configDirty {
		t.Error("a metric record did not mark the config for upload")
	}
	// Before any row: the list exists, empty, as W&B stores it once a
	// metric record arrived.
	cfg := map[string]json.RawMessage{}
	if err := u.metrics.applyTo(cfg); err != nil {
		t.Fatal(err)
	}
	if got := string(cfg["_wandb"]); got != `{"m":[]}` {
		t.Errorf("before any row: _wandb = %s, want {\"m\":[]}", got)
	}

	u.configDirty = false
	u.add(&wandbfile.Record{History: usageRow("usage/prompt_tokens", "usage/completion_tokens", "usage/total_tokens",
		"usage/elapsed_time", "trace", "_step", "_runtime", "_timestamp")})
	if !u.configDirty {
		t.Error("a row defining new metrics did not mark the config for upload")
	}
	u.configDirty = false
	u.add(&wandbfile.Record{History: usageRow("usage/prompt_tokens", "usage/total_tokens", "_timestamp")})
	if u.configDirty {
		t.Error("a row with only known keys marked the config for upload again")
	}

	cfg = map[string]json.RawMessage{"model": json.RawMessage(`"gpt-4o"`)}
	if err := u.metrics.applyTo(cfg); err != nil {
		t.Fatal(err)
	}
	got, err := configJSON(cfg)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"_wandb":{"value":{"m":[` +
		`{"1":"usage/prompt_tokens","5":2,"6":[1,3],"7":[]},` +
		`{"1":"_timestamp","6":[],"7":[]},` +
		`{"1":"usage/completion_tokens","5":2,"6":[1,3],"7":[]},` +
		`{"1":"usage/total_tokens","5":2,"6":[1,3],"7":[]},` +
		`{"1":"usage/elapsed_time","5":2,"6":[1,3],"7":[]}` +
		`]},"desc":null},"model":{"value":"gpt-4o","desc":null}}`
	if got != want {
		t.Errorf("config:\n got %s\nwant %s", got, want)
	}
}

// TestMetricConfigExplicitAndSharedSteps covers what the autolog does not
// use: a named metric with its own step, a step metric that is itself
// defined, hidden and goal, and a _wandb the config already had.
func TestMetricConfigExplicitAndSharedSteps(t *testing.T) {
	rm := newRunMetrics()
	rm.process(&wandbfile.MetricRecord{Name: "epoch", Options: wandbfile.MetricOptions{Hidden: true, Defined: true}})
	rm.process(&wandbfile.MetricRecord{Name: "loss", StepMetric: "epoch", Goal: 1, Options: wandbfile.MetricOptions{StepSync: true, Defined: true}})
	rm.process(&wandbfile.MetricRecord{Name: "acc", StepMetric: "batch", Goal: 2})
	// A later record updates: flags stay on, the step is replaced.
	rm.process(&wandbfile.MetricRecord{Name: "acc", StepMetric: "epoch"})
	rm.process(&wandbfile.MetricRecord{StepMetric: "x"}) // an x axis alone: nothing listed
	rm.process(&wandbfile.MetricRecord{})                // invalid: ignored
	cfg := map[string]json.RawMessage{"_wandb": json.RawMessage(`{"t":{"1":[2]},"m":"old"}`)}
	if err := rm.applyTo(cfg); err != nil {
		t.Fatal(err)
	}
	want := `{"m":[` +
		`{"1":"epoch","6":[2,3],"7":[]},` +
		`{"1":"loss","5":1,"6":[1,3],"7":[],"8":1},` +
		`{"1":"acc","5":1,"6":[3],"7":[],"8":2}` +
		`],"t":{"1":[2]}}`
	if got := string(cfg["_wandb"]); got != want {
		t.Errorf("_wandb:\n got %s\nwant %s", got, want)
	}
	// A row matches no glob here: nothing new.
	if rm.expand(usageRow("loss", "new")) {
		t.Error("expand defined metrics without any glob")
	}
}

func TestMetricConfigAbsentWithoutDefinitions(t *testing.T) {
	u := newUploader(nil, "")
	u.add(&wandbfile.Record{History: usageRow("usage/total_tokens")})
	cfg := map[string]json.RawMessage{}
	if err := u.metrics.applyTo(cfg); err != nil {
		t.Fatal(err)
	}
	if _, ok := cfg["_wandb"]; ok {
		t.Errorf("a run without metric records got _wandb = %s", cfg["_wandb"])
	}
}
