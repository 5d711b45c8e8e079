package wbopenai

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wbinstrument/wbinstrument/runtime/otlp"
)

// fakeTracer records the spans the runtime starts and ends, as the
// otelbridge module's tracer would hand them to a TracerProvider.
type fakeTracer struct {
	mu    sync.Mutex
	spans []*fakeSpan
}

type spanKey struct{}

type fakeSpan struct {
	start  time.Time
	parent interface{}
	ends   []CallEnd
	ctx    context.Context // the context the call went on with
	id     byte
}

func (f *fakeTracer) StartCall(ctx context.Context, start time.Time) (context.Context, CallSpan) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := &fakeSpan{start: start, parent: ctx.Value(spanKey{}), id: byte(len(f.spans) + 1)}
	f.spans = append(f.spans, s)
	s.ctx = context.WithValue(ctx, spanKey{}, s)
	return s.ctx, s
}

func (s *fakeSpan) End(e CallEnd) { s.ends = append(s.ends, e) }

func (s *fakeSpan) IDs() (trace [16]byte, span [8]byte, ok bool) {
	trace[0], span[0] = 0xAB, s.id
	return trace, span, true
}

func (e CallEnd) attr(k string) interface{} {
	for _, a := range e.Attributes {
		if a.Key == k {
			return a.Value()
		}
	}
	return nil
}

func withTracer(t *testing.T) *fakeTracer {
	f := &fakeTracer{}
	SetCallTracer(f)
	t.Cleanup(func() { SetCallTracer(nil) })
	return f
}

// chatCall stands for a rewritten go-openai call on an instrumented
// client: the request carries the wrapper's context, and the body is
// read (and the call ended) before the method returns, unless it is a
// stream, which is handed back open.
func chatCall(base string, stream bool, seen *context.Context) func(context.Context, string) (*http.Response, error) {
	client := &http.Client{Transport: &roundTripper{next: http.DefaultTransport}}
	return func(ctx context.Context, model string) (*http.Response, error) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, base+"/chat/completions", strings.NewReader(chatBody(model, stream)))
		req.Header.Set("Authorization", "Bearer sk-secret-key")
		if stream {
			req.Header.Set("Accept", "text/event-stream")
		}
		*seen = req.Context()
		resp, err := client.Do(req)
		if err != nil || stream {
			return resp, err
		}
		data, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode >= 400 {
			return nil, errors.New(string(data) + " sk-secret-key")
		}
		return resp, nil
	}
}

// TestBridgeSpanNestsAndEndsWithTheCall: a registered CallTracer gets a
// span per call, started with the caller's context, whose new context
// goes down to the HTTP request, and ended on the caller's goroutine
// when the call ends, with the runtime span's name, attributes and
// status; a call that never went out ends failed; the logged row is
// unchanged.
func TestBridgeSpanNestsAndEndsWithTheCall(t *testing.T) {
	ts, _ := flakyServer(t)
	tr := withTracer(t)
	parent := context.WithValue(context.Background(), spanKey{}, "request span")
	var seen context.Context
	rows := runLogged(t, func() {
		call := Call1(chatCall(ts.URL, false, &seen), "main.go:7 main.ask")
		if _, err := call(parent, "gpt-4o-mini"); err != nil {
			t.Fatal(err)
		}
		s := tr.spans[0]
		if len(s.ends) != 1 {
			t.Fatalf("span not ended when the call returned: %d ends", len(s.ends))
		}
		if s.parent != "request span" || seen.Value(spanKey{}) != s {
			t.Errorf("span parent %v, request context carries %v: want the caller's span and the new one", s.parent, seen.Value(spanKey{}))
		}
		e := s.ends[0]
		if e.Name != "chat gpt-4o-mini" || e.Failed || e.attr("gen_ai.usage.input_tokens") != int64(5) ||
			e.attr("gen_ai.usage.output_tokens") != int64(1) || e.attr("gen_ai.response.id") != "c1" ||
			e.attr("code.function.name") == nil || e.End.Before(s.start) {
			t.Errorf("end = %+v", e)
		}
		if e.attr("gen_ai.input.messages") != nil {
			t.Error("messages sent without OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT")
		}

		// A failed call: status and message, the key scrubbed.
		if _, err := call(parent, "flaky-9"); err == nil {
			t.Fatal("flaky-9 did not fail")
		}
		e = tr.spans[1].ends[0]
		if !e.Failed || e.attr("http.response.status_code") != int64(500) || !strings.Contains(e.Message, "boom") {
			t.Errorf("failed end = %+v", e)
		}

		// A stream ends with its body, not when the method returns.
		sc := Call1(chatCall(ts.URL, true, &seen), "main.go:9 main.stream")
		resp, err := sc(parent, "gpt-4o-mini")
		if err != nil {
			t.Fatal(err)
		}
		s = tr.spans[2]
		if len(s.ends) != 0 {
			t.Fatal("stream span ended before its body was read")
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if len(s.ends) != 1 || s.ends[0].attr("gen_ai.request.stream") != true || s.ends[0].attr("gen_ai.usage.output_tokens") != int64(1) {
			t.Fatalf("stream span ends = %+v", s.ends)
		}

		// Refused before any request: not a logged call, a failed span.
		refuse := Call1(func(ctx context.Context, m string) (*http.Response, error) {
			return nil, errors.New("unsupported model")
		}, "main.go:11 main.bad")
		refuse(parent, "x")
		if e := tr.spans[3].ends; len(e) != 1 || !e[0].Failed || e[0].Message != "unsupported model" {
			t.Errorf("refused call's span ends = %+v", e)
		}
	})
	if len(rows) != 3 {
		t.Fatalf("%d rows, want 3", len(rows))
	}
	bridge.mu.Lock()
	left := len(bridge.spans)
	bridge.mu.Unlock()
	if left != 0 {
		t.Errorf("%d spans still filed after Finish", left)
	}
	for _, s := range tr.spans {
		if len(s.ends) != 1 {
			t.Errorf("span %d ended %d times", s.id, len(s.ends))
		}
	}
}

// TestBridgeOpenAIGo: an openai-go call retried once is one span, ended
// when the method returns, with the last attempt's outcome.
func TestBridgeOpenAIGo(t *testing.T) {
	ts, _ := flakyServer(t)
	tr := withTracer(t)
	sdk := &miniSDK{base: ts.URL, maxRetries: 2}
	runLogged(t, func() {
		if _, err := newChat(sdk, "main.go:3 main.ask", "flaky-1")(context.Background()); err != nil {
			t.Fatal(err)
		}
		if len(tr.spans) != 1 || len(tr.spans[0].ends) != 1 {
			t.Fatalf("spans %+v", tr.spans)
		}
		e := tr.spans[0].ends[0]
		if e.Failed || e.Name != "chat flaky-1" || e.attr("gen_ai.usage.input_tokens") != int64(5) {
			t.Errorf("end = %+v", e)
		}
	})
}

// TestBridgedSpanIDs: the runtime's own span of a call the program's
// tracing exports carries that span's ids, and goes to Weave but not a
// second time to the collector.
func TestBridgedSpanIDs(t *testing.T) {
	tr := withTracer(t)
	weave := otlp.NewExporter(otlp.Options{Spool: filepath.Join(t.TempDir(), "w.otlp")})
	coll := otlp.NewExporter(otlp.Options{Spool: filepath.Join(t.TempDir(), "c.otlp")})
	x := &spanExport{runID: "r", weave: weave, collector: coll}
	ev := &event{kind: kindChat, start: time.Unix(1, 0), end: time.Unix(2, 0), site: "main.go:1 main.main"}
	startSpan(context.Background(), ev.start, ev)
	p := &preparedSpan{}
	if !x.prepareInto(p, ev, analyze(ev), nil, nil, "", &spanScratch{}) {
		t.Fatal("no span prepared")
	}
	trace, span, _ := tr.spans[0].IDs()
	if !p.bridged || !bytes.Contains(p.b, trace[:]) || !bytes.Contains(p.b, span[:]) {
		t.Fatalf("prepared span does not carry the bridged ids")
	}
	if len(tr.spans[0].ends) != 1 {
		t.Error("a span the call's end missed is ended when it is logged")
	}
	x.emit(p, 0, false)
	if w, c := weave.Stats().Added, coll.Stats().Added; w != 1 || c != 0 {
		t.Errorf("weave got %d, collector %d; want 1 and 0", w, c)
	}
	weave.Shutdown(time.Now())
	coll.Shutdown(time.Now())
}

// TestBridgeUnwrappedCall: a call no wrapper saw (a client used through
// an interface) gets its span at the transport, under the request's
// context, and the request goes on with the new one.
func TestBridgeUnwrappedCall(t *testing.T) {
	ts, _ := flakyServer(t)
	tr := withTracer(t)
	parent := context.WithValue(context.Background(), spanKey{}, "request span")
	var seen context.Context
	client := &http.Client{Transport: &roundTripper{next: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		seen = r.Context()
		return http.DefaultTransport.RoundTrip(r)
	})}}
	runLogged(t, func() {
		req, _ := http.NewRequestWithContext(parent, http.MethodPost, ts.URL+"/chat/completions", strings.NewReader(chatBody("gpt-4o-mini", false)))
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if len(tr.spans) != 1 || len(tr.spans[0].ends) != 1 {
			t.Fatalf("spans %+v", tr.spans)
		}
		s := tr.spans[0]
		if s.parent != "request span" || seen.Value(spanKey{}) != s || s.ends[0].Name != "chat gpt-4o-mini" {
			t.Errorf("parent %v, request context %v, name %q", s.parent, seen.Value(spanKey{}), s.ends[0].Name)
		}
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// spansLeft counts the spans the bridge still holds.
func spansLeft() int {
	bridge.mu.Lock()
	defer bridge.mu.Unlock()
	return len(bridge.spans)
}

// spanSeer is a client middleware after the runtime's: it records the
// span each attempt's request carries.
func spanSeer(seen *[]interface{}) Middleware {
	return func(r *http.Request, next func(*http.Request) (*http.Response, error)) (*http.Response, error) {
		*seen = append(*seen, r.Context().Value(spanKey{}))
		return next(r)
	}
}

// TestBridgeLoneOpenAIGoCall: an openai-go call on a client the rewrite
// did not wrap, from code it did not touch, is one span in the
// program's tracing however many attempts it takes: started under the
// first attempt's context, carried by every attempt's request, ended
// once when the last attempt ends, with the call's outcome.
func TestBridgeLoneOpenAIGoCall(t *testing.T) {
	ts, _ := flakyServer(t)
	for _, leaveOpen := range []bool{false, true} {
		tr := withTracer(t)
		var seen []interface{}
		sdk := &miniSDK{base: ts.URL, maxRetries: 2, leaveOpen: leaveOpen, client: []Middleware{OpenAIMiddleware, spanSeer(&seen)}}
		parent := context.WithValue(context.Background(), spanKey{}, "request span")
		rows := runLogged(t, func() {
			if _, _, err := sdk.do(parent, "/chat/completions", chatBody("flaky-2", false), false); err != nil {
				t.Fatal(err)
			}
			if len(tr.spans) != 1 || len(tr.spans[0].ends) != 1 {
				t.Fatalf("leaveOpen %v: %d spans (want 1, ended when the call returned): %+v", leaveOpen, len(tr.spans), tr.spans)
			}
			s := tr.spans[0]
			e := s.ends[0]
			if s.parent != "request span" || e.Failed || e.Name != "chat flaky-2" || e.attr("gen_ai.usage.input_tokens") != int64(5) || e.End.Before(s.start) {
				t.Errorf("leaveOpen %v: parent %v, end %+v", leaveOpen, s.parent, e)
			}
			if len(seen) != 3 || seen[0] != s || seen[1] != s || seen[2] != s {
				t.Errorf("leaveOpen %v: attempts carried %v, want the call's span thrice", leaveOpen, seen)
			}
			seen = nil
			if _, _, err := sdk.do(parent, "/chat/completions", chatBody("flaky-9", false), false); err == nil {
				t.Fatal("flaky-9 did not fail")
			}
			if len(tr.spans) != 2 || len(tr.spans[1].ends) != 1 || !tr.spans[1].ends[0].Failed ||
				tr.spans[1].ends[0].attr("http.response.status_code") != int64(500) {
				t.Fatalf("leaveOpen %v: failed call's spans %+v", leaveOpen, tr.spans)
			}
			if len(seen) != 3 || seen[2] != tr.spans[1] {
				t.Errorf("leaveOpen %v: attempts carried %v", leaveOpen, seen)
			}
		})
		if len(rows) != 2 {
			t.Errorf("leaveOpen %v: %d rows, want 2", leaveOpen, len(rows))
		}
		for _, s := range tr.spans {
			if len(s.ends) != 1 {
				t.Errorf("leaveOpen %v: span %d ended %d times", leaveOpen, s.id, len(s.ends))
			}
		}
		if n := spansLeft(); n != 0 {
			t.Errorf("leaveOpen %v: %d spans still filed after Finish", leaveOpen, n)
		}
	}
}

// TestBridgeLoneOpenAIGoGet: the attempts of a GET (no body, linked by
// context and URL) share one span; calls one after the other on one
// context get one span each.
func TestBridgeLoneOpenAIGoGet(t *testing.T) {
	ts, _ := flakyServer(t)
	tr := withTracer(t)
	var seen []interface{}
	sdk := &miniSDK{base: ts.URL, maxRetries: 2, client: []Middleware{OpenAIMiddleware, spanSeer(&seen)}}
	parent := context.WithValue(context.Background(), spanKey{}, "request span")
	rows := runLogged(t, func() {
		for _, m := range []string{"flaky-1", "flaky-0"} {
			if _, _, err := sdk.do(parent, "/models/"+m, "", false); err != nil {
				t.Fatal(err)
			}
		}
		if len(tr.spans) != 2 {
			t.Fatalf("%d spans for two calls", len(tr.spans))
		}
		a, b := tr.spans[0], tr.spans[1]
		if len(a.ends) != 1 || len(b.ends) != 1 || a.ends[0].Failed || a.parent != "request span" || b.parent != "request span" {
			t.Errorf("spans %+v %+v", a, b)
		}
		if len(seen) != 3 || seen[0] != a || seen[1] != a || seen[2] != b {
			t.Errorf("attempts carried %v, want the first span twice, then the second", seen)
		}
	})
	if len(rows) != 2 || spansLeft() != 0 {
		t.Errorf("%d rows, %d spans left", len(rows), spansLeft())
	}
}

// parkedAttempt sends one attempt of an unwrapped call through the
// middleware, answered 500 and closed unread, as openai-go does before a
// retry: the call is parked, waiting for it.
func parkedAttempt(t *testing.T, ctx context.Context, retry int) {
	t.Helper()
	body := []byte(chatBody("gpt-4o-mini", false))
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "http://127.0.0.1:1/chat/completions", bytes.NewReader(body))
	req.Header.Set("X-Stainless-Retry-Count", strconv.Itoa(retry))
	next := func(r *http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: 500, Request: r, Header: http.Header{"Content-Type": {"application/json"}},
			Body: io.NopCloser(strings.NewReader(`{"error":{"message":"boom"}}`))}, nil
	}
	resp, err := OpenAIMiddleware(req, next)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
}

// TestBridgeParkedOpenAIGoCall: a call parked for a retry that never
// comes ends its span once, when the parking times out or at Finish,
// and leaves nothing in the bridge.
func TestBridgeParkedOpenAIGoCall(t *testing.T) {
	saved := parkTime
	t.Cleanup(func() { parkTime = saved })

	tr := withTracer(t)
	parkTime = 20 * time.Millisecond
	rows := runLogged(t, func() {
		parkedAttempt(t, context.Background(), 0)
		if len(tr.spans) != 1 {
			t.Fatalf("%d spans, want one", len(tr.spans))
		}
		// The span ends on the timer's goroutine: read it once the
		// logging goroutine has let it go.
		deadline := time.Now().Add(5 * time.Second)
		for spansLeft() != 0 && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		if ends := len(tr.spans[0].ends); ends != 1 || !tr.spans[0].ends[0].Failed {
			t.Fatalf("parked span after the timeout: %+v", tr.spans[0].ends)
		}
	})
	if len(rows) != 1 || spansLeft() != 0 || len(tr.spans[0].ends) != 1 {
		t.Errorf("timeout: %d rows, %d spans left, %d ends", len(rows), spansLeft(), len(tr.spans[0].ends))
	}

	tr = withTracer(t)
	parkTime = time.Hour
	rows = runLogged(t, func() {
		parkedAttempt(t, context.Background(), 0)
		if len(tr.spans) != 1 || len(tr.spans[0].ends) != 0 || spansLeft() != 1 {
			t.Fatalf("spans %+v", tr.spans)
		}
	})
	if len(rows) != 1 || spansLeft() != 0 || len(tr.spans[0].ends) != 1 || !tr.spans[0].ends[0].Failed {
		t.Errorf("Finish: %d rows, %d spans left, ends %+v", len(rows), spansLeft(), tr.spans[0].ends)
	}
	parked.mu.Lock()
	n := len(parked.m)
	parked.mu.Unlock()
	if n != 0 {
		t.Errorf("%d calls still parked", n)
	}
}

// TestBridgeLoneCallDisabledMidway: logging stopped between the span's
// start and the attempt (Disable on another goroutine) ends the span,
// which no attempt would end.
func TestBridgeLoneCallDisabledMidway(t *testing.T) {
	tr := withTracer(t)
	req, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1:1/chat/completions", strings.NewReader(chatBody("m", false)))
	g := loneCall(req, "", 0)
	t.Cleanup(func() {
		parked.mu.Lock()
		delete(parked.m, g.key)
		parked.mu.Unlock()
	})
	ctx := loneSpan(g, req.Context())
	was := atomic.SwapInt32(&off, 1)
	defer atomic.StoreInt32(&off, was)
	g.attempt(req.WithContext(ctx), func(r *http.Request) (*http.Response, error) {
		return nil, errors.New("not sent")
	})
	if len(tr.spans) != 1 || len(tr.spans[0].ends) != 1 || spansLeft() != 0 {
		t.Fatalf("spans %+v, %d left", tr.spans, spansLeft())
	}
}
