package view

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sync"

	"github.com/wbinstrument/wbinstrument/internal/calls"
	"github.com/wbinstrument/wbinstrument/runtime/wandb"
)

// readRun is wandb.ReadRunDir made fit for 100k-call runs: it keeps no
// copy of every record (RunData.Records stays nil), and decodes the
// history rows into calls on every core while the log is still being read.
// It returns what it could read and, for a torn or damaged tail, the
// *wandb.CorruptError.
func readRun(path string) (data *wandb.RunData, cs []calls.Call, records int, rowErrs []rowError, err error) {
	file, err := runLog(path)
	if err != nil {
		return nil, nil, 0, nil, err
	}
	f, err := os.Open(file)
	if err != nil {
		return nil, nil, 0, nil, err
	}
	defer f.Close()
	rd, err := wandb.NewReader(f)
	if err != nil {
		return nil, nil, 0, nil, fmt.Errorf("%s: %w", file, err)
	}
	// Decoding allocates a lot of short-lived JSON; collecting less often
	// roughly halves load time. The viewer is a process of its own.
	defer debug.SetGCPercent(debug.SetGCPercent(400))

	data = &wandb.RunData{Path: file, Config: map[string]json.RawMessage{}, Summary: map[string]json.RawMessage{}}
	type job struct {
		n   int
		row map[string]json.RawMessage
	}
	type result struct {
		n   int
		c   calls.Call
		err error
	}
	jobs := make(chan []job, 64)
	results := make(chan []result, 64)
	var wg sync.WaitGroup
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for batch := range jobs {
				out := make([]result, 0, len(batch))
				for _, j := range batch {
					if _, ok := j.row["trace"]; !ok {
						continue
					}
					c, err := calls.FromRow(j.row)
					out = append(out, result{j.n, c, err})
				}
				results <- out
			}
		}()
	}
	var collected []result
	collectDone := make(chan struct{})
	go func() {
		for r := range results {
			collected = append(collected, r...)
		}
		close(collectDone)
	}()

	const batchSize = 256
	batch := make([]job, 0, batchSize)
	for {
		rec, rerr := rd.Next()
		if rerr != nil {
			if rerr != io.EOF {
				err = rerr
			}
			break
		}
		records++
		if rec.History != nil {
			row := make(map[string]json.RawMessage, len(rec.History.Items))
			for i := range rec.History.Items {
				it := &rec.History.Items[i]
				row[it.FullKey()] = it.ValueJSON
			}
			batch = append(batch, job{len(data.History), row})
			data.History = append(data.History, row)
			if len(batch) == batchSize {
				jobs <- batch
				batch = make([]job, 0, batchSize)
			}
			continue
		}
		fold(data, rec)
	}
	if len(batch) > 0 {
		jobs <- batch
	}
	close(jobs)
	wg.Wait()
	close(results)
	<-collectDone

	// Results arrive out of order; put them back in row order.
	byRow := make([]*result, len(data.History))
	for i := range collected {
		byRow[collected[i].n] = &collected[i]
	}
	cs = make([]calls.Call, 0, len(collected))
	for _, r := range byRow {
		if r == nil {
			continue
		}
		if r.err != nil {
			rowErrs = append(rowErrs, rowError{r.n, r.err})
			continue
		}
		cs = append(cs, r.c)
	}
	return data, cs, records, rowErrs, err
}

type rowError struct {
	row int
	err error
}

// fold applies a non-history record the way wandb.RunData does.
func fold(d *wandb.RunData, rec *wandb.Record) {
	switch {
	case rec.Header != nil:
		if d.Header == nil {
			d.Header = rec.Header
		}
	case rec.Run != nil:
		if d.Run == nil {
			d.Run = rec.Run
			if rec.Run.Config != nil {
				foldItems(d.Config, rec.Run.Config.Update, rec.Run.Config.Remove)
			}
		}
	case rec.Config != nil:
		foldItems(d.Config, rec.Config.Update, rec.Config.Remove)
	case rec.Summary != nil:
		foldItems(d.Summary, rec.Summary.Update, rec.Summary.Remove)
	case rec.Metric != nil:
		d.Metrics = append(d.Metrics, rec.Metric)
	case rec.Files != nil:
		d.Files = append(d.Files, rec.Files.Files...)
	case rec.Exit != nil:
		if d.Exit == nil {
			d.Exit = rec.Exit
		}
	}
}

func foldItems(m map[string]json.RawMessage, update, remove []wandb.Item) {
	for i := range update {
		m[update[i].FullKey()] = update[i].ValueJSON
	}
	for i := range remove {
		delete(m, remove[i].FullKey())
	}
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
