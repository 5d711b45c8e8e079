//go:build linux || darwin

package wbopenai

import (
	"fmt"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/wbinstrument/wbinstrument/runtime/wandb"
)

// BenchmarkLogBreakdown prints where the logging CPU of one call goes, for
// a small chat call and a small stream as bench/testdata/loadprog makes
// them, through the real path: a run written to a temp dir, spans kept in
// its spool for Weave (the offline default). Each stage runs alone over
// the same calls, on one goroutine, timed by the process's CPU time:
//
//	parse  analyze: the bodies scanned for model, usage, finish reasons
//	row    the history row: usage keys, cost, trace, stats-table cells
//	span   the OTLP GenAI span: attributes, content, encoding, hand-off
//	write  the rest, on the run's goroutines: the row's record, the table
//	       file, the span spool, the collector (process CPU of the whole
//	       run, less the stages above)
//
// total is the process CPU (user+system, every goroutine) per call of the
// whole run, Finish included, less the cost of making the test's events.
// Allocations are the process's, per call, counted the same way.
func BenchmarkLogBreakdown(b *testing.B) {
	const n = 20000
	for _, k := range []struct {
		name   string
		stream bool
	}{{"chat", false}, {"stream", true}} {
		b.Run(k.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				breakdown(b, n, k.stream)
			}
		})
	}
}

// loadCall is a call as bench/testdata/loadprog makes it against
// internal/fakeopenai: a one-message question, a short answer.
func loadCall(i int, stream bool) (req, resp []byte) {
	q := fmt.Sprintf(`{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Question number %d: what is W\u0026B?"}]`, i%50)
	if !stream {
		req = []byte(q + "}")
		resp = []byte(fmt.Sprintf(`{"id":"chatcmpl-%d","object":"chat.completion","created":1700000000,"model":"gpt-4o-mini-2024-07-18",`+
			`"choices":[{"index":0,"message":{"role":"assistant","content":"Weights & Biases is an MLOps platform for tracking experiments."},"logprobs":null,"finish_reason":"stop"}],`+
			`"usage":{"prompt_tokens":14,"completion_tokens":12,"total_tokens":26},"system_fingerprint":"fp_1"}`, i))
		return req, resp
	}
	req = []byte(q + `,"stream":true}`)
	_, resp = benchStream()
	return req, resp
}

type breakdownEvents struct {
	u   *url.URL
	hdr http.Header
	req [][]byte
	rsp [][]byte
}

func newBreakdownEvents(n int, stream bool) *breakdownEvents {
	u, _ := url.Parse("http://127.0.0.1:8080/v1/chat/completions")
	ct := "application/json"
	if stream {
		ct = "text/event-stream"
	}
	e := &breakdownEvents{u: u, hdr: http.Header{"Content-Type": {ct}, "X-Request-Id": {"req_bench"}}}
	for i := 0; i < n; i++ {
		q, r := loadCall(i, stream)
		e.req, e.rsp = append(e.req, q), append(e.rsp, r)
	}
	return e
}

func (e *breakdownEvents) event(i int, stream bool) *event {
	start := time.Unix(1700000000, int64(i)*1000)
	ev := &event{kind: kindChat, method: "POST", url: e.u, start: start, end: start.Add(300 * time.Microsecond),
		site: "main.go:42 main.call", reqBody: e.req[i], status: 200, respHeader: e.hdr,
		resp: newCapture(int64(len(e.rsp[i]))), stream: stream}
	if stream {
		ev.injected = true
		ev.firstByte = start.Add(100 * time.Microsecond)
	}
	ev.resp.write(e.rsp[i])
	return ev
}

// cpuNow is the process's user+system CPU time.
func cpuNow() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func mallocs() uint64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.Mallocs
}

type stageCost struct {
	us, allocs float64
}

// measure runs f(i) for i < n and returns the process's CPU time and
// allocations per call, not counting the making of the events, which are
// made 256 at a time, as a drain takes them (all made at once, they would
// make each collection mark a heap no program holds). The stages run on
// one goroutine; the process's time also counts the collector's work for
// them, which is theirs. CPU time, not wall time: on a loaded machine the
// wall clock counts the time other processes ran.
func measure(n int, mk func(i int) *event, f func(i int, ev *event)) stageCost {
	const chunk = 256
	evs := make([]*event, 0, chunk)
	var d time.Duration
	var m uint64
	for i0 := 0; i0 < n; i0 += chunk {
		evs = evs[:0]
		for i := i0; i < n && i < i0+chunk; i++ {
			evs = append(evs, mk(i))
		}
		m0, t0 := mallocs(), cpuNow()
		for k, ev := range evs {
			f(i0+k, ev)
		}
		d += cpuNow() - t0
		m += mallocs() - m0
		for _, ev := range evs {
			if ev.resp != nil {
				ev.resp.release()
			}
		}
	}
	return stageCost{float64(d.Nanoseconds()) / 1e3 / float64(n), float64(m) / float64(n)}
}

func breakdown(b *testing.B, n int, stream bool) {
	evs := newBreakdownEvents(n, stream)
	mk := func(i int) *event { return evs.event(i, stream) }
	deadline := time.Now().Add(time.Hour)
	bodies := bodyPolicy{max: defaultMaxBody}

	var ci callInfo
	parse := measure(n, mk, func(_ int, ev *event) { analyzeInto(&ci, ev) })
	plain := &session{run: &nullSink{}, id: "bench", bodies: bodies}
	logged := measure(n, mk, func(_ int, ev *event) { plain.logCall(ev, deadline) })
	row := stageCost{logged.us - parse.us, logged.allocs - parse.allocs}

	dir := b.TempDir()
	r, err := wandb.Init(wandb.Options{Dir: dir, Mode: "offline", Silent: true, FinishTimeout: time.Hour})
	if err != nil {
		b.Fatal(err)
	}
	x := startSpanExport(wandbSink{r}, bodies)
	if x == nil {
		b.Fatal("no span export")
	}
	infos := make([]*callInfo, n)
	var ss spanScratch
	span := measure(n, func(i int) *event {
		ev := mk(i)
		infos[i] = analyze(ev)
		return ev
	}, func(i int, ev *event) {
		c := infos[i]
		var p preparedSpan
		if x.prepareInto(&p, ev, c, c.reqBody, c.respBody, "", &ss) {
			x.emit(&p, int64(i), true)
		}
	})
	_ = r.FinishCode(0)
	x.shutdown(time.Now().Add(time.Minute))

	// The whole path, on a fresh run: process CPU and allocations.
	r, err = wandb.Init(wandb.Options{Dir: dir, Mode: "offline", Silent: true, FinishTimeout: time.Hour})
	if err != nil {
		b.Fatal(err)
	}
	s := &session{run: wandbSink{r}, id: "bench", bodies: bodies}
	s.otel = startSpanExport(s.run, bodies)
	s.defined = true
	time.Sleep(200 * time.Millisecond) // the run's environment is gathered at its start
	runtime.GC()
	// A drain every 1,000 calls (20 ms at 50,000 calls/s): the table goes
	// with a drain's last call once a second has passed.
	e0, em0 := cpuNow(), mallocs()
	measure(n, mk, func(int, *event) {})
	evCPU, evAllocs := cpuNow()-e0, mallocs()-em0
	runtime.GC()
	c0, m0 := cpuNow(), mallocs()
	measure(n, mk, func(i int, ev *event) {
		s.logCall(ev, deadline)
		ev.resp.release()
		ev.resp = nil
		if i%1000 == 999 {
			s.flushHeld(deadline, false)
		}
	})
	s.flushHeld(deadline, true)
	_ = r.FinishCode(0)
	s.otel.shutdown(time.Now().Add(time.Minute))
	// Everything the run did, Finish included, less making the events.
	total := stageCost{float64((cpuNow() - c0 - evCPU).Nanoseconds()) / 1e3 / float64(n), float64(mallocs()-m0-evAllocs) / float64(n)}
	write := stageCost{total.us - parse.us - row.us - span.us, total.allocs - parse.allocs - row.allocs - span.allocs}

	files := countFiles(b, dir)
	fmt.Fprintf(os.Stderr, "%s, %d calls (%d files in the run dir): µs CPU / allocs per call\n", map[bool]string{false: "chat", true: "stream"}[stream], n, files)
	for _, st := range []struct {
		name string
		c    stageCost
	}{{"parse", parse}, {"row", row}, {"span", span}, {"write", write}, {"total", total}} {
		fmt.Fprintf(os.Stderr, "  %-6s %7.2f µs %7.1f allocs\n", st.name, st.c.us, st.c.allocs)
	}
	b.ReportMetric(total.us*1e3, "cpu-ns/call")
	b.ReportMetric(total.allocs, "allocs/call")
}

func countFiles(b *testing.B, dir string) int {
	n := 0
	var walk func(string)
	walk = func(d string) {
		es, err := os.ReadDir(d)
		if err != nil {
			b.Fatal(err)
		}
		for _, e := range es {
			if e.IsDir() {
				walk(d + "/" + e.Name())
			} else {
				n++
			}
		}
	}
	walk(dir)
	return n
}

// nullSink takes rows and drops them.
type nullSink struct{ fakeSink }

func (*nullSink) LogRow(*wandb.RawRow, time.Time) bool { return true }

// BenchmarkLogCall is the row stage alone (logCall, no span export), for
// a profile of it.
func BenchmarkLogCall(b *testing.B) {
	evs := newBreakdownEvents(256, false)
	s := &session{run: &nullSink{}, id: "bench", bodies: bodyPolicy{max: defaultMaxBody}}
	deadline := time.Now().Add(time.Hour)
	b.ReportAllocs()
	batch := make([]*event, 256)
	for i := 0; i < b.N; i += 256 {
		b.StopTimer()
		for k := range batch {
			batch[k] = evs.event(k, false)
		}
		b.StartTimer()
		for k := 0; k < 256 && i+k < b.N; k++ {
			s.logCall(batch[k], deadline)
		}
		b.StopTimer()
		for _, ev := range batch {
			ev.resp.release()
		}
		b.StartTimer()
	}
}
