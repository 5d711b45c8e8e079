//go:build linux || darwin

package wbopenai

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/wbinstrument/wbinstrument/runtime/wandb"
	"github.com/wbinstrument/wbinstrument/runtime/wandb/wandbfile"
)

// BenchmarkMillionCalls logs WBI_MILLION_CALLS calls (default 1,000,000;
// 3 chats to 1 stream, as loadprog makes them) through the real logging
// path, enqueue to run directory, as fast as the logging goroutine takes
// them, and checks the run: at most about a thousand files, every call a
// row of the log and a row of a stats table, each table file there and
// announced, the log readable to its exit record by W&B's record format.
// It prints the calls per second (from the first call until Finish has
// written everything) and the heap in use at the end of the calls.
//
// WBI_MILLION_KEEP=dir keeps the run in dir (for `wbinstrument view` and
// `sync` over it: cmd/wbinstrument's BenchmarkMillionCallRun); by default
// it goes in a temp dir.
//
//	go test ./wbopenai -run '^$' -bench MillionCalls -benchtime 1x -v
func BenchmarkMillionCalls(b *testing.B) {
	n := 1000000
	if v, err := strconv.Atoi(os.Getenv("WBI_MILLION_CALLS")); err == nil && v > 0 {
		n = v
	}
	for i := 0; i < b.N; i++ {
		dir := os.Getenv("WBI_MILLION_KEEP")
		if dir == "" {
			dir = b.TempDir()
		} else if err := os.MkdirAll(dir, 0o755); err != nil {
			b.Fatal(err)
		}
		millionRun(b, dir, n)
	}
}

func millionRun(b *testing.B, dir string, n int) {
	const variants = 1000
	chats, streams := newBreakdownEvents(variants, false), newBreakdownEvents(variants, true)
	r, err := wandb.Init(wandb.Options{Dir: dir, Mode: "offline", Silent: true, Project: "million", FinishTimeout: time.Hour})
	if err != nil {
		b.Fatal(err)
	}
	var cs costState
	cs.load()
	Finish()
	state.mu.Lock()
	state.disabled = false
	state.sess = startSession(&wandb.Options{}, wandbSink{r}, cs)
	state.mu.Unlock()
	defer Finish()

	// The program's calls, paced so that none is dropped: past maxQueue
	// a real program's calls are counted as dropped instead.
	start := time.Now()
	for i := 0; i < n; i++ {
		stream := i%4 == 3
		e := chats
		if stream {
			e = streams
		}
		ev := e.event(i%variants, stream)
		ev.start = start.Add(time.Duration(i) * time.Microsecond)
		ev.end = ev.start.Add(300 * time.Microsecond)
		if i%1024 == 0 {
			for {
				state.mu.Lock()
				q := len(state.queue)
				state.mu.Unlock()
				if q < maxQueue/2 {
					break
				}
				time.Sleep(time.Millisecond)
			}
		}
		enqueue(ev)
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	Finish()
	took := time.Since(start)
	rate := float64(n) / took.Seconds()
	files := countFiles(b, r.Dir())
	rows, tableRows, tables := checkMillionRun(b, r.Dir(), n)
	fmt.Fprintf(os.Stderr, "%d calls in %v: %.0f calls/s logged; %d files in the run dir (%d stats tables); heap in use at the last call %d MiB\n",
		n, took.Round(time.Millisecond), rate, files, tables, ms.HeapInuse>>20)
	if rows != n || tableRows != n {
		b.Errorf("%d calls: %d rows in the log, %d rows in stats tables", n, rows, tableRows)
	}
	if files > 1200 {
		b.Errorf("%d files in the run dir, want about a thousand at most", files)
	}
	b.ReportMetric(rate, "calls/s")
	b.ReportMetric(float64(files), "files")
}

// checkMillionRun reads the run's log as W&B's reader would, record by
// record (CRC-checked blocks), and returns its history rows with a trace,
// the rows of the stats tables they reference, and the tables; each table
// must be on disk with as many rows as its reference says, and announced
// by a FilesRecord.
func checkMillionRun(b *testing.B, runDir string, n int) (rows, tableRows, tables int) {
	matches, _ := filepath.Glob(filepath.Join(runDir, "run-*.wandb"))
	if len(matches) != 1 {
		b.Fatalf("%s: %d .wandb files", runDir, len(matches))
	}
	f, err := os.Open(matches[0])
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	rd, err := wandbfile.NewReader(f)
	if err != nil {
		b.Fatal(err)
	}
	announced := map[string]bool{}
	var refs []struct {
		Path  string `json:"path"`
		NRows int    `json:"nrows"`
	}
	exit := false
	for {
		p, _, err := rd.NextPayload()
		if err == io.EOF {
			break
		}
		if err != nil {
			b.Fatalf("%s: %v", matches[0], err)
		}
		var stats []byte
		trace := false
		isHist, _, err := wandbfile.ScanHistory(p, func(k, v []byte) {
			switch string(k) {
			case "trace":
				trace = bytes.HasPrefix(v, []byte(`{"_type":"wb_trace_tree"`))
			case "stats":
				stats = append([]byte(nil), v...)
			}
		})
		if err != nil {
			b.Fatal(err)
		}
		if isHist {
			if trace {
				rows++
			}
			if stats != nil {
				var ref struct {
					Path  string `json:"path"`
					NRows int    `json:"nrows"`
				}
				if err := json.Unmarshal(stats, &ref); err != nil {
					b.Fatal(err)
				}
				refs = append(refs, ref)
				tableRows += ref.NRows
			}
			continue
		}
		rec, err := wandbfile.DecodeRecord(p)
		if err != nil {
			b.Fatal(err)
		}
		if rec.Files != nil {
			for _, it := range rec.Files.Files {
				announced[it.Path] = true
			}
		}
		if rec.Exit != nil {
			exit = true
		}
	}
	if !exit {
		b.Error("the log has no exit record")
	}
	for _, ref := range refs {
		body, err := os.ReadFile(filepath.Join(runDir, "files", filepath.FromSlash(ref.Path)))
		if err != nil {
			b.Fatal(err)
		}
		var t struct {
			Columns []string          `json:"columns"`
			Data    []json.RawMessage `json:"data"`
		}
		if err := json.Unmarshal(body, &t); err != nil || len(t.Data) != ref.NRows || len(t.Columns) != len(statsColumns) {
			b.Fatalf("%s: %d rows, %d columns, want %d rows (%v)", ref.Path, len(t.Data), len(t.Columns), ref.NRows, err)
		}
		if !announced[ref.Path] {
			b.Errorf("%s: no FilesRecord announces it", ref.Path)
		}
	}
	return rows, tableRows, len(refs)
}
