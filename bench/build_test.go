package bench

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/wbinstrument/wbinstrument/internal/demo"
	"github.com/wbinstrument/wbinstrument/rewriter"
)

// goBuild builds the module in dir with the given GOCACHE and returns how
// long it took.
func goBuild(tb testing.TB, dir, cache string) time.Duration {
	tb.Helper()
	cmd := exec.Command("go", "build", "-o", filepath.Join(dir, "program"), ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOCACHE="+cache, "GOFLAGS=-mod=mod -buildvcs=false")
	t0 := time.Now()
	out, err := cmd.CombinedOutput()
	d := time.Since(t0)
	if err != nil {
		tb.Fatalf("go build in %s: %v\n%s", dir, err, out)
	}
	return d
}

// touch changes main.go the way an edit does, so a warm build recompiles
// the main package and relinks.
func touch(tb testing.TB, dir string, n int) {
	tb.Helper()
	p := filepath.Join(dir, "main.go")
	b, err := os.ReadFile(p)
	if err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(p, append(b, fmt.Sprintf("\n// edit %d\n", n)...), 0o644); err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkBuild builds the demo's example program (chat, stream,
// embeddings, tools) plain and instrumented: cold, each with a fresh
// GOCACHE (the module cache stays, nothing is downloaded), then warm,
// after an edit of main.go, alternating the two. x-plain is instrumented
// over plain.
func BenchmarkBuild(b *testing.B) {
	root := checkoutRoot(b)
	for i := 0; i < b.N; i++ {
		plain, instr := filepath.Join(b.TempDir(), "plain"), filepath.Join(b.TempDir(), "instr")
		for _, dir := range []string{plain, instr} {
			if err := demo.WriteProgram(dir); err != nil {
				b.Fatal(err)
			}
		}
		rep, err := rewriter.Rewrite(context.Background(), rewriter.Options{Dir: instr, Patterns: []string{"./..."}, Replace: root})
		if err != nil || !rep.Changed() {
			b.Fatalf("rewriting the example program: changed=%v, %v", rep != nil && rep.Changed(), err)
		}
		coldPlain := goBuild(b, plain, b.TempDir())
		coldInstr := goBuild(b, instr, b.TempDir())

		warmCache := b.TempDir()
		goBuild(b, plain, warmCache)
		goBuild(b, instr, warmCache)
		var wp, wi []time.Duration
		for r := 0; r < 3; r++ {
			touch(b, plain, r)
			wp = append(wp, goBuild(b, plain, warmCache))
			touch(b, instr, r)
			wi = append(wi, goBuild(b, instr, warmCache))
		}
		warmPlain, warmInstr := median(wp), median(wi)
		b.ReportMetric(coldPlain.Seconds(), "cold-plain-s")
		b.ReportMetric(coldInstr.Seconds(), "cold-instr-s")
		b.ReportMetric(coldInstr.Seconds()/coldPlain.Seconds(), "cold-x-plain")
		b.ReportMetric(float64(warmPlain.Milliseconds()), "warm-plain-ms")
		b.ReportMetric(float64(warmInstr.Milliseconds()), "warm-instr-ms")
		b.ReportMetric(warmInstr.Seconds()/warmPlain.Seconds(), "warm-x-plain")
		b.Logf("build: cold %v -> %v (x%.2f), warm %v -> %v (x%.2f)",
			coldPlain.Round(time.Millisecond), coldInstr.Round(time.Millisecond), coldInstr.Seconds()/coldPlain.Seconds(),
			warmPlain.Round(time.Millisecond), warmInstr.Round(time.Millisecond), warmInstr.Seconds()/warmPlain.Seconds())
	}
}
