package wbopenai

import "github.com/wbinstrument/wbinstrument/runtime/wandb"

// wandbSink adapts *wandb.Run to sink.
type wandbSink struct{ r *wandb.Run }

func (w wandbSink) LogFunc(build func(t tabler) map[string]interface{}) bool {
	return w.r.LogFunc(func(s *wandb.Step) map[string]interface{} { return build(s) })
}

func (w wandbSink) DefineMetric(name, stepMetric string) { w.r.DefineMetric(name, stepMetric) }

func (w wandbSink) UpdateSummary(values map[string]interface{}) { w.r.UpdateSummary(values) }

func (w wandbSink) FinishCode(code int) error { return w.r.FinishCode(code) }
