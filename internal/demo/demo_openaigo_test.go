package demo

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/wbinstrument/wbinstrument/internal/checkout"
	"github.com/wbinstrument/wbinstrument/internal/fakeopenai"
)

// TestEndToEndOpenAIGo is TestEndToEnd for the openai-go example: same
// output rewritten or not, and one row per logical call (a call the SDK
// retried is one row) with the server's token counts.
func TestEndToEndOpenAIGo(t *testing.T) {
	if testing.Short() {
		t.Skip("builds two programs")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	root, err := checkout.Root()
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	base := filepath.Join(tmp, "base")
	if err := WriteProgramOpenAIGo(base); err != nil {
		t.Fatal(err)
	}
	bin, err := Build(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	srv := fakeopenai.New()
	want, err := Exec(ctx, bin, ProgramEnv(srv.URL(), filepath.Join(tmp, "base-runs")), os.Stderr)
	srv.Close()
	if err != nil {
		t.Fatal(err)
	}

	var log bytes.Buffer
	res, err := Run(ctx, Options{Root: root, WorkDir: filepath.Join(tmp, "inst"), WandbDir: filepath.Join(tmp, "runs"), Log: &log, SDK: SDKOpenAIGo})
	if err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	if !bytes.Equal(res.Output, want) {
		t.Errorf("instrumented output differs\n--- want\n%s\n--- got\n%s", want, res.Output)
	}
	// Two questions, a stream, embeddings, a Responses call, a call
	// retried once and a 400: 7 calls, 8 requests.
	if len(res.Calls) != 7 || res.ServerCalls != 8 {
		t.Errorf("%d rows for %d requests, want 7 rows for 8 requests", len(res.Calls), res.ServerCalls)
	}
	var prompt, completion int64
	errs := 0
	for _, c := range res.Calls {
		prompt += c.PromptTokens
		completion += c.CompletionTokens
		if c.Status == "ERROR" {
			errs++
		}
		if c.Site == "" {
			t.Errorf("step %d (%s): no call site", c.Step, c.Method)
		}
	}
	if prompt != int64(res.Prompt) || completion != int64(res.Completion) {
		t.Errorf("rows hold %d prompt + %d completion tokens, the server reported %d + %d", prompt, completion, res.Prompt, res.Completion)
	}
	if errs != 1 {
		t.Errorf("%d calls logged as ERROR, want 1 (the 400)", errs)
	}
	var out bytes.Buffer
	PrintSummary(&out, res)
	t.Logf("%s\n%s", res.Output, out.String())
}
