package wbopenai

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/wbinstrument/wbinstrument/runtime/wandb"

	"github.com/wbinstrument/wbinstrument/runtime/internal/casetest"
)

// miniSDK does what openai-go's request path does with middlewares
// (internal/requestconfig/requestconfig.go, Execute, v3.102.0): the
// client's middlewares run before the request's, all of them once per
// attempt inside the retry loop; every attempt is a clone of one request
// carrying X-Stainless-Retry-Count; a retryable answer is closed unread
// before the retry, the answer kept is read (or, for a stream, handed
// back unread).
type miniSDK struct {
	base       string
	client     []Middleware
	maxRetries int
	// leaveOpen retries without closing the answer given up on, as
	// openai-go v1 does (v1.12.0, requestconfig.go).
	leaveOpen bool
}

type option struct{ mw []Middleware }

func withMiddleware(mws ...Middleware) option { return option{mws} }

func (s *miniSDK) do(ctx context.Context, path string, body string, stream bool, opts ...option) (*http.Response, []byte, error) {
	b := []byte(body)
	method := http.MethodPost
	if body == "" {
		method = http.MethodGet
	}
	base, err := http.NewRequestWithContext(ctx, method, s.base+path, nil)
	if err != nil {
		return nil, nil, err
	}
	if body != "" {
		base.ContentLength = int64(len(b))
		base.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
		base.Body, _ = base.GetBody()
	}
	base.Header.Set("Accept", "application/json")
	base.Header.Set("Content-Type", "application/json")
	base.Header.Set("Authorization", "Bearer sk-test")
	base.Header.Set("X-Stainless-Retry-Count", "0")
	mws := append([]Middleware(nil), s.client...)
	for _, o := range opts {
		mws = append(mws, o.mw...)
	}
	handler := http.DefaultClient.Do
	for i := len(mws) - 1; i >= 0; i-- {
		mw, next := mws[i], handler
		handler = func(r *http.Request) (*http.Response, error) { return mw(r, next) }
	}
	var res *http.Response
	for retry := 0; retry <= s.maxRetries; retry++ {
		req := base.Clone(ctx)
		req.Header.Set("X-Stainless-Retry-Count", strconv.Itoa(retry))
		res, err = handler(req)
		if ctx.Err() != nil {
			if res != nil {
				res.Body.Close()
			}
			return nil, nil, ctx.Err()
		}
		retryable := err != nil || res.StatusCode >= 500 || res.StatusCode == 429
		if !retryable || retry == s.maxRetries {
			break
		}
		if base.GetBody != nil {
			base.Body, _ = base.GetBody()
		}
		if res != nil && !s.leaveOpen {
			res.Body.Close()
		}
	}
	if err != nil {
		return nil, nil, err
	}
	if stream && res.StatusCode == 200 {
		return res, nil, nil
	}
	data, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err == nil && res.StatusCode >= 400 {
		err = fmt.Errorf("%d %s", res.StatusCode, data)
	}
	return res, data, err
}

// flakyServer answers chat completions, failing with 500 while the
// attempt's retry count is below the number in the model name
// ("flaky-2" fails twice); streams get usage when asked for it. A GET
// of /models/NAME is a model retrieval, failing likewise.
func flakyServer(t *testing.T) (*httptest.Server, *[]string) {
	var mu sync.Mutex
	var bodies []string
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, string(b))
		mu.Unlock()
		var req struct {
			Model         string `json:"model"`
			Stream        bool   `json:"stream"`
			StreamOptions *struct {
				IncludeUsage bool `json:"include_usage"`
			} `json:"stream_options"`
		}
		json.Unmarshal(b, &req)
		if r.Method == http.MethodGet {
			req.Model = strings.TrimPrefix(r.URL.Path, "/models/")
		}
		fails, _ := strconv.Atoi(strings.TrimPrefix(req.Model, "flaky-"))
		if n, _ := strconv.Atoi(r.Header.Get("X-Stainless-Retry-Count")); n < fails {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(500)
			io.WriteString(w, `{"error":{"message":"boom","type":"server_error"}}`)
			return
		}
		w.Header().Set("X-Request-Id", "req-1")
		if req.Stream {
			w.Header().Set("Content-Type", "text/event-stream")
			usage := req.StreamOptions != nil && req.StreamOptions.IncludeUsage
			null := ""
			if usage {
				null = `,"usage":null`
			}
			fmt.Fprintf(w, "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":%q,\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hi\"},\"finish_reason\":null}]%s}\n\n", req.Model, null)
			fmt.Fprintf(w, "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":%q,\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]%s}\n\n", req.Model, null)
			if usage {
				fmt.Fprintf(w, "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":%q,\"choices\":[],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":1,\"total_tokens\":6}}\n\n", req.Model)
			}
			io.WriteString(w, "data: [DONE]\n\n")
			return
		}
		w.Header().Set("Content-Type", "application/json")
		if r.Method == http.MethodGet {
			fmt.Fprintf(w, `{"id":%q,"object":"model","created":1700000000,"owned_by":"openai"}`, req.Model)
			return
		}
		fmt.Fprintf(w, `{"id":"c1","object":"chat.completion","model":%q,"choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}],"usage":{"prompt_tokens":5,"completion_tokens":1,"total_tokens":6}}`, req.Model)
	}))
	t.Cleanup(ts.Close)
	return ts, &bodies
}

// rootSpan decodes the root span of a row's trace.
func rootSpan(t *testing.T, row map[string]interface{}) map[string]interface{} {
	t.Helper()
	raw, ok := row["trace"].(wandb.RawJSON)
	if !ok {
		t.Fatalf("row has no trace: %v", row)
	}
	var tr struct {
		Root string `json:"root_span_dumps"`
	}
	if err := json.Unmarshal(raw, &tr); err != nil {
		t.Fatal(err)
	}
	var sp map[string]interface{}
	if err := json.Unmarshal([]byte(tr.Root), &sp); err != nil {
		t.Fatal(err)
	}
	return sp
}

// runLogged starts a run on a fake sink, runs f and returns the rows.
func runLogged(t *testing.T, f func()) []map[string]interface{} {
	t.Helper()
	s := initFake(t)
	f()
	Finish()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rows
}

func chatBody(model string, stream bool) string {
	if stream {
		return `{"model":"` + model + `","messages":[{"role":"user","content":"x"}],"stream":true}`
	}
	return `{"model":"` + model + `","messages":[{"role":"user","content":"x"}]}`
}

// newChat stands for a rewritten client.Chat.Completions.New call.
func newChat(sdk *miniSDK, site, model string) func(ctx context.Context) ([]byte, error) {
	f := func(ctx context.Context, body string, opts ...option) ([]byte, error) {
		_, data, err := sdk.do(ctx, "/chat/completions", body, false, opts...)
		return data, err
	}
	w := OpenAICall1(withMiddleware, f, site)
	return func(ctx context.Context) ([]byte, error) { return w(ctx, chatBody(model, false)) }
}

func TestOpenAIGoRetriesAreOneRow(t *testing.T) {
	ts, _ := flakyServer(t)
	cases := []struct {
		name           string
		model          string
		wrapped        bool
		client         bool
		status         string
		attempts       int
		prompt, answer bool
		leaveOpen      bool
	}{
		{"wrapped ok", "flaky-0", true, false, "SUCCESS", 0, true, true, false},
		{"wrapped recovers", "flaky-1", true, false, "SUCCESS", 2, true, true, false},
		{"wrapped fails", "flaky-9", true, false, "ERROR", 3, false, false, false},
		{"client and wrapper", "flaky-2", true, true, "SUCCESS", 3, true, true, false},
		{"client only recovers", "flaky-2", false, true, "SUCCESS", 3, true, true, false},
		{"client only fails", "flaky-9", false, true, "ERROR", 3, false, false, false},
		{"wrapped recovers, v1", "flaky-2", true, false, "SUCCESS", 3, true, true, true},
		{"client only recovers, v1", "flaky-2", false, true, "SUCCESS", 3, true, true, true},
		{"client only fails, v1", "flaky-9", false, true, "ERROR", 3, false, false, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sdk := &miniSDK{base: ts.URL, maxRetries: 2, leaveOpen: c.leaveOpen}
			if c.client {
				sdk.client = []Middleware{OpenAIMiddleware}
			}
			var gotErr error
			rows := runLogged(t, func() {
				if c.wrapped {
					_, gotErr = newChat(sdk, "main.go:7 main.run", c.model)(context.Background())
				} else {
					_, _, gotErr = sdk.do(context.Background(), "/chat/completions", chatBody(c.model, false), false)
				}
			})
			if (gotErr != nil) != (c.status == "ERROR") {
				t.Fatalf("call error %v, want status %s", gotErr, c.status)
			}
			if len(rows) != 1 {
				t.Fatalf("%d rows, want 1 for one logical call", len(rows))
			}
			sp := rootSpan(t, rows[0])
			if sp["status_code"] != c.status {
				t.Errorf("status %v, want %s", sp["status_code"], c.status)
			}
			attrs := sp["attributes"].(map[string]interface{})
			if c.wrapped && attrs["call_site"] != "main.go:7 main.run" {
				t.Errorf("call site %v", attrs["call_site"])
			}
			// Without a wrapper the site comes from the stack, where this
			// package's own frames (the test's too) are skipped: the
			// end-to-end test checks it on the real SDK.
			if !c.wrapped && attrs["call_site"] == "" {
				t.Errorf("no call site from the stack")
			}
			kids := sp["child_spans"].([]interface{})
			if len(kids) != c.attempts {
				t.Fatalf("%d child spans, want %d: %v", len(kids), c.attempts, kids)
			}
			for i, k := range kids {
				k := k.(map[string]interface{})
				want := "ERROR"
				if i == len(kids)-1 && c.status == "SUCCESS" {
					want = "SUCCESS"
				}
				a := k["attributes"].(map[string]interface{})
				if k["status_code"] != want || a["attempt"] != float64(i+1) || a["http_status"] == nil {
					t.Errorf("attempt %d: %v", i+1, k)
				}
			}
			if _, ok := rows[0]["usage/total_tokens"]; ok != c.prompt {
				t.Errorf("usage/total_tokens present %v, want %v: %v", ok, c.prompt, rows[0])
			}
			if c.prompt && rows[0]["usage/total_tokens"] != 6 {
				t.Errorf("total tokens %v", rows[0]["usage/total_tokens"])
			}
		})
	}
}

// TestOpenAIGoGetRetriesAreOneRow: the attempts of a call without a
// body (a GET) on a client the rewrite did not wrap are linked by their
// context and URL, so each call is one row with its attempts, and calls
// one after the other on one context stay apart.
func TestOpenAIGoGetRetriesAreOneRow(t *testing.T) {
	ts, _ := flakyServer(t)
	sdk := &miniSDK{base: ts.URL, maxRetries: 2, client: []Middleware{OpenAIMiddleware}}
	ctx := context.Background()
	var errs []error
	rows := runLogged(t, func() {
		for _, m := range []string{"flaky-2", "flaky-1", "flaky-9", "flaky-0"} {
			_, _, err := sdk.do(ctx, "/models/"+m, "", false)
			errs = append(errs, err)
		}
	})
	want := []struct {
		status   string
		attempts int
	}{{"SUCCESS", 3}, {"SUCCESS", 2}, {"ERROR", 3}, {"SUCCESS", 0}}
	if len(rows) != len(want) {
		t.Fatalf("%d rows for %d calls (errors %v)", len(rows), len(want), errs)
	}
	for i, w := range want {
		if (errs[i] != nil) != (w.status == "ERROR") {
			t.Errorf("call %d: error %v, want status %s", i, errs[i], w.status)
		}
		sp := rootSpan(t, rows[i])
		kids, _ := sp["child_spans"].([]interface{})
		if sp["status_code"] != w.status || len(kids) != w.attempts {
			t.Errorf("row %d: status %v with %d attempts, want %s with %d", i, sp["status_code"], len(kids), w.status, w.attempts)
		}
	}
}

// chatService stands for openai-go's ChatCompletionService: the runtime
// knows a stream by its method's name.
type chatService struct{ sdk *miniSDK }

func (s *chatService) NewStreaming(ctx context.Context, body string, opts ...option) *http.Response {
	res, _, _ := s.sdk.do(ctx, "/chat/completions", body, true, opts...)
	return res
}

func TestOpenAIGoStreamHidesInjectedUsage(t *testing.T) {
	ts, bodies := flakyServer(t)
	sdk := &miniSDK{base: ts.URL, maxRetries: 2, client: []Middleware{OpenAIMiddleware}}
	svc := &chatService{sdk}
	var got []byte
	rows := runLogged(t, func() {
		res := OpenAIValue1(withMiddleware, svc.NewStreaming, "main.go:9 main.stream")(context.Background(), chatBody("flaky-1", true))
		got, _ = io.ReadAll(res.Body)
		res.Body.Close()
	})
	if bytes.Contains(got, []byte("usage")) {
		t.Errorf("the user read the injected usage:\n%s", got)
	}
	if n := len(*bodies); n != 2 || !strings.Contains((*bodies)[1], `"include_usage":true`) {
		t.Errorf("server saw %d requests %q, want 2 with include_usage", n, *bodies)
	}
	if len(rows) != 1 || rows[0]["usage/total_tokens"] != 6 {
		t.Fatalf("rows %v, want one with the stream's usage", rows)
	}
	sp := rootSpan(t, rows[0])
	attrs := sp["attributes"].(map[string]interface{})
	if attrs["stream"] != true || attrs["call_site"] != "main.go:9 main.stream" || len(sp["child_spans"].([]interface{})) != 2 {
		t.Errorf("span %v", sp)
	}
}

func TestOAIMethod(t *testing.T) {
	casetest.Strings(t, "oaiMethod", oaiMethod, map[string]string{
		"github.com/openai/openai-go/v3.(*ChatCompletionService).New-fm":                 "ChatCompletionService.New",
		"github.com/openai/openai-go/responses.(*ResponseService).NewStreaming":          "ResponseService.NewStreaming",
		"github.com/openai/openai-go/v3/internal/requestconfig.(*RequestConfig).Execute": "",
		"github.com/openai/openai-go/v3/packages/pagination.(*AutoPager[...]).Next":      "",
		"github.com/sashabaranov/go-openai.(*Client).CreateChatCompletion-fm":            "",
	})
}

// A user's middleware that answers without calling next (tests fake a
// server that way) sends nothing: no row, and the user gets its answer.
func TestOpenAIGoShortCircuitIsNoCall(t *testing.T) {
	sdk := &miniSDK{base: "http://127.0.0.1:1", client: []Middleware{OpenAIMiddleware}}
	fake := func(req *http.Request, next func(*http.Request) (*http.Response, error)) (*http.Response, error) {
		return &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader(`{"ok":true}`)), Header: http.Header{}}, nil
	}
	f := func(ctx context.Context, body string, opts ...option) ([]byte, error) {
		_, data, err := sdk.do(ctx, "/chat/completions", body, false, opts...)
		return data, err
	}
	var got []byte
	var err error
	rows := runLogged(t, func() {
		got, err = OpenAICall1(withMiddleware, f, "main.go:3 main.main")(context.Background(), chatBody("m", false), withMiddleware(fake))
	})
	if err != nil || string(got) != `{"ok":true}` {
		t.Fatalf("the user's middleware answer was changed: %q %v", got, err)
	}
	if len(rows) != 0 {
		t.Errorf("%d rows for a call that never left the process", len(rows))
	}
}

// Without a wrapper the body tells a stream, and its usage is exact too.
func TestOpenAIGoUnwrappedStream(t *testing.T) {
	ts, bodies := flakyServer(t)
	sdk := &miniSDK{base: ts.URL, maxRetries: 2, client: []Middleware{OpenAIMiddleware}}
	var got []byte
	rows := runLogged(t, func() {
		res, _, _ := sdk.do(context.Background(), "/chat/completions", chatBody("flaky-0", true), true)
		got, _ = io.ReadAll(res.Body)
		res.Body.Close()
	})
	if bytes.Contains(got, []byte("usage")) || len(*bodies) != 1 || !strings.Contains((*bodies)[0], `"include_usage":true`) {
		t.Errorf("read %s; server saw %q", got, *bodies)
	}
	if len(rows) != 1 || rows[0]["usage/total_tokens"] != 6 {
		t.Fatalf("rows %v, want one with the stream's usage", rows)
	}
}
