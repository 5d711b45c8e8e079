package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/wbinstrument/wbinstrument/internal/runtest"
	"github.com/wbinstrument/wbinstrument/runtime/wandb"
	"github.com/wbinstrument/wbinstrument/runtime/wbopenai"
)

// bodySize is the size of the prompt and of the answer of every call in
// the throughput benchmark.
const bodySize = 2 << 10

// memDoer answers every request in memory with the same 2 KiB chat
// completion, so the benchmark measures the logging pipeline, not the
// network or a server.
type memDoer struct{ body []byte }

func (d memDoer) Do(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		io.Copy(io.Discard, req.Body)
		req.Body.Close()
	}
	return &http.Response{
		StatusCode: 200, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:        http.Header{"Content-Type": {"application/json"}, "X-Request-Id": {"req_bench"}},
		Body:          io.NopCloser(bytes.NewReader(d.body)),
		ContentLength: int64(len(d.body)), Request: req,
	}, nil
}

func chatAnswer(tb testing.TB) []byte { return chatAnswerOf(tb, strings.Repeat("a", bodySize)) }

// chatAnswerSmall is a chat completion of the size fakeopenai answers.
func chatAnswerSmall(tb testing.TB) []byte {
	return chatAnswerOf(tb, "Instrumentation costs little per call.")
}

func chatAnswerOf(tb testing.TB, content string) []byte {
	tb.Helper()
	b, err := json.Marshal(map[string]interface{}{
		"id": "chatcmpl-bench", "object": "chat.completion", "created": 1700000000, "model": "gpt-4o-mini",
		"choices": []interface{}{map[string]interface{}{"index": 0, "finish_reason": "stop",
			"message": map[string]interface{}{"role": "assistant", "content": content}}},
		"usage": map[string]interface{}{"prompt_tokens": 512, "completion_tokens": 512, "total_tokens": 1024},
	})
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// liveHeap is the heap still reachable after a collection: what the
// process holds, not what it has yet to collect.
func liveHeap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// BenchmarkLoggingThroughput measures how many calls per second the
// runtime logs end to end (go-openai call, tee, event, trace row, stats
// table file, .wandb record) when calls with 2 KiB prompts and answers come
// as fast as the program can make them: calls made in a fixed window,
// divided by the time until every one of them is in the run file
// (Finish included). It then offers half that rate for a while and
// reports the heap held at that steady state over the idle baseline.
//
// The baseline is the same loop with a plain client: calls/s the program
// makes without logging (x-plain is the logged rate over that).
func BenchmarkLoggingThroughput(b *testing.B) {
	d := memDoer{body: chatAnswer(b)}
	plain, instr := benchClient("", d, false), benchClient("", d, true)
	req := openai.ChatCompletionRequest{Model: openai.GPT4oMini, Messages: []openai.ChatCompletionMessage{
		{Role: openai.ChatMessageRoleUser, Content: strings.Repeat("q", bodySize)}}}
	ctx := context.Background()
	callers := runtime.GOMAXPROCS(0)
	const site = "bench/throughput_test.go:1 bench.call"
	plainCall := func() error { _, err := plain.CreateChatCompletion(ctx, req); return err }
	instrCall := func() error { _, err := wbopenai.Call1(instr.CreateChatCompletion, site)(ctx, req); return err }

	// saturate runs callers goroutines making calls for window; it returns
	// how many calls were made.
	saturate := func(call func() error, window time.Duration) int64 {
		var n int64
		var wg sync.WaitGroup
		stop := time.Now().Add(window)
		for g := 0; g < callers; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for time.Now().Before(stop) {
					if err := call(); err != nil {
						b.Error(err)
						return
					}
					atomic.AddInt64(&n, 1)
				}
			}()
		}
		wg.Wait()
		return n
	}
	readRun := func(dir string) (rows int, dropped string) {
		rd := runtest.ReadOneRun(b, dir, "offline-run-*")
		for _, h := range rd.History {
			if _, ok := h["trace"]; ok {
				rows++
			}
		}
		return rows, string(rd.Summary["dropped_calls"])
	}

	const window = 2 * time.Second
	for i := 0; i < b.N; i++ {
		plainRate := float64(saturate(plainCall, window)) / window.Seconds()

		idle := liveHeap()
		dir := b.TempDir()
		if err := wbopenai.Init(wandb.Options{Dir: dir, Mode: "offline", Project: "bench", Silent: true}); err != nil {
			b.Fatal(err)
		}
		t0 := time.Now()
		made := saturate(instrCall, window)
		peak := liveHeap() // the backlog still waiting to be logged
		wbopenai.Finish()
		total := time.Since(t0)
		rows, dropped := readRun(dir)
		if int64(rows) > made {
			b.Fatalf("%d rows for %d calls", rows, made)
		}
		// Every call is logged or counted: the runtime may drop calls
		// beyond its queue's bound, but never without saying so.
		if n, _ := strconv.ParseInt(dropped, 10, 64); int64(rows)+n != made {
			b.Errorf("saturated: %d calls made, %d logged, %q counted as dropped", made, rows, dropped)
		}
		logged := float64(rows) / total.Seconds()

		// Steady state at half the logged rate: paced callers, live heap
		// sampled every 250ms after a warm-up second.
		dir2 := b.TempDir()
		if err := wbopenai.Init(wandb.Options{Dir: dir2, Mode: "offline", Project: "bench", Silent: true}); err != nil {
			b.Fatal(err)
		}
		rate := logged / 2
		var steady uint64
		var sent int64
		start := time.Now()
		done := make(chan struct{})
		go func() {
			defer close(done)
			for time.Since(start) < 3*time.Second {
				time.Sleep(250 * time.Millisecond)
				if h := liveHeap(); time.Since(start) > time.Second && h > steady {
					steady = h
				}
			}
		}()
		var wg sync.WaitGroup
		for g := 0; g < callers; g++ {
			wg.Add(1)
			go func(g int) {
				defer wg.Done()
				every := time.Duration(float64(time.Second) * float64(callers) / rate)
				next := start
				for time.Since(start) < 3*time.Second {
					if err := instrCall(); err != nil {
						b.Error(err)
						return
					}
					atomic.AddInt64(&sent, 1)
					next = next.Add(every)
					if w := time.Until(next); w > 0 {
						time.Sleep(w)
					}
				}
			}(g)
		}
		wg.Wait()
		<-done
		wbopenai.Finish()
		rows2, dropped2 := readRun(dir2)
		if int64(rows2) != sent {
			b.Errorf("steady state: %d calls made, %d logged (dropped_calls=%s)", sent, rows2, dropped2)
		}
		mib := func(n uint64) float64 { return float64(n) / (1 << 20) }
		b.ReportMetric(plainRate, "plain-calls/s")
		b.ReportMetric(logged, "logged-calls/s")
		b.ReportMetric(logged/plainRate, "x-plain")
		b.ReportMetric(float64(made-int64(rows)), "dropped")
		b.ReportMetric(mib(peak-idle), "saturated-heap-MiB")
		b.ReportMetric(mib(steady-idle), "steady-heap-MiB")
		b.Logf("%d callers, %v window: plain %.0f calls/s; instrumented %d calls made, %d logged in %v (%.0f calls/s logged, x%.2f of plain, dropped_calls=%q); live heap +%.1f MiB at the end of the saturated window, +%.1f MiB at %.0f calls/s steady (%d calls, all logged: %v)",
			callers, window, plainRate, made, rows, total.Round(time.Millisecond), logged, logged/plainRate, dropped,
			mib(peak-idle), mib(steady-idle), float64(sent)/3, sent, int64(rows2) == sent)
	}
}
