// Command oai3 uses openai-go v3: a client used from package bot, an interface call, Responses, embeddings, ListAutoPaging, an error-only method and an ignore directive.
package main

import (
	"context"
	"fmt"
	"net/http"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/responses"

	"example.com/oai3/bot"
)

// chatter is satisfied by the chat service.
type chatter interface {
	New(ctx context.Context, body openai.ChatCompletionNewParams, opts ...option.RequestOption) (*openai.ChatCompletion, error)
}

func logging(req *http.Request, next option.MiddlewareNext) (*http.Response, error) {
	fmt.Println("->", req.URL.Path)
	return next(req)
}

func main() {
	defer wbiFinish()
//line :27:1
	ctx := context.Background()
	client := openai.NewClient(wbiOAI3Opts(
		option.WithAPIKey("sk-test"),
		option.WithMiddleware(logging),
		option.WithHTTPClient(&http.Client{}),
	)...)
	params := openai.ChatCompletionNewParams{
		Model:    openai.ChatModelGPT4oMini,
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("hi")},
	}
	resp, err := wbiOAI3Call1(client.Chat.Completions.New, "main.go:37 main.main")(ctx, params)
	if err == nil {
		fmt.Println(resp.Choices[0].Message.Content)
	}

	stream := wbiOAI3Value1(client.Chat.Completions.NewStreaming, "main.go:42 main.main")(ctx, params)
	acc := openai.ChatCompletionAccumulator{}
	for stream.Next() {
		acc.AddChunk(stream.Current())
	}
	fmt.Println(acc.Usage.TotalTokens, stream.Err())

	create := wbiOAI3Call1(client.Chat.Completions.New, "main.go:49 main.main")
	_, _ = create(ctx, params, option.WithMaxRetries(0))

	var c chatter = &client.Chat.Completions
	_, _ = c.New(ctx, params)

	svc := responses.NewResponseService(wbiOAI3Opts(option.WithAPIKey("sk-test"))...)
	r, err := wbiOAI3Call1(svc.New, "main.go:56 main.main")(ctx, responses.ResponseNewParams{
		Model: openai.ChatModelGPT4oMini,
		Input: responses.ResponseNewParamsInputUnion{OfString: openai.String("hi")},
	})
	if err == nil {
		fmt.Println(r.OutputText())
	}
	_ = wbiOAI3Err1(svc.Delete, "main.go:63 main.main")(ctx, "resp_1")

	emb, err := wbiOAI3Call1(client.Embeddings.New, "main.go:65 main.main")(ctx, openai.EmbeddingNewParams{
		Model: openai.EmbeddingModelTextEmbedding3Small,
		Input: openai.EmbeddingNewParamsInputUnion{OfString: openai.String("x")},
	})
	if err == nil {
		fmt.Println(len(emb.Data))
	}
	iter := wbiOAI3Value0(client.Models.ListAutoPaging, "main.go:72 main.main")(ctx)
	for iter.Next() {
		fmt.Println(iter.Current().ID)
	}
	chat := openai.NewChatCompletionService() //wbinstrument:ignore
	_, _ = chat.New(ctx, params)              //wbinstrument:ignore

	b := bot.New(option.WithAPIKey("sk-test"))
	answer, _ := b.Ask(ctx, "why")
	fmt.Println(answer)
	_, _ = wbiOAI3Call1(b.Client.Models.Get, "main.go:82 main.main")(ctx, "gpt-4o-mini")
}
