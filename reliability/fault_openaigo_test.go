package reliability

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"

	"github.com/wbinstrument/wbinstrument/internal/fakeopenai"
	"github.com/wbinstrument/wbinstrument/runtime/wandb"
	"github.com/wbinstrument/wbinstrument/runtime/wbopenai"
)

// The OpenAI-side faults of fault_openai_test.go, through the official
// SDK (openai-go v3), whose methods retry inside: each call must reach
// the user's code exactly as without instrumentation and be one row,
// with its attempts as child spans, however many attempts it took.

// oaiCase is one fault through openai-go and what its row must say.
type oaiCase struct {
	oaCase
	status   string // the row's status
	attempts int    // child spans of the row (0: one attempt, no children)
}

var oaiCases = func() []oaiCase {
	var cs []oaiCase
	for _, c := range oaCases {
		want := oaiCase{oaCase: c, status: "ERROR"}
		if c.model == "fail-500" {
			want.attempts = 2 // retried once (WithMaxRetries(1)), then given up
		}
		cs = append(cs, want)
	}
	return append(cs,
		oaiCase{oaCase: oaCase{model: "flaky-1", timeout: 5 * time.Second}, status: "SUCCESS", attempts: 2},
		oaiCase{oaCase: oaCase{model: "flaky-1", stream: true, timeout: 5 * time.Second}, status: "SUCCESS", attempts: 2},
		oaiCase{oaCase: oaCase{model: "fail-429", timeout: 5 * time.Second}, status: "ERROR", attempts: 2},
		oaiCase{oaCase: oaCase{model: "fail-400", timeout: 5 * time.Second}, status: "ERROR"},
	)
}()

const oaiSite = "reliability/fault_openaigo_test.go:1 reliability.doOAI"

// doOAI makes one call of case c the way user code would, through the
// call-site wrappers the rewrite generates when instrumented.
func doOAI(client *openai.Client, tc oaCase, instrumented bool) outcome {
	ctx, cancel := context.WithTimeout(context.Background(), tc.timeout)
	defer cancel()
	params := openai.ChatCompletionNewParams{
		Model:    tc.model,
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("say a few words")},
	}
	var o outcome
	if !tc.stream {
		f := client.Chat.Completions.New
		if instrumented {
			f = wbopenai.OpenAICall1(option.WithMiddleware, f, oaiSite)
		}
		resp, err := f(ctx, params)
		if err != nil {
			o.err = err.Error()
		} else if len(resp.Choices) > 0 {
			o.chunks = append(o.chunks, resp.Choices[0].Message.Content)
		}
		return o
	}
	f := client.Chat.Completions.NewStreaming
	if instrumented {
		f = wbopenai.OpenAIValue1(option.WithMiddleware, f, oaiSite)
	}
	s := f(ctx, params)
	defer s.Close()
	for s.Next() {
		for _, ch := range s.Current().Choices {
			o.chunks = append(o.chunks, ch.Delta.Content)
		}
	}
	o.err = "end"
	if err := s.Err(); err != nil {
		o.err = err.Error()
	}
	return o
}

func TestFaultOpenAIGoServer(t *testing.T) {
	wandbEnv(t)
	fake := fakeopenai.New()
	defer fake.Close()
	srv := httptest.NewServer(faultyOpenAI(fake))
	defer srv.Close()
	opts := []option.RequestOption{
		option.WithBaseURL(srv.URL + "/v1"),
		option.WithAPIKey("sk-fault-openai-go-key-000"),
		option.WithMaxRetries(1),
	}
	plainClient := openai.NewClient(opts...)
	instrClient := openai.NewClient(wbopenai.OpenAIOptions(option.WithMiddleware, opts)...)
	dir := t.TempDir()
	if err := wbopenai.Init(wandb.Options{Dir: dir, Mode: "offline", Project: "reliability", Silent: true}); err != nil {
		t.Fatal(err)
	}
	var plain, instr []outcome
	for _, tc := range oaiCases {
		plain = append(plain, doOAI(&plainClient, tc.oaCase, false))
		instr = append(instr, doOAI(&instrClient, tc.oaCase, true))
	}
	wbopenai.Finish()
	// One instrumented call per case, one after the other: row k logs
	// case k.
	rows := callRows(readRun(t, onlyRunDir(t, dir)).History)
	if len(rows) != len(oaiCases) {
		t.Errorf("%d rows logged for %d instrumented calls", len(rows), len(oaiCases))
	}
	var lines []string
	same, right := 0, 0
	for k, tc := range oaiCases {
		p, i := plain[k], instr[k]
		if p.String() != i.String() {
			t.Errorf("%s (stream %v): the user sees something else with instrumentation:\n  plain:        %v\n  instrumented: %v", tc.model, tc.stream, p, i)
		} else {
			same++
		}
		if (p.err == "" || p.err == "end") != (tc.status == "SUCCESS") && tc.model != "truncated-sse" {
			t.Errorf("%s: the user saw %v, but the case expects %s", tc.model, p, tc.status)
		}
		if k >= len(rows) {
			continue
		}
		sp, kids := oaiSpan(t, rows[k])
		msg := ""
		if sp.StatusMessage != nil {
			msg = *sp.StatusMessage
		}
		if sp.StatusCode != tc.status || len(kids) != tc.attempts {
			t.Errorf("%s (stream %v): logged %s with %d attempts, want %s with %d; the user saw %v", tc.model, tc.stream, sp.StatusCode, len(kids), tc.status, tc.attempts, i)
		} else {
			right++
		}
		if site := sp.attr("call_site"); site != oaiSite {
			t.Errorf("%s: call site %q", tc.model, site)
		}
		lines = append(lines, fmt.Sprintf("%-14s stream %-5v user saw %-60.60q logged %s, %d attempts %.50q", tc.model, tc.stream, i.err, sp.StatusCode, len(kids), msg))
	}
	for _, r := range rows {
		if b, _ := json.Marshal(r); strings.Contains(string(b), "sk-fault-openai-go-key") {
			t.Errorf("the API key reached the log")
		}
	}
	t.Logf("SUMMARY openai-go faults: %d cases, %d with identical user-visible outcome, %d logged with the right status and attempts\n%s",
		len(oaiCases), same, right, strings.Join(lines, "\n"))
}

// oaiSpan decodes a row's root span and its child spans (the attempts).
func oaiSpan(t *testing.T, row map[string]json.RawMessage) (rootSpan, []json.RawMessage) {
	t.Helper()
	var tr struct {
		Root string `json:"root_span_dumps"`
	}
	if err := json.Unmarshal(row["trace"], &tr); err != nil {
		t.Fatalf("trace %s: %v", row["trace"], err)
	}
	var sp struct {
		rootSpan
		Children []json.RawMessage `json:"child_spans"`
	}
	if err := json.Unmarshal([]byte(tr.Root), &sp); err != nil {
		t.Fatalf("root span %s: %v", tr.Root, err)
	}
	return sp.rootSpan, sp.Children
}
