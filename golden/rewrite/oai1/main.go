// A program on the pre-1.0 SDK (module path without a major suffix), as
// opencode uses it: a client in a struct field, Azure, and a stream summed
// by the accumulator.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/openai/openai-go"
	"github.com/openai/openai-go/azure"
	"github.com/openai/openai-go/option"
)

type provider struct {
	client openai.Client
	model  string
}

func newProvider(azureEndpoint string) *provider {
	opts := []option.RequestOption{option.WithAPIKey(os.Getenv("OPENAI_API_KEY"))}
	if azureEndpoint != "" {
		opts = []option.RequestOption{azure.WithEndpoint(azureEndpoint, "2024-06-01"), azure.WithAPIKey("key")}
	}
	return &provider{client: openai.NewClient(wbiOAI1Opts(opts...)...), model: openai.ChatModelGPT4oMini}
}

func (p *provider) stream(ctx context.Context, q string) (int64, error) {
	s := wbiOAI1Value1(p.client.Chat.Completions.NewStreaming, "main.go:30 main.(*provider).stream")(ctx, openai.ChatCompletionNewParams{
		Model:         p.model,
		Messages:      []openai.ChatCompletionMessageParamUnion{openai.UserMessage(q)},
		StreamOptions: openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)},
	})
	acc := openai.ChatCompletionAccumulator{}
	for s.Next() {
		acc.AddChunk(s.Current())
	}
	return acc.Usage.TotalTokens, s.Err()
}

func main() {
	defer wbiFinish()
//line :43:1
	p := newProvider(os.Getenv("AZURE_OPENAI_ENDPOINT"))
	n, err := p.stream(context.Background(), "hi")
	fmt.Println(n, err)
	c, err := wbiOAI1Call1(p.client.Completions.New, "main.go:46 main.main")(context.Background(), openai.CompletionNewParams{
		Model:  "gpt-3.5-turbo-instruct",
		Prompt: openai.CompletionNewParamsPromptUnion{OfString: openai.String("hi")},
	})
	if err == nil {
		fmt.Println(c.Choices[0].Text)
	}
}
