package fakewandb

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// MetricSteps reads the metric definitions of the run's config as the
// W&B app does: _wandb.m is a list of MetricRecords keyed by field
// number, "1" the name, "2" a glob, "5" the one-based index of the entry
// of the step metric. It returns each defined name with its step metric
// ("" for none).
//
// With expandGlobs the server is one with W&B's EXPAND_DEFINED_METRIC_GLOBS
// feature: a client may then send globs ("2") instead of the names they
// match (core/internal/runupserter/runupserter.go, UpdateMetrics), and
// the server defines every history key matching a glob with its settings
// (keys starting with "_" excepted, as in core/internal/runmetric/
// runmetric.go, createGlobMetrics). Without it a glob entry defines
// nothing.
func (r *Run) MetricSteps(expandGlobs bool) (map[string]string, error) {
	cfg, err := r.ConfigValues()
	if err != nil {
		return nil, err
	}
	var internal struct {
		M []map[string]json.RawMessage `json:"m"`
	}
	if raw, ok := cfg["_wandb"]; ok {
		if err := json.Unmarshal(raw, &internal); err != nil {
			return nil, fmt.Errorf("fakewandb: _wandb: %v", err)
		}
	}
	type entry struct {
		name, glob string
		step       int
	}
	entries := make([]entry, len(internal.M))
	for i, m := range internal.M {
		json.Unmarshal(m["1"], &entries[i].name)
		json.Unmarshal(m["2"], &entries[i].glob)
		json.Unmarshal(m["5"], &entries[i].step)
	}
	stepOf := func(e entry) string {
		if e.step >= 1 && e.step <= len(entries) {
			return entries[e.step-1].name
		}
		return ""
	}
	out := map[string]string{}
	for _, e := range entries {
		if e.name != "" {
			out[e.name] = stepOf(e)
		}
	}
	if !expandGlobs {
		return out, nil
	}
	rows, err := r.History()
	if err != nil {
		return nil, err
	}
	keys := map[string]bool{}
	for _, row := range rows {
		for k := range row {
			keys[k] = true
		}
	}
	sorted := make([]string, 0, len(keys))
	for k := range keys {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)
	for _, e := range entries {
		if e.glob == "" {
			continue
		}
		for _, k := range sorted {
			if _, defined := out[k]; defined || strings.HasPrefix(k, "_") {
				continue
			}
			if strings.HasPrefix(k, strings.TrimSuffix(e.glob, "*")) {
				out[k] = stepOf(e)
			}
		}
	}
	return out, nil
}
