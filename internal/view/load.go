// Package view serves a local web page for one W&B run written by the
// wbopenai runtime: a trace table, a trace timeline, call details, model
// information and a run overview. The run is read once and indexed, so that
// paging, sorting and filtering even 100k calls is a scan over precomputed
// slices rather than a re-decode of the run. The load reads of each row
// only what the index needs (summary.go) and remembers where the row is;
// the bodies are read again from the log when a call is opened, or for
// the text search and the models page (lazy.go).
//
// Where to start: New (server.go) resolves the run and serves the pages
// and their JSON API; Load (load.go) reads the log into a Snapshot, its
// batches in parallel (logpass.go, read.go), into index entries (index.go,
// summary.go) and per-model sums (modelagg.go); live.go follows a run
// still being written. The pages are overview.go, timeline.go, models.go
// and detail.go; jsonscan.go is the lenient scanner the load reads rows
// with.
package view

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/wbinstrument/wbinstrument/runtime/wandb/wandbfile"
)

// Snapshot is one load of a run: the run's config, summary and other
// records, a reference to each call and the index over them. A Snapshot
// is not modified after Load returns, except for what its index builds on
// first use under its own locks, so handlers share it; a reload builds a
// new one.
type Snapshot struct {
	RunDir string // the run directory (or .wandb file) that was read
	// Data holds the run's records other than history rows; Records and
	// History are left empty to spare the memory of every row.
	Data *wandbfile.RunData
	// Calls refers to each call's row in the log; Call reads one in full.
	Calls       []CallRef
	HistoryRows int
	// Tables are the rows that reference a stats table, in order: each
	// table holds one row per history row since the previous table.
	Tables   []TableRef
	LoadedAt time.Time
	LoadTime time.Duration
	// Size and ModTime of the .wandb file when read, to notice growth.
	Size    int64
	ModTime time.Time
	// Records counts the log's records.
	Records int

	// Corrupt is set when the log has a torn or damaged tail: everything
	// before it was read. RowErrors counts history rows whose trace could
	// not be decoded (they are left out), FirstRowError describes the first.
	Corrupt       *wandbfile.CorruptError
	RowErrors     int
	FirstRowError string

	idx *index

	// What live mode needs to read only what is appended (see extend):
	// the log as stat saw it before the read and where the read ended.
	file os.FileInfo
	end  int64
}

// ResolveRunDir turns the command-line argument into a run directory:
// a run directory or .wandb file is used as is; a wandb directory (or a
// directory holding one) means its latest run, found through the
// latest-run link or, failing that, the newest run directory by name.
func ResolveRunDir(arg string) (string, error) {
	if arg == "" {
		arg = filepath.Join("wandb", "latest-run")
	}
	st, err := os.Stat(arg)
	if err != nil {
		if os.IsNotExist(err) {
			return "", fmt.Errorf("%s: no such run directory (run an instrumented program first, or name a run directory)", arg)
		}
		return "", err
	}
	if !st.IsDir() {
		return arg, nil
	}
	if m, _ := filepath.Glob(filepath.Join(arg, "run-*.wandb")); len(m) > 0 {
		return arg, nil
	}
	for _, wandbDir := range []string{arg, filepath.Join(arg, "wandb")} {
		if latest := filepath.Join(wandbDir, "latest-run"); isDir(latest) {
			return latest, nil
		}
		if newest := newestRunDir(wandbDir); newest != "" {
			return newest, nil
		}
	}
	return "", fmt.Errorf("%s: neither a run directory (no run-*.wandb file) nor a wandb directory (no latest-run, no run directories)", arg)
}

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

// newestRunDir picks the last run directory by name; the names start
// with the UTC start time, so the last is the newest.
func newestRunDir(wandbDir string) string {
	var runs []string
	for _, pat := range []string{"offline-run-*", "run-*"} {
		m, _ := filepath.Glob(filepath.Join(wandbDir, pat))
		for _, d := range m {
			if isDir(d) {
				runs = append(runs, d)
			}
		}
	}
	if len(runs) == 0 {
		return ""
	}
	sort.Slice(runs, func(i, j int) bool {
		return strings.TrimPrefix(filepath.Base(runs[i]), "offline-") < strings.TrimPrefix(filepath.Base(runs[j]), "offline-")
	})
	return runs[len(runs)-1]
}

// Load reads and indexes the run in runDir. A torn or damaged tail is not
// an error: the readable part is returned with Corrupt set. The error is
// non-nil only when nothing usable could be read (no log, not a .wandb
// file, unreadable file).
func Load(runDir string) (*Snapshot, error) {
	t0 := time.Now()
	file, err := runLog(runDir)
	if err != nil {
		return nil, err
	}
	// Stat before reading: a write during the read then shows as a
	// change, for live mode to read next.
	st, err := os.Stat(file)
	if err != nil {
		return nil, err
	}
	r := &runRead{data: newRunData(file), ix: newIndex()}
	err = r.read()
	var corrupt *wandbfile.CorruptError
	if err != nil && !errors.As(err, &corrupt) {
		return nil, err
	}
	s := newSnapshot(runDir, r, st, corrupt, nil)
	s.idx.readBodies = s.loadBodies
	s.idx.search = s.searchLog
	s.LoadedAt, s.LoadTime = t0, time.Since(t0)
	return s, nil
}

// newSnapshot indexes what r read of the log; st is the log as it was
// before the read. prev is the snapshot r continues (nil for a first
// read): r's calls follow its calls.
func newSnapshot(runDir string, r *runRead, st os.FileInfo, corrupt *wandbfile.CorruptError, prev *Snapshot) *Snapshot {
	r.ix.finish()
	s := &Snapshot{RunDir: runDir, Data: r.data, Calls: r.refs, HistoryRows: r.historyRows, Records: r.records, Corrupt: corrupt,
		Size: st.Size(), ModTime: st.ModTime(), file: st, end: r.end, idx: r.ix}
	if prev != nil {
		s.Tables = append(prev.Tables[:len(prev.Tables):len(prev.Tables)], r.tables...)
	} else {
		s.Tables = r.tables
	}
	if prev != nil {
		s.RowErrors, s.FirstRowError = prev.RowErrors, prev.FirstRowError
	}
	s.RowErrors += len(r.rowErrs)
	if s.FirstRowError == "" && len(r.rowErrs) > 0 {
		s.FirstRowError = fmt.Sprintf("%s: history row %d: %v", r.data.Path, r.rowErrs[0].row, r.rowErrs[0].err)
	}
	return s
}
