// Package metricdef is W&B's definedMetric: a metric definition as the
// MetricRecords of a run build it up. Two readers of the same records
// need it: the live writer (package wandb, writer_metrics.go), which
// writes a glob's definition into the log for each key the glob matches,
// as W&B's handler does, and the online sender (package online,
// metrics.go), which puts the definitions into the uploaded run config.
// Read from github.com/wandb/wandb, core/internal/runmetric/
// definedmetric.go.
package metricdef

import "github.com/wbinstrument/wbinstrument/runtime/wandb/wandbfile"

// Def is W&B's definedMetric, less the summary settings, which the
// MetricRecords this module reads never carry.
type Def struct {
	SyncStep bool
	Step     string
	Hidden   bool
	Explicit bool // named in a MetricRecord, not matched by a glob
	Goal     int32
}

// With applies a record to a definition, as definedMetric.With does:
// flags only ever turn on, a step or goal replaces the old one, and a
// record naming the metric makes it explicit.
func (m Def) With(r *wandbfile.MetricRecord) Def {
	m.SyncStep = m.SyncStep || r.Options.StepSync
	m.Hidden = m.Hidden || r.Options.Hidden
	if r.StepMetric != "" {
		m.Step = r.StepMetric
	}
	if r.Goal == 1 || r.Goal == 2 {
		m.Goal = r.Goal
	}
	if r.Name != "" {
		m.Explicit = true
	}
	return m
}
