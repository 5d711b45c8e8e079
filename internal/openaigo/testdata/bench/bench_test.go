// Package bench measures what instrumentation costs an openai-go v3 call,
// as bench/call_test.go does for go-openai: the same chat call, plain and
// through the rewriter's forms (the client's middleware option and the
// call-site wrapper), alternated in one run, with the ratio printed.
// Run it with: cd internal/openaigo/testdata/bench && go test -bench . -benchtime 1x -v
package bench

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"

	"github.com/wbinstrument/wbinstrument/runtime/wandb"
	"github.com/wbinstrument/wbinstrument/runtime/wbopenai"
)

const answer = `{"id":"chatcmpl-b","object":"chat.completion","created":1700000000,"model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":"Instrumentation costs little per call."},"finish_reason":"stop"}],"usage":{"prompt_tokens":9,"completion_tokens":5,"total_tokens":14}}`

var params = openai.ChatCompletionNewParams{
	Model:    openai.ChatModelGPT4oMini,
	Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("What does instrumentation cost per call?")},
}

// memTransport answers every request from memory, so the caller's path
// is measured without a server sharing the CPU.
type memTransport struct{}

func (memTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		io.Copy(io.Discard, req.Body)
		req.Body.Close()
	}
	return &http.Response{StatusCode: 200, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{"Content-Type": {"application/json"}}, ContentLength: int64(len(answer)),
		Body: io.NopCloser(strings.NewReader(answer)), Request: req}, nil
}

// clients returns a plain call and the same call as rewritten code makes it.
func clients(opts ...option.RequestOption) (plain, instr func(context.Context) error) {
	opts = append(opts, option.WithAPIKey("sk-bench"), option.WithMaxRetries(0))
	pc := openai.NewClient(opts...)
	ic := openai.NewClient(wbopenai.OpenAIOptions(option.WithMiddleware, opts)...)
	plain = func(ctx context.Context) error {
		_, err := pc.Chat.Completions.New(ctx, params)
		return err
	}
	instr = func(ctx context.Context) error {
		_, err := wbopenai.OpenAICall1(option.WithMiddleware, ic.Chat.Completions.New, "bench_test.go:1 bench")(ctx, params)
		return err
	}
	return plain, instr
}

func startRun(b *testing.B) {
	if err := wbopenai.Init(wandb.Options{Dir: b.TempDir(), Mode: "offline", Silent: true}); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(wbopenai.Finish)
}

func quantile(d []time.Duration, q float64) time.Duration {
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[int(q*float64(len(s)-1))]
}

// BenchmarkOpenAIGoCall prints the latency ratio of instrumented to plain
// chat calls on a loopback server (interleaved pairs) and the allocations
// the instrumentation adds per call (answered from memory).
func BenchmarkOpenAIGoCall(b *testing.B) {
	startRun(b)
	ctx := context.Background()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, answer)
	}))
	defer ts.Close()
	plain, instr := clients(option.WithBaseURL(ts.URL + "/v1/"))
	const pairs = 5000
	for i := 0; i < 200; i++ { // warm both paths and the connection pool
		plain(ctx)
		instr(ctx)
	}
	var pd, id []time.Duration
	for i := 0; i < pairs; i++ {
		for k, f := range []func(context.Context) error{plain, instr} {
			if i%2 == 1 {
				k = 1 - k
				f = []func(context.Context) error{plain, instr}[k]
			}
			t := time.Now()
			if err := f(ctx); err != nil {
				b.Fatal(err)
			}
			if k == 0 {
				pd = append(pd, time.Since(t))
			} else {
				id = append(id, time.Since(t))
			}
		}
	}
	p50, i50 := quantile(pd, 0.5), quantile(id, 0.5)
	p99, i99 := quantile(pd, 0.99), quantile(id, 0.99)
	b.Logf("openai-go chat call, loopback, %d interleaved pairs: p50 %v plain, %v instrumented (%.3fx); p99 %v, %v (%.3fx)",
		pairs, p50, i50, float64(i50)/float64(p50), p99, i99, float64(i99)/float64(p99))

	// The logging goroutine held off (one drain an hour), as bench/ does
	// for go-openai, so that only the caller's allocations count.
	wbopenai.Finish()
	b.Setenv("WBINSTRUMENT_DRAIN_INTERVAL", "1h")
	startRun(b)
	mp, mi := clients(option.WithBaseURL("http://mem.invalid/v1/"), option.WithHTTPClient(&http.Client{Transport: memTransport{}}))
	allocs := func(f func(context.Context) error) float64 {
		runtime.GC()
		return testing.AllocsPerRun(300, func() { f(ctx) })
	}
	ap, ai := allocs(mp), allocs(mi)
	b.Logf("openai-go chat call, caller's path: %.0f allocs plain, %.0f instrumented (+%.0f)", ap, ai, ai-ap)
}
