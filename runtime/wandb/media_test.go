package wandb

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wbinstrument/wbinstrument/runtime/wandb/online"
	"github.com/wbinstrument/wbinstrument/runtime/wandb/wandbfile"
)

// setTableTiming replaces the table queue's limits for one test; runs
// started after it use them.
func setTableTiming(t *testing.T, quiet, maxAge time.Duration, maxFiles, maxBytes int) {
	t.Helper()
	old := tableTiming
	tableTiming.quiet, tableTiming.maxAge = quiet, maxAge
	tableTiming.maxFiles, tableTiming.maxBytes = maxFiles, maxBytes
	t.Cleanup(func() { tableTiming = old })
}

// tableRow is the table of row i: one row of a few columns.
func tableRow(i int) ([]string, [][]interface{}) {
	return []string{"request", "response", "n", "ok"},
		[][]interface{}{{fmt.Sprintf(`{"q":"<%d>"}`, i), strings.Repeat("r", 100+i), i, i%2 == 0}}
}

// logTables logs rows first..last-1, each with its table under "stats".
func logTables(t *testing.T, r *Run, first, last int) {
	t.Helper()
	for i := first; i < last; i++ {
		i := i
		if !r.LogFunc(func(s *Step) map[string]interface{} {
			cols, data := tableRow(i)
			v, err := s.Table("stats", cols, data)
			if err != nil {
				t.Errorf("row %d: Table: %v", i, err)
				return map[string]interface{}{"i": i}
			}
			return map[string]interface{}{"i": i, "stats": v}
		}) {
			t.Fatalf("row %d refused", i)
		}
	}
}

// tableFiles lists the table files on disk, by path under files/.
func tableFiles(t *testing.T, r *Run) map[string]bool {
	t.Helper()
	got := map[string]bool{}
	matches, err := filepath.Glob(filepath.Join(r.Dir(), "files", "media", "table", "*.table.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range matches {
		got["media/table/"+filepath.Base(m)] = true
	}
	return got
}

// announced lists the paths of every FilesRecord in the log, in order,
// with the index of the record that announced each.
func announced(data *wandbfile.RunData) (paths []string, at map[string]int) {
	at = map[string]int{}
	for i, rec := range data.Records {
		if rec.Files != nil {
			for _, f := range rec.Files.Files {
				if f.Policy != wandbfile.PolicyNow || f.Type != wandbfile.FileMedia {
					panic(fmt.Sprintf("files item %+v", f))
				}
				paths = append(paths, f.Path)
				at[f.Path] = i
			}
		}
	}
	return paths, at
}

// waitFor polls cond until it holds; the deadline only guards against a
// hang, it is not what the test measures.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestTableFilesByFinish: with files held back (long quiet period and max
// age), Finish writes every table with the bytes json.Marshal gave before,
// under its sha256, each announced once, after the row that references it.
func TestTableFilesByFinish(t *testing.T) {
	setTableTiming(t, time.Hour, time.Hour, 1<<20, 1<<30)
	r := mustInit(t, Options{Dir: t.TempDir()}, testHooks(io.Discard))
	const n = 25
	logTables(t, r, 0, n)
	if err := r.Finish(); err != nil {
		t.Fatal(err)
	}
	data := readRun(t, r)
	if len(data.History) != n {
		t.Fatalf("%d rows, want %d", len(data.History), n)
	}
	paths, at := announced(data)
	if len(paths) != n || len(at) != n {
		t.Fatalf("%d files announced (%d distinct), want %d: %v", len(paths), len(at), n, paths)
	}
	if onDisk := tableFiles(t, r); len(onDisk) != n {
		t.Errorf("%d table files on disk, want %d", len(onDisk), n)
	}
	// All rows came before Finish wrote the files: the records are the
	// rows, then one FilesRecord, then summary and exit.
	for i, row := range data.History {
		var ref struct {
			Path   string `json:"path"`
			SHA256 string `json:"sha256"`
			Size   int    `json:"size"`
		}
		if err := json.Unmarshal(row["stats"], &ref); err != nil {
			t.Fatalf("row %d: %v", i, err)
		}
		body, err := os.ReadFile(filepath.Join(r.Dir(), "files", filepath.FromSlash(ref.Path)))
		if err != nil {
			t.Fatalf("row %d: %v", i, err)
		}
		cols, rows := tableRow(i)
		want, _ := marshalTable(cols, rows)
		sum := sha256.Sum256(body)
		digest := hex.EncodeToString(sum[:])
		if string(body) != string(want) || digest != ref.SHA256 || ref.Size != len(body) ||
			ref.Path != fmt.Sprintf("media/table/stats_%d_%s.table.json", i, digest[:20]) {
			t.Errorf("row %d: ref %+v, body %s, want %s (sha %s)", i, ref, body, want, digest)
		}
		if _, ok := at[ref.Path]; !ok {
			t.Errorf("row %d: %s never announced", i, ref.Path)
		}
	}
	want := fmt.Sprint(append(append([]int{wandbfile.TypeHeader, wandbfile.TypeRun}, repeatType(wandbfile.TypeHistory, n)...), wandbfile.TypeFiles, wandbfile.TypeSummary, wandbfile.TypeExit))
	if got := fmt.Sprint(recordTypes(data)); got != want {
		t.Errorf("record types %s\nwant %s", got, want)
	}
}

func repeatType(typ, n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = typ
	}
	return out
}

// TestTableQueueBounds: past maxFiles or maxBytes the writer writes the
// oldest files, only as many as bring the queue back under its bound, and
// announces exactly those; the rest wait for Finish.
func TestTableQueueBounds(t *testing.T) {
	cols, rows := tableRow(0)
	one, _ := marshalTable(cols, rows)
	for _, tc := range []struct {
		name               string
		maxFiles, maxBytes int
		queued             int // tables left queued after the burst
	}{
		{"files", 3, 1 << 30, 3},
		// Bodies grow by a byte per row: 2.5 bodies hold two.
		{"bytes", 1 << 20, len(one)*5/2 + 5, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			setTableTiming(t, time.Hour, time.Hour, tc.maxFiles, tc.maxBytes)
			r := mustInit(t, Options{Dir: t.TempDir()}, testHooks(io.Discard))
			const n = 10
			logTables(t, r, 0, n)
			// Wait until the writer has written all rows (they reach
			// the disk within the flush delay).
			var data *wandbfile.RunData
			waitFor(t, "the rows on disk", func() bool {
				d, err := wandbfile.ReadRunDir(r.Dir())
				data = d
				return err == nil && len(d.History) == n
			})
			paths, _ := announced(data)
			onDisk := tableFiles(t, r)
			if len(paths) != n-tc.queued || len(onDisk) != n-tc.queued {
				t.Fatalf("%d announced, %d on disk; want %d written and %d queued", len(paths), len(onDisk), n-tc.queued, tc.queued)
			}
			for i, p := range paths {
				if !strings.HasPrefix(p, fmt.Sprintf("media/table/stats_%d_", i)) || !onDisk[p] {
					t.Errorf("file %d announced is %s (on disk: %v); want the oldest first", i, p, onDisk[p])
				}
			}
			if err := r.Finish(); err != nil {
				t.Fatal(err)
			}
			if paths, _ := announced(readRun(t, r)); len(paths) != n || len(tableFiles(t, r)) != n {
				t.Errorf("after Finish: %d announced, %d on disk, want %d", len(paths), len(tableFiles(t, r)), n)
			}
		})
	}
}

// TestTableFilesWhenIdle: a program that stops logging gets its files
// without Finish, once the writer has been quiet (or the max age passed).
func TestTableFilesWhenIdle(t *testing.T) {
	for _, tc := range []struct {
		name          string
		quiet, maxAge time.Duration
	}{
		{"quiet", 30 * time.Millisecond, time.Hour},
		{"max-age", time.Hour, 30 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			setTableTiming(t, tc.quiet, tc.maxAge, 1<<20, 1<<30)
			r := mustInit(t, Options{Dir: t.TempDir()}, testHooks(io.Discard))
			logTables(t, r, 0, 3)
			waitFor(t, "the files announced", func() bool {
				d, err := wandbfile.ReadRunDir(r.Dir())
				if err != nil {
					return false
				}
				paths, _ := announced(d)
				return len(paths) == 3
			})
			if len(tableFiles(t, r)) != 3 {
				t.Errorf("files on disk: %v", tableFiles(t, r))
			}
			if err := r.Finish(); err != nil {
				t.Fatal(err)
			}
			if paths, _ := announced(readRun(t, r)); len(paths) != 3 {
				t.Errorf("announced after Finish: %v", paths)
			}
		})
	}
}

// checkingSink stands in for the online sender: like it, it reads a file
// when the file's FilesRecord arrives, and records any it cannot find.
type checkingSink struct {
	filesDir string
	mu       sync.Mutex
	seen     []string
	missing  []string
}

func (s *checkingSink) StartLine() string { return "" }

func (s *checkingSink) Record(num int64, payload []byte) {
	rec, err := wandbfile.DecodeRecord(payload)
	if err != nil || rec.Files == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range rec.Files.Files {
		s.seen = append(s.seen, f.Path)
		if _, err := os.Stat(filepath.Join(s.filesDir, filepath.FromSlash(f.Path))); err != nil {
			s.missing = append(s.missing, f.Path)
		}
	}
}

func (s *checkingSink) Finish(time.Time) error { return nil }

func (s *checkingSink) state() (seen, missing int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.seen), len(s.missing)
}

// TestFilesRecordAfterFile: by every path that writes table files (the
// queue bound, the quiet timer, Finish), the file is on disk when its
// FilesRecord reaches the log and the sink.
func TestFilesRecordAfterFile(t *testing.T) {
	setTableTiming(t, 50*time.Millisecond, time.Hour, 4, 1<<30)
	var sink *checkingSink
	old := newOnlineSink
	newOnlineSink = func(cfg online.Config) (recordSink, error) {
		sink = &checkingSink{filesDir: cfg.FilesDir}
		return sink, nil
	}
	defer func() { newOnlineSink = old }()
	r := mustInit(t, Options{Dir: t.TempDir(), Mode: "online", APIKey: "k"}, testHooks(io.Discard))
	if sink == nil {
		t.Fatal("the run did not start the sink")
	}
	logTables(t, r, 0, 12) // 8 written by the bound, 4 by the timer
	waitFor(t, "the timer to write the files", func() bool { seen, _ := sink.state(); return seen == 12 })
	logTables(t, r, 12, 15) // written by Finish
	if err := r.Finish(); err != nil {
		t.Fatal(err)
	}
	seen, missing := sink.state()
	if seen != 15 || missing != 0 {
		t.Errorf("sink saw %d files announced, %d of them missing on disk: %v", seen, missing, sink.missing)
	}
	data := readRun(t, r)
	_, at := announced(data)
	rowAt := map[int]int{} // history row -> record index
	for i, rec := range data.Records {
		if rec.History != nil {
			rowAt[len(rowAt)] = i
		}
	}
	for i, row := range data.History {
		var ref struct{ Path string }
		if err := json.Unmarshal(row["stats"], &ref); err != nil {
			t.Fatal(err)
		}
		if idx, ok := at[ref.Path]; !ok || idx < rowAt[i] {
			t.Errorf("row %d (record %d): %s announced at record %d", i, rowAt[i], ref.Path, idx)
		}
	}
}

// TestTableDiskErrors: a table file that cannot be written costs one
// warning and its FilesRecord; the rows, and the other tables, are logged.
// A table directory that cannot be made is reported by Table itself.
func TestTableDiskErrors(t *testing.T) {
	setTableTiming(t, time.Hour, time.Hour, 1<<20, 1<<30)
	var stderr syncBuffer
	r := mustInit(t, Options{Dir: t.TempDir()}, testHooks(&stderr))
	// A directory where the files of rows 1 and 2 go: creating them
	// fails whatever the user's privileges.
	for _, i := range []int{1, 2} {
		cols, rows := tableRow(i)
		body, _ := marshalTable(cols, rows)
		sum := sha256.Sum256(body)
		p := filepath.Join(r.Dir(), "files", "media", "table", fmt.Sprintf("stats_%d_%s.table.json", i, hex.EncodeToString(sum[:])[:20]))
		if err := os.MkdirAll(p, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// And a file where the directory of "other/..." tables should be.
	if err := os.WriteFile(filepath.Join(r.Dir(), "files", "media", "table", "other"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	logTables(t, r, 0, 4)
	tableErr := make(chan error, 1)
	r.LogFunc(func(s *Step) map[string]interface{} {
		_, err := s.Table("other/t", []string{"a"}, nil)
		tableErr <- err
		return map[string]interface{}{"i": 4}
	})
	if err := r.Finish(); err != nil {
		t.Fatal(err)
	}
	if err := <-tableErr; err == nil {
		t.Error("Table under an unmakeable directory returned no error")
	}
	data := readRun(t, r)
	paths, _ := announced(data)
	if len(data.History) != 5 || len(paths) != 2 ||
		!strings.HasPrefix(paths[0], "media/table/stats_0_") || !strings.HasPrefix(paths[1], "media/table/stats_3_") {
		t.Errorf("%d rows, announced %v; want 5 rows and the tables of rows 0 and 3", len(data.History), paths)
	}
	if n := strings.Count(stderr.String(), "writing tables"); n != 1 {
		t.Errorf("%d table warnings, want 1:\n%s", n, stderr.String())
	}
}
