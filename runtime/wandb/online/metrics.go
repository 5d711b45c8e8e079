package online

// Metric definitions in the uploaded run config. W&B keeps a run's
// define_metric calls in its config, under _wandb.value.m, as a list of
// MetricRecords with their fields keyed by protobuf field number; the web
// app reads the x axis of every chart from there. This mirrors how W&B's
// own client (the Go "core" service) builds that list, read from
// github.com/wandb/wandb:
//
//   - core/internal/runmetric/runconfigmetrics.go: ToRunConfigData, the
//     list, with a step metric's index put in field 5 in place of its name;
//   - core/internal/runmetric/definedmetric.go: With (a record updating a
//     definition) and ToRecord (a definition as a record);
//   - core/internal/runmetric/runmetric.go: ProcessRecord, and
//     createGlobMetrics, which turns every history key matching a glob
//     into a definition of its own;
//   - core/internal/corelib/protolib.go: ProtoEncodeToDict, the encoding;
//   - core/internal/runconfig/runconfig.go: AddInternalData, which stores
//     the list at _wandb.m.
//
// W&B only sends globs themselves when the server says it expands them
// (a server feature this client does not query); otherwise, as here, the
// client expands them on every history row, so "usage/*" reaches the
// config as usage/prompt_tokens, usage/total_tokens... each with the
// _timestamp step.

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/wbinstrument/wbinstrument/runtime/wandb/internal/metricdef"
	"github.com/wbinstrument/wbinstrument/runtime/wandb/wandbfile"
)

// runMetrics tracks a run's metric definitions for the config. Names keep
// the order they were defined in, so the list is stable between upserts
// (W&B walks a Go map; any order is valid, as entries refer to each
// other by index within one list).
type runMetrics struct {
	seen    bool // a MetricRecord arrived: the config carries _wandb.m
	defined map[string]metricdef.Def
	order   []string
	globs   map[string]metricdef.Def
	globOrd []string
}

func newRunMetrics() *runMetrics {
	return &runMetrics{defined: map[string]metricdef.Def{}, globs: map[string]metricdef.Def{}}
}

// process takes a MetricRecord, as MetricHandler.ProcessRecord does.
// A record with neither name, glob nor step metric is ignored, as W&B
// reports and drops it.
func (rm *runMetrics) process(r *wandbfile.MetricRecord) {
	// _control.overwrite replaces the definition instead of updating it
	// (MetricHandler.ProcessRecord).
	prev := func(m map[string]metricdef.Def, key string) metricdef.Def {
		if r.Overwrite {
			return metricdef.Def{}
		}
		return m[key]
	}
	switch {
	case r.Name != "":
		if _, ok := rm.defined[r.Name]; !ok {
			rm.order = append(rm.order, r.Name)
		}
		rm.defined[r.Name] = prev(rm.defined, r.Name).With(r)
	case r.GlobName != "":
		if _, ok := rm.globs[r.GlobName]; !ok {
			rm.globOrd = append(rm.globOrd, r.GlobName)
		}
		rm.globs[r.GlobName] = prev(rm.globs, r.GlobName).With(r)
	case r.StepMetric != "":
		// An explicit x axis alone: W&B records nothing for it.
	default:
		return
	}
	rm.seen = true
}

// expand defines every key of a history row that matches a glob and has
// no definition yet, and reports whether it defined any. As in W&B, keys
// starting with "_" are W&B's own and never match; a glob matches the
// keys that start with its text before the "*". The new definition is
// the glob's, sent as a record that names the key, which makes it
// explicit in the config (W&B's sender applies With to that record).
func (rm *runMetrics) expand(h *wandbfile.HistoryRecord) bool {
	if len(rm.globs) == 0 {
		return false
	}
	added := false
	for i := range h.Items {
		key := h.Items[i].FullKey()
		if key == "" || key[0] == '_' {
			continue
		}
		if _, ok := rm.defined[key]; ok {
			continue
		}
		for _, g := range rm.globOrd {
			if strings.HasPrefix(key, strings.TrimSuffix(g, "*")) {
				m := rm.globs[g]
				rec := &wandbfile.MetricRecord{Name: key, StepMetric: m.Step, Goal: m.Goal,
					Options: wandbfile.MetricOptions{StepSync: m.SyncStep, Hidden: m.Hidden}}
				rm.defined[key] = metricdef.Def{}.With(rec)
				rm.order = append(rm.order, key)
				added = true
				break
			}
		}
	}
	return added
}

// configEntry is one element of _wandb.m: a MetricRecord as W&B's
// ProtoEncodeToDict writes it. Field numbers are the keys; a string or
// int32 field appears only when set (proto3 leaves defaults out); a
// message of bools (options 6, summary 7) appears whenever the message is
// set, as the list of the field numbers that are true, [] for none.
// ToRecord always sets options and summary.
type configEntry struct {
	Name      string  `json:"1,omitempty"`
	StepIndex int32   `json:"5,omitempty"`
	Options   []int64 `json:"6"`
	Summary   []int64 `json:"7"`
	Goal      int32   `json:"8,omitempty"`
}

// configData is the value of _wandb.m, as ToRunConfigData builds it: one
// entry per defined metric, the step metric replaced by the one-based
// index of its own entry, which is added (empty if never defined) right
// after the first metric that uses it. Globs are not listed: they were
// expanded into the entries of the keys they matched.
func (rm *runMetrics) configData() []configEntry {
	out := []configEntry{}
	index := map[string]int{}
	var add func(name string, m metricdef.Def)
	add = func(name string, m metricdef.Def) {
		if _, done := index[name]; done {
			return
		}
		i := len(out)
		index[name] = i
		out = append(out, configEntry{})
		e := configEntry{Name: name, Options: []int64{}, Summary: []int64{}, Goal: m.Goal}
		if m.SyncStep {
			e.Options = append(e.Options, 1)
		}
		if m.Hidden {
			e.Options = append(e.Options, 2)
		}
		if m.Explicit {
			e.Options = append(e.Options, 3)
		}
		if m.Step != "" {
			add(m.Step, rm.defined[m.Step])
			e.StepIndex = int32(index[m.Step] + 1)
		}
		out[i] = e
	}
	for _, name := range rm.order {
		add(name, rm.defined[name])
	}
	return out
}

// applyTo stores the definitions in a config about to be uploaded, at
// _wandb.m, keeping whatever else _wandb holds.
func (rm *runMetrics) applyTo(config map[string]json.RawMessage) error {
	if !rm.seen {
		return nil
	}
	m, err := json.Marshal(rm.configData())
	if err != nil {
		return fmt.Errorf("wandb: encoding metric definitions: %v", err)
	}
	return setInternal(config, "m", m)
}

// setInternal sets _wandb.<key> in a config about to be uploaded,
// keeping whatever else _wandb holds. A _wandb that is not an object (a
// user's own key) is replaced, as W&B's config tree would replace it.
func setInternal(config map[string]json.RawMessage, key string, value json.RawMessage) error {
	internal := map[string]json.RawMessage{}
	if raw, ok := config["_wandb"]; ok {
		if json.Unmarshal(raw, &internal) != nil || internal == nil {
			internal = map[string]json.RawMessage{}
		}
	}
	internal[key] = value
	b, err := json.Marshal(internal)
	if err != nil {
		return fmt.Errorf("wandb: encoding config _wandb: %v", err)
	}
	config["_wandb"] = b
	return nil
}
