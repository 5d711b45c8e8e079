//go:build linux || darwin

package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wbinstrument/wbinstrument/internal/fakewandb"
)

// BenchmarkMillionCallRun runs `wbinstrument view` and `wbinstrument sync`
// (to the fake W&B) over a million-call run and prints their peak RSS and
// time. The run is WBI_MILLION_RUN (a run directory), or is written first
// by the runtime's BenchmarkMillionCalls (WBI_MILLION_CALLS calls, default
// 1,000,000). view must serve the last call, stats row included; the fake
// W&B must receive every row. Spans are not sent (WBINSTRUMENT_WEAVE=false):
// this measures the run's own upload.
//
//	go test ./cmd/wbinstrument -run '^$' -bench MillionCallRun -benchtime 1x -v
func BenchmarkMillionCallRun(b *testing.B) {
	for i := 0; i < b.N; i++ {
		millionCallRun(b)
	}
}

func millionCallRun(b *testing.B) {
	tmp := b.TempDir()
	runDir := os.Getenv("WBI_MILLION_RUN")
	if runDir == "" {
		keep := filepath.Join(tmp, "run")
		gen := exec.Command("go", "test", "./wbopenai", "-run", "^$", "-bench", "MillionCalls", "-benchtime", "1x")
		gen.Dir = filepath.Join("..", "..", "runtime")
		gen.Env = append(os.Environ(), "WBI_MILLION_KEEP="+keep)
		out, err := gen.CombinedOutput()
		if err != nil {
			b.Fatalf("writing the run: %v\n%s", err, out)
		}
		fmt.Fprintf(os.Stderr, "%s", grepLines(out, "calls/s"))
		matches, _ := filepath.Glob(filepath.Join(keep, "wandb", "offline-run-*"))
		if len(matches) != 1 {
			b.Fatalf("no run written in %s", keep)
		}
		runDir = matches[0]
	}
	bin := filepath.Join(tmp, "wbinstrument")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	var logSize int64
	if m, _ := filepath.Glob(filepath.Join(runDir, "run-*.wandb")); len(m) == 1 {
		if st, err := os.Stat(m[0]); err == nil {
			logSize = st.Size()
		}
	}

	// view: read the run, serve the last call, stop.
	view := exec.Command(bin, "view", "-port", "0", runDir)
	stdout, _ := view.StdoutPipe()
	var viewErr bytes.Buffer
	view.Stderr = &viewErr
	t0 := time.Now()
	if err := view.Start(); err != nil {
		b.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	url, calls := "", 0
	for sc.Scan() {
		line := sc.Text()
		if _, err := fmt.Sscanf(line, "Viewing %s (%d calls", new(string), &calls); err == nil {
			continue
		}
		if strings.HasPrefix(line, "Serving on ") {
			url = strings.Fields(line)[2]
			break
		}
	}
	loaded := time.Since(t0)
	if url == "" {
		_ = view.Process.Kill()
		_ = view.Wait()
		b.Fatalf("view did not serve:\n%s", viewErr.String())
	}
	var d struct {
		Stats *struct {
			Rows, Index int
			Data        [][]interface{}
		} `json:"stats"`
		StatsError string `json:"statsError"`
	}
	resp, err := http.Get(fmt.Sprintf("%s/api/call?i=%d", strings.TrimSuffix(url, "/"), calls-1))
	if err == nil {
		err = json.NewDecoder(resp.Body).Decode(&d)
		resp.Body.Close()
	}
	_ = view.Process.Signal(os.Interrupt)
	_ = view.Wait()
	viewRSS := maxRSS(view.ProcessState)
	if err != nil || d.Stats == nil || len(d.Stats.Data) != 1 {
		b.Errorf("view: the last call (%d) has no stats row: %v %s", calls-1, err, d.StatsError)
	}

	// sync to the fake W&B.
	srv := fakewandb.New("million-key")
	defer srv.Close()
	sync := exec.Command(bin, "sync", "-force", runDir)
	sync.Env = append(os.Environ(), "WANDB_API_KEY=million-key", "WANDB_BASE_URL="+srv.URL(), "WBINSTRUMENT_WEAVE=false",
		"WANDB_ENTITY=", "WANDB_PROJECT=")
	var syncOut bytes.Buffer
	sync.Stdout, sync.Stderr = &syncOut, &syncOut
	t1 := time.Now()
	if err := sync.Run(); err != nil {
		b.Fatalf("sync: %v\n%s", err, tail(syncOut.String(), 2000))
	}
	synced := time.Since(t1)
	syncRSS := maxRSS(sync.ProcessState)
	rows := 0
	for _, r := range srv.Runs() {
		rows += len(r.Files["wandb-history.jsonl"])
	}
	if rows < calls {
		b.Errorf("the fake W&B got %d history rows, want %d", rows, calls)
	}
	fmt.Fprintf(os.Stderr, "run: %d calls, log %d MiB\nview: read and served in %v, peak RSS %d MiB\nsync: %v, peak RSS %d MiB, %d rows received\nsync's progress lines:\n%s",
		calls, logSize>>20, loaded.Round(time.Millisecond), viewRSS>>20, synced.Round(time.Millisecond), syncRSS>>20, rows,
		firstLast(grepLines(syncOut.Bytes(), " rows"), 3))
	fmt.Fprintf(os.Stderr, "view's progress lines:\n%s", firstLast(grepLines(viewErr.Bytes(), "reading"), 3))
	b.ReportMetric(float64(viewRSS>>20), "view-MiB")
	b.ReportMetric(float64(syncRSS>>20), "sync-MiB")
}

// maxRSS is a finished process's peak resident set, in bytes.
func maxRSS(ps *os.ProcessState) int64 {
	ru, ok := ps.SysUsage().(*syscall.Rusage)
	if !ok {
		return 0
	}
	if runtime.GOOS == "darwin" {
		return ru.Maxrss
	}
	return ru.Maxrss << 10 // Linux reports KiB
}

func grepLines(out []byte, word string) string {
	var b strings.Builder
	for _, l := range strings.Split(string(out), "\n") {
		if strings.Contains(l, word) {
			b.WriteString(l + "\n")
		}
	}
	return b.String()
}

// firstLast keeps the first n lines of s and its last line.
func firstLast(s string, n int) string {
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	if len(lines) <= n+1 {
		return s
	}
	return strings.Join(append(lines[:n:n], "...", lines[len(lines)-1]), "\n") + "\n"
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}
