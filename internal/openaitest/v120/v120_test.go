// Package v120 runs the instrumented runtime with go-openai v1.20, whose
// ClientConfig.HTTPClient is an *http.Client and which has no
// StreamOptions. It is its own module so the main module can keep v1.43;
// internal/openaitest's TestOldGoOpenAI drives it against the fake server
// and checks the run it writes.
package v120

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"testing"

	openai "github.com/sashabaranov/go-openai"

	"github.com/wbinstrument/wbinstrument/runtime/wbopenai"
)

func TestV120(t *testing.T) {
	base := os.Getenv("FAKEOPENAI_URL")
	if base == "" {
		t.Skip("driven by internal/openaitest TestOldGoOpenAI")
	}
	defer wbopenai.Finish()
	user := &http.Client{}
	cfg := openai.DefaultConfig(os.Getenv("FAKEOPENAI_KEY"))
	cfg.BaseURL = base
	cfg.HTTPClient = user
	c := openai.NewClientWithConfig(wbopenai.Config(cfg))
	if user.Transport != nil {
		t.Fatal("Config changed the user's *http.Client")
	}
	ctx := context.Background()
	resp, err := c.CreateChatCompletion(ctx, openai.ChatCompletionRequest{Model: "gpt-4o-mini",
		Messages: []openai.ChatCompletionMessage{{Role: "user", Content: "old client"}}})
	if err != nil || resp.Usage.TotalTokens == 0 {
		t.Fatalf("chat: %v", err)
	}
	st, err := c.CreateChatCompletionStream(ctx, openai.ChatCompletionRequest{Model: "gpt-4o-mini",
		Messages: []openai.ChatCompletionMessage{{Role: "user", Content: "old stream"}}})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	n := 0
	for {
		r, err := st.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		// The usage chunk we asked for on the wire must not reach the user.
		if len(r.Choices) != 1 {
			t.Fatalf("chunk %d has %d choices", n, len(r.Choices))
		}
		n++
	}
	if n < 3 {
		t.Fatalf("only %d chunks", n)
	}
}
