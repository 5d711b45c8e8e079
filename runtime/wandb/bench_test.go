package wandb

import (
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// benchRow is a history row shaped like an autolog call (usage numbers, a
// model name, a trace passed as json.RawMessage) whose JSON is 1 KiB.
func benchRow(tb testing.TB) (map[string]interface{}, int) {
	row := map[string]interface{}{
		"usage/prompt_tokens":     812,
		"usage/completion_tokens": 64,
		"usage/total_tokens":      876,
		"usage/elapsed_time":      0.734512,
		"model":                   "gpt-4o-mini-2024-07-18",
	}
	base, err := json.Marshal(row)
	if err != nil {
		tb.Fatal(err)
	}
	// Pad the trace so the whole row's JSON is exactly 1024 bytes.
	overhead := len(base) + len(`,"trace":{"_type":"wb_trace_tree","root_span_dumps":""}`)
	trace := `{"_type":"wb_trace_tree","root_span_dumps":"` + strings.Repeat("s", 1024-overhead) + `"}`
	row["trace"] = json.RawMessage(trace)
	full, err := json.Marshal(row)
	if err != nil {
		tb.Fatal(err)
	}
	if len(full) != 1024 {
		tb.Fatalf("bench row is %d bytes of JSON, want 1024", len(full))
	}
	return row, len(full)
}

// baselineNsPerRow times the naive way to log the same row: json.Marshal
// and one os.File write per row, for at least 200 ms. Measured once per
// process, by hand: testing.Benchmark cannot run inside a benchmark.
var baselineNsPerRow = func() func(tb testing.TB) float64 {
	var once sync.Once
	var ns float64
	return func(tb testing.TB) float64 {
		once.Do(func() {
			row, _ := benchRow(tb)
			f, err := os.CreateTemp("", "wandb-baseline-*.jsonl")
			if err != nil {
				tb.Fatal(err)
			}
			defer os.Remove(f.Name())
			defer f.Close()
			n := 0
			start := time.Now()
			for time.Since(start) < 200*time.Millisecond {
				for i := 0; i < 500; i++ {
					p, err := json.Marshal(row)
					if err != nil {
						tb.Fatal(err)
					}
					if _, err := f.Write(append(p, '\n')); err != nil {
						tb.Fatal(err)
					}
				}
				n += 500
			}
			ns = float64(time.Since(start).Nanoseconds()) / float64(n)
		})
		return ns
	}
}()

// BenchmarkWriter measures the offline writer end to end for 1 KiB history
// rows: Log on the caller's side, encoding, framing and writing on the
// writer goroutine, and Finish (drain, summary, exit, fsync). Allocations
// count both goroutines. x-baseline > 1 means faster than json.Marshal plus
// one write per row.
func BenchmarkWriter(b *testing.B) {
	// validated: the trace is a json.RawMessage, checked before writing;
	// trusted: the same bytes as RawJSON, written unchecked.
	b.Run("validated", func(b *testing.B) { benchWriter(b, false) })
	b.Run("trusted", func(b *testing.B) { benchWriter(b, true) })
}

func benchWriter(b *testing.B, trusted bool) {
	row, size := benchRow(b)
	if trusted {
		row["trace"] = RawJSON(row["trace"].(json.RawMessage))
	}
	baseline := baselineNsPerRow(b)
	dir := b.TempDir()
	r := benchRun(b, dir)
	b.SetBytes(int64(size))
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		// The producer outruns the writer; rather than count drops, wait
		// for room, so the figure is the writer's sustained throughput
		// with the default queue.
		for !r.Log(row) {
			time.Sleep(100 * time.Microsecond)
		}
	}
	// Refused attempts count as drops; only other errors matter here.
	if err := r.Finish(); err != nil && !strings.Contains(err.Error(), "dropped") {
		b.Fatal(err)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	nsPerRow := float64(elapsed.Nanoseconds()) / float64(b.N)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "records/s")
	b.ReportMetric(baseline/nsPerRow, "x-baseline")
	if st, err := os.Stat(filepath.Join(r.Dir(), "run-"+r.ID()+".wandb")); err == nil {
		b.ReportMetric(float64(st.Size())/float64(b.N), "file-B/row")
	}
}

// benchRun starts a run in dir for a benchmark: the real clock and ids,
// no environment, no output, and time enough to finish what it queued.
func benchRun(b *testing.B, dir string) *Run {
	b.Helper()
	h := defaultHooks()
	h.stderr = io.Discard
	h.getenv = func(string) string { return "" }
	r, err := initRun(Options{Dir: dir, FinishTimeout: time.Hour}, h)
	if err != nil {
		b.Fatal(err)
	}
	return r
}

// BenchmarkLogCaller is the cost on the caller's path alone: one Log into
// the default queue while the writer goroutine drains it. A caller that
// outruns the writer gets drops, reported as dropped/op.
func BenchmarkLogCaller(b *testing.B) {
	row, _ := benchRow(b)
	r := benchRun(b, b.TempDir())
	dropped := 0
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if !r.Log(row) {
			dropped++
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(dropped)/float64(b.N), "dropped/op")
	r.Finish()
}

// BenchmarkBaseline reports the baseline itself, for reference.
func BenchmarkBaseline(b *testing.B) {
	row, size := benchRow(b)
	f, err := os.Create(filepath.Join(b.TempDir(), "rows.jsonl"))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	b.SetBytes(int64(size))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		p, err := json.Marshal(row)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := f.Write(append(p, '\n')); err != nil {
			b.Fatal(err)
		}
	}
}
