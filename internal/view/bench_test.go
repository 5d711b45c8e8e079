package view

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// cpuTime is the process's user+system CPU time. The machine is shared,
// so wall-clock figures vary with other load; CPU time shows the work.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

const bigN = 100000

// bigRun is the generated 100k-call run, without per-call table files
// (the index never reads them; writing 100k files would only slow setup).
// With WBI_VIEW_BENCH_DIR set, the run is kept there and reused by later
// benchmark runs, which spares its generation when profiling repeatedly.
func bigRun(tb testing.TB) string {
	t0 := time.Now()
	if keep := os.Getenv("WBI_VIEW_BENCH_DIR"); keep != "" {
		if m, _ := filepath.Glob(filepath.Join(keep, "wandb", "latest-run", "run-*.wandb")); len(m) == 1 {
			return filepath.Dir(m[0])
		}
		return writeFixture(tb, keep, fixture{n: bigN, finish: true})
	}
	d := cachedFixture(tb, fixture{n: bigN, finish: true})
	if el := time.Since(t0); el > time.Second {
		tb.Logf("generated the %d-call run in %v", bigN, el.Round(time.Millisecond))
	}
	return d
}

// perOp reports the CPU time since c0 and the benchmark's wall time, in
// milliseconds per iteration, as cpu-ms/unit and ms/unit.
func perOp(b *testing.B, c0 time.Duration, unit string) {
	b.ReportMetric(float64((cpuTime()-c0).Microseconds())/1000/float64(b.N), "cpu-ms/"+unit)
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/"+unit)
}

// timeOps runs op b.N times (i is the iteration), leaving the setup before
// it out of the timings, and reports its cost per iteration with perOp.
func timeOps(b *testing.B, unit string, op func(i int)) {
	b.ResetTimer()
	c0 := cpuTime()
	for i := 0; i < b.N; i++ {
		op(i)
	}
	b.StopTimer()
	perOp(b, c0, unit)
}

// BenchmarkOpen100k is load and index of a 100k-call run: what
// `wbinstrument view` does before serving (target < 2 s).
func BenchmarkOpen100k(b *testing.B) {
	dir := bigRun(b)
	timeOps(b, "open", func(int) {
		s, err := Load(dir)
		if err != nil {
			b.Fatal(err)
		}
		if len(s.Calls) != bigN {
			b.Fatalf("%d calls, want %d", len(s.Calls), bigN)
		}
	})
}

// BenchmarkPage100k is one table page of a 100k-call run, sorted and
// filtered, as the page requests it (target < 200 ms). Each iteration
// uses a new text filter, so none is served from the filter cache.
func BenchmarkPage100k(b *testing.B) {
	s := mustLoad(b, bigRun(b))
	// The search text is built on the first text query (see
	// BenchmarkSearchText100k); pages are measured after it.
	if _, err := s.idx.haystack(); err != nil {
		b.Fatal(err)
	}
	queries := []string{"capital", "country 42", "answer", "rate limit", "question", "city 1", "assistant"}
	timeOps(b, "page", func(i int) {
		f := Filter{Model: "gpt-4o", Query: queries[i%len(queries)] + " " + string(rune('a'+i%26))}
		s.idx.filterCache = nil
		total, rows, err := s.idx.page(f, "latency", true, 200, 100)
		if err != nil {
			b.Fatal(err)
		}
		out := make([]Row, len(rows))
		for k, r := range rows {
			out[k] = s.row(r)
		}
		if total < 0 {
			b.Fatal(total)
		}
	})
}

// BenchmarkSearchText100k is what the first text query of a 100k-call run
// costs on top of a page: reading every request and response again for
// the search text (the server starts it in the background after a load).
func BenchmarkSearchText100k(b *testing.B) {
	s := mustLoad(b, bigRun(b))
	timeOps(b, "op", func(int) {
		hay, err := s.searchText()
		if err != nil || len(hay) != bigN {
			b.Fatalf("%d texts, %v", len(hay), err)
		}
	})
}

// BenchmarkModels100k is the models page of a 100k-call run on its
// first request, before the pass over the bodies that the server starts
// after a load has read them: the pass, then the sums.
func BenchmarkModels100k(b *testing.B) {
	s := mustLoad(b, bigRun(b))
	timeOps(b, "op", func(int) {
		body, err := s.loadBodies()
		if err != nil {
			b.Fatal(err)
		}
		if ms := s.modelsOf(body.facts); len(ms) != len(fixtureModels) {
			b.Fatalf("%d models", len(ms))
		}
	})
}

// BenchmarkModelsPage100k is the models page of a 100k-call run once the
// bodies were read (by the server's pass after the load, or a text query).
func BenchmarkModelsPage100k(b *testing.B) {
	s := mustLoad(b, bigRun(b))
	body, err := s.idx.bodies()
	if err != nil {
		b.Fatal(err)
	}
	timeOps(b, "op", func(int) {
		if ms := s.modelsOf(body.facts); len(ms) != len(fixtureModels) {
			b.Fatalf("%d models", len(ms))
		}
	})
}

// BenchmarkLiveRefresh100k is a live-mode refresh of a 100k-call run
// after 100 more calls were written: reading them and indexing them with
// the others, then (as the server does next, in the background) reading
// their bodies. Before live mode read only what was appended, a refresh
// was a load (BenchmarkOpen100k) and a pass over all the bodies.
func BenchmarkLiveRefresh100k(b *testing.B) {
	full := mustLoad(b, bigRun(b))
	log, err := os.ReadFile(full.Data.Path)
	if err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(b.TempDir(), filepath.Base(full.Data.Path))
	if err := os.WriteFile(path, log[:full.Calls[bigN-100].Offset], 0o644); err != nil {
		b.Fatal(err)
	}
	base, err := Load(path)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := base.idx.bodies(); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(path, log, 0o644); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	c0 := cpuTime()
	var extend, body time.Duration
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		s := base.extend()
		if s == nil || len(s.Calls) != bigN {
			b.Fatal("the log was not extended")
		}
		t1 := time.Now()
		if _, err := s.idx.bodies(); err != nil {
			b.Fatal(err)
		}
		extend, body = extend+t1.Sub(t0), body+time.Since(t1)
	}
	b.StopTimer()
	b.ReportMetric(float64((cpuTime()-c0).Microseconds())/1000/float64(b.N), "cpu-ms/op")
	b.ReportMetric(float64(extend.Microseconds())/1000/float64(b.N), "ms/refresh")
	b.ReportMetric(float64(body.Microseconds())/1000/float64(b.N), "ms/bodies")
}

// BenchmarkAPI100k is each page's request of a 100k-call run, answered
// through the server, once the bodies were read (the models page and
// text filters wait for them otherwise; see BenchmarkModels100k).
func BenchmarkAPI100k(b *testing.B) {
	s, err := New(bigRun(b))
	if err != nil {
		b.Fatal(err)
	}
	if _, err := s.Snapshot().idx.bodies(); err != nil {
		b.Fatal(err)
	}
	for _, p := range []string{"/api/overview", "/api/overview?refresh=1", "/api/calls?limit=100", "/api/calls?sort=cost&dir=desc&status=ERROR&limit=100",
		"/api/facets", "/api/models", "/api/timeline", "/api/timeline?max=10000", "/api/call?i=54321"} {
		b.Run(strings.TrimPrefix(p, "/api/"), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				w := httptest.NewRecorder()
				s.ServeHTTP(w, httptest.NewRequest("GET", "http://localhost"+p, nil))
				if w.Code != 200 {
					b.Fatalf("%s: %d %s", p, w.Code, w.Body)
				}
			}
		})
	}
}
