// An openai-go v3 program for the end-to-end test, and the v1 one once
// the test has changed its import paths (testdata/programv1 holds only
// the v1 go.mod and go.sum). Each call is on one line holding its unique
// prompt, so the test can find its call site. OPENAI_BASE_URL and
// OPENAI_API_KEY point it at the fake server.
package main

import (
	"context"
	"fmt"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/responses"
)

func chat(model, prompt string) openai.ChatCompletionNewParams {
	return openai.ChatCompletionNewParams{Model: model, Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage(prompt)}}
}

func printStream(s interface {
	Next() bool
	Err() error
}, acc *openai.ChatCompletionAccumulator, get func() openai.ChatCompletionChunk) {
	for s.Next() {
		acc.AddChunk(get())
	}
	fmt.Printf("stream: %q usage=%d err=%v\n", acc.Choices[0].Message.Content, acc.Usage.TotalTokens, s.Err())
}

func main() {
	ctx := context.Background()
	client := openai.NewClient(option.WithMaxRetries(2))
	lib := openai.NewClient() //wbinstrument:ignore
	fmt.Println("clients built")

	r1, err := client.Chat.Completions.New(ctx, chat("gpt-4o-mini", "chat plain"))
	fmt.Printf("chat: %q %d %v\n", r1.Choices[0].Message.Content, r1.Usage.TotalTokens, err)

	s1 := client.Chat.Completions.NewStreaming(ctx, chat("gpt-4o-mini", "stream without usage"))
	acc1 := openai.ChatCompletionAccumulator{}
	printStream(s1, &acc1, s1.Current)

	p := chat("gpt-4o-mini", "stream with usage")
	p.StreamOptions = openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)}
	s2 := client.Chat.Completions.NewStreaming(ctx, p)
	acc2 := openai.ChatCompletionAccumulator{}
	printStream(s2, &acc2, s2.Current)

	rr, err := client.Responses.New(ctx, responses.ResponseNewParams{Model: "gpt-4o-mini", Input: responses.ResponseNewParamsInputUnion{OfString: openai.String("responses plain")}})
	fmt.Printf("responses: %q %d %v\n", rr.OutputText(), rr.Usage.TotalTokens, err)

	rs := client.Responses.NewStreaming(ctx, responses.ResponseNewParams{Model: "gpt-4o-mini", Input: responses.ResponseNewParamsInputUnion{OfString: openai.String("responses stream")}})
	for rs.Next() {
		if ev := rs.Current(); ev.Type == "response.completed" {
			fmt.Printf("responses stream: %q %d\n", ev.Response.OutputText(), ev.Response.Usage.TotalTokens)
		}
	}
	fmt.Println("responses stream err:", rs.Err())

	emb, err := client.Embeddings.New(ctx, openai.EmbeddingNewParams{Model: "text-embedding-3-small", Input: openai.EmbeddingNewParamsInputUnion{OfString: openai.String("embed me")}})
	fmt.Println("embeddings:", len(emb.Data), len(emb.Data[0].Embedding), emb.Usage.TotalTokens, err)

	r2, err := client.Chat.Completions.New(ctx, chat("flaky-1-gpt-4o-mini", "recovers after a retry"))
	fmt.Printf("flaky: %q %v\n", r2.Choices[0].Message.Content, err)

	_, err = client.Chat.Completions.New(ctx, chat("fail-500", "fails after its retries"), option.WithMaxRetries(1))
	fmt.Println("fail:", err != nil)

	// lib, a client built where the rewrite does not reach (as a library
	// would build it), is used here.
	r3, err := lib.Chat.Completions.New(ctx, chat("gpt-4o-mini", "library client"))
	fmt.Printf("library: %q %v\n", r3.Choices[0].Message.Content, err)

	// A call the rewrite leaves alone, on the instrumented client.
	r4, err := client.Chat.Completions.New(ctx, chat("flaky-2-gpt-4o-mini", "ignored line")) //wbinstrument:ignore
	fmt.Printf("ignored: %q %v\n", r4.Choices[0].Message.Content, err)
}
