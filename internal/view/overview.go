package view

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/wbinstrument/wbinstrument/runtime/otlp"
	"github.com/wbinstrument/wbinstrument/runtime/prices"
	"github.com/wbinstrument/wbinstrument/runtime/wandb/wandbfile"
	"github.com/wbinstrument/wbinstrument/runtime/wbopenai"
)

// Overview is the run page, and the header every page shows.
type Overview struct {
	Path     string    `json:"path"` // the .wandb file
	RunDir   string    `json:"runDir"`
	LoadedAt time.Time `json:"loadedAt"`
	LoadMs   float64   `json:"loadMs"`
	Size     int64     `json:"size"`
	// Running is true while the run has no exit record: it may still be
	// written, so the page offers (and starts) live mode.
	Running  bool     `json:"running"`
	Run      *RunInfo `json:"run"`
	Producer string   `json:"producer,omitempty"`
	Config   []KV     `json:"config"`
	// Environment is the program's environment, as W&B's Overview shows
	// it: from the EnvironmentRecord and the config's Go facts.
	Environment []KV         `json:"environment"`
	Summary     []KV         `json:"summary"`
	Exit        *ExitInfo    `json:"exit"`
	Totals      Totals       `json:"totals"`
	Corrupt     *CorruptInfo `json:"corrupt"`
	RowErrors   int          `json:"rowErrors"`
	RowError    string       `json:"rowError,omitempty"`
	Records     int          `json:"records"`
	History     int          `json:"historyRows"`
	Files       int          `json:"files"`
	PricesAsOf  string       `json:"pricesAsOf"`
	// PricedWith says which price table the runtime logged the costs
	// with (the run config's wbinstrument_prices); empty for a run logged
	// without costs, which the viewer prices itself.
	PricedWith string `json:"pricedWith,omitempty"`
	// Spans are the OpenTelemetry spans the run kept for W&B Weave (nil
	// when it kept none): all of an offline run's, those an online run
	// could not deliver.
	Spans *SpanInfo       `json:"spans,omitempty"`
	Extra json.RawMessage `json:"-"`
	// ReloadError is set when the last reload failed and an older
	// snapshot is shown.
	ReloadError string `json:"reloadError,omitempty"`
}

// RunInfo is the RunRecord.
type RunInfo struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Project   string    `json:"project"`
	Entity    string    `json:"entity"`
	Group     string    `json:"group,omitempty"`
	JobType   string    `json:"jobType,omitempty"`
	Notes     string    `json:"notes,omitempty"`
	Tags      []string  `json:"tags"`
	Host      string    `json:"host"`
	StartTime time.Time `json:"startTime"`
}

// ExitInfo is the RunExitRecord.
type ExitInfo struct {
	Code    int32 `json:"code"`
	Runtime int32 `json:"runtimeSeconds"`
}

// SpanInfo counts the spans kept in the run directory for Weave.
type SpanInfo struct {
	Path string `json:"path"`
	Kept int    `json:"kept"`
	Sent int    `json:"sent"` // by `wbinstrument sync`
}

// CorruptInfo describes an unreadable tail.
type CorruptInfo struct {
	Message string `json:"message"`
	Offset  int64  `json:"offset"`
	Torn    bool   `json:"torn"`
}

// Totals add up the calls.
type Totals struct {
	Calls      int     `json:"calls"`
	Errors     int     `json:"errors"`
	Prompt     int64   `json:"prompt"`
	Completion int64   `json:"completion"`
	Total      int64   `json:"total"`
	Cost       float64 `json:"cost"`       // over priced calls, as logged
	CostCalls  int     `json:"costCalls"`  // calls with a known price
	FirstMs    float64 `json:"firstMs"`    // first call start, unix ms
	LastMs     float64 `json:"lastMs"`     // last call end, unix ms
	LatencyP50 float64 `json:"latencyP50"` // ms, over all calls
	LatencyP99 float64 `json:"latencyP99"`
	MaxLanes   int32   `json:"maxConcurrency"`
}

func (s *Snapshot) overview() *Overview {
	d := s.Data
	ov := &Overview{
		Path: d.Path, RunDir: s.RunDir, LoadedAt: s.LoadedAt, Size: s.Size,
		LoadMs:  float64(s.LoadTime.Microseconds()) / 1000,
		Running: d.Exit == nil, Config: sortedKVs(d.Config), Summary: sortedKVs(d.Summary),
		RowErrors: s.RowErrors, RowError: s.FirstRowError,
		Records: s.Records, History: s.HistoryRows, Files: len(d.Files),
		PricesAsOf: PricesAsOf, PricedWith: pricedWith(d.Config[prices.ConfigKey]),
	}
	if d.Header != nil {
		ov.Producer = d.Header.Producer
	}
	if r := d.Run; r != nil {
		ov.Run = &RunInfo{ID: r.RunID, Name: r.DisplayName, Project: r.Project, Entity: r.Entity,
			Group: r.RunGroup, JobType: r.JobType, Notes: r.Notes, Tags: r.Tags, Host: r.Host, StartTime: r.StartTime}
		if ov.Run.Tags == nil {
			ov.Run.Tags = []string{}
		}
	}
	ov.Environment = environmentKVs(d.Environment, d.Config["wbinstrument"])
	if d.Exit != nil {
		ov.Exit = &ExitInfo{Code: d.Exit.ExitCode, Runtime: d.Exit.Runtime}
	}
	if s.RunDir != "" {
		p := filepath.Join(s.RunDir, filepath.FromSlash(wbopenai.SpoolName))
		if kept, sent, err := otlp.CountSpool(p); err == nil && kept > 0 {
			ov.Spans = &SpanInfo{Path: p, Kept: kept, Sent: sent}
		}
	}
	if s.Corrupt != nil {
		ov.Corrupt = &CorruptInfo{Message: s.Corrupt.Error(), Offset: s.Corrupt.Offset, Torn: s.Corrupt.Torn}
	}
	ix := s.idx
	t := &ov.Totals
	t.Calls = len(ix.entries)
	for i := range ix.entries {
		e := &ix.entries[i]
		if ix.statuses.names[e.status] == "ERROR" {
			t.Errors++
		}
		t.Prompt += e.prompt
		t.Completion += e.completion
		t.Total += e.total
		if e.cost >= 0 {
			t.Cost += e.cost
			t.CostCalls++
		}
	}
	// The calls in latency order are an index already; the overview is
	// asked for on every live refresh, and sorting 100k latencies again
	// took most of its time.
	if byLat := ix.perm("latency"); len(byLat) > 0 {
		t.LatencyP50 = ix.entries[byLat[nearestRank(len(byLat), 50)]].latency
		t.LatencyP99 = ix.entries[byLat[nearestRank(len(byLat), 99)]].latency
	}
	t.FirstMs, t.LastMs, t.MaxLanes = ix.minT, ix.maxT, ix.lanes
	return ov
}

// environmentKVs lists what W&B's Overview shows of a run's environment
// (OS, command, git state, host, hardware) and the Go facts the run's
// config keeps under "wbinstrument", in reading order, leaving out what
// is unknown.
func environmentKVs(e *wandbfile.EnvironmentRecord, goInfo json.RawMessage) []KV {
	out := []KV{}
	add := func(k, v string) {
		if v != "" {
			out = append(out, KV{k, v})
		}
	}
	var g struct {
		GoVersion   string            `json:"go_version"`
		MainModule  string            `json:"main_module"`
		MainVersion string            `json:"main_version"`
		Modified    *bool             `json:"vcs_modified"`
		VCSTime     string            `json:"vcs_time"`
		Modules     map[string]string `json:"modules"`
	}
	if len(goInfo) > 0 {
		_ = json.Unmarshal(goInfo, &g) // a user's own "wbinstrument" key: shown in the config only
	}
	if e != nil {
		add("os", e.OS)
		cmd := e.Program
		for _, a := range e.Args {
			cmd += " " + a
		}
		add("command", strings.TrimSpace(cmd))
		add("code path", e.CodePath)
		add("executable", e.Executable)
		add("directory", e.Root)
		if e.GitCommit != "" {
			state := e.GitCommit
			if g.Modified != nil && *g.Modified {
				state += " (modified)"
			}
			add("git commit", state)
		}
		add("git remote", e.GitRemote)
		add("host", e.Host)
		add("user", e.Username)
		if e.CPUCount != 0 || e.CPUCountLogical != 0 {
			add("cpus", fmt.Sprintf("%d cores, %d logical", e.CPUCount, e.CPUCountLogical))
		}
		if e.MemoryTotal != 0 {
			add("memory", fmt.Sprintf("%.1f GiB", float64(e.MemoryTotal)/(1<<30)))
		}
	}
	add("go", g.GoVersion)
	if g.MainModule != "" {
		add("main module", strings.TrimSpace(g.MainModule+" "+g.MainVersion))
	}
	add("built", g.VCSTime)
	mods := make([]string, 0, len(g.Modules))
	for m := range g.Modules {
		mods = append(mods, m)
	}
	sort.Strings(mods)
	for _, m := range mods {
		add(m, g.Modules[m])
	}
	return out
}

func sortedKVs(m map[string]json.RawMessage) []KV {
	out := make([]KV, 0, len(m))
	for k, v := range m {
		out = append(out, KV{k, textOf(v)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

// pricedWith describes the config's wbinstrument_prices value: the table
// the runtime priced the run with, or why it logged no costs.
func pricedWith(raw json.RawMessage) string {
	var d struct {
		Version  int    `json:"version"`
		AsOf     string `json:"as_of"`
		Override string `json:"override"`
		Label    string `json:"override_version"`
		Error    string `json:"error"`
	}
	if len(raw) == 0 || json.Unmarshal(raw, &d) != nil {
		return ""
	}
	if d.Error != "" {
		return "no prices (" + d.Error + ")"
	}
	s := fmt.Sprintf("the built-in table v%d (list prices of %s)", d.Version, d.AsOf)
	if d.Override != "" {
		s += " and " + d.Override
		if d.Label != "" {
			s += " (" + d.Label + ")"
		}
	}
	return s
}
