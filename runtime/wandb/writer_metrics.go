package wandb

// Glob metric expansion in the log, as W&B's own client writes it. When a
// history row carries a key that matches a glob definition ("usage/*")
// and has no definition of its own, W&B's handler writes a MetricRecord
// for that key, with the glob's settings and expanded_from_glob set,
// right before the row (core/internal/stream/handler.go,
// flushPartialHistory; core/internal/runmetric/runmetric.go,
// createGlobMetrics; definedmetric.go, ToRecord). W&B's sync never
// expands globs itself: without these records, `wandb sync` of the run
// uploads no definition for the usage keys unless the server expands
// globs, and the usage charts lose their _timestamp axis.

import (
	"strings"

	"github.com/wbinstrument/wbinstrument/runtime/wandb/internal/metricdef"
	"github.com/wbinstrument/wbinstrument/runtime/wandb/wandbfile"
)

// writerMetrics is the writer's view of the run's metric definitions:
// which keys have one, and the globs in the order they were defined (W&B
// takes the first glob that matches; its map order is arbitrary).
type writerMetrics struct {
	defined map[string]bool
	globs   []string
	glob    map[string]metricdef.Def
}

// note takes a MetricRecord the writer is about to write, as W&B's
// MetricHandler.ProcessRecord does.
func (wm *writerMetrics) note(m *wandbfile.MetricRecord) {
	switch {
	case m.Name != "":
		if wm.defined == nil {
			wm.defined = map[string]bool{}
		}
		wm.defined[m.Name] = true
	case m.GlobName != "":
		if wm.glob == nil {
			wm.glob = map[string]metricdef.Def{}
		}
		prev, ok := wm.glob[m.GlobName]
		if !ok {
			wm.globs = append(wm.globs, m.GlobName)
		}
		if m.Overwrite {
			prev = metricdef.Def{}
		}
		wm.glob[m.GlobName] = prev.With(m)
	}
}

// expand returns the MetricRecord W&B's handler writes before a row that
// carries key, or nil when key needs none: it starts with "_" (W&B's own
// keys), has a definition, or matches no glob. The key counts as defined
// from then on.
func (wm *writerMetrics) expand(key string) *wandbfile.MetricRecord {
	if len(wm.globs) == 0 || key == "" || key[0] == '_' || wm.defined[key] {
		return nil
	}
	for _, g := range wm.globs {
		if !strings.HasPrefix(key, strings.TrimSuffix(g, "*")) {
			continue
		}
		m := wm.glob[g]
		if wm.defined == nil {
			wm.defined = map[string]bool{}
		}
		wm.defined[key] = true
		// definedMetric.ToRecord(key, false): options and summary always
		// set, "defined" only for an explicit definition (a glob's is
		// not), and _control.overwrite since it is a whole definition.
		return &wandbfile.MetricRecord{
			Name:             key,
			StepMetric:       m.Step,
			Options:          wandbfile.MetricOptions{StepSync: m.SyncStep, Hidden: m.Hidden, Defined: m.Explicit},
			Summary:          &wandbfile.MetricSummary{},
			Goal:             m.Goal,
			Overwrite:        true,
			ExpandedFromGlob: true,
		}
	}
	return nil
}
