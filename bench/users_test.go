package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wbinstrument/wbinstrument/internal/demo"
	"github.com/wbinstrument/wbinstrument/internal/fakeopenai"
	"github.com/wbinstrument/wbinstrument/rewriter"
)

// BenchmarkAsUsersCompare measures what a user sees when they compare
// their program built plain and instrumented: the same program
// (testdata/loadprog), built both ways, runs as separate processes,
// alternating plain and instrumented (which one goes first alternates
// too), for several rounds, against one fake OpenAI server on 127.0.0.1.
// Each round gives instrumented-over-plain ratios of the calls' p50 and
// p99 latency and of the process's whole run time (start to exit,
// the run's finish included); the figures are the medians over the
// rounds, with their spread.
//
// Unlike BenchmarkCallOverhead, which interleaves plain and instrumented
// calls in one process, here the plain program runs with no logging
// goroutine beside it, so the logging's CPU shows in the ratios.
//
// WBI_BENCH_ROUNDS (default 5) and WBI_BENCH_CALLS (default 2000) set the
// size; WBI_BENCH_ENV adds settings to both programs' environment.
func BenchmarkAsUsersCompare(b *testing.B) {
	rounds := envInt("WBI_BENCH_ROUNDS", 5)
	calls := envInt("WBI_BENCH_CALLS", 2000)
	plain, instr := buildLoadProgram(b)
	srv := fakeopenai.New()
	defer srv.Close()
	workloads := []struct {
		name, mode string
		workers    int
	}{
		{"chat", "chat", 1},
		{"stream", "stream", 1},
		{"mix-3to1", "mix", 1},
		{"mix-8-callers", "mix", 8},
	}
	for i := 0; i < b.N; i++ {
		for _, w := range workloads {
			var p50, p99, total []float64
			for r := 0; r < rounds; r++ {
				env := []string{"LOAD_URL=" + srv.URL(), "LOAD_MODE=" + w.mode, "LOAD_CALLS=" + strconv.Itoa(calls), "LOAD_WORKERS=" + strconv.Itoa(w.workers),
					"WANDB_MODE=offline", "WANDB_SILENT=true", "WANDB_DIR=" + b.TempDir()}
				env = append(env, extraEnv()...)
				var pr, ir loadResult
				if r%2 == 0 {
					pr, ir = runLoad(b, plain, env), runLoad(b, instr, env)
				} else {
					ir, pr = runLoad(b, instr, env), runLoad(b, plain, env)
				}
				p50 = append(p50, float64(ir.P50)/float64(pr.P50))
				p99 = append(p99, float64(ir.P99)/float64(pr.P99))
				total = append(total, ir.wall.Seconds()/pr.wall.Seconds())
			}
			b.ReportMetric(medianF(p50), w.name+"-p50-x")
			b.ReportMetric(medianF(p99), w.name+"-p99-x")
			b.ReportMetric(medianF(total), w.name+"-total-x")
			b.Logf("%-14s %d calls, %d rounds: p50 %.3fx (%.3f to %.3f)  p99 %.3fx (%.3f to %.3f)  total %.3fx (%.3f to %.3f)",
				w.name, calls, rounds, medianF(p50), minF(p50), maxF(p50), medianF(p99), minF(p99), maxF(p99), medianF(total), minF(total), maxF(total))
		}
	}
}

// loadResult is what one run of the load program reported, and how long
// the process took from start to exit.
type loadResult struct {
	P50  int64 `json:"p50_ns"`
	P99  int64 `json:"p99_ns"`
	Loop int64 `json:"loop_ns"`
	wall time.Duration
}

func runLoad(b *testing.B, bin string, env []string) loadResult {
	b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin)
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	t0 := time.Now()
	err := cmd.Run()
	wall := time.Since(t0)
	if err != nil {
		b.Fatalf("%s: %v\n%s", bin, err, stderr.Bytes())
	}
	var r loadResult
	if err := json.Unmarshal(stdout.Bytes(), &r); err != nil || r.P50 == 0 {
		b.Fatalf("%s printed %q: %v", bin, stdout.Bytes(), err)
	}
	r.wall = wall
	return r
}

// buildLoadProgram writes testdata/loadprog as a module twice, rewrites
// one copy with the checkout's runtime, and builds both.
func buildLoadProgram(b *testing.B) (plain, instr string) {
	b.Helper()
	root := checkoutRoot(b)
	src, err := os.ReadFile(filepath.Join("testdata", "loadprog", "main.go"))
	if err != nil {
		b.Fatal(err)
	}
	mod := "module example.com/loadprog\n\ngo 1.22\n\nrequire github.com/sashabaranov/go-openai " + demo.GoOpenAIVersion + "\n"
	var bins []string
	for _, name := range []string{"plain", "instr"} {
		dir := filepath.Join(b.TempDir(), name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			b.Fatal(err)
		}
		for f, data := range map[string][]byte{"main.go": src, "go.mod": []byte(mod), "go.sum": demo.GoSum()} {
			if err := os.WriteFile(filepath.Join(dir, f), data, 0o644); err != nil {
				b.Fatal(err)
			}
		}
		if name == "instr" {
			rep, err := rewriter.Rewrite(context.Background(), rewriter.Options{Dir: dir, Patterns: []string{"./..."}, Replace: root})
			if err != nil || !rep.Changed() {
				b.Fatalf("rewriting the load program: %v", err)
			}
		}
		cmd := exec.Command("go", "build", "-o", "loadprog", ".")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod")
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("go build in %s: %v\n%s", dir, err, out)
		}
		bins = append(bins, filepath.Join(dir, "loadprog"))
	}
	return bins[0], bins[1]
}

// extraEnv is WBI_BENCH_ENV, space-separated NAME=VALUE settings for both
// programs (e.g. WBINSTRUMENT_WEAVE=false), to see what a feature costs.
func extraEnv() []string { return strings.Fields(os.Getenv("WBI_BENCH_ENV")) }

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

func maxF(v []float64) float64 {
	m := v[0]
	for _, x := range v[1:] {
		if x > m {
			m = x
		}
	}
	return m
}
