package reliability

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/wbinstrument/wbinstrument/internal/fakeopenai"
	"github.com/wbinstrument/wbinstrument/runtime/wandb"
	"github.com/wbinstrument/wbinstrument/runtime/wbopenai"
)

const chunk = `data: {"id":"chatcmpl-f","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":"part "},"finish_reason":null}]}` + "\n\n"

// faultyOpenAI serves the faults fakeopenai lacks, chosen by model name,
// and hands every other request to fakeopenai:
//
//	truncated-sse  two chunks, then half an event and a clean close
//	bad-json       200 with a JSON body cut in the middle
//	reset-body     200 announcing 4096 bytes, 100 sent, connection dropped
//	slowloris      200, then one body byte every 100ms
//	slow-headers   no answer at all for 5s
func faultyOpenAI(fake *fakeopenai.Server) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		var req struct {
			Model string `json:"model"`
		}
		json.Unmarshal(body, &req)
		flush := func() {
			if f, ok := w.(http.Flusher); ok {
				f.Flush()
			}
		}
		switch req.Model {
		case "truncated-sse":
			w.Header().Set("Content-Type", "text/event-stream")
			io.WriteString(w, chunk+chunk+`data: {"id":"chatcmpl-f","object":"chat.compl`)
		case "bad-json":
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"id":"chatcmpl-f","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"cut he`)
		case "reset-body":
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Content-Length", "4096")
			w.WriteHeader(200)
			io.WriteString(w, `{"id":"chatcmpl-f","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"`)
			flush()
			if hj, ok := w.(http.Hijacker); ok {
				if conn, _, err := hj.Hijack(); err == nil {
					conn.Close()
				}
			}
		case "slowloris":
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(200)
			for i := 0; i < 50; i++ {
				if _, err := io.WriteString(w, " "); err != nil {
					return
				}
				flush()
				select {
				case <-r.Context().Done():
					return
				case <-time.After(100 * time.Millisecond):
				}
			}
		case "slow-headers":
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		default:
			fake.ServeHTTP(w, r)
		}
	})
}

// outcome is what the user's code observed from one call.
type outcome struct {
	chunks []string // stream chunks' content, or the reply's content
	err    string
}

func (o outcome) String() string {
	return fmt.Sprintf("%d chunks %q, error %q", len(o.chunks), o.chunks, o.err)
}

// oaCase is one OpenAI-side fault: a model that triggers it, whether it
// is a stream, and the context timeout the user's code sets.
type oaCase struct {
	model   string
	stream  bool
	timeout time.Duration
}

var oaCases = []oaCase{
	{model: "reset-stream", stream: true, timeout: 5 * time.Second},
	{model: "hang-stream", stream: true, timeout: 400 * time.Millisecond},
	{model: "truncated-sse", stream: true, timeout: 5 * time.Second},
	{model: "bad-json", timeout: 5 * time.Second},
	{model: "reset-body", timeout: 5 * time.Second},
	{model: "slowloris", timeout: 400 * time.Millisecond},
	{model: "slow-headers", timeout: 400 * time.Millisecond},
	{model: "fail-500", timeout: 5 * time.Second},
}

const site = "reliability/fault_openai_test.go:1 reliability.do"

// do makes one call of case c the way user code would, through the
// call-site wrapper when instrumented.
func do(c *openai.Client, tc oaCase, instrumented bool) outcome {
	ctx, cancel := context.WithTimeout(context.Background(), tc.timeout)
	defer cancel()
	req := openai.ChatCompletionRequest{Model: tc.model,
		Messages: []openai.ChatCompletionMessage{{Role: openai.ChatMessageRoleUser, Content: "say a few words"}}}
	var o outcome
	if !tc.stream {
		f := c.CreateChatCompletion
		if instrumented {
			f = wbopenai.Call1(f, site)
		}
		resp, err := f(ctx, req)
		if err != nil {
			o.err = err.Error()
		} else if len(resp.Choices) > 0 {
			o.chunks = append(o.chunks, resp.Choices[0].Message.Content)
		}
		return o
	}
	f := c.CreateChatCompletionStream
	if instrumented {
		f = wbopenai.Call1(f, site)
	}
	s, err := f(ctx, req)
	if err != nil {
		o.err = err.Error()
		return o
	}
	defer s.Close()
	for {
		r, err := s.Recv()
		if errors.Is(err, io.EOF) {
			o.err = "EOF"
			return o
		}
		if err != nil {
			o.err = err.Error()
			return o
		}
		for _, ch := range r.Choices {
			o.chunks = append(o.chunks, ch.Delta.Content)
		}
	}
}

// runOACases makes each case's call with a plain and an instrumented
// client against the same server, and returns the outcomes and the spans
// the run logged for the instrumented calls, in case order.
func runOACases(t *testing.T, cases []oaCase) (plain, instr []outcome, spans []*rootSpan) {
	t.Helper()
	wandbEnv(t)
	fake := fakeopenai.New()
	defer fake.Close()
	srv := httptest.NewServer(faultyOpenAI(fake))
	defer srv.Close()
	client := func(wrap bool) *openai.Client {
		cfg := openai.DefaultConfig("sk-fault-openai-key-000")
		cfg.BaseURL = srv.URL + "/v1"
		if wrap {
			cfg = wbopenai.Config(cfg)
		}
		return openai.NewClientWithConfig(cfg)
	}
	pc, ic := client(false), client(true)
	dir := t.TempDir()
	if err := wbopenai.Init(wandb.Options{Dir: dir, Mode: "offline", Project: "reliability", Silent: true}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range cases {
		plain = append(plain, do(pc, tc, false))
		instr = append(instr, do(ic, tc, true))
	}
	wbopenai.Finish()
	// One instrumented call per case, made one after the other: row k
	// logs case k. (The model attribute is the answer's when there is one,
	// so it cannot name the case.)
	rows := callRows(readRun(t, onlyRunDir(t, dir)).History)
	if len(rows) != len(cases) {
		t.Errorf("%d rows logged for %d instrumented calls", len(rows), len(cases))
	}
	spans = make([]*rootSpan, len(cases))
	for k := range cases {
		if k < len(rows) {
			sp := spanOf(t, rows[k])
			spans[k] = &sp
		}
	}
	return plain, instr, spans
}

func TestFaultOpenAIServer(t *testing.T) {
	plain, instr, spans := runOACases(t, oaCases)
	var lines []string
	same, loggedErr := 0, 0
	for k, tc := range oaCases {
		p, i, sp := plain[k], instr[k], spans[k]
		if p.String() != i.String() {
			t.Errorf("%s: the user sees something else with instrumentation:\n  plain:        %v\n  instrumented: %v", tc.model, p, i)
		} else {
			same++
		}
		if p.err == "" || p.err == "EOF" && tc.model != "truncated-sse" {
			t.Errorf("%s: the fault did not reach the user (plain client: %v)", tc.model, p)
		}
		status, msg := "MISSING", ""
		if sp != nil {
			status = sp.StatusCode
			if sp.StatusMessage != nil {
				msg = *sp.StatusMessage
			}
		}
		switch {
		case sp == nil:
			t.Errorf("%s: no row logged for the call", tc.model)
		case status == "ERROR":
			loggedErr++
		default:
			t.Errorf("%s: logged with status %s, want ERROR; the user saw %v", tc.model, status, i)
		}
		lines = append(lines, fmt.Sprintf("%-14s user saw %-70.70q logged %s %.60q", tc.model, i.err, status, msg))
		t.Log(lines[len(lines)-1])
	}
	t.Logf("SUMMARY OpenAI faults: %d cases, %d with identical user-visible outcome, %d logged as ERROR\n%s",
		len(oaCases), same, loggedErr, strings.Join(lines, "\n"))
}
