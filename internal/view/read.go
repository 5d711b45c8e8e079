package view

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"

	"github.com/wbinstrument/wbinstrument/runtime/wandb"
)

// readRun is wandb.ReadRunDir made fit for 100k-call runs: it keeps no
// record and no row (RunData.Records and History stay nil), only a
// summary of each call read with jscan on every core while the log is
// still being read (see logPass). It returns what it could read and, for
// a torn or damaged tail, the *wandb.CorruptError.
func readRun(path string) (data *wandb.RunData, cs []callSummary, records, historyRows int, rowErrs []rowError, err error) {
	file, err := runLog(path)
	if err != nil {
		return nil, nil, 0, 0, nil, err
	}
	// The load allocates little that outlives it, and collecting less
	// often saves a tenth of its time. The viewer is a process of its own.
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	batches, _, err := logPass(file, 0, newSummarizer)
	var corrupt *wandb.CorruptError
	if err != nil && !errors.As(err, &corrupt) {
		return nil, nil, 0, 0, nil, err
	}
	data = &wandb.RunData{Path: file, Config: map[string]json.RawMessage{}, Summary: map[string]json.RawMessage{}}
	n := 0
	for _, b := range batches {
		n += len(b)
	}
	cs = make([]callSummary, 0, n)
	for _, b := range batches {
		for i := range b {
			if !readResult(data, &b[i], &cs, &records, &historyRows, &rowErrs) {
				// Next would have stopped here: the rest is not trusted.
				return data, cs, records, historyRows, rowErrs, &wandb.CorruptError{Offset: b[i].off, Reason: "record payload: " + b[i].err.Error()}
			}
		}
	}
	return data, cs, records, historyRows, rowErrs, err
}

// readResult folds one record's result into the run; false means the
// record does not decode.
func readResult(data *wandb.RunData, r *recResult, cs *[]callSummary, records, historyRows *int, rowErrs *[]rowError) bool {
	if r.err != nil {
		return false
	}
	*records++
	if !r.history {
		data.Fold(r.rec)
		return true
	}
	row := *historyRows
	*historyRows++
	switch {
	case !r.hasTrace:
	case r.callErr != nil:
		*rowErrs = append(*rowErrs, rowError{row, r.callErr})
	default:
		r.call.Row = row
		*cs = append(*cs, r.call)
	}
	return true
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
