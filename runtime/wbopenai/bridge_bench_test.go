package wbopenai

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"sync/atomic"
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

// beginBefore is begin as it was before the CallTracer hook, kept here
// as the baseline of BenchmarkBeginWithoutTracer.
func beginBefore(ctx context.Context, fnPC uintptr, site string) (*marker, context.Context) {
	c := &markCtx{Context: ctx, m: marker{site: site, fnPC: fnPC, start: time.Now()}}
	return &c.m, c
}

var ctxSink context.Context

// BenchmarkBeginWithoutTracer is what the hook costs a program without a
// CallTracer: a wrapped call's begin and the check after it, against
// the same code before the hook, interleaved in blocks in one run.
func BenchmarkBeginWithoutTracer(b *testing.B) {
	SetCallTracer(nil)
	ctx := context.Background()
	errPlain := errors.New("refused")
	const block = 1000
	var before, after time.Duration
	var sink bool
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		for j := 0; j < block; j++ {
			m, mctx := begin(ctx, 1, "main.go:1 main.main")
			ctxSink = mctx // as a call hands it to go-openai
			sink = sink != m.unlogged(errPlain)
		}
		t1 := time.Now()
		for j := 0; j < block; j++ {
			m, mctx := beginBefore(ctx, 1, "main.go:1 main.main")
			ctxSink = mctx
			sink = sink != (atomic.LoadInt32(&m.seen) == 0 && enabled() && wentOut(errPlain))
		}
		t2 := time.Now()
		after += t1.Sub(t0)
		before += t2.Sub(t1)
	}
	_ = sink
	n := float64(b.N * block)
	b.ReportMetric(float64(before.Nanoseconds())/n, "ns/call-before")
	b.ReportMetric(float64(after.Nanoseconds())/n, "ns/call-hook")
	b.ReportMetric(float64(after)/float64(before), "ratio")
}
