package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"golang.org/x/tools/go/packages"

	"github.com/wbinstrument/wbinstrument/internal/testtree"
	"github.com/wbinstrument/wbinstrument/rewriter"
)

// typedLoad is the baseline: what any type-aware tool pays to load the
// module, with the mode the rewriter needs (syntax and types of the
// module's packages, export data of their dependencies).
const typedLoad = packages.NeedName | packages.NeedFiles | packages.NeedImports |
	packages.NeedTypes | packages.NeedSyntax | packages.NeedTypesInfo | packages.NeedModule

func median(d []time.Duration) time.Duration {
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

// rewriteSizes are the module sizes measured: 10 sites per package, so
// sites grow with packages as they do in real code bases.
var rewriteSizes = []struct{ pkgs, reps int }{{2, 5}, {20, 5}, {200, 5}}

// BenchmarkRewrite times `wbinstrument rewrite` (rewriter.Rewrite with
// -replace, files written) on generated modules of 20, 200 and 2,000
// go-openai sites against a bare typed go/packages load of the same module,
// alternating the two so both see the same machine. x-load is the ratio
// (target <= 1.3); us/site shows whether the cost grows linearly.
func BenchmarkRewrite(b *testing.B) {
	root := checkoutRoot(b)
	ctx := context.Background()
	type result struct {
		sites         int
		load, rewrite time.Duration
	}
	var results []result
	for _, size := range rewriteSizes {
		size := size
		b.Run(fmt.Sprintf("sites=%d", size.pkgs*10), func(b *testing.B) {
			tmpl := b.TempDir()
			sites := genModule(b, tmpl, size.pkgs, 10)
			// Both sides work in one fixed directory, restored before every
			// repetition: the go command keys its build cache on the
			// directory, and a user re-running a rewrite does so in place.
			loadDir := filepath.Join(b.TempDir(), "m")
			rewriteDir := loadDir
			restore := func(dir string) {
				if err := os.RemoveAll(dir); err != nil {
					b.Fatal(err)
				}
				testtree.Copy(b, tmpl, dir)
			}
			load := func() time.Duration {
				restore(loadDir)
				t0 := time.Now()
				pkgs, err := packages.Load(&packages.Config{Mode: typedLoad, Dir: loadDir}, "./...")
				d := time.Since(t0)
				if err != nil || packages.PrintErrors(pkgs) > 0 || len(pkgs) != size.pkgs+1 {
					b.Fatalf("baseline load of %d packages: %v (%d loaded)", size.pkgs+1, err, len(pkgs))
				}
				return d
			}
			rewrite := func() time.Duration {
				restore(rewriteDir)
				t0 := time.Now()
				rep, err := rewriter.Rewrite(ctx, rewriter.Options{Dir: rewriteDir, Patterns: []string{"./..."}, Replace: root})
				d := time.Since(t0)
				if err != nil {
					b.Fatalf("rewrite: %v", err)
				}
				n := 0
				for _, s := range rep.Sites {
					if s.Action == rewriter.ActionRewritten {
						n++
					}
				}
				if n != sites {
					b.Fatalf("rewrite instrumented %d sites, the module has %d", n, sites)
				}
				return d
			}
			cold := load() // fills the build cache (export data) for this directory
			rewrite()
			var loads, rewrites []time.Duration
			for i := 0; i < b.N; i++ {
				for r := 0; r < size.reps; r++ {
					loads = append(loads, load())
					rewrites = append(rewrites, rewrite())
				}
			}
			b.ReportMetric(float64(cold.Milliseconds()), "cold-load-ms")
			res := result{sites: sites, load: median(loads), rewrite: median(rewrites)}
			results = append(results, res)
			b.ReportMetric(float64(res.load.Milliseconds()), "load-ms")
			b.ReportMetric(float64(res.rewrite.Milliseconds()), "rewrite-ms")
			b.ReportMetric(res.rewrite.Seconds()/res.load.Seconds(), "x-load")
			b.ReportMetric(float64(res.rewrite.Microseconds())/float64(sites), "us/site")
			b.ReportMetric(float64((res.rewrite-res.load).Microseconds())/float64(sites), "added-us/site")
		})
	}
	if len(results) == len(rewriteSizes) {
		b.Logf("%8s %10s %12s %8s %14s", "sites", "load", "rewrite", "x-load", "added µs/site")
		for _, r := range results {
			b.Logf("%8d %10v %12v %8.2f %14.0f", r.sites, r.load.Round(time.Millisecond), r.rewrite.Round(time.Millisecond),
				r.rewrite.Seconds()/r.load.Seconds(), float64((r.rewrite-r.load).Microseconds())/float64(r.sites))
		}
		// Linear growth means a constant marginal cost per added site.
		for i := 1; i < len(results); i++ {
			a, z := results[i-1], results[i]
			b.Logf("growth %d -> %d sites: rewrite +%v (%.0f µs per added site), load +%v", a.sites, z.sites,
				(z.rewrite - a.rewrite).Round(time.Millisecond), float64((z.rewrite-a.rewrite).Microseconds())/float64(z.sites-a.sites),
				(z.load - a.load).Round(time.Millisecond))
		}
	}
}
