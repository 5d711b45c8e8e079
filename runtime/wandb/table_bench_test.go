package wandb

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wbinstrument/wbinstrument/runtime/wandb/wandbfile"
)

// statsTable is a per-call stats table as the wbopenai session logs it:
// one row of 14 columns, the request and response bodies as ~2 KiB JSON
// strings (quotes to escape), the rest short.
func statsTable(i int) ([]string, [][]interface{}) {
	cols := []string{"request", "response", "model", "start_time", "end_time", "request_id", "api_type",
		"session_id", "elapsed_time", "prompt_tokens", "completion_tokens", "total_tokens", "call_site", "error"}
	req := `{"model":"gpt-4o-mini","messages":[{"role":"user","content":"` + strings.Repeat("Tell me about <b>tables</b> & more. ", 55) + `"}]}`
	resp := `{"id":"chatcmpl-` + strconv.Itoa(i) + `","choices":[{"message":{"role":"assistant","content":"` + strings.Repeat("Tables are rows and columns.\n", 70) + `"}}]}`
	start := 1709296245.123456 + float64(i)
	return cols, [][]interface{}{{req, resp, "gpt-4o-mini-2024-07-18", start, start + 0.734512,
		"req_" + strconv.Itoa(i), "openai", "sess-1", 0.734512, 812, 64, 876, "main.go:42", ""}}
}

// oldTable is Step.Table as it was before table files were deferred: the
// baseline. json.Marshal, sha256 and os.WriteFile for every table, on the
// writer goroutine, with the FilesRecord right after the row.
func oldTable(s *Step, key string, columns []string, data [][]interface{}) (map[string]interface{}, error) {
	w := s.w
	body, err := json.Marshal(struct {
		Columns []string        `json:"columns"`
		Data    [][]interface{} `json:"data"`
	}{columns, data})
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(body)
	digest := hex.EncodeToString(sum[:])
	rel := path.Join("media", "table", key+"_"+strconv.FormatInt(s.Num, 10)+"_"+digest[:20]+".table.json")
	full := filepath.Join(w.run.dir, "files", filepath.FromSlash(rel))
	if dir := filepath.Dir(full); !w.tableDirs[dir] {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
		if w.tableDirs == nil {
			w.tableDirs = map[string]bool{}
		}
		w.tableDirs[dir] = true
	}
	if err := os.WriteFile(full, body, 0o644); err != nil {
		return nil, err
	}
	w.pendingFiles = append(w.pendingFiles, wandbfile.FilesItem{Path: rel, Policy: wandbfile.PolicyNow, Type: wandbfile.FileMedia})
	return map[string]interface{}{
		"_type": "table-file", "sha256": digest, "size": len(body), "path": rel,
		"ncols": len(columns), "nrows": len(data), "log_mode": "IMMUTABLE",
	}, nil
}

// tableRun logs n rows with a stats table each through table and
// finishes the run. It returns the writer goroutine's time inside table
// per row (what a burst of calls competes with) and the wall time per row
// of the whole run, Finish included (so deferred files are paid for).
func tableRun(b *testing.B, n int, table func(*Step, string, []string, [][]interface{}) (map[string]interface{}, error)) (tableUs, totalUs float64) {
	r := benchRun(b, b.TempDir())
	var inTable time.Duration // written by the writer goroutine only
	start := time.Now()
	for i := 0; i < n; i++ {
		cols, data := statsTable(i)
		build := func(s *Step) map[string]interface{} {
			t0 := time.Now()
			v, err := table(s, "stats", cols, data)
			inTable += time.Since(t0)
			if err != nil {
				panic(err)
			}
			return map[string]interface{}{"stats": v, "usage/total_tokens": 876}
		}
		for !r.LogFunc(build) {
			time.Sleep(100 * time.Microsecond)
		}
	}
	if err := r.Finish(); err != nil {
		b.Fatal(err)
	}
	total := time.Since(start)
	if got, _ := filepath.Glob(filepath.Join(r.Dir(), "files", "media", "table", "*.table.json")); len(got) != n {
		b.Fatalf("%d table files, want %d", len(got), n)
	}
	return float64(inTable.Microseconds()) / float64(n), float64(total.Microseconds()) / float64(n)
}

// BenchmarkTableRow compares, in the same run, logging a row with a
// per-call stats table the old way (oldTable) and with Step.Table.
// table-us is the writer's time in the Table call per row, the part that
// competes with a burst of calls; total-us the wall time per row of the
// whole run including Finish, which writes the deferred files. *-x are
// old/new (> 1: the new path is faster).
func BenchmarkTableRow(b *testing.B) {
	n := b.N
	if n < 200 {
		n = 200 // enough rows for a stable figure even at -benchtime 1x
	}
	b.ReportAllocs()
	oldTab, oldTot := tableRun(b, n, oldTable)
	newTab, newTot := tableRun(b, n, (*Step).Table)
	b.ReportMetric(oldTab, "old-table-us")
	b.ReportMetric(newTab, "new-table-us")
	b.ReportMetric(oldTab/newTab, "table-x")
	b.ReportMetric(oldTot, "old-total-us")
	b.ReportMetric(newTot, "new-total-us")
	b.ReportMetric(oldTot/newTot, "total-x")
	b.Logf("%d rows: in Table %.1f -> %.1f µs/row (x%.2f); whole run %.1f -> %.1f µs/row (x%.2f)",
		n, oldTab, newTab, oldTab/newTab, oldTot, newTot, oldTot/newTot)
}

// BenchmarkTableEncode compares encoding the stats table alone.
func BenchmarkTableEncode(b *testing.B) {
	cols, data := statsTable(1)
	size, _ := marshalTable(cols, data)
	b.Run("json.Marshal", func(b *testing.B) {
		b.SetBytes(int64(len(size)))
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if _, err := marshalTable(cols, data); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("appendTableJSON", func(b *testing.B) {
		b.SetBytes(int64(len(size)))
		b.ReportAllocs()
		var buf []byte
		for i := 0; i < b.N; i++ {
			var err error
			if buf, err = appendTableJSON(buf[:0], cols, data); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkTableCall times Table calls alone, b.N of them inside one
// LogFunc callback on the writer goroutine, so no scheduling between
// goroutines is counted. old is the baseline (file written per call);
// new-burst the deferred path while the burst fits in the queue; new the
// same with the default bounds, which past 2048 files or 16 MiB write one
// file per call (a sustained burst trickles). The log line gives old/new.
func BenchmarkTableCall(b *testing.B) {
	nsPerOp := map[string]float64{}
	bench := func(name string, table func(*Step, string, []string, [][]interface{}) (map[string]interface{}, error), unbounded bool) {
		b.Run(name, func(b *testing.B) {
			if unbounded {
				old := tableTiming
				tableTiming.maxFiles, tableTiming.maxBytes, tableTiming.quiet, tableTiming.maxAge = 1<<30, 1<<40, time.Hour, time.Hour
				defer func() { tableTiming = old }()
			}
			r := benchRun(b, b.TempDir())
			tables := make([][][]interface{}, 64)
			var cols []string
			for i := range tables {
				cols, tables[i] = statsTable(i)
			}
			done := make(chan time.Duration, 1)
			b.ReportAllocs()
			b.ResetTimer()
			r.LogFunc(func(s *Step) map[string]interface{} {
				t0 := time.Now()
				for i := 0; i < b.N; i++ {
					data := tables[i%len(tables)]
					data[0][5] = "req_" + strconv.Itoa(i) // a distinct table, so a distinct file
					if _, err := table(s, "stats", cols, data); err != nil {
						panic(err)
					}
				}
				done <- time.Since(t0)
				return nil
			})
			elapsed := <-done
			b.StopTimer()
			nsPerOp[name] = float64(elapsed.Nanoseconds()) / float64(b.N)
			if err := r.Finish(); err != nil {
				b.Fatal(err)
			}
		})
	}
	bench("old", oldTable, false)
	bench("new-burst", (*Step).Table, true)
	bench("new", (*Step).Table, false)
	if nsPerOp["new"] > 0 && nsPerOp["new-burst"] > 0 {
		b.Logf("per Table call: old %.1f µs, new-burst %.1f µs (x%.1f), new %.1f µs (x%.2f)",
			nsPerOp["old"]/1e3, nsPerOp["new-burst"]/1e3, nsPerOp["old"]/nsPerOp["new-burst"],
			nsPerOp["new"]/1e3, nsPerOp["old"]/nsPerOp["new"])
	}
}
