package view

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"

	"github.com/wbinstrument/wbinstrument/runtime/wandb/wandbfile"
)

// runRead is what reading a run's log gathered: wandbfile.ReadRunDir made fit
// for runs of a million calls. It keeps no record and no row (data.Records
// and History stay nil): each call read with jscan on every core while
// the log is still being read (see logPass) goes straight into the index
// being built and a CallRef, so a read holds no more per call than the
// snapshot will. The log is append-only, so live mode continues a runRead
// from where it ended rather than read the log again (see
// Snapshot.extend).
type runRead struct {
	data                 *wandbfile.RunData
	ix                   *index    // the calls read so far (with those before this read, in live mode)
	refs                 []CallRef // likewise
	records, historyRows int
	rowErrs              []rowError // rows of this read only
	tables               []TableRef // rows of this read only
	// end is the offset just after the last record read intact, where
	// a later read continues.
	end int64
	// bad is the first record of this read that did not decode: the
	// rest is not trusted.
	bad *wandbfile.CorruptError
}

// bigLog is the size of a read past which the read collects garbage as
// often as Go does by default.
const bigLog = 256 << 20

// read reads the log from r.end on and folds what it finds into r. It
// returns a *wandbfile.CorruptError for a torn or damaged tail (what comes
// before it is read), another error when the log cannot be read at all.
func (r *runRead) read() error {
	// The read allocates little that outlives it, and collecting less
	// often saves a tenth of its time. The viewer is a process of its own.
	// But the heap may then grow to five times what it holds: for a big
	// log (a million calls hold about 200 MB) the default keeps the peak
	// at twice that (a million-call view peaked at 680 MiB, not 450).
	gc := 400
	if st, err := os.Stat(r.data.Path); err == nil && st.Size()-r.end > bigLog {
		gc = 100
	}
	defer debug.SetGCPercent(debug.SetGCPercent(gc))
	end, err := logPass(r.data.Path, r.end, newSummarizer, func(res *recResult) {
		if r.bad == nil && !r.fold(res) {
			// Next would have stopped here: the rest is not trusted.
			r.bad = &wandbfile.CorruptError{Offset: res.off, Reason: "record payload: " + res.err.Error()}
		}
	})
	var corrupt *wandbfile.CorruptError
	if err != nil && !errors.As(err, &corrupt) {
		return err
	}
	if end > r.end {
		r.end = end
	}
	if r.bad != nil {
		return r.bad
	}
	return err
}

// fold adds one record's result to the run; false means the record does
// not decode.
func (r *runRead) fold(res *recResult) bool {
	if res.err != nil {
		return false
	}
	r.records++
	if !res.history {
		r.data.Fold(res.rec)
		return true
	}
	row := r.historyRows
	r.historyRows++
	if res.hasStats {
		r.tables = append(r.tables, TableRef{Row: row, Offset: res.off})
	}
	switch {
	case !res.hasTrace:
	case res.callErr != nil:
		r.rowErrs = append(r.rowErrs, rowError{row, res.callErr})
	default:
		res.call.Row = row
		r.refs = append(r.refs, res.call.CallRef)
		r.ix.addCall(&res.call)
	}
	return true
}

// newRunData is the RunData of a log not read yet.
func newRunData(file string) *wandbfile.RunData {
	return &wandbfile.RunData{Path: file, Config: map[string]json.RawMessage{}, Summary: map[string]json.RawMessage{}}
}

// cloneRunData copies d for a read that continues it: the snapshot that
// holds d is being served and must not change.
func cloneRunData(d *wandbfile.RunData) *wandbfile.RunData {
	c := *d
	c.Config = make(map[string]json.RawMessage, len(d.Config))
	for k, v := range d.Config {
		c.Config[k] = v
	}
	c.Summary = make(map[string]json.RawMessage, len(d.Summary))
	for k, v := range d.Summary {
		c.Summary[k] = v
	}
	// Full slices, so that Fold's appends copy them.
	c.Metrics = d.Metrics[:len(d.Metrics):len(d.Metrics)]
	c.Files = d.Files[:len(d.Files):len(d.Files)]
	return &c
}

type rowError struct {
	row int
	err error
}

// runLog finds the run-*.wandb file of a run directory (or takes the
// file itself).
func runLog(path string) (string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return "", err
	}
	if !st.IsDir() {
		return path, nil
	}
	m, err := filepath.Glob(filepath.Join(path, "run-*.wandb"))
	if err != nil {
		return "", err
	}
	switch len(m) {
	case 0:
		return "", fmt.Errorf("%s: no run-*.wandb file in the run directory", path)
	case 1:
		return m[0], nil
	}
	return "", fmt.Errorf("%s: %d run-*.wandb files, expected one", path, len(m))
}
