// Command program is the example the demo instruments: a small assistant
// that calls OpenAI through go-openai the way real programs do (a chat
// call, a stream, embeddings, a tool call and a failing call). It reads
// OPENAI_API_KEY and OPENAI_BASE_URL, so the demo can point it at the
// built-in fake server. Its output is deterministic, which lets the tests
// compare it before and after instrumentation.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	openai "github.com/sashabaranov/go-openai"
)

func main() {
	cfg := openai.DefaultConfig(os.Getenv("OPENAI_API_KEY"))
	if u := os.Getenv("OPENAI_BASE_URL"); u != "" {
		cfg.BaseURL = u
	}
	client := openai.NewClientWithConfig(cfg)
	ctx := context.Background()

	for _, q := range []string{"What is Weights and Biases?", "Name three Go proverbs."} {
		if err := ask(ctx, client, q); err != nil {
			fmt.Println("error:", err)
		}
	}
	if err := stream(ctx, client, "Tell me a short story about gophers."); err != nil {
		fmt.Println("error:", err)
	}
	if err := embed(ctx, client, []string{"gopher", "wandb"}); err != nil {
		fmt.Println("error:", err)
	}
	if err := weather(ctx, client); err != nil {
		fmt.Println("error:", err)
	}
	// A model the fake server answers with 429: the program must see the
	// same error with and without instrumentation.
	if _, err := client.CreateChatCompletion(ctx, openai.ChatCompletionRequest{
		Model:    "fail-429",
		Messages: []openai.ChatCompletionMessage{{Role: openai.ChatMessageRoleUser, Content: "hello?"}},
	}); err != nil {
		fmt.Println("expected error:", err)
	}
}

func ask(ctx context.Context, c *openai.Client, q string) error {
	resp, err := c.CreateChatCompletion(ctx, openai.ChatCompletionRequest{
		Model:    openai.GPT4oMini,
		Messages: []openai.ChatCompletionMessage{{Role: openai.ChatMessageRoleUser, Content: q}},
	})
	if err != nil {
		return err
	}
	fmt.Printf("Q: %s\nA: %s\n   (%d prompt + %d completion tokens)\n", q, resp.Choices[0].Message.Content,
		resp.Usage.PromptTokens, resp.Usage.CompletionTokens)
	return nil
}

func stream(ctx context.Context, c *openai.Client, q string) error {
	s, err := c.CreateChatCompletionStream(ctx, openai.ChatCompletionRequest{
		Model:    openai.GPT4oMini,
		Messages: []openai.ChatCompletionMessage{{Role: openai.ChatMessageRoleUser, Content: q}},
	})
	if err != nil {
		return err
	}
	defer s.Close()
	fmt.Printf("Q: %s\nA (streamed): ", q)
	chunks := 0
	for {
		r, err := s.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		// Real programs index Choices[0] on every chunk.
		fmt.Print(r.Choices[0].Delta.Content)
		chunks++
	}
	fmt.Printf("\n   (%d chunks)\n", chunks)
	return nil
}

func embed(ctx context.Context, c *openai.Client, words []string) error {
	resp, err := c.CreateEmbeddings(ctx, openai.EmbeddingRequest{Model: openai.SmallEmbedding3, Input: words})
	if err != nil {
		return err
	}
	fmt.Printf("embeddings: %d vectors of %d dims (%d tokens)\n", len(resp.Data), len(resp.Data[0].Embedding), resp.Usage.TotalTokens)
	return nil
}

func weather(ctx context.Context, c *openai.Client) error {
	resp, err := c.CreateChatCompletion(ctx, openai.ChatCompletionRequest{
		Model:    openai.GPT4oMini,
		Messages: []openai.ChatCompletionMessage{{Role: openai.ChatMessageRoleUser, Content: "What is the weather in Paris?"}},
		Tools: []openai.Tool{{Type: openai.ToolTypeFunction, Function: &openai.FunctionDefinition{
			Name:       "get_weather",
			Parameters: map[string]any{"type": "object", "properties": map[string]any{"city": map[string]any{"type": "string"}}},
		}}},
	})
	if err != nil {
		return err
	}
	for _, tc := range resp.Choices[0].Message.ToolCalls {
		fmt.Printf("tool call: %s(%s)\n", tc.Function.Name, tc.Function.Arguments)
	}
	return nil
}
