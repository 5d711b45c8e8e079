// Package runtest logs go-openai calls through the real runtime into an
// offline run, for the tests of the tools that read runs back (tokens,
// sync, view).
package runtest

import (
	"context"
	"errors"
	"io"
	"path/filepath"
	"strings"
	"testing"

	openai "github.com/sashabaranov/go-openai"

	"github.com/wbinstrument/wbinstrument/internal/fakeopenai"
	"github.com/wbinstrument/wbinstrument/runtime/wandb"
	"github.com/wbinstrument/wbinstrument/runtime/wbopenai"
)

// Streams sends each request as a chat stream to a fresh fake OpenAI
// server through an instrumented client, reads every stream to its end,
// finishes the run and returns its directory with the text each stream
// delivered. A model named "nousage-..." makes the server ignore
// include_usage, so the runtime logs that call usage_missing.
//
// The runtime keeps one run per process: call Streams once per test binary.
func Streams(t testing.TB, reqs ...openai.ChatCompletionRequest) (runDir string, texts []string) {
	t.Helper()
	srv := fakeopenai.New()
	defer srv.Close()
	dir := t.TempDir()
	if err := wbopenai.Init(wandb.Options{Dir: dir, Mode: "offline", Project: "runtest", Silent: true}); err != nil {
		t.Fatal(err)
	}
	cfg := openai.DefaultConfig("sk-runtest-0123456789")
	cfg.BaseURL = srv.URL()
	client := openai.NewClientWithConfig(wbopenai.Config(cfg))
	for _, req := range reqs {
		stream, err := client.CreateChatCompletionStream(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		var text strings.Builder
		for {
			chunk, err := stream.Recv()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			text.WriteString(chunk.Choices[0].Delta.Content)
		}
		stream.Close()
		texts = append(texts, text.String())
	}
	wbopenai.Finish()
	runs, _ := filepath.Glob(filepath.Join(dir, "wandb", "offline-run-*"))
	if len(runs) != 1 {
		t.Fatalf("want one run, found %v", runs)
	}
	return runs[0], texts
}

// Ask is a one-message chat request.
func Ask(model, question string) openai.ChatCompletionRequest {
	return openai.ChatCompletionRequest{
		Model:    model,
		Messages: []openai.ChatCompletionMessage{{Role: openai.ChatMessageRoleUser, Content: question}},
	}
}
