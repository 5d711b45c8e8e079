package openaitest

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/wbinstrument/wbinstrument/internal/fakeopenai"
	"github.com/wbinstrument/wbinstrument/runtime/wandb"
	"github.com/wbinstrument/wbinstrument/runtime/wbopenai"
)

func benchClients(b *testing.B) (plain, instr *openai.Client, srv *fakeopenai.Server) {
	srv = fakeopenai.New()
	b.Cleanup(srv.Close)
	mk := func(wrap bool) *openai.Client {
		cfg := openai.DefaultConfig(secretKey)
		cfg.BaseURL = srv.URL()
		if wrap {
			cfg = wbopenai.Config(cfg)
		}
		return openai.NewClientWithConfig(cfg)
	}
	return mk(false), mk(true), srv
}

func benchInit(b *testing.B) {
	if err := wbopenai.Init(wandb.Options{Dir: b.TempDir(), Mode: "offline", Project: "bench", Silent: true}); err != nil {
		b.Fatal(err)
	}
}

var benchReq = chatReq(openai.GPT4oMini, "What is the overhead of instrumentation?")

func call(b *testing.B, c *openai.Client) {
	if _, err := c.CreateChatCompletion(context.Background(), benchReq); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkChat gives ns/op and allocs/op of a plain and an instrumented
// chat call (allocations of the logging goroutine included).
func BenchmarkChat(b *testing.B) {
	plain, instr, _ := benchClients(b)
	benchInit(b)
	defer wbopenai.Finish()
	b.Run("plain", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			call(b, plain)
		}
	})
	b.Run("instrumented", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			call(b, instr)
		}
	})
}

// BenchmarkChatOverhead measures, in one run against the same server, what
// instrumentation adds to a chat call. Plain and instrumented calls are
// interleaved so both see the same conditions.
//
// The first phase holds the logging goroutine off
// (WBINSTRUMENT_DRAIN_INTERVAL=1h): caller-added-allocs and
// caller-p50-ratio are then the caller's path alone. The second phase logs
// live (rows, traces and one stats table file per call written by the
// W&B writer, sharing the cores with caller and server): p50-ratio,
// added-p50-us and the plain and instrumented p50s come from it.
func BenchmarkChatOverhead(b *testing.B) {
	plain, instr, _ := benchClients(b)
	mallocs := func() uint64 {
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.Mallocs
	}
	p50 := func(d []time.Duration) float64 {
		sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
		return float64(d[len(d)/2].Nanoseconds())
	}
	interleave := func(n int) (pp, ip float64) {
		pd := make([]time.Duration, 0, n)
		id := make([]time.Duration, 0, n)
		for i := 0; i < n; i++ {
			t0 := time.Now()
			call(b, plain)
			t1 := time.Now()
			call(b, instr)
			t2 := time.Now()
			pd = append(pd, t1.Sub(t0))
			id = append(id, t2.Sub(t1))
		}
		return p50(pd), p50(id)
	}

	b.Setenv("WBINSTRUMENT_DRAIN_INTERVAL", "1h")
	benchInit(b)
	for i := 0; i < 20; i++ {
		call(b, plain)
		call(b, instr)
	}
	const k = 300
	m0 := mallocs()
	for i := 0; i < k; i++ {
		call(b, plain)
	}
	m1 := mallocs()
	for i := 0; i < k; i++ {
		call(b, instr)
	}
	m2 := mallocs()
	cp, ci := interleave(1000)
	wbopenai.Finish()

	b.Setenv("WBINSTRUMENT_DRAIN_INTERVAL", "")
	benchInit(b)
	defer wbopenai.Finish()
	b.ResetTimer()
	lp, li := interleave(b.N)
	b.StopTimer()

	b.ReportMetric((float64(m2-m1)-float64(m1-m0))/k, "caller-added-allocs")
	b.ReportMetric(ci/cp, "caller-p50-ratio")
	b.ReportMetric(lp, "plain-p50-ns")
	b.ReportMetric(li, "instr-p50-ns")
	b.ReportMetric(li/lp, "p50-ratio")
	b.ReportMetric((li-lp)/1000, "added-p50-us")
}

// cannedDoer answers every request with the same chat completion, without
// a network, so BenchmarkCallerPath measures the instrumentation alone.
type cannedDoer struct{ body []byte }

func (d cannedDoer) Do(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		req.Body.Close()
	}
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("x-request-id", "req_1")
	return &http.Response{StatusCode: 200, Header: h, Body: io.NopCloser(bytes.NewReader(d.body)),
		ContentLength: int64(len(d.body)), Request: req}, nil
}

// BenchmarkCallerPath gives the cost of a chat call through go-openai
// with a doer that answers at once, plain and instrumented, with the
// logging goroutine held off: the difference is what the caller's path
// pays for instrumentation, free of network and scheduling noise.
func BenchmarkCallerPath(b *testing.B) {
	srv := fakeopenai.New()
	defer srv.Close()
	resp, err := http.Post(srv.URL()+"/chat/completions", "application/json",
		strings.NewReader(`{"model":"gpt-4o-mini","messages":[{"role":"user","content":"What is the overhead of instrumentation?"}]}`))
	if err != nil {
		b.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	mk := func(wrap bool) *openai.Client {
		cfg := openai.DefaultConfig(secretKey)
		cfg.HTTPClient = cannedDoer{body: body}
		if wrap {
			cfg = wbopenai.Config(cfg)
		}
		return openai.NewClientWithConfig(cfg)
	}
	b.Setenv("WBINSTRUMENT_DRAIN_INTERVAL", "1h")
	for _, tc := range []struct {
		name string
		c    *openai.Client
	}{{"plain", mk(false)}, {"instrumented", mk(true)}} {
		b.Run(tc.name, func(b *testing.B) {
			benchInit(b)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if i%20000 == 19999 {
					// Keep the held-off queue short of its cap.
					b.StopTimer()
					wbopenai.Finish()
					benchInit(b)
					b.StartTimer()
				}
				call(b, tc.c)
			}
			b.StopTimer()
			wbopenai.Finish()
		})
	}
}
