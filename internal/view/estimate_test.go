package view

import (
	"context"
	"errors"
	"io"
	"path/filepath"
	"testing"

	openai "github.com/sashabaranov/go-openai"

	"github.com/wbinstrument/wbinstrument/internal/fakeopenai"
	"github.com/wbinstrument/wbinstrument/runtime/wandb"
	"github.com/wbinstrument/wbinstrument/runtime/wbopenai"
)

// TestEstimatedUsage loads a run whose stream came from a server that
// ignores include_usage: the table row carries token counts counted with a
// tokenizer, marked estimated, where the run file holds none.
func TestEstimatedUsage(t *testing.T) {
	oa := fakeopenai.New()
	defer oa.Close()
	dir := t.TempDir()
	if err := wbopenai.Init(wandb.Options{Dir: dir, Mode: "offline", Project: "view", Silent: true}); err != nil {
		t.Fatal(err)
	}
	cfg := openai.DefaultConfig("sk-view-estimate")
	cfg.BaseURL = oa.URL()
	client := openai.NewClientWithConfig(wbopenai.Config(cfg))
	for _, model := range []string{"nousage-gpt-4o", "gpt-4o"} {
		stream, err := client.CreateChatCompletionStream(context.Background(), openai.ChatCompletionRequest{
			Model:    model,
			Messages: []openai.ChatCompletionMessage{{Role: openai.ChatMessageRoleUser, Content: "Why is the sky blue?"}},
		})
		if err != nil {
			t.Fatal(err)
		}
		for {
			if _, err := stream.Recv(); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				t.Fatal(err)
			}
		}
		stream.Close()
	}
	wbopenai.Finish()
	runs, _ := filepath.Glob(filepath.Join(dir, "wandb", "offline-run-*"))
	if len(runs) != 1 {
		t.Fatalf("want one run, found %v", runs)
	}
	snap, err := Load(runs[0])
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Calls) != 2 {
		t.Fatalf("%d calls, want 2", len(snap.Calls))
	}
	est, real := snap.row(0), snap.row(1)
	// 6 tokens of text, 1 of role, 3 per message and 3 of reply priming.
	if !est.Estimated || est.Prompt != 13 || est.Completion == 0 || est.Total != est.Prompt+est.Completion {
		t.Errorf("usage_missing call: %+v, want estimated 13 prompt tokens and a completion count", est)
	}
	if real.Estimated || real.Prompt == 0 {
		t.Errorf("call with usage: %+v, want the server's counts, not estimated", real)
	}
}
