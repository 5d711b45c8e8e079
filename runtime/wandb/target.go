package wandb

import "github.com/wbinstrument/wbinstrument/runtime/wandb/online"

// Settings returns the run's options as resolved from its Options and the
// WANDB_* environment (the zero Options for a disabled run). APIKey is
// included: keep it out of every file, log line and error.
func (r *Run) Settings() Options {
	if r == nil || r.disabled {
		return Options{}
	}
	return r.opts
}

// Online reports whether the run streams to W&B as it goes.
func (r *Run) Online() bool {
	if r == nil || r.disabled || r.w == nil {
		return false
	}
	_, ok := r.w.sink.(*online.Sender)
	return ok
}

// Target returns the entity and project the run is filed under, and
// whether they are known: set in the options, or, for an online run that
// names none, once W&B has answered with the user's defaults.
func (r *Run) Target() (entity, project string, ok bool) {
	if r == nil || r.disabled {
		return "", "", false
	}
	if r.opts.Entity != "" && r.opts.Project != "" {
		return r.opts.Entity, r.opts.Project, true
	}
	if r.w != nil {
		if o, isOnline := r.w.sink.(*online.Sender); isOnline {
			if entity, project, ok := o.Target(); ok {
				return entity, project, true
			}
		}
	}
	return r.opts.Entity, r.opts.Project, false
}
