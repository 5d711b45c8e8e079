package wandbfile

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// RunData is a whole run log decoded and folded, for tools and tests.
type RunData struct {
	Path    string // the .wandb file read
	Header  *HeaderRecord
	Run     *RunRecord // the first RunRecord; nil if none
	Config  map[string]json.RawMessage
	History []map[string]json.RawMessage // one map per history row, in order
	// Summary folds every SummaryRecord (updates and removes) in order.
	Summary map[string]json.RawMessage
	Metrics []*MetricRecord
	Files   []FilesItem    // from every FilesRecord, in order
	Exit    *RunExitRecord // nil when the run did not finish
	// Environment merges the EnvironmentRecords, as W&B does; nil when
	// the log has none.
	Environment *EnvironmentRecord
	Records     []*Record // every record read, in order
}

// ReadRunDir reads the run-*.wandb log of a run directory (or the .wandb
// file itself, when path names one). It returns everything readable; when
// the log has a torn or damaged tail, it returns the data before it
// together with the *CorruptError.
func ReadRunDir(path string) (*RunData, error) {
	file, err := FindRunLog(path)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("wandb: %w", err)
	}
	defer f.Close()
	rd, err := NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	data := &RunData{
		Path:    file,
		Config:  map[string]json.RawMessage{},
		Summary: map[string]json.RawMessage{},
	}
	for {
		rec, err := rd.Next()
		if err == io.EOF {
			return data, nil
		}
		if err != nil {
			return data, err
		}
		data.add(rec)
	}
}

// FindRunLog resolves a run directory to its single run-*.wandb file.
func FindRunLog(path string) (string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return "", fmt.Errorf("wandb: %w", err)
	}
	if !st.IsDir() {
		return path, nil
	}
	matches, err := filepath.Glob(filepath.Join(path, "run-*.wandb"))
	if err != nil {
		return "", fmt.Errorf("wandb: %w", err)
	}
	switch len(matches) {
	case 0:
		return "", fmt.Errorf("wandb: %s: no run-*.wandb file in the run directory", path)
	case 1:
		return matches[0], nil
	default:
		return "", fmt.Errorf("wandb: %s: %d run-*.wandb files, expected one", path, len(matches))
	}
}

func (d *RunData) add(rec *Record) {
	d.Records = append(d.Records, rec)
	if rec.History != nil {
		row := make(map[string]json.RawMessage, len(rec.History.Items))
		for i := range rec.History.Items {
			it := &rec.History.Items[i]
			row[it.FullKey()] = it.ValueJSON
		}
		d.History = append(d.History, row)
		return
	}
	d.Fold(rec)
}

// Fold applies a record other than a history row to d: the first header,
// run and exit records, config and summary updates, metrics and files.
// Readers that index history rows their own way (the viewer) fold the
// other records with it. d's Config and Summary maps must not be nil.
func (d *RunData) Fold(rec *Record) {
	switch {
	case rec.Header != nil:
		if d.Header == nil {
			d.Header = rec.Header
		}
	case rec.Run != nil:
		if d.Run == nil {
			d.Run = rec.Run
			if rec.Run.Config != nil {
				FoldItems(d.Config, rec.Run.Config.Update, rec.Run.Config.Remove)
			}
		}
	case rec.Config != nil:
		FoldItems(d.Config, rec.Config.Update, rec.Config.Remove)
	case rec.Summary != nil:
		FoldItems(d.Summary, rec.Summary.Update, rec.Summary.Remove)
	case rec.Metric != nil:
		d.Metrics = append(d.Metrics, rec.Metric)
	case rec.Files != nil:
		d.Files = append(d.Files, rec.Files.Files...)
	case rec.Environment != nil:
		// A new record each time, so a copy of d (the viewer's
		// snapshots) never sees a later merge.
		var e EnvironmentRecord
		if d.Environment != nil {
			e = *d.Environment
			e.Args = append([]string(nil), e.Args...)
		}
		e.Merge(rec.Environment)
		d.Environment = &e
	case rec.Exit != nil:
		if d.Exit == nil {
			d.Exit = rec.Exit
		}
	}
}

// FoldItems applies a config or summary record's update and remove lists
// to m, keyed by Item.FullKey, as W&B folds them into the run's state.
func FoldItems(m map[string]json.RawMessage, update, remove []Item) {
	for i := range update {
		m[update[i].FullKey()] = update[i].ValueJSON
	}
	for i := range remove {
		delete(m, remove[i].FullKey())
	}
}
