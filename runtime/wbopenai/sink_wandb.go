package wbopenai

import (
	"time"

	"github.com/wbinstrument/wbinstrument/runtime/wandb"
)

// wandbSink adapts *wandb.Run to sink.
type wandbSink struct{ r *wandb.Run }

func (w wandbSink) LogRow(row *wandb.RawRow, deadline time.Time) bool {
	// The session bounds and counts what it drops; the run must not drop
	// behind its back when the writer falls behind a burst.
	return w.r.LogRowWait(row, deadline)
}

func (w wandbSink) DefineMetric(name, stepMetric string) { w.r.DefineMetric(name, stepMetric) }

func (w wandbSink) UpdateSummary(values map[string]interface{}) { w.r.UpdateSummary(values) }

func (w wandbSink) FinishCode(code int) error { return w.r.FinishCode(code) }

func (w wandbSink) FinishTimeout() time.Duration { return w.r.FinishTimeout() }
