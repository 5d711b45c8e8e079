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

// runBaseAndDemo runs the example program that write puts in a directory
// un-instrumented, for the baseline output (its runs directory is
// tmp/base-runs), then the demo with sdk (its runs are in tmp/runs), and
// fails unless both print the same. It returns tmp, the demo's result and
// the test's context: the whole test, builds included, has five minutes.
// It skips the test with -short.
func runBaseAndDemo(t *testing.T, write func(dir string) error, sdk string) (ctx context.Context, tmp string, res *Result) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds two programs")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	t.Cleanup(cancel)
	root, err := checkout.Root()
	if err != nil {
		t.Fatal(err)
	}
	tmp = t.TempDir()
	base := filepath.Join(tmp, "base")
	if err := write(base); err != nil {
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
	res, err = Run(ctx, Options{Root: root, WorkDir: filepath.Join(tmp, "inst"), WandbDir: filepath.Join(tmp, "runs"), Log: &log, SDK: sdk})
	if err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	if !bytes.Equal(res.Output, want) {
		t.Errorf("instrumented output differs\n--- want\n%s\n--- got\n%s", want, res.Output)
	}
	return ctx, tmp, res
}

// checkRows checks that every row names its call site and that the rows'
// tokens add up to what the fake server reported; it returns how many
// rows are errors.
func checkRows(t *testing.T, res *Result) (errs int) {
	t.Helper()
	var prompt, completion int64
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
	return errs
}
