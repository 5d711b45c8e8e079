package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"sort"
	"syscall"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/wbinstrument/wbinstrument/internal/fakeopenai"
	"github.com/wbinstrument/wbinstrument/runtime/wandb"
	"github.com/wbinstrument/wbinstrument/runtime/wbopenai"
)

// callMode is one way of calling the chat API: a function that makes one
// call with a client (or, instrumented, through the call-site wrapper the
// rewriter writes) and reads the whole answer.
type callMode struct {
	name         string
	plain, instr func(ctx context.Context) error
}

var chatReq = openai.ChatCompletionRequest{
	Model:    openai.GPT4oMini,
	Messages: []openai.ChatCompletionMessage{{Role: openai.ChatMessageRoleUser, Content: "What does instrumentation cost per call?"}},
}

// sseAnswer is a chat stream of a few chunks; with usage it ends with the
// usage chunk a server sends when asked for include_usage.
func sseAnswer(usage bool) []byte {
	var b bytes.Buffer
	for _, w := range []string{"Instrumentation ", "costs ", "little ", "per ", "call."} {
		fmt.Fprintf(&b, "data: {\"id\":\"chatcmpl-b\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":{\"content\":%q},\"finish_reason\":null}]}\n\n", w)
	}
	if usage {
		b.WriteString(`data: {"id":"chatcmpl-b","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4o-mini","choices":[],"usage":{"prompt_tokens":9,"completion_tokens":5,"total_tokens":14}}` + "\n\n")
	}
	b.WriteString("data: [DONE]\n\n")
	return b.Bytes()
}

// memChat answers chat calls in memory, streams included, so that the
// caller's path can be measured without a server sharing the CPU.
// benchClient is a go-openai client of baseURL (when not empty) through
// doer (when not nil), instrumented with wbopenai.Config when wrap is set:
// the two sides of a comparison differ in nothing else.
func benchClient(baseURL string, doer openai.HTTPDoer, wrap bool) *openai.Client {
	cfg := openai.DefaultConfig("sk-bench-0000")
	if baseURL != "" {
		cfg.BaseURL = baseURL
	}
	if doer != nil {
		cfg.HTTPClient = doer
	}
	if wrap {
		cfg = wbopenai.Config(cfg)
	}
	return openai.NewClientWithConfig(cfg)
}

type memChat struct{ json, sse, sseUsage []byte }

func (m memChat) Do(req *http.Request) (*http.Response, error) {
	body, _ := io.ReadAll(req.Body)
	req.Body.Close()
	resp := &http.Response{StatusCode: 200, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{"Content-Type": {"application/json"}, "X-Request-Id": {"req_bench"}}, Request: req}
	answer := m.json
	if bytes.Contains(body, []byte(`"stream":true`)) {
		resp.Header.Set("Content-Type", "text/event-stream")
		answer = m.sse
		if bytes.Contains(body, []byte(`"include_usage":true`)) {
			answer = m.sseUsage
		}
	}
	resp.Body, resp.ContentLength = io.NopCloser(bytes.NewReader(answer)), int64(len(answer))
	return resp, nil
}

func callModes(plain, instr *openai.Client) []callMode {
	const site = "bench/call_test.go:1 bench.call"
	drain := func(s *openai.ChatCompletionStream, err error) error {
		if err != nil {
			return err
		}
		defer s.Close()
		for {
			if _, err := s.Recv(); errors.Is(err, io.EOF) {
				return nil
			} else if err != nil {
				return err
			}
		}
	}
	return []callMode{
		{
			name: "chat",
			plain: func(ctx context.Context) error {
				_, err := plain.CreateChatCompletion(ctx, chatReq)
				return err
			},
			instr: func(ctx context.Context) error {
				_, err := wbopenai.Call1(instr.CreateChatCompletion, site)(ctx, chatReq)
				return err
			},
		},
		{
			name:  "stream",
			plain: func(ctx context.Context) error { return drain(plain.CreateChatCompletionStream(ctx, chatReq)) },
			instr: func(ctx context.Context) error {
				return drain(wbopenai.Call1(instr.CreateChatCompletionStream, site)(ctx, chatReq))
			},
		},
	}
}

// usage is the process's CPU time and allocation count so far.
type usage struct {
	cpu     time.Duration
	mallocs uint64
}

func sample() usage {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return usage{cpu: time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), mallocs: m.Mallocs}
}

// perCall is what a block of k calls cost, per call.
func perCall(a, b usage, k int) (cpuUs, allocs float64) {
	return float64((b.cpu - a.cpu).Nanoseconds()) / 1e3 / float64(k), float64(b.mallocs-a.mallocs) / float64(k)
}

func minF(v []float64) float64 {
	m := v[0]
	for _, x := range v[1:] {
		if x < m {
			m = x
		}
	}
	return m
}

func medianF(v []float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	return s[len(s)/2]
}

func quantile(d []time.Duration, q float64) time.Duration {
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[int(q*float64(len(s)-1))]
}

func startRun(b *testing.B) {
	b.Helper()
	if err := wbopenai.Init(wandb.Options{Dir: b.TempDir(), Mode: "offline", Project: "bench", Silent: true}); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkCallOverhead compares a plain and an instrumented go-openai chat
// call (non-stream and stream) against the same local fake server, in one
// process. It reports:
//
//   - p50-ratio, p99-ratio: latency of instrumented over plain calls,
//     interleaved pair by pair so both see the same machine, logging live;
//   - caller-us, caller-allocs: CPU time and allocations added on the
//     caller's path, with the logging goroutine held off and the answers
//     served from memory (the same bytes), so no server shares the CPU;
//   - total-us, total-allocs: the same including the logging goroutine's
//     work (the trace row, the stats table file) and the run's finish,
//     amortized over the block.
//
// CPU is compared between the cheapest of 7 alternating rounds of 300
// plain and 300 instrumented calls on each side (allocations: the median
// difference), which keeps other jobs on a shared machine out of the
// figure.
//
// CPU is the process's rusage, so the fake server's share cancels out.
func BenchmarkCallOverhead(b *testing.B) {
	srv := fakeopenai.New()
	defer srv.Close()
	client := func(wrap bool) *openai.Client { return benchClient(srv.URL(), nil, wrap) }
	mem := memChat{json: chatAnswerSmall(b), sse: sseAnswer(false), sseUsage: sseAnswer(true)}
	memClient := func(wrap bool) *openai.Client { return benchClient("", mem, wrap) }
	ctx := context.Background()
	// 10,000 pairs: a plain call's latency here is bimodal (55 to 65 µs,
	// or 85 µs and more when a goroutine must be woken), and the median
	// falls near the edge between the two, where 2,000 pairs left it
	// moving by several percent from run to run.
	const k, rounds, pairs = 300, 7, 10000
	memModes := callModes(memClient(false), memClient(true))
	for mi, m := range callModes(client(false), client(true)) {
		m, mm := m, memModes[mi]
		b.Run(m.name, func(b *testing.B) {
			must := func(err error) {
				if err != nil {
					b.Fatal(err)
				}
			}
			block := func(f func(context.Context) error) {
				b.Helper()
				for i := 0; i < k; i++ {
					must(f(ctx))
				}
			}
			// added alternates blocks of plain and instrumented calls and
			// returns, per call, the plain call's CPU and the CPU and
			// allocations instrumentation adds: the least disturbed (lowest)
			// round of each side, since other jobs only ever add time. With
			// finish, every instrumented block runs in its own run, finished
			// inside the block, so the logging goroutine's work is counted.
			added := func(m callMode, finish bool) (plainUs, addUs, addAllocs float64) {
				var pus, ius, aas []float64
				for r := 0; r < rounds; r++ {
					if finish {
						startRun(b)
						block(m.instr) // warm the run's writer
					}
					u0 := sample()
					block(m.plain)
					u1 := sample()
					block(m.instr)
					if finish {
						wbopenai.Finish()
					}
					u2 := sample()
					pc, pa := perCall(u0, u1, k)
					ic, ia := perCall(u1, u2, k)
					pus, ius, aas = append(pus, pc), append(ius, ic), append(aas, ia-pa)
				}
				return minF(pus), minF(ius) - minF(pus), medianF(aas)
			}
			for i := 0; i < b.N; i++ {
				// The caller's path alone: the logging goroutine is held off
				// and the answers come from memory, so only the caller runs.
				b.Setenv("WBINSTRUMENT_DRAIN_INTERVAL", "1h")
				startRun(b)
				block(mm.plain)
				block(mm.instr)
				_, callerUs, callerAllocs := added(mm, false)
				wbopenai.Finish()
				b.ReportMetric(callerUs, "caller-us")
				b.ReportMetric(callerAllocs, "caller-allocs")

				// Everything: logging on, each run finished inside its block.
				b.Setenv("WBINSTRUMENT_DRAIN_INTERVAL", "")
				pc, totalUs, totalAllocs := added(m, true)
				b.ReportMetric(pc, "plain-us")
				b.ReportMetric(totalUs, "total-us")
				b.ReportMetric(totalAllocs, "total-allocs")

				// Latency, logging live, alternating which call goes first.
				startRun(b)
				pd := make([]time.Duration, 0, pairs)
				id := make([]time.Duration, 0, pairs)
				for j := 0; j < pairs; j++ {
					order := []func(context.Context) error{m.plain, m.instr}
					if j%2 == 1 {
						order[0], order[1] = order[1], order[0]
					}
					var d [2]time.Duration
					for o, f := range order {
						t0 := time.Now()
						must(f(ctx))
						d[o] = time.Since(t0)
					}
					if j%2 == 1 {
						d[0], d[1] = d[1], d[0]
					}
					pd, id = append(pd, d[0]), append(id, d[1])
				}
				wbopenai.Finish()
				p50, p99 := quantile(pd, .5), quantile(pd, .99)
				i50, i99 := quantile(id, .5), quantile(id, .99)
				b.ReportMetric(float64(p50.Microseconds()), "plain-p50-us")
				b.ReportMetric(float64(i50.Microseconds()), "instr-p50-us")
				b.ReportMetric(i50.Seconds()/p50.Seconds(), "p50-ratio")
				b.ReportMetric(i99.Seconds()/p99.Seconds(), "p99-ratio")
				b.Logf("%s: p50 %v -> %v (x%.3f), p99 %v -> %v (x%.3f); added CPU %.1f µs/call on the caller's path, %.1f µs with logging; allocs +%.0f caller, +%.0f with logging",
					m.name, p50, i50, i50.Seconds()/p50.Seconds(), p99, i99, i99.Seconds()/p99.Seconds(), callerUs, totalUs, callerAllocs, totalAllocs)
			}
		})
	}
}
