package wandb

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/wbinstrument/wbinstrument/runtime/wandb/internal/runlock"
	"github.com/wbinstrument/wbinstrument/runtime/wandb/online"
	"github.com/wbinstrument/wbinstrument/runtime/wandb/wandbfile"
)

// runDirName is "offline-run-YYYYMMDD_HHMMSS-<id>" (UTC start), the name
// `wandb sync` looks for; runs with an online sender use W&B's "run-"
// prefix, which `wandb sync` only uploads when named explicitly.
func runDirName(r *Run, online bool) string {
	prefix := "offline-run-"
	if online {
		prefix = "run-"
	}
	return prefix + r.start.UTC().Format("20060102_150405") + "-" + r.id
}

// open creates the run directory and its log, writes the Header, Run and
// Config records through to the OS, points latest-run at the directory and
// prints the start line. On error nothing is left half-started.
func (r *Run) open() error {
	base := r.opts.Dir
	if base == "" {
		base = "."
	}
	base, err := filepath.Abs(base)
	if err != nil {
		return fmt.Errorf("wandb: run directory: %w", err)
	}
	wandbDir := filepath.Join(base, "wandb")
	if err := os.MkdirAll(wandbDir, 0o755); err != nil {
		return fmt.Errorf("wandb: creating %s: %w", wandbDir, err)
	}

	streaming := r.opts.Mode == modeOnline && newOnlineSink != nil
	name := runDirName(r, streaming)
	r.dir = filepath.Join(wandbDir, name)
	if err := os.Mkdir(r.dir, 0o755); err != nil {
		return fmt.Errorf("wandb: creating run directory: %w", err)
	}
	for _, sub := range []string{"files", "logs"} {
		if err := os.Mkdir(filepath.Join(r.dir, sub), 0o755); err != nil {
			return fmt.Errorf("wandb: creating run directory: %w", err)
		}
	}
	logPath := filepath.Join(r.dir, "run-"+r.id+".wandb")
	f, err := os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("wandb: creating run log: %w", err)
	}
	w := newWriter(r, f)

	var sink recordSink
	if streaming {
		stderr := r.con.w
		sink, err = newOnlineSink(online.Config{
			RunID: r.id, Entity: r.opts.Entity, Project: r.opts.Project,
			DisplayName: r.opts.Name, Notes: r.opts.Notes,
			Group: r.opts.Group, JobType: r.opts.JobType, Tags: r.opts.Tags,
			Config: r.opts.Config, APIKey: r.opts.APIKey, BaseURL: r.opts.BaseURL,
			RunDir: r.dir, FilesDir: filepath.Join(r.dir, "files"),
			Start: r.start, Stderr: stderr,
		})
		if err != nil {
			// The offline store still works; sync can upload it later.
			r.con.line("wandb: warning: online mode unavailable (%v); writing offline only", err)
			sink = nil
		}
	}
	w.sink = sink

	host, _ := r.h.hostname()
	w.write(&wandbfile.Record{Header: &wandbfile.HeaderRecord{Producer: "wbinstrument " + Version, MinConsumer: minConsumer}})
	w.write(&wandbfile.Record{Run: &wandbfile.RunRecord{
		RunID:       r.id,
		Entity:      r.opts.Entity,
		Project:     r.opts.Project,
		DisplayName: r.opts.Name,
		Notes:       r.opts.Notes,
		Tags:        r.opts.Tags,
		RunGroup:    r.opts.Group,
		JobType:     r.opts.JobType,
		Host:        host,
		StartTime:   r.start,
	}})
	if items := configItems(r.opts.Config, r.con); len(items) > 0 {
		w.write(&wandbfile.Record{Config: &wandbfile.ConfigRecord{Update: items}})
	}
	if err := w.lw.Flush(); err != nil {
		f.Close()
		os.RemoveAll(r.dir)
		return fmt.Errorf("wandb: writing %s: %w", logPath, err)
	}
	r.w = w
	linkLatest(wandbDir, name)
	if dbg, err := os.OpenFile(filepath.Join(r.dir, "logs", "debug.log"), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644); err == nil {
		r.con.debug = dbg // no other goroutine uses the console yet
		r.con.debugf("wbinstrument %s: run %s, mode %s, project %q, entity %q, online sender %v, queue %d, finish timeout %s",
			Version, r.id, r.opts.Mode, r.opts.Project, r.opts.Entity, sink != nil, r.h.queueCap, r.opts.FinishTimeout)
	}
	if err := runlock.Write(logPath, r.start); err != nil {
		r.con.debugf("no run lock (sync cannot tell this run is live): %v", err)
	}

	switch {
	case sink != nil && sink.StartLine() != "":
		r.con.line("%s", sink.StartLine())
	case r.opts.Mode == modeOnline:
		// The sender could not start (it said why above, e.g. no API
		// key): the run is written locally only.
		r.con.line("wandb: online upload not started; run saved locally in %s; upload it with `wbinstrument sync %s`", r.dir, r.dir)
	default:
		r.con.line("wandb: offline run %s; sync with `wbinstrument sync %s`", r.dir, r.dir)
	}
	return nil
}

// configItems encodes the run config, sorted by key so the log is
// deterministic. A value that cannot be encoded is left out with a warning.
func configItems(config map[string]interface{}, con *console) []wandbfile.Item {
	keys := make([]string, 0, len(config))
	for k := range config {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	items := make([]wandbfile.Item, 0, len(keys))
	for _, k := range keys {
		v, err := json.Marshal(config[k])
		if err != nil {
			con.warnOnce("config:"+k, "config key %q left out: %v", k, err)
			continue
		}
		items = append(items, wandbfile.Item{Key: k, ValueJSON: v})
	}
	return items
}

// linkLatest points wandb/latest-run at the new run directory: a relative
// symlink made under a temporary name and renamed over the old one, so
// readers never see it missing. It is a convenience; failures are ignored.
func linkLatest(wandbDir, name string) {
	tmp := filepath.Join(wandbDir, ".latest-run."+name+".tmp")
	os.Remove(tmp)
	if err := os.Symlink(name, tmp); err != nil {
		return
	}
	if err := os.Rename(tmp, filepath.Join(wandbDir, "latest-run")); err != nil {
		os.Remove(tmp)
	}
}
