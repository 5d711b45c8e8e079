// Command programoai is the example the demo instruments with -sdk
// openai-go (its own module once the demo writes it out, with go.mod.txt
// and go.sum.txt): a small assistant that calls OpenAI through the official SDK,
// github.com/openai/openai-go/v3 (chat calls, a stream summed by the
// SDK's accumulator, embeddings, the Responses API, a call that succeeds
// on the SDK's retry and a failing call). It reads OPENAI_API_KEY and
// OPENAI_BASE_URL, so the demo can point it at the built-in fake server.
// Its output is deterministic, which lets the tests compare it before and
// after instrumentation.
package main

import (
	"context"
	"fmt"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/responses"
)

func main() {
	client := openai.NewClient()
	ctx := context.Background()

	for _, q := range []string{"What is Weights and Biases?", "Name three Go proverbs."} {
		ask(ctx, client, openai.ChatModelGPT4oMini, q)
	}
	stream(ctx, client, "Tell me a short story about gophers.")

	emb, err := client.Embeddings.New(ctx, openai.EmbeddingNewParams{
		Model: openai.EmbeddingModelTextEmbedding3Small,
		Input: openai.EmbeddingNewParamsInputUnion{OfArrayOfStrings: []string{"gopher", "wandb"}},
	})
	if err != nil {
		fmt.Println("error:", err)
	} else {
		fmt.Printf("embeddings: %d vectors of %d dimensions\n", len(emb.Data), len(emb.Data[0].Embedding))
	}

	r, err := client.Responses.New(ctx, responses.ResponseNewParams{
		Model: openai.ChatModelGPT4oMini,
		Input: responses.ResponseNewParamsInputUnion{OfString: openai.String("Summarize W&B in one line.")},
	})
	if err != nil {
		fmt.Println("error:", err)
	} else {
		fmt.Printf("responses: %s (%d tokens)\n", r.OutputText(), r.Usage.TotalTokens)
	}

	// The fake server fails the first attempt of this model with a 500;
	// the SDK retries and the call succeeds: one call, two attempts.
	ask(ctx, client, "flaky-1-gpt-4o-mini", "Are you there?")
	// A model the fake server refuses with a 400 (not retried): the
	// program must see the same error with and without instrumentation.
	ask(ctx, client, "fail-400", "hello?")
}

func ask(ctx context.Context, c openai.Client, model, q string) {
	resp, err := c.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{
		Model:    model,
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage(q)},
	})
	if err != nil {
		fmt.Println("expected error:", err)
		return
	}
	fmt.Printf("Q: %s\nA: %s\n   (%d prompt + %d completion tokens)\n", q, resp.Choices[0].Message.Content,
		resp.Usage.PromptTokens, resp.Usage.CompletionTokens)
}

func stream(ctx context.Context, c openai.Client, q string) {
	s := c.Chat.Completions.NewStreaming(ctx, openai.ChatCompletionNewParams{
		Model:    openai.ChatModelGPT4oMini,
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage(q)},
	})
	defer s.Close()
	acc := openai.ChatCompletionAccumulator{}
	chunks := 0
	for s.Next() {
		acc.AddChunk(s.Current())
		chunks++
	}
	if err := s.Err(); err != nil {
		fmt.Println("error:", err)
		return
	}
	fmt.Printf("Q: %s\nA (streamed, %d chunks): %s\n", q, chunks, acc.Choices[0].Message.Content)
}
