package wbopenai

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/wbinstrument/wbinstrument/runtime/wandb"
)

// memDoer answers every request in memory with body.
type memDoer struct{ body []byte }

func (m memDoer) Do(req *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}, "X-Request-Id": {"req_bench"}},
		ContentLength: int64(len(m.body)), Body: io.NopCloser(bytes.NewReader(m.body)), Request: req}, nil
}

// nopTracer is a CallTracer whose spans cost nothing, so that
// BenchmarkBridgeCallerPath times what the runtime adds.
type nopTracer struct{}

type nopSpan struct{}

type nopKey struct{}

func (nopTracer) StartCall(ctx context.Context, _ time.Time) (context.Context, CallSpan) {
	return context.WithValue(ctx, nopKey{}, 1), nopSpan{}
}
func (nopSpan) End(CallEnd)                           {}
func (nopSpan) IDs() (t [16]byte, s [8]byte, ok bool) { return t, s, false }

// BenchmarkBridgeCallerPath times a chat call's path through a call-site
// wrapper and the instrumented doer, answered from memory with the
// logging goroutine held off, without a CallTracer and with one whose
// spans cost nothing, interleaved in one run: the "added" figure is what
// a traced program pays on the caller's path for the span's start, its
// attributes (the call decoded a second time) and its end.
func BenchmarkBridgeCallerPath(b *testing.B) {
	b.Setenv("WBINSTRUMENT_DRAIN_INTERVAL", "1h")
	reqBody, respBody := benchChat(40)
	d := &doer{next: memDoer{body: respBody}}
	f := func(ctx context.Context, body []byte) (int, error) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "https://api.openai.com/v1/chat/completions", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer sk-bench")
		resp, err := d.Do(req)
		if err != nil {
			return 0, err
		}
		data, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return len(data), nil
	}
	call := Call1(f, "main.go:1 main.main")
	ctx := context.Background()
	one := func() time.Duration {
		t0 := time.Now()
		if _, err := call(ctx, reqBody); err != nil {
			b.Fatal(err)
		}
		return time.Since(t0)
	}
	Init(wandb.Options{Mode: "offline"})
	defer Finish()
	var base, traced time.Duration
	for i := 0; i < b.N; i++ {
		SetCallTracer(nil)
		base += one()
		SetCallTracer(nopTracer{})
		traced += one()
		if i%2000 == 1999 {
			b.StopTimer()
			Finish()
			Init(wandb.Options{Mode: "offline"})
			b.StartTimer()
		}
	}
	SetCallTracer(nil)
	n := float64(b.N)
	b.ReportMetric(float64(base.Nanoseconds())/n, "ns/call-base")
	b.ReportMetric(float64(traced.Nanoseconds())/n, "ns/call-traced")
	b.ReportMetric(float64((traced-base).Nanoseconds())/n, "added-ns/call")
	b.ReportMetric(float64(traced)/float64(base), "ratio")
}
